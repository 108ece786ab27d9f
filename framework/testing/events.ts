/**
 * Event specs: what `ctx.on.<event>(...)` returns and `ctx.run()` takes. Each
 * names one Juju hook or action with its arguments, and can build the
 * DeferredEvent that a charm deferring it would leave behind.
 */
import type { JsonObject } from '../ops/framework/json.js';
import { jsonCopy } from './internal.js';
import { DeferredEvent, type Storage } from './state.js';
import type { AnyRelation } from './state-relation.js';
import type { Secret } from './state-secret.js';

/** A remote unit given by number (`1` → `<remote app>/1`, peers `<own app>/1`) or by name (`mysql/1`). */
export type UnitRef = number | string;

interface SpecBase {
  /**
   * The DeferredEvent this event leaves when `observerPath`'s `method` defers it:
   * `State({ deferred: [ctx.on.configChanged().deferred('DemoCharm', 'onConfigChanged')] })`.
   */
  deferred(observerPath: string, method: string): DeferredEvent;
}

/** A hook event. `name` is Juju's hook name (`install`, `db-relation-changed`). */
export interface HookEventSpec extends SpecBase {
  readonly kind: 'hook';
  readonly name: string;
  readonly relation?: AnyRelation;
  /** Absent: an application-level relation-changed, or created/broken. */
  readonly remoteUnit?: UnitRef;
  readonly departingUnit?: UnitRef;
  readonly secret?: Secret;
  readonly revision?: number;
  readonly storage?: Storage;
}

/** An action run. */
export interface ActionEventSpec extends SpecBase {
  readonly kind: 'action';
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly id: string;
}

/** Any event `ctx.run()` takes: `ctx.on.install()` or `ctx.on.action('backup')`. */
export type EventSpec = HookEventSpec | ActionEventSpec;

/** What the specs need from their Context to name units and handles. */
export interface SpecHost {
  /** Handle path of the charm, e.g. `DemoCharm`. */
  readonly charmPath: string;
  readonly appName: string;
}

/** The remote application of a relation as Juju reports it (own app on peers). */
export function remoteAppOf(rel: AnyRelation, appName: string): string {
  return rel.kind === 'peer' ? appName : rel.remoteAppName;
}

/** A unit reference as a unit name. */
export function unitName(rel: AnyRelation, ref: UnitRef, appName: string): string {
  return typeof ref === 'string' ? ref : `${remoteAppOf(rel, appName)}/${ref}`;
}

/** The event snapshot the SDK saves for a deferred event (formats of framework/ops/events.ts). */
export function snapshotOf(spec: EventSpec, appName: string): JsonObject {
  if (spec.kind === 'action') return { id: spec.id };
  if (spec.relation) {
    const rel = spec.relation;
    const snap: JsonObject = {
      relation_name: rel.endpoint,
      relation_id: rel.id,
      app_name: remoteAppOf(rel, appName),
      unit_name: spec.remoteUnit === undefined ? null : unitName(rel, spec.remoteUnit, appName),
    };
    if (spec.name.endsWith('-relation-departed')) {
      snap.departing_unit =
        spec.departingUnit === undefined ? null : unitName(rel, spec.departingUnit, appName);
    }
    return snap;
  }
  if (spec.secret) {
    const snap: JsonObject = { id: spec.secret.id, label: spec.secret.label ?? null };
    if (spec.revision !== undefined) snap.revision = spec.revision;
    return snap;
  }
  if (spec.storage) return { storage_name: spec.storage.name, storage_index: spec.storage.index };
  return {};
}

/** ops' handle kind of an event: `db-relation-changed` → `db_relation_changed`, action `backup` → `backup_action`. */
export function eventKind(spec: { kind: 'hook' | 'action'; name: string }): string {
  const kind = spec.name.replace(/-/g, '_');
  return spec.kind === 'action' ? `${kind}_action` : kind;
}

type HookArgs = Omit<HookEventSpec, 'kind' | 'name' | 'deferred'>;

let actionCounter = 0;

/** The `ctx.on` factories; see Context. */
export class EventFactories {
  constructor(private readonly host: SpecHost) {}

