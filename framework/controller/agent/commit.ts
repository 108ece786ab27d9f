/**
 * Writing a finished dispatch to the store: on success everything the hook buffered
 * plus its markers, in one transaction; on failure only the error.
 */
import { SecretStore } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import type { ControllerBackend } from './backend.js';
import type { Marker } from './plan.js';

/** What a marker records for `unit`; returns units that were removed (for machine cleanup). */
function applyMarker(store: Store, unit: string, m: Marker): void {
  switch (m.kind) {
    case 'installed':
      store.updateUnit(unit, { installed: 1 });
      break;
    case 'created':
      store.enterScope(m.relation, unit);
      break;
    case 'leader':
      store.updateUnit(unit, { leader_seen: m.value });
      break;
    case 'config':
      store.updateUnit(unit, { config_seen: m.hash });
      break;
    case 'started':
      store.updateUnit(unit, { started: 1 });
      break;
    case 'seen':
      store.setSeen(m.relation, unit, m.remote, m.isApp, m.version);
      break;
    case 'unseen':
      store.unsee(m.relation, unit, m.remote);
      break;
    case 'broken': {
      store.leaveScope(m.relation, unit);
      const r = store.relation(m.relation);
      if (r && r.life !== 'alive' && store.scopeUnits(m.relation).length === 0)
        store.deleteRelation(m.relation);
      break;
    }
    case 'stopped':
      store.updateUnit(unit, { stopped: 1 });
      break;
    case 'removed':
      removeUnit(store, unit);
      break;
    case 'secret-seen':
      break;
    case 'update-status':
    case 'action':
      break;
  }
}

/** Delete a unit that ran its remove hook; its application goes too when it was the last unit of a dying one. */
function removeUnit(store: Store, unit: string): void {
  const row = store.unit(unit);
  store.deleteUnit(unit);
  if (!row) return;
  const app = store.app(row.app);
  if (app && app.life !== 'alive' && store.units(row.app).length === 0) {
    // A relation still in a remote unit's scope stays (dying) until that unit has run
    // departed and broken; its broken marker deletes it.
    for (const r of store.relationsOf(row.app))
      if (store.scopeUnits(r.id).length === 0) store.deleteRelation(r.id);
    store.deleteApp(row.app);
  }
  if (!store.units().some((u) => u.machine === row.machine)) store.deleteMachine(row.machine);
}

export interface SuccessCommit {
  unit: string;
  backend: ControllerBackend;
  unitState: string | undefined;
  markers: readonly Marker[];
  hooks: readonly string[];
  started: number;
  nextUpdateStatus: number;
}

/** A successful dispatch: buffered writes, unit state, markers and history, atomically. */
export function commitSuccess(store: Store, c: SuccessCommit): void {
  store.transaction(() => {
    const row = store.unit(c.unit);
    // An action leaves a unit in error as it was: only resolve or a retry clears it.
    const errorKept = row?.failed && c.markers.every((m) => m.kind === 'action');
    if (row) {
      for (const w of c.backend.relationWrites.values()) {
        if (store.relation(w.relation)) store.setDatabag(w.relation, w.owner, w.isApp, w.data);
      }
      if (c.backend.ports) store.setPorts(c.unit, c.backend.ports);
      c.backend.secrets.flush();
      store.updateUnit(c.unit, {
        ...(c.unitState !== undefined ? { unit_state: c.unitState } : {}),
        ...(errorKept
          ? { agent: 'error' }
          : { failed: null, error_message: null, retry_at: null, retries: 0, resolve: null, agent: 'idle' }),
        activity: null,
        update_due: c.nextUpdateStatus,
      });
    }
    const ms = Date.now() - c.started;
    for (const h of c.hooks) store.addHookRecord(c.unit, h, c.started, ms, 'ok');
    for (const m of c.markers) {
      if (m.kind === 'secret-seen') new SecretStore(store.db).setNotified(m.secret, c.unit, m.revision);
      else applyMarker(store, c.unit, m);
    }
  });
}

/** Record markers without running anything (`tsops resolve --no-retry`, peer broken). */
export function applyMarkers(store: Store, unit: string, markers: readonly Marker[]): void {
  store.transaction(() => {
    for (const m of markers) applyMarker(store, unit, m);
  });
}

/** A failed hook: the unit goes to error with Juju's message; nothing else changes. */
export function commitFailure(
  store: Store,
  unit: string,
  hook: string,
  failedMarkers: readonly Marker[],
  started: number,
  retryAt: number | null,
  retries: number,
): void {
  store.transaction(() => {
    store.updateUnit(unit, {
      failed: JSON.stringify({ hook, markers: failedMarkers }),
      error_message: `hook failed: "${hook}"`,
      agent: 'error',
      activity: null,
      retry_at: retryAt,
      retries,
      resolve: null,
    });
    store.addHookRecord(unit, hook, started, Date.now() - started, 'error');
  });
}
