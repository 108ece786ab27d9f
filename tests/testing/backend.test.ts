import {
  InvalidStatusError,
  ModelError,
  RelationNotFoundError,
  SecretNotFoundError,
} from '../../framework/ops/errors.js';
import type { CharmMeta } from '../../framework/ops/meta/types.js';
import { ActiveStatus, BlockedStatus, MaintenanceStatus, UnknownStatus } from '../../framework/ops/status.js';
import {
  PeerRelation,
  Relation,
  Secret,
  State,
  Storage,
  SubordinateRelation,
  TestingBackend,
  type BackendEvent,
  type StateInit,
} from '../../framework/testing/index.js';

const meta: CharmMeta = {
  name: 'demo',
  summary: '',
  description: '',
  subordinate: false,
  endpoints: {
    db: { name: 'db', role: 'requires', interface: 'mysql', optional: false, scope: 'global' },
    cluster: { name: 'cluster', role: 'peers', interface: 'demo-peers', optional: false, scope: 'global' },
    info: { name: 'info', role: 'requires', interface: 'juju-info', optional: false, scope: 'container' },
  },
  storage: {
    data: {
      name: 'data',
      type: 'block',
      description: '',
      shared: false,
      readOnly: false,
      properties: [],
      count: { min: 0 },
    },
  },
  config: {
    port: { name: 'port', type: 'int', default: 8080, description: '' },
    name: { name: 'name', type: 'string', description: '' },
  },
  actions: {
    backup: {
      name: 'backup',
      description: '',
      params: { target: { type: 'string', default: '/srv' } },
      required: [],
      additionalProperties: false,
      executionGroup: '',
      parallel: false,
    },
  },
  extraBindings: ['admin'],
};

const db = Relation({
  endpoint: 'db',
  id: 1,
  remoteAppName: 'mysql',
  localAppData: { app: 'mine' },
  localUnitData: { unit: 'mine' },
  remoteAppData: { host: 'db.local' },
  remoteUnitsData: { 0: { u: '0' }, 1: { u: '1' } },
});
const peers = PeerRelation({
  endpoint: 'cluster',
  id: 2,
  localAppData: { shared: 'yes' },
  peersData: { 1: { p: '1' } },
});
const sub = SubordinateRelation({
  endpoint: 'info',
  id: 3,
  remoteAppName: 'ubuntu',
  remoteUnitId: 4,
  remoteUnitData: { s: '4' },
});

function backend(init: StateInit = {}, event?: BackendEvent): TestingBackend {
  return new TestingBackend({
    state: State({ relations: [db, peers, sub], ...init }),
    appName: 'demo',
    meta,
    event,
  });
}

