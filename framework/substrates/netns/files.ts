/**
 * MachineFiles of a netns machine: the host's files, with writes landing in the
 * machine's private trees (trees.ts). Owners are the host's users (packages add them
 * to the host's /etc/passwd), and modes and owners are real, because real daemons
 * check them (munged refuses a readable key, slurmdbd a readable slurmdbd.conf).
 */
import { posix } from 'node:path';
import { HostFiles } from '../../ops/machine/host-files.js';
import type { FileInfo, FileWriteOptions, MachineFiles } from '../../ops/machine.js';
import type { MachineRoot } from './machine-root.js';
import { treeOf, writeRefusal } from './trees.js';

export class NetnsFiles implements MachineFiles {
  private readonly files: HostFiles;

  constructor(private readonly root: MachineRoot) {
    this.files = new HostFiles('/', { idRoot: '/', realPath: (p) => root.realPath(p) });
  }

  /**
   * Make the tree holding `path` private before changing anything in it. `file`: the
   * path is a file, which may not lie directly in /etc, /opt, /var/lib, … (the host's).
   */
  private async writable(path: string, kind: 'file' | 'directory'): Promise<string> {
    const p = posix.normalize(path);
    const refusal = writeRefusal(p);
    if (refusal !== null) throw new Error(refusal);
    const tree = treeOf(p) ?? p;
    if (tree === p && kind === 'file' && tree !== '/run') {
      throw new Error(
        `${p} lies directly in ${posix.dirname(p)}, which the host owns: put it in a directory of its own`,
      );
    }
    await this.root.claim(tree);
    return p;
  }

  read(path: string): Promise<string> {
    return this.files.read(path);
  }

  async write(path: string, content: string | Uint8Array, options?: FileWriteOptions): Promise<void> {
    return this.files.write(await this.writable(path, 'file'), content, options);
  }

  async remove(path: string): Promise<void> {
    return this.files.remove(await this.writable(path, 'directory'));
  }

  exists(path: string): Promise<boolean> {
    return this.files.exists(path);
  }

  stat(path: string): Promise<FileInfo | null> {
    return this.files.stat(path);
  }

  list(dir: string): Promise<string[]> {
    return this.files.list(dir);
  }

  async mkdir(path: string, options?: FileWriteOptions): Promise<void> {
    return this.files.mkdir(await this.writable(path, 'directory'), options);
  }
}
