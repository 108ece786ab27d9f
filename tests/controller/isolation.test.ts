/**
 * `--isolation process`: every hook a child process through the packed charm's
 * dispatch, Juju's environment and the hook-tool shims. The ordering scenarios give the
 * same hook sequences, databags and stored state as in-process; a failing hook puts
 * the unit in error; actions and the unit's (sandbox) machine work through the agent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelController } from '../../framework/controller/model-controller.js';
import { resolveUnit, runAction } from '../../framework/controller/model-ops.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const CHARMS = join(FIXTURES, 'charms');
type Mode = 'in-process' | 'process';

const open: Array<{ mc: ModelController; dir: string }> = [];

function model(mode: Mode): ModelController {
  const dir = mkdtempSync(join(tmpdir(), `tsops-iso-${mode}-`));
  const mc = ModelController.open('test', dir, { isolation: mode });
  open.push({ mc, dir });
  return mc;
}

afterEach(() => {
  for (const { mc, dir } of open.splice(0)) {
    mc.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function deploy(mc: ModelController, ref: string, n: number, config: Record<string, string> = {}) {
  await mc.deployCharm({ ref: join(CHARMS, ref), numUnits: n, config, constraints: '', baseDir: CHARMS });
  await mc.idle();
}

/** Hooks each unit ran since the last call. */
function tracker(mc: ModelController) {
  const seen = new Map<string, number>();
  return (unit: string): string[] => {
    const all = mc.store.hookHistory(unit, 10_000).map((h) => h.hook);
    const from = seen.get(unit) ?? 0;
    seen.set(unit, all.length);
    return all.slice(from);
  };
}

/** Every databag and every unit's StoredState (event counters differ: in-process batches). */
function modelState(mc: ModelController) {
  const bags: Record<string, Record<string, string>> = {};
  for (const r of mc.store.relations()) {
    for (const app of new Set([r.app1, r.app2])) {
      const owners = [app, ...mc.store.units(app).map((u) => u.name)];
      for (const owner of owners) {
        const data = mc.store.databag(r.id, owner, owner === app).data;
        if (Object.keys(data).length > 0) bags[`${r.key}|${owner}`] = data;
      }
    }
  }
  const units: Record<string, unknown> = {};
  for (const u of mc.store.units()) {
    const state: unknown = JSON.parse(u.unit_state ?? '{"snapshots":{},"notices":[]}');
    const { snapshots, notices } = state as { snapshots: Record<string, unknown>; notices: unknown[] };
    const stored = Object.fromEntries(
      Object.entries(snapshots).filter(([k]) => k.includes('StoredStateData')),
    );
    units[u.name] = { stored, notices, workload: u.workload, message: u.message, agent: u.agent };
  }
  return { bags, units };
}

/** Run a scenario in both modes; the process run's hooks and state must match in-process. */
async function bothModes<T>(scenario: (mc: ModelController, hooks: (u: string) => string[]) => Promise<T>) {
  const results = [];
  for (const mode of ['in-process', 'process'] as const) {
    const mc = model(mode);
    const value = await scenario(mc, tracker(mc));
    results.push({ value, state: modelState(mc) });
  }
  const [here, child] = results;
  expect(child?.state).toEqual(here?.state);
  return { inProcess: here!.value, process: child!.value };
}

