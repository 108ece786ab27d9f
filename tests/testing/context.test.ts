import { ActiveStatus, BlockedStatus, MaintenanceStatus, UnknownStatus } from '../../framework/ops/status.js';
import {
  ActionFailed,
  Context,
  Relation,
  Secret,
  State,
  Storage,
  StoredState,
  UncaughtCharmError,
  databag,
} from '../../framework/testing/index.js';
import {
  ActionCharm,
  DeferCharm,
  FailingCharm,
  InstallCharm,
  SecretCharm,
  StatusCharm,
  WatchCharm,
} from './fixtures/charms.js';
import { CHARM_YAML, META } from './fixtures/meta.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the run to fail');
}

describe('Context: install', () => {
  const ctx = new Context(InstallCharm, { meta: META });

  it('writes through the machine, keeps stored state and records side channels', async () => {
    const input = State({ config: { greeting: 'hi' } });
    const out = await ctx.run(ctx.on.install(), input);
    expect(out.machine?.files['/etc/demo/demo.conf']).toEqual({
      content: 'greeting=hi\n',
      mode: 0o640,
      owner: 'root',
      group: 'root',
    });
    expect(out.machine?.packages).toHaveProperty('demo-server');
    expect(ctx.machine?.ops('install')).toEqual([{ kind: 'install', packages: ['demo-server'] }]);
    expect(out.getStoredState('InstallCharm', 'stored').content).toEqual({ installs: 1 });
    expect(out.unitStatus).toEqual(new ActiveStatus('installed'));
    expect(out.workloadVersion).toBe('1.0');
    expect(ctx.unitStatusHistory).toEqual([new UnknownStatus(), new MaintenanceStatus('installing')]);
    expect(ctx.workloadVersionHistory).toEqual(['']);
    expect(ctx.jujuLog).toContainEqual({ level: 'INFO', message: 'installed demo-server' });
    expect(ctx.charm).toBeInstanceOf(InstallCharm);
    // The input is untouched.
    expect(input.machine).toBeUndefined();
    expect(input.storedStates).toEqual([]);
  });

  it('carries stored state and the machine from one run into the next', async () => {
    const first = await ctx.run(ctx.on.install(), State());
    const second = await ctx.run(ctx.on.install(), first);
    expect(second.getStoredState('InstallCharm', 'stored').content).toEqual({ installs: 2 });
    expect(second.machine?.history.filter((op) => op.kind === 'install')).toHaveLength(2);
    const seeded = await ctx.run(
      ctx.on.install(),
      State({
        storedStates: [StoredState({ ownerPath: 'InstallCharm', name: 'stored', content: { installs: 41 } })],
      }),
    );
    expect(seeded.getStoredState('InstallCharm', 'stored').content).toEqual({ installs: 42 });
  });

  it('reads metadata from charm.yaml text or a charm directory', async () => {
    expect(new Context(InstallCharm, { meta: CHARM_YAML }).meta.name).toBe('demo');
    const fromDir = new Context(InstallCharm, { meta: 'tests/testing/fixtures/charm', unitId: 3 });
    expect([fromDir.meta.name, fromDir.appName, fromDir.unitName, fromDir.charmRoot]).toEqual([
      'tiny',
      'tiny',
      'tiny/3',
      'tests/testing/fixtures/charm',
    ]);
    expect(() => new Context(InstallCharm, { meta: 'no/such/dir' })).toThrow(/no such charm directory/);
  });
});

