/**
 * Processes by pid, never by name: a pid is only "ours" while its start time (field 22
 * of /proc/<pid>/stat) is the one recorded when we started it, so a recycled pid is
 * never signalled. Zombies count as gone.
 */
import { readdir, readFile, readlink, stat } from 'node:fs/promises';

/** A process we started, as recorded in the service state. */
export interface ProcessIdentity {
  pid: number;
  /** Clock ticks since boot at which it started (/proc/<pid>/stat field 22). */
  startTime: number;
}

/** State letter and start time of `pid`, or null when there is no such process. */
async function procStat(pid: number): Promise<{ state: string; startTime: number; pgid: number } | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  return { state: rest[0] ?? '?', pgid: Number(rest[2]), startTime: Number(rest[19]) };
}

/** The identity of a live process, for recording; null when it is gone. */
export async function identify(pid: number): Promise<ProcessIdentity | null> {
  const s = await procStat(pid);
  if (!s || s.state === 'Z' || s.state === 'X') return null;
  return { pid, startTime: s.startTime };
}

/** Whether the recorded process is still the one running under its pid. */
export async function isAlive(p: ProcessIdentity): Promise<boolean> {
  const s = await procStat(p.pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X' && s.startTime === p.startTime;
}

/** Signal the recorded process, and its process group when it leads one; false when it is gone. */
export async function signal(p: ProcessIdentity, sig: NodeJS.Signals, group: boolean): Promise<boolean> {
  const s = await procStat(p.pid);
  if (!s || s.startTime !== p.startTime || s.state === 'Z') return false;
  try {
    if (group && s.pgid === p.pid) process.kill(-p.pid, sig);
    else process.kill(p.pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Wait until `p` has exited, up to `timeoutMs`; whether it did. */
export async function waitGone(p: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isAlive(p))) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * SIGTERM (the group too unless `mainOnly`), then SIGKILL after `graceMs`. Resolves
 * once the process is gone.
 */
export async function terminate(p: ProcessIdentity, graceMs: number, mainOnly = false): Promise<void> {
  if (!(await signal(p, 'SIGTERM', !mainOnly))) return;
  if (await waitGone(p, graceMs)) return;
  await signal(p, 'SIGKILL', !mainOnly);
  await waitGone(p, 5_000);
}

/** Pids of every live process whose network namespace is the one at `nsFile`. */
export async function pidsInNetns(nsFile: string): Promise<number[]> {
  let target: { dev: number; ino: number };
  try {
    const s = await stat(nsFile);
    target = { dev: s.dev, ino: s.ino };
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = await stat(`/proc/${name}/ns/net`);
      if (s.ino === target.ino && s.dev === target.dev) pids.push(Number(name));
    } catch {
      // gone, or a kernel thread
    }
  }
  return pids;
}

/**
 * Whether `pid` has a listening socket (TCP or unix): how a service that tells systemd it
 * is ready (Type=notify) is known to be ready without systemd's notify socket.
 */
export async function isListening(pid: number): Promise<boolean> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m?.[1]) inodes.add(m[1]);
  }
  if (inodes.size === 0) return false;
  const tables = await Promise.all(
    ['tcp', 'tcp6', 'unix'].map((t) => readFile(`/proc/${pid}/net/${t}`, 'utf8').catch(() => '')),
  );
  const [tcp = '', tcp6 = '', unix = ''] = tables;
  for (const line of `${tcp}\n${tcp6}`.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // st (field 4) 0A = LISTEN; inode is field 10
    if (f[3] === '0A' && f[9] !== undefined && inodes.has(f[9])) return true;
  }
  for (const line of unix.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Flags (field 4) 00010000 = __SO_ACCEPTCON: a listening socket; inode is field 7
    if (f[3] === '00010000' && f[6] !== undefined && inodes.has(f[6])) return true;
  }
  return false;
}
