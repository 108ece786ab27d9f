/**
 * The Framework runs one dispatch's worth of events with ops' semantics:
 * observers in registration order, custom events nested inside `emit()`,
 * `defer()` keeping an (event, observer) notice that is re-emitted in insertion
 * order before the next event, duplicate notices suppressed, a persisted event
 * counter, and StoredState saved only at commit.
 */
import type { Logger } from '../log.js';
import type { Machine } from '../machine.js';
import type { CharmMeta } from '../meta/types.js';
import type { Model } from '../model/model.js';
import { FrameworkEvents } from './lifecycle.js';
import { Handle } from './handle.js';
import { jsonClone, jsonEqual, jsonProblem, type JsonObject, type JsonValue } from './json.js';
import { EventBase, FrameworkObject, type BoundEvent, type EventHandler, type EventType } from './object.js';
import type { Notice, UnitStateData, UnitStateStore } from './storage.js';

interface Observer {
  observer: FrameworkObject;
  observerPath: string;
  method: string;
  emitterPath: string;
  kind: string;
  handler: (event: EventBase) => unknown;
}

interface StoredStateEntry {
  path: string;
  data: JsonObject;
}

export interface FrameworkOptions {
  meta: CharmMeta;
  model: Model;
  machine: Machine;
  store: UnitStateStore;
  logger: Logger;
  /** Suppress a new notice equal to a pending deferred one (ops ≥ 2.18 default). */
  skipDuplicateEvents?: boolean;
  /** Called with every event emitted (not re-emissions of deferred ones): a test's record. */
  onEmit?: (event: EventBase) => void;
}

export class Framework {
  readonly meta: CharmMeta;
  readonly model: Model;
  readonly machine: Machine;
  readonly logger: Logger;
  /** pre_commit and commit, emitted by `commit()`. */
  readonly on: FrameworkEvents;

  private readonly store: UnitStateStore;
  private readonly state: UnitStateData;
  private readonly skipDuplicates: boolean;
  private readonly onEmit: ((event: EventBase) => void) | undefined;
  private readonly objects = new Map<string, FrameworkObject>();
  private readonly types = new Map<string, EventType<EventBase, unknown[]>>();
  private readonly observers: Observer[] = [];
  private readonly storedStates: StoredStateEntry[] = [];
  private committed = false;

  constructor(options: FrameworkOptions) {
    this.meta = options.meta;
    this.model = options.model;
    this.machine = options.machine;
    this.logger = options.logger;
    this.store = options.store;
    this.skipDuplicates = options.skipDuplicateEvents ?? true;
    this.onEmit = options.onEmit;
    this.state = this.store.load();
    this.on = new FrameworkEvents(new FrameworkObject(this, null, 'framework'));
  }

  /** Called by FrameworkObject's constructor: paths must be unique, as in ops. */
  registerObject(obj: FrameworkObject): void {
    const path = obj.handle.path;
    if (this.objects.has(path)) {
      throw new Error(`two objects claiming to be ${path} have been created; give siblings distinct keys`);
    }
    this.objects.set(path, obj);
  }

  /** Called when an event kind is declared, so a deferred snapshot can be restored by type. */
  registerType(emitterPath: string, kind: string, type: EventType<EventBase, unknown[]>): void {
    this.types.set(`${emitterPath}/${kind}`, type);
  }

  /** Register `handler` (a named method of `observer`) for `event`. */
  observe<O extends FrameworkObject, E extends EventBase, A extends unknown[]>(
    event: BoundEvent<E, A>,
    observer: O,
    handler: EventHandler<O, E>,
  ): void {
    if (!(observer instanceof FrameworkObject)) {
      throw new TypeError('observer must be a FrameworkObject (a charm, library or component)');
    }
    if (typeof handler !== 'function') throw new TypeError(`handler for ${event} is not a function`);
    const method = handler.name.replace(/^bound /, '');
    if (!method) {
      throw new TypeError(
        `handler for ${event} on ${observer.handle.path} has no name; pass a named method (this.onX), ` +
          'because a deferred event finds its handler again by name',
      );
    }
    const clash = this.observers.find(
      (o) => o.observerPath === observer.handle.path && o.method === method && o.handler !== handler,
    );
    if (clash) {
      throw new TypeError(
        `two different handlers named '${method}' observe events on ${observer.handle.path}`,
      );
    }
    this.observers.push({
      observer,
      observerPath: observer.handle.path,
      method,
      emitterPath: event.emitter.handle.path,
      kind: event.kind,
      handler: handler as (event: EventBase) => unknown,
    });
  }

  /** Emit `event` with `args`: save a notice per observer, then run them at once (nested). */
  async emit<E extends EventBase, A extends unknown[]>(bound: BoundEvent<E, A>, args: A): Promise<void> {
    this.assertOpen();
    const key = ++this.state.eventCount;
    const handle = bound.emitter.handle.nest(bound.kind, String(key));
    const event = new bound.type(handle, ...args);
    event.framework = this;
    this.onEmit?.(event);
    const snapshot = event.snapshot();
    const problem = jsonProblem(snapshot);
    if (problem) throw new TypeError(`snapshot of ${event} is not JSON: ${problem}`);

    let saved = false;
    for (const obs of this.observers) {
      if (obs.emitterPath !== bound.emitter.handle.path || obs.kind !== bound.kind) continue;
      if (this.skipDuplicates && this.hasPendingDuplicate(obs, bound.kind, snapshot)) {
        this.logger.debug(
          `Skipping ${event} for ${obs.observerPath}.${obs.method}: an equal deferred notice is pending`,
        );
        continue;
      }
      if (!saved) {
        this.state.snapshots[handle.path] = snapshot;
        saved = true;
      }
      this.state.notices.push({
        sequence: this.state.nextSequence++,
        eventPath: handle.path,
        observerPath: obs.observerPath,
        method: obs.method,
      });
    }
    if (saved) await this.reemit(handle.path);
  }