describe('Context: defer', () => {
  const ctx = new Context(DeferCharm, { meta: META });
  const waiting = Relation({ endpoint: 'db', remoteAppName: 'mysql' });

  it('keeps a deferred relation-changed and re-emits it before the next event', async () => {
    const out1 = await ctx.run(ctx.on.relationChanged(waiting), State({ relations: [waiting] }));
    expect(out1.deferred).toEqual([
      {
        handlePath: expect.stringMatching(/^DeferCharm\/on\/db_relation_changed\[\d+\]$/),
        observerPath: 'DeferCharm',
        method: 'onDbChanged',
        snapshot: { relation_name: 'db', relation_id: waiting.id, app_name: 'mysql', unit_name: null },
      },
    ]);
    expect(out1.getRelation(waiting.id).localUnitData).toEqual(waiting.localUnitData);

    // The database answers; the next event (update-status) runs the deferred handler first.
    const ready = Relation({ ...waiting, remoteAppData: { host: '10.0.0.9' } });
    const out2 = await ctx.run(ctx.on.updateStatus(), State({ ...out1, relations: [ready] }));
    expect(out2.getStoredState('DeferCharm', 'stored').content).toEqual({
      runs: ['db-changed: deferred', 'db-changed: 10.0.0.9', 'update-status'],
    });
    expect(out2.deferred).toEqual([]);
    expect(out2.getRelation(waiting.id).localUnitData['db-host']).toBe('10.0.0.9');
  });

  it('re-defers, keeping the notice, while the condition still holds', async () => {
    const state = State({
      relations: [waiting],
      deferred: [ctx.on.relationChanged(waiting).deferred('DeferCharm', 'onDbChanged')],
    });
    const out = await ctx.run(ctx.on.updateStatus(), state);
    expect(out.getStoredState('DeferCharm', 'stored').content).toEqual({
      runs: ['db-changed: deferred', 'update-status'],
    });
    expect(out.deferred).toHaveLength(1);
    expect(out.deferred[0]).toMatchObject({
      observerPath: 'DeferCharm',
      method: 'onDbChanged',
      snapshot: { relation_id: waiting.id },
    });
  });

  it('builds the same DeferredEvent with ctx.on.x().deferred() as the charm leaves', async () => {
    const out = await ctx.run(ctx.on.relationChanged(waiting), State({ relations: [waiting] }));
    const built = ctx.on.relationChanged(waiting).deferred('DeferCharm', 'onDbChanged');
    expect(built.handlePath).toBe('DeferCharm/on/db_relation_changed');
    expect(out.deferred[0]?.snapshot).toEqual(built.snapshot);
  });
});

describe('Context: collect-status', () => {
  const ctx = new Context(StatusCharm, { meta: META });

  it('sets the highest-priority status, the first added on ties', async () => {
    const out = await ctx.run(ctx.on.updateStatus(), State({ leader: true }));
    expect(out.unitStatus).toEqual(new BlockedStatus('needs config'));
    expect(out.appStatus).toEqual(new ActiveStatus('app ok'));
  });

  it('collects app status on the leader only', async () => {
    const out = await ctx.run(ctx.on.updateStatus(), State({ leader: false }));
    expect(out.unitStatus).toEqual(new BlockedStatus('needs config'));
    expect(out.appStatus).toEqual(new UnknownStatus());
  });
});

describe('Context: a failing handler', () => {
  const ctx = new Context(FailingCharm, { meta: META });

  it('throws UncaughtCharmError and commits nothing but the immediate effects', async () => {
    const db = Relation({ endpoint: 'db', localUnitData: { state: 'clean' } });
    const input = State({
      leader: true,
      relations: [db],
      storedStates: [StoredState({ ownerPath: 'FailingCharm', name: 'stored', content: { attempts: 3 } })],
      deferred: [],
    });
    const err = await rejection(ctx.run(ctx.on.configChanged(), input));
    expect(err).toBeInstanceOf(UncaughtCharmError);
    if (!(err instanceof UncaughtCharmError)) return;
    expect(err.cause).toEqual(new Error('disk full'));
    expect(err.message).toMatch(/FailingCharm failed in config-changed: Error: disk full/);
    const out = err.state;
    expect(out.getRelation(db.id).localUnitData).toEqual({ state: 'clean' });
    expect(out.getStoredState('FailingCharm', 'stored').content).toEqual({ attempts: 3 });
    expect(out.openedPorts).toEqual([]);
    expect(out.secrets).toEqual([]);
    // status-set is never rolled back, and the machine really changed.
    expect(out.unitStatus).toEqual(new MaintenanceStatus('reconfiguring'));
    expect(out.machine?.files['/etc/demo/partial.conf']?.content).toBe('partial');
    expect(ctx.jujuLog.some((l) => l.level === 'ERROR' && l.message.includes('Uncaught exception'))).toBe(
      true,
    );
  });
});

