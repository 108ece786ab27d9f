/**
 * Directories the substrate had to make on the host so that a private tree has a place
 * to be mounted (e.g. /var/spool/slurmd, which no package made). Each is removed when the
 * last model using it is destroyed: a host-wide registry under /run/tsops/mountpoints
 * names the models (by tag) using each one, so destroying one model never pulls a mount
 * point from under another. Each model also keeps its own list, which survives a reboot
 * (when /run, and so the registry, is emptied).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serialize } from '../serialize.js';

export const REGISTRY = '/run/tsops/mountpoints';

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

export class HostMountpoints {
  /** Targets this model has registered since it was opened: the hot path skips them. */
  private readonly known = new Set<string>();

  constructor(
    private readonly tag: string,
    /** The model's netns state folder; its `mountpoints` file lists what this model made. */
    private readonly stateDir: string,
    private readonly registry: string = REGISTRY,
  ) {}

  private entry(target: string): string {
    return join(this.registry, encodeURIComponent(target));
  }

  /** Make `target` if missing, and note this model uses it when the substrate made it. */
  async ensure(target: string): Promise<void> {
    if (this.known.has(target)) return;
    await serialize(this.entry(target), async () => {
      const made = existsSync(target);
      // A directory the host had before any model: not ours to track.
      if (made && !existsSync(this.entry(target))) return;
      if (!made) {
        await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
        // Recorded before it is made: a crash in between leaves a name to clean, never an unknown directory.
        await writeFile(join(this.stateDir, 'mountpoints'), `${target}\n`, { flag: 'a', mode: 0o600 });
      }
      if (!(await readLines(this.entry(target))).includes(this.tag)) {
        await mkdir(this.registry, { recursive: true, mode: 0o755 });
        await writeFile(this.entry(target), `${this.tag}\n`, { flag: 'a', mode: 0o644 });
      }
      if (!made) await mkdir(target, { recursive: true, mode: 0o755 });
    });
    this.known.add(target);
  }

  /** At destroy: drop this model from every entry; remove (when empty) what no other model uses. */
  async release(): Promise<void> {
    const doomed = new Set(await readLines(join(this.stateDir, 'mountpoints')));
    for (const name of await readdir(this.registry).catch(() => [] as string[])) {
      const target = decodeURIComponent(name);
      await serialize(this.entry(target), async () => {
        const tags = await readLines(this.entry(target));
        if (!tags.includes(this.tag)) return doomed.delete(target);
        const others = tags.filter((t) => t !== this.tag);
        if (others.length > 0) {
          doomed.delete(target);
          await writeFile(this.entry(target), others.map((t) => `${t}\n`).join(''));
        } else {
          doomed.add(target);
          await unlink(this.entry(target)).catch(() => undefined);
        }
        return true;
      });
    }
    // Deepest first; a directory something else put files in stays.
    for (const target of [...doomed].sort().reverse()) await rmdir(target).catch(() => undefined);
    await rmdir(this.registry).catch(() => undefined);
    await rmdir(join(this.registry, '..')).catch(() => undefined);
    this.known.clear();
  }
}
