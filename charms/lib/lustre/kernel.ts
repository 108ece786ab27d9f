/**
 * Whether the running kernel can run Lustre: the filesystem already registered, a module
 * modprobe can load, or a module file under /lib/modules/<release>. Charms go Blocked with
 * the reason when it cannot.
 */
import type { Machine } from '../../../framework/ops/machine.js';

/** The answer, with a reason a status message can carry as is. */
export interface LustreSupport {
  supported: boolean;
  reason: string;
  /** `uname -r`, when it had to be asked and answered. */
  kernelRelease: string | null;
}

/** Client: the lustre filesystem module. Server: also the ldiskfs object storage device. */
export type LustreNodeRole = 'client' | 'server';

/** Filesystem types in /proc/filesystems (`nodev\tlustre`, `\text4`). */
export function parseProcFilesystems(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((line) => line.trim().split(/\s+/).at(-1) ?? '')
      .filter(Boolean),
  );
}

/** Whether modules.dep lists the module (`…/lustre.ko[.xz|.zst|.gz]: deps…`). */
export function modulesDepHas(modulesDep: string, module: string): string | null {
  const pattern = new RegExp(`^((?:\\S*/)?${module}\\.ko(?:\\.(?:xz|zst|gz))?):`, 'm');
  return pattern.exec(modulesDep)?.[1] ?? null;
}

// Where Lustre's packages put modules when depmod has not indexed them: Whamcloud's
// lustre(-client)-modules packages (extra/) and DKMS builds (updates/dkms/).
const MODULE_DIRS = ['extra/lustre/fs', 'extra/lustre-client/fs', 'extra', 'updates/dkms', 'updates'];

/** `uname -r`, asked at most once and only when needed. */
class Release {
  private answer: Promise<string | null> | undefined;
  constructor(private readonly machine: Machine) {}
  get asked(): boolean {
    return this.answer !== undefined;
  }
  get(): Promise<string | null> {
    this.answer ??= this.machine
      .exec(['uname', '-r'], { check: false })
      .then((r) => (r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : null));
    return this.answer;
  }
}

/** How the module can be found, or null: modprobe's dry run, modules.dep, then known paths. */
async function findModule(machine: Machine, module: string, kernel: Release): Promise<string | null> {
  const dryRun = await machine.exec(['modprobe', '-n', module], { check: false });
  if (dryRun.exitCode === 0) return `modprobe -n ${module} succeeds`;
  const release = await kernel.get();
  if (!release) return null;
  const base = `/lib/modules/${release}`;
  if (await machine.files.exists(`${base}/modules.dep`)) {
    const listed = modulesDepHas(await machine.files.read(`${base}/modules.dep`), module);
    if (listed) return `${base}/${listed} is in modules.dep`;
  }
  for (const dir of MODULE_DIRS) {
    for (const suffix of ['', '.xz', '.zst', '.gz']) {
      const path = `${base}/${dir}/${module}.ko${suffix}`;
      // Present but not indexed: modprobe needs `depmod -a` first, which the charm can run.
      if (await machine.files.exists(path)) return `${path} exists (run depmod -a for modprobe to find it)`;
    }
  }
  return null;
}

interface ModuleCheck {
  module: string;
  /** The filesystem type the loaded module registers. */
  fs: string;
  missing: (release: string) => string;
}

const CLIENT_CHECK: ModuleCheck = {
  module: 'lustre',
  fs: 'lustre',
  missing: (rel) => `has no Lustre module: install lustre-client-modules-${rel} or a Lustre-patched kernel`,
};

const SERVER_CHECK: ModuleCheck = {
  module: 'osd_ldiskfs',
  fs: 'ldiskfs',
  missing: (rel) =>
    `has no Lustre server (osd_ldiskfs) module: install the Lustre server modules for ${rel} or a Lustre-patched kernel`,
};

/**
 * Whether this machine's kernel supports Lustre for the role; the reason says what was found,
 * or exactly what is missing and what to install.
 */
export async function lustreSupport(
  machine: Machine,
  role: LustreNodeRole = 'client',
): Promise<LustreSupport> {
  let filesystems = new Set<string>();
  if (await machine.files.exists('/proc/filesystems')) {
    filesystems = parseProcFilesystems(await machine.files.read('/proc/filesystems'));
  }
  const kernel = new Release(machine);
  const found: string[] = [];
  for (const check of role === 'server' ? [CLIENT_CHECK, SERVER_CHECK] : [CLIENT_CHECK]) {
    if (filesystems.has(check.fs)) {
      found.push(`${check.fs} is registered in /proc/filesystems`);
      continue;
    }
    const how = await findModule(machine, check.module, kernel);
    if (!how) {
      const rel = await kernel.get();
      const running = rel ? `the running kernel ${rel}` : 'the running kernel (uname -r failed)';
      return {
        supported: false,
        reason: `${running} ${check.missing(rel ?? '<release>')}`,
        kernelRelease: rel,
      };
    }
    found.push(how);
  }
  return {
    supported: true,
    reason: found.join('; '),
    kernelRelease: kernel.asked ? await kernel.get() : null,
  };
}