describe('ordering scenarios in both isolation modes', () => {
  it('deploy with peers: the same sequence per unit', async () => {
    const r = await bothModes(async (mc, hooks) => {
      await deploy(mc, 'hub', 2);
      return { 'hub/0': hooks('hub/0'), 'hub/1': hooks('hub/1') };
    });
    expect(r.process).toEqual(r.inProcess);
    expect(r.process['hub/1']).toEqual([
      'install',
      'hub-peers-relation-created',
      'leader-settings-changed',
      'config-changed',
      'start',
      'hub-peers-relation-joined',
      'hub-peers-relation-changed',
    ]);
  });

  it('integrate hub and spokes: created first, joined then changed, the same databags', async () => {
    const r = await bothModes(async (mc, hooks) => {
      await deploy(mc, 'hub', 1);
      await deploy(mc, 'spoke', 2);
      for (const u of ['hub/0', 'spoke/0', 'spoke/1']) hooks(u);
      mc.integrate('hub', 'spoke');
      await mc.idle();
      return { hub: hooks('hub/0'), spokes: [hooks('spoke/0'), hooks('spoke/1')] };
    });
    for (const seen of r.process.spokes) {
      expect(seen[0]).toBe('hub-relation-created');
      expect(seen[seen.indexOf('hub-relation-joined') + 1]).toBe('hub-relation-changed');
      expect([...seen].sort()).toEqual([...r.inProcess.spokes[0]!].sort());
    }
    const hub = r.process.hub;
    expect(hub[0]).toBe('spokes-relation-created');
    expect(hub.filter((h) => h === 'spokes-relation-joined')).toHaveLength(2);
    hub.forEach(
      (h, i) => h === 'spokes-relation-joined' && expect(hub[i + 1]).toBe('spokes-relation-changed'),
    );
  });

  it('config change: config-changed only when the effective config changes', async () => {
    const r = await bothModes(async (mc, hooks) => {
      await deploy(mc, 'spoke', 1);
      hooks('spoke/0');
      mc.setConfig('spoke', { colour: 'blue' }, []);
      await mc.idle();
      const same = hooks('spoke/0');
      mc.setConfig('spoke', { colour: 'red' }, []);
      await mc.idle();
      return { same, changed: hooks('spoke/0') };
    });
    expect(r.process).toEqual({ same: [], changed: ['config-changed'] });
    expect(r.inProcess).toEqual(r.process);
  });

  it('remove-unit with leader loss: departs, stops, removed; a new leader is elected', async () => {
    const r = await bothModes(async (mc, hooks) => {
      await deploy(mc, 'hub', 3);
      for (const u of ['hub/0', 'hub/1', 'hub/2']) hooks(u);
      mc.removeUnits(['hub/0']);
      await mc.idle();
      expect(mc.store.unit('hub/0')).toBeUndefined();
      expect(mc.store.app('hub')?.leader).toBe('hub/1');
      return { 'hub/0': hooks('hub/0'), 'hub/1': hooks('hub/1').sort(), 'hub/2': hooks('hub/2').sort() };
    });
    expect(r.process).toEqual(r.inProcess);
    expect(r.process['hub/0']).toEqual([
      'hub-peers-relation-departed',
      'hub-peers-relation-departed',
      'stop',
      'remove',
    ]);
    expect(r.process['hub/1']).toEqual(['hub-peers-relation-departed', 'leader-elected']);
  });
});

describe('process isolation', () => {
  it('a failing hook puts the unit in error, commits nothing, and a resolve retries it', async () => {
    const mc = model('process');
    await deploy(mc, 'fragile', 1, { fail: 'true' });
    const u = mc.store.unit('fragile/0')!;
    expect(u.agent).toBe('error');
    expect(u.error_message).toBe('hook failed: "install"');
    expect(u.installed).toBe(0);
    expect(u.unit_state).toBeNull();
    expect(mc.store.hookHistory('fragile/0').map((h) => [h.hook, h.outcome])).toEqual([['install', 'error']]);
    // The charm's stderr is in the model log at WARNING, under the hook's logger.
    const logs = mc.store.logsAfter(0, 10_000);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'WARNING',
        module: 'unit.fragile/0.install',
        message: expect.stringContaining('install failed: config fail=true'),
      }),
    );
    // Actions still run on a unit in error; a failed action never changes that.
    const [task] = runAction(mc, ['fragile/0'], 'crash', {});
    await mc.idle();
    expect(mc.store.task(task!.id)).toMatchObject({ status: 'failed', message: 'crashed on purpose' });
    expect(mc.store.unit('fragile/0')?.agent).toBe('error');

    mc.setConfig('fragile', { fail: 'false' }, []);
    resolveUnit(mc, 'fragile/0', true);
    await mc.idle();
    expect(mc.store.unit('fragile/0')).toMatchObject({ agent: 'idle', installed: 1, started: 1 });
  });

  it('an action gets its params and returns results and logs through the hook tools', async () => {
    const mc = model('process');
    await mc.deployCharm({
      ref: join(FIXTURES, 'demo-charm'),
      numUnits: 1,
      config: { greeting: 'hi' },
      constraints: '',
      baseDir: FIXTURES,
    });
    await mc.idle();
    const [task] = runAction(mc, ['demo/0'], 'greet', { name: 'world', times: 2 });
    await mc.idle();
    const done = mc.store.task(task!.id)!;
    expect(done.status).toBe('completed');
    expect(JSON.parse(done.results)).toEqual({ greeting: 'hi, world hi, world', count: { total: '1' } });
    expect(JSON.parse(done.log)).toEqual(['greeting world']);
    expect(mc.store.hookHistory('demo/0').at(-1)).toMatchObject({ hook: 'greet action', outcome: 'ok' });
    // config-changed wrote its file on the unit's sandbox machine (through the agent) and opened its port.
    const machine = await mc.machines.machine(mc.store.unit('demo/0')!.machine);
    expect(await machine.files.read('/etc/demo/demo.conf')).toBe('greeting = hi\nport = 8080\n');
    expect((await machine.files.stat('/etc/demo/demo.conf'))?.mode).toBe(0o640);
    expect(mc.store.ports('demo/0')).toEqual(['8080/tcp']);
  });
});
