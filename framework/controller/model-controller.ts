/**
 * One model: its store, its substrate's machines and its unit agents. Every
 * operation validates its input completely before it writes anything, then writes in
 * one store transaction, then wakes the agents — so a bad request leaves the model
 * unchanged and a crash leaves it consistent.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigValue } from '../ops/backend.js';
import { parseConfigAssignment } from '../ops/meta/config.js';
import type { CharmMeta } from '../ops/meta/types.js';
import { NetnsSubstrate } from '../substrates/netns/substrate.js';
import { SandboxSubstrate } from '../substrates/sandbox/substrate.js';
import type { Substrate } from '../substrates/substrate.js';
import { ProcessIsolation } from './agent/process/isolation.js';
import { Scheduler, type Clock } from './agent/scheduler.js';
import { importCharmClass, loadCharm } from './charms.js';
import { ModelMachines } from './model-machines.js';
import { addSubordinatesFor, insertUnits, killUnit } from './model-units.js';
import { parseEndpointRef, resolveRelation } from './endpoints.js';
import { ApiError } from './api/protocol.js';
import { resetInFlight } from './store/recovery.js';
import { Store, type AppRow } from './store/store.js';

export interface ModelControllerOptions {
  clock?: Clock;
  concurrency?: number;
  maxBatch?: number;
  onChange?: () => void;
  /** 'process': every hook runs as a child process with Juju's environment and hook tools (agent/process/). */
  isolation?: 'in-process' | 'process';
  /** Where units live, for a new model (an existing one keeps what its store says). */
  substrate?: 'sandbox' | 'netns';
}

export interface AddApplicationSpec {
  name: string;
  charmPath: string;
  meta: CharmMeta;
  numUnits: number;
  config: Record<string, ConfigValue>;
  constraints: string;
  annotations?: Record<string, string>;
  exposed?: boolean;
  trust?: boolean;
  /** Placement directives for the units; the rest go on new machines. */
  to?: readonly string[];
}

const APP_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$/;

export class ModelController {
  readonly store: Store;
  readonly substrate: Substrate;
  readonly scheduler: Scheduler;
  /** The substrate's machines, following the store. */
  readonly machines: ModelMachines;

  private constructor(
    readonly name: string,
    readonly dir: string,
    options: ModelControllerOptions,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.store = new Store(join(dir, 'model.db'));
    this.store.initModel(name, options.substrate ?? 'sandbox');
    this.substrate = this.makeSubstrate(options);
    this.machines = new ModelMachines(this.store, this.substrate);
    this.scheduler = new Scheduler({
      store: this.store,
      charmClass: async (app) => {
        const row = this.store.app(app);
        if (!row) throw new Error(`application ${app} is gone`);
        return importCharmClass(row.charm_path);
      },
      machine: (unit) => this.machines.machine(unit.machine),
      machineGone: (id) => this.machines.gone(id),
      clock: options.clock,
      concurrency: options.concurrency,
      maxBatch: options.maxBatch,
      onChange: options.onChange,
      isolation: options.isolation === 'process' ? new ProcessIsolation(join(dir, 'isolation')) : undefined,
    });
  }

  /** The substrate the store names; netns machines log their daemons' output into the model's log. */
  private makeSubstrate(options: ModelControllerOptions): Substrate {
    const kind = this.store.getKey('substrate') ?? 'sandbox';
    if (kind === 'sandbox') return new SandboxSubstrate({ modelDir: this.dir });
    if (kind !== 'netns') throw new Error(`model ${this.name} names an unknown substrate '${kind}'`);
    const tag = (this.store.getKey('uuid') ?? '').replaceAll('-', '').slice(0, 8);
    return new NetnsSubstrate({
      modelDir: this.dir,
      tag,
      log: (entity, level, module, message) => {
        this.store.addLog(entity, level, module, message);
        options.onChange?.();
      },
    });
  }

  /** Open (or create) the model in `dir`; its agents resume where the store says. */
  static open(name: string, dir: string, options: ModelControllerOptions = {}): ModelController {
    const mc = new ModelController(name, dir, options);
    // Whatever was running when the last controller stopped (or was killed) runs again.
    resetInFlight(mc.store);
    mc.machines.reconcile();
    mc.scheduler.kick();
    return mc;
  }

  close(): void {
    this.scheduler.stop();
    this.substrate.close();
    this.store.close();
  }

  /** destroy-model: stop the agents, then remove everything the substrate made (processes, namespaces, files). */
  async destroy(): Promise<void> {
    this.scheduler.stop();
    await this.machines.ready();
    await this.substrate.destroy();
    this.store.close();
  }

  /** Resolves when no hook is pending or running (units in error wait for a resolve or retry). */
  async idle(): Promise<void> {
    await this.machines.ready();
    return this.scheduler.idle();
  }

  // ---- applications and units ---------------------------------------------------

