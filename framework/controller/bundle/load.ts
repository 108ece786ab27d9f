/**
 * `loadBundle`: a Juju bundle file plus overlays → a checked BundleSpec.
 * Stages, each reporting every problem it finds before giving up: read and
 * parse YAML (positions kept), validate each document (schema.ts), merge
 * overlays and inline includes (merge.ts), then check against the charms
 * (apps.ts, placement.ts, relations.ts).
 */
import type { CharmMeta } from '../../ops/meta/types.js';
import { checkApp, normaliseConstraints } from './apps.js';
import type { CharmResolver } from './apps.js';
import { Problems } from './errors.js';
import { mergeDocs } from './merge.js';
import { placeUnits } from './placement.js';
import { checkRelations } from './relations.js';
import { validateDoc } from './schema.js';
import type { RawBundleDoc } from './schema.js';
import { readBundleFile, report } from './source.js';
import type { SourceDoc } from './source.js';
import type { AppSpec, BundleSpec, MachineSpec } from './types.js';

/**
 * Loads `path` (later YAML documents are overlays) and then each `overlays`
 * file in order. `resolveCharm(ref, dir)` maps a `charm:` value, relative to
 * the declaring file's directory, to a charm. Throws one BundleError listing
 * every problem as `<file>:<line>:<col>: <path>: <what was expected>`.
 */
export function loadBundle(
  path: string,
  overlays: readonly string[],
  resolveCharm: CharmResolver,
): BundleSpec {
  const problems = new Problems();
  const title = `invalid bundle ${path}${overlays.length ? ` with overlays ${overlays.join(', ')}` : ''}`;
  const sources: SourceDoc[] = [];
  // Ranks leave room for many documents per file, so problems sort by file, then position.
  [path, ...overlays].forEach((file, i) =>
    sources.push(...readBundleFile(file, i * 10_000, i === 0, problems)),
  );
  problems.throwIfAny(title);

  const docs: Array<{ src: SourceDoc; data: RawBundleDoc }> = [];
  for (const src of sources) {
    const data = validateDoc(src, problems);
    if (data) docs.push({ src, data });
  }
  problems.throwIfAny(title);
  const merged = mergeDocs(docs, problems);
  problems.throwIfAny(title);

  const applications: Record<string, AppSpec> = {};
  const charms = new Map<string, (CharmMeta & { path: string }) | Error>();
  for (const app of merged.apps.values()) {
    const spec = checkApp(app, resolveCharm, charms, problems);
    if (spec) applications[app.name] = spec;
  }
  const used = placeUnits(merged, applications, problems);
  const machines: Record<string, MachineSpec> = {};
  for (const [id, { value, origin }] of merged.machines) {
    if (!used.has(id))
      report(
        problems,
        origin,
        'key',
        `machine '${id}' is not used by any placement (to:); expected every machine to be used`,
      );
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(value?.annotations ?? {})) annotations[k] = String(v);
    machines[id] = { constraints: normaliseConstraints(value?.constraints ?? ''), annotations };
  }
  const relations = checkRelations(merged, applications, problems);
  problems.throwIfAny(title);
  return { description: merged.description, applications, machines, relations };
}
