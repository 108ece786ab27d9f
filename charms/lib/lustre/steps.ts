/**
 * Idempotent Machine-driven steps for the Lustre charms: format and mount a server target,
 * mount and unmount a client. Each reads the machine's state first (tunefs.lustre --dryrun,
 * /proc/mounts) and runs only the commands still needed.
 */
import type { Machine } from '../../../framework/ops/machine.js';
import {
  checkTargetSpec,
  clientMountArgvs,
  lustreMountAt,
  mkfsArgv,
  mountTargetArgvs,
  parseProcMounts,
  parseTunefsDryrun,
  targetMismatch,
  targetName,
  tunefsDryrunArgv,
  umountArgv,
} from './commands.js';
import type { ClientMountSpec, FormattedTarget, MountEntry, TargetSpec } from './commands.js';

/** The device or mountpoint holds something else; the charm goes Blocked rather than overwrite it. */
export class LustreConflictError extends Error {
  override name = 'LustreConflictError';
}

/** The machine's mounts from /proc/mounts (none when it is absent, as on a bare test machine). */
export async function readMounts(machine: Machine): Promise<MountEntry[]> {
  if (!(await machine.files.exists('/proc/mounts'))) return [];
  return parseProcMounts(await machine.files.read('/proc/mounts'));
}

// tunefs.lustre exits ENODEV (19) when the device carries no Lustre label.
const ENODEV = 19;

/**
 * What the device holds: its label, or null when tunefs.lustre says it is not formatted.
 * Any other failure (missing tools, unreadable device) throws, so nothing is formatted blind.
 */
export async function readTarget(machine: Machine, device: string): Promise<FormattedTarget | null> {
  const argv = tunefsDryrunArgv(device);
  const result = await machine.exec(argv, { check: false });
  if (result.exitCode === 0) return parseTunefsDryrun(result.stdout);
  if (result.exitCode === ENODEV || /existing Lustre data:\s*not found/.test(result.stdout)) return null;
  const why = (result.stderr || result.stdout).trim().split('\n').at(-1) ?? '';
  throw new Error(`${argv.join(' ')} exited ${result.exitCode}: ${why}`);
}

/** What ensureTarget did. */
export interface TargetOutcome {
  /** `MGS`, `<fsname>-MDT0000`, `<fsname>-OST0001`. */
  target: string;
  formatted: boolean;
  mounted: boolean;
}

/**
 * Format the target unless the device already holds it, then mount it unless mounted.
 * A device labelled as another target, or another target at the mountpoint, throws
 * LustreConflictError and nothing is run.
 */
export async function ensureTarget(machine: Machine, spec: TargetSpec): Promise<TargetOutcome> {
  const t = checkTargetSpec(spec);
  const name = targetName(spec);
  const mounts = await readMounts(machine);
  const atMountpoint = lustreMountAt(mounts, t.mountpoint);
  if (atMountpoint) {
    // Server mounts carry svname=<target>; without it, the source must be our device.
    const svname = atMountpoint.options.find((o) => o.startsWith('svname='))?.slice('svname='.length);
    if (svname !== undefined ? svname !== name : atMountpoint.source !== t.device) {
      const other = svname ?? atMountpoint.source;
      throw new LustreConflictError(`${t.mountpoint} already has Lustre ${other} mounted, not ${name}`);
    }
  }
  const elsewhere = mounts.find((m) => m.fstype === 'lustre' && m.source === t.device && m !== atMountpoint);
  if (!atMountpoint && elsewhere) {
    throw new LustreConflictError(
      `${t.device} is already mounted at ${elsewhere.mountpoint}, not ${t.mountpoint}`,
    );
  }

  // A mounted target is formatted; tunefs would still read it, but nothing needs checking.
  let formatted = false;
  if (!atMountpoint) {
    const found = await readTarget(machine, t.device);
    if (found) {
      const mismatch = targetMismatch(spec, found);
      if (mismatch) throw new LustreConflictError(mismatch);
    } else {
      await machine.exec(mkfsArgv(spec));
      formatted = true;
    }
    for (const argv of mountTargetArgvs(spec)) await machine.exec(argv);
  }
  return { target: name, formatted, mounted: !atMountpoint };
}

/** Whether the filesystem is mounted at the mountpoint (a Lustre mount of another filesystem is a conflict). */
export async function isClientMounted(machine: Machine, spec: ClientMountSpec): Promise<boolean> {
  const mount = lustreMountAt(await readMounts(machine), spec.mountpoint);
  if (!mount) return false;
  // The source is `<nids>:/<fsname>`; the NIDs may be written differently, the fsname may not.
  const fsname = mount.source.slice(mount.source.lastIndexOf(':/') + 2);
  if (fsname !== spec.fsname) {
    throw new LustreConflictError(
      `${spec.mountpoint} already has Lustre filesystem ${fsname} mounted, not ${spec.fsname}`,
    );
  }
  return true;
}

/** Mount the filesystem unless it is mounted; returns whether it mounted. */
export async function ensureClientMount(machine: Machine, spec: ClientMountSpec): Promise<boolean> {
  const argvs = clientMountArgvs(spec); // validates before anything runs
  if (await isClientMounted(machine, spec)) return false;
  for (const argv of argvs) await machine.exec(argv);
  return true;
}

/** Unmount whatever Lustre filesystem is at the mountpoint; returns whether it unmounted. */
export async function unmountLustre(machine: Machine, mountpoint: string): Promise<boolean> {
  const argv = umountArgv(mountpoint);
  if (!lustreMountAt(await readMounts(machine), mountpoint)) return false;
  await machine.exec(argv);
  return true;
}
