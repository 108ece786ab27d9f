/**
 * Where a netns machine's private trees live (`<machine>/root/<tree>`), how a tree
 * becomes private (a copy of the host's, made under a temporary name and renamed, so a
 * crash never leaves half a tree), and the bind mounts every process of the machine gets.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '../../ops/machine/process.js';
import type { Bind } from './enter.js';
import { treeOf } from './trees.js';

/** Files that name the machine itself: each machine has its own, bound over the host's. */
export const MACHINE_FILES: readonly string[] = ['/etc/hostname', '/etc/hosts'];

/** Parents whose subdirectories are trees (see trees.ts), relative to the root. */
const TREE_PARENTS: readonly string[] = ['etc', 'opt', 'srv', 'var/lib', 'var/log', 'var/spool', 'var/cache'];

async function run(argv: readonly string[]): Promise<void> {
  const r = await runProcess(argv, { env: process.env, timeoutMs: 300_000 });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
}

/** Whether `path` is a directory (false when absent). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export class MachineRoot {
  /** `<machine>/root`. */
  readonly root: string;

  constructor(
    machineDir: string,
    /** Makes a missing canonical mount point on the host (and notes who uses it, to remove it later). */
    private readonly ensureMountpoint: (target: string) => Promise<void>,
  ) {
    this.root = join(machineDir, 'root');
  }

  /** Whether `tree` is private to this machine. */
  isPrivate(tree: string): boolean {
    return existsSync(join(this.root, tree));
  }

  /** The real path of a canonical one: the machine's copy inside a private tree, else the host's. */
  realPath(path: string): string {
    const tree = treeOf(path);
    return tree !== null && this.isPrivate(tree) ? join(this.root, path) : path;
  }

  /** Write the machine's /etc/hostname and /etc/hosts (its name resolves to its own address). */
  async writeIdentity(hostname: string, address: string): Promise<void> {
    await mkdir(join(this.root, 'etc'), { recursive: true, mode: 0o755 });
    await writeFile(join(this.root, 'etc/hostname'), `${hostname}\n`, { mode: 0o644 });
    const hosts = [
      '127.0.0.1\tlocalhost',
      `${address}\t${hostname}`,
      '::1\tlocalhost ip6-localhost ip6-loopback',
      '',
    ];
    await writeFile(join(this.root, 'etc/hosts'), hosts.join('\n'), { mode: 0o644 });
  }

  /** Make `tree` private: a copy of the host's (owners and modes kept), or empty when the host has none. */
  async claim(tree: string): Promise<void> {
    if (this.isPrivate(tree)) return;
    const target = join(this.root, tree);
    await mkdir(join(target, '..'), { recursive: true, mode: 0o755 });
    const temp = `${target}.tsops-claim`;
    await rm(temp, { recursive: true, force: true });
    if (tree !== '/run' && isDirectory(tree)) await run(['cp', '-a', tree, temp]);
    else await mkdir(temp, { mode: 0o755 });
    await rename(temp, target);
  }

  /** Copy into a private tree what the host has and it lacks (after a package install). */
  async merge(tree: string): Promise<void> {
    if (!this.isPrivate(tree)) return this.claim(tree);
    if (isDirectory(tree)) await run(['cp', '-a', '-n', `${tree}/.`, join(this.root, tree)]);
  }

  /** Private trees, each over its canonical path; mount points missing on the host are made. */
  async binds(): Promise<Bind[]> {
    const trees: string[] = [];
    if (this.isPrivate('/run')) trees.push('/run');
    for (const parent of TREE_PARENTS) {
      const names = await readdir(join(this.root, parent)).catch(() => [] as string[]);
      for (const name of names.sort()) {
        if (name.endsWith('.tsops-claim')) continue;
        if (isDirectory(join(this.root, parent, name))) trees.push(`/${parent}/${name}`);
      }
    }
    for (const t of trees) await this.ensureMountpoint(t);
    const files = MACHINE_FILES.filter((f) => existsSync(join(this.root, f)) && existsSync(f));
    return [...trees, ...files].map((t) => ({ source: join(this.root, t), target: t }));
  }
}
