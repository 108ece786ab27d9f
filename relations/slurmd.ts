/**
 * The `slurmd` interface: a slurmd application (one Slurm partition, named after
 * the application) PROVIDES it; slurmctld REQUIRES it.
 *
 * - slurmd app bag: `partition` = `{name, config}`, config being extra partition
 *   keys (`{"MaxTime": "1-00:00:00"}`); `PartitionName`, `Nodes` and `Default`
 *   belong to slurmctld and are refused.
 * - slurmd unit bag: `nodename` (the dynamic node name) and optional `gres`
 *   (gres.conf lines: Slurm 22.05 has no `AutoDetect=nvidia`).
 * - slurmctld app bag: `controllers` (`host:port`, primary first), `cluster-name`,
 *   `munge-key-secret-id` (the id of the munge key secret, granted per relation).
 *
 * Node hardware never travels here: nodes register themselves (`slurmd -Z`).
 *
 *   readonly slurmd = new SlurmdRequirer(this, 'slurmd');     // slurmctld
 *   readonly slurmctld = new SlurmdProvider(this, 'slurmctld'); // slurmd
 */
import { z } from 'zod';
import {
  ObjectEvents,
  type CharmBase,
  type Relation,
  type Secret,
  type Unit,
} from '../framework/ops/index.js';
import {
  HostPortSchema,
  SecretIdSchema,
  SlurmKeySchema,
  SlurmNameSchema,
  SlurmValueSchema,
} from './common.js';
import { InterfaceEvent, dataEvent } from './events.js';
import { RelationInterface } from './interface.js';
import { MungeKeyRecipient, grantingMungeKey } from './munge-key.js';

export const INTERFACE = 'slurmd';
export const VERSION = 1;

/** Partition keys slurmctld writes itself (compared case-insensitively, as Slurm reads keys). */
export const MANAGED_PARTITION_KEYS = ['PartitionName', 'Nodes', 'Default'] as const;

/** Extra partition keys: Slurm key → value, each key once whatever its case. */
export const PartitionConfigSchema = z.record(z.string(), SlurmValueSchema).superRefine((config, ctx) => {
  const seen = new Map<string, string>();
  for (const key of Object.keys(config)) {
    // Checked here rather than as the record's key schema, whose message would be just "Invalid key in record".
    const bad = SlurmKeySchema.safeParse(key).error?.issues[0];
    if (bad) ctx.addIssue({ code: 'custom', path: [key], message: bad.message });
    const lower = key.toLowerCase();
    const managed = MANAGED_PARTITION_KEYS.find((m) => m.toLowerCase() === lower);
    if (managed) ctx.addIssue({ code: 'custom', path: [key], message: `${managed} is set by slurmctld` });
    const twin = seen.get(lower);
    if (twin)
      ctx.addIssue({ code: 'custom', path: [key], message: `repeats key ${twin} (Slurm keys ignore case)` });
    seen.set(lower, key);
  }
});

export const PartitionSchema = z.object({
  /** The slurmd application's name. */
  name: SlurmNameSchema,
  config: PartitionConfigSchema.default({}),
});
export type Partition = z.infer<typeof PartitionSchema>;

/** One gres.conf line of a node: `Name=gpu Type=tesla_t4 File=/dev/nvidia[0-1] Count=2`. */
export const GresSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'must be a gres name such as gpu' }),
  type: SlurmNameSchema.optional(),
  file: z
    .string()
    .regex(/^\/dev\/[A-Za-z0-9_./-]+(\[[0-9,-]+\])?$/, {
      error: 'must be a /dev path, with an optional [n-m] range',
    })
    .optional(),
  count: z.number().int().min(1),
});
export type Gres = z.infer<typeof GresSchema>;

/** slurmd's application databag. */
export const SlurmdAppSchema = z.object({ partition: PartitionSchema });
export type SlurmdAppData = z.infer<typeof SlurmdAppSchema>;

/** A slurmd unit's databag. */
export const SlurmdUnitSchema = z.object({
  nodename: SlurmNameSchema,
  gres: z.array(GresSchema).optional(),
});
export type SlurmdUnitData = z.infer<typeof SlurmdUnitSchema>;

/** slurmctld's application databag. */
export const ControllerAppSchema = z.object({
  controllers: z.array(HostPortSchema).min(1),
  'cluster-name': z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,39}$/, { error: 'must be a lowercase Slurm cluster name (≤ 40 characters)' }),
  'munge-key-secret-id': SecretIdSchema,
});
export type ControllerAppData = z.infer<typeof ControllerAppSchema>;

