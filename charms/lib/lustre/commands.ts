/**
 * Lustre command lines (argv arrays, never shell strings) as the Lustre Operations Manual
 * ("Configuring a Lustre File System"), mkfs.lustre(8), tunefs.lustre(8) and mount.lustre(8)
 * give them, and parsers for what the idempotence checks read back. Targets use the default
 * ldiskfs backend on a block device.
 */
import { NidError, normalizeNid, validateFsname } from './nid.js';

/** What a lustre-server unit serves. `mgs+mdt` is the combined MGS/MDT of small filesystems. */
export type TargetRole = 'mgs' | 'mdt' | 'ost' | 'mgs+mdt';

/** Every role, for config validation. */
export const TARGET_ROLES: readonly TargetRole[] = ['mgs', 'mdt', 'ost', 'mgs+mdt'];

/** A server target: what to format and where to mount it. */
export interface TargetSpec {
  role: TargetRole;
  /** Block device, e.g. /dev/sdb or /dev/disk/by-id/…. */
  device: string;
  mountpoint: string;
  /** Filesystem name; required except for a lone MGS, which serves every filesystem. */
  fsname?: string;
  /** Target index; required for mdt, ost and mgs+mdt. */
  index?: number;
  /** One NID per MGS node (failover pairs give two); required for mdt and ost. */
  mgsNids?: readonly string[];
}

/** A spec that cannot produce a valid command: the charm goes Blocked with the message. */
export class LustreConfigError extends Error {
  override name = 'LustreConfigError';
}

function checkPath(what: string, path: string): string {
  if (!path.startsWith('/') || /[\0\n]/.test(path) || path.split('/').includes('..')) {
    throw new LustreConfigError(`${what} must be an absolute path without "..", got ${JSON.stringify(path)}`);
  }
  return path;
}

/** NIDs or a config error that names them. */
function checkNids(nids: readonly string[]): string[] {
  try {
    return nids.map(normalizeNid);
  } catch (error) {
    if (error instanceof NidError) throw new LustreConfigError(error.message);
    throw error;
  }
}

function checkFsname(fsname: string | undefined, role: string): string {
  if (fsname === undefined) throw new LustreConfigError(`a ${role} target needs a filesystem name`);
  try {
    return validateFsname(fsname);
  } catch (error) {
    if (error instanceof NidError) throw new LustreConfigError(error.message);
    throw error;
  }
}

function checkIndex(index: number | undefined, role: TargetRole): number {
  if (index === undefined || !Number.isInteger(index) || index < 0 || index > 65535) {
    throw new LustreConfigError(`a ${role} target needs an index from 0 to 65535, got ${index}`);
  }
  return index;
}

/** A spec's validated parts: fsname and index are null for a lone MGS. */
interface CheckedTarget {
  role: TargetRole;
  device: string;
  mountpoint: string;
  fsname: string | null;
  index: number | null;
  mgsNids: string[];
}

/** Validate a target spec; throws LustreConfigError naming the problem. */
export function checkTargetSpec(spec: TargetSpec): CheckedTarget {
  const device = checkPath('the target device', spec.device);
  const mountpoint = checkPath('the target mountpoint', spec.mountpoint);
  const mgsNids = checkNids(spec.mgsNids ?? []);
  if (spec.role === 'mgs')
    return { role: spec.role, device, mountpoint, fsname: null, index: null, mgsNids: [] };
  const fsname = checkFsname(spec.fsname, spec.role);
  const index = checkIndex(spec.index, spec.role);
  if (spec.role === 'mgs+mdt') {
    if (mgsNids.length > 0)
      throw new LustreConfigError('an mgs+mdt target is its own MGS: give it no MGS NIDs');
  } else if (mgsNids.length === 0) {
    throw new LustreConfigError(`a ${spec.role} target needs the MGS NIDs`);
  }
  return { role: spec.role, device, mountpoint, fsname, index, mgsNids };
}

/** The name Lustre gives the target: `MGS`, `<fsname>-MDT0000`, `<fsname>-OST000a` (index in 4 hex digits). */
export function targetName(spec: TargetSpec): string {
  const t = checkTargetSpec(spec);
  if (t.role === 'mgs') return 'MGS';
  const kind = t.role === 'ost' ? 'OST' : 'MDT';
  return `${t.fsname}-${kind}${(t.index ?? 0).toString(16).padStart(4, '0')}`;
}

