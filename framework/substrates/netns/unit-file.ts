/**
 * Packaged services without systemd: the [Service] section of a package's unit file
 * (plus drop-ins), read the way systemd reads it, so the substrate runs what the
 * package meant: ExecStart, User, Group, EnvironmentFile, RuntimeDirectory, Type,
 * PIDFile, Restart, ExecReload.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnvironmentLine } from './exec-line.js';

/** Where unit files are looked up, in systemd's order (the first wins). */
export const UNIT_DIRS: readonly string[] = [
  '/etc/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
];

export type RestartPolicy = 'no' | 'always' | 'on-failure' | 'on-abort' | 'on-abnormal' | 'on-success';

/** A service as the substrate runs it, from a unit file or a charm's ServiceSpec. */
export interface ServiceDefinition {
  name: string;
  description: string;
  /** simple/exec/notify: the started process is the service; forking: it forks and exits; oneshot: runs to completion. */
  type: 'simple' | 'exec' | 'notify' | 'forking' | 'oneshot';
  /** Command lines (systemd syntax), expanded at start with the service's environment. */
  execStart: string;
  execStartPre: string[];
  execReload?: string;
  user?: string;
  group?: string;
  workingDirectory?: string;
  environment: Record<string, string>;
  environmentFiles: Array<{ path: string; optional: boolean }>;
  pidFile?: string;
  /** Directories under /run made (owned by User/Group) before each start. */
  runtimeDirectories: string[];
  runtimeDirectoryMode: number;
  restart: RestartPolicy;
  restartSecMs: number;
  /** 'process': only the main process is signalled on stop (slurmd keeps running job steps). */
  killMode: 'control-group' | 'process' | 'mixed' | 'none';
  /** Paths that must exist for the service to start (ConditionPathExists=). */
  conditionPathExists: string[];
}

/** Sections of an INI-style unit file: continuation lines joined, comments dropped. */
function sections(text: string): Map<string, Array<[string, string]>> {
  const out = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = out.get(header[1] ?? '') ?? [];
      out.set(header[1] ?? '', current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current) current.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}

/** Seconds as systemd writes them ("5s", "100ms", "1min", "2") → milliseconds. */
export function parseTimespan(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|min|m)?$/.exec(value.trim());
  if (!m) return 100;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(unit === 'ms' ? n : unit === 'min' || unit === 'm' ? n * 60_000 : n * 1000);
}

const RESTARTS: readonly RestartPolicy[] = [
  'no',
  'always',
  'on-failure',
  'on-abort',
  'on-abnormal',
  'on-success',
];
const TYPES: ReadonlyArray<ServiceDefinition['type']> = ['simple', 'exec', 'notify', 'forking', 'oneshot'];
const KILL_MODES: ReadonlyArray<ServiceDefinition['killMode']> = [
  'control-group',
  'process',
  'mixed',
  'none',
];

function oneOf<T extends string>(value: string, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** A definition from unit-file texts (the unit, then its drop-ins in order); null without ExecStart. */
export function parseUnit(name: string, texts: readonly string[]): ServiceDefinition | null {
  const def: ServiceDefinition = {
    name,
    description: name,
    type: 'simple',
    execStart: '',
    execStartPre: [],
    environment: {},
    environmentFiles: [],
    runtimeDirectories: [],
    runtimeDirectoryMode: 0o755,
    restart: 'no',
    restartSecMs: 100,
    killMode: 'control-group',
    conditionPathExists: [],
  };
  for (const text of texts) {
    const s = sections(text);
    for (const [key, value] of s.get('Unit') ?? []) {
      if (key === 'Description') def.description = value;
      if (key === 'ConditionPathExists')
        def.conditionPathExists = value === '' ? [] : [...def.conditionPathExists, value];
    }
    for (const [key, value] of s.get('Service') ?? []) {
      switch (key) {
        case 'Type':
          def.type = oneOf(value, TYPES, 'simple');
          break;
        case 'ExecStart':
          // An empty assignment resets (drop-ins do that before overriding).
          def.execStart = value;
          break;
        case 'ExecStartPre':
          def.execStartPre = value === '' ? [] : [...def.execStartPre, value];
          break;
        case 'ExecReload':
          def.execReload = value === '' ? undefined : value;
          break;
        case 'User':
          def.user = value || undefined;
          break;
        case 'Group':
          def.group = value || undefined;
          break;
        case 'WorkingDirectory':
          def.workingDirectory = value.replace(/^-/, '') || undefined;
          break;
        case 'Environment':
          Object.assign(def.environment, parseEnvironmentLine(value));
          break;
        case 'EnvironmentFile':
          if (value === '') def.environmentFiles = [];
          else def.environmentFiles.push({ path: value.replace(/^-/, ''), optional: value.startsWith('-') });
          break;
        case 'PIDFile':
          def.pidFile = value || undefined;
          break;
        case 'RuntimeDirectory':
          def.runtimeDirectories = value === '' ? [] : [...def.runtimeDirectories, ...value.split(/\s+/)];
          break;
        case 'RuntimeDirectoryMode':
          def.runtimeDirectoryMode = /^[0-7]{3,4}$/.test(value) ? parseInt(value, 8) : 0o755;
          break;
        case 'Restart':
          def.restart = oneOf(value, RESTARTS, 'no');
          break;
        case 'RestartSec':
          def.restartSecMs = parseTimespan(value);
          break;
        case 'KillMode':
          def.killMode = oneOf(value, KILL_MODES, 'control-group');
          break;
      }
    }
  }
  return def.execStart === '' ? null : def;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The packaged definition of `name` from the host's unit directories (a symlinked alias
 * such as mysql.service reads its target), with drop-ins; null when no package ships one.
 */
export async function loadPackagedUnit(
  name: string,
  dirs: readonly string[] = UNIT_DIRS,
): Promise<ServiceDefinition | null> {
  let main: string | null = null;
  for (const dir of dirs) {
    main = await readOptional(join(dir, `${name}.service`));
    if (main !== null) break;
  }
  if (main === null) return null;
  const dropIns: string[] = [];
  for (const dir of [...dirs].reverse()) {
    const d = join(dir, `${name}.service.d`);
    const names = await readdir(d).catch(() => [] as string[]);
    for (const f of names.filter((n) => n.endsWith('.conf')).sort()) {
      const text = await readOptional(join(d, f));
      if (text !== null) dropIns.push(text);
    }
  }
  return parseUnit(name, [main, ...dropIns]);
}
