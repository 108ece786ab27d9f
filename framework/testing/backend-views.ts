/**
 * Read-only views that TestingBackend derives from a State: who is in a relation,
 * network-get answers, goal-state, storage ids. Pure functions of their inputs.
 */
import {
  formatPort,
  parsePort,
  type GoalState,
  type GoalStateEntry,
  type NetworkInfo,
  type Port,
} from '../ops/backend.js';
import { ModelError } from '../ops/errors.js';
import type { CharmMeta } from '../ops/meta/types.js';
import { jsonCopy, own } from './internal.js';
import { Network, type State } from './state.js';
import type { AnyRelation, DataBag } from './state-relation.js';

/** The other side of a relation as hook tools see it: remote app, remote units and their (input) databags. */
export interface RelationMembers {
  /** Remote application (this application on a peer relation). */
  app: string;
  appData: DataBag;
  /** Remote unit names, sorted by number (peers: the other units). */
  units: string[];
  unitData: Record<string, DataBag>;
}

/** Who is on the other side of `rel`: `relationMembers(rel, 'demo').units` → `['mysql/0']`. */
export function relationMembers(rel: AnyRelation, appName: string): RelationMembers {
  const byId = (app: string, units: Readonly<Record<number, DataBag>>): Record<string, DataBag> => {
    const out: Record<string, DataBag> = {};
    for (const id of Object.keys(units)
      .map(Number)
      .sort((a, b) => a - b)) {
      const bag = units[id];
      if (bag) out[`${app}/${id}`] = bag;
    }
    return out;
  };
  let unitData: Record<string, DataBag>;
  let app: string;
  let appData: DataBag;
  switch (rel.kind) {
    case 'relation':
      app = rel.remoteAppName;
      appData = rel.remoteAppData;
      unitData = byId(app, rel.remoteUnitsData);
      break;
    case 'peer':
      app = appName;
      appData = rel.localAppData;
      unitData = byId(app, rel.peersData);
      break;
    case 'subordinate':
      app = rel.remoteAppName;
      appData = rel.remoteAppData;
      unitData = { [`${app}/${rel.remoteUnitId}`]: rel.remoteUnitData };
      break;
  }
  return { app, appData, units: Object.keys(unitData), unitData };
}

/** network-get's answer for a binding: the State's Network, or the default address. */
export function networkInfoOf(network: Network | undefined): NetworkInfo {
  const n = network ?? Network({ bindingName: '' });
  return jsonCopy({
    bindAddresses: n.bindAddresses.map((i) => ({ ...i, addresses: i.addresses.map((a) => ({ ...a })) })),
    ingressAddresses: [...n.ingressAddresses],
    egressSubnets: [...n.egressSubnets],
  });
}

/** `name/N` → its parts; throws ModelError on anything else. */
export function parseStorageId(id: string): { name: string; index: number } {
  const m = /^([a-z][a-z0-9-]*)\/(\d+)$/.exec(id);
  if (!m || m[1] === undefined || m[2] === undefined)
    throw new ModelError(`invalid storage id "${id}": expected <name>/<number>`);
  return { name: m[1], index: Number(m[2]) };
}

/**
 * goal-state: this application's units (this unit, its peers, then unnamed units up to
 * `plannedUnits`; known units beyond that are dying) and every relation's remote members.
 */
export function goalStateOf(state: State, appName: string, unitId: number): GoalState {
  const entry = (status: string): GoalStateEntry => ({ status, since: '' });
  const ids = new Set<number>([unitId]);
  for (const rel of state.relations)
    if (rel.kind === 'peer') for (const id of Object.keys(rel.peersData)) ids.add(Number(id));
  for (let next = 0; ids.size < state.plannedUnits; next++) ids.add(next);
  // Scaling down: the highest-numbered other units are the ones going away.
  const others = [...ids].filter((id) => id !== unitId).sort((a, b) => a - b);
  const dying = new Set(others.slice(Math.max(0, state.plannedUnits - 1)));
  const units: Record<string, GoalStateEntry> = {};
  for (const id of [...ids].sort((a, b) => a - b))
    units[`${appName}/${id}`] = entry(dying.has(id) ? 'dying' : 'active');
  const relations: Record<string, Record<string, GoalStateEntry>> = {};
  for (const rel of state.relations) {
    const members = relationMembers(rel, appName);
    const out = (relations[rel.endpoint] ??= {});
    if (rel.kind !== 'peer') out[members.app] = entry('joined');
    for (const u of members.units) out[u] = entry('active');
  }
  return { units, relations };
}

// Juju's action-set key rule; these keys are reserved for the action's own output.
const RESULT_KEY = /^[a-z0-9](?:[a-z0-9-.]*[a-z0-9])?$/;
const RESERVED_RESULT_KEYS = new Set(['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** action-set `a.b=v`, stored nested as Juju does (`{a: {b: 'v'}}`); throws ModelError for bad or clashing keys. */
export function setActionResult(results: Record<string, unknown>, key: string, value: string): void {
  if (!RESULT_KEY.test(key)) {
    throw new ModelError(`action-set: invalid key '${key}': lowercase letters, digits, '-' and '.'`);
  }
  const path = key.split('.');
  const last = path.pop() ?? key;
  if (RESERVED_RESULT_KEYS.has(path[0] ?? last)) throw new ModelError(`action-set: key '${key}' is reserved`);
  let node = results;
  for (const part of path) {
    const next = node[part];
    if (next === undefined) node = node[part] = {};
    else if (isRecord(next)) node = next;
    else throw new ModelError(`action-set: key '${key}' runs into the value already set at '${part}'`);
  }
  if (isRecord(node[last]))
    throw new ModelError(`action-set: key '${key}' would replace the results under it`);
  node[last] = String(value);
}

/** action-get: the params, over the schema's top-level defaults (Juju fills them in). */
export function actionParamsWithDefaults(
  meta: CharmMeta | undefined,
  action: string,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const declared = meta ? own(meta.actions, action) : undefined;
  for (const [name, schema] of Object.entries(declared?.params ?? {})) {
    if (schema.default !== undefined) out[name] = jsonCopy(schema.default);
  }
  return { ...out, ...jsonCopy(params) };
}

/** A port as open-port takes it, checked (and its endpoints against metadata); throws ModelError. */
export function checkedPort(
  port: Port,
  endpoints: readonly string[] | undefined,
  meta: CharmMeta | undefined,
): Port {
  let p: Port;
  try {
    p = parsePort(formatPort(port));
  } catch (e) {
    throw new ModelError(e instanceof Error ? e.message : String(e));
  }
  for (const ep of endpoints ?? []) {
    if (meta && !own(meta.endpoints, ep)) throw new ModelError(`endpoint "${ep}" not found`);
  }
  return p;
}
