/**
 * The ordering scenarios of issue 3's acceptance: the exact hook sequence each unit sees
 * for deploy, integrate, add-unit, remove-unit, remove-relation, remove-application,
 * config change, leader loss and subordinate attach (juju-contract.md §10). One list, run
 * by ordering.test.ts in both isolation modes with the same assertions.
 *
 * Where Juju leaves an order unspecified the scenarios assert what is specified and no
 * more, and say why. What Juju's uniter does (juju/juju internal/worker/uniter/relation/
 * resolver.go): one hook at a time, the next chosen afresh from the local and remote
 * state; relation-created for each relation in map order (unspecified); non-peer
 * relations before peer relations for every other relation hook; within a relation:
 * departed (sorted), broken (never for peers), the remote app's changed, joined
 * (sorted) each followed at once by its changed, then changed for newer versions.
 */
import { expect } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharmCache } from '../../framework/controller/agent/process/charm-cache.js';
import { loadCharm } from '../../framework/controller/charms.js';
import { ModelController } from '../../framework/controller/model-controller.js';

export type Mode = 'in-process' | 'process';

const CHARMS = fileURLToPath(new URL('../fixtures/charms', import.meta.url));

/**
 * Process isolation packs each charm once per model (about 1.5 s on 2 cores, paid by the
 * first hook). The scenarios' charms are packed once here and copied into each new
 * model's cache (`<model>/isolation/charms`, where ProcessIsolation keeps it); the
 * cache's own staleness check still runs, so a copy that does not fit is re-packed.
 */
let packedSeed: string | undefined;

export async function packScenarioCharms(): Promise<void> {
  if (packedSeed) return;
  const dir = mkdtempSync(join(tmpdir(), 'tsops-order-packed-'));
  const cache = new CharmCache(dir);
  for (const name of ['hub', 'spoke', 'sidecar'])
    await cache.packed(loadCharm(join(CHARMS, name), CHARMS).path);
  packedSeed = dir;
}

export function dropScenarioCharms(): void {
  if (packedSeed) rmSync(packedSeed, { recursive: true, force: true });
  packedSeed = undefined;
}

/** One model for one scenario run, with a per-unit cursor into its hook history. */
export class ScenarioModel {
  readonly dir: string;
  readonly mc: ModelController;
  private readonly cursor = new Map<string, number>();

  constructor(readonly mode: Mode) {
    this.dir = mkdtempSync(join(tmpdir(), `tsops-order-${mode}-`));
    if (mode === 'process' && packedSeed) {
      mkdirSync(join(this.dir, 'isolation'), { recursive: true });
      cpSync(packedSeed, join(this.dir, 'isolation', 'charms'), { recursive: true });
    }
    this.mc = ModelController.open('test', this.dir, { isolation: mode });
  }