describe('TestingBackend databag rules', () => {
  it('lists members of regular, peer and subordinate relations', () => {
    const b = backend();
    expect(b.relationList(1)).toEqual(['mysql/0', 'mysql/1']);
    expect(b.relationList(2)).toEqual(['demo/1']);
    expect(b.relationList(3)).toEqual(['ubuntu/4']);
    expect([b.relationRemoteApp(1), b.relationRemoteApp(2), b.relationRemoteApp(3)]).toEqual([
      'mysql',
      'demo',
      'ubuntu',
    ]);
  });

  it('reads remote bags, the shared peer app bag, and peer unit bags', () => {
    const b = backend();
    expect(b.relationGet(1, 'mysql', true)).toEqual({ host: 'db.local' });
    expect(b.relationGet(1, 'mysql/1', false)).toEqual({ u: '1' });
    expect(b.relationGet(2, 'demo', true)).toEqual({ shared: 'yes' });
    expect(b.relationGet(2, 'demo/1', false)).toEqual({ p: '1' });
    expect(b.relationGet(3, 'ubuntu/4', false)).toEqual({ s: '4' });
  });

  it('lets non-leaders read the peer app bag but not their own app bag on other relations', () => {
    const b = backend({ leader: false });
    expect(b.relationGet(2, 'demo', true)).toEqual({ shared: 'yes' });
    expect(() => b.relationGet(1, 'demo', true)).toThrow(/permission denied/);
  });

  it('refuses non-leader app-bag writes, even on peer relations, with "cannot write relation settings"', () => {
    const b = backend({ leader: false });
    expect(() => b.relationSet(1, { a: 'b' }, true)).toThrow(ModelError);
    expect(() => b.relationSet(2, { a: 'b' }, true)).toThrow(/cannot write relation settings/);
    b.relationSet(2, { mine: 'ok' }, false);
    expect(b.relationGet(2, 'demo/0', false)).toEqual({ ...peers.localUnitData, mine: 'ok' });
  });

  it('refuses members that are not in the relation and unknown relations', () => {
    const b = backend();
    expect(() => b.relationGet(1, 'ubuntu/4', false)).toThrow(/settings not found/);
    expect(() => b.relationGet(1, 'ubuntu', true)).toThrow(ModelError);
    expect(() => b.relationGet(42, 'mysql', true)).toThrow(RelationNotFoundError);
    expect(() => b.networkGet('db', 42)).toThrow(RelationNotFoundError);
  });

  it("shows own writes at once, and '' deletes", () => {
    const b = backend({ leader: true });
    b.relationSet(1, { app: '', extra: 'x' }, true);
    expect(b.relationGet(1, 'demo', true)).toEqual({ extra: 'x' });
    b.relationSet(1, { unit: 'changed' }, false);
    expect(b.relationGet(1, 'demo/0', false)).toEqual({ unit: 'changed' });
  });

  it('hides the departing unit from relation-list but keeps its bag readable', () => {
    const b = backend(
      {},
      { kind: 'hook', name: 'db-relation-departed', relationId: 1, departingUnit: 'mysql/1' },
    );
    expect(b.relationList(1)).toEqual(['mysql/0']);
    expect(b.relationGet(1, 'mysql/1', false)).toEqual({ u: '1' });
  });

  it('lists no remote units in relation-broken', () => {
    const b = backend({}, { kind: 'hook', name: 'db-relation-broken', relationId: 1 });
    expect(b.relationList(1)).toEqual([]);
    expect(b.relationIds('db')).toEqual([1]);
  });
});

describe('TestingBackend buffering', () => {
  it('puts relation data, secrets and ports in the output only when committed', () => {
    const secret = Secret({ owner: 'app', label: 'k', trackedContent: { key: 'v1' } });
    const b = backend({ leader: true, secrets: [secret], openedPorts: [{ protocol: 'tcp', port: 22 }] });
    b.relationSet(1, { ready: 'true' }, true);
    b.relationSet(2, { me: 'here' }, false);
    const added = b.secretAdd({ token: 'abc' }, { owner: 'unit', label: 'tok' });
    b.secretSet(secret.id, { content: { key: 'v2' } });
    b.openPort({ protocol: 'tcp', port: 80 });
    b.closePort({ protocol: 'tcp', port: 22 });
    b.storageAdd({ data: 2 });
    b.statusSet('active', 'done', false);
    b.applicationVersionSet('1.2');

    const out = b.outputState({ committed: true });
    expect(out.getRelation(1).localAppData).toEqual({ app: 'mine', ready: 'true' });
    expect(out.getRelation(2).localUnitData).toEqual({ ...peers.localUnitData, me: 'here' });
    expect(out.getRelation(1).kind).toBe('relation');
    expect(out.getSecret({ id: added }).trackedContent).toEqual({ token: 'abc' });
    expect(out.getSecret({ label: 'k' })).toMatchObject({
      latestRevision: 2,
      latestContent: { key: 'v2' },
      trackedRevision: 1,
    });
    expect(out.openedPorts).toEqual([{ protocol: 'tcp', port: 80 }]);
    expect(b.requestedStorages).toEqual({ data: 2 });

    const failed = b.outputState({ committed: false });
    expect(failed.getRelation(1)).toBe(db);
    expect(failed.secrets).toEqual([secret]);
    expect(failed.openedPorts).toEqual([{ protocol: 'tcp', port: 22 }]);
    // Status and workload version are immediate in Juju: kept either way.
    expect(failed.unitStatus).toEqual(new ActiveStatus('done'));
    expect(failed.workloadVersion).toBe('1.2');
  });

  it('never changes its input State', () => {
    const state = State({ leader: true, relations: [db] });
    const b = new TestingBackend({ state, appName: 'demo', meta });
    b.relationSet(1, { app: 'x' }, true);
    b.outputState({ committed: true });
    expect(state.getRelation(1).localAppData).toEqual({ app: 'mine' });
  });
});