  private requireApp(name: string): AppRow {
    const a = this.store.app(name);
    if (!a || a.life !== 'alive')
      throw new ApiError('not-found', `unknown application '${name}': see 'tsops status'`);
    return a;
  }

  /** Deploy one charm by reference (a path, or a name under charms/). */
  async deployCharm(p: {
    ref: string;
    app?: string;
    numUnits: number;
    config: Record<string, string>;
    constraints: string;
    baseDir: string;
    /** Placement directives for the units (`--to`); the rest go on new machines. */
    to?: readonly string[];
  }): Promise<string[]> {
    let charm: { path: string; meta: CharmMeta };
    try {
      charm = loadCharm(p.ref, p.baseDir);
    } catch (e) {
      throw new ApiError('bad-request', (e as Error).message);
    }
    const name = p.app ?? charm.meta.name;
    const config: Record<string, ConfigValue> = {};
    for (const [k, v] of Object.entries(p.config)) {
      try {
        config[k] = parseConfigAssignment(charm.meta, k, v);
      } catch (e) {
        throw new ApiError('bad-request', (e as Error).message);
      }
    }
    return this.addApplication({
      name,
      charmPath: charm.path,
      meta: charm.meta,
      numUnits: charm.meta.subordinate ? 0 : p.numUnits,
      config,
      constraints: p.constraints,
      to: p.to,
    });
  }

  /** Add an application with its peer relations and units; returns the new units. */
  async addApplication(spec: AddApplicationSpec): Promise<string[]> {
    if (!APP_NAME.test(spec.name))
      throw new ApiError(
        'bad-request',
        `invalid application name '${spec.name}': lowercase words joined by hyphens`,
      );
    if (this.store.app(spec.name))
      throw new ApiError(
        'conflict',
        `application '${spec.name}' already exists: use 'tsops add-unit ${spec.name}' to scale it`,
      );
    if (spec.meta.subordinate && spec.numUnits > 0)
      throw new ApiError(
        'bad-request',
        `'${spec.name}' is a subordinate: its units come with relations, not -n`,
      );
    const created = this.store.transaction(() => {
      this.store.addApp({
        name: spec.name,
        charmPath: spec.charmPath,
        meta: spec.meta,
        config: spec.config,
        constraints: spec.constraints,
        annotations: spec.annotations ?? {},
        exposed: spec.exposed ?? false,
        trust: spec.trust ?? false,
      });
      for (const ep of Object.values(spec.meta.endpoints)) {
        if (ep.role !== 'peers') continue;
        this.store.addRelation({
          key: `${spec.name}:${ep.name}`,
          app1: spec.name,
          ep1: ep.name,
          role1: 'peer',
          app2: spec.name,
          ep2: ep.name,
          role2: 'peer',
          interface: ep.interface,
          scope: 'global',
          peer: 1,
        });
      }
      return insertUnits(this.store, spec.name, spec.numUnits, spec.to ?? []);
    });
    return this.finishUnits(created);
  }

  /** Add `count` units of `app`, each on a new machine. */
  async addUnits(app: string, count: number, to: readonly string[] = []): Promise<string[]> {
    const a = this.requireApp(app);
    if (this.store.meta(a).subordinate)
      throw new ApiError(
        'bad-request',
        `'${app}' is a subordinate: relate it to a principal instead of adding units`,
      );
    return this.finishUnits(this.store.transaction(() => insertUnits(this.store, app, count, to)));
  }

  /** After the commit: the substrate side (idempotent; a restart redoes what a crash cut short). */
  private async finishUnits(created: Array<{ unit: string; machine: string }>): Promise<string[]> {
    for (const c of created) await this.machines.machine(c.machine);
    this.scheduler.kick();
    return created.map((c) => c.unit);
  }

  /** Mark units dying: they run departed/broken, stop and remove, then disappear. */
  removeUnits(units: string[]): string[] {
    for (const name of units) {
      const u = this.store.unit(name);
      if (!u) throw new ApiError('not-found', `unknown unit '${name}': see 'tsops status'`);
      if (u.principal)
        throw new ApiError(
          'bad-request',
          `'${name}' is a subordinate: remove its principal ${u.principal} or the relation`,
        );
    }
    this.store.transaction(() => {
      for (const name of units) killUnit(this.store, name);
    });
    this.scheduler.kick();
    return units;
  }

  removeApplication(app: string): void {
    this.requireApp(app);
    this.store.transaction(() => {
      this.store.updateApp(app, { life: 'dying' });
      for (const r of this.store.relationsOf(app)) this.killRelation(r.id);
      for (const u of this.store.units(app)) killUnit(this.store, u.name);
      if (this.store.units(app).length === 0) this.store.deleteApp(app);
    });
    this.scheduler.kick();
  }

  // ---- relations --------------------------------------------------------------------