describe('Context: actions', () => {
  const ctx = new Context(ActionCharm, { meta: META });

  it('passes params (with defaults) and records results and logs', async () => {
    const out = await ctx.run(ctx.on.action('greet', { params: { name: 'ada' } }), State());
    expect(ctx.actionResults).toEqual({ greeting: 'hello ada', detail: { times: '1' } });
    expect(ctx.actionLogs).toEqual(['greeting ada']);
    expect(out.unitStatus).toEqual(new UnknownStatus());
    await ctx.run(ctx.on.action('greet', { params: { name: 'bo', times: 2 } }), State());
    expect(ctx.actionResults).toEqual({ greeting: 'hello bo hello bo', detail: { times: '2' } });
  });

  it('throws ActionFailed with the message and the committed output State', async () => {
    const err = await rejection(ctx.run(ctx.on.action('fail-me'), State()));
    expect(err).toBeInstanceOf(ActionFailed);
    if (!(err instanceof ActionFailed)) return;
    expect(err.message).toBe('this action always fails');
    expect(err.state.unitStatus).toEqual(new ActiveStatus('still fine'));
  });

  it('resets side channels for each run', async () => {
    await ctx.run(ctx.on.action('greet', { params: { name: 'x' } }), State());
    await ctx.run(ctx.on.updateStatus(), State());
    expect(ctx.actionResults).toBeUndefined();
    expect(ctx.actionLogs).toEqual([]);
  });
});

describe('Context: secrets', () => {
  const ctx = new Context(SecretCharm, { meta: META });

  it('commits a new app secret with its grant, and masks its content in logs', async () => {
    const db = Relation({ endpoint: 'db', remoteAppName: 'mysql', remoteAppData: databag({ ready: true }) });
    const out = await ctx.run(ctx.on.leaderElected(), State({ leader: true, relations: [db] }));
    const secret = out.getSecret({ label: 'admin' });
    expect(secret).toMatchObject({
      owner: 'app',
      trackedContent: { password: 'admin-pass' },
      remoteGrants: { [db.id]: ['mysql'] },
    });
    expect(ctx.jujuLog).toContainEqual({ level: 'INFO', message: 'password is ***' });
  });
});

describe('Context: what the charm sees', () => {
  const ctx = new Context(WatchCharm, { meta: META });
  const notes = (s: State): unknown => s.getStoredState('WatchCharm', 'seen').content.notes;
  const db = Relation({
    endpoint: 'db',
    remoteAppName: 'mysql',
    remoteUnitsData: { 0: { name: 'zero' }, 1: { name: 'one' } },
  });

  // relation-list leaves the departing unit out (backend tests check that); the SDK adds it back, as ops does.
  it('relation-departed: the departing unit and its bag are still readable', async () => {
    const out = await ctx.run(ctx.on.relationDeparted(db, { remoteUnit: 1 }), State({ relations: [db] }));
    expect(notes(out)).toEqual(['departed mysql/1; units mysql/0,mysql/1', 'its bag: one']);
  });

  it('relation-broken: the relation is inactive and left out of model.relations', async () => {
    const out = await ctx.run(ctx.on.relationBroken(db), State({ relations: [db] }));
    expect(notes(out)).toEqual(['broken active=false listed=0']);
  });

  it('storage-attached: the storage and its location', async () => {
    const data = Storage({ name: 'data', index: 1, location: '/srv/data' });
    const out = await ctx.run(ctx.on.storageAttached(data), State({ storages: [data] }));
    expect(notes(out)).toEqual(['storage data/1 at /srv/data']);
  });

  it('secret-changed: refreshing moves tracking to the latest revision in the output', async () => {
    const secret = Secret({
      label: 'db-pass',
      trackedContent: { password: 'old' },
      latestContent: { password: 'new' },
    });
    const out = await ctx.run(ctx.on.secretChanged(secret), State({ secrets: [secret] }));
    expect(notes(out)).toEqual(['secret db-pass: new']);
    expect(out.getSecret({ id: secret.id })).toMatchObject({
      trackedRevision: 2,
      trackedContent: { password: 'new' },
    });
  });

  it('config: set values over charm.yaml defaults', async () => {
    const out = await ctx.run(ctx.on.configChanged(), State({ config: { port: 9000 } }));
    expect(notes(out)).toEqual(['config {"greeting":"hello","port":9000}']);
  });

  it("uses the State's copy of an event's relation, not a stale one", async () => {
    const renamed = Relation({
      ...db,
      remoteAppName: 'mariadb',
      remoteUnitsData: { 0: {}, 1: { name: 'uno' } },
    });
    const out = await ctx.run(
      ctx.on.relationDeparted(db, { remoteUnit: 1 }),
      State({ relations: [renamed] }),
    );
    expect(notes(out)).toEqual(['departed mariadb/1; units mariadb/0,mariadb/1', 'its bag: uno']);
  });
});
