/**
 * The unit agents of one model: one dispatch at a time per unit, many units in
 * parallel, work recomputed from the store (level-triggered), retries of failed
 * hooks with backoff, update-status on a timer, and an exact "settled" predicate.
 */
import type { CharmBase } from '../../ops/charm.js';
import type { CharmClass } from '../../ops/dispatch/run.js';
import type { Machine } from '../../ops/machine.js';
import type { Store, UnitRow } from '../store/store.js';
import { applyMarkers } from './commit.js';
import { planNext, type Marker, type PlannedEvent, type UnitView } from './plan.js';
import type { ProcessIsolation } from './process/isolation.js';
import { runPlanned } from './runner.js';
import { loadUnitView } from './view.js';

export interface Clock {
  now(): number;
}

export interface SchedulerOptions {
  store: Store;
  /** The charm class of an application (imported once, in-process). */
  charmClass(app: string): Promise<CharmClass<CharmBase>>;
  /** The Machine a unit lives on. */
  machine(unit: UnitRow): Promise<Machine>;
  /** A removed unit's machine left the store (its last unit went): remove it from the substrate. */
  machineGone?(machine: string): Promise<void>;
  clock?: Clock;
  /** Units dispatching at once. */
  concurrency?: number;
  /** Most events in one dispatch. */
  maxBatch?: number;
  /** Called after every dispatch and status change (API subscriptions). */
  onChange?: () => void;
  /** Run every hook as a child process (`--isolation process`); in-process when absent. */
  isolation?: ProcessIsolation;
}

const MIN_RETRY_MS = 5_000;
const MAX_RETRY_MS = 300_000;

/** Juju's retry strategy: 5 s doubling to 5 min, with jitter. */
export function retryDelayMs(retries: number, random = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** retries);
  return Math.round(base * (0.8 + 0.4 * random()));
}

interface FailedRecord {
  hook: string;
  markers: Marker[];
}

function parseFailed(text: string | null): FailedRecord | undefined {
  if (!text) return undefined;
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null || !('hook' in v) || !('markers' in v) || !Array.isArray(v.markers))
    return undefined;
  return { hook: String(v.hook), markers: v.markers as Marker[] };
}

/** A unit in error retries when resolved with retry or when its backoff is over. */
function retryDue(u: UnitRow, now: number): boolean {
  return u.resolve === 'retry' || (u.retry_at !== null && now >= u.retry_at);
}

/** Hooks the plan asks for by comparing a value that can move back (config, leadership). */
const FLIPPABLE = new Set(['config-changed', 'leader-elected', 'leader-settings-changed']);

/**
 * A due retry whose hook the model no longer asks for (the config was set back, the
 * leadership flipped back) runs that hook again anyway, as Juju re-runs a failed hook.
 * Every other hook is planned again for as long as it is still owed.
 */
function rerunFailed(failed: FailedRecord | undefined, view: UnitView): PlannedEvent[] {
  const hook = failed?.hook;
  if (!hook || !FLIPPABLE.has(hook)) return [];
  const marker: Marker =
    hook === 'config-changed' ? { kind: 'config', hash: view.configHash } : { kind: 'update-status' };
  return [{ event: { kind: 'hook', name: hook }, marker }];
}

