/**
 * One dispatch: the event Juju (or the controller) asks a unit to run, independent
 * of where it came from (Juju's environment, the controller, a test).
 */

/** A hook event. `name` is Juju's hook name, e.g. `db-relation-changed`, `install`. */
export interface HookDispatch {
  kind: 'hook';
  name: string;
  relation?: { endpoint: string; id: number };
  remoteApp?: string;
  remoteUnit?: string;
  departingUnit?: string;
  secret?: { id: string; label?: string; revision?: number };
  storage?: { name: string; index: number };
}

/** An action. `name` is the action's name from charm.yaml, `id` Juju's action id. */
export interface ActionDispatch {
  kind: 'action';
  name: string;
  id: string;
}

export type DispatchEvent = HookDispatch | ActionDispatch;

/** Thrown by charm code (or the framework) to end a dispatch early with an exit code; nothing is committed. */
export class AbortDispatch extends Error {
  override name = 'AbortDispatch';
  constructor(
    readonly exitCode: number,
    message = `dispatch aborted with exit code ${exitCode}`,
  ) {
    super(message);
  }
}