  integrate(aText: string, bText: string): number {
    const a = parseEndpointRef(aText);
    const b = parseEndpointRef(bText);
    const aRow = this.requireApp(a.app);
    const bRow = this.requireApp(b.app);
    let resolved;
    try {
      resolved = resolveRelation(a, this.store.meta(aRow), b, this.store.meta(bRow));
    } catch (e) {
      throw new ApiError('bad-request', (e as Error).message);
    }
    const same = this.store.relations().find((r) => r.key === resolved.key);
    if (same) {
      const pair = resolved.key.replace(' ', ' and ');
      throw new ApiError(
        'conflict',
        same.life === 'alive'
          ? `${pair} are already related`
          : `${pair} are still being unrelated: wait for 'tsops wait', then integrate again`,
      );
    }
    for (const side of [resolved.provider, resolved.requirer]) {
      const limit = side.endpoint.limit;
      const count = this.store
        .relationsOf(side.app)
        .filter(
          (r) =>
            r.life === 'alive' &&
            ((r.app1 === side.app && r.ep1 === side.endpoint.name) ||
              (r.app2 === side.app && r.ep2 === side.endpoint.name)),
        ).length;
      if (limit !== undefined && count >= limit) {
        throw new ApiError(
          'bad-request',
          `${side.app}:${side.endpoint.name} allows ${limit} relation(s) and has ${count}`,
        );
      }
    }
    const id = this.store.transaction(() => {
      const rid = this.store.addRelation({
        key: resolved.key,
        app1: resolved.provider.app,
        ep1: resolved.provider.endpoint.name,
        role1: 'provider',
        app2: resolved.requirer.app,
        ep2: resolved.requirer.endpoint.name,
        role2: 'requirer',
        interface: resolved.interface,
        scope: resolved.scope,
        peer: 0,
      });
      if (resolved.scope === 'container') {
        for (const app of [resolved.provider.app, resolved.requirer.app]) {
          for (const u of this.store.units(app))
            if (!u.principal && u.life === 'alive') addSubordinatesFor(this.store, u.name);
        }
      }
      return rid;
    });
    this.scheduler.kick();
    return id;
  }

  removeRelation(aText: string, bText: string): number {
    const a = parseEndpointRef(aText);
    const b = parseEndpointRef(bText);
    const matches = this.store.relations().filter((r) => {
      if (r.peer || r.life !== 'alive') return false;
      const sides = [
        { app: r.app1, ep: r.ep1 },
        { app: r.app2, ep: r.ep2 },
      ];
      const fits = (ref: typeof a, s: { app: string; ep: string }) =>
        ref.app === s.app && (ref.endpoint === undefined || ref.endpoint === s.ep);
      return (fits(a, sides[0]!) && fits(b, sides[1]!)) || (fits(a, sides[1]!) && fits(b, sides[0]!));
    });
    if (matches.length === 0)
      throw new ApiError(
        'not-found',
        `no relation between ${aText} and ${bText}: see 'tsops status --relations'`,
      );
    if (matches.length > 1)
      throw new ApiError(
        'bad-request',
        `several relations between ${aText} and ${bText}: name the endpoints`,
      );
    const r = matches[0]!;
    this.store.transaction(() => this.killRelation(r.id));
    this.scheduler.kick();
    return r.id;
  }

  private killRelation(id: number): void {
    const r = this.store.relation(id);
    if (!r) return;
    this.store.setRelationLife(id, 'dying');
    if (this.store.scopeUnits(id).length === 0) this.store.deleteRelation(id);
    if (r.scope === 'container') {
      // Subordinate units exist because of this relation: they go with it.
      for (const app of [r.app1, r.app2]) {
        const row = this.store.app(app);
        if (row && this.store.meta(row).subordinate)
          for (const u of this.store.units(app)) killUnit(this.store, u.name);
      }
    }
  }

  // ---- config --------------------------------------------------------------------

  setConfig(app: string, values: Record<string, string>, reset: string[]): string[] {
    const a = this.requireApp(app);
    const meta = this.store.meta(a);
    const config = this.store.appConfig(a);
    const changed: string[] = [];
    for (const k of reset) {
      if (!Object.hasOwn(meta.config, k)) {
        const names = Object.keys(meta.config);
        const declared = names.length ? `declares: ${names.join(', ')}` : 'declares no config options';
        throw new ApiError('bad-request', `unknown config option '${k}' (charm '${meta.name}' ${declared})`);
      }
    }
    const parsed: Record<string, ConfigValue> = {};
    for (const [k, v] of Object.entries(values)) {
      try {
        parsed[k] = parseConfigAssignment(meta, k, v);
      } catch (e) {
        throw new ApiError('bad-request', (e as Error).message);
      }
    }
    for (const k of reset) {
      if (k in config) changed.push(k);
      delete config[k];
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (config[k] !== v) changed.push(k);
      config[k] = v;
    }
    this.store.setAppConfig(app, config);
    this.scheduler.kick(this.store.units(app).map((u) => u.name));
    return changed;
  }
}
