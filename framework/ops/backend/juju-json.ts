/**
 * Parsers for the JSON that Juju's hook tools print with `--format=json`. Each one
 * checks the shape with small hand-written guards (no zod: this runs in every hook
 * process, where start-up time matters) and throws ModelError on anything else.
 *
 * Go prints a nil map or slice as `null`, so lists and maps accept `null` as empty.
 */
import { canonicalSecretId } from '../secret-content.js';
import type {
  AppStatusInfo,
  ConfigValue,
  GoalState,
  GoalStateEntry,
  NetworkAddress,
  NetworkInfo,
  NetworkInterface,
  Port,
  SecretInfo,
  SecretRotatePolicy,
  StatusInfo,
  StorageInfo,
} from '../backend.js';
import { ModelError } from '../errors.js';
import type { StatusName } from '../status.js';

/** A parsed JSON object. */
export type JsonObject = { [key: string]: unknown };

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a tool's output failed its expected shape; `sensitive` keeps the output out of the message. */
function bad(tool: string, expected: string, got: unknown, sensitive: boolean): ModelError {
  if (sensitive) return new ModelError(`${tool} printed output that is not ${expected}`);
  let text = JSON.stringify(got) ?? String(got);
  if (text.length > 200) text = `${text.slice(0, 200)}…`;
  return new ModelError(`${tool} printed output that is not ${expected}: ${text}`);
}

/** Parse a tool's stdout as JSON; the output is quoted in the error only when not sensitive. */
export function parseJsonOutput(tool: string, stdout: string, sensitive = false): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw bad(tool, 'JSON', sensitive ? '' : stdout.trim(), sensitive);
  }
}

/** `["a", "b"]` (or null) → string[]. */
export function asStringList(tool: string, v: unknown): string[] {
  if (v === null) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw bad(tool, 'a JSON list of strings', v, false);
}

/** `{"k": "v"}` (or null) → Record<string, string>; `sensitive` for secret content. */
export function asStringMap(tool: string, v: unknown, sensitive = false): Record<string, string> {
  if (v === null) return {};
  if (isObject(v)) {
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string')
        throw bad(tool, 'a JSON object of strings', sensitive ? undefined : v, sensitive);
      out[k] = x;
    }
    return out;
  }
  throw bad(tool, 'a JSON object of strings', v, sensitive);
}

/** Any JSON object (or null → {}). */
export function asObject(tool: string, v: unknown): JsonObject {
  if (v === null) return {};
  if (isObject(v)) return v;
  throw bad(tool, 'a JSON object', v, false);
}

/** config-get: options with a value; unset ones (null) are left out, as ops does. */
export function asConfig(tool: string, v: unknown): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const [k, x] of Object.entries(asObject(tool, v))) {
    if (x === null) continue;
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') {
      throw bad(tool, 'a JSON object of strings, numbers and booleans', v, false);
    }
    out[k] = x;
  }
  return out;
}

const STATUS_NAMES: ReadonlySet<string> = new Set([
  'active',
  'blocked',
  'maintenance',
  'waiting',
  'unknown',
  'error',
]);

/** A status entry `{status, message, status-data}`; Juju-owned names we do not model (terminated) read as unknown. */
function asStatusEntry(tool: string, v: unknown): StatusInfo {
  if (!isObject(v) || typeof v.status !== 'string') throw bad(tool, 'a status object', v, false);
  const message = v.message ?? '';
  if (typeof message !== 'string') throw bad(tool, 'a status object', v, false);
  const status: StatusName = isStatusName(v.status) ? v.status : 'unknown';
  return { status, message };
}

function isStatusName(s: string): s is StatusName {
  return STATUS_NAMES.has(s);
}

/** status-get --application=false. */
export function asUnitStatus(tool: string, v: unknown): StatusInfo {
  return asStatusEntry(tool, v);
}

/** status-get --application=true: `{"application-status": {…, "units": {name: {…}}}}`. */
export function asAppStatus(tool: string, v: unknown): AppStatusInfo {
  if (!isObject(v) || !isObject(v['application-status']))
    throw bad(tool, 'an application status object', v, false);
  const app = v['application-status'];
  // Juju nests units inside application-status; accept them beside it too.
  const rawUnits = app.units ?? v.units ?? {};
  if (!isObject(rawUnits)) throw bad(tool, 'an application status object', v, false);
  const units: Record<string, StatusInfo> = {};
  for (const [name, u] of Object.entries(rawUnits)) units[name] = asStatusEntry(tool, u);
  return { ...asStatusEntry(tool, app), units };
}

/** The trailing 20-character id of `secret:<id>`, `secret://<model>/<id>` or a bare id. */
export function secretXid(id: string): string {
  const s = id.trim();
  return s.slice(s.lastIndexOf('/') + 1).replace(/^secret:/, '');
}

const ROTATE_POLICIES: ReadonlySet<string> = new Set([
  'never',
  'hourly',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'yearly',
]);

function isRotatePolicy(s: unknown): s is SecretRotatePolicy {
  return typeof s === 'string' && ROTATE_POLICIES.has(s);
}

function optionalDate(tool: string, v: unknown, whole: unknown): Date | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const d = typeof v === 'string' ? new Date(v) : undefined;
  if (d === undefined || Number.isNaN(d.getTime()))
    throw bad(tool, 'secret metadata with RFC 3339 dates', whole, false);
  return d;
}