  close(): void {
    this.mc.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Hooks `unit` ran since the last call, in order (a failed one as `<hook> (error)`). */
  hooks(unit: string): string[] {
    const all = this.mc.store
      .hookHistory(unit, 10_000)
      .map((h) => (h.outcome === 'ok' ? h.hook : `${h.hook} (error)`));
    const from = this.cursor.get(unit) ?? 0;
    this.cursor.set(unit, all.length);
    return all.slice(from);
  }

  /** Forget what these units ran so far (the set-up of a scenario). */
  skip(...units: string[]): void {
    for (const u of units) this.hooks(u);
  }

  /** Deploy each `[charm, units]` at once, then wait for the model to settle. */
  async deploy(...apps: Array<[ref: string, units: number]>): Promise<void> {
    for (const [ref, n] of apps)
      await this.mc.deployCharm({
        ref: join(CHARMS, ref),
        numUnits: n,
        config: {},
        constraints: '',
        baseDir: CHARMS,
      });
    await this.mc.idle();
  }

  settle(): Promise<void> {
    return this.mc.idle();
  }

  leader(app: string): string | null | undefined {
    return this.mc.store.app(app)?.leader;
  }

  /** The remote units (or app) `unit` has seen on relation `id`, sorted. */
  seen(id: number, unit: string): string[] {
    return this.mc.store
      .seen(id, unit)
      .map((s) => (s.is_app ? `app:${s.remote}` : s.remote))
      .sort();
  }

  /** Every databag and every unit's StoredState, agent state and status (less `skipUnits`). */
  state(skipUnits: readonly string[] = []) {
    const bags: Record<string, Record<string, string>> = {};
    for (const r of this.mc.store.relations()) {
      for (const app of new Set([r.app1, r.app2])) {
        for (const owner of [app, ...this.mc.store.units(app).map((u) => u.name)]) {
          const data = this.mc.store.databag(r.id, owner, owner === app).data;
          if (Object.keys(data).length > 0) bags[`${r.key}|${owner}`] = data;
        }
      }
    }
    const units: Record<string, unknown> = {};
    for (const u of this.mc.store.units()) {
      if (skipUnits.includes(u.name)) continue;
      const saved: unknown = JSON.parse(u.unit_state ?? '{"snapshots":{},"notices":[]}');
      const { snapshots, notices } = saved as { snapshots: Record<string, unknown>; notices: unknown[] };
      // Only the charm's StoredState: the framework's event counters differ (in-process batches).
      const stored = Object.fromEntries(
        Object.entries(snapshots).filter(([k]) => k.includes('StoredStateData')),
      );
      units[u.name] = { stored, notices, workload: u.workload, message: u.message, agent: u.agent };
    }
    return { bags, units };
  }
}

/** The hooks of one relation endpoint, in order (other relations' hooks may interleave). */
function on(endpoint: string, seen: readonly string[]): string[] {
  return seen.filter((h) => h.startsWith(`${endpoint}-relation-`));
}

/** Every `<ep>-relation-joined` is followed at once, within its relation, by its changed. */
function expectJoinedThenChanged(endpoint: string, seen: readonly string[]): void {
  const hooks = on(endpoint, seen);
  hooks.forEach((h, i) => {
    if (h === `${endpoint}-relation-joined`) expect(hooks[i + 1]).toBe(`${endpoint}-relation-changed`);
  });
}

export interface Scenario {
  name: string;
  /** Jest timeout for the process-mode run (every hook a child process, ~150–300 ms each). */
  processTimeoutMs: number;
  /** Units whose end state depends on timing (a product bug, said where set): left out of the both-modes comparison. */
  stateVaries?: string[];
  run(m: ScenarioModel): Promise<void>;
}

/** What a new unit runs before its relations: install … start. */
const setup = (leadership: 'leader-elected' | 'leader-settings-changed', ...created: string[]) => [
  'install',
  ...created.map((ep) => `${ep}-relation-created`),
  leadership,
  'config-changed',
  'start',
];

export const SCENARIOS: Scenario[] = [
  {
    name: 'deploy with peers: install, created, leader-elected | leader-settings-changed, config-changed, start, then the peers join',
    processTimeoutMs: 30_000,
    async run(m) {
      await m.deploy(['hub', 2]);
      expect(m.leader('hub')).toBe('hub/0');
      // Peer joined/changed come only after start (relation-created is the only relation hook before it).
      expect(m.hooks('hub/0')).toEqual([
        ...setup('leader-elected', 'hub-peers'),
        'hub-peers-relation-joined',
        'hub-peers-relation-changed',
      ]);
      expect(m.hooks('hub/1')).toEqual([
        ...setup('leader-settings-changed', 'hub-peers'),
        'hub-peers-relation-joined',
        'hub-peers-relation-changed',
      ]);
      const peers = m.mc.store.relations().find((r) => r.peer)!;
      expect(m.seen(peers.id, 'hub/0')).toEqual(['hub/1']);
      expect(m.seen(peers.id, 'hub/1')).toEqual(['hub/0']);
    },
  },

  {
    name: 'integrate: created on both sides, then joined and at once changed per remote unit, and the app-level changed',
    processTimeoutMs: 40_000,
    async run(m) {
      await m.deploy(['hub', 1], ['spoke', 2]);
      m.skip('hub/0', 'spoke/0', 'spoke/1');
      const id = m.mc.integrate('hub', 'spoke');
      await m.settle();
      for (const spoke of ['spoke/0', 'spoke/1']) {
        const seen = m.hooks(spoke);
        // created first; joined(hub/0) at once followed by its changed; one app-level changed
        // for the hub's motto (written in the hub leader's relation-created), which comes
        // before or after the joined pair depending on whether it was written when this
        // unit's joined was chosen: Juju checks the remote app's version before joins, but
        // the write races the join.
        expect(seen[0]).toBe('hub-relation-created');
        expect([...seen].sort()).toEqual([
          'hub-relation-changed',
          'hub-relation-changed',
          'hub-relation-created',
          'hub-relation-joined',
        ]);
        expectJoinedThenChanged('hub', seen);
        expect(m.seen(id, spoke)).toEqual(['app:hub', 'hub/0']);
      }
      const hub = m.hooks('hub/0');
      expect(hub[0]).toBe('spokes-relation-created');
      // One joined per spoke, each followed at once by its changed. A spoke writes its
      // databag in its own joined hook: when that lands after the hub ran the spoke's
      // joined/changed the hub sees one more changed for it (at most one per spoke).
      expect(hub.filter((h) => h === 'spokes-relation-joined')).toHaveLength(2);
      expectJoinedThenChanged('spokes', hub);
      expect(new Set(hub.slice(1))).toEqual(new Set(['spokes-relation-joined', 'spokes-relation-changed']));
      expect(hub.length).toBeLessThanOrEqual(1 + 2 * 2 + 2);
      expect(m.seen(id, 'hub/0')).toEqual(['spoke/0', 'spoke/1']);
      expect(m.mc.store.databag(id, 'hub', true).data).toEqual({ motto: 'all roads' });
      expect(m.mc.store.databag(id, 'spoke/1', false).data).toEqual({ spoke: 'spoke/1', colour: 'blue' });
      expect(m.mc.store.unit('hub/0')?.message).toBe('2 spokes');
    },
  },

  {
    name: 'add-unit of a related application: the new unit runs install … start, the app-level changed, joined/changed; the other side joined/changed',
    processTimeoutMs: 40_000,
    async run(m) {
      await m.deploy(['hub', 1], ['spoke', 1]);
      const id = m.mc.integrate('hub', 'spoke');
      await m.settle();
      m.skip('hub/0', 'spoke/0');
      const [added] = await m.mc.addUnits('spoke', 1);
      expect(added).toBe('spoke/1');
      await m.settle();
      // The hub's motto was written long before: the remote app's changed is checked
      // before joins (resolver.go), so it comes first.
      expect(m.hooks('spoke/1')).toEqual([
        ...setup('leader-settings-changed', 'hub'),
        'hub-relation-changed',
        'hub-relation-joined',
        'hub-relation-changed',
      ]);
      // joined then changed for spoke/1; a further changed when spoke/1's write in its
      // joined hook landed after that (a separate commit in process mode; one batch,
      // one commit, in-process). Never anything else.
      const hub = m.hooks('hub/0');
      expect(hub.slice(0, 2)).toEqual(['spokes-relation-joined', 'spokes-relation-changed']);
      expect(hub.slice(2)).toEqual(hub.slice(2).map(() => 'spokes-relation-changed'));
      expect(hub.length).toBeLessThanOrEqual(3);
      // spoke has no peers: its other unit sees nothing.
      expect(m.hooks('spoke/0')).toEqual([]);
      expect(m.seen(id, 'spoke/1')).toEqual(['app:hub', 'hub/0']);
      expect(m.seen(id, 'hub/0')).toEqual(['spoke/0', 'spoke/1']);
      expect(m.mc.store.unit('hub/0')?.message).toBe('2 spokes');
    },
  },

  {
    name: 'add-unit of a related application with peers: install … start, the non-peer relation before the peers; the others joined/changed',
    processTimeoutMs: 40_000,
    async run(m) {
      await m.deploy(['hub', 1], ['spoke', 2]);
      const id = m.mc.integrate('hub', 'spoke');
      await m.settle();
      m.skip('hub/0', 'spoke/0', 'spoke/1');
      const [added] = await m.mc.addUnits('hub', 1);
      expect(added).toBe('hub/1');
      await m.settle();
      const seen = m.hooks('hub/1');
      // relation-created runs for each existing relation in Juju's map order: unspecified.
      expect(seen[0]).toBe('install');
      expect(seen.slice(1, 3).sort()).toEqual(['hub-peers-relation-created', 'spokes-relation-created']);
      // Then exactly: leadership, config, start; the spokes (sorted), each joined at once
      // followed by its changed; the peer relation last. The spokes publish no app data
      // and rewrite the same unit data when hub/1 joins them (no new version): nothing more.
      expect(seen.slice(3)).toEqual([
        'leader-settings-changed',
        'config-changed',
        'start',
        'spokes-relation-joined',
        'spokes-relation-changed',
        'spokes-relation-joined',
        'spokes-relation-changed',
        'hub-peers-relation-joined',
        'hub-peers-relation-changed',
      ]);
      expect(m.hooks('hub/0')).toEqual(['hub-peers-relation-joined', 'hub-peers-relation-changed']);
      for (const spoke of ['spoke/0', 'spoke/1']) {
        expect(m.hooks(spoke)).toEqual(['hub-relation-joined', 'hub-relation-changed']);
        expect(m.seen(id, spoke)).toEqual(['app:hub', 'hub/0', 'hub/1']);
      }
      expect(m.seen(id, 'hub/1')).toEqual(['spoke/0', 'spoke/1']);
      expect(m.leader('hub')).toBe('hub/0');
      expect(m.mc.store.unit('hub/1')?.message).toBe('2 spokes');
    },
  },

  {
    name: 'remove-unit: departed and broken per relation (peers last, never broken), stop, remove; the others one departed',
    processTimeoutMs: 40_000,
    async run(m) {
      await m.deploy(['hub', 2], ['spoke', 1]);
      const id = m.mc.integrate('hub', 'spoke');
      await m.settle();
      m.skip('hub/0', 'hub/1', 'spoke/0');
      m.mc.removeUnits(['hub/1']);
      await m.settle();
      // Juju's dying path: every relation's departed and broken before stop; non-peer
      // relations before peer relations; a peer relation has no broken hook; remove last.
      expect(m.hooks('hub/1')).toEqual([
        'spokes-relation-departed',
        'spokes-relation-broken',
        'hub-peers-relation-departed',
        'stop',
        'remove',
      ]);
      // hub/0 stays leader: no leadership hook anywhere.
      expect(m.hooks('hub/0')).toEqual(['hub-peers-relation-departed']);
      expect(m.hooks('spoke/0')).toEqual(['hub-relation-departed']);
      expect(m.mc.store.unit('hub/1')).toBeUndefined();
      expect(m.leader('hub')).toBe('hub/0');
      expect(m.seen(id, 'spoke/0')).toEqual(['app:hub', 'hub/0']);
    },
  },

  {
    name: 'leader loss: the leader departs, stops, is removed; the new leader gets leader-elected, the other leader-settings-changed',
    processTimeoutMs: 40_000,
    async run(m) {
      await m.deploy(['hub', 3]);
      m.skip('hub/0', 'hub/1', 'hub/2');
      m.mc.removeUnits(['hub/0']);
      await m.settle();
      // One departed per remaining unit; no broken for a peer relation.
      expect(m.hooks('hub/0')).toEqual([
        'hub-peers-relation-departed',
        'hub-peers-relation-departed',
        'stop',
        'remove',
      ]);
      // Which unit takes over is not Juju's to promise; whichever it is gets leader-elected
      // and the other leader-settings-changed, each with its one departed, in no particular
      // order relative to each other (juju-contract.md §10.5).
      const next = m.leader('hub');
      expect(['hub/1', 'hub/2']).toContain(next);
      const other = next === 'hub/1' ? 'hub/2' : 'hub/1';
      expect(m.hooks(next!).sort()).toEqual(['hub-peers-relation-departed', 'leader-elected']);
      expect(m.hooks(other).sort()).toEqual(['hub-peers-relation-departed', 'leader-settings-changed']);
      expect(m.mc.store.unit('hub/0')).toBeUndefined();
    },
  },

  {
    name: 'remove-relation: departed per remote unit, then broken, on both sides',
    processTimeoutMs: 40_000,
    // hub/0 recounts its spokes (relation-list) in each departed; tsops answers relation-list
    // from the relation's scope, which the spokes leave as their own hooks commit, so the
    // count it ends with (0, 1 or 2) is a race (ordering.test.ts, known deviations).
    stateVaries: ['hub/0'],
    async run(m) {
      await m.deploy(['hub', 1], ['spoke', 2]);
      const id = m.mc.integrate('hub', 'spoke');
      await m.settle();
      m.skip('hub/0', 'spoke/0', 'spoke/1');
      m.mc.removeRelation('hub', 'spoke');
      await m.settle();
      expect(m.hooks('hub/0')).toEqual([
        'spokes-relation-departed',
        'spokes-relation-departed',
        'spokes-relation-broken',
      ]);
      for (const s of ['spoke/0', 'spoke/1'])
        expect(m.hooks(s)).toEqual(['hub-relation-departed', 'hub-relation-broken']);
      expect(m.mc.store.relation(id)).toBeUndefined();
      expect(m.mc.store.scopeUnits(id)).toEqual([]);
      // hub/0's status is not asserted: see stateVaries above.
      expect(m.mc.store.unit('spoke/0')?.workload).toBe('waiting');
    },
  },

  {
    name: 'remove-application: its units depart, break, stop, go; the remote unit departed per unit, then broken',
    processTimeoutMs: 40_000,
    // As in remove-relation: hub/0's recount in its departed hooks races the spokes' teardown.
    stateVaries: ['hub/0'],
    async run(m) {
      await m.deploy(['hub', 1], ['spoke', 2]);
      const id = m.mc.integrate('hub', 'spoke');
      await m.settle();
      m.skip('hub/0', 'spoke/0', 'spoke/1');
      m.mc.removeApplication('spoke');
      await m.settle();
      // A dying unit departs every remote unit of the relation (here the one hub), then breaks it.
      for (const s of ['spoke/0', 'spoke/1'])
        expect(m.hooks(s)).toEqual(['hub-relation-departed', 'hub-relation-broken', 'stop', 'remove']);
      expect(m.hooks('hub/0')).toEqual([
        'spokes-relation-departed',
        'spokes-relation-departed',
        'spokes-relation-broken',
      ]);
      expect(m.mc.store.app('spoke')).toBeUndefined();
      expect(m.mc.store.units('spoke')).toEqual([]);
      expect(m.mc.store.relation(id)).toBeUndefined();
      expect(m.mc.store.relations().map((r) => r.key)).toEqual(['hub:hub-peers']);
    },
  },

  {
    name: 'config change: config-changed only when the effective config changes',
    processTimeoutMs: 30_000,
    async run(m) {
      await m.deploy(['spoke', 1]);
      m.skip('spoke/0');
      // Setting the default explicitly, or resetting what was never set: the same effective config.
      m.mc.setConfig('spoke', { colour: 'blue' }, []);
      await m.settle();
      expect(m.hooks('spoke/0')).toEqual([]);
      m.mc.setConfig('spoke', {}, ['weight']);
      await m.settle();
      expect(m.hooks('spoke/0')).toEqual([]);
      m.mc.setConfig('spoke', { colour: 'red' }, []);
      await m.settle();
      expect(m.hooks('spoke/0')).toEqual(['config-changed']);
      // The same value again: nothing; back to the default by reset: one config-changed.
      m.mc.setConfig('spoke', { colour: 'red' }, []);
      await m.settle();
      expect(m.hooks('spoke/0')).toEqual([]);
      m.mc.setConfig('spoke', {}, ['colour']);
      await m.settle();
      expect(m.hooks('spoke/0')).toEqual(['config-changed']);
    },
  },

  {
    name: 'subordinate attach: one subordinate per principal unit, install … start, then the relation with only its principal',
    processTimeoutMs: 40_000,
    async run(m) {
      await m.deploy(['hub', 2], ['sidecar', 0]);
      m.skip('hub/0', 'hub/1');
      const id = m.mc.integrate('sidecar', 'hub');
      await m.settle();
      expect(m.mc.store.relation(id)?.scope).toBe('container');
      const subs = m.mc.store.units('sidecar');
      expect(subs.map((u) => [u.name, u.principal, u.machine])).toEqual([
        ['sidecar/0', 'hub/0', m.mc.store.unit('hub/0')!.machine],
        ['sidecar/1', 'hub/1', m.mc.store.unit('hub/1')!.machine],
      ]);
      // Which subordinate unit leads is not Juju's to promise; the one that does gets leader-elected.
      const leader = m.leader('sidecar');
      expect(['sidecar/0', 'sidecar/1']).toContain(leader);
      for (const [sub, principal] of [
        ['sidecar/0', 'hub/0'],
        ['sidecar/1', 'hub/1'],
      ] as const) {
        // One remote unit, its principal: one joined/changed pair (the principal writes nothing).
        expect(m.hooks(sub)).toEqual([
          ...setup(sub === leader ? 'leader-elected' : 'leader-settings-changed', 'host'),
          'host-relation-joined',
          'host-relation-changed',
        ]);
        expect(m.seen(id, sub)).toEqual([principal]);
        expect(m.mc.store.unit(sub)?.message).toBe(`beside ${principal}`);
        // The principal's side is the implicit juju-info endpoint: Juju runs no hooks for an
        // implicit relation; tsops runs juju-info-relation-created/joined/changed (see
        // ordering.test.ts, known deviations). Either way the principal runs nothing else.
        expect(m.hooks(principal).filter((h) => !h.startsWith('juju-info-relation-'))).toEqual([]);
      }
    },
  },
];
