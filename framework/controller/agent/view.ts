/** Loading a UnitView (what planNext needs) from the model store. */
import { createHash } from 'node:crypto';
import { typedConfig } from '../../ops/meta/config.js';
import type { RelationRow, Store, UnitRow } from '../store/store.js';
import { SecretStore } from '../store/secrets.js';
import type { MemberView, RelationView, UnitView } from './plan.js';

/** Hash of the effective (typed, defaulted) config: config-changed runs when it moves. */
export function configHash(store: Store, app: string): string {
  const a = store.app(app);
  if (!a) return '';
  const cfg = typedConfig(store.meta(a), store.appConfig(a));
  const sorted = Object.fromEntries(Object.entries(cfg).sort(([x], [y]) => x.localeCompare(y)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

function endpointOf(r: RelationRow, app: string): string {
  return r.peer || r.app1 === app ? r.ep1 : r.ep2;
}

function remoteAppOf(r: RelationRow, app: string): string {
  return r.peer ? app : r.app1 === app ? r.app2 : r.app1;
}

/** Remote units of `r` that `unit` should know about (in scope and alive). */
function members(store: Store, r: RelationRow, unit: UnitRow): MemberView[] {
  const remoteApp = remoteAppOf(r, unit.app);
  const out: MemberView[] = [];
  for (const m of store.scopeMembers(r.id, remoteApp)) {
    if (m.unit === unit.name || m.life !== 'alive') continue;
    // Container scope: only the unit on the same machine (principal ↔ its subordinate).
    if (r.scope === 'container' && m.principal !== unit.name && unit.principal !== m.unit) continue;
    out.push({ unit: m.unit, version: m.version });
  }
  return out;
}

/** Whether `unit` takes part in `r` at all (container scope pairs one principal with its subordinate). */
function participates(store: Store, r: RelationRow, unit: UnitRow): boolean {
  if (r.scope !== 'container') return true;
  const remoteApp = remoteAppOf(r, unit.app);
  return store.units(remoteApp).some((u) => u.principal === unit.name || unit.principal === u.name);
}

export function loadUnitView(store: Store, unit: UnitRow, now: number): UnitView {
  const app = store.app(unit.app);
  const relations: RelationView[] = [];
  for (const r of store.relationsOf(unit.app)) {
    const created = store.inScope(r.id, unit.name);
    if (!created && (r.life !== 'alive' || !participates(store, r, unit))) continue;
    const seen = store.seen(r.id, unit.name);
    const remoteApp = remoteAppOf(r, unit.app);
    const endpoint = endpointOf(r, unit.app);
    relations.push({
      id: r.id,
      endpoint,
      declared: app ? Object.hasOwn(store.meta(app).endpoints, endpoint) : true,
      remoteApp,
      peer: r.peer === 1,
      dying: r.life !== 'alive',
      created,
      members: r.life === 'alive' ? members(store, r, unit) : [],
      remoteAppVersion: r.peer ? 0 : store.databag(r.id, remoteApp, true).version,
      seenUnits: new Map(seen.filter((s) => s.is_app === 0).map((s) => [s.remote, s.version])),
      seenApp: seen.find((s) => s.is_app === 1)?.version ?? 0,
    });
  }
  return {
    unit: unit.name,
    dying: unit.life !== 'alive',
    installed: unit.installed === 1,
    started: unit.started === 1,
    leaderSeen: unit.leader_seen,
    leader: app?.leader ?? null,
    isLeader: app?.leader === unit.name,
    configHash: configHash(store, unit.app),
    configSeen: unit.config_seen,
    relations,
    tasks: store.pendingTasks(unit.name).map((t) => ({ id: t.id, action: t.action })),
    changedSecrets: unit.life === 'alive' ? new SecretStore(store.db).outdatedFor(unit.name) : [],
    updateStatusDue: unit.update_due !== null && now >= unit.update_due,
  };
}