export class Scheduler {
  /** Units dispatching right now. */
  readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  /** Units that had work at the last pass but could not start (concurrency limit). */
  private readonly waiting = new Set<string>();
  private allDirty = true;
  private passQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly clock: Clock;
  private readonly idleWaiters: Array<() => void> = [];
  /** Dispatches run so far, per unit (benchmarks, tests). */
  readonly dispatches = new Map<string, number>();
  hooksRun = 0;

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? { now: () => Date.now() };
  }

  /** Something changed: re-plan `units` (all units when omitted) soon. */
  kick(units?: Iterable<string>): void {
    if (units === undefined) this.allDirty = true;
    else for (const u of units) this.dirty.add(u);
    if (this.passQueued || this.stopped) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      this.pass();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Resolves once no dispatch is running and nothing is pending (except update-status). */
  async idle(): Promise<void> {
    while (!this.stopped) {
      if (this.running.size === 0 && !this.passQueued && this.isSettledWork()) return;
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
  }

  /**
   * Units with work pending (update-status and units in error waiting for a retry
   * excluded): those running, those planned with work at the last pass, and those
   * changed since. Kept incrementally, so asking is cheap with thousands of units.
   */
  pendingUnits(): string[] {
    if (this.allDirty) return this.opts.store.units().map((u) => u.name);
    return [...new Set([...this.running, ...this.waiting, ...this.dirty])];
  }

  private isSettledWork(): boolean {
    return this.running.size === 0 && this.waiting.size === 0 && this.dirty.size === 0 && !this.allDirty;
  }

  /** What a unit would run now; a unit in error runs only actions, a due retry, or a resolve. */
  private planFor(u: UnitRow, now: number): PlannedEvent[] {
    const view = loadUnitView(this.opts.store, u, now);
    if (u.failed) {
      const failed = parseFailed(u.failed);
      if (u.resolve === 'skip' && failed)
        return [{ event: { kind: 'hook', name: 'noop' }, marker: { kind: 'update-status' } }];
      if (!retryDue(u, now)) {
        const t = view.tasks[0];
        return t
          ? [
              {
                event: { kind: 'action', name: t.action, id: String(t.id) },
                marker: { kind: 'action', task: t.id },
              },
            ]
          : [];
      }
    }
    const plan = planNext(view);
    if (u.failed && plan.length === 0) return rerunFailed(parseFailed(u.failed), view);
    return plan.slice(0, this.opts.maxBatch ?? 1000);
  }

  /** The unit is out of error; with `markers`, the failed hook counts as run (resolve --no-retry). */
  private clearError(u: UnitRow, markers: readonly Marker[]): void {
    const store = this.opts.store;
    store.transaction(() => {
      applyMarkers(store, u.name, markers);
      store.updateUnit(u.name, {
        failed: null,
        error_message: null,
        retry_at: null,
        retries: 0,
        resolve: null,
        agent: 'idle',
      });
    });
  }

  private pass(): void {
    if (this.stopped) return;
    const store = this.opts.store;
    const now = this.clock.now();
    const candidates = this.allDirty
      ? store.units()
      : [...this.dirty].map((n) => store.unit(n)).filter((u): u is UnitRow => u !== undefined);
    this.allDirty = false;
    this.dirty.clear();
    const limit = this.opts.concurrency ?? 64;
    const seen = new Set(candidates.map((c) => c.name));
    for (const name of this.waiting) {
      const u = seen.has(name) ? undefined : store.unit(name);
      if (u) candidates.push(u);
    }
    this.waiting.clear();
    for (const u of candidates) {
      if (this.running.has(u.name)) {
        this.dirty.add(u.name);
        continue;
      }
      if (this.running.size >= limit) {
        this.waiting.add(u.name);
        continue;
      }
      if (u.failed && u.resolve === 'skip') {
        this.clearError(u, parseFailed(u.failed)?.markers ?? []);
        // Skipping a failed remove hook removes the unit (and maybe its machine).
        void this.release(u);
        // Planned afresh in a pass of its own (a dirty mark alone would wait for the next kick).
        this.kick([u.name]);
        continue;
      }
      const plan = this.planFor(u, now);
      if (plan.length === 0) {
        // A due retry with nothing to run (what failed is gone with its relation): the error is over.
        if (u.failed && retryDue(u, now)) this.clearError(u, []);
        continue;
      }
      this.start(u, plan);
    }
    this.armTimer();
    this.notifyIdle();
  }

  private start(u: UnitRow, plan: PlannedEvent[]): void {
    this.running.add(u.name);
    this.dispatches.set(u.name, (this.dispatches.get(u.name) ?? 0) + 1);
    this.hooksRun += plan.length;
    void this.runUnit(u, plan)
      .then(() => (this.stopped ? undefined : this.release(u)))
      // A model closed mid-dispatch: its store is gone; the hook re-runs when it reopens.
      .catch((e: unknown) => {
        if (!this.stopped) throw e;
      })
      .finally(() => {
        this.running.delete(u.name);
        if (this.stopped) return;
        this.opts.onChange?.();
        // The unit and everything related to its application may have new work.
        this.kick(this.affected(u));
      });
  }

  private async runUnit(u: UnitRow, plan: PlannedEvent[]): Promise<void> {
    try {
      const [charmClass, machine] = await Promise.all([this.opts.charmClass(u.app), this.opts.machine(u)]);
      const cfg = this.opts.store.modelConfig();
      await runPlanned(
        {
          store: this.opts.store,
          charmClass,
          machine,
          now: () => this.clock.now(),
          updateStatusInterval: cfg.updateStatusInterval,
          retryDelay: (retries) => (cfg.automaticallyRetryHooks ? retryDelayMs(retries) : null),
          process: this.opts.isolation,
        },
        u,
        plan,
      );
    } catch (e) {
      if (this.stopped) return;
      // The charm could not even be loaded: the unit goes to error, the controller carries on.
      const message = e instanceof Error ? e.message : String(e);
      this.opts.store.addLog('controller', 'ERROR', 'controller.agent', `${u.name}: ${message}`);
      const first = plan[0];
      this.opts.store.updateUnit(u.name, {
        failed: JSON.stringify({
          hook: first?.event.name ?? 'unknown',
          markers: first ? [first.marker] : [],
        }),
        error_message: `hook failed: "${first?.event.name ?? 'unknown'}"`,
        agent: 'error',
        activity: null,
        retry_at: null,
      });
    }
  }

  /** Once `u` is gone and nothing else is on its machine, the machine goes too (after the commit). */
  private async release(u: UnitRow): Promise<void> {
    const store = this.opts.store;
    if (!this.opts.machineGone || store.unit(u.name) || store.machine(u.machine)) return;
    try {
      await this.opts.machineGone(u.machine);
    } catch (e) {
      // The directory stays behind; the next open removes what the store does not know.
      const message = e instanceof Error ? e.message : String(e);
      store.addLog('controller', 'WARNING', 'controller.agent', `machine ${u.machine}: ${message}`);
    }
  }

  /**
   * Units whose plan may change when `u` commits: itself and the units that see it —
   * the other side of each of its relations (its own application's units on peer relations).
   */
  private affected(u: UnitRow): string[] {
    const store = this.opts.store;
    const apps = new Set<string>();
    for (const r of store.relationsOf(u.app)) apps.add(r.peer ? u.app : r.app1 === u.app ? r.app2 : r.app1);
    const out = [u.name];
    for (const app of apps) for (const x of store.units(app)) out.push(x.name);
    return out;
  }

  /** Wake up for the next retry or update-status that falls due. */
  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    let next: number | undefined;
    for (const u of this.opts.store.units()) {
      for (const t of [u.update_due, u.failed ? u.retry_at : null])
        if (t !== null && (next === undefined || t < next)) next = t;
    }
    if (next === undefined || this.stopped) return;
    const delay = Math.max(0, Math.min(next - this.clock.now(), 2 ** 31 - 1));
    this.timer = setTimeout(() => this.kick(), delay);
    this.timer.unref();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }
}
