/**
 * The exact hook sequence each unit sees, as Juju orders them (juju-contract.md §10),
 * for deploy, integrate, add-unit, config change, remove-unit, remove-relation and
 * leader loss, in the in-process controller on the sandbox substrate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelController } from '../../framework/controller/model-controller.js';

const CHARMS = fileURLToPath(new URL('../fixtures/charms', import.meta.url));
let dir: string;
let mc: ModelController;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsops-order-'));
  mc = ModelController.open('test', dir);
});

afterEach(() => {
  mc.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Hooks a unit ran, in order, since the last call. */
const seenSoFar = new Map<string, number>();
function hooks(unit: string): string[] {
  const all = mc.store.hookHistory(unit, 10_000).map((h) => h.hook);
  const from = seenSoFar.get(unit) ?? 0;
  seenSoFar.set(unit, all.length);
  return all.slice(from);
}

beforeEach(() => seenSoFar.clear());

async function deploy(ref: string, n: number, app?: string) {
  await mc.deployCharm({
    ref: join(CHARMS, ref),
    app,
    numUnits: n,
    config: {},
    constraints: '',
    baseDir: CHARMS,
  });
  await mc.idle();
}

describe('deploy', () => {
  it('runs install → relation-created (peers) → leader-elected | leader-settings-changed → config-changed → start', async () => {
    await deploy('hub', 2);
    expect(hooks('hub/0')).toEqual([
      'install',
      'hub-peers-relation-created',
      'leader-elected',
      'config-changed',
      'start',
      'hub-peers-relation-joined',
      'hub-peers-relation-changed',
    ]);
    expect(hooks('hub/1')).toEqual([
      'install',
      'hub-peers-relation-created',
      'leader-settings-changed',
      'config-changed',
      'start',
      'hub-peers-relation-joined',
      'hub-peers-relation-changed',
    ]);
  });
});

describe('integrate', () => {
  it('created on both sides, then joined and changed per remote unit; app-level changed once the leader writes', async () => {
    await deploy('hub', 1);
    await deploy('spoke', 2);
    for (const u of ['hub/0', 'spoke/0', 'spoke/1']) hooks(u);
    mc.integrate('hub', 'spoke');
    await mc.idle();
    for (const spoke of ['spoke/0', 'spoke/1']) {
      const seen = hooks(spoke);
      // created first; joined(hub/0) immediately followed by its changed; one app-level changed
      // for the hub's motto, before or after the joined pair depending on when it was written.
      expect(seen[0]).toBe('hub-relation-created');
      expect([...seen].sort()).toEqual([
        'hub-relation-changed',
        'hub-relation-changed',
        'hub-relation-created',
        'hub-relation-joined',
      ]);
      expect(seen[seen.indexOf('hub-relation-joined') + 1]).toBe('hub-relation-changed');
    }
    const hub = hooks('hub/0');
    expect(hub[0]).toBe('spokes-relation-created');
    // One joined per spoke, each followed at once by its changed; later writes by the spokes
    // (made in their own joined hooks) may bring more changed hooks.
    expect(hub.filter((h) => h === 'spokes-relation-joined')).toHaveLength(2);
    hub.forEach(
      (h, i) => h === 'spokes-relation-joined' && expect(hub[i + 1]).toBe('spokes-relation-changed'),
    );
    expect(new Set(hub.slice(1))).toEqual(new Set(['spokes-relation-joined', 'spokes-relation-changed']));
    const rel = mc.store.relations().find((r) => !r.peer)!;
    expect(mc.store.databag(rel.id, 'hub', true).data).toEqual({ motto: 'all roads' });
    expect(mc.store.databag(rel.id, 'spoke/1', false).data).toEqual({ spoke: 'spoke/1', colour: 'blue' });
  });
});

describe('config change', () => {
  it('runs config-changed only when the effective config changes', async () => {
    await deploy('spoke', 1);
    hooks('spoke/0');
    mc.setConfig('spoke', { colour: 'blue' }, []);
    await mc.idle();
    expect(hooks('spoke/0')).toEqual([]);
    mc.setConfig('spoke', { colour: 'red' }, []);
    await mc.idle();
    expect(hooks('spoke/0')).toEqual(['config-changed']);
  });
});

describe('remove-unit and leader loss', () => {
  it('the leaving unit departs, stops and is removed; the new leader gets leader-elected, the others leader-settings-changed', async () => {
    await deploy('hub', 3);
    for (const u of ['hub/0', 'hub/1', 'hub/2']) hooks(u);
    mc.removeUnits(['hub/0']);
    await mc.idle();
    expect(hooks('hub/0')).toEqual([
      'hub-peers-relation-departed',
      'hub-peers-relation-departed',
      'stop',
      'remove',
    ]);
    // Leadership and departure come in no particular order relative to each other.
    expect([...hooks('hub/1')].sort()).toEqual(['hub-peers-relation-departed', 'leader-elected']);
    expect([...hooks('hub/2')].sort()).toEqual(['hub-peers-relation-departed', 'leader-settings-changed']);
    expect(mc.store.unit('hub/0')).toBeUndefined();
    expect(mc.store.app('hub')?.leader).toBe('hub/1');
  });
});
