/**
 * The events Juju sends a charm (hook events and actions), and the framework's
 * collect-status events. Names follow Juju's hooks; handle kinds are ops'
 * snake_case (`db_relation_changed`), the TypeScript API is camelCase.
 */
import type { ActionMeta } from './meta/types.js';
import { LifecycleEvent } from './framework/lifecycle.js';
import type { Handle } from './framework/handle.js';
import type { JsonObject } from './framework/json.js';
import { EventBase } from './framework/object.js';
import { InvalidStatusError } from './errors.js';
import type { Application, Unit } from './model/unit.js';
import type { Relation } from './model/relation.js';
import type { Secret } from './model/secret.js';
import type { Storage } from './model/storage.js';
import { isSettable, type StatusBase } from './status.js';
import type { ActionContext } from './model/action.js';

/** Base of events that Juju triggers through a hook. */
export class HookEvent extends EventBase {}

export class InstallEvent extends HookEvent {}
export class StartEvent extends HookEvent {}
export class ConfigChangedEvent extends HookEvent {}
export class UpdateStatusEvent extends HookEvent {}
export class UpgradeCharmEvent extends HookEvent {}
export class LeaderElectedEvent extends HookEvent {}
/** Non-leaders get this where the leader gets leader-elected (deprecated by Juju, still sent). */
export class LeaderSettingsChangedEvent extends HookEvent {}

/** Not deferrable: the unit is going away. */
export class StopEvent extends HookEvent {
  override defer(): never {
    throw new Error('StopEvent cannot be deferred: the unit is stopping');
  }
}
/** Not deferrable: there is no next event. */
export class RemoveEvent extends HookEvent {
  override defer(): never {
    throw new Error('RemoveEvent cannot be deferred: there is no later event to run it');
  }
}

/** Arguments with which relation events are emitted. */
export type RelationEventArgs = [relation: Relation, app: Application | null, unit: Unit | null];

/** Base of relation events: the relation, the remote application and (where Juju gives one) the remote unit. */
export class RelationEvent extends HookEvent {
  relation!: Relation;
  /** The remote application; null only if Juju could not tell (e.g. some broken relations). */
  app!: Application | null;
  /** The remote unit; null for created, broken and application-level changed. */
  unit!: Unit | null;

  constructor(handle: Handle, relation: Relation, app: Application | null, unit: Unit | null) {
    super(handle);
    this.relation = relation;
    this.app = app;
    this.unit = unit;
  }

  override snapshot(): JsonObject {
    return {
      relation_name: this.relation.name,
      relation_id: this.relation.id,
      app_name: this.app?.name ?? null,
      unit_name: this.unit?.name ?? null,
    };
  }

  override restore(s: JsonObject): void {
    const model = this.framework.model;
    if (typeof s.relation_name !== 'string' || typeof s.relation_id !== 'number') {
      throw new Error('relation event snapshot lacks relation_name or relation_id');
    }
    this.relation = model.getRelationById(s.relation_name, s.relation_id);
    this.app = typeof s.app_name === 'string' ? model.getApp(s.app_name) : null;
    this.unit = typeof s.unit_name === 'string' ? model.getUnit(s.unit_name) : null;
  }
}

export class RelationCreatedEvent extends RelationEvent {}
export class RelationJoinedEvent extends RelationEvent {}
export class RelationChangedEvent extends RelationEvent {}
export class RelationBrokenEvent extends RelationEvent {}

/** A remote unit left; `departingUnit` is the unit that is going (possibly this one). */
export class RelationDepartedEvent extends RelationEvent {
  departingUnit!: Unit | null;

  constructor(
    handle: Handle,
    relation: Relation,
    app: Application | null,
    unit: Unit | null,
    departingUnit: Unit | null,
  ) {
    super(handle, relation, app, unit);
    this.departingUnit = departingUnit;
  }

  override snapshot(): JsonObject {
    return { ...super.snapshot(), departing_unit: this.departingUnit?.name ?? null };
  }

  override restore(s: JsonObject): void {
    super.restore(s);
    this.departingUnit =
      typeof s.departing_unit === 'string' ? this.framework.model.getUnit(s.departing_unit) : null;
  }
}

/** Base of storage events. */
export class StorageEvent extends HookEvent {
  storage!: Storage;

  constructor(handle: Handle, storage: Storage) {
    super(handle);
    this.storage = storage;
  }

  override snapshot(): JsonObject {
    return { storage_name: this.storage.name, storage_index: this.storage.index };
  }

  override restore(s: JsonObject): void {
    if (typeof s.storage_name !== 'string' || typeof s.storage_index !== 'number') {
      throw new Error('storage event snapshot lacks storage_name or storage_index');
    }
    this.storage = this.framework.model.storages.get(s.storage_name, s.storage_index);
  }
}
export class StorageAttachedEvent extends StorageEvent {}
/** Runs before stop; cannot be meaningfully deferred past the storage going away, but ops allows it. */
export class StorageDetachingEvent extends StorageEvent {}

