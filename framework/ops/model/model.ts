/**
 * The Model: what a charm sees of Juju's model during one dispatch. Lazy, like ops:
 * nothing is read from the backend until the charm asks, and every read goes
 * through the one ModelBackend, so the same charm runs under Juju, the controller
 * and tests.
 */
import type { ConfigValue, ModelBackend } from '../backend.js';
import { ModelError, TooManyRelatedAppsError } from '../errors.js';
import { Redactor } from '../log.js';
import { typedConfig } from '../meta/config.js';
import type { CharmMeta } from '../meta/types.js';
import type { ActionContext } from './action.js';
import { Binding, checkBindingName } from './network.js';
import { Relation } from './relation.js';
import { canonicalSecretId } from '../secret-content.js';
import { Secret } from './secret.js';
import { StorageMapping } from './storage.js';
import { Application, Unit } from './unit.js';

/** What the Model must know about the hook being run. */
export interface HookContext {
  /** In relation-broken: this relation no longer shows in `relations`. */
  brokenRelationId?: number;
  /** In departed/broken: a remote unit whose databag stays readable. */
  departedUnit?: { relationId: number; unit: string };
  /** What the hook's environment says the remote application of a relation is. */
  remoteApp?: { relationId: number; app: string };
}

export interface ModelOptions extends HookContext {
  backend: ModelBackend;
  meta: CharmMeta;
  redactor?: Redactor;
}

export class Model {
  readonly backend: ModelBackend;
  readonly meta: CharmMeta;
  readonly redactor: Redactor;
  readonly unit: Unit;
  readonly app: Application;
  readonly storages: StorageMapping;

  /** The running action's context (set by the dispatcher for action events). */
  actionContext: ActionContext | undefined;

  private readonly units = new Map<string, Unit>();
  private readonly apps = new Map<string, Application>();
  private configCache: Readonly<Record<string, ConfigValue>> | undefined;

  private hook: HookContext;
  private relationMapping: RelationMapping;

  constructor(options: ModelOptions) {
    this.backend = options.backend;
    this.meta = options.meta;
    this.redactor = options.redactor ?? new Redactor();
    this.hook = options;
    this.app = this.getApp(this.backend.appName);
    this.unit = this.getUnit(this.backend.unitName);
    this.storages = new StorageMapping(this);
    this.relationMapping = new RelationMapping(this, options);
  }

  /** Relations by endpoint: `model.relations.get('db')`. */
  get relations(): RelationMapping {
    return this.relationMapping;
  }

  /**
   * Switch to the next event of a batch. The backend's view does not change within a
   * dispatch, so relations (and their cached databags) are kept, except those the new
   * event's context changes (the relation being broken, or losing a departed unit).
   */
  setHookContext(hook: HookContext): void {
    const touched = [
      hook.brokenRelationId,
      hook.departedUnit?.relationId,
      this.hook.brokenRelationId,
      this.hook.departedUnit?.relationId,
    ];
    this.hook = hook;
    this.relationMapping = this.relationMapping.withContext(
      hook,
      touched.filter((id): id is number => id !== undefined),
    );
  }

  get name(): string {
    return this.backend.modelName;
  }

  get uuid(): string {
    return this.backend.modelUuid;
  }

  /** Typed configuration: declared options with their defaults, checked against charm.yaml. */
  get config(): Readonly<Record<string, ConfigValue>> {
    this.configCache ??= Object.freeze(typedConfig(this.meta, this.backend.configGet()));
    return this.configCache;
  }

  /** The Unit object for `app/N` (cached, so identity comparisons work). */
  getUnit(name: string): Unit {
    let u = this.units.get(name);
    if (!u) {
      const m = /^([a-z][a-z0-9-]*)\/(\d+)$/.exec(name);
      if (!m || m[1] === undefined) throw new ModelError(`'${name}' is not a unit name (expected app/N)`);
      u = new Unit(name, this.getApp(m[1]), this);
      this.units.set(name, u);
    }
    return u;
  }

  getApp(name: string): Application {
    let a = this.apps.get(name);
    if (!a) {
      a = new Application(name, this);
      this.apps.set(name, a);
    }
    return a;
  }

  /**
   * The one relation on `endpoint` (or the one with `id`); undefined when there is
   * none. Throws TooManyRelatedAppsError if there are several and no id is given.
   */
  getRelation(endpoint: string, id?: number): Relation | undefined {
    const rels = this.relations.get(endpoint);
    if (id !== undefined) return rels.find((r) => r.id === id) ?? this.getRelationById(endpoint, id);
    if (rels.length > 1) {
      throw new TooManyRelatedAppsError(
        `endpoint '${endpoint}' has ${rels.length} relations; pass the relation id`,
      );
    }
    return rels[0];
  }