/** A slurmd application published (or changed) its partition: `event.partition`. */
export class PartitionReadyEvent extends dataEvent(PartitionSchema) {
  get partition(): Partition {
    return this.data;
  }
}
/** The relation to a slurmd application is gone: remove its partition. */
export class PartitionGoneEvent extends InterfaceEvent {}
/** A slurmd unit published its node (`event.node`), or departed (`event.node === null`). */
export class NodesChangedEvent extends dataEvent(SlurmdUnitSchema.nullable()) {
  get node(): SlurmdUnitData | null {
    return this.data;
  }
}
/** slurmctld published (or changed) its controllers, cluster name and munge key id: `event.controller`. */
export class ControllerReadyEvent extends dataEvent(ControllerAppSchema) {
  get controller(): ControllerAppData {
    return this.data;
  }
}
/** The relation to slurmctld is gone. */
export class ControllerGoneEvent extends InterfaceEvent {}

/** SlurmdRequirer's events: `this.slurmd.on.partitionReady`, `.partitionGone`, `.nodesChanged`. */
export class SlurmdRequirerEvents extends ObjectEvents {
  readonly partitionReady = this.define('partition_ready', PartitionReadyEvent);
  readonly partitionGone = this.define('partition_gone', PartitionGoneEvent);
  readonly nodesChanged = this.define('nodes_changed', NodesChangedEvent);
}

/** SlurmdProvider's events: `this.slurmctld.on.controllerReady`, `.controllerGone`. */
export class SlurmdProviderEvents extends ObjectEvents {
  readonly controllerReady = this.define('controller_ready', ControllerReadyEvent);
  readonly controllerGone = this.define('controller_gone', ControllerGoneEvent);
}

/** slurmctld's side: `new SlurmdRequirer(this, 'slurmd')`; observe `.on.partitionReady`. */
export class SlurmdRequirer extends RelationInterface {
  readonly on = new SlurmdRequirerEvents(this);

  constructor(charm: CharmBase, endpoint = 'slurmd') {
    super(charm, endpoint, { name: INTERFACE, version: VERSION });
    this.watchRemoteApp({
      schema: SlurmdAppSchema,
      check: (relation, data) => nameCheck(relation, data.partition),
      ready: { emit: (origin, data) => this.on.partitionReady.emit(origin, data.partition) },
      gone: this.on.partitionGone,
    });
    this.watchRemoteUnits({ schema: SlurmdUnitSchema, changed: this.on.nodesChanged });
  }

  /** The partition of every related slurmd application whose data is valid. */
  partitions(): Array<{ relation: Relation; partition: Partition }> {
    const out: Array<{ relation: Relation; partition: Partition }> = [];
    for (const relation of this.relations) {
      const data = this.loadRemote(relation, relation.app, SlurmdAppSchema, (d) =>
        nameCheck(relation, d.partition),
      );
      if (data) out.push({ relation, partition: data.partition });
    }
    return out;
  }

  /** The nodes of one relation that have published valid data (reads every unit's databag). */
  nodes(relation: Relation): Array<{ unit: Unit; node: SlurmdUnitData }> {
    const out: Array<{ unit: Unit; node: SlurmdUnitData }> = [];
    for (const unit of relation.units) {
      const node = this.loadRemote(relation, unit, SlurmdUnitSchema);
      if (node) out.push({ unit, node });
    }
    return out;
  }

  /**
   * Leader only (false elsewhere): grant `mungeKey` to each relation (or `relation`)
   * and publish the controllers, the cluster name and the key's secret id.
   */
  publishController(
    data: Omit<ControllerAppData, 'munge-key-secret-id'>,
    mungeKey: Secret,
    relation?: Relation,
  ): boolean {
    return this.publishApp(ControllerAppSchema, grantingMungeKey(data, mungeKey), relation);
  }
}

/**
 * slurmd's side: `new SlurmdProvider(this, 'slurmctld')`; observe `.on.controllerReady`,
 * read `controller()` and `mungeKey()` (from MungeKeyRecipient).
 */
export class SlurmdProvider extends MungeKeyRecipient<typeof ControllerAppSchema> {
  readonly on = new SlurmdProviderEvents(this);

  constructor(charm: CharmBase, endpoint = 'slurmctld') {
    super(charm, endpoint, { name: INTERFACE, version: VERSION }, ControllerAppSchema);
    this.watchRemoteApp({
      schema: ControllerAppSchema,
      ready: this.on.controllerReady,
      gone: this.on.controllerGone,
    });
  }

  /**
   * Leader only (false elsewhere): publish this application's partition, named after
   * the application, with extra partition keys.
   */
  publishPartition(config: Partition['config'] = {}, relation?: Relation): boolean {
    return this.publishApp(SlurmdAppSchema, { partition: { name: this.model.app.name, config } }, relation);
  }

  /** Any unit: publish this node's name and gres lines (omit `gres` to remove them). */
  publishNode(node: SlurmdUnitData, relation?: Relation): void {
    for (const r of this.targets(relation)) this.saveLocal(r, 'unit', SlurmdUnitSchema, node);
  }
}

function nameCheck(relation: Relation, partition: Partition): { field: string; reason: string } | undefined {
  const app = relation.app.name;
  if (partition.name === app) return undefined;
  return { field: 'partition.name', reason: `must be the application's name '${app}'` };
}
