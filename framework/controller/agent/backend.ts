/**
 * The controller's in-process ModelBackend: one unit, one dispatch. Reads come from
 * the model store (with this hook's own writes on top); relation data, ports, secrets
 * and unit state are buffered and written by `flush()` in the same store transaction
 * as the unit's markers, only when the dispatch succeeds. Status, logs and the
 * workload version are written at once and never rolled back (juju-contract.md §3.2).
 */
import { randomBytes } from 'node:crypto';
import type {
  AppStatusInfo,
  ConfigValue,
  GoalState,
  LogLevel,
  ModelBackend,
  NetworkInfo,
  Port,
  SecretAddOptions,
  SecretGetOptions,
  SecretInfo,
  SecretSetOptions,
  StatusInfo,
  StorageInfo,
} from '../../ops/backend.js';
import { formatPort, parsePort } from '../../ops/backend.js';
import { InvalidStatusError, ModelError, RelationNotFoundError } from '../../ops/errors.js';
import { typedConfig } from '../../ops/meta/config.js';
import type { CharmMeta } from '../../ops/meta/types.js';
import type { StatusName } from '../../ops/status.js';
import type { AppRow, RelationRow, Store } from '../store/store.js';
import type { Marker } from './plan.js';
import { SecretOverlay } from './secret-overlay.js';

/** What the running action reads and writes. */
export interface ActionState {
  id: number;
  params: Record<string, unknown>;
  results: Record<string, string>;
  log: string[];
  failure?: string;
}

const STATUS: readonly StatusName[] = ['active', 'blocked', 'maintenance', 'waiting', 'unknown', 'error'];

function asStatus(s: string | null | undefined): StatusName {
  return STATUS.find((x) => x === s) ?? 'unknown';
}

export class ControllerBackend implements ModelBackend {
  readonly appName: string;
  readonly modelName: string;
  readonly modelUuid: string;
  readonly secrets: SecretOverlay;
  /** Full content of each databag this hook wrote: key `relation|owner|isApp`. */
  readonly relationWrites = new Map<
    string,
    { relation: number; owner: string; isApp: boolean; data: Record<string, string> }
  >();
  /** Ports after this hook, if it changed them. */
  ports: string[] | undefined;
  rebootRequested: 'now' | 'after-hook' | undefined;
  private readonly batch = {
    joining: new Map<number, Set<string>>(),
    departing: new Map<number, Set<string>>(),
  };

  constructor(
    private readonly store: Store,
    readonly unitName: string,
    private readonly meta: CharmMeta,
    readonly action?: ActionState,
  ) {
    this.appName = unitName.split('/')[0] ?? '';
    this.modelName = store.getKey('name') ?? 'default';
    this.modelUuid = store.getKey('uuid') ?? '';
    this.secrets = new SecretOverlay(store, unitName, () => this.isLeader());
  }

  private appRow(): AppRow {
    const a = this.store.app(this.appName);
    if (!a) throw new ModelError(`application ${this.appName} is gone`);
    return a;
  }

  // ---- relations ----------------------------------------------------------

  /** The relation if this unit's application is part of it; else RelationNotFoundError. */
  private relationRow(id: number): RelationRow {
    const r = this.store.relation(id);
    if (!r || (r.app1 !== this.appName && r.app2 !== this.appName))
      throw new RelationNotFoundError(`relation ${id}: relation not found`);
    return r;
  }

  /** This side's endpoint and the other side's application. */
  private sides(r: RelationRow): { endpoint: string; remoteApp: string } {
    if (r.peer) return { endpoint: r.ep1, remoteApp: r.app1 };
    return r.app1 === this.appName
      ? { endpoint: r.ep1, remoteApp: r.app2 }
      : { endpoint: r.ep2, remoteApp: r.app1 };
  }

  relationIds(endpoint: string): number[] {
    return this.store
      .relationsOf(this.appName)
      .filter(
        (r) =>
          this.sides(r).endpoint === endpoint &&
          (r.life === 'alive' || this.store.inScope(r.id, this.unitName)),
      )
      .filter((r) => r.scope !== 'container' || this.containerPeer(r) !== undefined)
      .map((r) => r.id);
  }

