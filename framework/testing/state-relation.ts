/**
 * Relations in a test State: `Relation`, `PeerRelation` and `SubordinateRelation`,
 * as ops.testing models them. Each is frozen on construction; build a changed copy
 * with the builder again: `Relation({ ...rel, remoteAppData: { ready: 'true' } })`.
 */
import { RelationDataError } from '../ops/errors.js';
import type { SafeParser } from '../ops/events.js';
import { IdCounter, frozenBag, frozenUnits } from './internal.js';

/** A databag: string keys to string values, frozen. */
export type DataBag = Readonly<Record<string, string>>;
/** Databags of units by unit number (`{0: {...}, 1: {...}}`). */
export type UnitsData = Readonly<Record<number, DataBag>>;

/** Juju puts these keys in every unit databag (ops.testing's default local/remote unit data). */
export const DEFAULT_JUJU_DATABAG: DataBag = Object.freeze({
  'egress-subnets': '192.0.2.0/24',
  'ingress-address': '192.0.2.0',
  'private-address': '192.0.2.0',
});

/**
 * Which databag of a relation to read: the local app or unit, the remote app, or a
 * remote (or peer) unit by number. `rel.load(schema, 'remoteApp')`, `rel.load(schema, 0)`.
 */
export type BagRef = 'localApp' | 'localUnit' | 'remoteApp' | number;

/**
 * Anything with zod's `safeParse` (a zod schema fits structurally):
 * `rel.load(z.object({ port: z.number() }), 'remoteApp')`.
 */
export type SafeParseSchema<T> = SafeParser<T>;

const relationIds = new IdCounter();

/** Fields every kind of relation has. */
interface RelationCommon {
  readonly endpoint: string;
  /** Interface name; only checked against metadata when given. */
  readonly interface: string | undefined;
  /** Relation id (`endpoint:id`); auto-assigned when not given. */
  readonly id: number;
  readonly localAppData: DataBag;
  readonly localUnitData: DataBag;
  /** The raw databag behind `ref`; throws when this relation has no such bag. */
  bag(ref: BagRef): DataBag;
  /**
   * Decode a databag (one key per field, each holding JSON) and check it with `schema`:
   * `out.getRelation(1).load(DbAppSchema, 'localApp')`. Throws RelationDataError naming each bad field.
   */
  load<T>(schema: SafeParseSchema<T>, ref: BagRef): T;
}

/** A relation to another application. */
export interface Relation extends RelationCommon {
  readonly kind: 'relation';
  readonly remoteAppName: string;
  readonly remoteAppData: DataBag;
  readonly remoteUnitsData: UnitsData;
  /** Most relations the endpoint accepts (as in metadata); informational. */
  readonly limit: number | undefined;
  readonly remoteModelUuid: string | undefined;
}

/** A peer relation: the other units of this application. */
export interface PeerRelation extends RelationCommon {
  readonly kind: 'peer';
  /** The other units' databags by unit number; this unit's own bag is `localUnitData`. */
  readonly peersData: UnitsData;
}

/** A container-scoped relation between a subordinate and its one principal unit. */
export interface SubordinateRelation extends RelationCommon {
  readonly kind: 'subordinate';
  readonly remoteAppName: string;
  readonly remoteUnitId: number;
  readonly remoteAppData: DataBag;
  readonly remoteUnitData: DataBag;
}

/** Any relation in a State. */
export type AnyRelation = Relation | PeerRelation | SubordinateRelation;

interface CommonInit {
  endpoint: string;
  interface?: string;
  id?: number;
  localAppData?: Readonly<Record<string, string>>;
  localUnitData?: Readonly<Record<string, string>>;
}

/** What `Relation()` takes; everything but `endpoint` has a default. */
export interface RelationInit extends CommonInit {
  remoteAppName?: string;
  remoteAppData?: Readonly<Record<string, string>>;
  /** Default `{0: DEFAULT_JUJU_DATABAG}`: one remote unit. */
  remoteUnitsData?: Readonly<Record<number, Readonly<Record<string, string>>>>;
  limit?: number;
  remoteModelUuid?: string;
}

