/**
 * NVIDIA driver workload steps: which packages to install on Ubuntu or Debian, what GPUs
 * the machine has and whether their driver is loaded, and whether a reboot is pending.
 */
import type { Machine } from '../../../framework/ops/machine.js';
import { enabledComponents, readAptSources } from './apt-sources.js';
import { LspciParseError, nvidiaGpus, nvidiaGpusFromHardware, parseLspciNn } from './pci.js';
import type { PciDevice } from './pci.js';
import {
  SMI_LIST_ARGV,
  SMI_QUERY_ARGV,
  isDriverNotLoaded,
  isNoDevicesFound,
  parseDeviceMinor,
  parseNvrmVersion,
  parseSmiList,
  parseSmiQuery,
} from './smi.js';

/** The fields of /etc/os-release that matter here. */
export interface OsRelease {
  id: string;
  versionId: string;
  versionCodename: string | null;
  prettyName: string;
}

/** Parse os-release(5): `KEY=value` lines, values optionally quoted. */
export function parseOsRelease(text: string): OsRelease {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const value = (match[2] ?? '').replace(/^(["'])(.*)\1$/, '$2').replace(/\\(["'$`\\])/g, '$1');
    values.set(match[1] ?? '', value);
  }
  const id = values.get('ID') ?? 'linux';
  return {
    id,
    versionId: values.get('VERSION_ID') ?? '',
    versionCodename: values.get('VERSION_CODENAME') || null,
    prettyName: values.get('PRETTY_NAME') ?? id,
  };
}

/** /etc/os-release, else /usr/lib/os-release (os-release(5)'s fallback). */
export async function readOsRelease(machine: Machine): Promise<OsRelease> {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    if (await machine.files.exists(path)) return parseOsRelease(await machine.files.read(path));
  }
  throw new Error('neither /etc/os-release nor /usr/lib/os-release exists: cannot tell the distribution');
}

/** One `ubuntu-drivers list --gpgpu` line. */
export interface UbuntuDriverCandidate {
  /** As printed, e.g. `nvidia-driver-535-server` or `nvidia-headless-no-dkms-535-server`. */
  package: string;
  /** Driver branch: `535-server`, `550`, `535-server-open`. */
  branch: string;
  version: number;
  server: boolean;
  open: boolean;
  /** Prebuilt signed modules, e.g. `linux-modules-nvidia-535-server-generic`; null when none (DKMS). */
  modulesPackage: string | null;
}

const UBUNTU_DRIVER = /^nvidia-(?:driver|headless(?:-no-dkms)?)-((\d+)(-server)?(-open)?)$/;

/**
 * Parse `ubuntu-drivers list --gpgpu` lines such as
 * `nvidia-driver-535-server, (kernel modules provided by linux-modules-nvidia-535-server-generic)`;
 * lines that name no NVIDIA driver (warnings, other vendors) are skipped.
 */
export function parseUbuntuDriversList(text: string): UbuntuDriverCandidate[] {
  const candidates: UbuntuDriverCandidate[] = [];
  for (const raw of text.split('\n')) {
    const [name = '', rest = ''] = raw.trim().split(/,\s*/, 2);
    const match = UBUNTU_DRIVER.exec(name);
    if (!match) continue;
    const modules = /kernel modules provided by ([^)\s]+)\)/.exec(rest)?.[1];
    candidates.push({
      package: name,
      branch: match[1] ?? '',
      version: Number(match[2]),
      server: match[3] !== undefined,
      open: match[4] !== undefined,
      modulesPackage: modules && modules !== 'None' ? modules : null,
    });
  }
  return candidates;
}

/** The recommended candidate: a `-server` (long-lived datacenter) branch, proprietary modules, newest. */
export function pickUbuntuDriver(candidates: readonly UbuntuDriverCandidate[]): UbuntuDriverCandidate | null {
  const rank = (c: UbuntuDriverCandidate): number[] => [c.server ? 1 : 0, c.open ? 0 : 1, c.version];
  const better = (a: UbuntuDriverCandidate, b: UbuntuDriverCandidate): boolean => {
    const [ra, rb] = [rank(a), rank(b)];
    const i = ra.findIndex((v, k) => v !== rb[k]);
    return i >= 0 && (ra[i] ?? 0) > (rb[i] ?? 0);
  };
  return candidates.reduce<UbuntuDriverCandidate | null>(
    (best, c) => (!best || better(c, best) ? c : best),
    null,
  );
}

/**
 * Packages for a compute node, as the reference installs them: the headless metapackage without
 * DKMS plus the prebuilt kernel modules, and nvidia-utils for nvidia-smi (the headless
 * metapackage lacks it). Without prebuilt modules, the DKMS headless variant and kernel headers.
 */
