/** `tsops bootstrap`: start the controller and add the "default" model. */
import type { Command } from 'commander';
import { DEFAULT_MODEL } from '../context.js';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

/** Register `bootstrap`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('bootstrap')
    .summary('start the controller and add the "default" model')
    .description(
      'start the controller for this tsops home (any command that needs it starts it too); ' +
        'adds the "default" model when there is none',
    )
    .option('--no-default-model', 'do not add the "default" model')
    .addHelpText(
      'after',
      examples('tsops bootstrap', 'TSOPS_HOME=/tmp/lab tsops bootstrap --no-default-model'),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const info = await ctx.deps.ensureController(ctx.home);
      ctx.out(`controller ${info.started ? 'started' : 'already running'} at ${info.url}`);
      if (!Opts.of(cmd).flag('defaultModel')) return;
      const models = await ctx.call('models.list', {});
      if (models.length > 0) return;
      await ctx.call('models.add', { name: DEFAULT_MODEL });
      ctx.out(`added model "${DEFAULT_MODEL}" (sandbox)`);
    });
}
