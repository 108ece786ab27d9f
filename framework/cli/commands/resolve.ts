/** `tsops resolve <unit>`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

/** Register `resolve`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('resolve')
    .summary("clear a unit's error")
    .alias('resolved')
    .description("clear a unit's error: retry the failed hook now, or skip it with --no-retry")
    .argument('<unit>', 'the unit in error, like compute/0')
    .option('--no-retry', 'mark the failed hook done without running it again')
    .addHelpText('after', examples('tsops resolve compute/0', 'tsops resolve compute/0 --no-retry'))
    .action(async (unit: string, _opts: unknown, cmd: Command) => {
      const retry = Opts.of(cmd).flag('retry');
      await ctx.call('resolve', { model: ctx.model(cmd), unit, retry });
      ctx.out(`resolved ${unit}: ${retry ? 'retrying' : 'skipping'} the failed hook`);
    });
}
