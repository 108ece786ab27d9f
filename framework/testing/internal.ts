/**
 * Small helpers shared by the testing modules: deep freezing, databag copies
 * and the id counters for relations and secrets. Not part of the public API.
 */

/** Freeze a plain value and everything under it; returns the same value. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  // Dates stay mutable through their methods even when frozen; callers copy them instead.
  if (value instanceof Date) return value;
  // Typed arrays with elements cannot be frozen (TypeError); file contents may be bytes.
  if (ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

/** A frozen copy of a databag, checking that keys and values are strings (Juju stores only strings). */
export function frozenBag(
  bag: Readonly<Record<string, unknown>> | undefined,
  what: string,
): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(bag ?? {})) {
    if (typeof v !== 'string') {
      throw new TypeError(
        `${what}: value of '${k}' is a ${typeof v}; databag values are strings (JSON-encode them)`,
      );
    }
    out[k] = v;
  }
  return Object.freeze(out);
}

/** A frozen copy of units' databags keyed by unit number. */
export function frozenUnits(
  units: Readonly<Record<number, Readonly<Record<string, unknown>>>> | undefined,
  what: string,
): Readonly<Record<number, Readonly<Record<string, string>>>> {
  const out: Record<number, Readonly<Record<string, string>>> = {};
  for (const [k, bag] of Object.entries(units ?? {})) {
    const id = Number(k);
    if (!Number.isSafeInteger(id) || id < 0)
      throw new TypeError(`${what}: unit key '${k}' is not a unit number`);
    out[id] = frozenBag(bag, `${what} of unit ${id}`);
  }
  return Object.freeze(out);
}

/** Hands out ids, skipping any that were given explicitly, so auto ids rarely collide. */
export class IdCounter {
  private next = 1;
  take(explicit: number | undefined): number {
    if (explicit !== undefined) {
      if (explicit >= this.next) this.next = explicit + 1;
      return explicit;
    }
    return this.next++;
  }
}

/** Own-property lookup on a record (no prototype keys such as `constructor`). */
export function own<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * A deep copy of JSON data through JSON itself. Not structuredClone: under jest's vm
 * contexts that returns objects of another realm, whose prototypes differ from this one's.
 */
export function jsonCopy<T>(value: T): T {
  // The value is our own JSON data, so the round trip gives back the same shape.
  return JSON.parse(JSON.stringify(value)) as T;
}
