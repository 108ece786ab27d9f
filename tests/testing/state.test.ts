import { z } from 'zod';
import { ActiveStatus, UnknownStatus } from '../../framework/ops/status.js';
import { RelationDataError } from '../../framework/ops/errors.js';
import {
  DEFAULT_JUJU_DATABAG,
  DeferredEvent,
  Network,
  PeerRelation,
  RecordingMachine,
  Relation,
  Secret,
  State,
  Storage,
  StoredState,
  SubordinateRelation,
  databag,
} from '../../framework/testing/index.js';

describe('State builders', () => {
  it('fills ops.testing defaults', () => {
    const s = State();
    expect(s.leader).toBe(false);
    expect(s.config).toEqual({});
    expect(s.relations).toEqual([]);
    expect(s.unitStatus).toEqual(new UnknownStatus());
    expect(s.appStatus).toEqual(new UnknownStatus());
    expect(s.workloadVersion).toBe('');
    expect(s.plannedUnits).toBe(1);
    expect(s.model.name).toBe('test-model');
    expect(s.machine).toBeUndefined();
  });

  it('gives a Relation one remote unit and the Juju keys in unit bags by default', () => {
    const rel = Relation({ endpoint: 'db' });
    expect(rel.kind).toBe('relation');
    expect(rel.remoteAppName).toBe('remote');
    expect(rel.localUnitData).toEqual(DEFAULT_JUJU_DATABAG);
    expect(rel.remoteUnitsData).toEqual({ 0: DEFAULT_JUJU_DATABAG });
    expect(rel.localAppData).toEqual({});
  });

  it('auto-assigns distinct relation ids and never reuses an explicit one', () => {
    const a = Relation({ endpoint: 'db' });
    const b = PeerRelation({ endpoint: 'cluster' });
    const explicit = Relation({ endpoint: 'db', id: a.id + 100 });
    const c = SubordinateRelation({ endpoint: 'juju-info' });
    expect(new Set([a.id, b.id, explicit.id, c.id]).size).toBe(4);
    expect(c.id).toBeGreaterThan(explicit.id);
  });

  it('has peers default to no other units and subordinates to principal unit 0', () => {
    expect(PeerRelation({ endpoint: 'cluster' }).peersData).toEqual({});
    const sub = SubordinateRelation({ endpoint: 'juju-info', remoteAppName: 'ubuntu' });
    expect([sub.remoteUnitId, sub.remoteUnitData]).toEqual([0, DEFAULT_JUJU_DATABAG]);
  });

  it('refuses databag values that are not strings', () => {
    const bad: Record<string, string> = JSON.parse('{"port": 5432}');
    expect(() => Relation({ endpoint: 'db', remoteAppData: bad })).toThrow(/value of 'port' is a number/);
  });

  it('numbers secret revisions from the content it is given', () => {
    const same = Secret({ trackedContent: { password: 'a' } });
    expect([same.trackedRevision, same.latestRevision, same.owner]).toEqual([1, 1, null]);
    expect(same.latestContent).toEqual({ password: 'a' });
    const newer = Secret({
      owner: 'app',
      trackedContent: { password: 'a' },
      latestContent: { password: 'b' },
    });
    expect([newer.trackedRevision, newer.latestRevision]).toEqual([1, 2]);
    expect(newer.id).toMatch(/^secret:[0-9a-v]{20}$/);
    expect(Secret({ trackedContent: { a: 'b' } }).id).not.toBe(newer.id);
  });

  it('builds storage locations, networks, stored states and deferred events', () => {
    expect(Storage({ name: 'data' })).toEqual({
      name: 'data',
      index: 0,
      location: '/var/lib/juju/storage/data/0',
    });
    const n = Network({ bindingName: 'db', address: '10.0.0.5' });
    expect(n.ingressAddresses).toEqual(['10.0.0.5']);
    expect(n.bindAddresses[0]?.addresses[0]).toEqual({
      hostname: '',
      value: '10.0.0.5',
      cidr: '10.0.0.5/32',
    });
    expect(StoredState({ ownerPath: 'DemoCharm', name: 'stored' }).content).toEqual({});
    expect(() => StoredState({ ownerPath: 'C', name: 's', content: { when: new Date() as never } })).toThrow(
      /\$.when is a Date/,
    );
    const d = DeferredEvent({ handlePath: 'C/on/install[1]', observerPath: 'C', method: 'onInstall' });
    expect(d.snapshot).toEqual({});
  });

  it('takes a machine as a RecordingMachine or a snapshot', () => {
    const m = new RecordingMachine({ files: { '/etc/motd': 'hi' } });
    const s = State({ machine: m });
    expect(s.machine?.files['/etc/motd']?.content).toBe('hi');
    expect(State({ machine: m.snapshot() }).machine).toEqual(s.machine);
  });
});

