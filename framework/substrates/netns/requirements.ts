/**
 * What the netns substrate needs from the host, checked before a model is made on it:
 * root (namespaces, bind mounts, veths) and the programs it drives.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The programs the substrate runs, and the Debian package that ships each. */
export const REQUIRED_PROGRAMS: ReadonlyArray<readonly [program: string, pkg: string]> = [
  ['ip', 'iproute2'],
  ['nsenter', 'util-linux'],
  ['unshare', 'util-linux'],
  ['setpriv', 'util-linux'],
  ['mount', 'mount'],
  ['apt-get', 'apt'],
  ['dpkg-query', 'dpkg'],
];

/** Whether `program` is an executable on PATH. */
export function onPath(program: string, path = process.env.PATH ?? ''): boolean {
  return path
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, program), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/**
 * null when this host can run the netns substrate; otherwise one line saying what is
 * missing and how to get it.
 */
export function netnsUnavailable(
  uid: number = process.getuid?.() ?? -1,
  hasProgram: (program: string) => boolean = (p) => onPath(p),
): string | null {
  const missing: string[] = [];
  if (uid !== 0) missing.push(`root (running as uid ${uid})`);
  const programs = REQUIRED_PROGRAMS.filter(([program]) => !hasProgram(program));
  if (programs.length > 0) {
    const pkgs = [...new Set(programs.map(([, pkg]) => pkg))];
    missing.push(`${programs.map(([p]) => p).join(', ')} (apt-get install ${pkgs.join(' ')})`);
  }
  if (missing.length === 0) return null;
  return `substrate 'netns' needs ${missing.join(' and ')}; run the controller as root on a Linux host, or use --substrate sandbox`;
}
