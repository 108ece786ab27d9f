/**
 * The Framework across dispatches, as Juju drives it: one unit state store shared by
 * successive dispatches (each a fresh charm instance), so deferral, re-emission order,
 * duplicate suppression, the event counter and StoredState persistence are exercised
 * exactly as between hook processes.
 */
import {
  CharmBase,
  EventBase,
  ObjectEvents,
  MemoryStateStore,
  runDispatch,
  type Framework,
} from '../../framework/ops/index.js';
import type {
  ConfigChangedEvent,
  RelationChangedEvent,
  UpdateStatusEvent,
} from '../../framework/ops/index.js';
import type { DispatchEvent } from '../../framework/ops/dispatch/types.js';
import { parseCharmMeta } from '../../framework/ops/meta/load.js';
import { RecordingMachine, Relation, State, TestingBackend } from '../../framework/testing/index.js';

const meta = parseCharmMeta(
  `name: order
requires:
  db: { interface: db }
config:
  options:
    mode: { type: string, default: a }
`,
  'charm.yaml',
);

/** Every handler call, across dispatches, in order. */
let calls: string[] = [];
/** Handlers that should defer in the next dispatch. */
let deferring = new Set<string>();

class PingEvent extends EventBase {
  payload = '';
  constructor(handle: ConstructorParameters<typeof EventBase>[0], payload: string) {
    super(handle);
    this.payload = payload;
  }
  override snapshot() {
    return { payload: this.payload };
  }
  override restore(s: Record<string, unknown>) {
    this.payload = String(s.payload);
  }
}

class OrderEvents extends ObjectEvents {
  readonly ping = this.define('ping', PingEvent);
}

class OrderCharm extends CharmBase {
  readonly custom = new OrderEvents(this, 'custom');
  readonly stored = this.storedState('stored', { runs: 0 });

  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.configChanged, this.onConfig);
    this.observe(this.on.configChanged, this.onConfigSecond);
    this.observe(this.on.updateStatus, this.onUpdate);
    this.observe(this.on.relationChanged('db'), this.onDb);
    this.observe(this.on.start, this.onStart);
    this.observe(this.custom.ping, this.onPing);
  }

  private record(name: string, event: EventBase & { deferred: boolean }): void {
    calls.push(`${name}@${event.handle.path.split('/').pop()}`);
    if (deferring.has(name)) event.defer();
  }

  onConfig(e: ConfigChangedEvent): void {
    this.record('onConfig', e);
  }
  async onConfigSecond(e: ConfigChangedEvent): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    this.record('onConfigSecond', e);
  }
  onUpdate(e: UpdateStatusEvent): void {
    this.record('onUpdate', e);
  }
  onDb(e: RelationChangedEvent): void {
    this.record(`onDb(${e.unit?.name ?? 'app'})`, e);
  }
  async onStart(e: EventBase): Promise<void> {
    this.record('onStart', e);
    calls.push('emit ping');
    await this.custom.ping.emit('hello');
    calls.push('after ping');
    this.stored.runs = Number(this.stored.runs) + 1;
  }
  onPing(e: PingEvent): void {
    this.record(`onPing(${e.payload})`, e);
  }
}

const db = Relation({ endpoint: 'db', remoteAppName: 'pg', remoteUnitsData: { 0: {}, 1: {} } });

async function dispatch(store: MemoryStateStore, event: DispatchEvent, charmClass = OrderCharm) {
  const backend = new TestingBackend({
    state: State({ relations: [db], leader: true }),
    appName: 'order',
    unitId: 0,
    meta,
  });
  const r = await runDispatch({ charmClass, meta, backend, machine: new RecordingMachine(), store, event });
  if (r.exitCode !== 0) throw r.error;
  return r;
}

const hook = (name: string, extra: Partial<DispatchEvent> = {}): DispatchEvent =>
  ({ kind: 'hook', name, ...extra }) as DispatchEvent;
