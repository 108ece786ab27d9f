/**
 * What crash.test.ts compares between a model that was killed and restarted many
 * times and one that ran uninterrupted: everything that must come out the same,
 * with what legitimately differs (times, databag versions, event counters, how many
 * relation-changed or config-changed hooks timing happened to collapse) left out.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exportModel } from '../../framework/controller/model-bundle.js';
import type { ModelController } from '../../framework/controller/model-controller.js';
import { TEMP_NAME } from '../../framework/substrates/sandbox/store.js';

export interface ModelState {
  bundle: string;
  apps: unknown[];
  machines: unknown[];
  units: unknown[];
  relations: unknown[];
  databags: Record<string, unknown>;
  scopes: string[];
  seen: string[];
  unitState: Record<string, unknown>;
  secrets: unknown[];
  tasks: unknown[];
  /** Per unit: how often each hook that must run exactly once committed. */
  onceHooks: Record<string, Record<string, number>>;
}

/** Every file under a machine directory, with machine.json minus its creation time. */
export function diskState(dir: string): Record<string, unknown> {
  const machines = join(dir, 'machines');
  const out: Record<string, unknown> = {};
  if (!existsSync(machines)) return out;
  for (const name of readdirSync(machines).sort()) {
    const path = join(machines, name);
    if (!statSync(path).isDirectory()) {
      out[name] = 'file';
      continue;
    }
    const files = listFiles(path, '');
    const record = existsSync(join(path, 'machine.json'))
      ? parseJson(readFileSync(join(path, 'machine.json'), 'utf8'))
      : null;
    if (isRecord(record)) delete record.createdAt;
    out[name] = { record, files };
  }
  return out;
}

function listFiles(root: string, rel: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    // Temp files of an atomic write cut short by the kill are hidden by every listing.
    if (TEMP_NAME.test(name)) continue;
    const path = join(rel, name);
    out.push(path);
    if (statSync(join(root, path)).isDirectory()) out.push(...listFiles(root, path));
  }
  return out;
}

function parseJson(text: string): unknown {
  return JSON.parse(text);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Hooks whose count per unit does not depend on timing in these scenarios. */
const ONCE =
  /^(install|start|stop|remove|leader-elected|leader-settings-changed|.*-relation-(created|joined|departed|broken))$/;

export function modelState(mc: ModelController): ModelState {
  const { store } = mc;
  const all = <T>(sql: string): T[] => store.db.prepare<[], T>(sql).all();
  const relKey = new Map(store.relations().map((r) => [r.id, r.key]));
  const keyOf = (id: number): string => relKey.get(id) ?? `gone relation ${id}`;
  const databags: Record<string, unknown> = {};
  const versions = new Map<string, number>();
  for (const d of all<{ relation: number; owner: string; is_app: number; data: string; version: number }>(
    'SELECT * FROM databags ORDER BY relation, owner, is_app',
  )) {
    databags[`${keyOf(d.relation)} ${d.owner}${d.is_app ? ' (app)' : ''}`] = parseJson(d.data);
    versions.set(`${d.relation} ${d.owner} ${d.is_app}`, d.version);
  }
  const seen: string[] = [];
  for (const s of all<{ relation: number; unit: string; remote: string; is_app: number; version: number }>(
    'SELECT * FROM seen ORDER BY relation, unit, remote, is_app',
  )) {
    // Settled: every unit has seen the latest version of every databag it watches.
    const latest = versions.get(`${s.relation} ${s.remote} ${s.is_app}`) ?? 0;
    seen.push(
      `${keyOf(s.relation)} ${s.unit} saw ${s.remote}${s.is_app ? ' (app)' : ''}${s.version === latest ? '' : ` at v${s.version}, latest v${latest}`}`,
    );
  }
  const unitState: Record<string, unknown> = {};
  const onceHooks: Record<string, Record<string, number>> = {};
  for (const u of store.units()) {
    const parsed = u.unit_state ? parseJson(u.unit_state) : null;
    // The event counter and notices count emissions, which re-runs legitimately repeat.
    unitState[u.name] = isRecord(parsed) ? parsed.snapshots : null;
    const counts: Record<string, number> = {};
    for (const h of store.hookHistory(u.name, 100_000))
      if (ONCE.test(h.hook)) counts[h.hook] = (counts[h.hook] ?? 0) + 1;
    onceHooks[u.name] = counts;
  }
  return {
    bundle: exportModel(mc),
    apps: all(
      `SELECT name, charm_path, config, constraints, exposed, trust, annotations, next_unit, life, leader,
              version, status, status_message FROM applications ORDER BY name`,
    ),
    machines: store.machines(),
    units: all(
      `SELECT name, app, number, machine, principal, life, installed, started, stopped, leader_seen,
              config_seen, workload, message, agent, activity, failed, error_message, retries, resolve, address
       FROM units ORDER BY name`,
    ),
    relations: store.relations(),
    databags,
    scopes: all<{ relation: number; unit: string }>('SELECT * FROM scopes ORDER BY relation, unit').map(
      (s) => `${keyOf(s.relation)} ${s.unit}`,
    ),
    seen,
    unitState,
    secrets: all('SELECT owner_kind, owner, label, description, revision FROM secrets ORDER BY owner, label'),
    tasks: all('SELECT unit, action, status, message, results FROM tasks ORDER BY id'),
    onceHooks,
  };
}
