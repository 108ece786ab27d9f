/**
 * The base of every typed relation interface: one object per endpoint that reads
 * the remote side's databags through zod schemas, publishes this side's data,
 * and emits typed events. Remote data that fails its schema never fails a hook:
 * it becomes a DataProblem, remembered until the remote side fixes it, and the
 * charm's collect-status gets Blocked("<app> sent invalid <interface> data: …").
 *
 *   export class SlurmdRequirer extends RelationInterface { … }
 *   readonly slurmd = new SlurmdRequirer(this, 'slurmd');   // in a charm's fields
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import {
  BlockedStatus,
  FrameworkObject,
  ModelError,
  RelationDataError,
  SecretNotFoundError,
  type CharmBase,
  type CollectStatusEvent,
  type Relation,
  type RelationDepartedEvent,
  type RelationEvent,
  type Application,
  type Secret,
  type Unit,
} from '../framework/ops/index.js';
import { jsonCodec, type BagCodec } from './codec.js';
import type { EventOrigin } from './events.js';
import { ProblemLog, type DataProblem, type Issue, type StoredProblem } from './problems.js';

export type { DataProblem, Issue } from './problems.js';

/** Which interface an object speaks: its name in charm.yaml, its version, its databag encoding. */
export interface InterfaceSpec {
  readonly name: string;
  readonly version: number;
  readonly codec?: BagCodec;
}

/** The app-bag key where each side's leader publishes the interface version it speaks. */
export const VERSION_KEY = 'interface-version';

/** A zod object schema: one field per databag key. */
export type BagSchema = z.ZodObject;

/** StoredState of an interface object: its problems, and a hash of the remote app data last emitted per relation. */
type Memory = { problems: StoredProblem[]; seen: Record<string, string> };

// Handlers built by the typed watch* methods, so the observers below stay named methods.
interface AppWatch {
  data(event: RelationEvent): Promise<void>;
  gone(event: RelationEvent): Promise<void>;
}

interface UnitWatch {
  data(event: RelationEvent): Promise<void>;
  departed(event: RelationDepartedEvent): Promise<void>;
}

/** Base of Provider/Requirer classes; see the module comment. */
export abstract class RelationInterface extends FrameworkObject {
  readonly endpoint: string;
  readonly interfaceName: string;
  readonly version: number;
  protected readonly charm: CharmBase;
  private readonly codec: BagCodec;
  private readonly memory: Memory;
  private readonly log: ProblemLog;
  private appWatch: AppWatch | undefined;
  private unitWatch: UnitWatch | undefined;

  constructor(charm: CharmBase, endpoint: string, spec: InterfaceSpec) {
    super(charm, endpoint);
    const meta = charm.meta.endpoints[endpoint];
    if (!meta) throw new ModelError(`charm.yaml declares no endpoint '${endpoint}' for ${spec.name}`);
    if (meta.interface !== spec.name) {
      throw new ModelError(
        `endpoint '${endpoint}' has interface '${meta.interface}' in charm.yaml, not '${spec.name}'`,
      );
    }
    this.charm = charm;
    this.endpoint = endpoint;
    this.interfaceName = spec.name;
    this.version = spec.version;
    this.codec = spec.codec ?? jsonCodec;
    this.memory = this.storedState<Memory>('interface', { problems: [], seen: {} });
    this.log = new ProblemLog(this.memory.problems, spec.name, this.framework.logger);
    this.observe(charm.on.relationCreated(endpoint), this.publishVersionOnCreated);
    this.observe(charm.on.relationBroken(endpoint), this.forgetOnBroken);
    this.observe(charm.on.collectUnitStatus, this.collectDataProblems);
    this.observe(charm.on.collectAppStatus, this.collectDataProblems);
  }

  /** Active relations on this endpoint (the one being broken is left out). */
  get relations(): Relation[] {
    return this.model.relations.get(this.endpoint);
  }

  /**
   * Bad remote data still standing on live relations: found in this dispatch or
   * remembered from an earlier one until that databag is read again and is valid.
   */
  problems(): DataProblem[] {
    return this.log.current(this.relations);
  }

  /** The relations an accessor or publisher works on: `relation`, or every active one. */
  protected targets(relation?: Relation): Relation[] {
    return relation ? [relation] : this.relations;
  }

  /**
   * Read a remote databag. Undefined when the remote side has published none of the
   * schema's keys yet, speaks another interface version, or sent invalid data (then
   * a problem is recorded). `check` adds a rule the schema cannot express.
   */
  protected loadRemote<S extends BagSchema>(
    relation: Relation,
    member: Application | Unit,
    schema: S,
    check?: (data: z.output<S>) => Issue | undefined,
  ): z.output<S> | undefined {
    if (!this.remoteVersionOk(relation)) return undefined;
    const bag = relation.data.get(member);
    if (!Object.keys(schema.shape).some((k) => bag.has(k))) {
      this.log.clear(relation, member, 'data');
      return undefined;
    }
    const parsed = this.parseBag(relation, member, schema);
    if ('issues' in parsed) return this.refuse(relation, member, parsed.issues);
    const extra = check?.(parsed.data);
    if (extra) return this.refuse(relation, member, [extra]);
    this.log.clear(relation, member, 'data');
    return parsed.data;
  }