const dbChanged = (unit: string): DispatchEvent => ({
  kind: 'hook',
  name: 'db-relation-changed',
  relation: { endpoint: 'db', id: db.id },
  remoteApp: 'pg',
  remoteUnit: unit,
});

beforeEach(() => {
  calls = [];
  deferring = new Set();
});

describe('observers', () => {
  it('run in registration order, awaiting async handlers', async () => {
    await dispatch(new MemoryStateStore(), hook('config-changed'));
    expect(calls).toEqual(['onConfig@config_changed[1]', 'onConfigSecond@config_changed[1]']);
  });

  it('custom events run nested inside emit(), not queued', async () => {
    await dispatch(new MemoryStateStore(), hook('start'));
    expect(calls).toEqual(['onStart@start[1]', 'emit ping', 'onPing(hello)@ping[2]', 'after ping']);
  });
});

describe('defer()', () => {
  it('re-emits deferred notices in insertion order before the next event, then drops them', async () => {
    const store = new MemoryStateStore();
    deferring = new Set(['onDb(pg/0)', 'onDb(pg/1)']);
    await dispatch(store, dbChanged('pg/0'));
    await dispatch(store, dbChanged('pg/1'));
    expect(store.load().notices.map((n) => n.method)).toEqual(['onDb', 'onDb']);
    calls = [];
    deferring = new Set();
    await dispatch(store, hook('update-status'));
    expect(calls).toEqual([
      'onDb(pg/0)@db_relation_changed[1]',
      // Every emission takes a number: event, collect_app_status, collect_unit_status, pre_commit, commit.
      'onDb(pg/1)@db_relation_changed[6]',
      'onUpdate@update_status[11]',
    ]);
    expect(store.load().notices).toEqual([]);
    // Snapshots of finished events are gone; only stored state remains.
    expect(Object.keys(store.load().snapshots)).toEqual(['OrderCharm/StoredStateData[stored]']);
  });

  it('defers only the (event, observer) pair that asked: the other observer is not re-run', async () => {
    const store = new MemoryStateStore();
    deferring = new Set(['onConfigSecond']);
    await dispatch(store, hook('config-changed'));
    expect(store.load().notices).toEqual([
      {
        sequence: 2,
        eventPath: 'OrderCharm/on/config_changed[1]',
        observerPath: 'OrderCharm',
        method: 'onConfigSecond',
      },
    ]);
    calls = [];
    deferring = new Set();
    await dispatch(store, hook('update-status'));
    expect(calls).toEqual(['onConfigSecond@config_changed[1]', 'onUpdate@update_status[6]']);
  });

  it('a notice deferred again stays queued ahead of later ones (event2, event1, event3 order)', async () => {
    const store = new MemoryStateStore();
    deferring = new Set(['onDb(pg/0)']);
    await dispatch(store, dbChanged('pg/0'));
    calls = [];
    await dispatch(store, hook('update-status'));
    expect(calls).toEqual(['onDb(pg/0)@db_relation_changed[1]', 'onUpdate@update_status[6]']);
    expect(store.load().notices).toHaveLength(1);
    calls = [];
    deferring = new Set();
    await dispatch(store, hook('update-status'));
    expect(calls).toEqual(['onDb(pg/0)@db_relation_changed[1]', 'onUpdate@update_status[11]']);
    expect(store.load().notices).toEqual([]);
  });

  it('suppresses a new notice equal to a pending deferred one (same observer, kind and snapshot)', async () => {
    const store = new MemoryStateStore();
    deferring = new Set(['onConfig']);
    await dispatch(store, hook('config-changed'));
    await dispatch(store, hook('config-changed'));
    await dispatch(store, hook('config-changed'));
    // Each dispatch re-runs the pending notice (which defers again); the new emissions are duplicates.
    expect(store.load().notices.filter((n) => n.method === 'onConfig')).toHaveLength(1);
  });

  it('does not treat different snapshots as duplicates', async () => {
    const store = new MemoryStateStore();
    deferring = new Set(['onDb(pg/0)', 'onDb(pg/1)']);
    await dispatch(store, dbChanged('pg/0'));
    await dispatch(store, dbChanged('pg/1'));
    await dispatch(store, dbChanged('pg/0'));
    expect(store.load().notices).toHaveLength(2);
  });

  it('persists the event counter: keys keep growing across dispatches', async () => {
    const store = new MemoryStateStore();
    await dispatch(store, hook('update-status'));
    const first = store.load().eventCount;
    await dispatch(store, hook('update-status'));
    expect(store.load().eventCount).toBeGreaterThan(first);
    expect(calls).toEqual(['onUpdate@update_status[1]', `onUpdate@update_status[${first + 1}]`]);
  });

  it('drops a notice whose observer no longer exists (charm changed) with a warning', async () => {
    const store = new MemoryStateStore();
    deferring = new Set(['onUpdate']);
    await dispatch(store, hook('update-status'));
    // Same class name (so the event types still resolve), but no update-status observer any more.
    const Smaller = class OrderCharm extends CharmBase {};
    const backend = new TestingBackend({
      state: State({ relations: [db] }),
      appName: 'order',
      unitId: 0,
      meta,
    });
    const r = await runDispatch({
      charmClass: Smaller,
      meta,
      backend,
      machine: new RecordingMachine(),
      store,
      event: hook('install'),
    });
    expect(r.exitCode).toBe(0);
    expect(store.load().notices).toEqual([]);
    expect(backend.logs.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/Dropping deferred .*no observer OrderCharm\.onUpdate/),
    );
  });
});

