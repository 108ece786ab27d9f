/**
 * Relations and their databags, with Juju's access rules enforced before any hook
 * tool runs (reference/juju-contract.md §7.2):
 *   own unit bag: read/write; other units: read; own app bag: leader read/write,
 *   non-leaders read only on peer relations; remote app bag: read.
 * Typed access: `relation.load(schema, app)` / `relation.save(schema, data, app)`,
 * one databag key per field holding JSON.
 */
import {
  ModelError,
  RelationDataAccessError,
  RelationDataError,
  RelationDataTypeError,
  RelationNotFoundError,
} from '../errors.js';
import type { SafeParser } from '../events.js';
import type { Model } from './model.js';
import { Application, Unit } from './unit.js';

export type Member = Unit | Application;

export class Relation {
  private unitsCache: Set<Unit> | undefined;
  private unitNames: Set<string> | undefined;
  private appCache: Application | undefined;
  private readonly bags = new Map<string, RelationDataContent>();

  constructor(
    private readonly model: Model,
    /** The endpoint name. */
    readonly name: string,
    readonly id: number,
    /** False for a relation that is being broken (or is gone). */
    readonly active: boolean,
    private readonly extraUnits: readonly string[] = [],
  ) {}

  /** Whether the endpoint is a peer endpoint. */
  get isPeer(): boolean {
    return this.model.meta.endpoints[this.name]?.role === 'peers';
  }

  /** The remote application (the own application on a peer relation). */
  get app(): Application {
    if (this.appCache) return this.appCache;
    if (this.isPeer) return (this.appCache = this.model.app);
    const first = [...this.units][0];
    this.appCache = first ? first.app : this.model.getApp(this.model.remoteAppFor(this.id));
    return this.appCache;
  }

  /** Remote units (peers: the other units of this application). */
  get units(): ReadonlySet<Unit> {
    if (!this.unitsCache) {
      let names: string[];
      try {
        names = this.model.backend.relationList(this.id);
      } catch (e) {
        if (!(e instanceof RelationNotFoundError) || this.active) throw e;
        names = [];
      }
      const all = [...names, ...this.extraUnits.filter((u) => !names.includes(u))];
      this.unitsCache = new Set(all.map((n) => this.model.getUnit(n)));
      this.unitNames = new Set(all);
    }
    return this.unitsCache;
  }

  /** The databags of this relation, by member. */
  readonly data = {
    /** The databag of `member`: this unit, this application, the remote application or a remote unit. */
    get: (member: Member): RelationDataContent => this.bag(member),
  };

  /**
   * Read `source`'s databag through a zod-style schema: each field is one key holding
   * JSON (a value that is not JSON is passed as the plain string). Throws
   * RelationDataError naming the source, each failing field and why.
   */
  load<T>(schema: SafeParser<T>, source: Member): T {
    const raw = this.bag(source).toObject();
    const decoded: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) decoded[k] = decodeField(v);
    const r = schema.safeParse(decoded);
    if (r.success) return r.data;
    const issues = r.error.issues.map((i) => ({ field: i.path.map(String).join('.'), reason: i.message }));
    const detail = issues.map((i) => `${i.field || '(databag)'}: ${i.reason}`).join('; ');
    throw new RelationDataError(
      `${source.name} sent invalid data on relation ${this.name}:${this.id}: ${detail}`,
      source.name,
      issues,
    );
  }

  /**
   * Write `data` to `target`'s databag (this unit, or this application as leader),
   * validated by the schema first; each field is stored as JSON, an undefined field deletes its key.
   */
  save<T>(schema: SafeParser<T>, data: T, target: Member): void {
    const r = schema.safeParse(data);
    if (!r.success) {
      const issues = r.error.issues.map((i) => ({ field: i.path.map(String).join('.'), reason: i.message }));
      const detail = issues.map((i) => `${i.field || '(data)'}: ${i.reason}`).join('; ');
      throw new RelationDataError(
        `refusing to save invalid data on relation ${this.name}:${this.id}: ${detail}`,
        target.name,
        issues,
      );
    }
    const parsed = r.data;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new RelationDataError(
        'the schema must describe an object: one databag key per field',
        target.name,
        [],
      );
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>))
      out[k] = v === undefined ? '' : JSON.stringify(v);
    this.bag(target).update(out);
  }

  private bag(member: Member): RelationDataContent {
    this.checkMember(member);
    const key = `${member instanceof Unit ? 'unit' : 'app'}:${member.name}`;
    let bag = this.bags.get(key);
    if (!bag) {
      bag = new RelationDataContent(this.model, this, member);
      this.bags.set(key, bag);
    }
    return bag;
  }

  /** Whether a unit of that name is in the relation (a set lookup: relations can hold thousands of units). */
  private hasUnit(name: string): boolean {
    if (!this.unitNames) void this.units;
    return this.unitNames?.has(name) ?? false;
  }

  private checkMember(member: Member): void {
    if (member instanceof Unit) {
      if (member.isOwn || this.hasUnit(member.name)) return;
    } else if (member instanceof Application) {
      if (member.isOwn || member.name === this.app.name) return;
    } else {
      throw new TypeError('a databag belongs to a Unit or an Application');
    }
    throw new ModelError(`${member.name} is not part of relation ${this.name}:${this.id}`);
  }

  toString(): string {
    return `Relation(${this.name}:${this.id})`;
  }
}

