/**
 * The `slurmdbd` interface: slurmdbd PROVIDES it, slurmctld REQUIRES it.
 *
 * - slurmdbd app bag: `host` (where slurmctld reaches slurmdbd) and `port` (6819).
 * - slurmctld app bag: `munge-key-secret-id` (the munge key's secret, granted per
 *   relation: slurmdbd authenticates slurmctld with munge too).
 *
 *   readonly slurmdbd = new SlurmdbdRequirer(this, 'slurmdbd');   // slurmctld
 *   readonly slurmctld = new SlurmdbdProvider(this, 'slurmctld'); // slurmdbd
 */
import { z } from 'zod';
import { ObjectEvents, type CharmBase, type Relation, type Secret } from '../framework/ops/index.js';
import { HostSchema, PortSchema, SecretIdSchema } from './common.js';
import { InterfaceEvent, dataEvent } from './events.js';
import { RelationInterface } from './interface.js';
import { MungeKeyRecipient, grantingMungeKey } from './munge-key.js';

export const INTERFACE = 'slurmdbd';
export const VERSION = 1;
export const DEFAULT_SLURMDBD_PORT = 6819;

/** slurmdbd's application databag: `AccountingStorageHost`/`AccountingStoragePort` for slurm.conf. */
export const SlurmdbdAppSchema = z.object({
  host: HostSchema,
  port: PortSchema.default(DEFAULT_SLURMDBD_PORT),
});
export type SlurmdbdAppData = z.infer<typeof SlurmdbdAppSchema>;

/** slurmctld's application databag on this interface. */
export const SlurmdbdControllerAppSchema = z.object({
  'munge-key-secret-id': SecretIdSchema,
});
export type SlurmdbdControllerAppData = z.infer<typeof SlurmdbdControllerAppSchema>;

/** slurmdbd published (or moved) its address: `event.database`. */
export class DatabaseReadyEvent extends dataEvent(SlurmdbdAppSchema) {
  get database(): SlurmdbdAppData {
    return this.data;
  }
}
/** The relation to slurmdbd is gone: drop the accounting settings. */
export class DatabaseGoneEvent extends InterfaceEvent {}
/** slurmctld published (or changed) its munge key id: `event.controller`. */
export class SlurmdbdControllerReadyEvent extends dataEvent(SlurmdbdControllerAppSchema) {
  get controller(): SlurmdbdControllerAppData {
    return this.data;
  }
}
/** The relation to slurmctld is gone. */
export class SlurmdbdControllerGoneEvent extends InterfaceEvent {}

/** SlurmdbdRequirer's events: `this.slurmdbd.on.databaseReady`, `.databaseGone`. */
export class SlurmdbdRequirerEvents extends ObjectEvents {
  readonly databaseReady = this.define('database_ready', DatabaseReadyEvent);
  readonly databaseGone = this.define('database_gone', DatabaseGoneEvent);
}

/** SlurmdbdProvider's events: `this.slurmctld.on.controllerReady`, `.controllerGone`. */
export class SlurmdbdProviderEvents extends ObjectEvents {
  readonly controllerReady = this.define('controller_ready', SlurmdbdControllerReadyEvent);
  readonly controllerGone = this.define('controller_gone', SlurmdbdControllerGoneEvent);
}

/** slurmctld's side: `new SlurmdbdRequirer(this, 'slurmdbd')`; observe `.on.databaseReady`. */
export class SlurmdbdRequirer extends RelationInterface {
  readonly on = new SlurmdbdRequirerEvents(this);

  constructor(charm: CharmBase, endpoint = 'slurmdbd') {
    super(charm, endpoint, { name: INTERFACE, version: VERSION });
    this.watchRemoteApp({
      schema: SlurmdbdAppSchema,
      ready: this.on.databaseReady,
      gone: this.on.databaseGone,
    });
  }

  /** slurmdbd's address from the first relation with valid data. */
  database(): SlurmdbdAppData | undefined {
    return this.firstRemoteApp(SlurmdbdAppSchema)?.data;
  }

  /** Leader only (false elsewhere): grant `mungeKey` to each relation and publish its id. */
  publishController(mungeKey: Secret, relation?: Relation): boolean {
    return this.publishApp(SlurmdbdControllerAppSchema, grantingMungeKey({}, mungeKey), relation);
  }
}

/**
 * slurmdbd's side: `new SlurmdbdProvider(this, 'slurmctld')`; observe `.on.controllerReady`,
 * read `controller()` and `mungeKey()` (from MungeKeyRecipient).
 */
export class SlurmdbdProvider extends MungeKeyRecipient<typeof SlurmdbdControllerAppSchema> {
  readonly on = new SlurmdbdProviderEvents(this);

  constructor(charm: CharmBase, endpoint = 'slurmctld') {
    super(charm, endpoint, { name: INTERFACE, version: VERSION }, SlurmdbdControllerAppSchema);
    this.watchRemoteApp({
      schema: SlurmdbdControllerAppSchema,
      ready: this.on.controllerReady,
      gone: this.on.controllerGone,
    });
  }

  /** Leader only (false elsewhere): publish where slurmctld reaches slurmdbd. */
  publishDatabase(data: z.input<typeof SlurmdbdAppSchema>, relation?: Relation): boolean {
    return this.publishApp(SlurmdbdAppSchema, data, relation);
  }
}
