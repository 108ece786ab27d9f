/**
 * Juju's hook environment → one DispatchEvent (reference/juju-contract.md §1.3, §2).
 * The event name is the basename of JUJU_DISPATCH_PATH; `actions/<name>` is an action.
 */
import type { DispatchEvent, HookDispatch } from './types.js';

/** A hook environment that lacks what the event needs; the message names the variable. */
export class DispatchEnvError extends Error {
  override name = 'DispatchEnvError';
}

const RELATION_HOOK = /^(.+)-relation-(created|joined|changed|departed|broken)$/;
const STORAGE_HOOK = /^(.+)-storage-(attached|detaching)$/;
const SECRET_HOOK = /^secret-(changed|rotate|remove|expired)$/;

/** Read the event from Juju's environment variables. */
export function dispatchFromEnv(env: NodeJS.ProcessEnv): DispatchEvent {
  const path = env.JUJU_DISPATCH_PATH;
  if (!path) {
    throw new DispatchEnvError(
      'JUJU_DISPATCH_PATH is not set: run the charm through its dispatch script, as Juju or tsops does',
    );
  }
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  const dir = parts[parts.length - 2];
  if (!name) throw new DispatchEnvError(`JUJU_DISPATCH_PATH '${path}' has no event name`);

  if (dir === 'actions') {
    const id = env.JUJU_ACTION_UUID;
    if (!id) throw new DispatchEnvError(`action '${name}' needs JUJU_ACTION_UUID`);
    if (env.JUJU_ACTION_NAME && env.JUJU_ACTION_NAME !== name) {
      throw new DispatchEnvError(
        `JUJU_ACTION_NAME '${env.JUJU_ACTION_NAME}' disagrees with JUJU_DISPATCH_PATH '${path}'`,
      );
    }
    return { kind: 'action', name, id };
  }

  const hook: HookDispatch = { kind: 'hook', name };
  const rel = RELATION_HOOK.exec(name);
  if (rel) {
    const endpoint = rel[1] ?? '';
    const raw = env.JUJU_RELATION_ID;
    if (!raw) throw new DispatchEnvError(`relation hook '${name}' needs JUJU_RELATION_ID`);
    const m = /^(?:([^:]+):)?(\d+)$/.exec(raw);
    if (!m) throw new DispatchEnvError(`JUJU_RELATION_ID '${raw}' is not <endpoint>:<number>`);
    const relEndpoint = env.JUJU_RELATION || m[1] || endpoint;
    if (relEndpoint !== endpoint) {
      throw new DispatchEnvError(`JUJU_RELATION '${relEndpoint}' disagrees with hook '${name}'`);
    }
    hook.relation = { endpoint, id: Number(m[2]) };
    if (env.JUJU_REMOTE_UNIT) hook.remoteUnit = env.JUJU_REMOTE_UNIT;
    const remoteApp = env.JUJU_REMOTE_APP || env.JUJU_REMOTE_UNIT?.split('/')[0];
    if (remoteApp) hook.remoteApp = remoteApp;
    if (rel[2] === 'departed') {
      if (!env.JUJU_DEPARTING_UNIT) throw new DispatchEnvError(`'${name}' needs JUJU_DEPARTING_UNIT`);
      hook.departingUnit = env.JUJU_DEPARTING_UNIT;
    }
    if ((rel[2] === 'joined' || rel[2] === 'departed') && !hook.remoteUnit) {
      throw new DispatchEnvError(`'${name}' needs JUJU_REMOTE_UNIT`);
    }
  }
  const st = STORAGE_HOOK.exec(name);
  if (st) {
    const id = env.JUJU_STORAGE_ID;
    const m = id ? /^([^/]+)\/(\d+)$/.exec(id) : null;
    if (!m || m[1] === undefined)
      throw new DispatchEnvError(`storage hook '${name}' needs JUJU_STORAGE_ID as <name>/<index>`);
    hook.storage = { name: m[1], index: Number(m[2]) };
  }
  const sec = SECRET_HOOK.exec(name);
  if (sec) {
    const id = env.JUJU_SECRET_ID;
    if (!id) throw new DispatchEnvError(`secret hook '${name}' needs JUJU_SECRET_ID`);
    hook.secret = { id };
    if (env.JUJU_SECRET_LABEL) hook.secret.label = env.JUJU_SECRET_LABEL;
    if (sec[1] === 'remove' || sec[1] === 'expired') {
      const rev = Number(env.JUJU_SECRET_REVISION);
      if (!Number.isInteger(rev) || rev < 1)
        throw new DispatchEnvError(`'${name}' needs JUJU_SECRET_REVISION (a positive integer)`);
      hook.secret.revision = rev;
    }
  }
  return hook;
}
