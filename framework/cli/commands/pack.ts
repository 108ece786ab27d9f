/** `tsops pack <charm-dir>`: build a charm for a real Juju controller. */
import type { Command } from 'commander';
import { packCharm } from '../../controller/pack.js';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

/** Register `pack`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('pack')
    .summary('build a charm for a real Juju controller')
    .description('validate a charm folder, bundle src/charm.ts and write its executable dispatch')
    .argument('<charm-dir>', 'folder holding charm.yaml and src/charm.ts')
    .option(
      '-o, --out <dir>',
      'write the packed charm (charm.yaml, build/, dispatch) here instead of into <charm-dir>',
    )
    .option('--no-snapshot', 'skip the startup snapshot (hooks then start from the plain bundle)')
    .addHelpText('after', examples('tsops pack charms/slurmd', 'tsops pack charms/slurmd --out /tmp/slurmd'))
    .action(async (dir: string, _opts: unknown, cmd: Command) => {
      const o = Opts.of(cmd);
      const r = await packCharm(dir, { outDir: o.string('out'), snapshot: o.flag('snapshot') });
      ctx.out(`packed ${r.meta.name}: ${r.dispatchPath} runs ${r.bundlePath}`);
      if (r.snapshotSkipped) ctx.out(`no startup snapshot (hooks start slower): ${r.snapshotSkipped}`);
    });
}
