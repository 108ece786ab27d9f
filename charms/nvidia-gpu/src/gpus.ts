/**
 * What the nvidia-gpu charm publishes and says about the GPUs detectGpus found: devices
 * grouped by gres type with their device files, the status line, and the packages
 * the `driver-packages` option names.
 */
import { GpuModelSchema, gresModel, type GpuUnitData } from '../../../relations/gpu.js';
import type { LoadedGpu } from '../../lib/nvidia/index.js';

/** One model's GPUs: the product name for people, the `gpu` relation entry for slurmd. */
export interface GpuGroup {
  /** As nvidia-smi names it: `Tesla T4`, `NVIDIA A100-SXM4-40GB`. */
  product: string;
  /** The gres type slurmd will declare: `tesla_t4`. */
  model: string;
  count: number;
  /** `/dev/nvidia<minor>` per GPU, in minor order. */
  files: string[];
}

/**
 * The gres type of a product name, always one the `gpu` schema accepts: gresModel's
 * answer, trimmed of leading punctuation and to 64 characters where a strange name
 * would otherwise break it.
 */
export function gresType(product: string): string {
  const model = gresModel(product);
  if (GpuModelSchema.safeParse(model).success) return model;
  const trimmed = model.replace(/^[^a-z0-9]+/, '').slice(0, 64);
  return GpuModelSchema.safeParse(trimmed).success ? trimmed : 'gpu';
}

/** Loaded GPUs grouped by gres type, groups in the order of their lowest minor. */
export function groupGpus(devices: readonly LoadedGpu[]): GpuGroup[] {
  const groups = new Map<string, GpuGroup>();
  for (const gpu of [...devices].sort((a, b) => a.minor - b.minor)) {
    const model = gresType(gpu.model);
    const group = groups.get(model) ?? { product: gpu.model, model, count: 0, files: [] };
    group.count += 1;
    group.files.push(`/dev/nvidia${gpu.minor}`);
    groups.set(model, group);
  }
  return [...groups.values()];
}

const DRIVER_VERSION = /^\d+(\.\d+)*$/;

/** The `gpu` unit data for loaded GPUs; a version the schema would refuse is left out. */
export function loadedUnitData(groups: readonly GpuGroup[], driverVersion: string | null): GpuUnitData {
  const devices = groups.map(({ model, count, files }) => ({ model, count, files }));
  return driverVersion !== null && DRIVER_VERSION.test(driverVersion)
    ? { devices, ready: true, 'driver-version': driverVersion }
    : { devices, ready: true };
}

/** `4× NVIDIA A100-SXM4-40GB, driver 535.183.01` (models comma-joined when mixed). */
export function loadedMessage(groups: readonly GpuGroup[], driverVersion: string | null): string {
  const gpus = groups.map((g) => `${g.count}× ${g.product}`).join(', ');
  return `${gpus}, driver ${driverVersion ?? 'version unknown'}`;
}

// Debian policy's package names, optionally pinned with =<version>.
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$/;

/** The `driver-packages` option: [] for automatic, else the names, or why the value is refused. */
export function parseDriverPackages(text: string): { packages: string[] } | { error: string } {
  const packages = text.split(/\s+/).filter(Boolean);
  const bad = packages.find((p) => !PACKAGE.test(p));
  if (bad !== undefined) {
    return { error: `${JSON.stringify(bad)} is not a Debian package name (optionally name=version)` };
  }
  return { packages };
}

/** A package spec's name: `nvidia-driver=535.183.01-1` → `nvidia-driver`. */
export function packageName(spec: string): string {
  return spec.split('=')[0] ?? spec;
}