/**
 * secret-info-get: `{"<id>": {revision, label, owner, description?, rotation?, expiry?, rotates?}}`.
 * Juju keys the answer by the bare id; `askedId` (when the caller looked up by id) is
 * returned as given so the caller gets back the id it knows.
 */
export function asSecretInfo(tool: string, v: unknown, askedId?: string): SecretInfo {
  const entries = isObject(v) ? Object.entries(v) : [];
  const first = entries[0];
  if (entries.length !== 1 || first === undefined) throw bad(tool, 'one secret’s metadata', v, false);
  const [key, d] = first;
  if (!isObject(d) || typeof d.revision !== 'number' || !Number.isInteger(d.revision)) {
    throw bad(tool, 'one secret’s metadata', v, false);
  }
  const id =
    askedId !== undefined && secretXid(askedId) === secretXid(key) ? askedId : canonicalSecretId(key);
  const info: SecretInfo = { id, revision: d.revision };
  if (typeof d.label === 'string' && d.label !== '') info.label = d.label;
  if (typeof d.description === 'string' && d.description !== '') info.description = d.description;
  if (isRotatePolicy(d.rotation)) info.rotation = d.rotation;
  const expires = optionalDate(tool, d.expiry, v);
  if (expires) info.expires = expires;
  const rotates = optionalDate(tool, d.rotates, v);
  if (rotates) info.rotates = rotates;
  return info;
}

/** opened-ports: `80/tcp`, `8000-8999/udp`, `icmp`, and bare `80` (tcp), as ops reads them. */
export function asPorts(tool: string, v: unknown): Port[] {
  return asStringList(tool, v).map((text) => {
    const spec = text.split(' ')[0] ?? '';
    if (spec === 'icmp') return { protocol: 'icmp' };
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(spec);
    if (!m) throw bad(tool, 'a list of ports', v, false);
    const protocol = m[3] === 'udp' ? 'udp' : 'tcp';
    const port = Number(m[1]);
    return m[2] === undefined ? { protocol, port } : { protocol, port, toPort: Number(m[2]) };
  });
}

function str(x: unknown): string {
  return typeof x === 'string' ? x : '';
}

/** network-get: Juju's hyphenated keys; Juju < 2.9 says `address` where later ones say `value`. */
export function asNetworkInfo(tool: string, v: unknown): NetworkInfo {
  if (!isObject(v)) throw bad(tool, 'network info', v, false);
  const rawBind = v['bind-addresses'] ?? [];
  if (!Array.isArray(rawBind)) throw bad(tool, 'network info', v, false);
  const bindAddresses: NetworkInterface[] = rawBind.map((b: unknown) => {
    if (!isObject(b)) throw bad(tool, 'network info', v, false);
    const rawAddrs = b.addresses ?? [];
    if (!Array.isArray(rawAddrs)) throw bad(tool, 'network info', v, false);
    const addresses: NetworkAddress[] = rawAddrs.map((a: unknown) => {
      if (!isObject(a)) throw bad(tool, 'network info', v, false);
      const value = str(a.value) || str(a.address);
      if (!value) throw bad(tool, 'network info', v, false);
      return { hostname: str(a.hostname), value, cidr: str(a.cidr) };
    });
    return { interfaceName: str(b['interface-name']), macAddress: str(b['mac-address']), addresses };
  });
  return {
    bindAddresses,
    ingressAddresses: asStringList(tool, v['ingress-addresses'] ?? null),
    egressSubnets: asStringList(tool, v['egress-subnets'] ?? null),
  };
}

/** storage-get: `{"kind": "filesystem"|"block", "location": "/path"}`. */
export function asStorageInfo(tool: string, v: unknown): StorageInfo {
  if (isObject(v) && (v.kind === 'filesystem' || v.kind === 'block') && typeof v.location === 'string') {
    return { kind: v.kind, location: v.location };
  }
  throw bad(tool, 'storage info {kind, location}', v, false);
}

function asGoalEntries(tool: string, v: unknown, whole: unknown): Record<string, GoalStateEntry> {
  const out: Record<string, GoalStateEntry> = {};
  if (v === undefined || v === null) return out;
  if (!isObject(v)) throw bad(tool, 'goal state', whole, false);
  for (const [name, e] of Object.entries(v)) {
    if (!isObject(e) || typeof e.status !== 'string') throw bad(tool, 'goal state', whole, false);
    out[name] = { status: e.status, since: str(e.since) };
  }
  return out;
}

/** goal-state: `{"units": {name: {status, since}}, "relations": {endpoint: {name: {status, since}}}}`. */
export function asGoalState(tool: string, v: unknown): GoalState {
  if (!isObject(v)) throw bad(tool, 'goal state', v, false);
  const relations: Record<string, Record<string, GoalStateEntry>> = {};
  const rawRelations = v.relations ?? {};
  if (!isObject(rawRelations)) throw bad(tool, 'goal state', v, false);
  for (const [endpoint, entries] of Object.entries(rawRelations))
    relations[endpoint] = asGoalEntries(tool, entries, v);
  return { units: asGoalEntries(tool, v.units, v), relations };
}

/** relation-ids prints `endpoint:N`; ops keeps the integer after the last colon. */
export function parseRelationRef(tool: string, ref: string): { endpoint?: string; id: number } {
  const m = /^(?:(.+):)?(\d+)$/.exec(ref);
  if (!m) throw bad(tool, 'relation ids like "endpoint:3"', ref, false);
  return m[1] === undefined ? { id: Number(m[2]) } : { endpoint: m[1], id: Number(m[2]) };
}