function decodeField(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/**
 * One databag, read lazily (one relation-get) and cached for the dispatch; each
 * write calls relation-set at once with only the changed keys (Juju publishes
 * them when the hook succeeds). `''` deletes a key.
 */
export class RelationDataContent {
  private cache: Record<string, string> | undefined;

  constructor(
    private readonly model: Model,
    private readonly relation: Relation,
    readonly member: Member,
  ) {}

  get(key: string): string | undefined {
    return this.load()[key];
  }

  has(key: string): boolean {
    return key in this.load();
  }

  keys(): string[] {
    return Object.keys(this.load());
  }

  get size(): number {
    return this.keys().length;
  }

  /** A copy of the whole bag. */
  toObject(): Record<string, string> {
    return { ...this.load() };
  }

  set(key: string, value: string): void {
    this.update({ [key]: value });
  }

  delete(key: string): void {
    this.update({ [key]: '' });
  }

  /** Set several keys at once; `''` deletes. */
  update(values: Record<string, string>): void {
    for (const [k, v] of Object.entries(values)) {
      if (typeof k !== 'string' || k === '')
        throw new RelationDataTypeError('databag keys must be non-empty strings');
      if (typeof v !== 'string') {
        throw new RelationDataTypeError(
          `databag value for '${k}' must be a string, got ${v === null ? 'null' : typeof v}`,
        );
      }
    }
    this.checkWrite();
    const current = this.load();
    const changed: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if ((current[k] ?? '') !== v) changed[k] = v;
    if (Object.keys(changed).length === 0) return;
    this.model.backend.relationSet(this.relation.id, changed, this.member instanceof Application);
    for (const [k, v] of Object.entries(changed)) {
      if (v === '') delete current[k];
      else current[k] = v;
    }
  }

  private load(): Record<string, string> {
    if (this.cache) return this.cache;
    this.checkRead();
    this.cache = this.model.backend.relationGet(
      this.relation.id,
      this.member.name,
      this.member instanceof Application,
    );
    return this.cache;
  }

  private where(): string {
    const kind = this.member instanceof Application ? 'application' : 'unit';
    return `the ${kind} databag of ${this.member.name} on relation ${this.relation.name}:${this.relation.id}`;
  }

  private checkRead(): void {
    const m = this.member;
    if (m instanceof Application && m.isOwn && !this.relation.isPeer && !this.model.backend.isLeader()) {
      throw new RelationDataAccessError(
        `cannot read ${this.where()}: only the leader can read its own application's databag (except on peer relations)`,
      );
    }
  }

  private checkWrite(): void {
    const m = this.member;
    if (!m.isOwn)
      throw new RelationDataAccessError(`cannot write ${this.where()}: remote databags are read-only`);
    if (m instanceof Application && !this.model.backend.isLeader()) {
      throw new RelationDataAccessError(
        `cannot write ${this.where()}: only the leader can write its application's databag`,
      );
    }
  }
}
