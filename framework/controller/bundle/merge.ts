/**
 * Base document + overlays → one merged bundle whose every value remembers its
 * origin (reference/juju-model.md §1.6): an empty application removes it and
 * its relations; other applications merge field by field (options and
 * annotations key by key, a null option unsets it); relations append;
 * machines replace wholesale. `include-file://` and `include-base64://`
 * options are inlined here, relative to the file that declares them.
 */
import { resolve } from 'node:path';
import type { Problems } from './errors.js';
import type { RawBundleDoc, RawMachine, RawScalar } from './schema.js';
import { RELATION_SIDE } from './schema.js';
import { MAX_CONFIG_VALUE_BYTES } from '../api/methods.js';
import { below, readFailure, readLimited, report } from './source.js';
import type { Origin, SourceDoc } from './source.js';

/** A value and where it was last set. */
export interface Field<T> {
  value: T;
  origin: Origin;
}

/** An application after merging. */
export interface MergedApp {
  name: string;
  /** The application's key in the document that added it. */
  origin: Origin;
  charm?: Field<string>;
  numUnits?: Field<number>;
  constraints?: Field<string>;
  to?: Field<Array<string | number>>;
  expose?: Field<boolean>;
  trust?: Field<boolean>;
  options: Map<string, Field<RawScalar>>;
  annotations: Map<string, Field<RawScalar>>;
}

/** The bundle after merging, not yet checked against charms. */
export interface MergedBundle {
  description: string;
  apps: Map<string, MergedApp>;
  machines: Map<string, Field<RawMachine | null>>;
  relations: Array<Field<string[]>>;
}

/** Applies `docs` in order (the first is the base). */
export function mergeDocs(
  docs: ReadonlyArray<{ src: SourceDoc; data: RawBundleDoc }>,
  problems: Problems,
): MergedBundle {
  const out: MergedBundle = { description: '', apps: new Map(), machines: new Map(), relations: [] };
  for (const { src, data } of docs) {
    if (data.description !== undefined) out.description = data.description;
    for (const [name, body] of Object.entries(data.applications ?? {})) {
      const origin: Origin = { src, path: ['applications', name] };
      if (body === null || Object.keys(body).length === 0) {
        out.apps.delete(name);
        out.relations = out.relations.filter((r) => !r.value.some((side) => sideApp(side) === name));
        continue;
      }
      let app = out.apps.get(name);
      if (!app) {
        app = { name, origin, options: new Map(), annotations: new Map() };
        out.apps.set(name, app);
      }
      const field = <T>(key: string, value: T | undefined): Field<T> | undefined =>
        value === undefined ? undefined : { value, origin: below(origin, key) };
      app.charm = field('charm', body.charm) ?? app.charm;
      app.numUnits = field('num_units', body.num_units) ?? field('scale', body.scale) ?? app.numUnits;
      app.constraints = field('constraints', body.constraints) ?? app.constraints;
      app.to = field('to', body.to) ?? app.to;
      app.expose = field('expose', body.expose) ?? app.expose;
      app.trust = field('trust', body.trust) ?? app.trust;
      for (const [key, value] of Object.entries(body.options ?? {})) {
        const at = below(origin, 'options', key);
        if (value === null) {
          app.options.delete(key);
          continue;
        }
        const inlined = inline(value, at, problems);
        if (inlined !== undefined) app.options.set(key, { value: inlined, origin: at });
      }
      for (const [key, value] of Object.entries(body.annotations ?? {})) {
        app.annotations.set(key, { value, origin: below(origin, 'annotations', key) });
      }
    }
    if (data.machines) {
      out.machines = new Map(
        Object.entries(data.machines).map(([id, m]) => [
          id,
          { value: m, origin: { src, path: ['machines', id] } },
        ]),
      );
    }
    (data.relations ?? []).forEach((pair, i) => {
      out.relations.push({ value: pair, origin: { src, path: ['relations', String(i)] } });
    });
  }
  return out;
}

/** The application named by a relation side (`app` or `app:endpoint`). */
export function sideApp(side: string): string {
  return RELATION_SIDE.exec(side)?.[1] ?? side;
}

const INCLUDE = /^include-(file|base64):\/\/(.+)$/s;

/** An option value with `include-file://` / `include-base64://` replaced by the file's content; undefined if unreadable. */
function inline(value: RawScalar, origin: Origin, problems: Problems): RawScalar | undefined {
  const m = typeof value === 'string' ? INCLUDE.exec(value) : null;
  if (!m?.[2]) return value;
  const file = resolve(origin.src.dir, m[2]);
  try {
    const bytes = readLimited(file);
    const out = m[1] === 'file' ? bytes.toString('utf8') : bytes.toString('base64');
    const size = Buffer.byteLength(out, 'utf8');
    if (size > MAX_CONFIG_VALUE_BYTES) {
      report(
        problems,
        origin,
        'value',
        `include-${m[1]}://${m[2]} gives ${size} bytes; a config value holds at most ${MAX_CONFIG_VALUE_BYTES} (1 MiB): keep large content in a file on the machine and set its path instead`,
      );
      return undefined;
    }
    return out;
  } catch (err) {
    report(
      problems,
      origin,
      'value',
      `cannot read include-${m[1]}://${m[2]} (looked for ${file}): ${readFailure(err)}`,
    );
    return undefined;
  }
}
