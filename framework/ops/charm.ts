/**
 * CharmBase and the events every charm has. A charm subclasses CharmBase and
 * observes events in its constructor:
 *
 *   class DemoCharm extends CharmBase {
 *     constructor(framework: Framework) {
 *       super(framework);
 *       this.observe(this.on.configChanged, this.onConfigChanged);
 *       this.observe(this.on.relationChanged('db'), this.onDbChanged);
 *     }
 *   }
 *   await main(DemoCharm);
 */
import type { ConfigValue } from './backend.js';
import { BlockedStatus } from './status.js';
import { ModelError } from './errors.js';
import {
  ActionEvent,
  CollectStatusEvent,
  ConfigChangedEvent,
  InstallEvent,
  LeaderElectedEvent,
  LeaderSettingsChangedEvent,
  RelationBrokenEvent,
  RelationChangedEvent,
  RelationCreatedEvent,
  RelationDepartedEvent,
  RelationJoinedEvent,
  RemoveEvent,
  SecretChangedEvent,
  SecretExpiredEvent,
  SecretRemoveEvent,
  SecretRotateEvent,
  StartEvent,
  StopEvent,
  StorageAttachedEvent,
  StorageDetachingEvent,
  UpdateStatusEvent,
  UpgradeCharmEvent,
  type RelationEventArgs,
  type SafeParser,
} from './events.js';
import type { Framework } from './framework/framework.js';
import { type BoundEvent, FrameworkObject, ObjectEvents } from './framework/object.js';
import { AbortDispatch } from './dispatch/types.js';
import type { Machine } from './machine.js';
import type { CharmMeta } from './meta/types.js';
import type { ActionContext } from './model/action.js';
import type { Relation } from './model/relation.js';
import type { Secret } from './model/secret.js';
import type { Storage } from './model/storage.js';
import type { Application, Unit } from './model/unit.js';

/** Juju's dashed names to ops' handle kinds: `db-admin` → `db_admin`. */
export function snake(name: string): string {
  return name.replace(/-/g, '_');
}

type DepartedArgs = [
  relation: Relation,
  app: Application | null,
  unit: Unit | null,
  departingUnit: Unit | null,
];

interface EndpointEvents {
  created: BoundEvent<RelationCreatedEvent, RelationEventArgs>;
  joined: BoundEvent<RelationJoinedEvent, RelationEventArgs>;
  changed: BoundEvent<RelationChangedEvent, RelationEventArgs>;
  departed: BoundEvent<RelationDepartedEvent, DepartedArgs>;
  broken: BoundEvent<RelationBrokenEvent, RelationEventArgs>;
}

interface StorageEvents {
  attached: BoundEvent<StorageAttachedEvent, [Storage]>;
  detaching: BoundEvent<StorageDetachingEvent, [Storage]>;
}

/** The events of a charm: fixed lifecycle events plus per-endpoint, per-storage and per-action events from charm.yaml. */
export class CharmEvents extends ObjectEvents {
  readonly install = this.define('install', InstallEvent);
  readonly start = this.define('start', StartEvent);
  readonly stop = this.define('stop', StopEvent);
  readonly remove = this.define('remove', RemoveEvent);
  readonly configChanged = this.define('config_changed', ConfigChangedEvent);
  readonly updateStatus = this.define('update_status', UpdateStatusEvent);
  readonly upgradeCharm = this.define('upgrade_charm', UpgradeCharmEvent);
  readonly leaderElected = this.define('leader_elected', LeaderElectedEvent);
  readonly leaderSettingsChanged = this.define('leader_settings_changed', LeaderSettingsChangedEvent);
  readonly secretChanged = this.define('secret_changed', SecretChangedEvent);
  readonly secretRotate = this.define('secret_rotate', SecretRotateEvent);
  readonly secretRemove = this.define<SecretRemoveEvent, [Secret, number]>(
    'secret_remove',
    SecretRemoveEvent,
  );
  readonly secretExpired = this.define<SecretExpiredEvent, [Secret, number]>(
    'secret_expired',
    SecretExpiredEvent,
  );
  readonly collectAppStatus = this.define('collect_app_status', CollectStatusEvent);
  readonly collectUnitStatus = this.define('collect_unit_status', CollectStatusEvent);

  private readonly endpoints = new Map<string, EndpointEvents>();
  private readonly storages = new Map<string, StorageEvents>();
  private readonly actions = new Map<string, BoundEvent<ActionEvent, [ActionContext]>>();

