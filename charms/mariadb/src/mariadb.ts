/**
 * MariaDB on the unit's machine: the package, the service, the charm's server settings
 * and SQL run as root over the unix socket (Debian's root@localhost authenticates with
 * unix_socket, so no admin password exists anywhere).
 *
 *   await runSql(machine, provisionSql(p), [p.password]);
 */
import type { Machine } from '../../../framework/ops/index.js';
import { redact } from './sql.js';

export const PACKAGES: readonly string[] = ['mariadb-server'];
export const SERVICE = 'mariadb';
/** Read after Debian's 50-server.cnf, so its bind-address (127.0.0.1) is overridden. */
export const SERVER_CNF = '/etc/mysql/mariadb.conf.d/99-tsops.cnf';

/** argv prefix of every statement; the SQL is the last argument. */
export const SQL_ARGV: readonly string[] = ['mariadb', '--batch', '-e'];

/** Whether mariadb-server is installed. */
export async function isInstalled(machine: Machine): Promise<boolean> {
  return (await machine.packages.version(PACKAGES[0] ?? 'mariadb-server')) !== null;
}

export async function install(machine: Machine): Promise<void> {
  await machine.packages.install(PACKAGES);
}

/** The installed server version, for the workload version; null when not installed. */
export async function serverVersion(machine: Machine): Promise<string | null> {
  return machine.packages.version(PACKAGES[0] ?? 'mariadb-server');
}

/** The charm's drop-in: listen on every address (clients are on other machines) at `port`. */
export function renderServerCnf(port: number): string {
  return [
    '# Managed by the mariadb charm (tsops): changes are overwritten.',
    '[mysqld]',
    'bind-address = 0.0.0.0',
    `port = ${port}`,
    '',
  ].join('\n');
}

/** Write the drop-in; returns whether it changed (the server then needs a restart). */
export async function writeServerCnf(machine: Machine, port: number): Promise<boolean> {
  const text = renderServerCnf(port);
  const current = (await machine.files.exists(SERVER_CNF)) ? await machine.files.read(SERVER_CNF) : null;
  if (current === text) return false;
  await machine.files.write(SERVER_CNF, text, { mode: 0o644, owner: 'root', group: 'root' });
  return true;
}

/** Running and enabled; restarted when `restart` (new settings). */
export async function ensureRunning(machine: Machine, restart: boolean): Promise<void> {
  const status = await machine.services.status(SERVICE).catch(() => null);
  if (!status?.enabled) await machine.services.enable(SERVICE);
  if (restart) await machine.services.restart(SERVICE);
  else if (status?.state !== 'running') await machine.services.start(SERVICE);
}

/**
 * An SQL failure the operator has to look at (a server error such as ERROR 1045):
 * the hook goes on and the unit is Blocked with `message`, which holds no secret.
 */
export class SqlError extends Error {
  override name = 'SqlError';
  constructor(
    message: string,
    /** MariaDB's error number, e.g. 1396. */
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * The server could not be reached (a client error, 2000-2999, such as 2002 "Can't
 * connect through socket") or the client did not run: thrown so the hook fails and is
 * retried, as the server is most likely still starting.
 */
export class SqlUnavailableError extends Error {
  override name = 'SqlUnavailableError';
}

/**
 * Run `sql` as root. `secrets` are masked in every message made from the command or its
 * output (a syntax error echoes the statement). The exec is made unchecked, because
 * ExecError would put the whole argv, password included, into its message.
 */
export async function runSql(machine: Machine, sql: string, secrets: readonly string[]): Promise<string> {
  const result = await machine.exec([...SQL_ARGV, sql], { check: false, timeoutMs: 60_000 });
  if (result.exitCode === 0) return result.stdout;
  const output = redact((result.stderr || result.stdout).trim(), secrets);
  const firstLine = output.split('\n')[0] ?? '';
  const code = /^ERROR (\d+)/m.exec(output)?.[1];
  const where = `mariadb exited ${result.exitCode}`;
  if (code === undefined || (Number(code) >= 2000 && Number(code) < 3000)) {
    throw new SqlUnavailableError(`${where}: ${firstLine || 'no output'}`);
  }
  throw new SqlError(firstLine, Number(code));
}