export function ubuntuDriverPackages(candidate: UbuntuDriverCandidate, kernelRelease: string): string[] {
  const utils = `nvidia-utils-${candidate.branch.replace(/-open$/, '')}`;
  if (candidate.modulesPackage) {
    return [`nvidia-headless-no-dkms-${candidate.branch}`, utils, candidate.modulesPackage];
  }
  return [`nvidia-headless-${candidate.branch}`, utils, `linux-headers-${kernelRelease}`];
}

/** Debian's nvidia-driver pulls packages from contrib and non-free; firmware moved to non-free-firmware in 12. */
export function debianComponentsNeeded(versionId: string): string[] {
  return Number(versionId) >= 12 ? ['contrib', 'non-free', 'non-free-firmware'] : ['contrib', 'non-free'];
}

/** The packages to install, or why none can be: a charm goes Blocked with `reason`. */
export type DriverChoice =
  { ok: true; distro: 'ubuntu' | 'debian'; packages: string[] } | { ok: false; reason: string };

async function kernelRelease(machine: Machine): Promise<string> {
  return (await machine.exec(['uname', '-r'])).stdout.trim();
}

/** Ubuntu: ask ubuntu-drivers (installing ubuntu-drivers-common first when absent). */
async function chooseUbuntu(machine: Machine): Promise<DriverChoice> {
  const argv = ['ubuntu-drivers', 'list', '--gpgpu'];
  let result = await machine.exec(argv, { check: false });
  if (result.exitCode === 127) {
    await machine.packages.install(['ubuntu-drivers-common']);
    result = await machine.exec(argv, { check: false });
  }
  if (result.exitCode !== 0) {
    const why = (result.stderr || result.stdout).trim().split('\n').at(-1) ?? '';
    return { ok: false, reason: `ubuntu-drivers list --gpgpu failed (exit ${result.exitCode}): ${why}` };
  }
  const best = pickUbuntuDriver(parseUbuntuDriversList(result.stdout));
  if (!best)
    return { ok: false, reason: 'ubuntu-drivers recommends no NVIDIA GPGPU driver for this machine' };
  return { ok: true, distro: 'ubuntu', packages: ubuntuDriverPackages(best, await kernelRelease(machine)) };
}

/** Debian: nvidia-driver from non-free, provided apt has the components enabled. */
async function chooseDebian(machine: Machine, os: OsRelease): Promise<DriverChoice> {
  const enabled = enabledComponents(await readAptSources(machine), os.versionCodename);
  const needed = debianComponentsNeeded(os.versionId);
  const missing = needed.filter((c) => !enabled.has(c));
  if (missing.length > 0) {
    const suite = os.versionCodename ?? 'release';
    return {
      ok: false,
      reason:
        `apt sources lack ${missing.join(', ')} (Debian's nvidia-driver needs ${needed.join(', ')}): ` +
        `add ${missing.join(' ')} to the ${suite} components in /etc/apt/sources.list or /etc/apt/sources.list.d`,
    };
  }
  const packages = [
    `linux-headers-${await kernelRelease(machine)}`,
    'nvidia-driver',
    'firmware-misc-nonfree',
  ];
  return { ok: true, distro: 'debian', packages: [...packages, 'nvidia-smi'] };
}

/** Choose the driver packages for this machine's distribution (Ubuntu or Debian). */
export async function chooseDriverPackages(machine: Machine): Promise<DriverChoice> {
  const os = await readOsRelease(machine);
  if (os.id === 'ubuntu') return chooseUbuntu(machine);
  if (os.id === 'debian') return chooseDebian(machine, os);
  return { ok: false, reason: `NVIDIA driver installation supports Ubuntu and Debian, not ${os.prettyName}` };
}

/** A GPU nvidia-smi lists: the driver is loaded, so it has a device file. */
export interface LoadedGpu {
  /** nvidia-smi's name, e.g. `NVIDIA A100-SXM4-40GB`. */
  model: string;
  /** null only when nvidia-smi -L (which omits it) was the source. */
  pciAddress: string | null;
  /** N of /dev/nvidiaN. */
  minor: number;
  uuid: string;
  memoryMiB: number | null;
}

/** An NVIDIA GPU seen on the PCI bus only (no driver). */
export interface PciGpu {
  /** The PCI database name, e.g. `NVIDIA Corporation GA100 [A100 SXM4 40GB]`. */
  model: string;
  pciAddress: string;
  deviceId: string;
}