  /** A relation by id, active or not (a broken or vanished relation is inactive). */
  getRelationById(endpoint: string, id: number): Relation {
    return this.relations.byId(endpoint, id);
  }

  /** The network binding of an endpoint, extra binding or relation. */
  getBinding(target: string | Relation): Binding {
    if (typeof target === 'string') {
      checkBindingName(this, target);
      return new Binding(this, target);
    }
    return new Binding(this, target.name, target.id);
  }

  /**
   * Look a secret up by id and/or label; with both, the label is attached to it
   * (how a consumer names a secret it was given). Content is fetched now.
   */
  getSecret(query: { id?: string; label?: string }): Secret {
    if (!query.id && !query.label) throw new ModelError('getSecret needs an id or a label');
    const content = this.backend.secretGet({ id: query.id, label: query.label });
    this.redactor.add(Object.values(content));
    return new Secret(this, { id: query.id, label: query.label, content });
  }

  /** A secret handle that fetches nothing until used (secret events). */
  lazySecret(id?: string, label?: string): Secret {
    return new Secret(this, { id: id === undefined ? undefined : canonicalSecretId(id), label });
  }

  /** The remote application of a relation, from the hook environment or relation-list --app. */
  remoteAppFor(relationId: number): string {
    if (this.hook.remoteApp?.relationId === relationId) return this.hook.remoteApp.app;
    return this.backend.relationRemoteApp(relationId);
  }
}

/** Relations by endpoint, loaded lazily; the relation being broken is left out, as in ops. */
export class RelationMapping {
  private readonly cache = new Map<string, Relation[]>();
  private readonly byIdCache = new Map<number, Relation>();
  private readonly idsCache = new Map<string, number[]>();

  constructor(
    private readonly model: Model,
    private readonly options: HookContext,
  ) {}

  /** Active relations on `endpoint`; throws for an endpoint charm.yaml does not declare. */
  get(endpoint: string): Relation[] {
    this.requireEndpoint(endpoint);
    let rels = this.cache.get(endpoint);
    if (!rels) {
      rels = this.ids(endpoint)
        .filter((id) => id !== this.options.brokenRelationId)
        .map((id) => this.byId(endpoint, id));
      this.cache.set(endpoint, rels);
    }
    return [...rels];
  }

  /** The same relations under another hook context; relations in `touched` are rebuilt. */
  withContext(options: HookContext, touched: readonly number[]): RelationMapping {
    const next = new RelationMapping(this.model, options);
    for (const [id, rel] of this.byIdCache) if (!touched.includes(id)) next.byIdCache.set(id, rel);
    for (const [ep, ids] of this.idsCache) next.idsCache.set(ep, ids);
    return next;
  }

  /** Every declared endpoint with its active relations. */
  entries(): Array<[string, Relation[]]> {
    return Object.keys(this.model.meta.endpoints).map((ep) => [ep, this.get(ep)]);
  }

  byId(endpoint: string, id: number): Relation {
    this.requireEndpoint(endpoint);
    let rel = this.byIdCache.get(id);
    if (!rel) {
      const active = id !== this.options.brokenRelationId && this.isListed(endpoint, id);
      const departed = this.options.departedUnit?.relationId === id ? [this.options.departedUnit.unit] : [];
      rel = new Relation(this.model, endpoint, id, active, departed);
      this.byIdCache.set(id, rel);
    } else if (rel.name !== endpoint) {
      throw new ModelError(`relation ${id} belongs to endpoint '${rel.name}', not '${endpoint}'`);
    }
    return rel;
  }

  private isListed(endpoint: string, id: number): boolean {
    return this.ids(endpoint).includes(id);
  }

  /** relation-ids for an endpoint, once per dispatch. */
  private ids(endpoint: string): number[] {
    let ids = this.idsCache.get(endpoint);
    if (!ids) {
      ids = this.model.backend.relationIds(endpoint);
      this.idsCache.set(endpoint, ids);
    }
    return ids;
  }

  private requireEndpoint(endpoint: string): void {
    if (!(endpoint in this.model.meta.endpoints)) {
      const known = Object.keys(this.model.meta.endpoints).join(', ') || 'none';
      throw new ModelError(`charm.yaml declares no endpoint '${endpoint}' (declared: ${known})`);
    }
  }
}