  /** In a container-scoped relation, the one unit on the other side that shares this unit's machine. */
  private containerPeer(r: RelationRow): string | undefined {
    const me = this.store.unit(this.unitName);
    const remoteApp = this.sides(r).remoteApp;
    return this.store
      .units(remoteApp)
      .find(
        (u) => u.life === 'alive' && (u.principal === this.unitName || (me?.principal ?? null) === u.name),
      )?.name;
  }

  /**
   * The remote units this unit knows in the relation, as Juju's relation-list answers: those
   * it has joined and not departed — counting the joins and departures of this dispatch's
   * own events (a batch sees them all at once; one event per process sees its own).
   */
  relationList(relationId: number): string[] {
    const r = this.relationRow(relationId);
    const known = new Set(
      this.store
        .seen(r.id, this.unitName)
        .filter((x) => x.is_app === 0)
        .map((x) => x.remote),
    );
    for (const u of this.batch.joining.get(relationId) ?? []) known.add(u);
    for (const u of this.batch.departing.get(relationId) ?? []) known.delete(u);
    return [...known].sort(compareUnitNames);
  }

  /** Tell the backend which joins and departures the events of this dispatch make. */
  setBatch(markers: readonly Marker[]): void {
    for (const m of markers) {
      if (m.kind === 'seen' && !m.isApp && m.version === -1) add(this.batch.joining, m.relation, m.remote);
      if (m.kind === 'unseen') add(this.batch.departing, m.relation, m.remote);
    }
  }

  relationRemoteApp(relationId: number): string {
    return this.sides(this.relationRow(relationId)).remoteApp;
  }

  relationGet(relationId: number, member: string, isApp: boolean): Record<string, string> {
    const r = this.relationRow(relationId);
    if (isApp && member === this.appName && !r.peer && !this.isLeader()) {
      throw new ModelError(
        `permission denied: only the leader can read its own application's databag on relation ${relationId}`,
      );
    }
    const write = this.relationWrites.get(`${relationId}|${member}|${isApp}`);
    return { ...(write ? write.data : this.store.databag(relationId, member, isApp).data) };
  }

  relationSet(relationId: number, data: Record<string, string>, isApp: boolean): void {
    this.relationRow(relationId);
    if (isApp && !this.isLeader())
      throw new ModelError('cannot write relation settings: this unit is not the leader');
    const owner = isApp ? this.appName : this.unitName;
    const next = this.relationGet(relationId, owner, isApp);
    for (const [k, v] of Object.entries(data)) {
      if (v === '') delete next[k];
      else next[k] = v;
    }
    this.relationWrites.set(`${relationId}|${owner}|${isApp}`, {
      relation: relationId,
      owner,
      isApp,
      data: next,
    });
  }

  // ---- config, leadership, status ------------------------------------------------

  configGet(): Record<string, ConfigValue> {
    return typedConfig(this.meta, this.store.appConfig(this.appRow()));
  }

  isLeader(): boolean {
    return this.store.app(this.appName)?.leader === this.unitName;
  }

  statusGet(isApp: false): StatusInfo;
  statusGet(isApp: true): AppStatusInfo;
  statusGet(isApp: boolean): StatusInfo | AppStatusInfo {
    if (!isApp) {
      const u = this.store.unit(this.unitName);
      return { status: asStatus(u?.workload), message: u?.message ?? '' };
    }
    const a = this.appRow();
    const units: Record<string, StatusInfo> = {};
    for (const u of this.store.units(this.appName))
      units[u.name] = { status: asStatus(u.workload), message: u.message };
    return { status: asStatus(a.status), message: a.status_message, units };
  }

  statusSet(status: StatusName, message: string, isApp: boolean): void {
    if (status === 'error' || status === 'unknown')
      throw new InvalidStatusError(`cannot set status '${status}'`);
    if (isApp) {
      if (!this.isLeader())
        throw new ModelError('cannot set application status: this unit is not the leader');
      this.store.updateApp(this.appName, { status, status_message: message });
    } else {
      this.store.updateUnit(this.unitName, { workload: status, message });
    }
  }

  // ---- actions and logs ---------------------------------------------------------

  private requireAction(): ActionState {
    if (!this.action) throw new ModelError('not running an action');
    return this.action;
  }

  actionGet(): Record<string, unknown> {
    return structuredClone(this.requireAction().params);
  }

