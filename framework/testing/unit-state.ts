/**
 * Between a State and the framework's unit state (framework/ops/framework/storage.ts):
 * stored states and deferred notices go in before a run and are read back after it.
 */
import type { JsonObject } from '../ops/framework/json.js';
import type { UnitStateData, UnitStateStore } from '../ops/framework/storage.js';
import { jsonCopy } from './internal.js';
import { DeferredEvent, StoredState, type State } from './state.js';

const STORED = /^(.*)\/StoredStateData\[(.*)\]$/;
const KEYED = /\[(\d+)\]$/;

/** The unit state a dispatch starts from; deferred events without a `[key]` get fresh keys. */
export function unitStateFromState(state: State): UnitStateData {
  const snapshots: UnitStateData['snapshots'] = {};
  for (const s of state.storedStates)
    snapshots[`${s.ownerPath}/StoredStateData[${s.name}]`] = jsonCopy(s.content);
  let maxKey = 0;
  for (const d of state.deferred) {
    const m = KEYED.exec(d.handlePath);
    if (m) maxKey = Math.max(maxKey, Number(m[1]));
  }
  const notices = state.deferred.map((d, i) => {
    const eventPath = KEYED.test(d.handlePath) ? d.handlePath : `${d.handlePath}[${++maxKey}]`;
    snapshots[eventPath] = jsonCopy(d.snapshot);
    return { sequence: i + 1, eventPath, observerPath: d.observerPath, method: d.method };
  });
  // New events must not reuse a pending event's key.
  return { eventCount: maxKey, nextSequence: notices.length + 1, notices, snapshots };
}

/** Stored states and deferred notices of a unit state, as State parts. */
export function stateFromUnitState(data: UnitStateData): {
  storedStates: StoredState[];
  deferred: DeferredEvent[];
} {
  const storedStates: StoredState[] = [];
  for (const [path, value] of Object.entries(data.snapshots)) {
    const m = STORED.exec(path);
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    storedStates.push(StoredState({ ownerPath: m[1], name: m[2], content: value }));
  }
  const deferred = [...data.notices]
    .sort((a, b) => a.sequence - b.sequence)
    .map((n) => {
      const snap = data.snapshots[n.eventPath];
      const snapshot: JsonObject =
        snap !== null && typeof snap === 'object' && !Array.isArray(snap) ? snap : {};
      return DeferredEvent({
        handlePath: n.eventPath,
        observerPath: n.observerPath,
        method: n.method,
        snapshot,
      });
    });
  return { storedStates, deferred };
}

/** An in-memory UnitStateStore that copies through JSON (see jsonCopy for why not structuredClone). */
export class TestStateStore implements UnitStateStore {
  private data: UnitStateData;
  /** How many times the framework committed (saved) in this run. */
  saves = 0;
  constructor(initial: UnitStateData) {
    this.data = jsonCopy(initial);
  }
  load(): UnitStateData {
    return jsonCopy(this.data);
  }
  save(data: UnitStateData): void {
    this.data = jsonCopy(data);
    this.saves++;
  }
}
