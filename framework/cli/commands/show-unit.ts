/** `tsops show-unit <unit>`. */
import type { Command } from 'commander';
import YAML from 'yaml';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';

/** Register `show-unit`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('show-unit')
    .summary("show a unit's relation data and recent hooks")
    .description(
      "show a unit's relation data, per relation, and its recent hooks as YAML (secret values never appear)",
    )
    .argument('<unit>', 'the unit, like compute/0')
    .addHelpText('after', examples('tsops show-unit slurmctld/0'))
    .action(async (unit: string, _opts: unknown, cmd: Command) => {
      const view = await ctx.call('show-unit', { model: ctx.model(cmd), unit });
      ctx.out(YAML.stringify(view));
    });
}
