/** `tsops secrets` and `tsops secrets show <id>`: metadata only, never values. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatSecret, formatSecrets } from '../format/secrets.js';
import { examples } from '../help.js';

/** Register `secrets` and its subcommands. */
export function register(program: Command, ctx: CliContext): void {
  const secrets = program
    .command('secrets')
    .summary('list secrets (metadata only)')
    .description("list the model's secrets: id, owner, label, revision, grants (values are never shown)")
    .addHelpText('after', examples('tsops secrets', 'tsops secrets show secret:cq1t2vqj2p7d0b8m4l3g'))
    .action(async (_opts: unknown, cmd: Command) => {
      ctx.out(formatSecrets(await ctx.call('secrets.list', { model: ctx.model(cmd) })));
    });
  secrets
    .command('show')
    .description("show one secret's metadata as YAML")
    .argument('<id>', 'the secret id, as listed by tsops secrets')
    .addHelpText('after', examples('tsops secrets show secret:cq1t2vqj2p7d0b8m4l3g'))
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      ctx.out(formatSecret(await ctx.call('secrets.show', { model: ctx.model(cmd), id })));
    });
}