describe('TestingBackend status, config, actions, logs', () => {
  it('records status and version history, oldest first', () => {
    const b = backend({ leader: true, unitStatus: new MaintenanceStatus('installing') });
    b.statusSet('blocked', 'no db', false);
    b.statusSet('active', '', false);
    b.statusSet('active', 'app ok', true);
    b.applicationVersionSet('1');
    b.applicationVersionSet('2');
    expect(b.unitStatusHistory).toEqual([new MaintenanceStatus('installing'), new BlockedStatus('no db')]);
    expect(b.appStatusHistory).toEqual([new UnknownStatus()]);
    expect(b.workloadVersionHistory).toEqual(['', '1']);
    expect(() => b.statusSet('error', 'x', false)).toThrow(InvalidStatusError);
  });

  it('answers config with metadata defaults under set values', () => {
    expect(backend({ config: { name: 'x' } }).configGet()).toEqual({ port: 8080, name: 'x' });
    expect(backend({ config: { port: 1 } }).configGet()).toEqual({ port: 1 });
  });

  it('fills action param defaults and nests dotted results', () => {
    const b = backend({}, { kind: 'action', name: 'backup', params: {} });
    expect(b.actionGet()).toEqual({ target: '/srv' });
    b.actionSet({ 'a.b': '1', 'a.c': '2', top: 'x' });
    expect(b.actionResults).toEqual({ a: { b: '1', c: '2' }, top: 'x' });
    expect(() => b.actionSet({ 'top.sub': 'y' })).toThrow(/already set/);
    expect(() => b.actionSet({ stdout: 'y' })).toThrow(/reserved/);
    expect(() => b.actionSet({ Bad: 'y' })).toThrow(/invalid key/);
    b.actionFail('');
    expect(b.actionFailure).toBe('action failed without reason given');
    expect(() => b.reboot(false)).toThrow(/not allowed in actions/);
  });

  it('records juju-log lines and reboot requests', () => {
    const b = backend();
    b.jujuLog('INFO', 'hello');
    b.reboot(false);
    expect(b.logs).toEqual([{ level: 'INFO', message: 'hello' }]);
    expect(b.rebootRequested).toEqual({ now: false });
  });
});

