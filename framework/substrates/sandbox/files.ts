/**
 * MachineFiles for a sandbox machine: canonical paths live under `<dir>/root/`,
 * modes are real, owners and groups are recorded in `<dir>/owners.json` (a
 * sandbox has no users of its own), and nothing may reach outside the root.
 */
import { chmod, lstat, mkdir, readdir, readFile, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { FileNotFoundError } from '../../ops/machine.js';
import type { FileInfo, FileWriteOptions, MachineFiles } from '../../ops/machine.js';
import { RecordFile, TEMP_NAME, errorCode, isObject, serialize, text, writeAtomic } from './store.js';

/** Who owns a path, and its mode when the real one had to differ (see `realMode`). */
export interface OwnerEntry {
  owner: string;
  group: string;
  mode?: number;
}

/** A path outside the machine's root, or one that is not absolute. */
export class SandboxPathError extends Error {
  override name = 'SandboxPathError';
}

/** User and group names as Debian's adduser accepts them (plus `$` for machine accounts). */
const ACCOUNT = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;

const DEFAULT_OWNER = { owner: 'root', group: 'root' } as const;

/**
 * `path` made canonical (`/a/b`), relative ones taken from `cwd` (exec
 * arguments) or refused when `cwd` is undefined (the Machine API). A `..` that
 * would climb above `/` is refused rather than silently clamped.
 */
export function canonicalPath(path: string, cwd?: string): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new SandboxPathError(`invalid machine path ${JSON.stringify(path)}`);
  }
  if (!path.startsWith('/')) {
    if (cwd === undefined) {
      throw new SandboxPathError(`machine paths must be absolute, got ${JSON.stringify(path)}`);
    }
    return canonicalPath(`${cwd}/${path}`);
  }
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') {
      if (parts.length === 0) {
        throw new SandboxPathError(`refused ${path}: ".." climbs above the machine's root`);
      }
      parts.pop();
    } else if (part && part !== '.') parts.push(part);
  }
  return `/${parts.join('/')}`;
}

// The sandbox process must keep reading and replacing what it wrote, and must be
// able to delete the machine, so the real mode always grants the owner rw (rwx for
// directories); the requested mode is then recorded in owners.json and reported.
function realMode(mode: number, isDirectory: boolean): number {
  return mode | (isDirectory ? 0o700 : 0o600);
}

function checkMode(mode: number | undefined): void {
  if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)) {
    throw new Error(`invalid file mode ${String(mode)}: expected permission bits such as 0o644`);
  }
}

function checkAccount(kind: string, name: string | undefined): void {
  if (name !== undefined && !ACCOUNT.test(name)) {
    throw new Error(`invalid ${kind} name ${JSON.stringify(name)}`);
  }
}

function checkOwnerEntry(value: unknown, key: string): OwnerEntry {
  if (!isObject(value)) throw new Error(`${key}: expected {owner, group}`);
  const entry: OwnerEntry = {
    owner: text(value.owner, `${key}.owner`),
    group: text(value.group, `${key}.group`),
  };
  if (value.mode !== undefined) {
    if (
      typeof value.mode !== 'number' ||
      !Number.isInteger(value.mode) ||
      value.mode < 0 ||
      value.mode > 0o7777
    ) {
      throw new Error(`${key}.mode must be permission bits`);
    }
    entry.mode = value.mode;
  }
  return entry;
}

/** Files of one sandbox machine; see the module comment. */
export class SandboxFiles implements MachineFiles {
  /** The directory that stands for `/`. */
  readonly root: string;
  private readonly owners: RecordFile<OwnerEntry>;
  private realRoot: Promise<string> | undefined;

  constructor(private readonly dir: string) {
    this.root = join(dir, 'root');
    this.owners = new RecordFile(join(dir, 'owners.json'), checkOwnerEntry);
  }

  /** Where `canonical` really is, after checking no symbolic link on the way leads outside the root. */
  async locate(canonical: string, followLast = true): Promise<string> {
    this.realRoot ??= mkdir(this.root, { recursive: true }).then(() => realpath(this.root));
    const root = await this.realRoot;
    const real = canonical === '/' ? root : join(root, canonical);
    // The deepest part of the path that exists decides where it leads.
    let probe = followLast ? real : dirname(real);
    for (;;) {
      let resolved: string;
      try {
        resolved = await realpath(probe);
      } catch (error) {
        const code = errorCode(error);
        if ((code === 'ENOENT' || code === 'ENOTDIR') && probe !== root) {
          probe = dirname(probe);
          continue;
        }
        throw error;
      }
      if (resolved !== root && !resolved.startsWith(root + sep)) {
        throw new SandboxPathError(`refused ${canonical}: a symbolic link leads outside the machine's root`);
      }
      return real;
    }
  }

  /** Owner, group and reported mode of every path that differs from root:root and its real mode. */
  ownerEntries(): Promise<Map<string, OwnerEntry>> {
    return this.owners.read();
  }

  async read(path: string): Promise<string> {
    const canonical = canonicalPath(path);
    try {
      return await readFile(await this.locate(canonical), 'utf8');
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileNotFoundError(path);
      if (code === 'EISDIR') throw new Error(`cannot read ${path}: it is a directory`);
      throw error;
    }
  }

  write(path: string, content: string | Uint8Array, options: FileWriteOptions = {}): Promise<void> {
    return serialize(this.dir, () => this.writeHeld(path, content, options));
  }

