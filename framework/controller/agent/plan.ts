/**
 * What a unit agent does next, worked out from the model and what the unit has
 * already seen (level-triggered, like Juju's uniter: reference/juju-model.md §5,
 * juju-contract.md §10). Pure: a UnitView in, the ordered list of events out, each
 * with the marker to record when the dispatch that ran it commits.
 */
import type { DispatchEvent } from '../../ops/dispatch/types.js';

/** A remote unit in a relation, with the version of its databag. */
export interface MemberView {
  unit: string;
  version: number;
}

export interface RelationView {
  id: number;
  /** This unit's endpoint. */
  endpoint: string;
  /** False for an endpoint the charm does not declare (the implicit juju-info): no hooks run for it. */
  declared?: boolean;
  remoteApp: string;
  peer: boolean;
  /** The relation is being removed. */
  dying: boolean;
  /** relation-created has run on this unit. */
  created: boolean;
  /** Remote units in scope now (peers: the other units). */
  members: MemberView[];
  /** Version of the remote application's databag (0: never written). */
  remoteAppVersion: number;
  /** What this unit has seen: remote unit → version; and the remote app's version. */
  seenUnits: ReadonlyMap<string, number>;
  seenApp: number;
}

export interface UnitView {
  unit: string;
  dying: boolean;
  installed: boolean;
  started: boolean;
  /**
   * The leadership last told to the charm, `leader:<unit>` or `follower:<leader unit>`;
   * null before the first leadership hook. A new leader means a new value for every unit.
   */
  leaderSeen: string | null;
  /** The application's leader now (null while none is elected). */
  leader: string | null;
  isLeader: boolean;
  configHash: string;
  configSeen: string | null;
  relations: RelationView[];
  /** Pending action tasks, oldest first. */
  tasks: Array<{ id: number; action: string }>;
  /** Secrets this unit tracks whose latest revision is newer. */
  changedSecrets: Array<{ id: string; label: string | null; latest: number }>;
  updateStatusDue: boolean;
}

/** What to record when the dispatch that ran an event commits. */
export type Marker =
  | { kind: 'installed' }
  | { kind: 'created'; relation: number }
  | { kind: 'leader'; value: string }
  | { kind: 'config'; hash: string }
  | { kind: 'started' }
  | { kind: 'seen'; relation: number; remote: string; isApp: boolean; version: number }
  | { kind: 'unseen'; relation: number; remote: string }
  | { kind: 'broken'; relation: number }
  | { kind: 'stopped' }
  | { kind: 'removed' }
  | { kind: 'update-status' }
  | { kind: 'action'; task: number }
  | { kind: 'secret-seen'; secret: string; revision: number };

export interface PlannedEvent {
  event: DispatchEvent;
  marker: Marker;
}

/** A placeholder event that only carries a marker; never dispatched. */
const NOOP: DispatchEvent = { kind: 'hook', name: 'noop' };

function hook(name: string, extra: Partial<Extract<DispatchEvent, { kind: 'hook' }>> = {}): DispatchEvent {
  return { kind: 'hook', name, ...extra };
}

function rel(r: RelationView, suffix: string, remoteUnit?: string, departingUnit?: string): DispatchEvent {
  // An endpoint the charm does not declare (a principal's implicit juju-info) runs no hooks:
  // the markers still move the unit through the relation, as Juju's uniter does.
  if (r.declared === false) return NOOP;
  return hook(`${r.endpoint}-relation-${suffix}`, {
    relation: { endpoint: r.endpoint, id: r.id },
    remoteApp: r.remoteApp,
    ...(remoteUnit ? { remoteUnit } : {}),
    ...(departingUnit ? { departingUnit } : {}),
  });
}

/** Non-peer relations before peer relations, each in id order (Juju's resolver). */
function ordered(relations: readonly RelationView[]): RelationView[] {
  return [...relations].sort((a, b) => Number(a.peer) - Number(b.peer) || a.id - b.id);
}

/**
 * The unit's next events, in Juju's order. An action comes alone (it is never
 * batched). update-status comes only when nothing else is pending.
 */
