/**
 * A machine's /run is its own and starts empty, as after a boot; what systemd would put
 * there before a service starts is made here: the `d`/`D` lines of tmpfiles.d that are
 * under /run (Debian's mariadb needs /run/mysqld), and the unit's RuntimeDirectory=.
 */
import { chmod, chown, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdDatabase } from '../../ops/machine/passwd.js';
import type { MachineRoot } from './machine-root.js';

export const TMPFILES_DIRS: readonly string[] = ['/usr/lib/tmpfiles.d', '/etc/tmpfiles.d'];

/** A directory to make under /run. */
export interface RunDirectory {
  path: string;
  mode: number;
  user?: string;
  group?: string;
}

/** The `d`/`D` lines of tmpfiles.d texts that make directories under /run. */
export function parseRunTmpfiles(text: string): RunDirectory[] {
  const out: RunDirectory[] = [];
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (!['d', 'D'].includes(f[0] ?? '') || !(f[1] ?? '').startsWith('/run/')) continue;
    const mode = /^[0-7]{3,4}$/.test(f[2] ?? '') ? parseInt(f[2] ?? '755', 8) : 0o755;
    const user = f[3] && f[3] !== '-' ? f[3] : undefined;
    const group = f[4] && f[4] !== '-' ? f[4] : undefined;
    out.push({ path: f[1] ?? '', mode, user, group });
  }
  return out;
}

async function tmpfilesDirectories(): Promise<RunDirectory[]> {
  const out: RunDirectory[] = [];
  for (const dir of TMPFILES_DIRS) {
    for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
      if (name.endsWith('.conf'))
        out.push(...parseRunTmpfiles(await readFile(join(dir, name), 'utf8').catch(() => '')));
    }
  }
  return out;
}

/**
 * Make the machine's run directories: tmpfiles.d's (owners that do not exist on this
 * host are skipped, like systemd-tmpfiles does) and `runtime` (RuntimeDirectory=, owned
 * by the service's user and group).
 */
export async function applyRunTmpfiles(
  root: MachineRoot,
  runtime: readonly string[],
  runtimeMode: number,
  user: string | undefined,
  group: string | undefined,
): Promise<void> {
  await root.claim('/run');
  const ids = new IdDatabase('/');
  const wanted = [
    ...(await tmpfilesDirectories()),
    ...runtime.map((d) => ({ path: `/run/${d}`, mode: runtimeMode, user, group })),
  ];
  for (const d of wanted) {
    let uid = -1;
    let gid = -1;
    try {
      ({ uid, gid } = await ids.resolve(d.path, d.user, /^\d+$/.test(d.group ?? '') ? undefined : d.group));
      if (d.group !== undefined && /^\d+$/.test(d.group)) gid = Number(d.group);
    } catch {
      continue; // a user or group this host does not have (its package is not installed)
    }
    const real = join(root.root, d.path);
    await mkdir(real, { recursive: true, mode: d.mode });
    await chmod(real, d.mode);
    if (uid !== -1 || gid !== -1) await chown(real, uid, gid);
  }
}
