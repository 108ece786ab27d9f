/**
 * The model store: one SQLite database per model (WAL), holding applications,
 * machines, units, relations, databags with versions, what each unit has seen,
 * secrets, ports, action tasks, logs and hook history. Everything a hook changes is
 * written by `transaction()` in one commit together with the unit's markers.
 */
import { randomUUID } from 'node:crypto';
import { metaFromJson } from '../../ops/meta/json.js';
import type { CharmMeta, ConfigValue } from '../../ops/meta/types.js';
import type Database from 'better-sqlite3';
import { openDb, type Db } from './db.js';
import { parseObject, parseStringMap, sortKeys } from './json-columns.js';
import type { AppRow, DatabagRow, RelationRow, SecretRow, SeenRow, TaskRow, UnitRow } from './rows.js';

export type { AppRow, DatabagRow, RelationRow, SecretRow, SeenRow, TaskRow, UnitRow };

/** Model settings (`tsops model-config`). */
export interface ModelConfig {
  /** update-status-hook-interval, seconds (Juju: 1–60 min, default 5 min). */
  updateStatusInterval: number;
  /** automatically-retry-hooks. */
  automaticallyRetryHooks: boolean;
}

export const DEFAULT_MODEL_CONFIG: ModelConfig = { updateStatusInterval: 300, automaticallyRetryHooks: true };

