/**
 * How every process of a netns machine starts: in the machine's network namespace
 * (`nsenter --net`), in a new UTS namespace with the machine's hostname, and in a new
 * mount namespace where each private tree is bind-mounted over its canonical path.
 * Only the network namespace is entered: /sys and its cgroup mounts stay visible.
 */

/** A bind mount: the machine's copy (`source`) over the canonical path (`target`). */
export interface Bind {
  source: string;
  target: string;
}

/** What the process is. */
export interface EnterSpec {
  /** The namespace file, e.g. /run/netns/tsops-ab12cd-m3. */
  netns: string;
  hostname: string;
  binds: readonly Bind[];
  /** Run as this user (with their supplementary groups), via setpriv; default root. */
  user?: string;
  /** Primary group (name or gid); give it with `user` (setpriv needs both). */
  group?: string;
  cwd?: string;
  argv: readonly string[];
}

// $1 hostname, $2 working directory (or ""), then source/target pairs up to "--", then argv.
// Every value is a positional parameter, never spliced into the script text.
const SCRIPT = [
  'set -e',
  'hostname "$1"',
  'cwd=$2',
  'shift 2',
  'while [ "$1" != "--" ]; do mount --bind "$1" "$2"; shift 2; done',
  'shift',
  'if [ -n "$cwd" ]; then cd "$cwd"; fi',
  'exec "$@"',
].join('\n');

/** The argv that runs `spec.argv` inside the machine. */
export function enterArgv(spec: EnterSpec): string[] {
  if (spec.argv.length === 0) throw new Error('exec needs a program: argv is empty');
  const user: string[] = [];
  if (spec.user !== undefined || spec.group !== undefined) {
    user.push('setpriv');
    if (spec.user !== undefined) user.push(`--reuid=${spec.user}`);
    if (spec.group !== undefined) user.push(`--regid=${spec.group}`);
    // A user's supplementary groups come from /etc/group; a group alone drops them.
    user.push(spec.user !== undefined ? '--init-groups' : '--clear-groups', '--');
  }
  return [
    'nsenter',
    `--net=${spec.netns}`,
    '--',
    'unshare',
    '--uts',
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    SCRIPT,
    'tsops-enter',
    spec.hostname,
    spec.cwd ?? '',
    ...spec.binds.flatMap((b) => [b.source, b.target]),
    '--',
    ...user,
    ...spec.argv,
  ];
}