/** What `PeerRelation()` takes. */
export interface PeerRelationInit extends CommonInit {
  /** Default `{}`: no other units. */
  peersData?: Readonly<Record<number, Readonly<Record<string, string>>>>;
}

/** What `SubordinateRelation()` takes. */
export interface SubordinateRelationInit extends CommonInit {
  remoteAppName?: string;
  remoteUnitId?: number;
  remoteAppData?: Readonly<Record<string, string>>;
  remoteUnitData?: Readonly<Record<string, string>>;
}

abstract class RelationBase {
  abstract readonly kind: AnyRelation['kind'];
  abstract readonly endpoint: string;
  abstract readonly id: number;
  abstract readonly localAppData: DataBag;
  abstract readonly localUnitData: DataBag;
  protected abstract remoteBag(ref: 'remoteApp' | number): DataBag | undefined;

  bag(ref: BagRef): DataBag {
    const bag =
      ref === 'localApp' ? this.localAppData : ref === 'localUnit' ? this.localUnitData : this.remoteBag(ref);
    if (!bag) {
      throw new Error(
        `relation ${this.endpoint}:${this.id} (${this.kind}) has no databag ${JSON.stringify(ref)}`,
      );
    }
    return bag;
  }

  load<T>(schema: SafeParseSchema<T>, ref: BagRef): T {
    const source = `${this.endpoint}:${this.id} ${typeof ref === 'number' ? `unit ${ref}` : ref}`;
    const parsed = schema.safeParse(decodeBag(this.bag(ref)));
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((i) => ({
      field: i.path.map(String).join('.'),
      reason: i.message,
    }));
    const detail = issues.map((i) => `${i.field || '(databag)'}: ${i.reason}`).join('; ');
    throw new RelationDataError(`databag ${source} does not match its schema: ${detail}`, source, issues);
  }
}

/** JSON-decode each key of a databag (one field per key); a value that is not JSON stays a string, as in the SDK. */
export function decodeBag(bag: DataBag): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(bag)) {
    try {
      data[k] = JSON.parse(v);
    } catch {
      data[k] = v;
    }
  }
  return data;
}

/**
 * Encode an object as a databag, one key per field holding JSON:
 * `Relation({ endpoint: 'db', remoteAppData: databag({ port: 3306 }) })`.
 */
export function databag(fields: Readonly<Record<string, unknown>>): DataBag {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = JSON.stringify(v);
  return Object.freeze(out);
}

class RelationImpl extends RelationBase implements Relation {
  readonly kind = 'relation';
  readonly endpoint: string;
  readonly interface: string | undefined;
  readonly id: number;
  readonly remoteAppName: string;
  readonly limit: number | undefined;
  readonly remoteModelUuid: string | undefined;
  readonly localAppData: DataBag;
  readonly localUnitData: DataBag;
  readonly remoteAppData: DataBag;
  readonly remoteUnitsData: UnitsData;

  constructor(init: RelationInit) {
    super();
    this.endpoint = init.endpoint;
    this.interface = init.interface;
    this.id = relationIds.take(init.id);
    this.remoteAppName = init.remoteAppName ?? 'remote';
    this.limit = init.limit;
    this.remoteModelUuid = init.remoteModelUuid;
    const what = `Relation ${init.endpoint}`;
    this.localAppData = frozenBag(init.localAppData, `${what} localAppData`);
    this.localUnitData = frozenBag(init.localUnitData ?? DEFAULT_JUJU_DATABAG, `${what} localUnitData`);
    this.remoteAppData = frozenBag(init.remoteAppData, `${what} remoteAppData`);
    this.remoteUnitsData = frozenUnits(
      init.remoteUnitsData ?? { 0: DEFAULT_JUJU_DATABAG },
      `${what} remoteUnitsData`,
    );
  }

  protected remoteBag(ref: 'remoteApp' | number): DataBag | undefined {
    return ref === 'remoteApp' ? this.remoteAppData : unitBag(this.remoteUnitsData, ref);
  }
}

class PeerRelationImpl extends RelationBase implements PeerRelation {
  readonly kind = 'peer';
  readonly endpoint: string;
  readonly interface: string | undefined;
  readonly id: number;
  readonly localAppData: DataBag;
  readonly localUnitData: DataBag;
  readonly peersData: UnitsData;

