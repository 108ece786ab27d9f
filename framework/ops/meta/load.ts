/**
 * charm.yaml → CharmMeta. Parses YAML keeping node positions, validates with
 * the JSON Schema in schema.ts plus the rules that span fields, and reports
 * every problem at once as `<file>:<line>:<col>: <path>: <what was expected>`.
 * Build-time code: it loads yaml and ajv (dispatch uses metaFromJson instead).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, visit } from 'yaml';
import { MetadataError } from '../errors.js';
import { actionSchema, newActionAjv } from './actions.js';
import { configTypeName, describeValue, fitsConfigType } from './config.js';
import { isJson } from './json.js';
import { locate } from './yaml-position.js';
import { schemaProblems, showPath } from './problems.js';
import type { Problem } from './problems.js';
import { CHARM_SCHEMA, CONFIG_TYPES } from './schema.js';
import type { RawAction, RawCharmYaml, RawStorage } from './schema.js';
import type { ActionMeta, CharmMeta, EndpointMeta, EndpointRole, JsonObject, StorageMeta } from './types.js';

export { metaFromJson } from './json.js';

/** Alias expansions allowed when building the data (anchors are fine; alias bombs are not). */
const MAX_ALIAS_COUNT = 100;
const ROLES: readonly EndpointRole[] = ['provides', 'requires', 'peers'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

let charmValidator: ValidateFunction<RawCharmYaml> | undefined;

function validator(): ValidateFunction<RawCharmYaml> {
  // verbose: errors carry the failing data and schema, which the messages quote.
  charmValidator ??= new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile<RawCharmYaml>(
    CHARM_SCHEMA,
  );
  return charmValidator;
}

/** Parses and validates charm.yaml text; `file` names it in messages. Throws one MetadataError listing every problem. */
export function parseCharmMeta(text: string, file: string): CharmMeta {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const where = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length) {
    const lines = doc.errors.map((e) => {
      const what =
        e.code === 'DUPLICATE_KEY'
          ? `duplicate key '${keyText(text, e.pos[0])}' (a key may appear once in a mapping)`
          : `YAML syntax error: ${e.message}`;
      return `${where(e.pos[0])}: ${what}`;
    });
    throw new MetadataError(`${file}: not valid YAML:\n${lines.join('\n')}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    let offset = 0;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const why = err instanceof Error ? err.message : String(err);
    throw new MetadataError(
      `${file}: not valid YAML:\n${where(offset)}: aliases from here on expand to too many nodes ` +
        `(more than ${MAX_ALIAS_COUNT} alias expansions: ${why})`,
    );
  }
  if (data === null || data === undefined) {
    throw new MetadataError(
      `${file}: invalid charm metadata:\n${file}:1:1: (top level): the file is empty; expected a mapping with at least 'name'`,
    );
  }

  return checked(data, (path, at) => locate(doc, path, at), where, file);
}

/** Schema and cross-field checks of the parsed data; `offset` finds a path in the source, `where` names an offset. */
function checked(
  data: unknown,
  offset: (path: string[], at: Problem['at']) => number,
  where: (offset: number) => string,
  file: string,
): CharmMeta {
  const validate = validator();
  const valid = validate(data);
  const problems = valid ? [] : schemaProblems(validate.errors ?? [], []);
  if (!valid && problems.length === 0) {
    // Only errors schemaProblems words elsewhere (none today); never throw an empty list.
    problems.push({
      path: [],
      at: 'value',
      text: `expected valid charm metadata (${String(validate.errors?.[0]?.message)})`,
    });
  }
  const taken = new Set(problems.map((p) => p.path.join('\0')));
  problems.push(...crossFieldProblems(data).filter((p) => !taken.has(p.path.join('\0'))));
  if (!valid || problems.length) {
    const lines = problems
      .map((p) => ({ pos: offset(p.path, p.at), p }))
      .sort((a, b) => a.pos - b.pos)
      .map(({ pos, p }) => `${where(pos)}: ${showPath(p.path)}: ${p.text}`);
    const unique = [...new Set(lines)];
    const count = `${unique.length} problem${unique.length === 1 ? '' : 's'}`;
    throw new MetadataError(`${file}: invalid charm metadata (${count}):\n${unique.join('\n')}`);
  }
  return normalise(data);
}

/** The key that starts at `offset` (the parser's error range covers only its first character). */
function keyText(text: string, offset: number): string {
  const m = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*?)\s*:/.exec(text.slice(offset));
  return (m?.[1] ?? text.slice(offset, offset + 1)).replace(/^["']|["']$/g, '');
}

/** Reads and parses `<dir>/charm.yaml`. */
export function loadCharmMeta(dir: string): CharmMeta {
  const file = join(dir, 'charm.yaml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MetadataError(
      `${file}: cannot read charm metadata: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseCharmMeta(text, file);
}

/** Rules JSON Schema cannot say. Defensive about shape: these run even when the schema failed. */
function crossFieldProblems(data: unknown): Problem[] {
  const out: Problem[] = [];
  if (!isObj(data)) return out;
  const subordinate = data.subordinate === true;
  const seen = new Map<string, EndpointRole>();
  let containerRequires = false;
  for (const role of ROLES) {
    const block = data[role];
    if (!isObj(block)) continue;
    for (const [name, ep] of Object.entries(block)) {
      const first = seen.get(name);
      if (first) {
        out.push({
          path: [role, name],
          at: 'key',
          text: `endpoint name already used in ${first} (endpoint names must be unique across provides, requires and peers)`,
        });
      } else seen.set(name, role);
      const container = isObj(ep) && ep.scope === 'container';
      if (role === 'requires' && container) containerRequires = true;
      // Juju reserves juju-*; only a subordinate's container-scoped requires may use it (juju/charm meta.go).
      if (
        (name === 'juju' || name.startsWith('juju-')) &&
        !(subordinate && role === 'requires' && container)
      ) {
        out.push({
          path: [role, name],
          at: 'key',
          text: "expected a name without the 'juju-' prefix (reserved for Juju)",
        });
      }
      const iface = isObj(ep) ? ep.interface : undefined;
      if (
        role !== 'requires' &&
        typeof iface === 'string' &&
        (iface === 'juju' || iface.startsWith('juju-'))
      ) {
        out.push({
          path: [role, name, 'interface'],
          at: 'value',
          text: `expected an interface without the 'juju-' prefix (only requires endpoints may use Juju's interfaces), got "${iface}"`,
        });
      }
    }
  }
  if (subordinate && !containerRequires) {
    out.push({
      path: ['subordinate'],
      at: 'value',
      text: 'a subordinate charm needs at least one requires endpoint with scope: container',
    });
  }
  const storage = isObj(data.storage) ? data.storage : {};
  for (const [name, s] of Object.entries(storage)) {
    const range = isObj(s) && isObj(s.multiple) ? s.multiple.range : undefined;
    const count = range === undefined ? undefined : parseRange(range);
    if (count && count.max !== undefined && (count.max < count.min || count.max < 1)) {
      out.push({
        path: ['storage', name, 'multiple', 'range'],
        at: 'value',
        text: `expected a range whose maximum is at least 1 and not below its minimum, got ${describeValue(range)}`,
      });
    }
  }
  const options = isObj(data.config) && isObj(data.config.options) ? data.config.options : {};
  for (const [name, opt] of Object.entries(options)) {
    if (!isObj(opt) || opt.default === null || opt.default === undefined) continue;
    const type = CONFIG_TYPES.find((t) => t === opt.type);
    if (type && !fitsConfigType(type, opt.default, true)) {
      out.push({
        path: ['config', 'options', name, 'default'],
        at: 'value',
        text: `expected ${configTypeName(type)} (the option's type), got ${describeValue(opt.default)}`,
      });
    }
  }
  const actions = isObj(data.actions) ? data.actions : {};
  const ajv = Object.keys(actions).length ? newActionAjv() : undefined;
  for (const [name, action] of Object.entries(actions)) {
    if (ajv && isObj(action)) out.push(...actionProblems(ajv, name, action));
  }
  return out;
}

/** Param schemas must be valid JSON Schema that compiles under dispatch's options; `required` must name params. */
function actionProblems(ajv: Ajv, name: string, action: Obj): Problem[] {
  const out: Problem[] = [];
  const base = ['actions', name, 'params'];
  const params = isObj(action.params) ? action.params : {};
  for (const [param, schema] of Object.entries(params)) {
    if (!isObj(schema)) continue;
    const at = [...base, param];
    if (!isJson(schema)) {
      out.push({
        path: at,
        at: 'key',
        text: 'expected plain JSON data (no .inf or .nan) in a parameter schema',
      });
    } else if (!ajv.validateSchema(structuredClone(schema))) {
      const errs = schemaProblems(ajv.errors ?? [], at);
      out.push(...errs.map((p) => ({ ...p, text: `not valid JSON Schema: ${p.text}` })));
    } else {
      try {
        // Compiled as dispatch sees it, under `properties` (ajv rejects a `default` at the root).
        const check = ajv.compile({ type: 'object', properties: { [param]: structuredClone(schema) } });
        if (schema.default !== undefined && !check({ [param]: structuredClone(schema.default) })) {
          const why = (check.errors ?? []).map(
            (e) => `${e.instancePath.split('/').slice(2).join('.') || 'it'} ${e.message ?? e.keyword}`,
          );
          out.push({
            path: [...at, 'default'],
            at: 'value',
            text: `expected a default that fits the parameter's schema (${why.join('; ')}), got ${describeValue(schema.default)}`,
          });
        }
      } catch (err) {
        out.push({
          path: at,
          at: 'key',
          text: `not valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }
  }
  const required = Array.isArray(action.required) ? action.required : [];
  required.forEach((r, i) => {
    if (typeof r === 'string' && !Object.hasOwn(params, r)) {
      const names = Object.keys(params).join(', ') || 'none';
      out.push({
        path: ['actions', name, 'required', String(i)],
        at: 'value',
        text: `expected a declared parameter (params: ${names}), got "${r}"`,
      });
    }
  });
  if (out.length === 0 && Object.values(params).every(isObj)) {
    // What dispatch compiles: params together, so a `$ref` between them is caught here too.
    const whole = toAction(name, {
      params: jsonParams(params),
      required: required.filter((r) => typeof r === 'string'),
    });
    try {
      ajv.compile(actionSchema(whole));
    } catch (err) {
      out.push({
        path: base,
        at: 'key',
        text: `not valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  return out;
}

function jsonParams(params: Obj): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [name, schema] of Object.entries(params)) {
    if (isObj(schema) && isJson(schema)) out[name] = schema;
  }
  return out;
}

/** `n`, `n-m`, `n-`, `n+` → counts; max absent = unbounded. */
function parseRange(range: unknown): { min: number; max?: number } | undefined {
  const m = /^([0-9]+)(?:(-)([0-9]*)|(\+))?$/.exec(String(range));
  if (!m) return undefined;
  const min = Number(m[1]);
  if (m[4] || (m[2] && !m[3])) return { min };
  return { min, max: m[3] ? Number(m[3]) : min };
}

function toAction(name: string, raw: RawAction | null): ActionMeta {
  return {
    name,
    description: raw?.description ?? '',
    params: jsonParams(raw?.params ?? {}),
    required: raw?.required ?? [],
    additionalProperties: raw?.additionalProperties ?? true,
    executionGroup: raw?.['execution-group'] ?? '',
    parallel: raw?.parallel ?? false,
  };
}

function toStorage(name: string, s: RawStorage): StorageMeta {
  const minimumSize = s['minimum-size'];
  return {
    name,
    type: s.type,
    description: s.description ?? '',
    ...(s.location === undefined ? {} : { location: s.location }),
    shared: s.shared ?? false,
    readOnly: s['read-only'] ?? false,
    properties: s.properties ?? [],
    count: (s.multiple && parseRange(s.multiple.range)) || { min: 1, max: 1 },
    ...(minimumSize === undefined ? {} : { minimumSize: String(minimumSize) }),
  };
}

/** Validated charm.yaml → CharmMeta, filling Juju's defaults. */
function normalise(raw: RawCharmYaml): CharmMeta {
  const endpoints: Record<string, EndpointMeta> = {};
  for (const role of ROLES) {
    for (const [name, ep] of Object.entries(raw[role] ?? {})) {
      endpoints[name] = {
        name,
        role,
        interface: ep.interface,
        ...(ep.limit === undefined ? {} : { limit: ep.limit }),
        optional: ep.optional ?? false,
        scope: ep.scope ?? 'global',
      };
    }
  }
  const map = <T, U>(o: Record<string, T> | undefined, f: (name: string, v: T) => U): Record<string, U> =>
    Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, f(k, v)]));
  return {
    name: raw.name,
    summary: raw.summary ?? '',
    description: raw.description ?? '',
    subordinate: raw.subordinate ?? false,
    endpoints,
    storage: map(raw.storage, toStorage),
    config: map(raw.config?.options, (name, o) => ({
      name,
      type: o.type,
      ...(o.default === null || o.default === undefined ? {} : { default: o.default }),
      description: o.description ?? '',
    })),
    actions: map(raw.actions, toAction),
    extraBindings: Object.keys(raw['extra-bindings'] ?? {}),
  };
}
