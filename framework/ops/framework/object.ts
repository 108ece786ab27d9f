/**
 * The object tree: every charm, relation library and event source is a
 * FrameworkObject with a stable handle path, and events are declared on an
 * ObjectEvents (`charm.on`) as BoundEvents that the Framework emits.
 */
import { Handle } from './handle.js';
import type { JsonObject } from './json.js';
import type { Framework } from './framework.js';
import type { Model } from '../model/model.js';

/** Constructor of an event type; the args after the handle are what `emit()` takes. */
export type EventType<E extends EventBase, A extends unknown[]> = (new (handle: Handle, ...args: A) => E) & {
  prototype: E;
};

/** A handler registered with `observe`: called with the observer as `this`. */
export type EventHandler<O, E> = (this: O, event: E) => unknown;

/**
 * Base of every event. `snapshot()` and `restore()` carry the payload across
 * dispatches when an event is deferred: a restored event is made without calling
 * its constructor, so `restore` must set every field the handlers read.
 */
export class EventBase {
  /** Set by `defer()`; the framework keeps the notice and re-emits it before the next event. */
  deferred = false;
  /** The framework that emitted this event (set before any handler runs). */
  framework!: Framework;

  constructor(readonly handle: Handle) {}

  /** Run this (event, observer) pair again before the next event; the handler keeps running. */
  defer(): void {
    this.deferred = true;
  }

  /** The payload to persist if deferred: plain JSON. */
  snapshot(): JsonObject {
    return {};
  }

  /** Restore the payload written by `snapshot()`. */
  restore(_snapshot: JsonObject): void {}

  toString(): string {
    return `<${this.constructor.name} via ${this.handle.path}>`;
  }
}

/** An event bound to its emitter: what `observe()` takes and `emit()` is called on. */
export class BoundEvent<E extends EventBase = EventBase, A extends unknown[] = unknown[]> {
  constructor(
    readonly emitter: FrameworkObject,
    readonly kind: string,
    readonly type: EventType<E, A>,
  ) {}

  /** Emit now: observers run before this resolves (custom events nest, as in ops). */
  emit(...args: A): Promise<void> {
    return this.emitter.framework.emit(this, args);
  }

  toString(): string {
    return `${this.emitter.handle.path}/${this.kind}`;
  }
}

/** Anything that lives in the framework's object tree: a charm, a relation library, a component. */
export class FrameworkObject {
  readonly framework: Framework;
  readonly handle: Handle;

  /**
   * `parent` is the framework (for a charm) or another object; `key` distinguishes
   * siblings of the same kind (e.g. one library object per endpoint).
   */
  constructor(parent: FrameworkObject | Framework, key: string | null = null, kind?: string) {
    const handleKind = kind ?? this.constructor.name;
    if (parent instanceof FrameworkObject) {
      this.framework = parent.framework;
      this.handle = parent.handle.nest(handleKind, key);
    } else {
      this.framework = parent;
      this.handle = new Handle(null, handleKind, key);
    }
    this.framework.registerObject(this);
  }

  get model(): Model {
    return this.framework.model;
  }

  /**
   * Call `handler` (a method of this object) whenever `event` is emitted.
   * `this.observe(this.on.configChanged, this.onConfigChanged)`.
   * Handlers are identified by their name, so that a deferred notice finds them again
   * in the next dispatch: use named methods, not anonymous arrow functions.
   */
  observe<E extends EventBase, A extends unknown[]>(
    event: BoundEvent<E, A>,
    handler: EventHandler<this, E>,
  ): void {
    this.framework.observe(event, this, handler);
  }

  /**
   * State that persists across dispatches, saved at commit: `readonly stored =
   * this.storedState('stored', { installed: false })`. Values must be JSON.
   * Keys missing from the saved state take their defaults (ops' `set_default`).
   */
  storedState<T extends JsonObject>(name: string, defaults: T): T {
    return this.framework.loadStoredState(this, name, defaults);
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * A set of events that an object emits (`charm.on`, a library's `on`). Subclasses
 * declare events with `define`: `readonly ready = this.define('ready', ReadyEvent)`.
 */
export class ObjectEvents extends FrameworkObject {
  private readonly bound = new Map<string, BoundEvent>();

  constructor(parent: FrameworkObject, key: string | null = null) {
    super(parent, key, 'on');
  }

  /** Declare an event kind (snake_case, as in ops handle paths) and return its BoundEvent. */
  protected define<E extends EventBase, A extends unknown[]>(
    kind: string,
    type: EventType<E, A>,
  ): BoundEvent<E, A> {
    if (!IDENTIFIER.test(kind)) {
      throw new TypeError(`event kind '${kind}' is not a valid identifier (lowercase letters, digits, _)`);
    }
    if (this.bound.has(kind))
      throw new TypeError(`event '${kind}' is already defined on ${this.handle.path}`);
    const ev = new BoundEvent<E, A>(this, kind, type);
    this.bound.set(kind, ev as unknown as BoundEvent);
    this.framework.registerType(this.handle.path, kind, type as unknown as EventType<EventBase, unknown[]>);
    return ev;
  }

  /** The event of that kind, or undefined (dispatch of an unknown hook is a no-op). */
  byKind(kind: string): BoundEvent | undefined {
    return this.bound.get(kind);
  }

  /** Every declared event kind, in declaration order. */
  kinds(): string[] {
    return [...this.bound.keys()];
  }
}
