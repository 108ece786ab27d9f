/** `tsops remove-unit <unit...>`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';

/** Register `remove-unit`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('remove-unit')
    .summary('remove units')
    .description(
      'remove units; each runs its departure hooks first (relation-departed, relation-broken, stop)',
    )
    .argument('<unit...>', 'units to remove, like compute/3')
    .addHelpText('after', examples('tsops remove-unit compute/3 compute/4'))
    .action(async (units: string[], _opts: unknown, cmd: Command) => {
      const r = await ctx.call('remove-unit', { model: ctx.model(cmd), units });
      ctx.out(`removing ${r.units.join(', ')}`);
    });
}
