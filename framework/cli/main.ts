/**
 * The `tsops` command. Each subcommand is one small module; every error is one
 * line on stderr saying what to do, and the exit code is non-zero.
 */
import { Command } from 'commander';
import { packCharm } from '../controller/pack.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tsops')
    .description('Run charms: a Juju-style operator framework and controller in TypeScript')
    .version('0.1.0');
  program
    .command('pack')
    .description('validate a charm folder, bundle src/charm.ts and write its executable dispatch')
    .argument('<charm-dir>', 'folder holding charm.yaml and src/charm.ts')
    .option(
      '-o, --out <dir>',
      'write the packed charm (charm.yaml, build/, dispatch) here instead of into <charm-dir>',
    )
    .option('--no-snapshot', 'skip the startup snapshot (hooks then start from the plain bundle)')
    .action(async (dir: string, opts: { out?: string; snapshot: boolean }) => {
      const r = await packCharm(dir, { outDir: opts.out, snapshot: opts.snapshot });
      process.stdout.write(`packed ${r.meta.name}: ${r.dispatchPath} runs ${r.bundlePath}\n`);
      if (r.snapshotSkipped)
        process.stdout.write(`no startup snapshot (hooks start slower): ${r.snapshotSkipped}\n`);
    });
  return program;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    process.stderr.write(`tsops: ${(e as Error).message.split('\n').join(' ')}\n`);
    return 1;
  }
}
