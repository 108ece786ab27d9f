/**
 * The Model's rules as a charm meets them, one dispatch at a time (framework/testing's
 * Context): databag access, typed load/save, collect-status priority, non-deferrable
 * events, commit only on success, object-tree rules, config loading and secrets.
 */
import { z } from 'zod';
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  ErrorStatus,
  MaintenanceStatus,
  RelationDataAccessError,
  RelationDataError,
  RelationDataTypeError,
  WaitingStatus,
  type ActionEvent,
  type CollectStatusEvent,
  type EventBase,
  type Framework,
  type RelationEvent,
} from '../../framework/ops/index.js';
import { parseCharmMeta } from '../../framework/ops/meta/load.js';
import {
  Context,
  PeerRelation,
  Relation,
  Secret,
  State,
  UncaughtCharmError,
  type EventSpec,
} from '../../framework/testing/index.js';

const meta = parseCharmMeta(
  `name: rules
peers:
  peers: { interface: rules-peers }
requires:
  db: { interface: db }
config:
  options:
    cluster-name: { type: string, default: hpc }
    nodes: { type: int, default: 2 }
actions:
  go:
    params:
      target: { type: string }
    required: [target]
    additionalProperties: false
`,
  'charm.yaml',
);

type Probe = (charm: RulesCharm, event: EventBase) => unknown;
let probe: Probe = () => undefined;
let statuses: { app: StatusInput[]; unit: StatusInput[] } = { app: [], unit: [] };
type StatusInput = ActiveStatus | BlockedStatus | WaitingStatus | MaintenanceStatus;

class RulesCharm extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.install, this.onAny);
    this.observe(this.on.start, this.onAny);
    this.observe(this.on.stop, this.onAny);
    this.observe(this.on.remove, this.onAny);
    this.observe(this.on.updateStatus, this.onAny);
    this.observe(this.on.secretRotate, this.onAny);
    this.observe(this.on.relationChanged('db'), this.onAny);
    this.observe(this.on.relationBroken('db'), this.onAny);
    this.observe(this.on.relationDeparted('db'), this.onAny);
    this.observe(this.on.relationChanged('peers'), this.onAny);
    this.observe(this.on.action('go'), this.onAny);
    this.observe(this.on.collectAppStatus, this.onCollectApp);
    this.observe(this.on.collectUnitStatus, this.onCollectUnit);
  }
  onAny(event: EventBase): unknown {
    return probe(this, event);
  }
  onCollectApp(event: CollectStatusEvent): void {
    for (const s of statuses.app) event.addStatus(s);
  }
  onCollectUnit(event: CollectStatusEvent): void {
    for (const s of statuses.unit) event.addStatus(s);
  }
}

const ctx = new Context(RulesCharm, { meta });
const db = () =>
  Relation({
    endpoint: 'db',
    remoteAppName: 'pg',
    remoteAppData: { host: '"10.0.0.5"', port: '5432' },
    remoteUnitsData: { 0: { 'ingress-address': '10.0.0.5' } },
    localAppData: { mine: 'x' },
  });
const peers = () =>
  PeerRelation({ endpoint: 'peers', peersData: { 1: { seen: 'yes' } }, localAppData: { shared: 'v' } });

async function runProbe(p: Probe, state: State, event: EventSpec = ctx.on.updateStatus()): Promise<State> {
  probe = p;
  return ctx.run(event, state);
}

async function errorOf(p: Probe, state: State, event: EventSpec = ctx.on.updateStatus()): Promise<unknown> {
  try {
    await runProbe(p, state, event);
  } catch (e) {
    if (e instanceof UncaughtCharmError) return e.cause;
    throw e;
  }
  throw new Error('the dispatch did not fail');
}

beforeEach(() => {
  probe = () => undefined;
  statuses = { app: [], unit: [] };
});

