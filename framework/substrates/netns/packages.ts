/**
 * Packages on the netns substrate are the host's: installed once with apt (which waits
 * for dpkg's lock, so concurrent installs queue instead of failing), idempotently. What
 * a package ships under /etc, /var/lib, … becomes the installing machine's own copy
 * (trees.ts), so each machine configures and runs it on its own.
 */
import { HostPackages } from '../../ops/machine/host.js';
import { PackageError } from '../../ops/machine.js';
import type { MachinePackages } from '../../ops/machine.js';
import { runProcess } from '../../ops/machine/process.js';
import { isDirectory, type MachineRoot } from './machine-root.js';
import { MAINTAINER_SCRIPT_TREES, packageTrees } from './trees.js';

const run = (argv: readonly string[], env?: Record<string, string>) =>
  runProcess(argv, { env: { ...process.env, ...env }, timeoutMs: 900_000 });

export class NetnsPackages implements MachinePackages {
  private readonly host = new HostPackages(run, 'apt-get', 'dpkg-query');

  constructor(private readonly root: MachineRoot) {}

  async install(names: readonly string[]): Promise<void> {
    await this.host.install(names);
    for (const spec of names) {
      const name = spec.split('=')[0]?.split(':')[0] ?? spec;
      const listed = await run(['dpkg', '-L', name]);
      const trees = [
        ...packageTrees(listed.exitCode === 0 ? listed.stdout : ''),
        ...(MAINTAINER_SCRIPT_TREES[name] ?? []),
      ];
      for (const tree of trees) if (isDirectory(tree)) await this.root.merge(tree);
    }
  }

  /** Refused: every machine (and model) on this host shares the host's packages. */
  async remove(names: readonly string[]): Promise<void> {
    throw new PackageError(
      `not removing ${names.join(', ')}: on the netns substrate packages belong to the host, shared by every machine`,
    );
  }

  version(name: string): Promise<string | null> {
    return this.host.version(name);
  }
}
