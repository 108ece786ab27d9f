/** `tsops remove-application <app>`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';

/** Register `remove-application`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('remove-application')
    .summary('remove an application')
    .description('remove an application: its relations, then its units, then the application')
    .argument('<app>', 'the application')
    .addHelpText('after', examples('tsops remove-application compute'))
    .action(async (app: string, _opts: unknown, cmd: Command) => {
      const r = await ctx.call('remove-application', { model: ctx.model(cmd), app });
      ctx.out(`removing application ${r.app}`);
    });
}