  /** The first relation whose remote application published valid `schema` data, with that data. */
  protected firstRemoteApp<S extends BagSchema>(
    schema: S,
  ): { relation: Relation; data: z.output<S> } | undefined {
    for (const relation of this.relations) {
      const data = this.loadRemote(relation, relation.app, schema);
      if (data) return { relation, data };
    }
    return undefined;
  }

  private refuse(relation: Relation, member: Application | Unit, issues: Issue[]): undefined {
    this.log.record(relation, member, 'data', issues);
    return undefined;
  }

  /**
   * Write this side's databag: this unit's, or (leader only) this application's,
   * with the interface version. Keys of schema fields missing from `data` are deleted.
   */
  protected saveLocal<S extends BagSchema>(
    relation: Relation,
    member: 'app' | 'unit',
    schema: S,
    data: z.input<S>,
  ) {
    const target = member === 'app' ? this.model.app : this.model.unit;
    const full: Record<string, unknown> = {};
    for (const k of Object.keys(schema.shape)) full[k] = undefined;
    Object.assign(full, data);
    if (this.codec.kind === 'json') {
      relation.save<unknown>(schema, full, target);
    } else {
      const r = schema.safeParse(full);
      if (!r.success) {
        const issues = r.error.issues.map((i) => ({
          field: i.path.map(String).join('.'),
          reason: i.message,
        }));
        const detail = issues.map((i) => `${i.field || '(data)'}: ${i.reason}`).join('; ');
        throw new RelationDataError(
          `refusing to save invalid data on relation ${relation.name}:${relation.id}: ${detail}`,
          target.name,
          issues,
        );
      }
      relation.data.get(target).update(this.codec.encode({ ...full, ...r.data }));
    }
    if (member === 'app') relation.data.get(target).set(VERSION_KEY, String(this.version));
  }

  /**
   * Write the app databag on every target relation if this unit leads; on other
   * units log and return false (every unit may call it from one reconcile step).
   * `data` may be a function of the relation (e.g. to grant a secret to it first).
   */
  protected publishApp<S extends BagSchema>(
    schema: S,
    data: z.input<S> | ((relation: Relation) => z.input<S>),
    relation?: Relation,
  ): boolean {
    if (!this.model.unit.isLeader()) {
      this.framework.logger.debug(
        `${this.interfaceName}: not the leader, application data left to the leader`,
      );
      return false;
    }
    for (const r of this.targets(relation)) {
      this.saveLocal(r, 'app', schema, typeof data === 'function' ? data(r) : data);
    }
    return true;
  }

  /**
   * Read a secret whose id the remote application published in `field`; its content
   * must fit `schema`. A secret this unit cannot see, or bad content, is a problem
   * (never with the content in the message).
   */
  protected readSecret<S extends BagSchema>(
    relation: Relation,
    field: string,
    id: string,
    schema: S,
    label?: string,
  ): z.output<S> | undefined {
    const app = relation.app;
    const topic = `secret:${field}`;
    let content: Record<string, string>;
    try {
      content = this.model.getSecret(label === undefined ? { id } : { id, label }).getContent();
    } catch (e) {
      if (!(e instanceof SecretNotFoundError)) throw e;
      this.log.record(relation, app, topic, [{ field, reason: `secret ${id} is missing or not granted` }]);
      return undefined;
    }
    const r = schema.safeParse(content);
    if (!r.success) {
      const reason = r.error.issues
        .map((i) => `secret content ${i.path.map(String).join('.') || '(all)'}: ${i.message}`)
        .join('; ');
      this.log.record(relation, app, topic, [{ field, reason }]);
      return undefined;
    }
    this.log.clear(relation, app, topic);
    return r.data;
  }