/**
 * mkfs.lustre for the role:
 *   MGS      mkfs.lustre --mgs <device>
 *   MDT      mkfs.lustre --fsname=<fs> --mdt --mgsnode=<nid> --index=<n> <device>
 *   OST      mkfs.lustre --fsname=<fs> --ost --mgsnode=<nid> --index=<n> <device>
 *   MGS+MDT  mkfs.lustre --fsname=<fs> --mgs --mdt --index=<n> <device>
 * One `--mgsnode` per MGS node, as mkfs.lustre(8) asks for failover MGSs.
 */
export function mkfsArgv(spec: TargetSpec): string[] {
  const t = checkTargetSpec(spec);
  const mgsnodes = t.mgsNids.map((nid) => `--mgsnode=${nid}`);
  const fs = `--fsname=${t.fsname}`;
  const index = `--index=${t.index}`;
  switch (t.role) {
    case 'mgs':
      return ['mkfs.lustre', '--mgs', t.device];
    case 'mdt':
      return ['mkfs.lustre', fs, '--mdt', ...mgsnodes, index, t.device];
    case 'ost':
      return ['mkfs.lustre', fs, '--ost', ...mgsnodes, index, t.device];
    case 'mgs+mdt':
      return ['mkfs.lustre', fs, '--mgs', '--mdt', index, t.device];
  }
}

/** `mkdir -p <mountpoint>` then `mount -t lustre <device> <mountpoint>`: starting a server target is mounting it. */
export function mountTargetArgvs(spec: TargetSpec): string[][] {
  const t = checkTargetSpec(spec);
  return [
    ['mkdir', '-p', t.mountpoint],
    ['mount', '-t', 'lustre', t.device, t.mountpoint],
  ];
}

/** Reads the target's label without writing: exit 0 and a `Permanent disk data` block when formatted. */
export function tunefsDryrunArgv(device: string): string[] {
  return ['tunefs.lustre', '--dryrun', checkPath('the target device', device)];
}

/** What a formatted device holds, from tunefs.lustre's `Permanent disk data`. */
export interface FormattedTarget {
  /** `MGS`, `lustre-OST0001`, or `lustre:MDT0000` before the first mount registers it. */
  target: string;
  /** null when `unassigned`. */
  index: number | null;
  fsname: string;
  mountType: string;
  flags: number;
  mgs: boolean;
  mdt: boolean;
  ost: boolean;
  /** Not yet registered with the MGS (the `first_time` flag). */
  firstTime: boolean;
  parameters: string;
}

// Flag bits from lustre_disk.h (LDD_F_SV_TYPE_MDT/OST/MGS, LDD_F_VIRGIN).
const LDD_F_SV_TYPE_MDT = 0x1;
const LDD_F_SV_TYPE_OST = 0x2;
const LDD_F_SV_TYPE_MGS = 0x4;
const LDD_F_VIRGIN = 0x20;

/**
 * Parse `tunefs.lustre --dryrun` stdout: the last `Permanent disk data` block, or null when
 * it reports `checking for existing Lustre data: not found`. Throws on output it cannot read.
 */
export function parseTunefsDryrun(stdout: string): FormattedTarget | null {
  if (/checking for existing Lustre data:\s*not found/.test(stdout)) return null;
  const start = stdout.lastIndexOf('Permanent disk data:');
  if (start < 0)
    throw new Error(
      `tunefs.lustre --dryrun printed no "Permanent disk data": ${stdout.trim().slice(0, 200)}`,
    );
  const fields = new Map<string, string>();
  for (const line of stdout.slice(start).split('\n').slice(1)) {
    const match = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(line.trimEnd());
    if (match) fields.set(match[1] ?? '', (match[2] ?? '').trim());
  }
  const flagsText = fields.get('Flags') ?? '';
  if (!/^0x[0-9a-fA-F]+$/.test(flagsText))
    throw new Error(`tunefs.lustre --dryrun: unreadable Flags ${JSON.stringify(flagsText)}`);
  const flags = Number.parseInt(flagsText, 16);
  const indexText = fields.get('Index') ?? 'unassigned';
  return {
    target: fields.get('Target') ?? '',
    index: /^\d+$/.test(indexText) ? Number(indexText) : null,
    fsname: fields.get('Lustre FS') ?? '',
    mountType: fields.get('Mount type') ?? '',
    flags,
    mgs: (flags & LDD_F_SV_TYPE_MGS) !== 0,
    mdt: (flags & LDD_F_SV_TYPE_MDT) !== 0,
    ost: (flags & LDD_F_SV_TYPE_OST) !== 0,
    firstTime: (flags & LDD_F_VIRGIN) !== 0,
    parameters: fields.get('Parameters') ?? '',
  };
}

