/**
 * slurmdbd on the unit's machine: packages, the munge key, slurmdbd.conf (rendered
 * whole with the slurm.conf model: slurmdbd.conf has no Include) and the services.
 * The munge key file is the shared charms/lib/munge's business.
 *
 *   const text = renderSlurmdbdConf({ hostname: 'dbd-0', storage, overrides: [] });
 *   if (await writeConf(machine, text)) await restart(machine);
 */
import type { FileWriteOptions, Machine } from '../../../framework/ops/index.js';
import { parseSlurmConf, renderSlurmConf, type ParameterPair } from '../../lib/slurm/index.js';

export const PACKAGES: readonly string[] = ['slurmdbd', 'munge'];
export const SERVICE = 'slurmdbd';

export const CONF_PATH = '/etc/slurm/slurmdbd.conf';
/** slurmdbd refuses a slurmdbd.conf that others can read ("should be 600"). */
export const CONF_MODE: FileWriteOptions = { mode: 0o600, owner: 'slurm', group: 'slurm' };
/** Read by Debian's slurmdbd.service (EnvironmentFile): where libmariadb finds a unix socket. */
export const DEFAULTS_PATH = '/etc/default/slurmdbd';

export const DBD_PORT = 6819;
export const DATABASE = 'slurm_acct_db';
export const SLURM_USER = 'slurm';
export const LOG_FILE = '/var/log/slurm/slurmdbd.log';
export const PID_FILE = '/run/slurm/slurmdbd.pid';

/** Keys the charm writes; slurmdbd-conf-parameters may not set them (nor Include, which slurmdbd.conf lacks). */
export const MANAGED_KEYS: readonly string[] = [
  'AuthType',
  'DbdHost',
  'DbdAddr',
  'DbdPort',
  'SlurmUser',
  'LogFile',
  'PidFile',
  'StorageType',
  'StorageHost',
  'StoragePort',
  'StorageUser',
  'StoragePass',
  'StorageLoc',
  'Include',
];

/** Where and as whom slurmdbd reaches the database: TCP, or a unix socket on this machine. */
export type Storage = { user: string; password: string } & (
  { host: string; port: number } | { socket: string }
);

export interface DbdSettings {
  /** DbdHost: this machine's host name, which slurmdbd checks against its own. */
  hostname: string;
  /** DbdAddr: the address slurmctld is told to use. */
  address?: string;
  /** Absent: the file is written without database credentials (no database related). */
  storage?: Storage;
  /** The operator's extra keys, already checked against MANAGED_KEYS. */
  overrides: readonly ParameterPair[];
}

const HEADER = [
  '# Managed by the slurmdbd charm (tsops): rendered whole, changes are overwritten.',
  "# Extra keys: tsops config slurmdbd slurmdbd-conf-parameters='Key=Value …'",
  '',
].join('\n');

/** slurmdbd.conf; throws SlurmValueError for a value Slurm's syntax cannot hold. */
export function renderSlurmdbdConf(s: DbdSettings): string {
  const conf = parseSlurmConf(HEADER, CONF_PATH);
  conf.set('AuthType', 'auth/munge').set('DbdHost', s.hostname);
  if (s.address !== undefined) conf.set('DbdAddr', s.address);
  conf
    .set('DbdPort', String(DBD_PORT))
    .set('SlurmUser', SLURM_USER)
    .set('LogFile', LOG_FILE)
    .set('PidFile', PID_FILE)
    .set('StorageType', 'accounting_storage/mysql');
  const st = s.storage;
  if (st) {
    // "localhost" makes libmariadb use its unix socket (MYSQL_UNIX_PORT), never TCP.
    if ('socket' in st) conf.set('StorageHost', 'localhost');
    else conf.set('StorageHost', st.host).set('StoragePort', String(st.port));
    conf.set('StorageUser', st.user).set('StoragePass', st.password);
  }
  conf.set('StorageLoc', DATABASE);
  for (const { key, value } of s.overrides) conf.set(key, value);
  return renderSlurmConf(conf);
}

/** /etc/default/slurmdbd: MYSQL_UNIX_PORT when the database is a unix socket. */
export function renderDefaults(storage: Storage | undefined): string {
  const lines = ['# Managed by the slurmdbd charm (tsops): changes are overwritten.'];
  if (storage && 'socket' in storage) lines.push(`MYSQL_UNIX_PORT=${storage.socket}`);
  return `${lines.join('\n')}\n`;
}

export async function isInstalled(machine: Machine): Promise<boolean> {
  for (const name of PACKAGES) if ((await machine.packages.version(name)) === null) return false;
  return true;
}

export async function install(machine: Machine): Promise<void> {
  await machine.packages.install(PACKAGES);
}

/** Write `text` at `path` with `options` unless it is already so; returns whether anything changed. */
export async function writeIfChanged(
  machine: Machine,
  path: string,
  text: string,
  options: FileWriteOptions,
): Promise<boolean> {
  const info = await machine.files.stat(path);
  const same =
    info !== null &&
    info.mode === options.mode &&
    info.owner === options.owner &&
    info.group === options.group &&
    (await machine.files.read(path)) === text;
  if (same) return false;
  await machine.files.write(path, text, options);
  return true;
}

/** slurmdbd.conf and /etc/default/slurmdbd; returns whether either changed. */
export async function writeConf(machine: Machine, conf: string, defaults: string): Promise<boolean> {
  const a = await writeIfChanged(machine, CONF_PATH, conf, CONF_MODE);
  const b = await writeIfChanged(machine, DEFAULTS_PATH, defaults, {
    mode: 0o644,
    owner: 'root',
    group: 'root',
  });
  return a || b;
}

async function state(machine: Machine, name: string): Promise<{ running: boolean; enabled: boolean }> {
  const s = await machine.services.status(name).catch(() => null);
  return { running: s?.state === 'running', enabled: s?.enabled ?? false };
}

/** slurmdbd running and enabled; restarted when its settings changed. */
export async function ensureRunning(machine: Machine, restart: boolean): Promise<void> {
  for (const dir of ['/var/log/slurm', '/run/slurm']) {
    await machine.files.mkdir(dir, { mode: 0o755, owner: SLURM_USER, group: SLURM_USER });
  }
  const s = await state(machine, SERVICE);
  if (!s.enabled) await machine.services.enable(SERVICE);
  if (restart) await machine.services.restart(SERVICE);
  else if (!s.running) await machine.services.start(SERVICE);
}

/** slurmdbd stopped and disabled (Debian starts it on install, before it has a database). */
export async function ensureStopped(machine: Machine): Promise<void> {
  const s = await state(machine, SERVICE);
  if (s.running) await machine.services.stop(SERVICE);
  if (s.enabled) await machine.services.disable(SERVICE);
}
