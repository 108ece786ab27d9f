/**
 * Packed charms for process isolation: `tsops pack` output (dispatch, charm.yaml,
 * build/) in `<dir>/<charm>-<hash of its path>/`, made once and re-made when any
 * input changed: charm.yaml and every source file the bundle's source maps list
 * (the charm's src/, the framework, bundled packages), compared by mtime and size.
 * The comparison runs at most once per `recheckMs` per charm.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { packCharm } from '../../pack.js';

const STAMP = '.tsops-inputs.json';
const StampSchema = z.object({ inputs: z.array(z.tuple([z.string(), z.number(), z.number()])) });

type Input = [path: string, mtimeMs: number, size: number];

interface Entry {
  outDir: string;
  checkedAt: number;
  pending?: Promise<void>;
}

async function fingerprint(path: string): Promise<Input | undefined> {
  const s = await stat(path).catch(() => undefined);
  return s?.isFile() ? [path, s.mtimeMs, s.size] : undefined;
}

/** charm.yaml plus every file the bundles were built from (their source maps' `sources`). */
async function inputsOf(charmPath: string, outDir: string): Promise<Input[]> {
  const buildDir = join(outDir, 'build');
  const files = new Set([join(charmPath, 'charm.yaml')]);
  for (const name of await readdir(buildDir)) {
    if (!name.endsWith('.map')) continue;
    const map: unknown = JSON.parse(await readFile(join(buildDir, name), 'utf8'));
    const sources = typeof map === 'object' && map !== null && 'sources' in map ? map.sources : [];
    if (!Array.isArray(sources)) continue;
    for (const s of sources) if (typeof s === 'string') files.add(resolve(buildDir, s));
  }
  const found = await Promise.all([...files].map(fingerprint));
  return found.filter((x): x is Input => x !== undefined);
}

async function upToDate(outDir: string): Promise<boolean> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(outDir, STAMP), 'utf8'));
    await stat(join(outDir, 'dispatch'));
  } catch {
    return false;
  }
  const stamp = StampSchema.safeParse(raw);
  if (!stamp.success) return false;
  const now = await Promise.all(stamp.data.inputs.map(([path]) => fingerprint(path)));
  return stamp.data.inputs.every(([, mtime, size], i) => now[i]?.[1] === mtime && now[i]?.[2] === size);
}

export class CharmCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly dir: string,
    private readonly recheckMs = 1000,
  ) {}

  /** The directory of the packed charm at `charmPath` (packed first when missing or stale). */
  async packed(charmPath: string): Promise<string> {
    let entry = this.entries.get(charmPath);
    if (!entry) {
      const hash = createHash('sha256').update(charmPath).digest('hex').slice(0, 10);
      entry = { outDir: join(this.dir, `${basename(charmPath)}-${hash}`), checkedAt: -Infinity };
      this.entries.set(charmPath, entry);
    }
    const e = entry;
    while (e.pending) await e.pending;
    if (Date.now() - e.checkedAt < this.recheckMs) return e.outDir;
    e.pending = (async () => {
      if (!(await upToDate(e.outDir))) {
        await packCharm(charmPath, { outDir: e.outDir, snapshot: true });
        const stamp = { inputs: await inputsOf(charmPath, e.outDir) };
        await writeFile(join(e.outDir, STAMP), `${JSON.stringify(stamp)}\n`);
      }
      e.checkedAt = Date.now();
    })().finally(() => {
      e.pending = undefined;
    });
    await e.pending;
    return e.outDir;
  }
}
