/**
 * The demo charm's own tests, written as a charm author would (the README shows them):
 * one event against a declarative State, assertions on the output State.
 */
import { fileURLToPath } from 'node:url';
import { ActiveStatus, WaitingStatus } from '../../framework/ops/index.js';
import { Context, Relation, State } from '../../framework/testing/index.js';
import { DemoCharm } from '../fixtures/demo-charm/src/charm.js';

const ctx = new Context(DemoCharm, {
  meta: fileURLToPath(new URL('../fixtures/demo-charm', import.meta.url)),
});

describe('demo charm', () => {
  it('config-changed writes the config file and opens the port', async () => {
    const out = await ctx.run(ctx.on.configChanged(), State({ config: { port: 9000 } }));
    expect(ctx.machine?.snapshot().files['/etc/demo/demo.conf']).toMatchObject({
      content: 'greeting = hello\nport = 9000\n',
      mode: 0o640,
    });
    expect(out.openedPorts).toEqual([{ protocol: 'tcp', port: 9000 }]);
    expect(out.unitStatus).toEqual(new WaitingStatus('waiting for the database endpoint'));
  });

  it('db-relation-changed without an endpoint defers; with one it connects and goes active', async () => {
    const waiting = Relation({ endpoint: 'db', remoteAppName: 'pg' });
    const deferred = await ctx.run(
      ctx.on.relationChanged(waiting, { remoteUnit: 0 }),
      State({ relations: [waiting] }),
    );
    expect(deferred.deferred).toHaveLength(1);

    const db = Relation({
      endpoint: 'db',
      remoteAppName: 'pg',
      remoteAppData: { endpoint: '"10.0.0.5:5432"' },
    });
    const out = await ctx.run(ctx.on.relationChanged(db, { remoteUnit: 0 }), State({ relations: [db] }));
    expect(out.getRelation(db.id).localUnitData.connected).toBe('true');
    expect(out.getStoredState('DemoCharm', 'stored').content.dbEndpoint).toBe('10.0.0.5:5432');
    expect(out.unitStatus).toEqual(new ActiveStatus());
  });

  it('the greet action answers with results', async () => {
    await ctx.run(ctx.on.action('greet', { params: { name: 'Ada', times: 2 } }), State());
    expect(ctx.actionResults).toEqual({ greeting: 'hello, Ada hello, Ada', count: { total: '1' } });
    expect(ctx.actionLogs).toEqual(['greeting Ada']);
  });

  it('refuses action params that break the schema before the charm runs', async () => {
    await expect(ctx.run(ctx.on.action('greet', { params: { times: 0 } }), State())).rejects.toThrow(
      /name|times/,
    );
  });
});