describe('databag access rules', () => {
  it('own unit bag: readable and writable; written keys are committed, "" deletes', async () => {
    const rel = db();
    const out = await runProbe(
      (c) => {
        const bag = c.model.getRelation('db')!.data.get(c.unit);
        bag.update({ ready: 'true', 'private-address': '' });
      },
      State({ relations: [rel] }),
    );
    expect(out.getRelation(rel.id).localUnitData).toMatchObject({ ready: 'true' });
    expect(out.getRelation(rel.id).localUnitData['private-address']).toBeUndefined();
  });

  it('remote unit and remote app bags: readable, never writable', async () => {
    const rel = db();
    const seen: string[] = [];
    await runProbe(
      (c) => {
        const r = c.model.getRelation('db')!;
        seen.push(
          r.data.get(r.app).get('port') ?? '',
          r.data.get([...r.units][0]!).get('ingress-address') ?? '',
        );
      },
      State({ relations: [rel] }),
    );
    expect(seen).toEqual(['5432', '10.0.0.5']);
    const e1 = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.model.getRelation('db')!.app).set('x', 'y'),
      State({ relations: [rel] }),
    );
    expect(e1).toBeInstanceOf(RelationDataAccessError);
    expect(String(e1)).toMatch(/remote databags are read-only/);
    const e2 = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.model.getUnit('pg/0')).set('x', 'y'),
      State({ relations: [rel] }),
    );
    expect(e2).toBeInstanceOf(RelationDataAccessError);
  });

  it('own app bag: the leader reads and writes it', async () => {
    const rel = db();
    const out = await runProbe(
      (c) => {
        const bag = c.model.getRelation('db')!.data.get(c.app);
        expect(bag.get('mine')).toBe('x');
        bag.set('leader-wrote', '1');
      },
      State({ leader: true, relations: [rel] }),
    );
    expect(out.getRelation(rel.id).localAppData).toEqual({ mine: 'x', 'leader-wrote': '1' });
  });

  it('own app bag on a non-peer relation: a non-leader can neither read nor write it', async () => {
    const read = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.app).get('mine'),
      State({ leader: false, relations: [db()] }),
    );
    expect(read).toBeInstanceOf(RelationDataAccessError);
    expect(String(read)).toMatch(/only the leader can read its own application's databag/);
    const write = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.app).set('a', 'b'),
      State({ leader: false, relations: [db()] }),
    );
    expect(String(write)).toMatch(/only the leader can write its application's databag/);
  });

  it('own app bag on a peer relation: a non-leader reads it but cannot write it', async () => {
    const seen: string[] = [];
    await runProbe(
      (c) => seen.push(c.model.getRelation('peers')!.data.get(c.app).get('shared') ?? ''),
      State({ leader: false, relations: [peers()] }),
    );
    expect(seen).toEqual(['v']);
    const write = await errorOf(
      (c) => c.model.getRelation('peers')!.data.get(c.app).set('a', 'b'),
      State({ leader: false, relations: [peers()] }),
    );
    expect(write).toBeInstanceOf(RelationDataAccessError);
  });

  it('values must be strings', async () => {
    const e = await errorOf(
      (c) =>
        c.model
          .getRelation('db')!
          .data.get(c.unit)
          .set('n', 5 as unknown as string),
      State({ relations: [db()] }),
    );
    expect(e).toBeInstanceOf(RelationDataTypeError);
    expect(String(e)).toMatch(/value for 'n' must be a string, got number/);
  });

  it('a unit outside the relation has no databag there', async () => {
    const e = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.model.getUnit('other/3')),
      State({ relations: [db()] }),
    );
    expect(String(e)).toMatch(/other\/3 is not part of relation db:/);
  });
});

describe('typed relation data', () => {
  const Remote = z.object({ host: z.string(), port: z.number().int() });
  const Mine = z.object({ ready: z.boolean(), nodes: z.array(z.string()), note: z.string().optional() });

  it('load decodes one JSON value per key; save writes one key per field as JSON', async () => {
    const rel = db();
    let loaded: unknown;
    const out = await runProbe(
      (c) => {
        const r = c.model.getRelation('db')!;
        loaded = r.load(Remote, r.app);
        r.save(Mine, { ready: true, nodes: ['a', 'b'] }, c.unit);
      },
      State({ relations: [rel] }),
    );
    expect(loaded).toEqual({ host: '10.0.0.5', port: 5432 });
    expect(out.getRelation(rel.id).localUnitData).toMatchObject({ ready: 'true', nodes: '["a","b"]' });
    expect(out.getRelation(rel.id).load(Mine, 'localUnit')).toEqual({ ready: true, nodes: ['a', 'b'] });
  });

  it('remote data that fails the schema raises RelationDataError naming the app, field and reason', async () => {
    const rel = Relation({
      endpoint: 'db',
      remoteAppName: 'pg',
      remoteAppData: { host: '"h"', port: '"not-a-number"' },
    });
    const e = await errorOf(
      (c) => {
        const r = c.model.getRelation('db')!;
        return r.load(Remote, r.app);
      },
      State({ relations: [rel] }),
    );
    expect(e).toBeInstanceOf(RelationDataError);
    const err = e as RelationDataError;
    expect(err.source).toBe('pg');
    expect(err.issues).toEqual([{ field: 'port', reason: expect.stringMatching(/number/) }]);
    expect(err.message).toMatch(/^pg sent invalid data on relation db:\d+: port: /);
  });

  it('refuses to save data that fails its own schema', async () => {
    const e = await errorOf(
      (c) => c.model.getRelation('db')!.save(Mine, { ready: 'yes' } as never, c.unit),
      State({ relations: [db()] }),
    );
    expect(e).toBeInstanceOf(RelationDataError);
  });
});