  constructor(init: PeerRelationInit) {
    super();
    this.endpoint = init.endpoint;
    this.interface = init.interface;
    this.id = relationIds.take(init.id);
    const what = `PeerRelation ${init.endpoint}`;
    this.localAppData = frozenBag(init.localAppData, `${what} localAppData`);
    this.localUnitData = frozenBag(init.localUnitData ?? DEFAULT_JUJU_DATABAG, `${what} localUnitData`);
    this.peersData = frozenUnits(init.peersData, `${what} peersData`);
  }

  // Peers share one application bag: the local one.
  protected remoteBag(ref: 'remoteApp' | number): DataBag | undefined {
    return ref === 'remoteApp' ? this.localAppData : unitBag(this.peersData, ref);
  }
}

class SubordinateRelationImpl extends RelationBase implements SubordinateRelation {
  readonly kind = 'subordinate';
  readonly endpoint: string;
  readonly interface: string | undefined;
  readonly id: number;
  readonly remoteAppName: string;
  readonly remoteUnitId: number;
  readonly localAppData: DataBag;
  readonly localUnitData: DataBag;
  readonly remoteAppData: DataBag;
  readonly remoteUnitData: DataBag;

  constructor(init: SubordinateRelationInit) {
    super();
    this.endpoint = init.endpoint;
    this.interface = init.interface;
    this.id = relationIds.take(init.id);
    this.remoteAppName = init.remoteAppName ?? 'remote';
    this.remoteUnitId = init.remoteUnitId ?? 0;
    const what = `SubordinateRelation ${init.endpoint}`;
    this.localAppData = frozenBag(init.localAppData, `${what} localAppData`);
    this.localUnitData = frozenBag(init.localUnitData ?? DEFAULT_JUJU_DATABAG, `${what} localUnitData`);
    this.remoteAppData = frozenBag(init.remoteAppData, `${what} remoteAppData`);
    this.remoteUnitData = frozenBag(init.remoteUnitData ?? DEFAULT_JUJU_DATABAG, `${what} remoteUnitData`);
  }

  protected remoteBag(ref: 'remoteApp' | number): DataBag | undefined {
    if (ref === 'remoteApp') return this.remoteAppData;
    return ref === this.remoteUnitId ? this.remoteUnitData : undefined;
  }
}

function unitBag(units: UnitsData, id: number): DataBag | undefined {
  return Object.hasOwn(units, id) ? units[id] : undefined;
}

/** A relation to another application: `Relation({ endpoint: 'db', remoteAppName: 'mysql' })`. */
export function Relation(init: RelationInit): Relation {
  return Object.freeze(new RelationImpl(init));
}

/** A peer relation: `PeerRelation({ endpoint: 'cluster', peersData: { 1: {} } })`. */
export function PeerRelation(init: PeerRelationInit): PeerRelation {
  return Object.freeze(new PeerRelationImpl(init));
}

/** A subordinate relation: `SubordinateRelation({ endpoint: 'juju-info', remoteAppName: 'ubuntu' })`. */
export function SubordinateRelation(init: SubordinateRelationInit): SubordinateRelation {
  return Object.freeze(new SubordinateRelationImpl(init));
}

/** Rebuild a relation of the same kind with some databags replaced (used for output states). */
export function withBags(rel: AnyRelation, localAppData: DataBag, localUnitData: DataBag): AnyRelation {
  switch (rel.kind) {
    case 'relation':
      return Relation({ ...rel, localAppData, localUnitData });
    case 'peer':
      return PeerRelation({ ...rel, localAppData, localUnitData });
    case 'subordinate':
      return SubordinateRelation({ ...rel, localAppData, localUnitData });
  }
}

/** Remote unit numbers of a relation (peers: the other units). */
export function remoteUnitIds(rel: AnyRelation): number[] {
  switch (rel.kind) {
    case 'relation':
      return Object.keys(rel.remoteUnitsData)
        .map(Number)
        .sort((a, b) => a - b);
    case 'peer':
      return Object.keys(rel.peersData)
        .map(Number)
        .sort((a, b) => a - b);
    case 'subordinate':
      return [rel.remoteUnitId];
  }
}
