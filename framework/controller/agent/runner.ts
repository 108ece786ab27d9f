/**
 * Running one unit's planned events: in-process through runDispatch, batched when
 * several are pending (collect-status and commit once), falling back to one event
 * per dispatch when a batch fails so the failing hook is known exactly. With process
 * isolation each event runs alone in a child process (process/isolation.ts), as under
 * Juju; both ways commit the same buffered writes, unit state and markers.
 */
import type { CharmBase } from '../../ops/charm.js';
import type { CharmClass } from '../../ops/dispatch/run.js';
import { runDispatch } from '../../ops/dispatch/run.js';
import { Redactor, directLogger } from '../../ops/log.js';
import type { CharmMeta } from '../../ops/meta/types.js';
import type { Machine } from '../../ops/machine.js';
import type { Store, UnitRow } from '../store/store.js';
import { ControllerBackend, type ActionState } from './backend.js';
import { applyMarkers, commitFailure, commitSuccess } from './commit.js';
import { isNoop, type PlannedEvent } from './plan.js';
import type { ProcessIsolation } from './process/isolation.js';
import { BufferedStateStore } from './unit-state.js';

export interface RunContext {
  store: Store;
  charmClass: CharmClass<CharmBase>;
  machine: Machine;
  now: () => number;
  /** Seconds until update-status after a dispatch. */
  updateStatusInterval: number;
  /** Delay before retrying a failed hook, or null when retries are off. */
  retryDelay: (retries: number) => number | null;
  /** Run each hook as a child process through the packed charm (`--isolation process`). */
  process?: ProcessIsolation;
}

export type RunOutcome = 'ok' | 'error';

function hookName(e: PlannedEvent): string {
  return e.event.kind === 'action' ? `${e.event.name} action` : e.event.name;
}

/** Dispatch `planned` for `unit`; commits on success, records the error on failure. */
export async function runPlanned(
  ctx: RunContext,
  unit: UnitRow,
  planned: PlannedEvent[],
): Promise<RunOutcome> {
  if (ctx.process) return runOneByOne(ctx, unit, planned);
  const events = planned.filter((p) => !isNoop(p.event));
  if (events.length === 0) {
    applyMarkers(
      ctx.store,
      unit.name,
      planned.map((p) => p.marker),
    );
    return 'ok';
  }
  const outcome = await dispatchOnce(ctx, unit, planned);
  if (outcome.ok) return 'ok';
  if (events.length > 1) {
    // Find the hook that fails: replay one by one (charms are idempotent, as under Juju).
    for (const p of planned) {
      const current = ctx.store.unit(unit.name);
      if (!current) return 'ok';
      const single = await dispatchOnce(ctx, current, [p]);
      if (!single.ok) return fail(ctx, current, p, single.retries);
    }
    return 'ok';
  }
  const first = planned.find((p) => !isNoop(p.event));
  return first ? fail(ctx, unit, first, outcome.retries) : 'ok';
}

/** One event per dispatch (process isolation): marker-only entries ride with the next event's commit. */
async function runOneByOne(ctx: RunContext, unit: UnitRow, planned: PlannedEvent[]): Promise<RunOutcome> {
  let current = unit;
  let batch: PlannedEvent[] = [];
  for (const p of planned) {
    batch.push(p);
    if (isNoop(p.event)) continue;
    const outcome = await dispatchOnce(ctx, current, batch);
    if (!outcome.ok) return fail(ctx, current, p, outcome.retries);
    batch = [];
    const next = ctx.store.unit(unit.name);
    // Gone, or dying since the plan was made: the scheduler plans again from the store.
    if (!next || next.life !== current.life) return 'ok';
    current = next;
  }
  if (batch.length > 0)
    applyMarkers(
      ctx.store,
      unit.name,
      batch.map((p) => p.marker),
    );
  return 'ok';
}

function fail(ctx: RunContext, unit: UnitRow, p: PlannedEvent, retries: number): RunOutcome {
  const delay = ctx.retryDelay(retries);
  commitFailure(
    ctx.store,
    unit.name,
    hookName(p),
    [p.marker],
    Date.now(),
    delay === null ? null : ctx.now() + delay,
    retries + 1,
  );
  return 'error';
}

