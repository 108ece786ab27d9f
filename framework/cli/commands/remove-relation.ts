/** `tsops remove-relation <a> <b>`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';

/** Register `remove-relation`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('remove-relation')
    .summary('remove a relation')
    .description('remove the relation between two applications (departed and broken hooks run on both sides)')
    .argument('<a>', '<application>[:<endpoint>]')
    .argument('<b>', '<application>[:<endpoint>]')
    .addHelpText('after', examples('tsops remove-relation slurmctld compute'))
    .action(async (a: string, b: string, _opts: unknown, cmd: Command) => {
      const { id } = await ctx.call('remove-relation', { model: ctx.model(cmd), a, b });
      ctx.out(`removing relation ${id} (${a} ${b})`);
    });
}
