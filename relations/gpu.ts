/**
 * The `gpu` interface: the nvidia-gpu subordinate PROVIDES it to its principal
 * (slurmd, which REQUIRES it), container scope, so each side sees one unit.
 *
 * - provider unit bag: `devices` (one entry per GPU model: `{model, count, files}`,
 *   `files` the device nodes, empty while no driver is loaded), `ready` (driver
 *   loaded and devices usable; false e.g. while a reboot is pending) and
 *   `driver-version` when a driver is present.
 *
 *   readonly gpu = new GpuRequirer(this, 'gpu');       // slurmd
 *   readonly principal = new GpuProvider(this, 'gpu'); // nvidia-gpu
 */
import { z } from 'zod';
import { ObjectEvents, type CharmBase, type Relation } from '../framework/ops/index.js';
import { dataEvent } from './events.js';
import { RelationInterface } from './interface.js';
import type { Gres } from './slurmd.js';

export const INTERFACE = 'gpu';
export const VERSION = 1;

/** A GPU model as a Slurm gres type: `tesla_t4`. Use `gresModel()` to make one from a product name. */
export const GpuModelSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { error: 'must be a gres type (lowercase letters, digits, _ . -)' });

/** `Tesla T4` → `tesla_t4`, `NVIDIA A100-SXM4-40GB` → `nvidia_a100-sxm4-40gb`. */
export function gresModel(productName: string): string {
  const model = productName
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '_')
    .replace(/[^a-z0-9_.-]/g, '');
  return model || 'gpu';
}

/** The GPUs of one model on this machine. */
export const GpuDeviceSchema = z
  .object({
    model: GpuModelSchema,
    count: z.number().int().min(1),
    files: z
      .array(z.string().regex(/^\/dev\/[A-Za-z0-9_.-]+$/, { error: 'must be a /dev path' }))
      .default([]),
  })
  .refine((d) => d.files.length === 0 || d.files.length === d.count, {
    path: ['files'],
    error: 'must name one device file per GPU, or none',
  });
export type GpuDevice = z.infer<typeof GpuDeviceSchema>;

/** The subordinate unit's databag. */
export const GpuUnitSchema = z.object({
  devices: z.array(GpuDeviceSchema).refine((ds) => new Set(ds.map((d) => d.model)).size === ds.length, {
    error: 'must list each model once',
  }),
  ready: z.boolean(),
  'driver-version': z
    .string()
    .regex(/^\d+(\.\d+)*$/, { error: 'must be a version such as 535.183.01' })
    .optional(),
});
export type GpuUnitData = z.infer<typeof GpuUnitSchema>;

/** The GPUs of this machine changed (`event.gpus`), or the subordinate left (`event.gpus === null`). */
export class GpusChangedEvent extends dataEvent(GpuUnitSchema.nullable()) {
  get gpus(): GpuUnitData | null {
    return this.data;
  }
}

/** GpuRequirer's events: `this.gpu.on.gpusChanged`. */
export class GpuRequirerEvents extends ObjectEvents {
  readonly gpusChanged = this.define('gpus_changed', GpusChangedEvent);
}

/** slurmd's side: `new GpuRequirer(this, 'gpu')`; observe `.on.gpusChanged`. */
export class GpuRequirer extends RelationInterface {
  readonly on = new GpuRequirerEvents(this);

  constructor(charm: CharmBase, endpoint = 'gpu') {
    super(charm, endpoint, { name: INTERFACE, version: VERSION });
    this.watchRemoteUnits({ schema: GpuUnitSchema, changed: this.on.gpusChanged });
  }

  /** What the subordinate on this machine published, if anything valid. */
  gpus(): GpuUnitData | undefined {
    for (const relation of this.relations) {
      for (const unit of relation.units) {
        const data = this.loadRemote(relation, unit, GpuUnitSchema);
        if (data) return data;
      }
    }
    return undefined;
  }
}

/** The subordinate's side: `new GpuProvider(this, 'gpu')`; every unit publishes its own machine. */
export class GpuProvider extends RelationInterface {
  constructor(charm: CharmBase, endpoint = 'gpu') {
    super(charm, endpoint, { name: INTERFACE, version: VERSION });
  }

  /** Publish this machine's GPUs (omit `driver-version` when no driver is loaded). */
  publishDevices(data: z.input<typeof GpuUnitSchema>, relation?: Relation): void {
    for (const r of this.targets(relation)) this.saveLocal(r, 'unit', GpuUnitSchema, data);
  }
}

/**
 * gres.conf lines for slurmd (Slurm 22.05 has no AutoDetect=nvidia): one per device
 * file, or one per model with a count when the files are not known yet.
 */
export function gresLines(data: GpuUnitData): Gres[] {
  return data.devices.flatMap((d): Gres[] =>
    d.files.length === 0
      ? [{ name: 'gpu', type: d.model, count: d.count }]
      : d.files.map((file) => ({ name: 'gpu', type: d.model, file, count: 1 })),
  );
}
