/** `tsops integrate <a> <b>`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';

/** Register `integrate`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('integrate')
    .summary('relate two applications')
    .alias('relate')
    .description('relate two applications; give the endpoint when the pair could match several ways')
    .argument('<a>', '<application>[:<endpoint>]')
    .argument('<b>', '<application>[:<endpoint>]')
    .addHelpText(
      'after',
      examples('tsops integrate slurmctld compute', 'tsops integrate slurmdbd:database mysql'),
    )
    .action(async (a: string, b: string, _opts: unknown, cmd: Command) => {
      const { id } = await ctx.call('integrate', { model: ctx.model(cmd), a, b });
      ctx.out(`integrated ${a} and ${b} (relation ${id})`);
    });
}