export class Store {
  readonly db: Db;
  private readonly metaCache = new Map<string, { text: string; meta: CharmMeta }>();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string) {
    this.db = openDb(path);
  }

  close(): void {
    this.db.close();
  }

  /** A prepared statement, compiled once per SQL text (preparing costs more than running). */
  sql<P extends unknown[] | object = unknown[], R = unknown>(text: string): Database.Statement<P, R> {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st as unknown as Database.Statement<P, R>;
  }

  /** Run `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- model ----------------------------------------------------------------

  getKey(key: string): string | undefined {
    const row = this.sql<[string], { value: string }>('SELECT value FROM model WHERE key = ?').get(key);
    return row?.value;
  }

  setKey(key: string, value: string): void {
    this.sql(
      'INSERT INTO model (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  /** Create the model's identity on first open. */
  initModel(name: string, substrate: string): void {
    if (this.getKey('name') !== undefined) return;
    this.transaction(() => {
      this.setKey('name', name);
      this.setKey('uuid', randomUUID());
      this.setKey('substrate', substrate);
      this.setKey('config', JSON.stringify(DEFAULT_MODEL_CONFIG));
    });
  }

  modelConfig(): ModelConfig {
    const raw = parseObject(this.getKey('config') ?? '{}', 'model config');
    return {
      updateStatusInterval:
        typeof raw.updateStatusInterval === 'number'
          ? raw.updateStatusInterval
          : DEFAULT_MODEL_CONFIG.updateStatusInterval,
      automaticallyRetryHooks:
        typeof raw.automaticallyRetryHooks === 'boolean'
          ? raw.automaticallyRetryHooks
          : DEFAULT_MODEL_CONFIG.automaticallyRetryHooks,
    };
  }

  setModelConfig(config: ModelConfig): void {
    this.setKey('config', JSON.stringify(config));
  }

  // ---- applications -------------------------------------------------------------

  app(name: string): AppRow | undefined {
    return this.sql<[string], AppRow>('SELECT * FROM applications WHERE name = ?').get(name);
  }

  apps(): AppRow[] {
    return this.sql<[], AppRow>('SELECT * FROM applications ORDER BY name').all();
  }

  /** The parsed metadata of an application (cached by its JSON text). */
  meta(app: AppRow): CharmMeta {
    const hit = this.metaCache.get(app.name);
    if (hit && hit.text === app.meta) return hit.meta;
    const meta = metaFromJson(JSON.parse(app.meta), `application ${app.name}`);
    this.metaCache.set(app.name, { text: app.meta, meta });
    return meta;
  }

  addApp(a: {
    name: string;
    charmPath: string;
    meta: CharmMeta;
    config: Record<string, ConfigValue>;
    constraints: string;
    annotations: Record<string, string>;
    exposed: boolean;
    trust: boolean;
  }): void {
    this.sql(
      `INSERT INTO applications (name, charm_path, meta, config, constraints, exposed, trust, annotations, created)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      a.name,
      a.charmPath,
      JSON.stringify(a.meta),
      JSON.stringify(a.config),
      a.constraints,
      a.exposed ? 1 : 0,
      a.trust ? 1 : 0,
      JSON.stringify(a.annotations),
      Date.now(),
    );
  }

  /** User-set config of an application. */
  appConfig(app: AppRow): Record<string, ConfigValue> {
    const o = parseObject(app.config, `config of ${app.name}`);
    const out: Record<string, ConfigValue> = {};
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    }
    return out;
  }

  setAppConfig(name: string, config: Record<string, ConfigValue>): void {
    this.sql('UPDATE applications SET config = ? WHERE name = ?').run(JSON.stringify(config), name);
  }

  updateApp(
    name: string,
    fields: Partial<
      Pick<
        AppRow,
        | 'life'
        | 'leader'
        | 'version'
        | 'status'
        | 'status_message'
        | 'next_unit'
        | 'constraints'
        | 'exposed'
        | 'annotations'
        | 'charm_path'
        | 'meta'
      >
    >,
  ): void {
    const keys = Object.keys(fields) as Array<keyof typeof fields>;
    if (keys.length === 0) return;
    const sql = `UPDATE applications SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE name = @name`;
    this.sql(sql).run({ ...fields, name });
  }

  deleteApp(name: string): void {
    this.sql('DELETE FROM applications WHERE name = ?').run(name);
    this.metaCache.delete(name);
  }

  // ---- machines and units -------------------------------------------------------

  /**
   * The next number of a sequence kept in the model table. Ids are never reused (as in
   * Juju): a removed machine's directory may still be on its way out, and a removed
   * relation's id may still sit in a unit's deferred notices. `floor` covers stores
   * written before the sequence existed.
   */
  private nextId(sequence: string, floor: number): number {
    const stored = Number(this.getKey(sequence) ?? 0);
    const id = Math.max(Number.isSafeInteger(stored) ? stored : 0, floor);
    this.setKey(sequence, String(id + 1));
    return id;
  }

  addMachine(constraints: string): string {
    const row = this.sql<[], { n: number | null }>(
      'SELECT MAX(CAST(id AS INTEGER)) AS n FROM machines',
    ).get();
    const id = String(this.nextId('next-machine', (row?.n ?? -1) + 1));
    this.sql('INSERT INTO machines (id, constraints, created) VALUES (?, ?, ?)').run(
      id,
      constraints,
      Date.now(),
    );
    return id;
  }

  machines(): Array<{ id: string; constraints: string }> {
    return this.sql<[], { id: string; constraints: string }>(
      'SELECT id, constraints FROM machines ORDER BY CAST(id AS INTEGER)',
    ).all();
  }

  machine(id: string): { id: string; constraints: string } | undefined {
    return this.sql<[string], { id: string; constraints: string }>(
      'SELECT id, constraints FROM machines WHERE id = ?',
    ).get(id);
  }

  deleteMachine(id: string): void {
    this.sql('DELETE FROM machines WHERE id = ?').run(id);
  }

  unit(name: string): UnitRow | undefined {
    return this.sql<[string], UnitRow>('SELECT * FROM units WHERE name = ?').get(name);
  }

  units(app?: string): UnitRow[] {
    return app === undefined
      ? this.sql<[], UnitRow>('SELECT * FROM units ORDER BY app, number').all()
      : this.sql<[string], UnitRow>('SELECT * FROM units WHERE app = ? ORDER BY number').all(app);
  }

  /** Add a unit of `app` on `machine`; returns its name. */
  addUnit(app: string, machine: string, principal: string | null, address: string): string {
    const a = this.app(app);
    if (!a) throw new Error(`no application '${app}'`);
    const name = `${app}/${a.next_unit}`;
    this.sql(
      'INSERT INTO units (name, app, number, machine, principal, address, update_due) VALUES (?, ?, ?, ?, ?, ?, NULL)',
    ).run(name, app, a.next_unit, machine, principal, address);
    this.updateApp(app, { next_unit: a.next_unit + 1 });
    return name;
  }

  updateUnit(name: string, fields: Partial<Omit<UnitRow, 'name' | 'app' | 'number'>>): void {
    const keys = Object.keys(fields) as Array<keyof typeof fields>;
    if (keys.length === 0) return;
    const sql = `UPDATE units SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE name = @name`;
    this.sql(sql).run({ ...fields, name });
  }

  deleteUnit(name: string): void {
    for (const sql of [
      'DELETE FROM units WHERE name = ?',
      'DELETE FROM scopes WHERE unit = ?',
      'DELETE FROM seen WHERE unit = ?',
      'DELETE FROM ports WHERE unit = ?',
      'DELETE FROM secret_consumers WHERE unit = ?',
    ]) {
      this.sql(sql).run(name);
    }
    this.sql('DELETE FROM databags WHERE owner = ? AND is_app = 0').run(name);
  }

  // ---- relations --------------------------------------------------------------

  relations(): RelationRow[] {
    return this.sql<[], RelationRow>('SELECT * FROM relations ORDER BY id').all();
  }

  relation(id: number): RelationRow | undefined {
    return this.sql<[number], RelationRow>('SELECT * FROM relations WHERE id = ?').get(id);
  }

  relationsOf(app: string): RelationRow[] {
    return this.sql<[string, string], RelationRow>(
      'SELECT * FROM relations WHERE app1 = ? OR app2 = ? ORDER BY id',
    ).all(app, app);
  }

  addRelation(r: Omit<RelationRow, 'id' | 'life'>): number {
    const row = this.sql<[], { n: number | null }>('SELECT MAX(id) AS n FROM relations').get();
    const id = this.nextId('next-relation', (row?.n ?? -1) + 1);
    this.sql(
      `INSERT INTO relations (id, key, app1, ep1, role1, app2, ep2, role2, interface, scope, peer)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, r.key, r.app1, r.ep1, r.role1, r.app2, r.ep2, r.role2, r.interface, r.scope, r.peer);
    return id;
  }

  setRelationLife(id: number, life: 'alive' | 'dying'): void {
    this.sql('UPDATE relations SET life = ? WHERE id = ?').run(life, id);
  }

  deleteRelation(id: number): void {
    for (const sql of [
      'DELETE FROM relations WHERE id = ?',
      'DELETE FROM databags WHERE relation = ?',
      'DELETE FROM scopes WHERE relation = ?',
      'DELETE FROM seen WHERE relation = ?',
      'DELETE FROM secret_grants WHERE relation = ?',
    ]) {
      this.sql(sql).run(id);
    }
  }

  scopeUnits(relation: number): string[] {
    return this.sql<[number], { unit: string }>('SELECT unit FROM scopes WHERE relation = ?')
      .all(relation)
      .map((r) => r.unit);
  }

  /**
   * Units of `app` in scope of `relation`, with their life, principal and databag
   * version, in one query (unit names are `<app>/<n>`: a key range selects one app).
   */
  scopeMembers(
    relation: number,
    app: string,
  ): Array<{ unit: string; life: string; principal: string | null; version: number }> {
    return this.sql<
      [number, string, string],
      { unit: string; life: string; principal: string | null; version: number }
    >(
      `SELECT s.unit AS unit, u.life AS life, u.principal AS principal, COALESCE(d.version, 0) AS version
       FROM scopes s JOIN units u ON u.name = s.unit
       LEFT JOIN databags d ON d.relation = s.relation AND d.owner = s.unit AND d.is_app = 0
       WHERE s.relation = ? AND s.unit >= ? AND s.unit < ?`,
    ).all(relation, `${app}/`, `${app}0`);
  }

  inScope(relation: number, unit: string): boolean {
    return (
      this.sql<[number, string], { unit: string }>(
        'SELECT unit FROM scopes WHERE relation = ? AND unit = ?',
      ).get(relation, unit) !== undefined
    );
  }

  enterScope(relation: number, unit: string): void {
    this.sql('INSERT OR IGNORE INTO scopes (relation, unit) VALUES (?, ?)').run(relation, unit);
  }

  leaveScope(relation: number, unit: string): void {
    this.sql('DELETE FROM scopes WHERE relation = ? AND unit = ?').run(relation, unit);
    this.sql('DELETE FROM seen WHERE relation = ? AND unit = ?').run(relation, unit);
  }

  databag(
    relation: number,
    owner: string,
    isApp: boolean,
  ): { data: Record<string, string>; version: number } {
    const row = this.sql<[number, string, number], DatabagRow>(
      'SELECT * FROM databags WHERE relation = ? AND owner = ? AND is_app = ?',
    ).get(relation, owner, isApp ? 1 : 0);
    return row
      ? { data: parseStringMap(row.data, `databag ${owner} on relation ${relation}`), version: row.version }
      : { data: {}, version: 0 };
  }

  /** Replace a databag; the version moves only when the content changed (no relation-changed for identical data). */
  setDatabag(relation: number, owner: string, isApp: boolean, data: Record<string, string>): void {
    const current = this.databag(relation, owner, isApp);
    const text = JSON.stringify(sortKeys(data));
    if (text === JSON.stringify(sortKeys(current.data))) return;
    this.sql(
      `INSERT INTO databags (relation, owner, is_app, data, version) VALUES (?, ?, ?, ?, 1)
         ON CONFLICT(relation, owner, is_app) DO UPDATE SET data = excluded.data, version = databags.version + 1`,
    ).run(relation, owner, isApp ? 1 : 0, text);
  }

  seen(relation: number, unit: string): SeenRow[] {
    return this.sql<[number, string], SeenRow>('SELECT * FROM seen WHERE relation = ? AND unit = ?').all(
      relation,
      unit,
    );
  }

  setSeen(relation: number, unit: string, remote: string, isApp: boolean, version: number): void {
    this.sql(
      `INSERT INTO seen (relation, unit, remote, is_app, version) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(relation, unit, remote, is_app) DO UPDATE SET version = excluded.version`,
    ).run(relation, unit, remote, isApp ? 1 : 0, version);
  }

  unsee(relation: number, unit: string, remote: string): void {
    this.sql('DELETE FROM seen WHERE relation = ? AND unit = ? AND remote = ?').run(relation, unit, remote);
  }

  // ---- ports, tasks, logs, hooks ----------------------------------------------

  ports(unit: string): string[] {
    return this.sql<[string], { port: string }>('SELECT port FROM ports WHERE unit = ? ORDER BY port')
      .all(unit)
      .map((r) => r.port);
  }

  setPorts(unit: string, ports: readonly string[]): void {
    this.sql('DELETE FROM ports WHERE unit = ?').run(unit);
    for (const p of ports) this.sql('INSERT INTO ports (unit, port) VALUES (?, ?)').run(unit, p);
  }

  addTask(unit: string, action: string, params: Record<string, unknown>): number {
    const r = this.sql('INSERT INTO tasks (unit, action, params, created) VALUES (?, ?, ?, ?)').run(
      unit,
      action,
      JSON.stringify(params),
      Date.now(),
    );
    return Number(r.lastInsertRowid);
  }

  task(id: number): TaskRow | undefined {
    return this.sql<[number], TaskRow>('SELECT * FROM tasks WHERE id = ?').get(id);
  }

  pendingTasks(unit: string): TaskRow[] {
    return this.sql<[string], TaskRow>(
      "SELECT * FROM tasks WHERE unit = ? AND status = 'pending' ORDER BY id",
    ).all(unit);
  }

  finishTask(
    id: number,
    status: 'completed' | 'failed',
    message: string,
    results: Record<string, unknown>,
    log: string[],
  ): void {
    this.sql('UPDATE tasks SET status = ?, message = ?, results = ?, log = ?, finished = ? WHERE id = ?').run(
      status,
      message,
      JSON.stringify(results),
      JSON.stringify(log),
      Date.now(),
      id,
    );
  }

  addLog(entity: string, level: string, module: string, message: string): number {
    const r = this.sql('INSERT INTO logs (ts, entity, level, module, message) VALUES (?, ?, ?, ?, ?)').run(
      Date.now(),
      entity,
      level,
      module,
      message,
    );
    return Number(r.lastInsertRowid);
  }

  logsAfter(
    id: number,
    limit = 1000,
  ): Array<{ id: number; ts: number; entity: string; level: string; module: string; message: string }> {
    return this.sql<
      [number, number],
      { id: number; ts: number; entity: string; level: string; module: string; message: string }
    >('SELECT * FROM logs WHERE id > ? ORDER BY id LIMIT ?').all(id, limit);
  }

  addHookRecord(unit: string, hook: string, started: number, ms: number, outcome: 'ok' | 'error'): void {
    this.sql('INSERT INTO hooks (unit, hook, started, ms, outcome) VALUES (?, ?, ?, ?, ?)').run(
      unit,
      hook,
      started,
      ms,
      outcome,
    );
  }

  hookHistory(
    unit: string,
    limit = 20,
  ): Array<{ hook: string; started: number; ms: number; outcome: string }> {
    return this.sql<[string, number], { hook: string; started: number; ms: number; outcome: string }>(
      'SELECT hook, started, ms, outcome FROM hooks WHERE unit = ? ORDER BY id DESC LIMIT ?',
    )
      .all(unit, limit)
      .reverse();
  }
}
