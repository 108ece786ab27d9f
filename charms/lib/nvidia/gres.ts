/**
 * Slurm generic resources (gres) for NVIDIA GPUs: the node's `Gres=` value and gres.conf lines.
 * Slurm 22.05 (Debian 12) has no `AutoDetect=nvidia`, so each GPU node needs its own
 * `NodeName=… Name=gpu Type=… File=/dev/nvidia[…]` lines.
 */

/** What gres needs of a GPU: its model and the minor number N of /dev/nvidiaN. */
export interface GresDevice {
  /** Product name as NVML / nvidia-smi reports it, e.g. `NVIDIA A100-SXM4-40GB` or `Tesla T4`. */
  model: string;
  minor: number;
}

/**
 * The gres type for a model, following the reference's slurmd charm and Slurm's own NVML
 * autodetection: lowercase, whitespace runs → `_` (`Tesla T4` → `tesla_t4`,
 * `NVIDIA A100-SXM4-40GB` → `nvidia_a100-sxm4-40gb`, `NVIDIA H100 80GB HBM3` →
 * `nvidia_h100_80gb_hbm3`). The `nvidia_` prefix is kept so that types match what Slurm's
 * autodetect would name the same GPUs. Characters that would break `gpu:<type>:<n>` or
 * gres.conf (`:` `,` `=` brackets and the like) also become `_`.
 */
export function gresModelName(model: string): string {
  const name = model
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '_')
    .replace(/[^a-z0-9_.+-]/g, '_');
  if (!name) throw new Error('a GPU model name is empty: cannot name its gres type');
  return name;
}

/** `[0, 1, 2, 3, 5]` → `0-3,5` (Slurm's bracketed range syntax, without the brackets). */
export function compressRanges(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j += 1;
    const [first, last] = [sorted[i], sorted[j]];
    parts.push(first === last ? `${first}` : `${first}-${last}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** `/dev/nvidia0` for one device, `/dev/nvidia[0-3]` or `/dev/nvidia[0-1,3]` for several. */
export function deviceFiles(minors: readonly number[]): string {
  const unique = [...new Set(minors)];
  return unique.length === 1 ? `/dev/nvidia${unique[0]}` : `/dev/nvidia[${compressRanges(unique)}]`;
}

interface GresGroup {
  type: string;
  minors: number[];
}

/** Devices grouped by gres type, groups ordered by their lowest minor; rejects bad or repeated minors. */
function groupByType(devices: readonly GresDevice[]): GresGroup[] {
  const seen = new Set<number>();
  const groups = new Map<string, number[]>();
  for (const device of devices) {
    if (!Number.isInteger(device.minor) || device.minor < 0) {
      throw new Error(`GPU ${JSON.stringify(device.model)} has an invalid device minor ${device.minor}`);
    }
    if (seen.has(device.minor)) throw new Error(`two GPUs claim /dev/nvidia${device.minor}`);
    seen.add(device.minor);
    const type = gresModelName(device.model);
    groups.set(type, [...(groups.get(type) ?? []), device.minor]);
  }
  return [...groups]
    .map(([type, minors]) => ({ type, minors: minors.sort((a, b) => a - b) }))
    .sort((a, b) => (a.minors[0] ?? 0) - (b.minors[0] ?? 0));
}

/**
 * The node's `Gres=` value: `gpu:<type>:<count>` per model, comma-joined
 * (`gpu:nvidia_a100-sxm4-40gb:4` or `gpu:tesla_t4:2,gpu:nvidia_a100-sxm4-40gb:1`);
 * empty when there are no devices, so the caller leaves `Gres=` out.
 */
export function gresNodeParam(devices: readonly GresDevice[]): string {
  return groupByType(devices)
    .map((g) => `gpu:${g.type}:${g.minors.length}`)
    .join(',');
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[0-9,-]+\])?$/;

/** gres.conf lines for one node: `NodeName=<n> Name=gpu Type=<type> File=/dev/nvidia[0-3]` per model. */
export function gresConfLines(nodeName: string, devices: readonly GresDevice[]): string[] {
  if (!NODE_NAME.test(nodeName)) {
    throw new Error(`${JSON.stringify(nodeName)} is not a Slurm node name usable in gres.conf`);
  }
  return groupByType(devices).map(
    (g) => `NodeName=${nodeName} Name=gpu Type=${g.type} File=${deviceFiles(g.minors)}`,
  );
}
