/**
 * One dispatch, as ops' main does it: build the charm, re-emit deferred notices,
 * emit the event, run collect-status, commit. An uncaught error is logged, the
 * exit code is 1 and nothing is persisted. Used by `main()` under Juju, by
 * framework/testing and by the controller's in-process agents alike.
 */
import type { ModelBackend } from '../backend.js';
import { snake, type CharmBase } from '../charm.js';
import { ActionParamsError } from '../errors.js';
import {
  ActionEvent,
  RelationDepartedEvent,
  RelationEvent,
  SecretRevisionEvent,
  SecretEvent,
  StorageEvent,
} from '../events.js';
import { Framework } from '../framework/framework.js';
import type { BoundEvent, EventBase } from '../framework/object.js';
import type { UnitStateStore } from '../framework/storage.js';
import { Redactor, createLogger, type Logger } from '../log.js';
import type { Machine } from '../machine.js';

import type { CharmMeta } from '../meta/types.js';
import { ActionContext } from '../model/action.js';
import { Model, type HookContext } from '../model/model.js';
import { highestPriority } from '../status.js';
import { AbortDispatch, type DispatchEvent, type HookDispatch } from './types.js';

export type CharmClass<C extends CharmBase = CharmBase> = new (framework: Framework) => C;

export interface RunDispatchOptions<C extends CharmBase> {
  charmClass: CharmClass<C>;
  meta: CharmMeta;
  backend: ModelBackend;
  machine: Machine;
  store: UnitStateStore;
  /** The event to run; or several (`events`), emitted in order in one dispatch. */
  event?: DispatchEvent;
  /**
   * A batch (the controller's backlog for one unit): each observer still sees every
   * event in order, but deferred notices are re-emitted once before the first, and
   * collect-status and commit run once, after the last. At most one action, alone.
   */
  events?: readonly DispatchEvent[];
  /** Default: a winston logger writing to backend.jujuLog. */
  logger?: Logger;
  /** Secret values to mask in logs; shared with the logger. */
  redactor?: Redactor;
  /** Called with every event the framework emits (framework/testing records them). */
  onEmit?: (event: EventBase) => void;
}

export interface DispatchResult<C> {
  exitCode: number;
  /** The uncaught error, when exitCode is 1. */
  error?: unknown;
  charm?: C;
  /** For actions: the failure message if the action failed. */
  actionFailed?: string;
}

export async function runDispatch<C extends CharmBase>(
  opts: RunDispatchOptions<C>,
): Promise<DispatchResult<C>> {
  const { backend, meta } = opts;
  const events = opts.events ?? (opts.event ? [opts.event] : []);
  const redactor = opts.redactor ?? new Redactor();
  const logger = opts.logger ?? createLogger({ sink: (level, msg) => backend.jujuLog(level, msg), redactor });
  const model = new Model({ backend, meta, redactor, ...hookContext(events[0]) });
  let charm: C | undefined;
  let action: ActionContext | undefined;
  try {
    if (events.length === 0) throw new Error('runDispatch needs an event');
    if (events.length > 1 && events.some((e) => e.kind === 'action')) {
      throw new Error('an action runs alone, never in a batch with other events');
    }
    const framework = new Framework({
      meta,
      model,
      machine: opts.machine,
      store: opts.store,
      logger,
      onEmit: opts.onEmit,
    });
    charm = new opts.charmClass(framework);
    await framework.reemit();
    for (const [i, event] of events.entries()) {
      if (i > 0) model.setHookContext(hookContext(event));
      action = await emitDispatchEvent(charm, event, model, logger);
    }
    await evaluateStatus(charm, model);
    await framework.commit();
    return { exitCode: 0, charm, actionFailed: action?.failed };
  } catch (e) {
    if (e instanceof AbortDispatch) {
      logger.debug(`Dispatch ended early: ${e.message}`);
      return { exitCode: e.exitCode, charm, actionFailed: action?.failed };
    }
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    logger.error(`Uncaught exception while in charm code:\n${detail}`);
    return { exitCode: 1, error: e, charm, actionFailed: action?.failed };
  }
}

