/**
 * Reads back the normalised metadata the build step wrote. Hand-written checks
 * with no dependencies: dispatch imports this, and loading yaml and ajv would
 * cost it ~80 ms per hook.
 */
import { MetadataError } from '../errors.js';
import { fitsConfigType } from './config.js';
import type {
  ActionMeta,
  CharmMeta,
  ConfigOptionMeta,
  EndpointMeta,
  JsonObject,
  JsonValue,
  StorageMeta,
} from './types.js';

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a value is plain JSON data (finite numbers, no class instances beyond arrays and objects). */
export function isJson(value: unknown): value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (!isObj(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Object.values(value).every(isJson);
}

/** Field readers that throw a MetadataError naming the source and the field's path. */
class Reader {
  constructor(private readonly source: string) {}

  fail(path: string, what: string): never {
    throw new MetadataError(`${this.source}: not valid charm metadata JSON: ${path}: expected ${what}`);
  }

  obj(value: unknown, path: string): Obj {
    return isObj(value) ? value : this.fail(path, 'an object');
  }

  str(o: Obj, key: string, path: string): string {
    const v = o[key];
    return typeof v === 'string' ? v : this.fail(`${path}.${key}`, 'a string');
  }

  optStr(o: Obj, key: string, path: string): string | undefined {
    return o[key] === undefined ? undefined : this.str(o, key, path);
  }

  bool(o: Obj, key: string, path: string): boolean {
    const v = o[key];
    return typeof v === 'boolean' ? v : this.fail(`${path}.${key}`, 'a boolean');
  }

  optInt(o: Obj, key: string, path: string, min: number): number | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= min
      ? v
      : this.fail(`${path}.${key}`, `an integer >= ${min}`);
  }

  oneOf<T extends string>(o: Obj, key: string, path: string, values: readonly T[]): T {
    const v = o[key];
    const found = values.find((x) => x === v);
    return found ?? this.fail(`${path}.${key}`, `one of ${values.join(', ')}`);
  }

  strings(o: Obj, key: string, path: string): string[] {
    const v = o[key];
    if (!Array.isArray(v)) return this.fail(`${path}.${key}`, 'a list of strings');
    return v.map((x, i) => (typeof x === 'string' ? x : this.fail(`${path}.${key}[${i}]`, 'a string')));
  }

  /** A map of named entries whose `name` field repeats the key. */
  named<T>(o: Obj, key: string, read: (entry: Obj, path: string, name: string) => T): Record<string, T> {
    const map = this.obj(o[key], key);
    const out: Record<string, T> = {};
    for (const [name, value] of Object.entries(map)) {
      const path = `${key}.${name}`;
      const entry = this.obj(value, path);
      if (entry.name !== name) this.fail(`${path}.name`, `'${name}' (the key)`);
      out[name] = read(entry, path, name);
    }
    return out;
  }
}

/** Validates metadata JSON written by the build step (cheap checks) and returns it typed. */
export function metaFromJson(value: unknown, source: string): CharmMeta {
  const r = new Reader(source);
  const root = r.obj(value, '(top level)');
  const endpoints = r.named(root, 'endpoints', (o, p, name): EndpointMeta => {
    const limit = r.optInt(o, 'limit', p, 1);
    return {
      name,
      role: r.oneOf(o, 'role', p, ['provides', 'requires', 'peers']),
      interface: r.str(o, 'interface', p),
      ...(limit === undefined ? {} : { limit }),
      optional: r.bool(o, 'optional', p),
      scope: r.oneOf(o, 'scope', p, ['global', 'container']),
    };
  });
  const storage = r.named(root, 'storage', (o, p, name): StorageMeta => {
    const count = r.obj(o.count, `${p}.count`);
    const min = r.optInt(count, 'min', `${p}.count`, 0) ?? r.fail(`${p}.count.min`, 'an integer >= 0');
    const max = r.optInt(count, 'max', `${p}.count`, Math.max(min, 1));
    const location = r.optStr(o, 'location', p);
    const minimumSize = r.optStr(o, 'minimumSize', p);
    return {
      name,
      type: r.oneOf(o, 'type', p, ['filesystem', 'block']),
      description: r.str(o, 'description', p),
      ...(location === undefined ? {} : { location }),
      shared: r.bool(o, 'shared', p),
      readOnly: r.bool(o, 'readOnly', p),
      properties: r.strings(o, 'properties', p),
      count: max === undefined ? { min } : { min, max },
      ...(minimumSize === undefined ? {} : { minimumSize }),
    };
  });
  const config = r.named(root, 'config', (o, p, name): ConfigOptionMeta => {
    const type = r.oneOf(o, 'type', p, ['string', 'int', 'float', 'boolean', 'secret']);
    const dflt =
      o.default === undefined || fitsConfigType(type, o.default, true)
        ? o.default
        : r.fail(`${p}.default`, `a value of the option's type (${type})`);
    return {
      name,
      type,
      ...(dflt === undefined ? {} : { default: dflt }),
      description: r.str(o, 'description', p),
    };
  });
  const actions = r.named(root, 'actions', (o, p, name): ActionMeta => {
    const rawParams = r.obj(o.params, `${p}.params`);
    const params: Record<string, JsonObject> = {};
    for (const [param, schema] of Object.entries(rawParams)) {
      params[param] =
        isObj(schema) && isJson(schema) ? schema : r.fail(`${p}.params.${param}`, 'a JSON Schema object');
    }
    return {
      name,
      description: r.str(o, 'description', p),
      params,
      required: r.strings(o, 'required', p),
      additionalProperties: r.bool(o, 'additionalProperties', p),
      executionGroup: r.str(o, 'executionGroup', p),
      parallel: r.bool(o, 'parallel', p),
    };
  });
  return {
    name: r.str(root, 'name', '(top level)'),
    summary: r.str(root, 'summary', '(top level)'),
    description: r.str(root, 'description', '(top level)'),
    subordinate: r.bool(root, 'subordinate', '(top level)'),
    endpoints,
    storage,
    config,
    actions,
    extraBindings: r.strings(root, 'extraBindings', '(top level)'),
  };
}
