/**
 * Hardware facts from Linux's /proc and /sys, as pure parsers plus small
 * readers, so tests can point them at fake trees.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GpuInfo } from '../machine.js';

/** CPU topology: logical CPUs = sockets × coresPerSocket × threadsPerCore (when the kernel says so). */
export interface CpuTopology {
  cpus: number;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
}

/** Debian architecture name for a Node `os.arch()` value, e.g. x64 → amd64. */
export function debianArchitecture(nodeArch: string): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'armhf',
    ia32: 'i386',
    ppc64: 'ppc64el', // Node says ppc64 for little-endian POWER too; Debian only ships ppc64el.
    s390x: 's390x',
    riscv64: 'riscv64',
    loong64: 'loong64',
  };
  return map[nodeArch] ?? nodeArch;
}

/** `key : value` blocks of /proc/cpuinfo, one per logical CPU. */
function cpuBlocks(text: string): Array<Map<string, string>> {
  const blocks: Array<Map<string, string>> = [];
  for (const chunk of text.split(/\n\s*\n/)) {
    const block = new Map<string, string>();
    for (const line of chunk.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) block.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    if (block.has('processor')) blocks.push(block);
  }
  return blocks;
}

function positiveInt(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Topology from /proc/cpuinfo. x86 lists `physical id`, `core id`, `siblings`
 * and `cpu cores` per CPU; VMs and ARM often omit some, so each count falls
 * back to what the others imply (one socket, one thread per core).
 */
export function parseCpuinfo(text: string, fallbackCpus: number): CpuTopology {
  const blocks = cpuBlocks(text);
  const cpus = blocks.length || Math.max(1, fallbackCpus);
  const first = blocks[0];
  const physicalIds = new Set(blocks.map((b) => b.get('physical id')).filter((v) => v !== undefined));
  const siblings = positiveInt(first?.get('siblings'));

  let sockets = physicalIds.size;
  if (sockets === 0) sockets = siblings ? Math.max(1, Math.round(cpus / siblings)) : 1;

  let coresPerSocket = positiveInt(first?.get('cpu cores'));
  if (coresPerSocket === undefined) {
    const coreKeys = blocks
      .filter((b) => b.has('core id'))
      .map((b) => `${b.get('physical id')}/${b.get('core id')}`);
    const distinct = new Set(coreKeys).size;
    coresPerSocket = Math.max(1, Math.round((distinct || cpus) / sockets));
  }
  const threadsPerCore = Math.max(1, Math.round(cpus / (sockets * coresPerSocket)));
  return { cpus, sockets, coresPerSocket, threadsPerCore };
}

/** MemTotal of /proc/meminfo in MiB, or undefined when absent. */
export function parseMeminfo(text: string): number | undefined {
  const match = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  return match?.[1] ? Math.floor(Number(match[1]) / 1024) : undefined;
}

async function readTrimmed(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** `0x10de` → `10de`; anything else that is not 4 hex digits → undefined. */
function pciId(raw: string | undefined): string | undefined {
  const match = /^(?:0x)?([0-9a-fA-F]{4})$/.exec(raw ?? '');
  return match?.[1]?.toLowerCase();
}

/** Display controllers (PCI class 0x03xxxx) under `<sysRoot>/bus/pci/devices`, sorted by address. */
export async function readGpus(sysRoot: string, pciIdsFiles: readonly string[] = []): Promise<GpuInfo[]> {
  const dir = join(sysRoot, 'bus/pci/devices');
  let addresses: string[];
  try {
    addresses = (await readdir(dir)).sort();
  } catch {
    return []; // no sysfs (containers, non-Linux): no GPUs we can see
  }
  const gpus: GpuInfo[] = [];
  for (const pciAddress of addresses) {
    const [cls, vendor, device] = await Promise.all(
      ['class', 'vendor', 'device'].map((f) => readTrimmed(join(dir, pciAddress, f))),
    );
    const vendorId = pciId(vendor);
    const deviceId = pciId(device);
    if (!cls?.toLowerCase().startsWith('0x03') || !vendorId || !deviceId) continue;
    gpus.push({ pciAddress, vendorId, deviceId });
  }
  if (gpus.length > 0) await nameGpus(gpus, pciIdsFiles);
  return gpus;
}

/** Fill in `model` from the first readable pci.ids database (vendor line, then tab-indented devices). */
async function nameGpus(gpus: GpuInfo[], pciIdsFiles: readonly string[]): Promise<void> {
  for (const file of pciIdsFiles) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const names = parsePciIds(text);
    for (const gpu of gpus) {
      const model = names.get(`${gpu.vendorId}:${gpu.deviceId}`);
      if (model) gpu.model = model;
    }
    return;
  }
}

/** `vendor:device` → "Vendor Device" from the pci.ids format. */
export function parsePciIds(text: string): Map<string, string> {
  const names = new Map<string, string>();
  let vendorId = '';
  let vendorName = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('C ')) break; // the device-class section follows the vendors
    const vendor = /^([0-9a-f]{4})\s+(.+)$/.exec(line);
    if (vendor?.[1] && vendor[2]) {
      [vendorId, vendorName] = [vendor[1], vendor[2].trim()];
      continue;
    }
    const device = /^\t([0-9a-f]{4})\s+(.+)$/.exec(line);
    if (device?.[1] && device[2] && vendorId)
      names.set(`${vendorId}:${device[1]}`, `${vendorName} ${device[2].trim()}`);
  }
  return names;
}
