/**
 * Merged applications → AppSpecs: resolves each charm, types options against
 * the charm's config, and applies the subordinate rules. Placement and
 * relations are checked once every application is known (placement.ts,
 * relations.ts).
 */
import { configTypeName, describeValue, fitsConfigType } from '../../ops/meta/config.js';
import type { CharmMeta, ConfigValue } from '../../ops/meta/types.js';
import type { Problems } from './errors.js';
import { nameHint } from './hint.js';
import type { MergedApp } from './merge.js';
import { errorText, report } from './source.js';
import type { AppSpec } from './types.js';

/** Maps a `charm:` reference (a path, or a name under charms/) to its directory and metadata; throws saying what it tried. */
export type CharmResolver = (ref: string, bundleDir: string) => CharmMeta & { path: string };

/** Constraints with single spaces, so that equal constraints compare equal. */
export function normaliseConstraints(text: string): string {
  return text.trim().split(/\s+/).filter(Boolean).join(' ');
}

/** One line of an error message (resolvers may throw multi-line ones). */
function oneLine(err: unknown): string {
  const text = errorText(err);
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
}

/** Checks one application; undefined when its charm cannot be used (problems reported). */
export function checkApp(
  app: MergedApp,
  resolveCharm: CharmResolver,
  cache: Map<string, (CharmMeta & { path: string }) | Error>,
  problems: Problems,
): AppSpec | undefined {
  const { name } = app;
  if (!app.charm) {
    report(
      problems,
      { src: app.origin.src, path: [...app.origin.path, 'charm'] },
      'key',
      'required key missing; expected a charm reference (a path, or a name under charms/)',
    );
    return undefined;
  }
  const ref = app.charm.value;
  const dir = app.charm.origin.src.dir;
  const key = `${dir}\0${ref}`;
  let found = cache.get(key);
  if (!found) {
    try {
      found = resolveCharm(ref, dir);
    } catch (err) {
      found = new Error(errorText(err));
    }
    cache.set(key, found);
  }
  if (found instanceof Error) {
    report(
      problems,
      app.charm.origin,
      'value',
      `unknown charm '${ref}' for application '${name}': ${oneLine(found)}`,
    );
    return undefined;
  }
  const { path: charmPath, ...meta } = found;
  const numUnits = app.numUnits?.value ?? 0;
  if (meta.subordinate && numUnits > 0 && app.numUnits) {
    report(
      problems,
      app.numUnits.origin,
      'value',
      `expected no units: charm '${meta.name}' is a subordinate (it gets one unit per unit of each principal it relates to), got ${numUnits}`,
    );
  }
  if (meta.subordinate && app.to && app.to.value.length > 0) {
    report(
      problems,
      app.to.origin,
      'key',
      `expected no placement: charm '${meta.name}' is a subordinate (it lives on its principals' machines)`,
    );
  }
  const annotations: Record<string, string> = {};
  for (const [k, f] of app.annotations) annotations[k] = String(f.value);
  return {
    name,
    charmRef: ref,
    charmPath,
    meta,
    numUnits: meta.subordinate ? 0 : numUnits,
    options: checkOptions(app, meta, problems),
    constraints: normaliseConstraints(app.constraints?.value ?? ''),
    to: [],
    expose: app.expose?.value ?? false,
    trust: app.trust?.value ?? false,
    annotations,
    subordinate: meta.subordinate,
  };
}

/** Options typed against charm.yaml's config; unknown or ill-typed ones are reported and left out. */
function checkOptions(app: MergedApp, meta: CharmMeta, problems: Problems): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const [key, { value, origin }] of app.options) {
    const opt = Object.hasOwn(meta.config, key) ? meta.config[key] : undefined;
    if (!opt) {
      report(
        problems,
        origin,
        'key',
        `unknown option of charm '${meta.name}' ${nameHint(key, Object.keys(meta.config))}`,
      );
    } else if (fitsConfigType(opt.type, value)) {
      out[key] = value;
    } else {
      const want = opt.type === 'secret' ? 'a secret id (secret:...)' : configTypeName(opt.type);
      report(
        problems,
        origin,
        'value',
        `expected ${want} (the type of option '${key}' of charm '${meta.name}'), got ${describeValue(value)}`,
      );
    }
  }
  return out;
}