export function planNext(v: UnitView): PlannedEvent[] {
  const out: PlannedEvent[] = [];
  if (v.dying) return planTeardown(v);
  if (!v.installed) out.push({ event: hook('install'), marker: { kind: 'installed' } });
  // relation-created is gated on install (which is in this batch if it was missing).
  for (const r of ordered(v.relations)) {
    if (!r.created && !r.dying)
      out.push({ event: rel(r, 'created'), marker: { kind: 'created', relation: r.id } });
  }
  // Juju: the new leader gets leader-elected, the others leader-settings-changed.
  const leadership = `${v.isLeader ? 'leader' : 'follower'}:${v.leader ?? ''}`;
  if (v.leaderSeen !== leadership) {
    out.push({
      event: hook(v.isLeader ? 'leader-elected' : 'leader-settings-changed'),
      marker: { kind: 'leader', value: leadership },
    });
  }
  if (out.length === 0 && v.tasks[0]) {
    const t = v.tasks[0];
    return [
      { event: { kind: 'action', name: t.action, id: String(t.id) }, marker: { kind: 'action', task: t.id } },
    ];
  }
  for (const s of v.changedSecrets) {
    out.push({
      event: hook('secret-changed', { secret: { id: s.id, ...(s.label ? { label: s.label } : {}) } }),
      marker: { kind: 'secret-seen', secret: s.id, revision: s.latest },
    });
  }
  if (v.configSeen !== v.configHash) {
    out.push({ event: hook('config-changed'), marker: { kind: 'config', hash: v.configHash } });
  }
  if (!v.started) out.push({ event: hook('start'), marker: { kind: 'started' } });
  for (const r of ordered(v.relations)) out.push(...planRelation(r));
  if (out.length === 0 && v.updateStatusDue)
    out.push({ event: hook('update-status'), marker: { kind: 'update-status' } });
  return out;
}

/** Relation hooks for one relation (juju relation/resolver.go order). */
function planRelation(r: RelationView): PlannedEvent[] {
  const out: PlannedEvent[] = [];
  const members = new Map(r.members.map((m) => [m.unit, m.version]));
  for (const remote of [...r.seenUnits.keys()].sort()) {
    if (!members.has(remote) || r.dying) {
      out.push({
        event: rel(r, 'departed', remote, remote),
        marker: { kind: 'unseen', relation: r.id, remote },
      });
    }
  }
  if (r.dying) {
    // Peer relations have no broken hook; the marker still ends the unit's scope.
    if (r.created)
      out.push({ event: r.peer ? NOOP : rel(r, 'broken'), marker: { kind: 'broken', relation: r.id } });
    return out;
  }
  if (!r.created) return out;
  if (r.remoteAppVersion > 0 && r.remoteAppVersion !== r.seenApp && !r.peer) {
    out.push({
      event: rel(r, 'changed'),
      marker: { kind: 'seen', relation: r.id, remote: r.remoteApp, isApp: true, version: r.remoteAppVersion },
    });
  }
  for (const [unit, version] of [...members].sort(([a], [b]) => compareUnits(a, b))) {
    const seen = r.seenUnits.get(unit);
    if (seen === undefined) {
      out.push({
        event: rel(r, 'joined', unit),
        marker: { kind: 'seen', relation: r.id, remote: unit, isApp: false, version: -1 },
      });
      out.push({
        event: rel(r, 'changed', unit),
        marker: { kind: 'seen', relation: r.id, remote: unit, isApp: false, version },
      });
    } else if (seen !== version) {
      out.push({
        event: rel(r, 'changed', unit),
        marker: { kind: 'seen', relation: r.id, remote: unit, isApp: false, version },
      });
    }
  }
  return out;
}

/** A dying unit: departed and broken for every relation, then stop, then remove. */
function planTeardown(v: UnitView): PlannedEvent[] {
  const out: PlannedEvent[] = [];
  for (const r of ordered(v.relations)) {
    if (!r.created) continue;
    for (const remote of [...r.seenUnits.keys()].sort(compareUnits)) {
      out.push({
        event: rel(r, 'departed', remote, v.unit),
        marker: { kind: 'unseen', relation: r.id, remote },
      });
    }
    out.push({ event: r.peer ? NOOP : rel(r, 'broken'), marker: { kind: 'broken', relation: r.id } });
  }
  if (v.installed) out.push({ event: hook('stop'), marker: { kind: 'stopped' } });
  out.push({ event: hook('remove'), marker: { kind: 'removed' } });
  return out;
}

/** `app/2` before `app/10`. */
export function compareUnits(a: string, b: string): number {
  const [aa, an] = a.split('/');
  const [ba, bn] = b.split('/');
  return (aa ?? '').localeCompare(ba ?? '') || Number(an) - Number(bn);
}

/** Events worth dispatching: `noop` entries only carry markers (a peer relation has no broken hook). */
export function isNoop(e: DispatchEvent): boolean {
  return e === NOOP;
}