  /** Emit `ready` when the remote app data is valid and differs from what was last emitted; `gone` (if any) on broken. */
  protected watchRemoteApp<S extends BagSchema>(options: {
    schema: S;
    check?: (relation: Relation, data: z.output<S>) => Issue | undefined;
    ready: { emit(origin: EventOrigin, data: z.output<S>): Promise<void> };
    gone?: { emit(origin: EventOrigin): Promise<void> };
  }): void {
    const { schema, check, ready, gone } = options;
    this.appWatch = {
      data: async (event) => {
        const rel = event.relation;
        const data = this.loadRemote(rel, rel.app, schema, check && ((d) => check(rel, d)));
        if (data === undefined) return;
        // Emit once per new content: 1000 slurmd units joining must not replay the partition 1000 times.
        const seen = createHash('sha256').update(JSON.stringify(data)).digest('base64');
        if (this.memory.seen[String(rel.id)] === seen) return;
        this.memory.seen[String(rel.id)] = seen;
        await ready.emit(event, data);
      },
      gone: async (event) => {
        await gone?.emit(event);
      },
    };
    this.observe(this.charm.on.relationCreated(this.endpoint), this.onRemoteAppMaybeChanged);
    this.observe(this.charm.on.relationJoined(this.endpoint), this.onRemoteAppMaybeChanged);
    this.observe(this.charm.on.relationChanged(this.endpoint), this.onRemoteAppMaybeChanged);
    this.observe(this.charm.on.relationBroken(this.endpoint), this.onRemoteAppGone);
  }

  /** Emit `changed(origin, data)` when a remote unit publishes valid data, and `changed(origin, null)` when it departs. */
  protected watchRemoteUnits<S extends BagSchema>(options: {
    schema: S;
    changed: { emit(origin: EventOrigin, data: z.output<S> | null): Promise<void> };
  }): void {
    const { schema, changed } = options;
    this.unitWatch = {
      data: async (event) => {
        if (!event.unit) return;
        const data = this.loadRemote(event.relation, event.unit, schema);
        if (data !== undefined) await changed.emit(event, data);
      },
      departed: async (event) => {
        if (!event.unit) return;
        this.log.clear(event.relation, event.unit, 'data');
        await changed.emit(event, null);
      },
    };
    this.observe(this.charm.on.relationJoined(this.endpoint), this.onRemoteUnitMaybeChanged);
    this.observe(this.charm.on.relationChanged(this.endpoint), this.onRemoteUnitMaybeChanged);
    this.observe(this.charm.on.relationDeparted(this.endpoint), this.onRemoteUnitDeparted);
  }

  private async onRemoteAppMaybeChanged(event: RelationEvent): Promise<void> {
    await this.appWatch?.data(event);
  }

  private async onRemoteAppGone(event: RelationEvent): Promise<void> {
    await this.appWatch?.gone(event);
  }

  private async onRemoteUnitMaybeChanged(event: RelationEvent): Promise<void> {
    await this.unitWatch?.data(event);
  }

  private async onRemoteUnitDeparted(event: RelationDepartedEvent): Promise<void> {
    await this.unitWatch?.departed(event);
  }

  private publishVersionOnCreated(event: RelationEvent): void {
    if (this.model.unit.isLeader())
      event.relation.data.get(this.model.app).set(VERSION_KEY, String(this.version));
  }

  private forgetOnBroken(event: RelationEvent): void {
    this.log.forget(event.relation.id);
    delete this.memory.seen[String(event.relation.id)];
  }

  private collectDataProblems(event: CollectStatusEvent): void {
    const first = this.problems()[0];
    if (!first) return;
    const who = first.unit ?? first.app;
    event.addStatus(
      new BlockedStatus(
        `${who} sent invalid ${this.interfaceName} data: ${first.field || '(databag)'}: ${first.reason}`,
      ),
    );
  }

  /** A remote app that publishes another major version is a problem; one that publishes none is accepted. */
  private remoteVersionOk(relation: Relation): boolean {
    const app = relation.app;
    const raw = relation.data.get(app).get(VERSION_KEY);
    if (raw === undefined || raw === String(this.version)) {
      this.log.clear(relation, app, 'version');
      return true;
    }
    const reason = /^\d+$/.test(raw)
      ? `version ${raw} is not supported (this charm speaks ${this.interfaceName} version ${this.version})`
      : `'${raw}' is not a version number`;
    this.log.record(relation, app, 'version', [{ field: VERSION_KEY, reason }]);
    return false;
  }

  private parseBag<S extends BagSchema>(
    relation: Relation,
    member: Application | Unit,
    schema: S,
  ): { data: z.output<S> } | { issues: Issue[] } {
    if (this.codec.kind === 'json') {
      try {
        return { data: relation.load(schema, member) };
      } catch (e) {
        if (e instanceof RelationDataError) return { issues: [...e.issues] };
        throw e;
      }
    }
    const r = schema.safeParse(this.codec.decode(relation.data.get(member).toObject()));
    if (r.success) return { data: r.data };
    return {
      issues: r.error.issues.map((i) => ({ field: i.path.map(String).join('.'), reason: i.message })),
    };
  }
}

/** Grant `secret` to the remote application of `relation` and return its id (what goes in a databag). */
export function grantedId(secret: Secret, relation: Relation): string {
  secret.grant(relation);
  if (secret.id === undefined) throw new ModelError(`${secret} has no id after being granted`);
  return secret.id;
}
