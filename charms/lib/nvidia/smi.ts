/**
 * nvidia-smi output parsers: the CSV query (`--query-gpu=… --format=csv,noheader,nounits`),
 * `nvidia-smi -L` as a fallback, and the driver's own /proc/driver/nvidia files.
 */
import { normalizePciAddress } from './pci.js';

/** The fields queried, in output order. */
export const SMI_QUERY_FIELDS: readonly string[] = [
  'index',
  'name',
  'pci.bus_id',
  'driver_version',
  'memory.total',
  'uuid',
];

/** The argv that produces what parseSmiQuery reads. */
export const SMI_QUERY_ARGV: readonly string[] = [
  'nvidia-smi',
  `--query-gpu=${SMI_QUERY_FIELDS.join(',')}`,
  '--format=csv,noheader,nounits',
];

/** The argv of the fallback listing parseSmiList reads. */
export const SMI_LIST_ARGV: readonly string[] = ['nvidia-smi', '-L'];

/** One GPU as the CSV query reports it. */
export interface SmiGpu {
  index: number;
  /** Product name, e.g. `NVIDIA A100-SXM4-40GB` or `Tesla T4`. */
  name: string;
  /** Normalized to lspci's form: `0000:3b:00.0` (nvidia-smi prints `00000000:3B:00.0`). */
  pciBusId: string;
  driverVersion: string;
  /** Total framebuffer memory; null when nvidia-smi answers `[N/A]` or `[Not Supported]`. */
  memoryMiB: number | null;
  /** `GPU-` followed by a UUID. */
  uuid: string;
}

/** One GPU as `nvidia-smi -L` lists it. */
export interface SmiListedGpu {
  index: number;
  name: string;
  uuid: string;
  /** UUIDs of MIG devices listed under the GPU (MIG mode on). */
  migUuids: string[];
}

/** nvidia-smi output that cannot be read, naming the line. */
export class SmiParseError extends Error {
  override name = 'SmiParseError';
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    reason: string,
  ) {
    super(`nvidia-smi output line ${lineNumber} is malformed (${reason}): ${JSON.stringify(line)}`);
  }
}

const GPU_UUID = /^GPU-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/;
const DRIVER_VERSION = /^\d+(?:\.\d+)+$/;
// nvidia-smi's placeholders for a value the device does not report.
const NOT_AVAILABLE = new Set(['[N/A]', '[Not Supported]', 'N/A']);

/**
 * Parse the CSV query output (one line per GPU, fields joined by ", "). The name sits between
 * fixed-format fields, so a comma inside a name would still parse.
 */
export function parseSmiQuery(text: string): SmiGpu[] {
  const gpus: SmiGpu[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const fail = (reason: string): never => {
      throw new SmiParseError(i + 1, line, reason);
    };
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < SMI_QUERY_FIELDS.length) {
      fail(
        `expected ${SMI_QUERY_FIELDS.length} fields (${SMI_QUERY_FIELDS.join(', ')}), got ${fields.length}`,
      );
    }
    const [indexText = ''] = fields;
    const [busId = '', driverVersion = '', memory = '', uuid = ''] = fields.slice(-4);
    const name = fields.slice(1, -4).join(', ');
    if (!/^\d+$/.test(indexText)) fail(`index ${JSON.stringify(indexText)} is not a number`);
    if (!name) fail('empty name');
    let pciBusId = '';
    try {
      pciBusId = normalizePciAddress(busId);
    } catch {
      fail(`pci.bus_id ${JSON.stringify(busId)} is not a PCI address`);
    }
    if (!DRIVER_VERSION.test(driverVersion)) fail(`driver_version ${JSON.stringify(driverVersion)}`);
    let memoryMiB: number | null = null;
    if (!NOT_AVAILABLE.has(memory)) {
      if (!/^\d+$/.test(memory)) fail(`memory.total ${JSON.stringify(memory)} is not a number of MiB`);
      memoryMiB = Number(memory);
    }
    if (!GPU_UUID.test(uuid)) fail(`uuid ${JSON.stringify(uuid)} is not GPU-<uuid>`);
    gpus.push({ index: Number(indexText), name, pciBusId, driverVersion, memoryMiB, uuid });
  });
  return gpus;
}

const LIST_GPU = /^GPU (\d+): (.+) \(UUID: (GPU-[0-9a-fA-F-]+)\)$/;
// e.g. "  MIG 3g.20gb     Device  0: (UUID: MIG-…)"; older drivers print "MIG-GPU-<uuid>/<gi>/<ci>".
const LIST_MIG = /^\s+MIG .*Device\s+\d+: \(UUID: (MIG-[^)]+)\)$/;

/** Parse `nvidia-smi -L`: `GPU <i>: <name> (UUID: GPU-…)` lines, each possibly followed by MIG lines. */
export function parseSmiList(text: string): SmiListedGpu[] {
  const gpus: SmiListedGpu[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!line.trim()) return;
    const gpu = LIST_GPU.exec(line);
    if (gpu) {
      const uuid = gpu[3] ?? '';
      if (!GPU_UUID.test(uuid)) throw new SmiParseError(i + 1, line, `uuid ${uuid} is not GPU-<uuid>`);
      gpus.push({ index: Number(gpu[1]), name: gpu[2] ?? '', uuid, migUuids: [] });
      return;
    }
    const mig = LIST_MIG.exec(line);
    const owner = gpus.at(-1);
    if (mig && owner) {
      owner.migUuids.push(mig[1] ?? '');
      return;
    }
    throw new SmiParseError(i + 1, line, 'expected "GPU <n>: <name> (UUID: GPU-…)" or an indented MIG line');
  });
  return gpus;
}

/** nvidia-smi's message when the kernel module is missing or not loaded (it exits 9). */
export function isDriverNotLoaded(output: string): boolean {
  return /couldn't communicate with the NVIDIA driver/i.test(output);
}

/** nvidia-smi's message when the driver is loaded but sees no GPU (it exits 6). */
export function isNoDevicesFound(output: string): boolean {
  return /No devices were found/i.test(output);
}

/**
 * The loaded driver's version from /proc/driver/nvidia/version
 * (`NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.183.01  Sun May 12 …`), or null.
 */
export function parseNvrmVersion(text: string): string | null {
  const match = /^NVRM version:.*?Kernel Module(?: for \S+)?\s+(\d+(?:\.\d+)+)/m.exec(text);
  return match?.[1] ?? null;
}

/** `Device Minor:` from /proc/driver/nvidia/gpus/<pci address>/information, i.e. N of /dev/nvidiaN, or null. */
export function parseDeviceMinor(text: string): number | null {
  const match = /^Device Minor:\s*(\d+)\s*$/m.exec(text);
  return match?.[1] !== undefined ? Number(match[1]) : null;
}
