/**
 * Finding and loading charms for the controller: a reference is a path (relative
 * to the bundle or the caller) or a name under the project's `charms/` folder; the
 * charm class is imported in-process from `src/charm.ts` (the controller runs its
 * TypeScript directly, so charms share its framework/ops module instances).
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CharmBase } from '../ops/charm.js';
import type { CharmClass } from '../ops/dispatch/run.js';
import { loadCharmMeta } from '../ops/meta/load.js';
import type { CharmMeta } from '../ops/meta/types.js';

/** The project's charms folder. */
export const CHARMS_DIR = fileURLToPath(new URL('../../charms', import.meta.url));

/** Resolve a charm reference to its folder; the error says what was tried. */
export function resolveCharmDir(ref: string, baseDir: string): string {
  const looksLikePath = ref.startsWith('.') || ref.startsWith('/') || ref.includes('/');
  const candidates = looksLikePath
    ? [isAbsolute(ref) ? ref : resolve(baseDir, ref)]
    : [join(CHARMS_DIR, ref)];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'charm.yaml')) && statSync(dir).isDirectory()) return dir;
  }
  throw new Error(`unknown charm '${ref}': no charm.yaml in ${candidates.join(' or ')}`);
}

/** A resolved charm: its folder and validated metadata. */
export function loadCharm(ref: string, baseDir: string): { path: string; meta: CharmMeta } {
  const path = resolveCharmDir(ref, baseDir);
  return { path, meta: loadCharmMeta(path) };
}

const classes = new Map<string, Promise<CharmClass<CharmBase>>>();

/** The charm class exported by `<dir>/src/charm.ts` (imported once per process). */
export function importCharmClass(dir: string): Promise<CharmClass<CharmBase>> {
  let p = classes.get(dir);
  if (!p) {
    p = (async () => {
      const entry = join(dir, 'src', 'charm.ts');
      if (!existsSync(entry)) throw new Error(`${dir} has no src/charm.ts`);
      const mod: Record<string, unknown> = await import(pathToFileURL(entry).href);
      const found = Object.values(mod).filter(
        (v): v is CharmClass<CharmBase> => typeof v === 'function' && v.prototype instanceof CharmBase,
      );
      if (found.length !== 1) {
        throw new Error(`${entry} must export exactly one class extending CharmBase (found ${found.length})`);
      }
      return found[0] as CharmClass<CharmBase>;
    })();
    classes.set(dir, p);
    p.catch(() => classes.delete(dir));
  }
  return p;
}
