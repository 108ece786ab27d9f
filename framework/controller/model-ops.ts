/** Read and operate on one model for the API: config views, actions, resolve, show-unit, secrets, exec. */
import { dirname, isAbsolute } from 'node:path';
import type { z } from 'zod';
import { ActionParamsError } from '../ops/errors.js';
import { validateActionParams } from '../ops/meta/actions.js';
import { parseConfigAssignment } from '../ops/meta/config.js';
import type {
  ChangeView,
  ConfigOptionView,
  ExecView,
  methodParams,
  SecretView,
  ShowUnitView,
  TaskView,
} from './api/methods.js';
import { ApiError } from './api/protocol.js';
import { loadCharm } from './charms.js';
import type { ModelController } from './model-controller.js';
import { SecretStore } from './store/secrets.js';
import type { TaskRow } from './store/store.js';

/** A one-charm deploy request, defaults filled in by the API's schema. */
type CharmDeploy = NonNullable<z.output<(typeof methodParams)['deploy']>['charm']>;

/**
 * Where a charm reference is resolved: an absolute path against its own folder, a
 * name under charms/. A relative path is refused: the controller's working
 * directory is not the caller's.
 */
export function charmBaseDir(ref: string): string {
  if (isAbsolute(ref)) return dirname(ref);
  if (ref.startsWith('.') || ref.includes('/'))
    throw new ApiError('bad-request', `charm path must be absolute, got '${ref}'`);
  return '/';
}

/** Check a one-charm deploy as `deployCharm` would, writing nothing (for --dry-run). */
export function planCharmDeploy(mc: ModelController, c: CharmDeploy): ChangeView {
  let charm;
  try {
    charm = loadCharm(c.ref, charmBaseDir(c.ref));
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError('bad-request', e instanceof Error ? e.message : String(e));
  }
  const name = c.app ?? charm.meta.name;
  if (mc.store.app(name))
    throw new ApiError(
      'conflict',
      `application '${name}' already exists: use 'tsops add-unit ${name}' to scale it`,
    );
  for (const [k, v] of Object.entries(c.config)) {
    try {
      parseConfigAssignment(charm.meta, k, v);
    } catch (e) {
      throw new ApiError('bad-request', e instanceof Error ? e.message : String(e));
    }
  }
  const units = charm.meta.subordinate ? 0 : c.numUnits;
  return { kind: 'addApplication', description: `deploy ${charm.path} as ${name} ×${units}` };
}

export function configView(mc: ModelController, app: string): ConfigOptionView[] {
  const a = mc.store.app(app);
  if (!a) throw new ApiError('not-found', `unknown application '${app}': see 'tsops status'`);
  const meta = mc.store.meta(a);
  const set = mc.store.appConfig(a);
  return Object.values(meta.config).map((o) => ({
    name: o.name,
    type: o.type,
    value: o.name in set ? (set[o.name] ?? null) : (o.default ?? null),
    default: o.default ?? null,
    source: o.name in set ? 'user' : o.default !== undefined ? 'default' : 'unset',
    description: o.description,
  }));
}

export function taskView(t: TaskRow): TaskView {
  const results: unknown = JSON.parse(t.results);
  const log: unknown = JSON.parse(t.log);
  return {
    id: t.id,
    unit: t.unit,
    action: t.action,
    status: t.status,
    message: t.message,
    results: typeof results === 'object' && results !== null ? (results as Record<string, unknown>) : {},
    log: Array.isArray(log) ? log.map(String) : [],
  };
}

