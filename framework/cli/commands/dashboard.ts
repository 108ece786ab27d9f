/** `tsops dashboard`: a one-time link to the controller's web dashboard. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';

/** Register `dashboard`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('dashboard')
    .summary('print a one-time link to the live web dashboard')
    .description(
      'print a link to the live web dashboard of the model; the link logs one browser in, once, ' +
        'within minutes (run the command again for another). Nothing is opened for you: ' +
        'open the link in a browser on this machine.',
    )
    .addHelpText('after', examples('tsops dashboard', 'tsops dashboard -m slurm'))
    .action(async (_opts: unknown, cmd: Command) => {
      const link = await ctx.call('dashboard.login', { model: ctx.model(cmd) });
      // The link alone on stdout, so `$(tsops dashboard)` is the URL; the advice goes to stderr.
      ctx.out(link.url);
      const minutes = Math.max(1, Math.round((Date.parse(link.expiresAt) - Date.now()) / 60_000));
      ctx.errRaw(`open it within ${minutes} min on this machine; it works once\n`);
    });
}
