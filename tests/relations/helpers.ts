/** Shared helpers of the relation interface tests. */
import type { EventBase } from '../../framework/ops/index.js';
import type { State } from '../../framework/testing/index.js';

/** The events of `type` that the last run of `ctx` emitted, in order. */
export function emitted<E extends EventBase>(
  ctx: { emittedEvents: EventBase[] },
  type: abstract new (...args: never[]) => E,
): E[] {
  return ctx.emittedEvents.filter((e): e is E => e instanceof type);
}

/** Every databag of every relation in `state`, as one text to search. */
export function allBags(state: State): string {
  return JSON.stringify(
    state.relations.map((r) => [
      r.localAppData,
      r.localUnitData,
      'remoteAppData' in r ? r.remoteAppData : {},
    ]),
  );
}

/** Fail if any of `values` (passwords, keys) appears in any databag of `state`. */
export function noSecretInBags(state: State, values: readonly string[]): void {
  const text = allBags(state);
  for (const v of values) expect(text).not.toContain(v);
}
