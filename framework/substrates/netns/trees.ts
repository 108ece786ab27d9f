/**
 * A netns machine's view of the filesystem: the host's, with the machine's own copy of
 * each "private tree" mounted over it. Charms keep canonical paths; a path inside a
 * private tree lives under `<machine>/root/`, every other path is the host's.
 *
 * Private trees are whole directories at a fixed depth: `/run` (empty at boot, like a
 * real machine's), and `/etc/X`, `/opt/X`, `/srv/X`, `/var/lib/X`, `/var/log/X`,
 * `/var/spool/X`, `/var/cache/X`. A tree becomes private when a charm writes into it or
 * when a package installed through the machine ships it; it starts as a copy of the
 * host's (so /etc/mysql keeps Debian's my.cnf, /var/lib/mysql its system tables).
 */
import { posix } from 'node:path';

/** Prefixes and the depth (in path components) of the trees under them. */
const TREE_DEPTH: ReadonlyArray<readonly [prefix: string, depth: number]> = [
  ['/run', 1],
  ['/etc', 2],
  ['/opt', 2],
  ['/srv', 2],
  ['/var/lib', 3],
  ['/var/log', 3],
  ['/var/spool', 3],
  ['/var/cache', 3],
];

/**
 * State that Debian's maintainer scripts make (so `dpkg -L` does not list it) and that
 * the package's daemon writes: private to a machine that installs the package.
 */
export const MAINTAINER_SCRIPT_TREES: Readonly<Record<string, readonly string[]>> = {
  'mariadb-server': ['/var/lib/mysql', '/var/log/mysql'],
};

/** The private tree holding `path` (normalized, absolute), or null for a host path. */
export function treeOf(path: string): string | null {
  const p = posix.normalize(path);
  for (const [prefix, depth] of TREE_DEPTH) {
    if (p !== prefix && !p.startsWith(`${prefix}/`)) continue;
    const parts = p.split('/').slice(1, depth + 1);
    if (parts.length < depth) return null; // the prefix itself, e.g. /etc: not a tree
    return `/${parts.join('/')}`;
  }
  return null;
}

/**
 * Trees that configure the host itself (init scripts, apt, systemd, security policy):
 * packages ship files there, but they stay the host's.
 */
const HOST_TREES: ReadonlySet<string> = new Set([
  '/etc/alternatives',
  '/etc/apparmor.d',
  '/etc/apt',
  '/etc/init.d',
  '/etc/logcheck',
  '/etc/logrotate.d',
  '/etc/security',
  '/etc/systemd',
  '/var/lib/dpkg',
  '/var/lib/systemd',
]);

/**
 * The trees a package ships, from `dpkg -L` output. Callers keep those that are
 * directories on the host (a file lying directly in /etc names no tree).
 */
export function packageTrees(dpkgList: string): string[] {
  const trees = new Set<string>();
  for (const line of dpkgList.split('\n')) {
    const path = line.trim();
    if (!path.startsWith('/')) continue;
    const tree = treeOf(path);
    // /run is every machine's own anyway.
    if (tree !== null && tree !== '/run' && !HOST_TREES.has(tree)) trees.add(tree);
  }
  return [...trees].sort();
}

/** What a charm may not write on this substrate, and why, or null when it may. */
export function writeRefusal(path: string): string | null {
  if (treeOf(path) !== null) return null;
  return (
    `${path} is outside the machine's private trees (/run, /etc/*, /opt/*, /srv/*, /var/lib/*, ` +
    `/var/log/*, /var/spool/*, /var/cache/*): writing it would change the host every netns machine shares`
  );
}