  /**
   * Run pending notices in insertion order: every deferred one (no argument, at the
   * start of a dispatch) or those of one just-emitted event.
   */
  async reemit(singleEventPath?: string): Promise<void> {
    const pending = this.state.notices.filter(
      (n) => singleEventPath === undefined || n.eventPath === singleEventPath,
    );
    if (singleEventPath === undefined && pending.length > 0) {
      this.logger.debug(`Re-emitting ${pending.length} deferred event notice(s)`);
    }
    let index = 0;
    for (const notice of pending) {
      index++;
      if (!this.state.notices.includes(notice)) continue;
      const event = this.restoreEvent(notice.eventPath);
      if (!event) {
        this.dropNotice(notice);
        continue;
      }
      const obs = this.observers.find(
        (o) => o.observerPath === notice.observerPath && o.method === notice.method,
      );
      if (obs) {
        if (singleEventPath === undefined) {
          this.logger.debug(`Re-emitting deferred event ${event} (${index} of ${pending.length} in queue)`);
        }
        await obs.handler.call(obs.observer, event);
      } else {
        this.logger.warn(
          `Dropping deferred ${event}: no observer ${notice.observerPath}.${notice.method} any more`,
        );
      }
      if (!event.deferred) this.dropNotice(notice);
      else this.logger.debug(`Deferring ${event} for ${notice.observerPath}.${notice.method}`);
    }
  }

  /** Deferred notices still pending (read-only copies). */
  notices(): Notice[] {
    return this.state.notices.map((n) => ({ ...n }));
  }

  /** The saved snapshot of an event path, if any. */
  snapshotOf(path: string): JsonValue | undefined {
    return this.state.snapshots[path];
  }

  /** Load (or create with defaults) the StoredState `name` of `owner`; saved at commit. */
  loadStoredState<T extends JsonObject>(owner: FrameworkObject, name: string, defaults: T): T {
    const path = owner.handle.nest('StoredStateData', name).path;
    if (this.storedStates.some((s) => s.path === path)) {
      throw new Error(`stored state '${name}' of ${owner.handle.path} is declared twice`);
    }
    const problem = jsonProblem(defaults);
    if (problem) throw new TypeError(`defaults of stored state '${name}': ${problem}`);
    const saved = this.state.snapshots[path];
    const data = (
      saved && typeof saved === 'object' && !Array.isArray(saved) ? jsonClone(saved) : {}
    ) as JsonObject;
    for (const [k, v] of Object.entries(defaults)) if (!(k in data)) data[k] = jsonClone(v);
    this.storedStates.push({ path, data });
    return data as T;
  }

  /** Emit pre_commit and commit, then save stored state, notices and the counter in one write. */
  async commit(): Promise<void> {
    this.assertOpen();
    await this.on.preCommit.emit();
    await this.on.commit.emit();
    for (const s of this.storedStates) {
      const problem = jsonProblem(s.data);
      if (problem) throw new TypeError(`stored state ${s.path} cannot be saved: ${problem}`);
      this.state.snapshots[s.path] = jsonClone(s.data);
    }
    this.store.save(this.state);
    this.committed = true;
  }

  private assertOpen(): void {
    if (this.committed) throw new Error('the framework has committed; no more events in this dispatch');
  }

  private hasPendingDuplicate(obs: Observer, kind: string, snapshot: JsonObject): boolean {
    return this.state.notices.some((n) => {
      if (n.observerPath !== obs.observerPath || n.method !== obs.method) return false;
      if (Handle.fromPath(n.eventPath).kind !== kind) return false;
      return jsonEqual(this.state.snapshots[n.eventPath], snapshot);
    });
  }

  /** Rebuild an event from its snapshot without calling its constructor (as ops does). */
  private restoreEvent(eventPath: string): EventBase | undefined {
    const handle = Handle.fromPath(eventPath);
    const type = handle.parent ? this.types.get(`${handle.parent.path}/${handle.kind}`) : undefined;
    const snapshot = this.state.snapshots[eventPath];
    if (
      !type ||
      snapshot === undefined ||
      snapshot === null ||
      typeof snapshot !== 'object' ||
      Array.isArray(snapshot)
    ) {
      this.logger.warn(`Dropping deferred event ${eventPath}: its type or snapshot is unknown`);
      return undefined;
    }
    const event = Object.create(type.prototype) as EventBase;
    Object.assign(event, { handle, deferred: false, framework: this });
    try {
      event.restore(snapshot);
    } catch (e) {
      this.logger.warn(`Dropping deferred event ${eventPath}: cannot restore it (${(e as Error).message})`);
      return undefined;
    }
    return event;
  }

  private dropNotice(notice: Notice): void {
    this.state.notices = this.state.notices.filter((n) => n !== notice);
    if (!this.state.notices.some((n) => n.eventPath === notice.eventPath)) {
      delete this.state.snapshots[notice.eventPath];
    }
  }
}