  constructor(charm: CharmBase, meta: CharmMeta) {
    super(charm);
    for (const ep of Object.keys(meta.endpoints)) {
      const p = snake(ep);
      this.endpoints.set(ep, {
        created: this.define(`${p}_relation_created`, RelationCreatedEvent),
        joined: this.define(`${p}_relation_joined`, RelationJoinedEvent),
        changed: this.define(`${p}_relation_changed`, RelationChangedEvent),
        departed: this.define(`${p}_relation_departed`, RelationDepartedEvent),
        broken: this.define(`${p}_relation_broken`, RelationBrokenEvent),
      });
    }
    for (const st of Object.keys(meta.storage)) {
      const p = snake(st);
      this.storages.set(st, {
        attached: this.define(`${p}_storage_attached`, StorageAttachedEvent),
        detaching: this.define(`${p}_storage_detaching`, StorageDetachingEvent),
      });
    }
    for (const action of Object.keys(meta.actions)) {
      this.actions.set(action, this.define(`${snake(action)}_action`, ActionEvent));
    }
  }

  relationCreated(endpoint: string): BoundEvent<RelationCreatedEvent, RelationEventArgs> {
    return this.endpoint(endpoint).created;
  }
  relationJoined(endpoint: string): BoundEvent<RelationJoinedEvent, RelationEventArgs> {
    return this.endpoint(endpoint).joined;
  }
  relationChanged(endpoint: string): BoundEvent<RelationChangedEvent, RelationEventArgs> {
    return this.endpoint(endpoint).changed;
  }
  relationDeparted(endpoint: string): BoundEvent<RelationDepartedEvent, DepartedArgs> {
    return this.endpoint(endpoint).departed;
  }
  relationBroken(endpoint: string): BoundEvent<RelationBrokenEvent, RelationEventArgs> {
    return this.endpoint(endpoint).broken;
  }
  storageAttached(name: string): BoundEvent<StorageAttachedEvent, [Storage]> {
    return this.storage(name).attached;
  }
  storageDetaching(name: string): BoundEvent<StorageDetachingEvent, [Storage]> {
    return this.storage(name).detaching;
  }
  /** The event of an action declared in charm.yaml: `this.on.action('set-node-state')`. */
  action(name: string): BoundEvent<ActionEvent, [ActionContext]> {
    const ev = this.actions.get(name);
    if (!ev)
      throw new ModelError(
        `charm.yaml declares no action '${name}' (declared: ${[...this.actions.keys()].join(', ') || 'none'})`,
      );
    return ev;
  }

  private endpoint(name: string): EndpointEvents {
    const ev = this.endpoints.get(name);
    if (!ev)
      throw new ModelError(
        `charm.yaml declares no endpoint '${name}' (declared: ${[...this.endpoints.keys()].join(', ') || 'none'})`,
      );
    return ev;
  }

  private storage(name: string): StorageEvents {
    const ev = this.storages.get(name);
    if (!ev)
      throw new ModelError(
        `charm.yaml declares no storage '${name}' (declared: ${[...this.storages.keys()].join(', ') || 'none'})`,
      );
    return ev;
  }
}

/** Base class of every charm. */
export class CharmBase extends FrameworkObject {
  readonly on: CharmEvents;

  constructor(framework: Framework) {
    super(framework, null);
    this.on = new CharmEvents(this, framework.meta);
  }

  get meta(): CharmMeta {
    return this.framework.meta;
  }

  /** This charm's own unit. */
  get unit(): Unit {
    return this.model.unit;
  }

  get app(): Application {
    return this.model.app;
  }

  /** Typed config from charm.yaml's options, defaults filled in. */
  get config(): Readonly<Record<string, ConfigValue>> {
    return this.model.config;
  }

  /** The machine this unit runs on: files, packages, services, exec, hardware. */
  get machine(): Machine {
    return this.framework.machine;
  }

  /**
   * Parse the config with a zod-style schema whose keys are the option names in
   * camelCase (`cluster-name` → `clusterName`). With `errors: 'blocked'`, invalid
   * config sets Blocked("Invalid config: …") and ends the dispatch successfully, so
   * Juju does not retry a hook that cannot succeed until the operator changes config.
   */
  loadConfig<T>(schema: SafeParser<T>, options: { errors?: 'raise' | 'blocked' } = {}): T {
    const input: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.config)) input[camel(k)] = v;
    const r = schema.safeParse(input);
    if (r.success) return r.data;
    const reason = r.error.issues
      .map((i) => `${i.path.map((p) => kebab(String(p))).join('.') || '(config)'}: ${i.message}`)
      .join('; ');
    if (options.errors === 'blocked') {
      this.unit.status = new BlockedStatus(`Invalid config: ${reason}`);
      throw new AbortDispatch(0, `invalid config: ${reason}`);
    }
    throw new ModelError(`invalid config: ${reason}`);
  }
}

function camel(s: string): string {
  return s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
