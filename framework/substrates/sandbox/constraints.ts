/**
 * Juju's constraint syntax (`cores=4 mem=8G root-disk=16G gpus=2 arch=amd64`)
 * for the keys a simulated machine can honour, and the hardware they imply.
 */
import type { GpuInfo, Hardware } from '../../ops/machine.js';

/** Parsed constraints; sizes in MiB, as Juju keeps them. */
export interface Constraints {
  cores?: number;
  /** Memory in MiB. */
  mem?: number;
  gpus?: number;
  /** Root disk in MiB. */
  rootDisk?: number;
  arch?: string;
  tags?: string[];
}

/** Keys in canonical (alphabetical, as Juju prints them) order. */
const KEYS = ['arch', 'cores', 'gpus', 'mem', 'root-disk', 'tags'] as const;
type Key = (typeof KEYS)[number];

/** Architectures Juju knows. */
const ARCHES = ['amd64', 'arm64', 'ppc64el', 's390x', 'riscv64'] as const;

/** MiB per size suffix; a bare number is MiB. */
const SIZE_UNITS: Record<string, number> = { M: 1, G: 1024, T: 1024 ** 2, P: 1024 ** 3 };

/** Largest GPU count a fake machine gets (one PCI bus per GPU). */
const MAX_GPUS = 64;

function isKey(key: string): key is Key {
  return (KEYS as readonly string[]).includes(key);
}

function bad(key: string, value: string, expected: string): Error {
  return new Error(`bad constraint ${key}=${JSON.stringify(value)}: expected ${expected}`);
}

function count(key: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw bad(
      key,
      value,
      `a whole number${max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : ` ≥ ${min}`}`,
    );
  }
  return n;
}

/** `8G` → 8192; decimals round up to whole MiB, as Juju does. */
function size(key: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)([MGTP])?$/i.exec(value);
  const mib = match?.[1]
    ? Math.ceil(Number(match[1]) * (SIZE_UNITS[(match[2] ?? 'M').toUpperCase()] ?? 1))
    : NaN;
  if (!Number.isSafeInteger(mib) || mib <= 0) {
    throw bad(key, value, 'a positive size in MiB, or with a suffix M, G, T or P (e.g. 8G)');
  }
  return mib;
}

/**
 * Parses `key=value` pairs separated by spaces. An empty value (`mem=`) leaves
 * the key unset, as in Juju; an unknown key or a key given twice is an error.
 */
export function parseConstraints(text: string): Constraints {
  const result: Constraints = {};
  const seen = new Set<string>();
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    if (eq <= 0)
      throw new Error(
        `bad constraint ${JSON.stringify(word)}: expected key=value with a key from ${KEYS.join(', ')}`,
      );
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (!isKey(key))
      throw new Error(`unknown constraint ${JSON.stringify(key)}: allowed keys are ${KEYS.join(', ')}`);
    if (seen.has(key)) throw new Error(`bad constraint ${key}: given more than once`);
    seen.add(key);
    if (value === '') continue;
    switch (key) {
      case 'arch':
        if (!(ARCHES as readonly string[]).includes(value))
          throw bad(key, value, `one of ${ARCHES.join(', ')}`);
        result.arch = value;
        break;
      case 'cores':
        result.cores = count(key, value, 1);
        break;
      case 'gpus':
        result.gpus = count(key, value, 0, MAX_GPUS);
        break;
      case 'mem':
        result.mem = size(key, value);
        break;
      case 'root-disk':
        result.rootDisk = size(key, value);
        break;
      case 'tags': {
        // Juju tags: comma-separated, `^tag` excludes machines with that tag.
        const tags = value.split(',');
        if (tags.some((tag) => !/^\^?[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tag))) {
          throw bad(
            key,
            value,
            'comma-separated tags of letters, digits, ".", "_" or "-", each optionally prefixed with ^',
          );
        }
        result.tags = tags;
        break;
      }
    }
  }
  return result;
}

/** A size in the largest unit that divides it exactly (8192 → 8G), which parses back to the same value. */
function formatSize(mib: number): string {
  for (const suffix of ['P', 'T', 'G'] as const) {
    const unit = SIZE_UNITS[suffix] ?? 1;
    if (mib % unit === 0) return `${mib / unit}${suffix}`;
  }
  return `${mib}M`;
}

/** Canonical text for constraints (keys in a fixed order), e.g. for export-bundle; parses back to the same value. */
export function formatConstraints(constraints: Constraints): string {
  const parts: string[] = [];
  const { arch, cores, gpus, mem, rootDisk, tags } = constraints;
  if (arch !== undefined) parts.push(`arch=${arch}`);
  if (cores !== undefined) parts.push(`cores=${cores}`);
  if (gpus !== undefined) parts.push(`gpus=${gpus}`);
  if (mem !== undefined) parts.push(`mem=${formatSize(mem)}`);
  if (rootDisk !== undefined) parts.push(`root-disk=${formatSize(rootDisk)}`);
  if (tags !== undefined && tags.length > 0) parts.push(`tags=${tags.join(',')}`);
  return parts.join(' ');
}

/** `n` fake NVIDIA A100s on buses 01, 02, …; only the netns and host substrates see real GPUs. */
export function fakeGpus(n: number): GpuInfo[] {
  return Array.from({ length: n }, (_, i) => ({
    pciAddress: `0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`,
    vendorId: '10de',
    deviceId: '20b0',
    model: 'NVIDIA A100-SXM4-40GB',
  }));
}

/** The hardware constraints describe: `cores` logical CPUs on one socket, `mem` MiB, `gpus` fake GPUs. */
export function hardwareFromConstraints(constraints: Constraints): Partial<Hardware> {
  const hw: Partial<Hardware> = {};
  if (constraints.arch !== undefined) hw.architecture = constraints.arch;
  if (constraints.cores !== undefined) {
    Object.assign(hw, {
      cpus: constraints.cores,
      sockets: 1,
      coresPerSocket: constraints.cores,
      threadsPerCore: 1,
    });
  }
  if (constraints.mem !== undefined) hw.memoryMb = constraints.mem;
  if (constraints.gpus !== undefined) hw.gpus = fakeGpus(constraints.gpus);
  return hw;
}