async function dispatchOnce(
  ctx: RunContext,
  unit: UnitRow,
  planned: PlannedEvent[],
): Promise<{ ok: boolean; retries: number }> {
  const { store } = ctx;
  const app = store.app(unit.app);
  if (!app) return { ok: true, retries: 0 };
  const meta = store.meta(app);
  const events = planned.filter((p) => !isNoop(p.event));
  const actionEvent = events.length === 1 && events[0]?.event.kind === 'action' ? events[0] : undefined;
  let action: ActionState | undefined;
  if (actionEvent && actionEvent.marker.kind === 'action') {
    const task = store.task(actionEvent.marker.task);
    if (!task) return { ok: true, retries: unit.retries };
    const params: unknown = JSON.parse(task.params);
    action = {
      id: task.id,
      params: typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {},
      results: {},
      log: [],
    };
    store.db.prepare("UPDATE tasks SET status = 'running' WHERE id = ?").run(task.id);
  }
  const backend = new ControllerBackend(store, unit.name, meta, action);
  backend.setBatch(planned.map((p) => p.marker));
  const started = Date.now();
  store.updateUnit(unit.name, { agent: 'executing', activity: hookName(events[0] ?? planned[0]!) });
  const result = ctx.process
    ? await runAsProcess(ctx, ctx.process, unit, app.charm_path, events, backend)
    : await runHere(ctx, meta, unit, events, backend);
  if (action && actionEvent) {
    // A failed action never puts the unit in error (juju-contract.md §11).
    const failure = result.exitCode !== 0 ? (result.error ?? 'action failed') : action.failure;
    // The task's outcome and what the action wrote land together, or not at all.
    store.transaction(() => {
      store.finishTask(
        action.id,
        failure === undefined ? 'completed' : 'failed',
        failure ?? '',
        unflatten(action.results),
        action.log,
      );
      if (result.exitCode === 0) {
        commitSuccess(store, {
          unit: unit.name,
          backend,
          unitState: result.unitState,
          markers: [actionEvent.marker],
          hooks: [hookName(actionEvent)],
          started,
          nextUpdateStatus: ctx.now() + ctx.updateStatusInterval * 1000,
        });
      } else {
        store.updateUnit(unit.name, { agent: unit.failed ? 'error' : 'idle', activity: null });
      }
    });
    return { ok: true, retries: unit.retries };
  }
  if (result.exitCode === 0) {
    commitSuccess(store, {
      unit: unit.name,
      backend,
      unitState: result.unitState,
      markers: planned.map((p) => p.marker),
      hooks: events.map(hookName),
      started,
      nextUpdateStatus: ctx.now() + ctx.updateStatusInterval * 1000,
    });
    return { ok: true, retries: 0 };
  }
  return { ok: false, retries: unit.retries };
}

/** How a dispatch ended, whichever way it ran. */
interface Executed {
  exitCode: number;
  /** Why it failed, in a line (an action's failure message). */
  error?: string;
  /** The unit state to commit (JSON), when the dispatch saved one. */
  unitState: string | undefined;
}

async function runHere(
  ctx: RunContext,
  meta: CharmMeta,
  unit: UnitRow,
  events: PlannedEvent[],
  backend: ControllerBackend,
): Promise<Executed> {
  const unitState = new BufferedStateStore(unit.unit_state, unit.name);
  // Secret values this dispatch sees are masked in every line it logs.
  const redactor = new Redactor();
  const logger = directLogger((level, message) => backend.jujuLog(level, message), redactor);
  const result = await runDispatch({
    charmClass: ctx.charmClass,
    meta,
    backend,
    machine: ctx.machine,
    store: unitState,
    events: events.map((p) => p.event),
    logger,
    redactor,
  });
  return {
    exitCode: result.exitCode,
    ...(result.error instanceof Error ? { error: redactor.redact(result.error.message) } : {}),
    unitState: unitState.saved ? JSON.stringify(unitState.saved) : undefined,
  };
}

/** One event in a child process; its stdout goes to the model log at DEBUG, stderr at WARNING (as Juju does). */
async function runAsProcess(
  ctx: RunContext,
  isolation: ProcessIsolation,
  unit: UnitRow,
  charmPath: string,
  events: PlannedEvent[],
  backend: ControllerBackend,
): Promise<Executed> {
  const [only, ...more] = events;
  if (!only || more.length > 0) throw new Error('process isolation runs exactly one event per dispatch');
  const entity = `unit-${unit.name.replace('/', '-')}`;
  const module = `unit.${unit.name}.${hookName(only)}`;
  let r;
  try {
    r = await isolation.run({
      unit,
      charmPath,
      event: only.event,
      backend,
      machine: ctx.machine,
      unitState: unit.unit_state,
    });
  } catch (e) {
    // The charm could not be packed or started: the hook fails like any other.
    const message = e instanceof Error ? e.message : String(e);
    ctx.store.addLog(entity, 'ERROR', module, message);
    return { exitCode: 1, error: message, unitState: undefined };
  }
  for (const [text, level] of [
    [r.stdout, 'DEBUG'],
    [r.stderr, 'WARNING'],
  ] as const) {
    for (const line of text.split('\n')) if (line.trim()) ctx.store.addLog(entity, level, module, line);
  }
  ctx.store.addLog(
    entity,
    'DEBUG',
    'juju.worker.uniter.operation',
    `ran "${hookName(only)}" (via dispatch): exit ${r.exitCode}, ${r.calls} hook tool and machine calls`,
  );
  const lastError = r.stderr.trim().split('\n').pop();
  return {
    exitCode: r.exitCode,
    ...(r.exitCode !== 0 ? { error: lastError || `the hook exited with code ${r.exitCode}` } : {}),
    unitState: r.unitState,
  };
}

/** `{'a.b': '1'}` → `{a: {b: '1'}}`, as Juju shows action results. */
export function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) {
      const next = node[p];
      node = (node[p] = typeof next === 'object' && next !== null ? next : {}) as Record<string, unknown>;
    }
    node[parts[parts.length - 1] ?? key] = value;
  }
  return out;
}
