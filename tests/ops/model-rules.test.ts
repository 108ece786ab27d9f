/**
 * The Model's rules as a charm meets them, one dispatch at a time (framework/testing's
 * Context): collect-status priority, non-deferrable events, object-tree rules, config
 * loading, commit only on success, secrets and actions. Relation data has its own file.
 */
import { z } from 'zod';
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  ErrorStatus,
  MaintenanceStatus,
  WaitingStatus,
  type ActionEvent,
  type Framework,
  type RelationEvent,
} from '../../framework/ops/index.js';
import { Context, Secret, State, UncaughtCharmError } from '../../framework/testing/index.js';
import { ctx, db, errorOf, meta, resetRulesCharm, runProbe, statuses } from './model-rules-fixture.js';

beforeEach(resetRulesCharm);

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
    const handler = () => {
      ran = true;
    };
    await expect(
      runProbe(handler, State(), ctx.on.action('go', { params: { target: 5 } })),
    ).rejects.toThrow();
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
