/**
 * MachineFiles on a real filesystem, with every canonical path placed under a
 * root directory ('/' on a real unit, a temp dir in tests).
 */
import { randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { FileNotFoundError } from '../machine.js';
import type { FileInfo, FileWriteOptions, MachineFiles } from '../machine.js';
import { IdDatabase } from './passwd.js';

/** The errno code of a Node fs error, if any (no instanceof: errors may come from another realm, e.g. under Jest). */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** Rejects relative paths, which would depend on the hook's working directory. */
export function checkAbsolute(path: string): string {
  if (!isAbsolute(path)) throw new Error(`machine paths must be absolute, got ${JSON.stringify(path)}`);
  return normalize(path);
}

/** How HostFiles places canonical paths; the default puts every path under one root. */
export interface HostFilesOptions {
  /** The real path of a (normalized, absolute) canonical path; default `join(root, path)`. */
  realPath?: (path: string) => string;
  /** Where etc/passwd and etc/group are read from (default the root). */
  idRoot?: string;
}

/** Files under `root`; owners are names from `<root>/etc/passwd` and `<root>/etc/group`. */
export class HostFiles implements MachineFiles {
  private readonly ids: IdDatabase;
  private readonly realPath: (path: string) => string;

  constructor(root: string, options: HostFilesOptions = {}) {
    this.ids = new IdDatabase(options.idRoot ?? root);
    this.realPath = options.realPath ?? ((path) => join(root, path));
  }

  /** The real path for a canonical one; `..` cannot climb above the root because the path is normalized first. */
  private real(path: string): string {
    return this.realPath(checkAbsolute(path));
  }

  async read(path: string): Promise<string> {
    try {
      return await readFile(this.real(path), 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new FileNotFoundError(path);
      throw error;
    }
  }

  /** Temp file in the same directory (same filesystem), fsync, rename over the target, fsync the directory. */
  async write(path: string, content: string | Uint8Array, options: FileWriteOptions = {}): Promise<void> {
    const real = this.real(path);
    const dir = dirname(real);
    // Resolve names before touching the disk, so a bad owner leaves nothing behind.
    const ids = await this.ids.resolve(path, options.owner, options.group);
    const existing = await stat(real).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    });
    // rename() replaces the inode, so unspecified attributes are carried over explicitly.
    const uid = ids.uid !== -1 ? ids.uid : (existing?.uid ?? -1);
    const gid = ids.gid !== -1 ? ids.gid : (existing?.gid ?? -1);
    const mode = options.mode ?? (existing ? existing.mode & 0o7777 : 0o644);

    await mkdir(dir, { recursive: true, mode: 0o755 });
    const temp = join(dir, `.${basename(real)}.tsops-${process.pid}-${randomBytes(6).toString('hex')}`);
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx', 0o600);
      await handle.writeFile(content);
      // chown before chmod: chown clears setuid/setgid bits.
      if (uid !== -1 || gid !== -1) await handle.chown(uid, gid);
      await handle.chmod(mode);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, real);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
    await syncDirectory(dir);
  }

  async remove(path: string): Promise<void> {
    const real = this.real(path);
    try {
      const info = await lstat(real);
      if (info.isDirectory()) await rmdir(real);
      else await unlink(real);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') return;
      if (code === 'ENOTEMPTY' || code === 'EEXIST')
        throw new Error(`cannot remove ${path}: directory not empty`);
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  async stat(path: string): Promise<FileInfo | null> {
    try {
      const info = await stat(this.real(path));
      const { owner, group } = await this.ids.names(info.uid, info.gid);
      return {
        path,
        mode: info.mode & 0o7777,
        owner,
        group,
        size: info.size,
        isDirectory: info.isDirectory(),
      };
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(this.real(dir))).sort();
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new FileNotFoundError(dir);
      throw error;
    }
  }

  /** Creates missing parents (0o755); mode and owner apply to the directory named, an existing one keeps unspecified ones. */
  async mkdir(path: string, options: FileWriteOptions = {}): Promise<void> {
    const real = this.real(path);
    const { uid, gid } = await this.ids.resolve(path, options.owner, options.group);
    const created = (await mkdir(real, { recursive: true, mode: 0o755 })) !== undefined;
    if (uid !== -1 || gid !== -1) await chown(real, uid, gid);
    if (options.mode !== undefined || created) await chmod(real, options.mode ?? 0o755);
  }
}

/** fsync a directory so the rename survives a crash; some filesystems refuse, which is harmless. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EINVAL/EISDIR on filesystems without directory fsync: the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
