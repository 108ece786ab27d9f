/** Building the ModelStatusView (`tsops status`, `tsops wait`, the dashboard) from the store. */
import type {
  AgentStatus,
  AppStatusView,
  ModelStatusView,
  RelationStatusView,
  UnitStatusView,
  WorkloadStatus,
} from './api/status.js';
import type { Scheduler } from './agent/scheduler.js';
import type { Store, UnitRow } from './store/store.js';

const SEVERITY: WorkloadStatus[] = [
  'error',
  'blocked',
  'maintenance',
  'waiting',
  'active',
  'terminated',
  'unknown',
];
const WORKLOADS = new Set<string>(SEVERITY);

function workloadOf(u: UnitRow): WorkloadStatus {
  if (u.failed) return 'error';
  return WORKLOADS.has(u.workload) ? (u.workload as WorkloadStatus) : 'unknown';
}

function agentOf(u: UnitRow, running: boolean): AgentStatus {
  if (u.failed) return 'error';
  if (running || u.agent === 'executing') return 'executing';
  return u.installed ? 'idle' : 'allocating';
}

function unitView(
  store: Store,
  u: UnitRow,
  leader: string | null,
  running: ReadonlySet<string>,
): UnitStatusView {
  const view: UnitStatusView = {
    name: u.name,
    workload: workloadOf(u),
    message: u.failed ? (u.error_message ?? 'hook failed') : u.message,
    agent: agentOf(u, running.has(u.name)),
    leader: leader === u.name,
    machine: u.machine,
    address: u.address,
    ports: store.ports(u.name),
    subordinates: {},
  };
  if (u.activity) view.activity = u.activity;
  return view;
}

/** The most severe unit status, as Juju derives an application's status when the leader set none. */
function derived(units: UnitStatusView[]): { status: WorkloadStatus; message: string } {
  for (const s of SEVERITY) {
    const u = units.find((x) => x.workload === s);
    if (u) return { status: s, message: u.message };
  }
  return { status: 'unknown', message: '' };
}

export function buildStatus(
  store: Store,
  scheduler: Scheduler,
  running: ReadonlySet<string>,
): ModelStatusView {
  const units = store.units();
  const applications: Record<string, AppStatusView> = {};
  const relations: RelationStatusView[] = [];
  for (const a of store.apps()) {
    const meta = store.meta(a);
    const own = units.filter((u) => u.app === a.name);
    const views = own.map((u) => unitView(store, u, a.leader, running));
    const set =
      a.status && a.status !== 'unknown'
        ? { status: a.status as WorkloadStatus, message: a.status_message }
        : derived(views);
    applications[a.name] = {
      name: a.name,
      charm: meta.name,
      charmPath: a.charm_path,
      version: a.version,
      status: views.some((v) => v.workload === 'error') ? 'error' : set.status,
      message: set.message,
      scale: own.filter((u) => u.life === 'alive').length,
      subordinate: meta.subordinate,
      exposed: a.exposed === 1,
      relations: {},
      units: {},
    };
    for (const [i, u] of own.entries()) {
      const v = views[i];
      if (v && !u.principal) applications[a.name]!.units[u.name] = v;
    }
  }
  // Subordinates nest under their principals.
  for (const u of units) {
    if (!u.principal) continue;
    const p = units.find((x) => x.name === u.principal);
    const principalView = p ? applications[p.app]?.units[p.name] : undefined;
    const app = store.app(u.app);
    if (principalView) principalView.subordinates[u.name] = unitView(store, u, app?.leader ?? null, running);
  }
  for (const r of store.relations()) {
    const type = r.peer ? 'peer' : r.scope === 'container' ? 'subordinate' : 'regular';
    relations.push({
      id: r.id,
      provider: `${r.app1}:${r.ep1}`,
      requirer: r.peer ? `${r.app2}:${r.ep2}` : `${r.app2}:${r.ep2}`,
      interface: r.interface,
      type,
    });
    const a1 = applications[r.app1];
    const a2 = applications[r.app2];
    if (a1) (a1.relations[r.ep1] ??= []).push(r.app2);
    if (a2 && !r.peer) (a2.relations[r.ep2] ??= []).push(r.app1);
  }
  const errors = units
    .filter((u) => u.failed)
    .map((u) => ({ unit: u.name, message: u.error_message ?? 'hook failed' }));
  const pending = scheduler.pendingUnits().filter((n) => !units.find((u) => u.name === n)?.failed);
  return {
    model: {
      name: store.getKey('name') ?? '',
      uuid: store.getKey('uuid') ?? '',
      substrate: store.getKey('substrate') ?? 'sandbox',
      settled: pending.length === 0 && errors.length === 0,
      pendingHooks: pending.length,
      errors,
      timestamp: new Date().toISOString(),
    },
    applications,
    relations,
  };
}