  /** `write` for a caller that already holds the machine's queue. */
  async writeHeld(path: string, content: string | Uint8Array, options: FileWriteOptions = {}): Promise<void> {
    const canonical = canonicalPath(path);
    checkMode(options.mode);
    checkAccount('user', options.owner);
    checkAccount('group', options.group);
    if (canonical === '/') throw new Error('cannot write /: it is a directory');
    const real = await this.locate(canonical);
    await this.makeParents(canonical, real);
    const existing = await this.statReal(real);
    if (existing?.isDirectory()) throw new Error(`cannot write ${path}: it is a directory`);
    const owners = await this.owners.read();
    const { mode, changed } = this.apply(owners, canonical, existing, options, false);
    // File first: a crash in between leaves the old owner, which the next (re-run) hook rewrites.
    await writeAtomic(real, content, realMode(mode, false));
    if (changed) await this.owners.write(owners);
  }

  remove(path: string): Promise<void> {
    return serialize(this.dir, async () => {
      const canonical = canonicalPath(path);
      if (canonical === '/') throw new Error('cannot remove /');
      // The link itself is removed, wherever it points, so only its directory is checked.
      const real = await this.locate(canonical, false);
      try {
        if ((await lstat(real)).isDirectory()) await rmdir(real);
        else await unlink(real);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        if (code === 'ENOTEMPTY' || code === 'EEXIST')
          throw new Error(`cannot remove ${path}: directory not empty`);
        throw error;
      }
      await this.owners.update((owners) => owners.delete(canonical));
    });
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  async stat(path: string): Promise<FileInfo | null> {
    const canonical = canonicalPath(path);
    const info = await this.statReal(await this.locate(canonical));
    if (!info) return null;
    const entry = (await this.owners.read()).get(canonical);
    return {
      path,
      mode: entry?.mode ?? info.mode & 0o7777,
      owner: entry?.owner ?? DEFAULT_OWNER.owner,
      group: entry?.group ?? DEFAULT_OWNER.group,
      size: info.size,
      isDirectory: info.isDirectory(),
    };
  }

  async list(dir: string): Promise<string[]> {
    const canonical = canonicalPath(dir);
    try {
      const names = await readdir(await this.locate(canonical));
      return names.filter((name) => !TEMP_NAME.test(name)).sort();
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') throw new FileNotFoundError(dir);
      if (code === 'ENOTDIR') throw new Error(`cannot list ${dir}: not a directory`);
      throw error;
    }
  }

  /** Creates missing parents (0o755, root:root); mode and owner apply to the directory named. */
  mkdir(path: string, options: FileWriteOptions = {}): Promise<void> {
    return serialize(this.dir, async () => {
      const canonical = canonicalPath(path);
      checkMode(options.mode);
      checkAccount('user', options.owner);
      checkAccount('group', options.group);
      const real = await this.locate(canonical);
      await this.makeParents(canonical, real);
      const existing = await this.statReal(real);
      if (existing && !existing.isDirectory()) {
        throw new Error(`cannot create directory ${path}: a file exists there`);
      }
      if (!existing) await mkdir(real, { mode: 0o700 }); // chmod below: mkdir's mode is subject to the umask
      const owners = await this.owners.read();
      const { mode, changed } = this.apply(owners, canonical, existing, options, true);
      await chmod(real, realMode(mode, true));
      if (changed) await this.owners.write(owners);
    });
  }

  /** Records owner/group (and a mode the real bits cannot carry) for a write or mkdir; returns the mode to apply. */
  private apply(
    owners: Map<string, OwnerEntry>,
    canonical: string,
    existing: Stats | null,
    options: FileWriteOptions,
    isDirectory: boolean,
  ): { mode: number; changed: boolean } {
    // A new file starts from the defaults even if a stale entry survived a crash.
    const previous = existing ? owners.get(canonical) : undefined;
    const owner = options.owner ?? previous?.owner ?? DEFAULT_OWNER.owner;
    // The owner's primary group, assumed to share its name (Debian's user private groups).
    const group =
      options.group ?? (options.owner !== undefined ? options.owner : (previous?.group ?? 'root'));
    const fallback = isDirectory ? 0o755 : 0o644;
    const mode = options.mode ?? previous?.mode ?? (existing ? existing.mode & 0o7777 : fallback);
    const next: OwnerEntry = { owner, group };
    // setuid/setgid bits may be dropped by chmod for a non-root process, so they are recorded too.
    if (realMode(mode, isDirectory) !== mode || (mode & 0o7000) !== 0) next.mode = mode;
    const before = JSON.stringify(owners.get(canonical) ?? null);
    if (owner === 'root' && group === 'root' && next.mode === undefined) owners.delete(canonical);
    else owners.set(canonical, next);
    return { mode, changed: JSON.stringify(owners.get(canonical) ?? null) !== before };
  }

  /** mkdir -p for the parents of `canonical`, each new one 0o755 whatever the umask. */
  private async makeParents(canonical: string, real: string): Promise<void> {
    const missing: string[] = [];
    let parent = dirname(real);
    for (let up = dirname(canonical); up !== '/'; up = dirname(up), parent = dirname(parent)) {
      const info = await this.statReal(parent);
      if (info?.isDirectory()) break;
      if (info) throw new Error(`cannot create ${canonical}: ${up} is not a directory`);
      missing.unshift(parent);
    }
    for (const dir of missing) {
      await mkdir(dir).catch((error: unknown) => {
        if (errorCode(error) !== 'EEXIST') throw error;
      });
      await chmod(dir, 0o755);
    }
  }

  private async statReal(real: string): Promise<Stats | null> {
    try {
      return await stat(real);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw error;
    }
  }
}
