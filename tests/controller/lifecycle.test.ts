/**
 * Lifecycle details beyond the hook sequences of ordering.test.ts (juju-contract.md §10,
 * §11): what remove-relation, remove-application and subordinate attach/detach leave in the
 * store, a failing hook (error, nothing committed, retry with backoff on a fake clock,
 * resolve with retry and with skip, actions on a unit in error) and update-status on its
 * timer only when idle.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ModelController } from '../../framework/controller/model-controller.js';
import { resolveUnit, runAction } from '../../framework/controller/model-ops.js';
import { SecretStore } from '../../framework/controller/store/secrets.js';

const CHARMS = fileURLToPath(new URL('../fixtures/charms', import.meta.url));
let dir: string;
let mc: ModelController;
/** The fake clock the scheduler reads (ms). */
let now = 1_000_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsops-life-'));
  now = 1_000_000;
  mc = ModelController.open('test', dir, { clock: { now: () => now } });
  seenSoFar.clear();
});

afterEach(() => {
  mc.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Hooks a unit ran (committed or failed), in order, since the last call. */
const seenSoFar = new Map<string, number>();
function hooks(unit: string): string[] {
  const all = mc.store
    .hookHistory(unit, 10_000)
    .map((h) => (h.outcome === 'ok' ? h.hook : `${h.hook} (error)`));
  const from = seenSoFar.get(unit) ?? 0;
  seenSoFar.set(unit, all.length);
  return all.slice(from);
}

async function deploy(ref: string, n: number, config: Record<string, string> = {}): Promise<void> {
  await mc.deployCharm({ ref: join(CHARMS, ref), numUnits: n, config, constraints: '', baseDir: CHARMS });
  await mc.idle();
}

/** Advance the fake clock and let the agents act on what fell due. */
async function advance(ms: number): Promise<void> {
  now += ms;
  mc.scheduler.kick();
  await mc.idle();
}

const machineDir = (id: string) => join(dir, 'machines', id);

describe('remove-relation', () => {
  it('departed then broken on both sides; the relation and its databags go', async () => {
    await deploy('hub', 1);
    await deploy('spoke', 2);
    const id = mc.integrate('hub', 'spoke');
    await mc.idle();
    for (const u of ['hub/0', 'spoke/0', 'spoke/1']) hooks(u);
    expect(mc.store.databag(id, 'spoke/0', false).data).not.toEqual({});

    mc.removeRelation('hub', 'spoke');
    await mc.idle();
    expect(hooks('hub/0')).toEqual([
      'spokes-relation-departed',
      'spokes-relation-departed',
      'spokes-relation-broken',
    ]);
    for (const s of ['spoke/0', 'spoke/1'])
      expect(hooks(s)).toEqual(['hub-relation-departed', 'hub-relation-broken']);
    expect(mc.store.relation(id)).toBeUndefined();
    const left = mc.store.db.prepare('SELECT COUNT(*) AS n FROM databags WHERE relation = ?').get(id);
    expect(left).toEqual({ n: 0 });
    expect(mc.store.scopeUnits(id)).toEqual([]);
    // Related again: a new relation, with a new id, starts from created.
    const again = mc.integrate('hub', 'spoke');
    await mc.idle();
    expect(again).not.toBe(id);
    expect(hooks('spoke/0')[0]).toBe('hub-relation-created');
  });
});

describe('remove-application', () => {
  it('its units depart, break, stop and go; remote units see departed then broken', async () => {
    await deploy('hub', 1);
    await deploy('spoke', 2);
    const id = mc.integrate('hub', 'spoke');
    await mc.idle();
    for (const u of ['hub/0', 'spoke/0', 'spoke/1']) hooks(u);
    const machines = ['spoke/0', 'spoke/1'].map((u) => mc.store.unit(u)!.machine);

    mc.removeApplication('spoke');
    await mc.idle();
    for (const s of ['spoke/0', 'spoke/1'])
      expect(hooks(s)).toEqual(['hub-relation-departed', 'hub-relation-broken', 'stop', 'remove']);
    expect(hooks('hub/0')).toEqual([
      'spokes-relation-departed',
      'spokes-relation-departed',
      'spokes-relation-broken',
    ]);
    expect(mc.store.app('spoke')).toBeUndefined();
    expect(mc.store.units('spoke')).toEqual([]);
    expect(mc.store.relation(id)).toBeUndefined();
    expect(mc.store.relations().map((r) => r.key)).toEqual(['hub:hub-peers']);
    // Their machines go from the store and from the substrate.
    for (const m of machines) {
      expect(mc.store.machine(m)).toBeUndefined();
      expect(existsSync(machineDir(m))).toBe(false);
    }
  });

  it('a remote unit in error still sees departed and broken once it is resolved', async () => {
    await deploy('hub', 1);
    await deploy('spoke', 2);
    const id = mc.integrate('hub', 'spoke');
    await mc.idle();
    hooks('hub/0');
    // hub/0 is in error (as if a hook had failed): it runs nothing until resolved.
    const failed = JSON.stringify({ hook: 'update-status', markers: [{ kind: 'update-status' }] });
    mc.store.updateUnit('hub/0', { failed, error_message: 'hook failed: "update-status"', agent: 'error' });

    mc.removeApplication('spoke');
    await mc.idle();
    expect(mc.store.app('spoke')).toBeUndefined();
    // The relation waits, dying, for hub/0 to leave its scope; it cannot be made again meanwhile.
    expect(mc.store.relation(id)?.life).toBe('dying');
    expect(hooks('hub/0')).toEqual([]);
    await deploy('spoke', 1);
    expect(() => mc.integrate('hub', 'spoke')).toThrow(/still being unrelated/);

    resolveUnit(mc, 'hub/0', true);
    await mc.idle();
    expect(hooks('hub/0')).toEqual([
      'spokes-relation-departed',
      'spokes-relation-departed',
      'spokes-relation-broken',
    ]);
    expect(mc.store.relation(id)).toBeUndefined();
    expect(mc.store.unit('hub/0')?.failed).toBeNull();
    mc.integrate('hub', 'spoke');
    await mc.idle();
    expect(mc.store.unit('hub/0')?.message).toBe('1 spokes');
  });
});

describe('subordinates', () => {
  it('one subordinate per principal unit, on its machine, seeing only its principal', async () => {
    await deploy('hub', 2);
    await deploy('sidecar', 0);
    for (const u of ['hub/0', 'hub/1']) hooks(u);
    const id = mc.integrate('sidecar', 'hub');
    await mc.idle();
    const subs = mc.store.units('sidecar');
    expect(subs.map((u) => [u.name, u.principal, u.machine])).toEqual([
      ['sidecar/0', 'hub/0', mc.store.unit('hub/0')!.machine],
      ['sidecar/1', 'hub/1', mc.store.unit('hub/1')!.machine],
    ]);
    expect(mc.store.relation(id)?.scope).toBe('container');
    const life = (leadership: string) => [
      'install',
      'host-relation-created',
      leadership,
      'config-changed',
      'start',
      'host-relation-joined',
      'host-relation-changed',
    ];
    expect(hooks('sidecar/0')).toEqual(life('leader-elected'));
    expect(hooks('sidecar/1')).toEqual(life('leader-settings-changed'));
    for (const [sub, principal] of [
      ['sidecar/0', 'hub/0'],
      ['sidecar/1', 'hub/1'],
    ] as const) {
      expect(mc.store.unit(sub)?.message).toBe(`beside ${principal}`);
      expect(mc.store.seen(id, sub).map((s) => s.remote)).toEqual([principal]);
      expect(mc.store.seen(id, principal).map((s) => s.remote)).toEqual([sub]);
      // The principal's juju-info is implicit: Juju runs no hooks for it (relation/resolver.go).
      expect(hooks(principal)).toEqual([]);
    }

    // A new principal unit brings its own subordinate; a removed one takes its subordinate along.
    const [added] = await mc.addUnits('hub', 1);
    await mc.idle();
    const sub2 = mc.store.units('sidecar').find((u) => u.principal === added);
    expect(sub2?.name).toBe('sidecar/2');
    expect(sub2?.machine).toBe(mc.store.unit(added!)?.machine);
    mc.removeUnits(['hub/1']);
    await mc.idle();
    expect(hooks('sidecar/1')).toEqual(['host-relation-departed', 'host-relation-broken', 'stop', 'remove']);
    expect(mc.store.unit('sidecar/1')).toBeUndefined();
    expect(mc.store.units('sidecar').map((u) => u.name)).toEqual(['sidecar/0', 'sidecar/2']);
  });

  it('remove-relation on a container-scoped relation takes the subordinates away, not the machines', async () => {
    await deploy('hub', 2);
    await deploy('sidecar', 0);
    const id = mc.integrate('sidecar', 'hub');
    await mc.idle();
    for (const u of ['hub/0', 'hub/1', 'sidecar/0', 'sidecar/1']) hooks(u);

    mc.removeRelation('hub', 'sidecar');
    await mc.idle();
    for (const s of ['sidecar/0', 'sidecar/1'])
      expect(hooks(s)).toEqual(['host-relation-departed', 'host-relation-broken', 'stop', 'remove']);
    for (const p of ['hub/0', 'hub/1']) expect(hooks(p)).toEqual([]); // implicit juju-info: no hooks on the principal
    expect(mc.store.units('sidecar')).toEqual([]);
    expect(mc.store.relation(id)).toBeUndefined();
    // The application stays (with no units); the principals' machines stay.
    expect(mc.store.app('sidecar')?.life).toBe('alive');
    for (const p of ['hub/0', 'hub/1']) expect(existsSync(machineDir(mc.store.unit(p)!.machine))).toBe(true);
  });
});

describe('a failing hook', () => {
  /** What a hook of flaky/0 may write, all of which a failed hook must leave untouched. */
  function written() {
    const u = mc.store.unit('flaky/0')!;
    const peer = mc.store.relations().find((r) => r.peer)!;
    return {
      state: u.unit_state,
      databag: mc.store.databag(peer.id, 'flaky/0', false).data,
      ports: mc.store.ports('flaky/0'),
      secrets: new SecretStore(mc.store.db).all().map((s) => s.label),
    };
  }
  const stored = () => {
    const text = mc.store.unit('flaky/0')?.unit_state ?? '{}';
    const v: unknown = JSON.parse(text);
    const snapshots = typeof v === 'object' && v !== null && 'snapshots' in v ? v.snapshots : {};
    return Object.values(snapshots ?? {})[0];
  };

  it('goes to error, commits nothing, retries with backoff, and resolves with retry or skip', async () => {
    await deploy('flaky', 1);
    hooks('flaky/0');
    const good = written();
    expect(good).toEqual({
      state: expect.any(String),
      databag: { fail: 'false' },
      ports: ['9000/tcp'],
      secrets: [],
    });

    mc.setConfig('flaky', { fail: 'true' }, []);
    await mc.idle();
    let u = mc.store.unit('flaky/0')!;
    expect(hooks('flaky/0')).toEqual(['config-changed (error)']);
    expect(u.error_message).toBe('hook failed: "config-changed"');
    expect(u.agent).toBe('error');
    expect(written()).toEqual(good);
    // First retry after 5 s ± 20 %.
    expect(u.retry_at! - now).toBeGreaterThanOrEqual(4_000);
    expect(u.retry_at! - now).toBeLessThanOrEqual(6_000);

    await advance(3_900);
    expect(hooks('flaky/0')).toEqual([]);
    await advance(2_200);
    u = mc.store.unit('flaky/0')!;
    expect(hooks('flaky/0')).toEqual(['config-changed (error)']);
    // The delay doubles: 10 s ± 20 %.
    expect(u.retry_at! - now).toBeGreaterThanOrEqual(8_000);
    expect(u.retry_at! - now).toBeLessThanOrEqual(12_000);
    expect(written()).toEqual(good);

    // Actions still run on a unit in error, and leave it in error.
    const [task] = runAction(mc, ['flaky/0'], 'ping', {});
    await mc.idle();
    expect(mc.store.task(task!.id)).toMatchObject({ status: 'completed', results: '{"pong":"1"}' });
    expect(hooks('flaky/0')).toEqual(['ping action']);
    u = mc.store.unit('flaky/0')!;
    expect(u.error_message).toBe('hook failed: "config-changed"');
    expect(u.agent).toBe('error');
    expect(u.retries).toBe(2);

    // resolve (retry): at once, whatever the backoff says; still failing.
    resolveUnit(mc, 'flaky/0', true);
    await mc.idle();
    expect(hooks('flaky/0')).toEqual(['config-changed (error)']);

    // Fixed config, resolved: config-changed succeeds and its writes land.
    mc.setConfig('flaky', { fail: 'false' }, []);
    await mc.idle();
    expect(hooks('flaky/0')).toEqual([]);
    resolveUnit(mc, 'flaky/0', true);
    await mc.idle();
    expect(hooks('flaky/0')).toEqual(['config-changed']);
    u = mc.store.unit('flaky/0')!;
    expect([u.failed, u.error_message, u.retry_at, u.retries, u.agent]).toEqual([
      null,
      null,
      null,
      0,
      'idle',
    ]);
    expect(stored()).toMatchObject({ configs: 2, pings: 1 });

    // resolve --no-retry (skip): the failed hook counts as run and does not run again.
    mc.setConfig('flaky', { fail: 'true' }, []);
    await mc.idle();
    expect(hooks('flaky/0')).toEqual(['config-changed (error)']);
    resolveUnit(mc, 'flaky/0', false);
    await mc.idle();
    await advance(600_000);
    expect(hooks('flaky/0')).toEqual(['update-status']);
    u = mc.store.unit('flaky/0')!;
    expect([u.failed, u.agent]).toEqual([null, 'idle']);
    expect(stored()).toMatchObject({ configs: 2, statuses: 1 });
  });

  it('is not retried when the model turns automatic retries off', async () => {
    mc.store.setModelConfig({ ...mc.store.modelConfig(), automaticallyRetryHooks: false });
    await deploy('flaky', 1, { fail: 'true' });
    expect(hooks('flaky/0').at(-1)).toBe('config-changed (error)');
    expect(mc.store.unit('flaky/0')?.retry_at).toBeNull();
    await advance(3_600_000);
    expect(hooks('flaky/0')).toEqual([]);
  });
});

describe('update-status', () => {
  it('runs on its timer, only when the unit has nothing else to do', async () => {
    await deploy('flaky', 1);
    hooks('flaky/0');
    await advance(299_000);
    expect(hooks('flaky/0')).toEqual([]);
    await advance(2_000);
    expect(hooks('flaky/0')).toEqual(['update-status']);
    await advance(301_000);
    expect(hooks('flaky/0')).toEqual(['update-status']);

    // Due, but the unit has an action to run: that goes first, and its commit restarts the timer.
    now += 301_000;
    runAction(mc, ['flaky/0'], 'ping', {});
    await mc.idle();
    expect(hooks('flaky/0')).toEqual(['ping action']);
    await advance(299_000);
    expect(hooks('flaky/0')).toEqual([]);
    await advance(2_000);
    expect(hooks('flaky/0')).toEqual(['update-status']);
  });
});
