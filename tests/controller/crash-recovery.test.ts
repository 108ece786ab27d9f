/**
 * What a controller finds when it opens a model that a killed one left behind, and
 * puts right before anything runs (crash.test.ts kills real processes; these set the
 * leftovers up directly, so each case is certain to happen): a dispatch in flight,
 * an action in flight, machines missing from or unknown to the substrate.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { ModelController } from '../../framework/controller/model-controller.js';
import { runAction } from '../../framework/controller/model-ops.js';
import { buildStatus } from '../../framework/controller/status-view.js';
import { Store } from '../../framework/controller/store/store.js';

const CHARMS = fileURLToPath(new URL('../fixtures/charms', import.meta.url));
let dir: string;
let mc: ModelController;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsops-recover-'));
  mc = ModelController.open('test', dir);
});

afterEach(() => {
  mc.close();
  rmSync(dir, { recursive: true, force: true });
});

async function deploy(ref: string, n: number): Promise<void> {
  await mc.deployCharm({ ref: join(CHARMS, ref), numUnits: n, config: {}, constraints: '', baseDir: CHARMS });
  await mc.idle();
}

/** Close the controller, leave what a kill would have left, and open the model again. */
async function reopen(leftovers: (store: Store) => void): Promise<void> {
  mc.close();
  const store = new Store(join(dir, 'model.db'));
  leftovers(store);
  store.close();
  mc = ModelController.open('test', dir);
  await mc.idle();
}

const machineDir = (id: string) => join(dir, 'machines', id);

it('a dispatch in flight at the kill leaves no unit executing, and a task in flight runs again', async () => {
  await deploy('flaky', 1);
  const [task] = runAction(mc, ['flaky/0'], 'ping', {});
  await mc.idle();
  await reopen((store) => {
    store.updateUnit('flaky/0', { agent: 'executing', activity: 'ping action' });
    store.db.prepare("UPDATE tasks SET status = 'running', results = '{}' WHERE id = ?").run(task!.id);
  });
  const unit = buildStatus(mc.store, mc.scheduler, mc.scheduler.running).applications.flaky?.units['flaky/0'];
  expect(unit).toMatchObject({ agent: 'idle', workload: 'active' });
  expect(unit?.activity).toBeUndefined();
  // At-least-once: the action ran again (its first run's stored state was committed too).
  expect(mc.store.task(task!.id)).toMatchObject({ status: 'completed', results: '{"pong":"2"}' });
});

it('machines the store has are created, and those it does not know are removed', async () => {
  await deploy('hub', 2);
  const [m0, m1] = mc.store.machines().map((m) => m.id);
  await reopen(() => {
    // Killed between a unit's commit and its machine's creation, or halfway through it.
    rmSync(machineDir(m0!), { recursive: true });
    rmSync(join(machineDir(m1!), 'machine.json'));
    // Killed between a unit's removal and its machine's, or during a destroy.
    mkdirSync(join(machineDir('9'), 'root'), { recursive: true });
    writeFileSync(join(machineDir('9'), 'machine.json'), '{"id":"9"}');
    mkdirSync(join(dir, 'machines', '.4.destroying-0123456789ab', 'root'), { recursive: true });
  });
  expect((await mc.substrate.list()).map((m) => m.id)).toEqual([m0, m1]);
  expect(existsSync(machineDir('9'))).toBe(false);
  expect(existsSync(join(dir, 'machines', '.4.destroying-0123456789ab'))).toBe(false);
  // The units carry on on their machines.
  mc.setConfig('hub', { motto: 'again' }, []);
  await mc.idle();
  expect(mc.store.units().map((u) => [u.name, u.agent, u.failed])).toEqual([
    ['hub/0', 'idle', null],
    ['hub/1', 'idle', null],
  ]);
});

it('machine and relation ids are never reused, so a late cleanup cannot hit a new machine', async () => {
  await deploy('hub', 2);
  await deploy('spoke', 1);
  const first = mc.integrate('hub', 'spoke');
  await mc.idle();
  mc.removeUnits(['spoke/0']);
  mc.removeRelation('hub', 'spoke');
  await mc.idle();
  expect(mc.store.machines().map((m) => m.id)).toEqual(['0', '1']);
  expect(existsSync(machineDir('2'))).toBe(false);
  const [unit] = await mc.addUnits('spoke', 1);
  expect(mc.store.unit(unit!)?.machine).toBe('3');
  expect(mc.integrate('hub', 'spoke')).toBeGreaterThan(first);
  await mc.idle();
  expect(existsSync(join(machineDir('3'), 'machine.json'))).toBe(true);
});
