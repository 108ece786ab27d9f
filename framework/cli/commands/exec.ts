/** `tsops exec <unit> -- <argv...>`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';

/** Register `exec`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('exec')
    .summary("run a command on a unit's machine")
    .description("run a command on a unit's machine (no shell) and exit with its exit code")
    .argument('<unit>', 'the unit, like compute/0')
    .argument('<argv...>', "the command and its arguments; put '--' before them")
    .addHelpText(
      'after',
      examples(
        'tsops exec slurmctld/0 -- cat /etc/slurm/slurm.conf',
        'tsops exec compute/0 -- ls -l /etc/slurm',
      ),
    )
    .action(async (unit: string, argv: string[], _opts: unknown, cmd: Command) => {
      const r = await ctx.call('exec', { model: ctx.model(cmd), unit, argv });
      ctx.deps.stdout.write(r.stdout);
      ctx.deps.stderr.write(r.stderr);
      ctx.exitCode = r.exitCode;
    });
}
