/**
 * The relations half of TestingBackend: a working copy of the State's relations
 * in which the charm's own databags change, with Juju's access rules: own unit bag
 * read/write; own app bag read/write for the leader, read-only for other units on
 * peer relations only; remote bags read-only (reference/juju-contract.md §7.2).
 */
import { ModelError, RelationNotFoundError } from '../ops/errors.js';
import { relationMembers } from './backend-views.js';
import { own } from './internal.js';
import { withBags, type AnyRelation } from './state-relation.js';

/** The event a TestingBackend answers for: what hook tools need to know about it. */
export interface BackendEvent {
  kind: 'hook' | 'action';
  /** Juju's hook name (`db-relation-departed`) or the action's name. */
  name: string;
  relationId?: number;
  /** Unit name from JUJU_DEPARTING_UNIT. */
  departingUnit?: string;
  /** For actions: the params action-get returns. */
  params?: Record<string, unknown>;
}

/** What the relations half needs of the rest of the backend. */
export interface RelationsHost {
  readonly appName: string;
  readonly unitName: string;
  readonly event: BackendEvent;
  isLeader(): boolean;
}

interface RelationCopy {
  readonly rel: AnyRelation;
  app: Record<string, string>;
  unit: Record<string, string>;
}

/** Relations as the charm changes them in one run: `new RelationsModel(state.relations, host).set(1, { a: 'b' }, false)`. */
export class RelationsModel {
  private readonly relations = new Map<number, RelationCopy>();

  constructor(
    input: readonly AnyRelation[],
    private readonly host: RelationsHost,
  ) {
    for (const rel of input) {
      this.relations.set(rel.id, { rel, app: { ...rel.localAppData }, unit: { ...rel.localUnitData } });
    }
  }

  ids(endpoint: string): number[] {
    return [...this.relations.values()].filter((r) => r.rel.endpoint === endpoint).map((r) => r.rel.id);
  }

  list(relationId: number): string[] {
    const { rel } = this.copy(relationId);
    // In relation-broken every remote unit has gone; in departed the departing unit is no longer listed.
    if (this.host.event.relationId === relationId && this.host.event.name.endsWith('-relation-broken'))
      return [];
    const units = relationMembers(rel, this.host.appName).units;
    const departing = this.host.event.relationId === relationId ? this.host.event.departingUnit : undefined;
    return units.filter((u) => u !== departing);
  }

  remoteApp(relationId: number): string {
    return relationMembers(this.copy(relationId).rel, this.host.appName).app;
  }

  get(relationId: number, member: string, isApp: boolean): Record<string, string> {
    const copy = this.copy(relationId);
    const members = relationMembers(copy.rel, this.host.appName);
    if (isApp) {
      if (member === this.host.appName) {
        if (copy.rel.kind !== 'peer' && !this.host.isLeader()) {
          throw new ModelError(
            `permission denied: a non-leader unit cannot read its own application's databag on relation ${copy.rel.endpoint}:${relationId} (only on peer relations)`,
          );
        }
        return { ...copy.app };
      }
      if (member === members.app) return { ...members.appData };
      throw new ModelError(
        `cannot read relation settings of application '${member}': it is not in relation ${copy.rel.endpoint}:${relationId}`,
      );
    }
    if (member === this.host.unitName) return { ...copy.unit };
    const bag = own(members.unitData, member);
    if (bag) return { ...bag };
    throw new ModelError(
      `cannot read settings for unit "${member}" in relation "${copy.rel.endpoint}:${relationId}": settings not found`,
    );
  }

  set(relationId: number, data: Record<string, string>, isApp: boolean): void {
    const copy = this.copy(relationId);
    if (isApp && !this.host.isLeader()) {
      throw new ModelError(
        `cannot write relation settings: unit ${this.host.unitName} is not the leader, so it cannot write the application databag`,
      );
    }
    for (const [k, v] of Object.entries(data)) {
      if (k === '') throw new ModelError('cannot write relation settings: empty key');
      if (typeof v !== 'string')
        throw new ModelError(`cannot write relation settings: value of '${k}' is not a string`);
    }
    const bag = isApp ? copy.app : copy.unit;
    for (const [k, v] of Object.entries(data)) {
      if (v === '') delete bag[k];
      else bag[k] = v;
    }
  }

  /** Remote app and remote unit names of a relation; throws RelationNotFoundError. */
  parties(relationId: number): { app: string; units: string[] } {
    const members = relationMembers(this.copy(relationId).rel, this.host.appName);
    return { app: members.app, units: members.units };
  }

  /** The relations with the charm's writes, as State relations. */
  output(): AnyRelation[] {
    return [...this.relations.values()].map((c) => withBags(c.rel, c.app, c.unit));
  }

  private copy(id: number): RelationCopy {
    const copy = this.relations.get(id);
    if (!copy) throw new RelationNotFoundError(`relation not found: no relation with id ${id} in the State`);
    return copy;
  }
}
