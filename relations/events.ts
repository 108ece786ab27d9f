/**
 * Typed events of relation interfaces. Each carries the relation (and the remote
 * application and unit) it is about; data events also carry the validated remote
 * data. Handlers always get a copy restored from the snapshot (the framework's
 * rule), so restore looks the relation up again and re-validates the data.
 *
 *   export class PartitionReadyEvent extends dataEvent(PartitionSchema) {}
 *   this.observe(this.slurmd.on.partitionReady, this.onPartitionReady);
 */
import type { z } from 'zod';
import {
  EventBase,
  type Application,
  type Handle,
  type JsonObject,
  type JsonValue,
  type Relation,
  type Unit,
} from '../framework/ops/index.js';

/** Where an interface event comes from: the charm's relation event (a RelationEvent fits). */
export interface EventOrigin {
  readonly relation: Relation;
  readonly app: Application | null;
  readonly unit: Unit | null;
}

/** An event about one relation of an interface: `event.relation`, `event.app`, `event.unit`. */
export class InterfaceEvent extends EventBase {
  relation!: Relation;
  /** The remote application (null only where Juju could not tell). */
  app!: Application | null;
  /** The remote unit, for unit-level events; null otherwise. */
  unit!: Unit | null;

  constructor(handle: Handle, origin: EventOrigin) {
    super(handle);
    this.relation = origin.relation;
    this.app = origin.app;
    this.unit = origin.unit;
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
      throw new Error('interface event snapshot lacks relation_name or relation_id');
    }
    const relation = model.getRelation(s.relation_name, s.relation_id);
    if (!relation) throw new Error(`relation ${s.relation_name}:${s.relation_id} is gone`);
    this.relation = relation;
    this.app = typeof s.app_name === 'string' ? model.getApp(s.app_name) : null;
    this.unit = typeof s.unit_name === 'string' ? model.getUnit(s.unit_name) : null;
  }
}

/**
 * An InterfaceEvent class carrying `data` validated by `schema`; the data travels in
 * the snapshot as JSON and is parsed again on restore (never cast).
 * `class DatabaseReadyEvent extends dataEvent(DatabaseSchema) {}`.
 */
export function dataEvent<S extends z.ZodType>(schema: S) {
  return class InterfaceDataEvent extends InterfaceEvent {
    data!: z.output<S>;

    constructor(handle: Handle, origin: EventOrigin, data: z.output<S>) {
      super(handle, origin);
      this.data = data;
    }

    override snapshot(): JsonObject {
      return { ...super.snapshot(), data: toJson(this.data) };
    }

    override restore(s: JsonObject): void {
      super.restore(s);
      this.data = schema.parse(s.data);
    }
  };
}

/** A JSON copy (drops undefined fields, which a snapshot cannot hold). */
export function toJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  const copy: JsonValue = JSON.parse(JSON.stringify(value));
  return copy;
}
