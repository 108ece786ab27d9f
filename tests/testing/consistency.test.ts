import { CharmBase } from '../../framework/ops/charm.js';
import {
  Context,
  InconsistentScenarioError,
  Network,
  PeerRelation,
  Relation,
  Secret,
  State,
  Storage,
  StoredState,
  SubordinateRelation,
  checkConsistency,
  type EventSpec,
  type StateInit,
} from '../../framework/testing/index.js';
import { META } from './fixtures/meta.js';

class DemoCharm extends CharmBase {}
const ctx = new Context(DemoCharm, { meta: META });
const on = ctx.on;

function problems(event: EventSpec, init: StateInit = {}): string[] {
  try {
    checkConsistency({ meta: META, state: State(init), event, appName: 'demo', unitId: 0 });
  } catch (e) {
    if (e instanceof InconsistentScenarioError) return [...e.problems];
    throw e;
  }
  return [];
}

describe('consistency checker', () => {
  it('accepts a consistent scenario', () => {
    const db = Relation({ endpoint: 'db', remoteAppName: 'mysql' });
    expect(
      problems(on.relationChanged(db, { remoteUnit: 0 }), {
        relations: [db],
        config: { port: 80, ratio: 1.5 },
      }),
    ).toEqual([]);
  });

  it('rejects a relation on an endpoint the charm does not declare', () => {
    const rel = Relation({ endpoint: 'nope' });
    expect(problems(on.relationCreated(rel), { relations: [rel] })).toEqual([
      expect.stringMatching(/declares no endpoint 'nope' \(declared: website, db, info, cluster\)/),
      expect.stringMatching(/-relation-created: charm 'demo' declares no endpoint 'nope'/),
    ]);
  });

  it('rejects a relation event whose relation is not in the State', () => {
    const db = Relation({ endpoint: 'db' });
    expect(problems(on.relationChanged(db))).toEqual([
      expect.stringMatching(/relation db:\d+ is not in State.relations; add it/),
    ]);
  });

  it("rejects a remote unit that is not in the event's relation", () => {
    const db = Relation({ endpoint: 'db', remoteAppName: 'mysql', remoteUnitsData: { 0: {}, 1: {} } });
    expect(problems(on.relationJoined(db, { remoteUnit: 5 }), { relations: [db] })).toEqual([
      expect.stringMatching(/remote unit mysql\/5 is not in relation db:\d+ \(units: mysql\/0, mysql\/1\)/),
    ]);
    expect(problems(on.relationJoined(db), { relations: [db] })).toEqual([
      expect.stringMatching(/has 2 remote units; say which/),
    ]);
    expect(
      problems(on.relationDeparted(db, { remoteUnit: 1, departingUnit: 'demo/0' }), { relations: [db] }),
    ).toEqual([]);
    expect(
      problems(on.relationDeparted(db, { remoteUnit: 1, departingUnit: 'other/3' }), { relations: [db] }),
    ).toEqual([expect.stringMatching(/departing unit other\/3 is neither this unit/)]);
  });

  it('rejects duplicated relation ids and an exceeded endpoint limit', () => {
    const a = Relation({ endpoint: 'db', id: 900 });
    const b = Relation({ endpoint: 'db', id: 900 });
    expect(problems(on.install(), { relations: [a, b] })).toEqual([
      'relation id 900 is used by more than one relation in State.relations',
      "endpoint 'db' has limit 1 but State has 2 relations on it",
    ]);
  });

  it('rejects a peer endpoint modelled as a relation and vice versa, and bad subordinate use', () => {
    const wrongPeer = Relation({ endpoint: 'cluster' });
    const wrongRegular = PeerRelation({ endpoint: 'website' });
    const wrongSub = SubordinateRelation({ endpoint: 'db' });
    expect(problems(on.install(), { relations: [wrongPeer, wrongRegular, wrongSub] })).toEqual([
      expect.stringMatching(/'cluster' is a peers endpoint; use PeerRelation/),
      expect.stringMatching(/is a PeerRelation but 'website' is a provides endpoint; use Relation/),
      expect.stringMatching(/is a SubordinateRelation but endpoint 'db' has scope global/),
    ]);
  });

  it('rejects a wrong interface and a peer bag for the unit under test', () => {
    const db = Relation({ endpoint: 'db', interface: 'pgsql' });
    const peers = PeerRelation({ endpoint: 'cluster', peersData: { 0: {} } });
    expect(problems(on.install(), { relations: [db, peers] })).toEqual([
      expect.stringMatching(/has interface 'pgsql' but endpoint 'db' declares 'mysql'/),
      expect.stringMatching(/peersData holds unit 0, which is the unit under test/),
    ]);
    expect(
      problems(on.relationBroken(peers), { relations: [PeerRelation({ ...peers, peersData: {} })] }),
    ).toEqual([expect.stringMatching(/never sends relation-broken for a peer relation/)]);
  });

  it('rejects undeclared config keys and values of the wrong type', () => {
    expect(problems(on.configChanged(), { config: { colour: 'red', port: '80', ratio: 1 } })).toEqual([
      "config option 'colour' is not declared (charm 'demo' declares: greeting, port, ratio)",
      `config option 'port' should be an int, got "80"`,
    ]);
    expect(problems(on.configChanged(), { config: { port: 1.5 } })).toEqual([
      `config option 'port' should be an int, got 1.5`,
    ]);
  });

  it('rejects undeclared actions and params that break the schema', () => {
    expect(problems(on.action('explode'))).toEqual([
      "action 'explode' is not declared (charm 'demo' declares: greet, fail-me)",
    ]);
    expect(problems(on.action('greet', { params: { times: 0 } }))).toEqual([
      expect.stringMatching(/invalid parameters for action 'greet'/),
    ]);
    expect(problems(on.action('greet', { params: { name: 'x', colour: 'red' } }))).toEqual([
      expect.stringMatching(/unknown parameter 'colour'/),
    ]);
    expect(problems(on.action('greet', { params: { name: 'x' } }))).toEqual([]);
  });

  it('rejects secret events for secrets not in the State or sent to the wrong party', () => {
    const mine = Secret({ owner: 'app', trackedContent: { key: 'v' } });
    const theirs = Secret({ owner: null, trackedContent: { key: 'v' } });
    expect(problems(on.secretChanged(theirs))).toEqual([
      expect.stringMatching(/secret-changed: secret secret:\w+ is not in State.secrets/),
    ]);
    expect(problems(on.secretChanged(mine), { secrets: [mine], leader: true })).toEqual([
      expect.stringMatching(/goes to consumers/),
    ]);
    expect(problems(on.secretRotate(theirs), { secrets: [theirs] })).toEqual([
      expect.stringMatching(/goes to the secret's owner/),
    ]);
    expect(problems(on.secretRotate(mine), { secrets: [mine] })).toEqual([
      expect.stringMatching(/goes to the leader/),
    ]);
    expect(problems(on.secretRemove(mine, { revision: 3 }), { secrets: [mine], leader: true })).toEqual([
      expect.stringMatching(/has no revision 3 \(latest is 1\)/),
    ]);
  });

  it('rejects storage events for undeclared storage or storage not in the State', () => {
    expect(problems(on.storageAttached(Storage({ name: 'logs' })))).toEqual([
      expect.stringMatching(/storage 'logs' is not declared \(declared: data\)/),
    ]);
    expect(problems(on.storageAttached(Storage({ name: 'data', index: 1 })))).toEqual([
      expect.stringMatching(/data\/1 is not in State.storages/),
    ]);
    const three = [0, 1, 2].map((index) => Storage({ name: 'data', index }));
    expect(problems(on.install(), { storages: three })).toEqual([
      "storage 'data' allows at most 2 instances, State has 3",
    ]);
  });

  it('rejects leadership events the unit could not get', () => {
    expect(problems(on.leaderElected())).toEqual([
      'leader-elected goes to the leader, but State.leader is false',
    ]);
    expect(problems(on.leaderSettingsChanged(), { leader: true })).toEqual([
      expect.stringMatching(/goes to non-leaders/),
    ]);
  });

  it('rejects unknown network bindings and duplicate stored states', () => {
    const s = StoredState({ ownerPath: 'DemoCharm', name: 'stored' });
    expect(
      problems(on.install(), {
        networks: [Network({ bindingName: 'admin' }), Network({ bindingName: 'nope' })],
        storedStates: [s, s],
      }),
    ).toEqual([
      "network binding 'nope' is neither an endpoint nor an extra-binding (known: website, db, info, cluster, admin)",
      "stored state 'stored' of DemoCharm appears more than once",
    ]);
  });

  it('reports every problem in one message', () => {
    const err = (() => {
      try {
        checkConsistency({
          meta: META,
          state: State({ config: { a: 1, b: 2 } }),
          event: on.install(),
          appName: 'demo',
          unitId: 0,
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InconsistentScenarioError);
    expect(String(err)).toMatch(/inconsistent scenario:\n {2}- config option 'a'.*\n {2}- config option 'b'/);
  });

  it('runs before the charm: ctx.run rejects an impossible input', async () => {
    await expect(ctx.run(on.leaderElected(), State())).rejects.toThrow(InconsistentScenarioError);
  });
});