describe('TestingBackend secrets', () => {
  const appSecret = Secret({
    owner: 'app',
    label: 'app-key',
    trackedContent: { key: 'a1' },
    latestContent: { key: 'a2' },
  });
  const unitSecret = Secret({ owner: 'unit', label: 'unit-key', trackedContent: { key: 'u1' } });
  const consumed = Secret({ owner: null, trackedContent: { password: 'c1' } });
  const secrets = [appSecret, unitSecret, consumed];

  it('lets non-leaders view app secrets but not manage or create them', () => {
    const b = backend({ leader: false, secrets });
    expect(b.secretGet({ label: 'app-key' })).toEqual({ key: 'a1' });
    expect(() => b.secretSet(appSecret.id, { content: { key: 'x12' } })).toThrow(/permission denied/);
    expect(() => b.secretInfoGet({ id: appSecret.id })).toThrow(/permission denied/);
    expect(() => b.secretGrant(appSecret.id, 1)).toThrow(ModelError);
    expect(() => b.secretAdd({ key: 'x12' }, { owner: 'application' })).toThrow(/only the leader/);
    b.secretSet(unitSecret.id, { content: { key: 'u2' } });
    expect(b.secretIds()).toEqual([appSecret.id, unitSecret.id]);
  });

  it('does not let a consumer manage a secret it was given', () => {
    const b = backend({ leader: true, secrets });
    expect(() => b.secretSet(consumed.id, { label: 'x' })).toThrow(SecretNotFoundError);
    expect(() => b.secretRemove(consumed.id)).toThrow(SecretNotFoundError);
  });

  it('checks content keys and values as Juju does', () => {
    const b = backend({ leader: true });
    expect(() => b.secretAdd({ ab: 'x' }, { owner: 'unit' })).toThrow(/invalid secret content key 'ab'/);
    expect(() => b.secretAdd({ '1abc': 'x' }, { owner: 'unit' })).toThrow(ModelError);
    expect(() => b.secretAdd({ 'a--b': 'x' }, { owner: 'unit' })).toThrow(ModelError);
    const bad: Record<string, string> = JSON.parse('{"abc": 1}');
    expect(() => b.secretAdd(bad, { owner: 'unit' })).toThrow(/must be a string/);
    expect(b.secretAdd({ 'a-b1': 'x' }, { owner: 'unit' })).toMatch(/^secret:/);
  });

  it('refuses a second owned secret with the same label', () => {
    const b = backend({ leader: true, secrets });
    expect(() => b.secretAdd({ key: 'zzz' }, { owner: 'unit', label: 'app-key' })).toThrow(/already exists/);
    expect(() => b.secretSet(unitSecret.id, { label: 'app-key' })).toThrow(/already exists/);
  });

  it('tracks refreshes, grants and removals in the output', () => {
    const b = backend({ leader: true, secrets });
    expect(b.secretGet({ id: appSecret.id, refresh: true })).toEqual({ key: 'a2' });
    b.secretGrant(appSecret.id, 1);
    b.secretGrant(appSecret.id, 1, 'mysql/1');
    expect(() => b.secretGrant(appSecret.id, 1, 'ubuntu/4')).toThrow(/not a remote unit/);
    b.secretRemove(appSecret.id, 1);
    expect(() => b.secretRemove(appSecret.id, 1)).toThrow(SecretNotFoundError);
    b.secretRemove(unitSecret.id);
    const out = b.outputState({ committed: true });
    expect(out.getSecret({ id: appSecret.id })).toMatchObject({
      trackedRevision: 2,
      trackedContent: { key: 'a2' },
      remoteGrants: { 1: ['mysql', 'mysql/1'] },
    });
    expect(() => out.getSecret({ id: unitSecret.id })).toThrow();
    expect(b.removedSecretRevisions).toEqual([{ id: appSecret.id, revision: 1 }, { id: unitSecret.id }]);
  });

  it('gives consumers peek and refresh and lets them label the secret', () => {
    const newer = Secret({ trackedContent: { password: 'c1' }, latestContent: { password: 'c2' } });
    const b = backend({ secrets: [newer] });
    expect(b.secretGet({ id: newer.id, label: 'db-pass' })).toEqual({ password: 'c1' });
    expect(b.secretGet({ label: 'db-pass', peek: true })).toEqual({ password: 'c2' });
    expect(b.outputState({ committed: true }).getSecret({ id: newer.id }).label).toBe('db-pass');
  });
});

describe('TestingBackend network, storage, goal state', () => {
  it('answers network-get with the default address, and refuses unknown bindings', () => {
    const b = backend();
    expect(b.networkGet('admin').ingressAddresses).toEqual(['192.0.2.0']);
    expect(b.networkGet('db', 1).bindAddresses[0]?.addresses[0]?.value).toBe('192.0.2.0');
    expect(() => b.networkGet('nope')).toThrow(/no network config/);
  });

  it('describes storage with its metadata kind and refuses to add undeclared storage', () => {
    const b = backend({ storages: [Storage({ name: 'data', index: 2 })] });
    expect(b.storageList('data')).toEqual(['data/2']);
    expect(b.storageGet('data/2')).toEqual({ kind: 'block', location: '/var/lib/juju/storage/data/2' });
    expect(() => b.storageGet('bad id')).toThrow(/invalid storage id/);
    expect(() => b.storageAdd({ logs: 1 })).toThrow(/not declared/);
  });

  it('builds goal state from planned units and relations', () => {
    const grow = backend({ plannedUnits: 3 }).goalState();
    expect(Object.keys(grow.units)).toEqual(['demo/0', 'demo/1', 'demo/2']);
    const shrink = backend({ plannedUnits: 1 }).goalState();
    expect(shrink.units).toEqual({
      'demo/0': { status: 'active', since: '' },
      'demo/1': { status: 'dying', since: '' },
    });
    expect(Object.keys(shrink.relations.db ?? {})).toEqual(['mysql', 'mysql/0', 'mysql/1']);
    expect(Object.keys(shrink.relations.cluster ?? {})).toEqual(['demo/1']);
  });
});
