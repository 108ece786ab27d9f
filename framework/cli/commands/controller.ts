/** `tsops controller stop`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';

/** Register `controller` and its subcommands. */
export function register(program: Command, ctx: CliContext): void {
  const controller = program
    .command('controller')
    .description('manage the controller of this tsops home')
    .addHelpText('after', examples('tsops controller stop'));
  controller
    .command('stop')
    .description('stop the controller; models stay on disk and the next command starts it again')
    .addHelpText('after', examples('tsops controller stop'))
    .action(async () => {
      await ctx.close();
      ctx.out((await ctx.deps.stopController(ctx.home)).message);
    });
}