  install = (): HookEventSpec => this.hook('install');
  start = (): HookEventSpec => this.hook('start');
  stop = (): HookEventSpec => this.hook('stop');
  remove = (): HookEventSpec => this.hook('remove');
  configChanged = (): HookEventSpec => this.hook('config-changed');
  updateStatus = (): HookEventSpec => this.hook('update-status');
  upgradeCharm = (): HookEventSpec => this.hook('upgrade-charm');
  leaderElected = (): HookEventSpec => this.hook('leader-elected');
  leaderSettingsChanged = (): HookEventSpec => this.hook('leader-settings-changed');

  relationCreated = (relation: AnyRelation): HookEventSpec =>
    this.hook(`${relation.endpoint}-relation-created`, { relation });
  /** Default remote unit: the relation's only remote unit. */
  relationJoined = (relation: AnyRelation, options: { remoteUnit?: UnitRef } = {}): HookEventSpec =>
    this.hook(`${relation.endpoint}-relation-joined`, {
      relation,
      remoteUnit: options.remoteUnit ?? onlyUnit(relation),
    });
  /** Without remoteUnit: the application-level relation-changed (remote app data changed). */
  relationChanged = (relation: AnyRelation, options: { remoteUnit?: UnitRef } = {}): HookEventSpec =>
    this.hook(`${relation.endpoint}-relation-changed`, { relation, remoteUnit: options.remoteUnit });
  /** `departingUnit` defaults to `remoteUnit` (the remote unit is the one leaving). */
  relationDeparted = (
    relation: AnyRelation,
    options: { remoteUnit?: UnitRef; departingUnit?: UnitRef } = {},
  ): HookEventSpec => {
    const remoteUnit = options.remoteUnit ?? onlyUnit(relation);
    return this.hook(`${relation.endpoint}-relation-departed`, {
      relation,
      remoteUnit,
      departingUnit: options.departingUnit ?? remoteUnit,
    });
  };
  relationBroken = (relation: AnyRelation): HookEventSpec =>
    this.hook(`${relation.endpoint}-relation-broken`, { relation });

  secretChanged = (secret: Secret): HookEventSpec => this.hook('secret-changed', { secret });
  secretRotate = (secret: Secret): HookEventSpec => this.hook('secret-rotate', { secret });
  secretExpired = (secret: Secret, options: { revision: number }): HookEventSpec =>
    this.hook('secret-expired', { secret, revision: options.revision });
  secretRemove = (secret: Secret, options: { revision: number }): HookEventSpec =>
    this.hook('secret-remove', { secret, revision: options.revision });

  storageAttached = (storage: Storage): HookEventSpec =>
    this.hook(`${storage.name}-storage-attached`, { storage });
  storageDetaching = (storage: Storage): HookEventSpec =>
    this.hook(`${storage.name}-storage-detaching`, { storage });

  /** `ctx.on.action('backup', { params: { target: '/srv' } })`; `id` defaults to a fresh number. */
  action = (
    name: string,
    options: { params?: Record<string, unknown>; id?: string } = {},
  ): ActionEventSpec => {
    const host = this.host;
    const spec: ActionEventSpec = {
      kind: 'action',
      name,
      params: jsonCopy(options.params ?? {}),
      id: options.id ?? String(++actionCounter),
      deferred(observerPath: string, method: string): DeferredEvent {
        return deferredFor(host, spec, observerPath, method);
      },
    };
    return Object.freeze(spec);
  };

  private hook(name: string, args: HookArgs = {}): HookEventSpec {
    const host = this.host;
    const spec: HookEventSpec = {
      kind: 'hook',
      name,
      ...args,
      deferred(observerPath: string, method: string): DeferredEvent {
        return deferredFor(host, spec, observerPath, method);
      },
    };
    return Object.freeze(spec);
  }
}

function onlyUnit(rel: AnyRelation): number | undefined {
  const ids =
    rel.kind === 'relation'
      ? Object.keys(rel.remoteUnitsData)
      : rel.kind === 'peer'
        ? Object.keys(rel.peersData)
        : [String(rel.remoteUnitId)];
  return ids.length === 1 ? Number(ids[0]) : undefined;
}

// The key (`[n]`) is left off: the Context numbers deferred events when it builds the unit state.
function deferredFor(host: SpecHost, spec: EventSpec, observerPath: string, method: string): DeferredEvent {
  return DeferredEvent({
    handlePath: `${host.charmPath}/on/${eventKind(spec)}`,
    observerPath,
    method,
    snapshot: snapshotOf(spec, host.appName),
  });
}
