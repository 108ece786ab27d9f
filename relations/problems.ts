/**
 * Bad remote data, remembered in an interface's StoredState until the remote side
 * fixes it (a later read of that databag passes) or the relation or unit leaves:
 * a charm that reads a databag only on relation-changed stays Blocked in between.
 *
 *   log.record(relation, unit, 'data', [{ field: 'gres.0.count', reason: 'Too small' }]);
 */
import { Application, type Logger, type Relation, type Unit } from '../framework/ops/index.js';

/** Remote data that failed its schema: which relation, application (and unit), field and why. */
export type DataProblem = {
  relationId: number;
  app: string;
  /** The remote unit whose databag failed; null for the application databag. */
  unit: string | null;
  /** The failing field, dotted (`gres.0.count`); '' for the databag as a whole. */
  field: string;
  reason: string;
};

/** One failing field. */
export type Issue = { field: string; reason: string };

/** What is stored: a problem and what produced it (`data`, `version`, `secret:<field>`), so a pass clears only its own. */
export type StoredProblem = DataProblem & { topic: string };

/** Records, clears and lists problems in a stored array (mutated in place, saved at commit). */
export class ProblemLog {
  constructor(
    private readonly stored: StoredProblem[],
    private readonly interfaceName: string,
    private readonly logger: Logger,
  ) {}

  /** Replace what `topic` says about `member`'s databag; logs only what is new. */
  record(relation: Relation, member: Application | Unit, topic: string, issues: readonly Issue[]): void {
    const { app, unit } = who(member);
    const mine = this.stored.filter(
      (p) => p.relationId === relation.id && p.unit === unit && p.topic === topic,
    );
    const fresh = issues.map((i) => ({
      relationId: relation.id,
      app,
      unit,
      topic,
      field: i.field,
      reason: i.reason,
    }));
    const text = (ps: StoredProblem[]) => JSON.stringify(ps.map((p) => [p.field, p.reason]));
    if (text(mine) === text(fresh)) return;
    this.clear(relation, member, topic);
    this.stored.push(...fresh);
    for (const p of fresh) {
      this.logger.warn(
        `${unit ?? app} sent invalid ${this.interfaceName} data on ${relation.name}:${relation.id}: ` +
          `${p.field || '(databag)'}: ${p.reason}`,
      );
    }
  }

  /** `member`'s databag passed `topic`'s check. */
  clear(relation: Relation, member: Application | Unit, topic: string): void {
    const { unit } = who(member);
    this.keep((p) => !(p.relationId === relation.id && p.unit === unit && p.topic === topic));
  }

  /** The relation is gone. */
  forget(relationId: number): void {
    this.keep((p) => p.relationId !== relationId);
  }

  /** Problems on `live` relations (and their current units); the rest are dropped. */
  current(live: readonly Relation[]): DataProblem[] {
    const byId = new Map(live.map((r) => [r.id, r]));
    this.keep((p) => {
      const rel = byId.get(p.relationId);
      return rel !== undefined && (p.unit === null || [...rel.units].some((u) => u.name === p.unit));
    });
    return this.stored.map(({ relationId, app, unit, field, reason }) => ({
      relationId,
      app,
      unit,
      field,
      reason,
    }));
  }

  private keep(predicate: (p: StoredProblem) => boolean): void {
    const kept = this.stored.filter(predicate);
    if (kept.length !== this.stored.length) this.stored.splice(0, this.stored.length, ...kept);
  }
}

function who(member: Application | Unit): { app: string; unit: string | null } {
  return member instanceof Application
    ? { app: member.name, unit: null }
    : { app: member.app.name, unit: member.name };
}