/** Base of secret events. */
export class SecretEvent extends HookEvent {
  secret!: Secret;

  constructor(handle: Handle, secret: Secret) {
    super(handle);
    this.secret = secret;
  }

  override snapshot(): JsonObject {
    return { id: this.secret.id ?? null, label: this.secret.label ?? null };
  }

  override restore(s: JsonObject): void {
    this.secret = this.framework.model.lazySecret(
      typeof s.id === 'string' ? s.id : undefined,
      typeof s.label === 'string' ? s.label : undefined,
    );
  }
}

/** A secret this unit tracks has a new revision: `event.secret.getContent({ refresh: true })`. */
export class SecretChangedEvent extends SecretEvent {}

/** The owner should rotate the secret; Juju re-fires until a new revision exists. */
export class SecretRotateEvent extends SecretEvent {
  override defer(): never {
    throw new Error(
      'SecretRotateEvent cannot be deferred: Juju re-fires it until the secret gets a new revision',
    );
  }
}

/** Base of secret events about one revision. */
export class SecretRevisionEvent extends SecretEvent {
  revision!: number;

  constructor(handle: Handle, secret: Secret, revision: number) {
    super(handle, secret);
    this.revision = revision;
  }

  /** Remove the revision this event is about. */
  removeRevision(): void {
    this.secret.removeRevision(this.revision);
  }

  override snapshot(): JsonObject {
    return { ...super.snapshot(), revision: this.revision };
  }

  override restore(s: JsonObject): void {
    super.restore(s);
    if (typeof s.revision !== 'number') throw new Error('secret event snapshot lacks revision');
    this.revision = s.revision;
  }
}
/** No consumer tracks this revision any more: remove it. */
export class SecretRemoveEvent extends SecretRevisionEvent {}
/** The revision expired; Juju re-fires until a new revision exists. */
export class SecretExpiredEvent extends SecretRevisionEvent {
  override defer(): never {
    throw new Error(
      'SecretExpiredEvent cannot be deferred: Juju re-fires it until the secret gets a new revision',
    );
  }
}

/**
 * An action run by an operator. Not deferrable. `params` are validated against the
 * action's schema in charm.yaml before any handler runs.
 */
export class ActionEvent extends EventBase {
  /** Juju's action id. */
  id!: string;
  /** Validated parameters, with schema defaults applied. */
  params!: Record<string, unknown>;
  private context!: ActionContext;

  constructor(handle: Handle, context: ActionContext) {
    super(handle);
    this.id = context.id;
    this.params = context.params;
    this.context = context;
  }

  override defer(): never {
    throw new Error('ActionEvent cannot be deferred: an action runs once, now');
  }

  /** The action's metadata from charm.yaml. */
  get meta(): ActionMeta {
    return this.context.meta;
  }

  /** Set results; nested objects are flattened to dotted keys (`a.b`), as action-set takes them. */
  setResults(results: Record<string, unknown>): void {
    this.context.setResults(results);
  }

  /** Send a progress message to the operator (action-log). */
  log(message: string): void {
    this.context.log(message);
  }

  /** Mark the action failed with a message; handlers may still set results. */
  fail(message = ''): void {
    this.context.fail(message);
  }

  /**
   * Parse params with a zod-style schema. With `errors: 'fail'` a bad value fails the
   * action with the reason and returns undefined instead of throwing.
   */
  loadParams<T>(schema: SafeParser<T>, options: { errors?: 'raise' | 'fail' } = {}): T | undefined {
    const r = schema.safeParse(this.params);
    if (r.success) return r.data;
    const reason = r.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(params)'}: ${i.message}`)
      .join('; ');
    if (options.errors === 'fail') {
      this.fail(`Error in action parameters: ${reason}`);
      return undefined;
    }
    throw new Error(`action parameters are invalid: ${reason}`);
  }

  override snapshot(): JsonObject {
    return { id: this.id };
  }

  // Handlers get a restored copy of every event; an action's context lives on the model.
  override restore(s: JsonObject): void {
    const context = this.framework.model.actionContext;
    if (!context || context.id !== s.id)
      throw new Error(`action ${String(s.id)} is not running in this dispatch`);
    this.id = context.id;
    this.params = context.params;
    this.context = context;
  }
}

/** The structural part of a zod schema the SDK needs; ops never imports zod itself. */
export interface SafeParser<T> {
  safeParse(
    data: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } };
}

/**
 * Emitted after every event so the charm can say how it is (`event.addStatus(...)`);
 * the highest-priority status wins: error > blocked > maintenance > waiting > active.
 */
export class CollectStatusEvent extends LifecycleEvent {
  /** Add a candidate status; error and unknown are refused. */
  addStatus(status: StatusBase): void {
    if (!isSettable(status)) {
      throw new InvalidStatusError(
        `cannot add status '${status.name}': only active, blocked, maintenance or waiting`,
      );
    }
    const target =
      this.handle.kind === 'collect_app_status' ? this.framework.model.app : this.framework.model.unit;
    target.addCollectedStatus(status);
  }
}