describe('collect-status', () => {
  it('picks the highest priority: blocked > maintenance > waiting > active; ties go to the first added', async () => {
    statuses.unit = [
      new ActiveStatus('a'),
      new WaitingStatus('w'),
      new BlockedStatus('b1'),
      new MaintenanceStatus('m'),
      new BlockedStatus('b2'),
    ];
    const out = await runProbe(() => undefined, State());
    expect(out.unitStatus).toEqual(new BlockedStatus('b1'));
  });

  it('sets the app status only on the leader', async () => {
    statuses.app = [new WaitingStatus('app waits')];
    const leader = await runProbe(() => undefined, State({ leader: true }));
    expect(leader.appStatus).toEqual(new WaitingStatus('app waits'));
    const follower = await runProbe(
      () => undefined,
      State({ leader: false, appStatus: new ActiveStatus('old') }),
    );
    expect(follower.appStatus).toEqual(new ActiveStatus('old'));
  });

  it('leaves the status alone when nothing is added', async () => {
    const out = await runProbe(() => undefined, State({ unitStatus: new MaintenanceStatus('busy') }));
    expect(out.unitStatus).toEqual(new MaintenanceStatus('busy'));
  });

  it('refuses error and unknown', async () => {
    statuses.unit = [new ErrorStatus('no') as unknown as ActiveStatus];
    await expect(runProbe(() => undefined, State())).rejects.toThrow(/cannot add status 'error'/);
  });

  it('runs even when the charm has no observer for the event', async () => {
    statuses.unit = [new ActiveStatus('collected')];
    const out = await ctx.run(ctx.on.leaderElected(), State({ leader: true }));
    expect(out.unitStatus).toEqual(new ActiveStatus('collected'));
  });
});

describe('events', () => {
  it.each([
    ['stop', () => ctx.on.stop()],
    ['remove', () => ctx.on.remove()],
  ])('%s cannot be deferred', async (_name, make) => {
    const e = await errorOf((_c, ev) => ev.defer(), State(), make());
    expect(String(e)).toMatch(/cannot be deferred/);
  });

  it('actions cannot be deferred', async () => {
    const e = await errorOf(
      (_c, ev) => ev.defer(),
      State(),
      ctx.on.action('go', { params: { target: 'x' } }),
    );
    expect(String(e)).toMatch(/ActionEvent cannot be deferred/);
  });

  it('secret-rotate cannot be deferred', async () => {
    const secret = Secret({ owner: 'app', trackedContent: { password: 'pw1234' } });
    const e = await errorOf(
      (_c, ev) => ev.defer(),
      State({ leader: true, secrets: [secret] }),
      ctx.on.secretRotate(secret),
    );
    expect(String(e)).toMatch(/SecretRotateEvent cannot be deferred/);
  });

  it('records every emitted event for tests, collect-status and commit included', async () => {
    await ctx.run(ctx.on.install(), State({ leader: true }));
    expect(ctx.emittedEvents.map((e) => e.handle.kind)).toEqual([
      'install',
      'collect_app_status',
      'collect_unit_status',
      'pre_commit',
      'commit',
    ]);
  });

  it('relation events carry the relation, remote app and unit', async () => {
    const rel = db();
    const seen: unknown[] = [];
    await runProbe(
      (_c, ev) => {
        const e = ev as RelationEvent;
        seen.push(e.relation.name, e.relation.id === rel.id, e.app?.name, e.unit?.name);
      },
      State({ relations: [rel] }),
      ctx.on.relationChanged(rel, { remoteUnit: 0 }),
    );
    expect(seen).toEqual(['db', true, 'pg', 'pg/0']);
  });

  it('relation-broken: the relation is inactive and left out of model.relations', async () => {
    const rel = db();
    const seen: unknown[] = [];
    await runProbe(
      (c, ev) => {
        seen.push((ev as RelationEvent).relation.active, c.model.relations.get('db').length);
      },
      State({ relations: [rel] }),
      ctx.on.relationBroken(rel),
    );
    expect(seen).toEqual([false, 0]);
  });
});

