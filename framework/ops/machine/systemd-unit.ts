/**
 * systemd unit files for ServiceSpec, and `systemctl show` parsing. Quoting
 * follows systemd.syntax(7) and systemd.service(5) "Command lines".
 */
import type { ServiceSpec, ServiceState, ServiceStatus } from '../machine.js';

/** Unit names systemd accepts (without the `.service` suffix); also keeps paths out of unit names. */
const UNIT_NAME = /^[A-Za-z0-9:_.\\@][A-Za-z0-9:_.\\@-]*$/;

/** Throws when `name` cannot be a systemd service name. */
export function checkServiceName(name: string): void {
  if (!UNIT_NAME.test(name) || name.length > 240) {
    throw new Error(
      `invalid service name ${JSON.stringify(name)}: use letters, digits and ":_.@-", not starting with "-"`,
    );
  }
}

/** Specifiers (`%n`) are expanded in every setting; `%%` is a literal percent sign. */
function escapeSpecifiers(value: string): string {
  return value.replaceAll('%', '%%');
}

function rejectNewlines(setting: string, value: string): string {
  if (/[\n\r]/.test(value))
    throw new Error(`${setting} must not contain a newline: ${JSON.stringify(value)}`);
  return value;
}

/** C-style escapes understood inside a double-quoted systemd word. */
function quoteWord(value: string): string {
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\n', '\\n')
    .replaceAll('\t', '\\t')
    .replaceAll('\r', '\\r');
  return `"${escaped}"`;
}

/**
 * One ExecStart argument: quoted when it is empty or holds anything beyond a
 * safe set (spaces, quotes, backslashes, a lone `;`); `$` and `%` are doubled
 * so systemd passes them through instead of expanding variables or specifiers.
 */
export function quoteExecArg(arg: string): string {
  const word = /^[A-Za-z0-9_+=:,./@-]+$/.test(arg) ? arg : quoteWord(arg);
  return escapeSpecifiers(word.replaceAll('$', '$$$$'));
}

/** ExecStart= value for an argv; argv[0] must not start with a systemd prefix character. */
export function execStartLine(command: readonly string[]): string {
  const program = command[0];
  if (!program) throw new Error('service command must not be empty');
  if (/^[-@:+!|]/.test(program)) {
    throw new Error(
      `service program ${JSON.stringify(program)} starts with a systemd ExecStart prefix character`,
    );
  }
  return command.map(quoteExecArg).join(' ');
}

/** The unit file text for a spec; deterministic, so an unchanged spec renders identical bytes. */
export function renderUnit(spec: ServiceSpec): string {
  checkServiceName(spec.name);
  const description = rejectNewlines('Description', spec.description ?? spec.name);
  const lines = [
    '# Written by tsops; changes are overwritten when the charm defines the service again.',
    '[Unit]',
    `Description=${escapeSpecifiers(description)}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStartLine(spec.command)}`,
  ];
  if (spec.user !== undefined) lines.push(`User=${escapeSpecifiers(rejectNewlines('User', spec.user))}`);
  if (spec.group !== undefined) lines.push(`Group=${escapeSpecifiers(rejectNewlines('Group', spec.group))}`);
  if (spec.workingDirectory !== undefined) {
    const dir = rejectNewlines('WorkingDirectory', spec.workingDirectory);
    lines.push(`WorkingDirectory=${escapeSpecifiers(dir)}`);
  }
  for (const [key, value] of Object.entries(spec.environment ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new Error(`invalid environment variable name ${JSON.stringify(key)}`);
    lines.push(`Environment=${escapeSpecifiers(quoteWord(`${key}=${value}`))}`);
  }
  lines.push(`Restart=${spec.restart ?? 'on-failure'}`, '', '[Install]', 'WantedBy=multi-user.target', '');
  return lines.join('\n');
}

/** The properties `status` asks `systemctl show` for. */
export const SHOW_PROPERTIES = ['LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'MainPID'] as const;

/** `systemctl show` output (KEY=VALUE lines) parsed into a ServiceStatus; null when the unit does not exist. */
export function parseShow(name: string, output: string): ServiceStatus | null {
  const props = new Map<string, string>();
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  if (props.get('LoadState') === 'not-found') return null;
  const pid = Number(props.get('MainPID'));
  const state = serviceState(props.get('ActiveState'), props.get('SubState'));
  const fileState = props.get('UnitFileState') ?? '';
  return {
    name,
    state,
    enabled: fileState === 'enabled' || fileState === 'enabled-runtime',
    ...(Number.isInteger(pid) && pid > 0 ? { pid } : {}),
  };
}

function serviceState(active: string | undefined, sub: string | undefined): ServiceState {
  switch (active) {
    case 'active':
    case 'reloading':
      return 'running';
    case 'inactive':
    case 'deactivating':
      return 'stopped';
    case 'failed':
      return 'failed';
    case 'activating':
      // auto-restart: the daemon exited and systemd is about to retry, i.e. crash-looping.
      return sub === 'auto-restart' ? 'failed' : 'unknown';
    default:
      return 'unknown';
  }
}
