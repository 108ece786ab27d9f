/**
 * `--isolation process`: every hook a child process through the packed charm's
 * dispatch, Juju's environment and the hook-tool shims. A failing hook puts the unit in
 * error; actions and the unit's (sandbox) machine work through the agent. (The ordering
 * scenarios, with their hook sequences, databags and stored state, run in both modes in
 * ordering.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelController } from '../../framework/controller/model-controller.js';
import { resolveUnit, runAction } from '../../framework/controller/model-ops.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const CHARMS = join(FIXTURES, 'charms');
const open: Array<{ mc: ModelController; dir: string }> = [];

/** A new model whose hooks run as child processes. */
function model(): ModelController {
  const dir = mkdtempSync(join(tmpdir(), 'tsops-iso-process-'));
  const mc = ModelController.open('test', dir, { isolation: 'process' });
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

describe('process isolation', () => {
  it('a failing hook puts the unit in error, commits nothing, and a resolve retries it', async () => {
    const mc = model();
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
    const mc = model();
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