function roleOf(t: { mgs: boolean; mdt: boolean; ost: boolean }): string {
  return [t.mgs && 'MGS', t.mdt && 'MDT', t.ost && 'OST'].filter(Boolean).join('+') || 'no known role';
}

/** Why a formatted device is not the requested target (never reformat it), or null when it is. */
export function targetMismatch(spec: TargetSpec, found: FormattedTarget): string | null {
  const t = checkTargetSpec(spec);
  const wanted = { mgs: t.role.includes('mgs'), mdt: t.role.includes('mdt'), ost: t.role === 'ost' };
  const where = `${t.device} already holds Lustre target ${found.target || '(unnamed)'}`;
  if (wanted.mgs !== found.mgs || wanted.mdt !== found.mdt || wanted.ost !== found.ost) {
    return `${where} (${roleOf(found)}), not an ${roleOf(wanted)}: refusing to reformat it`;
  }
  if (t.fsname !== null && found.fsname !== t.fsname) {
    return `${where} of filesystem ${found.fsname}, not ${t.fsname}: refusing to reformat it`;
  }
  if (t.index !== null && found.index !== null && found.index !== t.index) {
    return `${where} with index ${found.index}, not ${t.index}: refusing to reformat it`;
  }
  return null;
}

/** One /proc/mounts line. */
export interface MountEntry {
  source: string;
  mountpoint: string;
  fstype: string;
  options: string[];
}

/** The kernel escapes space, tab, newline and backslash in /proc/mounts as octal (`\040`). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Parse /proc/mounts (fstab(5) format). */
export function parseProcMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, mountpoint, fstype, options = ''] = line.trim().split(/\s+/);
    if (!source || !mountpoint || !fstype) continue;
    entries.push({
      source: unescapeMountField(source),
      mountpoint: unescapeMountField(mountpoint),
      fstype,
      options: options.split(',').filter(Boolean),
    });
  }
  return entries;
}

/** The Lustre mount at a mountpoint (the last, as it shadows earlier ones), if any. */
export function lustreMountAt(mounts: readonly MountEntry[], mountpoint: string): MountEntry | undefined {
  const wanted = mountpoint.replace(/\/+$/, '') || '/';
  return mounts.filter((m) => m.fstype === 'lustre' && m.mountpoint === wanted).at(-1);
}

/** A client mount: the MGS nodes' NIDs, the filesystem and where to mount it. */
export interface ClientMountSpec {
  /** One NID per MGS node, tried in order (failover). */
  mgsNids: readonly string[];
  fsname: string;
  mountpoint: string;
  /** mount -o options, e.g. `flock`. */
  options?: readonly string[];
}

/** `<nid>[:<nid2>]:/<fsname>`: mount.lustre(8) separates failover MGS nodes with `:`. */
export function clientMountSource(spec: ClientMountSpec): string {
  const nids = checkNids(spec.mgsNids);
  if (nids.length === 0) throw new LustreConfigError('a Lustre client mount needs at least one MGS NID');
  return `${nids.join(':')}:/${checkFsname(spec.fsname, 'client')}`;
}

/** `mkdir -p <mountpoint>` then `mount -t lustre [-o opts] <mgsnids>:/<fsname> <mountpoint>`. */
export function clientMountArgvs(spec: ClientMountSpec): string[][] {
  const source = clientMountSource(spec);
  const mountpoint = checkPath('the client mountpoint', spec.mountpoint);
  const options = spec.options ?? [];
  if (options.some((o) => !/^[A-Za-z0-9_=.:@-]+$/.test(o))) {
    throw new LustreConfigError(`invalid mount options ${JSON.stringify(options.join(','))}`);
  }
  const opts = options.length > 0 ? ['-o', options.join(',')] : [];
  return [
    ['mkdir', '-p', mountpoint],
    ['mount', '-t', 'lustre', ...opts, source, mountpoint],
  ];
}

/** `umount <mountpoint>`. */
export function umountArgv(mountpoint: string): string[] {
  return ['umount', checkPath('the mountpoint', mountpoint)];
}
