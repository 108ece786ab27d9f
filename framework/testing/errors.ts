/** Errors that `ctx.run()` throws. */
import type { State } from './state.js';

/**
 * The charm raised an uncaught error (or ended the dispatch with a non-zero code).
 * `cause` is what it threw; `state` is the output as Juju would leave it: buffered
 * effects (relation data, secrets, ports, stored state, deferrals) dropped, immediate
 * ones (status, workload version, machine changes) kept.
 */
export class UncaughtCharmError extends Error {
  override name = 'UncaughtCharmError';
  constructor(
    message: string,
    override readonly cause: unknown,
    readonly state: State,
    readonly exitCode: number,
  ) {
    super(message, { cause });
  }
}

/**
 * The action called `fail()` (or its params failed their schema). The dispatch itself
 * succeeded, so `state` carries its committed changes: `catch (e) { expect(e.state...) }`.
 */
export class ActionFailed extends Error {
  override name = 'ActionFailed';
  constructor(
    message: string,
    readonly state: State,
  ) {
    super(message);
  }
}