  actionSet(results: Record<string, string>): void {
    Object.assign(this.requireAction().results, results);
  }

  actionFail(message: string): void {
    this.requireAction().failure = message || 'action failed without reason given';
  }

  actionLog(message: string): void {
    this.requireAction().log.push(message);
  }

  jujuLog(level: LogLevel, message: string): void {
    this.store.addLog(
      `unit-${this.unitName.replace('/', '-')}`,
      level === 'CRITICAL' ? 'ERROR' : level,
      `unit.${this.unitName}.juju-log`,
      message,
    );
  }

  // ---- secrets (see SecretOverlay) --------------------------------------------------

  secretAdd(content: Record<string, string>, options: SecretAddOptions): string {
    return this.secrets.add(content, options, `secret:${randomBytes(10).toString('hex')}`);
  }
  secretGet(options: SecretGetOptions): Record<string, string> {
    return this.secrets.get(options);
  }
  secretInfoGet(query: { id?: string; label?: string }): SecretInfo {
    return this.secrets.info(query);
  }
  secretSet(id: string, options: SecretSetOptions): void {
    this.secrets.set(id, options);
  }
  secretGrant(id: string, relationId: number, unit?: string): void {
    this.secrets.grant(id, relationId, unit ?? this.relationRemoteApp(relationId));
  }
  secretRevoke(id: string, relationId: number, unit?: string): void {
    this.secrets.revoke(id, relationId, unit ?? this.relationRemoteApp(relationId));
  }
  secretRemove(id: string, revision?: number): void {
    this.secrets.remove(id, revision);
  }
  secretIds(): string[] {
    return this.secrets.ids();
  }

  // ---- ports, network, version, storage, goal state -------------------------------

  openPort(port: Port): void {
    const p = formatPort(port);
    const current = this.ports ?? this.store.ports(this.unitName);
    this.ports = current.includes(p) ? current : [...current, p].sort();
  }

  closePort(port: Port): void {
    const p = formatPort(port);
    this.ports = (this.ports ?? this.store.ports(this.unitName)).filter((x) => x !== p);
  }

  openedPorts(): Port[] {
    return (this.ports ?? this.store.ports(this.unitName)).map(parsePort);
  }

  networkGet(bindingName: string, relationId?: number): NetworkInfo {
    if (relationId !== undefined) this.relationRow(relationId);
    if (!(bindingName in this.meta.endpoints) && !this.meta.extraBindings.includes(bindingName)) {
      throw new ModelError(`no network config for binding '${bindingName}'`);
    }
    const address = this.store.unit(this.unitName)?.address ?? '';
    return {
      bindAddresses: [
        {
          interfaceName: 'eth0',
          macAddress: '',
          addresses: [{ hostname: '', value: address, cidr: cidrOf(address) }],
        },
      ],
      ingressAddresses: [address],
      egressSubnets: [`${address}/32`],
    };
  }

  applicationVersionSet(version: string): void {
    this.store.updateApp(this.appName, { version });
  }

  storageList(name: string): string[] {
    if (!(name in this.meta.storage)) return [];
    return [];
  }

  storageGet(storageId: string): StorageInfo {
    throw new ModelError(
      `storage ${storageId} is not attached: this controller does not provide storage yet`,
    );
  }

  storageAdd(counts: Record<string, number>): void {
    throw new ModelError(
      `cannot add storage ${Object.keys(counts).join(', ')}: this controller does not provide storage yet`,
    );
  }

  goalState(): GoalState {
    const units: GoalState['units'] = {};
    for (const u of this.store.units(this.appName))
      units[u.name] = { status: u.life === 'alive' ? 'active' : 'dying', since: '' };
    return { units, relations: {} };
  }

  reboot(now: boolean): void {
    this.rebootRequested = now ? 'now' : 'after-hook';
  }
}

function cidrOf(address: string): string {
  const parts = address.split('.');
  return parts.length === 4 ? `${parts.slice(0, 3).join('.')}.0/24` : '';
}

function add(map: Map<number, Set<string>>, key: number, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

/** `app/2` before `app/10`. */
export function compareUnitNames(a: string, b: string): number {
  return Number(a.split('/')[1]) - Number(b.split('/')[1]) || a.localeCompare(b);
}
