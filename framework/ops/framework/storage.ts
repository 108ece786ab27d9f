/**
 * Where a unit's framework state lives between dispatches: StoredState, deferred
 * notices, their event snapshots and the event counter. It is read once when a
 * dispatch starts and written once at commit, so a failed dispatch persists nothing.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { JsonValue } from './json.js';

/** A deferred (event, observer) pair, re-emitted in sequence order. */
export interface Notice {
  sequence: number;
  eventPath: string;
  observerPath: string;
  method: string;
}

export interface UnitStateData {
  /** Every emission takes the next number (ops' persisted `event_count`). */
  eventCount: number;
  /** Sequence number for the next notice. */
  nextSequence: number;
  notices: Notice[];
  /** Event snapshots and StoredState content, by handle path. */
  snapshots: Record<string, JsonValue>;
}

export interface UnitStateStore {
  load(): UnitStateData;
  save(data: UnitStateData): void;
}

export function emptyUnitState(): UnitStateData {
  return { eventCount: 0, nextSequence: 1, notices: [], snapshots: {} };
}

/** Keeps state in memory: tests and the in-process controller (which persists it itself). */
export class MemoryStateStore implements UnitStateStore {
  private data: UnitStateData;
  constructor(initial: UnitStateData = emptyUnitState()) {
    this.data = structuredClone(initial);
  }
  load(): UnitStateData {
    return structuredClone(this.data);
  }
  save(data: UnitStateData): void {
    this.data = structuredClone(data);
  }
}

/**
 * A JSON file beside the charm (`$JUJU_CHARM_DIR/.unit-state.json`, mode 0600), replaced
 * atomically. ops uses SQLite here; one JSON file read at start and renamed into place at
 * commit gives the same all-or-nothing guarantee without loading a native module per hook.
 */
export class JsonFileStateStore implements UnitStateStore {
  constructor(readonly path: string) {}

  load(): UnitStateData {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyUnitState();
      throw e;
    }
    const parsed: unknown = JSON.parse(text);
    const problem = unitStateProblem(parsed);
    if (problem)
      throw new Error(`${this.path}: unit state is damaged (${problem}); move it aside to start afresh`);
    return parsed as UnitStateData;
  }

  save(data: UnitStateData): void {
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(data));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}

/** Shape check for state read back from disk; returns what is wrong, or null. */
export function unitStateProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'not an object';
  const o = v as Record<string, unknown>;
  if (typeof o.eventCount !== 'number') return 'eventCount is not a number';
  if (typeof o.nextSequence !== 'number') return 'nextSequence is not a number';
  if (!Array.isArray(o.notices)) return 'notices is not a list';
  for (const n of o.notices as unknown[]) {
    if (typeof n !== 'object' || n === null) return 'a notice is not an object';
    const r = n as Record<string, unknown>;
    if (typeof r.sequence !== 'number' || typeof r.eventPath !== 'string')
      return 'a notice lacks sequence or eventPath';
    if (typeof r.observerPath !== 'string' || typeof r.method !== 'string')
      return 'a notice lacks observerPath or method';
  }
  if (typeof o.snapshots !== 'object' || o.snapshots === null || Array.isArray(o.snapshots))
    return 'snapshots is not an object';
  return null;
}