describe('the object tree', () => {
  it('refuses two objects with the same path', async () => {
    class Twice extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        new (class Lib extends CharmBase {})(framework);
        new (class Lib extends CharmBase {})(framework);
      }
    }
    await expect(new Context(Twice, { meta }).run(ctx.on.install(), State())).rejects.toThrow(
      /two objects claiming to be Lib/,
    );
  });

  it('refuses anonymous handlers, which a deferred notice could not find again', async () => {
    class Anonymous extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        this.observe(
          this.on.install,
          (
            () => () =>
              undefined
          )(),
        );
      }
    }
    await expect(new Context(Anonymous, { meta }).run(ctx.on.install(), State())).rejects.toThrow(
      /has no name; pass a named method/,
    );
  });

  it('names undeclared endpoints and actions', async () => {
    class Typo extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        this.observe(this.on.relationChanged('dbx'), this.onX);
      }
      onX(): void {}
    }
    await expect(new Context(Typo, { meta }).run(ctx.on.install(), State())).rejects.toThrow(
      /charm.yaml declares no endpoint 'dbx' \(declared: db, peers\)/,
    );
  });
});

describe('config', () => {
  it('is typed from charm.yaml with defaults', async () => {
    const seen: unknown[] = [];
    await runProbe(
      (c) => seen.push(c.config['cluster-name'], c.config.nodes),
      State({ config: { nodes: 4 } }),
    );
    expect(seen).toEqual(['hpc', 4]);
  });

  it("loadConfig(errors: 'blocked') sets Blocked and ends the dispatch with exit 0 (no retry)", async () => {
    const Cfg = z.object({ clusterName: z.string().min(4), nodes: z.number() });
    let after = false;
    const out = await runProbe((c) => {
      c.loadConfig(Cfg, { errors: 'blocked' });
      after = true;
    }, State());
    expect(after).toBe(false);
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toMatch(/^Invalid config: cluster-name: /);
  });
});

describe('a failed dispatch', () => {
  it('commits no relation data, stored state or secrets, but keeps status set before the failure', async () => {
    const rel = db();
    try {
      await runProbe(
        (c) => {
          c.model.getRelation('db')!.data.get(c.unit).set('half', 'done');
          c.app.addSecret({ token: 'abcdef123' });
          c.unit.status = new MaintenanceStatus('halfway');
          throw new Error('crash');
        },
        State({ leader: true, relations: [rel] }),
      );
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(UncaughtCharmError);
      const state = (e as UncaughtCharmError).state;
      expect(state.getRelation(rel.id).localUnitData.half).toBeUndefined();
      expect(state.secrets).toEqual([]);
      expect(state.unitStatus).toEqual(new MaintenanceStatus('halfway'));
    }
  });
});

describe('secrets', () => {
  it('checks content keys as Juju does and never echoes values', async () => {
    const e = await errorOf((c) => c.app.addSecret({ Bad_Key: 'hunter22' }), State({ leader: true }));
    expect(String(e)).toMatch(/invalid secret content key 'Bad_Key'/);
    expect(String(e)).not.toMatch(/hunter22/);
  });

  it('masks secret values in logs', async () => {
    const secret = Secret({ owner: 'app', label: 'munge', trackedContent: { key: 's3cr3t-munge-key' } });
    await runProbe(
      (c) => {
        const content = c.model.getSecret({ label: 'munge' }).getContent();
        c.framework.logger.info(`oops, logging ${content.key}`);
      },
      State({ leader: true, secrets: [secret] }),
    );
    const text = ctx.jujuLog.map((l) => l.message).join('\n');
    expect(text).toMatch(/oops, logging \*\*\*/);
    expect(text).not.toMatch(/s3cr3t-munge-key/);
  });
});

describe('actions', () => {
  it('validates params against the schema before any handler runs', async () => {
    let ran = false;
    probe = () => {
      ran = true;
    };
    await expect(ctx.run(ctx.on.action('go', { params: { target: 5 } }), State())).rejects.toThrow();
    expect(ran).toBe(false);
  });

  it('flattens nested results and refuses bad keys', async () => {
    await runProbe(
      (_c, ev) => (ev as ActionEvent).setResults({ out: { lines: 2, ok: true }, msg: 'hi' }),
      State(),
      ctx.on.action('go', { params: { target: 't' } }),
    );
    expect(ctx.actionResults).toEqual({ out: { lines: '2', ok: 'true' }, msg: 'hi' });
    const e = await errorOf(
      (_c, ev) => (ev as ActionEvent).setResults({ Bad: 1 }),
      State(),
      ctx.on.action('go', { params: { target: 't' } }),
    );
    expect(String(e)).toMatch(/action result key 'Bad' is invalid/);
  });
});