/** What the Model must know about the hook: the broken relation, the departed unit, the remote app. */
function hookContext(event: DispatchEvent | undefined): HookContext {
  if (!event || event.kind !== 'hook' || !event.relation) return {};
  const id = event.relation.id;
  const out: HookContext = {};
  if (event.name.endsWith('-relation-broken')) out.brokenRelationId = id;
  if (
    (event.name.endsWith('-relation-departed') || event.name.endsWith('-relation-broken')) &&
    event.remoteUnit
  ) {
    out.departedUnit = { relationId: id, unit: event.remoteUnit };
  }
  if (event.remoteApp) out.remoteApp = { relationId: id, app: event.remoteApp };
  return out;
}

/** Emit the Juju event with its arguments; an unknown event is a no-op (ops: supports rollbacks). */
async function emitDispatchEvent(
  charm: CharmBase,
  event: DispatchEvent,
  model: Model,
  logger: Logger,
): Promise<ActionContext | undefined> {
  const kind = event.kind === 'action' ? `${snake(event.name)}_action` : snake(event.name);
  const bound = charm.on.byKind(kind);
  if (!bound) {
    logger.debug(`Event ${kind} not defined for ${charm.handle.path}.`);
    return undefined;
  }
  logger.debug(`Emitting Juju event ${kind}.`);
  if (event.kind === 'action') {
    const actionMeta = model.meta.actions[event.name];
    if (!actionMeta) return undefined;
    let params: Record<string, unknown>;
    try {
      // ajv is loaded only when an action runs: hooks do not pay its start-up cost.
      const { validateActionParams } = await import('../meta/actions.js');
      params = validateActionParams(model.meta, event.name, model.backend.actionGet());
    } catch (e) {
      if (!(e instanceof ActionParamsError)) throw e;
      model.backend.actionFail(`Error in action parameters: ${e.message}`);
      return undefined;
    }
    const context = new ActionContext(model.backend, actionMeta, event.id, params);
    model.actionContext = context;
    await (bound as BoundEvent<ActionEvent, [ActionContext]>).emit(context);
    return context;
  }
  await emitHook(bound, event, model);
  return undefined;
}

/** Whether an event type is `base` or derives from it. */
function isA(type: BoundEvent['type'], base: abstract new (...args: never[]) => EventBase): boolean {
  return type.prototype === base.prototype || type.prototype instanceof base;
}

async function emitHook(bound: BoundEvent, event: HookDispatch, model: Model): Promise<void> {
  const type = bound.type;
  if (isA(type, RelationEvent)) {
    if (!event.relation) throw new Error(`hook ${event.name} was dispatched without its relation`);
    const relation = model.getRelationById(event.relation.endpoint, event.relation.id);
    const unit = event.remoteUnit ? model.getUnit(event.remoteUnit) : null;
    const app = event.remoteApp ? model.getApp(event.remoteApp) : (unit?.app ?? null);
    if (isA(type, RelationDepartedEvent)) {
      const departing = event.departingUnit ? model.getUnit(event.departingUnit) : null;
      await bound.emit(relation, app, unit, departing);
    } else {
      await bound.emit(relation, app, unit);
    }
  } else if (isA(type, StorageEvent)) {
    if (!event.storage) throw new Error(`hook ${event.name} was dispatched without its storage`);
    await bound.emit(model.storages.get(event.storage.name, event.storage.index));
  } else if (isA(type, SecretEvent)) {
    if (!event.secret) throw new Error(`hook ${event.name} was dispatched without its secret`);
    const secret = model.lazySecret(event.secret.id, event.secret.label);
    if (isA(type, SecretRevisionEvent)) await bound.emit(secret, event.secret.revision ?? 0);
    else await bound.emit(secret);
  } else {
    await bound.emit();
  }
}

/** Collect-status (ops `_evaluate_status`): app status on the leader, then unit status. */
async function evaluateStatus(charm: CharmBase, model: Model): Promise<void> {
  if (model.backend.isLeader()) {
    await charm.on.collectAppStatus.emit();
    const app = highestPriority(model.app.collectedStatuses);
    if (app) model.app.status = app;
  }
  await charm.on.collectUnitStatus.emit();
  const unit = highestPriority(model.unit.collectedStatuses);
  if (unit) model.unit.status = unit;
}