/** Queue an action on units (`app/0`) or an application's leader (`app/leader`); params are checked first. */
export function runAction(
  mc: ModelController,
  targets: string[],
  action: string,
  params: Record<string, unknown>,
): TaskView[] {
  const units = targets.map((t) => {
    const m = /^([a-z][a-z0-9-]*)\/leader$/.exec(t);
    if (m && m[1]) {
      const a = mc.store.app(m[1]);
      if (!a) throw new ApiError('not-found', `unknown application '${m[1]}': see 'tsops status'`);
      if (!a.leader)
        throw new ApiError('conflict', `application '${m[1]}' has no leader yet: wait for it to settle`);
      return a.leader;
    }
    if (!mc.store.unit(t)) throw new ApiError('not-found', `unknown unit '${t}': see 'tsops status'`);
    return t;
  });
  const checked = units.map((u) => {
    const a = mc.store.app(u.split('/')[0] ?? '');
    if (!a) throw new ApiError('not-found', `unknown unit '${u}'`);
    try {
      return { unit: u, params: validateActionParams(mc.store.meta(a), action, params) };
    } catch (e) {
      if (e instanceof ActionParamsError) throw new ApiError('bad-request', e.message);
      throw e;
    }
  });
  const ids = mc.store.transaction(() => checked.map((c) => mc.store.addTask(c.unit, action, c.params)));
  mc.scheduler.kick(units);
  return ids.map((id) => {
    const t = mc.store.task(id);
    if (!t) throw new ApiError('internal', `task ${id} vanished`);
    return taskView(t);
  });
}

export function resolveUnit(mc: ModelController, unit: string, retry: boolean): void {
  const u = mc.store.unit(unit);
  if (!u) throw new ApiError('not-found', `unknown unit '${unit}': see 'tsops status'`);
  if (!u.failed) throw new ApiError('conflict', `unit '${unit}' is not in error`);
  mc.store.updateUnit(unit, { resolve: retry ? 'retry' : 'skip' });
  mc.scheduler.kick([unit]);
}

export function showUnit(mc: ModelController, unit: string): ShowUnitView {
  const u = mc.store.unit(unit);
  if (!u) throw new ApiError('not-found', `unknown unit '${unit}': see 'tsops status'`);
  const relations: ShowUnitView['relations'] = [];
  for (const r of mc.store.relationsOf(u.app)) {
    if (!mc.store.inScope(r.id, unit)) continue;
    const mine =
      r.peer || r.app1 === u.app
        ? { ep: r.ep1, other: r.peer ? r.app1 : r.app2, otherEp: r.peer ? r.ep1 : r.ep2 }
        : { ep: r.ep2, other: r.app1, otherEp: r.ep1 };
    const relatedUnits: Record<string, Record<string, string>> = {};
    for (const s of mc.store.scopeUnits(r.id)) {
      if (s !== unit && s.split('/')[0] === mine.other)
        relatedUnits[s] = mc.store.databag(r.id, s, false).data;
    }
    relations.push({
      id: r.id,
      endpoint: mine.ep,
      relatedEndpoint: mine.otherEp,
      applicationData: mc.store.databag(r.id, mine.other, true).data,
      localUnitData: mc.store.databag(r.id, unit, false).data,
      relatedUnits,
    });
  }
  const hooks = mc.store.hookHistory(unit).map((h) => ({
    hook: h.hook,
    started: new Date(h.started).toISOString(),
    ms: h.ms,
    outcome: h.outcome === 'ok' ? ('ok' as const) : ('error' as const),
  }));
  return { unit, relations, hooks };
}

/** Secret metadata only: values never leave the store through the API. */
export function secretViews(mc: ModelController): SecretView[] {
  const secrets = new SecretStore(mc.store.db);
  return secrets.all().map((s) => ({
    id: s.id,
    owner: s.owner_kind === 'unit' ? s.owner : `application ${s.owner}`,
    label: s.label ?? '',
    description: s.description,
    revision: s.revision,
    grants: secrets.grants(s.id).map((g) => `${g.grantee} (relation ${g.relation})`),
  }));
}

export async function execOnUnit(mc: ModelController, unit: string, argv: string[]): Promise<ExecView> {
  const u = mc.store.unit(unit);
  if (!u) throw new ApiError('not-found', `unknown unit '${unit}': see 'tsops status'`);
  const machine = await mc.machines.machine(u.machine);
  const r = await machine.exec(argv, { check: false });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
