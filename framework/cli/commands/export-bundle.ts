/** `tsops export-bundle`. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

/** Register `export-bundle`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('export-bundle')
    .summary('print the model as a bundle')
    .description('print the model as a bundle that deploys back to the same model')
    .option('--filename <file>', 'write the bundle to this file instead of stdout')
    .addHelpText('after', examples('tsops export-bundle', 'tsops export-bundle --filename cluster.yaml'))
    .action(async (_opts: unknown, cmd: Command) => {
      const { yaml } = await ctx.call('export-bundle', { model: ctx.model(cmd) });
      const file = Opts.of(cmd).string('filename');
      if (file === undefined) return ctx.out(yaml);
      const path = resolve(ctx.deps.cwd, file);
      writeFileSync(path, yaml.endsWith('\n') ? yaml : `${yaml}\n`);
      ctx.out(`wrote the bundle to ${path}`);
    });
}