describe('StoredState and commit', () => {
  it('keeps defaults for new keys and saves changes only when the dispatch succeeds', async () => {
    const store = new MemoryStateStore();
    await dispatch(store, hook('start'));
    expect(store.load().snapshots['OrderCharm/StoredStateData[stored]']).toEqual({ runs: 1 });

    class Failing extends OrderCharm {
      constructor(framework: Framework) {
        super(framework);
        this.observe(this.on.start, this.boom);
      }
      boom(): void {
        throw new Error('boom');
      }
    }
    const backend = new TestingBackend({
      state: State({ relations: [db] }),
      appName: 'order',
      unitId: 0,
      meta,
    });
    deferring = new Set(['onPing(hello)']);
    const r = await runDispatch({
      charmClass: Failing,
      meta,
      backend,
      machine: new RecordingMachine(),
      store,
      event: hook('start'),
    });
    expect(r.exitCode).toBe(1);
    expect((r.error as Error).message).toBe('boom');
    // Neither the incremented counter, nor the new deferral, nor the event count was persisted.
    expect(store.load().snapshots['OrderCharm/StoredStateData[stored]']).toEqual({ runs: 1 });
    expect(store.load().notices).toEqual([]);
    expect(backend.logs.at(-1)?.message).toMatch(/^Uncaught exception while in charm code:\nError: boom/);
  });

  it('refuses values JSON cannot hold, naming the key', async () => {
    class BadState extends CharmBase {
      readonly stored = this.storedState('stored', { when: '' });
      constructor(framework: Framework) {
        super(framework);
        this.observe(this.on.install, this.onInstall);
      }
      onInstall(): void {
        (this.stored as Record<string, unknown>).when = new Date();
      }
    }
    const backend = new TestingBackend({ state: State(), appName: 'order', unitId: 0, meta });
    const r = await runDispatch({
      charmClass: BadState as never,
      meta,
      backend,
      machine: new RecordingMachine(),
      store: new MemoryStateStore(),
      event: hook('install'),
    });
    expect(r.exitCode).toBe(1);
    expect((r.error as Error).message).toMatch(
      /stored state BadState\/StoredStateData\[stored\] cannot be saved: \$\.when is a Date/,
    );
  });
});
