/**
 * NVIDIA GPUs seen on the PCI bus, without a driver: `lspci -Dnn`, `lspci -vmmnn` and
 * `Machine.hardware().gpus` (sysfs). Only display controllers count as GPUs: class 0300
 * (VGA, e.g. Quadro/RTX cards) and 0302 (3D controller, e.g. A100/H100/T4); a card's
 * audio, USB and UCSI functions and NVSwitch bridges carry NVIDIA's vendor id too.
 */
import type { GpuInfo } from '../../../framework/ops/machine.js';

/** NVIDIA's PCI vendor id. */
export const NVIDIA_VENDOR_ID = '10de';

/** PCI classes that are GPUs: VGA compatible controller and 3D controller. */
export const GPU_CLASS_IDS: readonly string[] = ['0300', '0302'];

/** One PCI function as lspci names it. */
export interface PciDevice {
  /** Domain-qualified address, lowercase with a 4-digit domain: `0000:3b:00.0`. */
  pciAddress: string;
  /** Class code without the programming interface, e.g. `0302`; null where the source does not keep it. */
  classId: string | null;
  vendorId: string;
  deviceId: string;
  /** Vendor and device names, e.g. `NVIDIA Corporation GA100 [A100 SXM4 40GB]`. */
  description: string;
}

/** lspci output that cannot be read, naming the line. */
export class LspciParseError extends Error {
  override name = 'LspciParseError';
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    reason: string,
  ) {
    super(`lspci output line ${lineNumber} is malformed (${reason}): ${JSON.stringify(line)}`);
  }
}

const ADDRESS = /^(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;

/**
 * `00000000:3B:00.0` (nvidia-smi), `3b:00.0` (lspci without -D) or `0000:3b:00.0` → `0000:3b:00.0`,
 * so addresses from different tools compare equal; throws on anything else.
 */
export function normalizePciAddress(address: string): string {
  const match = ADDRESS.exec(address.trim());
  if (!match) throw new Error(`not a PCI address: ${JSON.stringify(address)} (expected e.g. 0000:3b:00.0)`);
  const [, domain = '0', bus = '', device = '', fn = ''] = match;
  const dom = Number.parseInt(domain, 16).toString(16).padStart(4, '0');
  return `${dom}:${bus}:${device}.${fn}`.toLowerCase();
}

/** `0x10DE` or `10de` → `10de`. */
function hexId(raw: string): string {
  return raw.trim().toLowerCase().replace(/^0x/, '');
}

// <address> <class name> [cccc]: <description> [vvvv:dddd] (rev rr); the description may hold brackets.
const NN_LINE =
  /^(\S+) (.+?) \[([0-9a-f]{4})\]: (.*?) ?\[([0-9a-f]{4}):([0-9a-f]{4})\](?: \(rev [0-9a-f]{2}\))?(?: \(prog-if .*\))?$/i;

/** Every function in `lspci -Dnn` (or `lspci -nn`) output; throws LspciParseError on a line it cannot read. */
export function parseLspciNn(text: string): PciDevice[] {
  const devices: PciDevice[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!line.trim()) return;
    const match = NN_LINE.exec(line);
    if (!match)
      throw new LspciParseError(i + 1, line, 'expected "<address> <class> [cccc]: <name> [vvvv:dddd]"');
    const [, address = '', , classId = '', description = '', vendorId = '', deviceId = ''] = match;
    let pciAddress: string;
    try {
      pciAddress = normalizePciAddress(address);
    } catch {
      throw new LspciParseError(i + 1, line, `bad PCI address ${JSON.stringify(address)}`);
    }
    devices.push({
      pciAddress,
      classId: classId.toLowerCase(),
      vendorId: vendorId.toLowerCase(),
      deviceId: deviceId.toLowerCase(),
      description: description.trim(),
    });
  });
  return devices;
}

/** `NVIDIA Corporation [10de]` → name and id; the id is the last bracketed hex group. */
function nameAndId(value: string): { name: string; id: string } | null {
  const match = /^(.*?) ?\[([0-9a-fA-F]{4})\]$/.exec(value.trim());
  return match ? { name: match[1] ?? '', id: (match[2] ?? '').toLowerCase() } : null;
}

/**
 * Every function in `lspci -vmmnn` (or `-Dvmmnn`) output: blank-line separated records of
 * `Field:<tab>value`; fields other than Slot, Class, Vendor and Device are ignored.
 */
export function parseLspciVmm(text: string): PciDevice[] {
  const devices: PciDevice[] = [];
  let record = new Map<string, { value: string; line: number }>();
  let start = 0;
  const flush = (): void => {
    if (record.size === 0) return;
    const field = (key: string): { value: string; line: number } => {
      const found = record.get(key);
      if (!found) throw new LspciParseError(start, `${key}:`, `the record starting here has no ${key} field`);
      return found;
    };
    const slot = field('Slot');
    const cls = field('Class');
    const vendor = field('Vendor');
    const device = field('Device');
    const parsed = {
      cls: nameAndId(cls.value),
      vendor: nameAndId(vendor.value),
      device: nameAndId(device.value),
    };
    if (!parsed.cls) throw new LspciParseError(cls.line, `Class:\t${cls.value}`, 'no [cccc] class id');
    if (!parsed.vendor) throw new LspciParseError(vendor.line, `Vendor:\t${vendor.value}`, 'no [vvvv] id');
    if (!parsed.device) throw new LspciParseError(device.line, `Device:\t${device.value}`, 'no [dddd] id');
    let pciAddress: string;
    try {
      pciAddress = normalizePciAddress(slot.value);
    } catch {
      throw new LspciParseError(slot.line, `Slot:\t${slot.value}`, 'bad PCI address');
    }
    devices.push({
      pciAddress,
      classId: parsed.cls.id,
      vendorId: parsed.vendor.id,
      deviceId: parsed.device.id,
      description: `${parsed.vendor.name} ${parsed.device.name}`.trim(),
    });
    record = new Map();
  };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!line.trim()) return flush();
    const match = /^([A-Za-z]+):\s*(.*)$/.exec(line);
    if (!match) throw new LspciParseError(i + 1, line, 'expected "Field:<tab>value"');
    if (record.size === 0) start = i + 1;
    record.set(match[1] ?? '', { value: match[2] ?? '', line: i + 1 });
  });
  flush();
  return devices;
}

/** The NVIDIA GPUs among PCI functions: vendor 10de and class 0300 or 0302. */
export function nvidiaGpus(devices: readonly PciDevice[]): PciDevice[] {
  return devices.filter(
    (d) => d.vendorId === NVIDIA_VENDOR_ID && d.classId !== null && GPU_CLASS_IDS.includes(d.classId),
  );
}

/**
 * The NVIDIA GPUs in `Machine.hardware().gpus`, which lists display controllers (class 03xx)
 * only, so the vendor decides (the exact class is not kept there).
 */
export function nvidiaGpusFromHardware(gpus: readonly GpuInfo[]): PciDevice[] {
  return gpus
    .filter((g) => hexId(g.vendorId) === NVIDIA_VENDOR_ID)
    .map((g) => ({
      pciAddress: normalizePciAddress(g.pciAddress),
      classId: null,
      vendorId: NVIDIA_VENDOR_ID,
      deviceId: hexId(g.deviceId),
      description: g.model ?? `NVIDIA device [${NVIDIA_VENDOR_ID}:${hexId(g.deviceId)}]`,
    }));
}
