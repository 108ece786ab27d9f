/**
 * ajv errors in words: each becomes a Problem (a path into charm.yaml, whether
 * its key or its value is meant, and what was expected), which load.ts places
 * at a line and column.
 */
import type { ErrorObject } from 'ajv';
import { describeValue } from './config.js';

/** One problem before it is given a position: where (path, and whether the key or the value is meant) and what. */
export interface Problem {
  path: string[];
  at: 'key' | 'value';
  text: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON pointer (`/compression/kind`) → dotted path (`compression.kind`). */
export function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A path as messages show it: `provides.db.interface`, `actions.x.required[0]`. */
export function showPath(path: readonly string[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((s, i) => (/^[0-9]+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Levenshtein distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  object: 'a mapping',
  array: 'a list',
  null: 'nothing (null)',
};

function typeName(value: unknown): string {
  const names = Array.isArray(value) ? value.map(String) : [String(value)];
  return names.map((n) => TYPE_NAMES[n] ?? n).join(' or ');
}

/** What one ajv error expected, in words (without "expected"). */
function expectation(e: ErrorObject): string {
  const p = e.params;
  const parent = isObj(e.parentSchema) ? e.parentSchema : {};
  switch (e.keyword) {
    case 'type':
      return typeName(p.type);
    case 'enum':
      return `one of ${Array.isArray(p.allowedValues) ? p.allowedValues.map(String).join(', ') : '?'}`;
    case 'const':
      return JSON.stringify(p.allowedValue);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${parent.type === 'integer' ? 'an integer' : 'a number'} ${String(p.comparison)} ${String(p.limit)}`;
    case 'pattern':
      return typeof parent.description === 'string'
        ? parent.description
        : `text matching /${String(p.pattern)}/`;
    case 'uniqueItems':
      return `no duplicates (items ${String(p.j)} and ${String(p.i)} are equal)`;
    default:
      return `a value that ${e.message ?? `passes '${e.keyword}'`}`;
  }
}

/** ajv errors → problems under `base`. Alternatives (anyOf/oneOf) at one path merge into one "expected A or B". */
export function schemaProblems(errors: readonly ErrorObject[], base: readonly string[]): Problem[] {
  const out: Problem[] = [];
  const alternatives = new Set(
    errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath),
  );
  const merged = new Map<string, { path: string[]; wants: string[]; data: unknown }>();
  for (const e of errors) {
    const at = [...base, ...pointerToPath(e.instancePath)];
    if (e.keyword === 'propertyNames' || e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if')
      continue;
    if (e.keyword === 'required') {
      const name = String(e.params.missingProperty);
      const props: unknown = isObj(e.parentSchema) ? e.parentSchema.properties : undefined;
      const sub: unknown = isObj(props) ? props[name] : undefined;
      const want = isObj(sub) ? wanted(sub) : undefined;
      out.push({
        path: [...at, name],
        at: 'key',
        text: `required key missing${want ? `; expected ${want}` : ''}`,
      });
    } else if (e.keyword === 'additionalProperties') {
      out.push({
        path: [...at, String(e.params.additionalProperty)],
        at: 'key',
        text: unknownKey(e, at.length === 0),
      });
    } else if (e.propertyName !== undefined) {
      out.push({
        path: [...at, e.propertyName],
        at: 'key',
        text: `invalid name: expected ${expectation(e)}, got ${describeValue(e.propertyName)}`,
      });
    } else if (alternatives.has(e.instancePath)) {
      const entry = merged.get(e.instancePath) ?? { path: at, wants: [], data: e.data };
      entry.wants.push(expectation(e));
      merged.set(e.instancePath, entry);
    } else {
      out.push({ path: at, at: 'value', text: `expected ${expectation(e)}, got ${describeValue(e.data)}` });
    }
  }
  for (const { path, wants, data } of merged.values()) {
    out.push({
      path,
      at: 'value',
      text: `expected ${[...new Set(wants)].join(' or ')}, got ${describeValue(data)}`,
    });
  }
  return out;
}

/** What a schema wants, in words, for "required key missing; expected ...". */
function wanted(schema: Obj): string | undefined {
  if (typeof schema.description === 'string') return schema.description;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(String).join(', ')}`;
  return schema.type === undefined ? undefined : typeName(schema.type);
}

function unknownKey(e: ErrorObject, topLevel: boolean): string {
  const key = String(e.params.additionalProperty);
  const props: unknown = isObj(e.parentSchema) ? e.parentSchema.properties : undefined;
  const allowed = isObj(props) ? Object.keys(props).sort() : [];
  const best = allowed.map((k) => ({ k, d: distance(key, k) })).sort((a, b) => a.d - b.d)[0];
  // A close match says more than the whole list (charmcraft has over 30 top-level keys).
  if (best && best.d <= 2) return `unknown ${topLevel ? 'top-level ' : ''}key (did you mean '${best.k}'?)`;
  const list = allowed.length ? allowed.join(', ') : 'none';
  return topLevel
    ? `unknown top-level key (charm.yaml takes charmcraft.yaml's keys: ${list})`
    : `unknown key (allowed here: ${list})`;
}
