/**
 * Workload statuses, as Juju defines them. A charm sets active, blocked,
 * maintenance or waiting; error and unknown belong to Juju.
 */
import { InvalidStatusError } from './errors.js';

export type StatusName = 'active' | 'blocked' | 'maintenance' | 'waiting' | 'unknown' | 'error';

/** Collect-status priority (ops `StatusBase._priorities`): higher wins, ties go to the first added. */
const PRIORITY: Record<StatusName, number> = {
  error: 5,
  blocked: 4,
  maintenance: 3,
  waiting: 2,
  active: 1,
  unknown: 0,
};

export abstract class StatusBase {
  abstract readonly name: StatusName;
  constructor(readonly message = '') {}

  /** `StatusBase.fromName('blocked', 'needs a database')` → a BlockedStatus. */
  static fromName(name: string, message = ''): StatusBase {
    switch (name) {
      case 'active':
        return new ActiveStatus(message);
      case 'blocked':
        return new BlockedStatus(message);
      case 'maintenance':
        return new MaintenanceStatus(message);
      case 'waiting':
        return new WaitingStatus(message);
      case 'error':
        return new ErrorStatus(message);
      case 'unknown':
        return new UnknownStatus();
      default:
        throw new InvalidStatusError(
          `unknown status '${name}': expected one of active, blocked, maintenance, waiting, error, unknown`,
        );
    }
  }

  get priority(): number {
    return PRIORITY[this.name];
  }

  equals(other: StatusBase): boolean {
    return this.name === other.name && this.message === other.message;
  }

  toString(): string {
    return this.message ? `${this.name}: ${this.message}` : this.name;
  }
}

export class ActiveStatus extends StatusBase {
  readonly name = 'active';
}
export class BlockedStatus extends StatusBase {
  readonly name = 'blocked';
}
export class MaintenanceStatus extends StatusBase {
  readonly name = 'maintenance';
}
export class WaitingStatus extends StatusBase {
  readonly name = 'waiting';
}
/** Read-only: Juju puts a unit in error when a hook fails. */
export class ErrorStatus extends StatusBase {
  readonly name = 'error';
}
/** Read-only: nothing has been set yet, or the status belongs to another unit. */
export class UnknownStatus extends StatusBase {
  readonly name = 'unknown';
  constructor() {
    super('');
  }
}

/** Settable by a charm: everything but error and unknown. */
export function isSettable(status: StatusBase): boolean {
  return status.name !== 'error' && status.name !== 'unknown';
}

/** The status collect-status reports: highest priority, first added on ties. */
export function highestPriority(statuses: readonly StatusBase[]): StatusBase | undefined {
  let best: StatusBase | undefined;
  for (const s of statuses) if (!best || s.priority > best.priority) best = s;
  return best;
}
