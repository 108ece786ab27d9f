/**
 * Packages of a sandbox machine, recorded in `<dir>/packages.json`. Nothing is
 * downloaded; a package that ships a daemon makes that service exist, started
 * and enabled, as Debian's maintainer scripts do on install.
 */
import { join } from 'node:path';
import { PackageError } from '../../ops/machine.js';
import type { MachinePackages } from '../../ops/machine.js';
import { servicesFile } from './services.js';
import { RecordFile, isObject, serialize, text } from './store.js';

/** What packages.json keeps per package. */
export interface PackageRecord {
  /** 'sandbox', or the version pinned with `name=version`. */
  version: string;
  /** ISO 8601 time of the first install. */
  installedAt: string;
}

/**
 * Services that Debian packages used by tsops charms provide. Add a line to
 * teach the sandbox another package.
 */
export const PACKAGE_SERVICES: Readonly<Record<string, readonly string[]>> = {
  slurmctld: ['slurmctld'],
  slurmd: ['slurmd'],
  slurmdbd: ['slurmdbd'],
  munge: ['munge'],
  'mariadb-server': ['mariadb'],
};

/** Debian package names, optionally with `:arch` and `=version` (never an option such as `-o`). */
const PACKAGE = /^([a-z0-9][a-z0-9+.-]+)(?::[a-z0-9-]+)?(?:=([A-Za-z0-9.+~:-]+))?$/;

/** The services `name` provides, if any. */
function providedServices(name: string): readonly string[] {
  return Object.hasOwn(PACKAGE_SERVICES, name) ? (PACKAGE_SERVICES[name] ?? []) : [];
}

/** Splits and validates `name[:arch][=version]`. */
function parseSpec(spec: string): { name: string; version?: string } {
  const match = typeof spec === 'string' ? PACKAGE.exec(spec) : null;
  if (!match?.[1]) {
    throw new PackageError(
      `invalid package name ${JSON.stringify(spec)}: expected a Debian name such as slurmd or slurmd=22.05.8-4`,
    );
  }
  return match[2] === undefined ? { name: match[1] } : { name: match[1], version: match[2] };
}

function checkPackageRecord(value: unknown, key: string): PackageRecord {
  if (!isObject(value)) throw new Error(`${key}: expected {version, installedAt}`);
  return {
    version: text(value.version, `${key}.version`),
    installedAt: text(value.installedAt, `${key}.installedAt`),
  };
}

/** MachinePackages over packages.json; see the module comment. */
export class SandboxPackages implements MachinePackages {
  private readonly records: RecordFile<PackageRecord>;

  constructor(private readonly dir: string) {
    this.records = new RecordFile(join(dir, 'packages.json'), checkPackageRecord);
  }

  /** Idempotent: an installed package keeps its install time unless a different version is pinned. */
  async install(names: readonly string[]): Promise<void> {
    const specs = names.map(parseSpec);
    if (specs.length === 0) return;
    await serialize(this.dir, async () => {
      // Services first: after a crash in between, the package is simply installed again.
      await servicesFile(this.dir).update((services) => {
        let changed = false;
        for (const name of specs.flatMap((spec) => providedServices(spec.name))) {
          if (services.has(name)) continue;
          services.set(name, { state: 'running', enabled: true, starts: 1, restarts: 0, reloads: 0 });
          changed = true;
        }
        return changed;
      });
      const now = new Date().toISOString();
      await this.records.update((records) => {
        let changed = false;
        for (const { name, version = 'sandbox' } of specs) {
          const current = records.get(name);
          if (current && (current.version === version || version === 'sandbox')) continue;
          records.set(name, { version, installedAt: now });
          changed = true;
        }
        return changed;
      });
    });
  }

  /** Removes packages (absent ones are fine) and the services they provided that the charm did not define. */
  async remove(names: readonly string[]): Promise<void> {
    const specs = names.map(parseSpec);
    if (specs.length === 0) return;
    await serialize(this.dir, async () => {
      await this.records.update((records) => specs.map(({ name }) => records.delete(name)).some(Boolean));
      await servicesFile(this.dir).update((services) => {
        let changed = false;
        for (const name of specs.flatMap((spec) => providedServices(spec.name))) {
          if (services.get(name)?.spec === undefined) changed = services.delete(name) || changed;
        }
        return changed;
      });
    });
  }

  async version(name: string): Promise<string | null> {
    const spec = parseSpec(name);
    return (await this.records.read()).get(spec.name)?.version ?? null;
  }

  /** Everything packages.json holds, for inspection (status output, tests). */
  all(): Promise<Map<string, PackageRecord>> {
    return this.records.read();
  }
}