describe('State immutability', () => {
  it('freezes the state, its lists and every databag', () => {
    const rel = Relation({ endpoint: 'db', localAppData: { a: 'b' } });
    const s = State({ relations: [rel], config: { port: 80 }, openedPorts: [{ protocol: 'tcp', port: 80 }] });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.relations)).toBe(true);
    expect(Object.isFrozen(s.config)).toBe(true);
    expect(Object.isFrozen(rel)).toBe(true);
    expect(Object.isFrozen(rel.localAppData)).toBe(true);
    expect(Object.isFrozen(s.openedPorts[0])).toBe(true);
    expect(() => {
      (rel.localAppData as Record<string, string>).a = 'c';
    }).toThrow(TypeError);
    expect(() => {
      (s as { leader: boolean }).leader = true;
    }).toThrow(TypeError);
  });

  it('copies what it is given, so later changes to the inputs do not leak in', () => {
    const config: Record<string, string> = { name: 'a' };
    const bag: Record<string, string> = { k: 'v' };
    const rels = [Relation({ endpoint: 'db', remoteAppData: bag })];
    const s = State({ config, relations: rels });
    config.name = 'b';
    bag.k = 'w';
    rels.pop();
    expect(s.config).toEqual({ name: 'a' });
    expect(s.relations[0]?.kind === 'relation' && s.relations[0].remoteAppData).toEqual({ k: 'v' });
  });

  it('makes changed copies by spreading into the builder', () => {
    const rel = Relation({ endpoint: 'db' });
    const s = State({ relations: [rel], unitStatus: new ActiveStatus('ok') });
    const t = State({ ...s, leader: true });
    expect(t.leader).toBe(true);
    expect(s.leader).toBe(false);
    expect(t.relations[0]).toBe(rel);
    expect(t.unitStatus).toEqual(new ActiveStatus('ok'));
    const rel2 = Relation({ ...rel, remoteAppData: { ready: 'true' } });
    expect([rel2.id, rel2.remoteAppName, rel2.remoteAppData]).toEqual([rel.id, 'remote', { ready: 'true' }]);
  });

  it('de-duplicates opened ports', () => {
    const s = State({
      openedPorts: [
        { protocol: 'tcp', port: 80 },
        { protocol: 'tcp', port: 80, toPort: 80 },
        { protocol: 'icmp' },
      ],
    });
    expect(s.openedPorts).toEqual([{ protocol: 'tcp', port: 80 }, { protocol: 'icmp' }]);
  });
});

describe('State lookups', () => {
  const db = Relation({ endpoint: 'db' });
  const peers = PeerRelation({ endpoint: 'cluster' });
  const secret = Secret({ owner: 'app', label: 'admin', trackedContent: { password: 'pw' } });
  const s = State({
    relations: [db, peers],
    secrets: [secret],
    storedStates: [StoredState({ ownerPath: 'DemoCharm', name: 'stored', content: { n: 1 } })],
    storages: [Storage({ name: 'data', index: 1 })],
  });

  it('finds relations by id and endpoint', () => {
    expect(s.getRelation(peers.id)).toBe(peers);
    expect(s.getRelations('db')).toEqual([db]);
    expect(() => s.getRelation(9999)).toThrow(/no relation with id 9999/);
  });

  it('finds secrets by id (either form) or label', () => {
    expect(s.getSecret({ label: 'admin' })).toBe(secret);
    expect(s.getSecret({ id: secret.id })).toBe(secret);
    expect(s.getSecret({ id: secret.id.replace('secret:', 'secret://some-model/') })).toBe(secret);
    expect(() => s.getSecret({ label: 'nope' })).toThrow(/label 'nope'/);
  });

  it('finds stored states and storages', () => {
    expect(s.getStoredState('DemoCharm', 'stored').content).toEqual({ n: 1 });
    expect(() => s.getStoredState('DemoCharm', 'other')).toThrow(/have: DemoCharm\/stored/);
    expect(s.getStorage('data', 1).location).toBe('/var/lib/juju/storage/data/1');
  });
});

describe('typed relation reads', () => {
  const schema = z.object({ host: z.string(), port: z.number().int() });
  const rel = Relation({
    endpoint: 'db',
    remoteAppData: databag({ host: '10.0.0.1', port: 5432 }),
    remoteUnitsData: {
      0: { ...DEFAULT_JUJU_DATABAG, ...databag({ host: 'u0', port: 1 }) },
      1: { port: '"x"' },
    },
  });

  it('decodes one JSON value per key and checks the schema', () => {
    expect(rel.load(schema, 'remoteApp')).toEqual({ host: '10.0.0.1', port: 5432 });
    expect(rel.load(schema, 0)).toEqual({ host: 'u0', port: 1 });
  });

  it('names each failing field', () => {
    const err = (() => {
      try {
        rel.load(schema, 1);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RelationDataError);
    expect(String(err)).toMatch(/host: .*; port: /);
  });

  it('reads peer and local bags and refuses bags the relation lacks', () => {
    const p = PeerRelation({
      endpoint: 'cluster',
      localAppData: databag({ leader: 'a/0' }),
      peersData: { 1: databag({ n: 1 }) },
    });
    expect(p.load(z.object({ leader: z.string() }), 'remoteApp')).toEqual({ leader: 'a/0' });
    expect(p.load(z.object({ n: z.number() }), 1)).toEqual({ n: 1 });
    expect(() => p.bag(7)).toThrow(/no databag 7/);
    expect(rel.bag('localUnit')).toEqual(DEFAULT_JUJU_DATABAG);
  });
});