/** What detectGpus found; `smiError` is nvidia-smi's complaint when it could not list GPUs. */
export type GpuDetection =
  | { state: 'driver-loaded'; devices: LoadedGpu[]; driverVersion: string | null; smiError: null }
  | { state: 'no-driver'; devices: PciGpu[]; driverVersion: null; smiError: string }
  | { state: 'none'; devices: PciGpu[]; driverVersion: null; smiError: string };

// nvidia-smi hangs on a wedged GPU; do not let it hold the hook forever.
const SMI_TIMEOUT_MS = 60_000;

/** /dev/nvidiaN's N from the driver's per-GPU information file, else nvidia-smi's index. */
async function deviceMinor(machine: Machine, pciAddress: string | null, index: number): Promise<number> {
  const path = pciAddress ? `/proc/driver/nvidia/gpus/${pciAddress}/information` : null;
  if (path && (await machine.files.exists(path))) {
    return parseDeviceMinor(await machine.files.read(path)) ?? index;
  }
  return index;
}

/** GPUs through nvidia-smi (query, then -L), or nvidia-smi's message when it cannot list any. */
async function smiDevices(
  machine: Machine,
): Promise<{ devices: LoadedGpu[]; driverVersion: string | null } | string> {
  const query = await machine.exec(SMI_QUERY_ARGV, { check: false, timeoutMs: SMI_TIMEOUT_MS });
  const output = `${query.stdout}\n${query.stderr}`.trim();
  if (query.exitCode === 0) {
    const gpus = parseSmiQuery(query.stdout);
    if (gpus.length === 0) return 'nvidia-smi listed no GPUs';
    const devices = await Promise.all(
      gpus.map(async (g) => ({
        model: g.name,
        pciAddress: g.pciBusId,
        minor: await deviceMinor(machine, g.pciBusId, g.index),
        uuid: g.uuid,
        memoryMiB: g.memoryMiB,
      })),
    );
    return { devices, driverVersion: gpus[0]?.driverVersion ?? null };
  }
  if (query.exitCode === 127) return 'nvidia-smi is not installed';
  if (query.exitCode === 124) return `nvidia-smi did not answer within ${SMI_TIMEOUT_MS / 1000} s`;
  if (isDriverNotLoaded(output) || isNoDevicesFound(output)) return output.split('\n')[0] ?? output;
  // Something else (an nvidia-smi too old for a field, say): the plain listing may still work.
  const list = await machine.exec(SMI_LIST_ARGV, { check: false, timeoutMs: SMI_TIMEOUT_MS });
  const listed = list.exitCode === 0 ? parseSmiList(list.stdout) : [];
  if (listed.length === 0) return output.split('\n')[0] ?? `nvidia-smi exited ${query.exitCode}`;
  const version = (await machine.files.exists('/proc/driver/nvidia/version'))
    ? parseNvrmVersion(await machine.files.read('/proc/driver/nvidia/version'))
    : null;
  const devices = listed.map((g) => ({
    model: g.name,
    pciAddress: null,
    minor: g.index,
    uuid: g.uuid,
    memoryMiB: null,
  }));
  return { devices, driverVersion: version };
}

/** NVIDIA GPUs on the PCI bus: the machine's hardware view (sysfs), else `lspci -Dnn` when present. */
async function pciDevices(machine: Machine): Promise<PciDevice[]> {
  const fromHardware = nvidiaGpusFromHardware((await machine.hardware()).gpus);
  if (fromHardware.length > 0) return fromHardware;
  const lspci = await machine.exec(['lspci', '-Dnn'], { check: false });
  if (lspci.exitCode !== 0) return [];
  try {
    return nvidiaGpus(parseLspciNn(lspci.stdout));
  } catch (error) {
    if (error instanceof LspciParseError) return []; // sysfs already said none; do not fail on a stray line
    throw error;
  }
}

/**
 * Detect NVIDIA GPUs: with a working driver through nvidia-smi ('driver-loaded'), else by PCI
 * ids ('no-driver'), else 'none'. A machine without GPUs is a normal answer, not an error.
 */
export async function detectGpus(machine: Machine): Promise<GpuDetection> {
  const smi = await smiDevices(machine);
  if (typeof smi !== 'string') return { state: 'driver-loaded', ...smi, smiError: null };
  const devices = (await pciDevices(machine)).map((d) => ({
    model: d.description,
    pciAddress: d.pciAddress,
    deviceId: d.deviceId,
  }));
  return { state: devices.length > 0 ? 'no-driver' : 'none', devices, driverVersion: null, smiError: smi };
}

/** Whether a package asked for a reboot (Debian/Ubuntu's /var/run/reboot-required, as juju-reboot users check). */
export async function needsReboot(machine: Machine): Promise<boolean> {
  return (
    (await machine.files.exists('/var/run/reboot-required')) ||
    (await machine.files.exists('/run/reboot-required'))
  );
}
