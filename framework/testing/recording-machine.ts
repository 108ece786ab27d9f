/**
 * RecordingMachine: an in-memory Machine for charm unit tests. It keeps files,
 * packages and services as plain data, answers exec from handlers the test
 * registers, and records in `history` every operation the charm asked for,
 * including ones that failed because of the machine's state (a call rejected
 * for its arguments, such as a relative path, is not recorded).
 *
 *   const machine = new RecordingMachine({ exec: [{ argv: ['munge', '-n'], result: { stdout: 'cred' } }] });
 *   await charm.reconcile(machine);
 *   expect(machine.history).toContainEqual({ kind: 'service', verb: 'restart', name: 'slurmd' });
 */
import { ExecError, FileNotFoundError, PackageError, ServiceError } from '../ops/machine.js';
import type {
  ExecOptions,
  ExecResult,
  FileInfo,
  FileWriteOptions,
  Hardware,
  Machine,
  MachineFiles,
  MachinePackages,
  MachineServices,
  ServiceSpec,
  ServiceState,
  ServiceStatus,
} from '../ops/machine.js';
import { checkServiceName, renderUnit } from '../ops/machine/systemd-unit.js';

/** A file as RecordingMachine keeps it. */
export interface RecordedFile {
  content: string;
  mode: number;
  owner: string;
  group: string;
}

/** Attributes of a directory created with mkdir (implied parents have the defaults). */
export type RecordedDirectory = Omit<RecordedFile, 'content'>;

/** A service as RecordingMachine keeps it: its spec when the charm defined it, and what was done to it. */
export interface RecordedService {
  spec?: ServiceSpec;
  state: ServiceState;
  enabled: boolean;
  restarts: number;
  reloads: number;
}

/** systemctl-style verbs recorded as `{ kind: 'service' }` operations. */
export type ServiceVerb = 'start' | 'stop' | 'restart' | 'reload' | 'enable' | 'disable';

/** One recorded change or command, in the order the charm made it. */
export type MachineOp =
  | { kind: 'write'; path: string; mode: number; owner: string; group: string }
  | { kind: 'mkdir'; path: string; mode: number; owner: string; group: string }
  | { kind: 'remove'; path: string }
  | { kind: 'install'; packages: string[] }
  | { kind: 'uninstall'; packages: string[] }
  | { kind: 'define'; name: string; spec: ServiceSpec }
  | { kind: 'service'; verb: ServiceVerb; name: string }
  | {
      kind: 'exec';
      argv: string[];
      input?: string;
      user?: string;
      cwd?: string;
      env?: Record<string, string>;
    };

/** What a handler answers: a fixed (partial) result, or a function of the call. */
export type ExecReply =
  | Partial<ExecResult>
  | ((argv: readonly string[], options: ExecOptions) => Partial<ExecResult> | Promise<Partial<ExecResult>>);

/** Answers every exec whose argv starts with `argv` (the longest matching prefix wins); no result means success. */
export interface ExecHandler {
  argv: readonly string[];
  result?: ExecReply;
}

/** Constructor options: the machine's starting state and its exec handlers. */
export interface RecordingMachineOptions {
  /** Files by absolute path: content, or content plus attributes (default 0o644 root:root). */
  files?: Record<string, string | { content: string; mode?: number; owner?: string; group?: string }>;
  /** Installed packages (version 'recorded'). */
  packages?: string[];
  /** Packages whose install fails with PackageError, as if apt did not know them. */
  unavailablePackages?: string[];
  /** Services that already exist (e.g. from packages); a running one starts out enabled. */
  services?: Record<string, ServiceState>;
  hardware?: Partial<Hardware>;
  exec?: ExecHandler[];
}

/** Plain JSON-able state, so a test State can carry a machine from one run to the next. */
export interface MachineSnapshot {
  files: Record<string, RecordedFile>;
  directories: Record<string, RecordedDirectory>;
  packages: Record<string, string>;
  services: Record<string, RecordedService>;
  hardware: Hardware;
  history: MachineOp[];
}

const DEFAULT_HARDWARE: Hardware = {
  hostname: 'juju-0',
  architecture: 'amd64',
  cpus: 4,
  sockets: 1,
  coresPerSocket: 4,
  threadsPerCore: 1,
  memoryMb: 8192,
  gpus: [],
};

const DEFAULT_DIRECTORY: RecordedDirectory = { mode: 0o755, owner: 'root', group: 'root' };

function canonical(path: string): string {
  if (!path.startsWith('/')) throw new Error(`machine paths must be absolute, got ${JSON.stringify(path)}`);
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part && part !== '.') parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Shared mutable state behind the three facades. */
interface State {
  files: Map<string, RecordedFile>;
  directories: Map<string, RecordedDirectory>;
  packages: Map<string, string>;
  services: Map<string, RecordedService>;
  history: MachineOp[];
}

class RecordingFiles implements MachineFiles {
  constructor(private readonly s: State) {}

  /** A directory exists when created with mkdir or implied by something beneath it. */
  private isDirectory(path: string): boolean {
    if (path === '/' || this.s.directories.has(path)) return true;
    const prefix = `${path}/`;
    for (const key of [...this.s.files.keys(), ...this.s.directories.keys()])
      if (key.startsWith(prefix)) return true;
    return false;
  }

  /** Like the host, a path cannot be both a file and a directory, nor sit beneath a file. */
  private checkParents(path: string): void {
    for (
      let parent = path.slice(0, path.lastIndexOf('/'));
      parent;
      parent = parent.slice(0, parent.lastIndexOf('/'))
    ) {
      if (this.s.files.has(parent)) throw new Error(`cannot create ${path}: ${parent} is a file`);
    }
  }

  async read(path: string): Promise<string> {
    const file = this.s.files.get(canonical(path));
    if (!file) throw new FileNotFoundError(path);
    return file.content;
  }

  async write(path: string, content: string | Uint8Array, options: FileWriteOptions = {}): Promise<void> {
    const key = canonical(path);
    const existing = this.s.files.get(key);
    const owner = options.owner ?? existing?.owner ?? 'root';
    // The owner's primary group, assumed to share its name (Debian's user private groups).
    const group =
      options.group ?? (options.owner !== undefined ? options.owner : (existing?.group ?? 'root'));
    const mode = options.mode ?? existing?.mode ?? 0o644;
    const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
    this.s.history.push({ kind: 'write', path: key, mode, owner, group });
    if (this.isDirectory(key)) throw new Error(`cannot write ${path}: it is a directory`);
    this.checkParents(key);
    this.s.files.set(key, { content: text, mode, owner, group });
  }

  async remove(path: string): Promise<void> {
    const key = canonical(path);
    this.s.history.push({ kind: 'remove', path: key });
    if (this.s.files.delete(key) || !this.isDirectory(key)) return;
    if ((await this.list(key)).length > 0) throw new Error(`cannot remove ${path}: directory not empty`);
    this.s.directories.delete(key);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  async stat(path: string): Promise<FileInfo | null> {
    const key = canonical(path);
    const file = this.s.files.get(key);
    if (file) {
      const size = new TextEncoder().encode(file.content).length;
      return { path, mode: file.mode, owner: file.owner, group: file.group, size, isDirectory: false };
    }
    if (!this.isDirectory(key)) return null;
    const dir = this.s.directories.get(key) ?? DEFAULT_DIRECTORY;
    return { path, ...dir, size: 0, isDirectory: true };
  }

  async list(dir: string): Promise<string[]> {
    const key = canonical(dir);
    if (this.s.files.has(key)) throw new Error(`cannot list ${dir}: not a directory`);
    if (!this.isDirectory(key)) throw new FileNotFoundError(dir);
    const prefix = key === '/' ? '/' : `${key}/`;
    const names = new Set<string>();
    for (const path of [...this.s.files.keys(), ...this.s.directories.keys()]) {
      const name = path.startsWith(prefix) ? path.slice(prefix.length).split('/')[0] : undefined;
      if (name) names.add(name);
    }
    return [...names].sort();
  }

  async mkdir(path: string, options: FileWriteOptions = {}): Promise<void> {
    const key = canonical(path);
    const existing = this.isDirectory(key) ? (this.s.directories.get(key) ?? DEFAULT_DIRECTORY) : undefined;
    const owner = options.owner ?? existing?.owner ?? 'root';
    const group =
      options.group ?? (options.owner !== undefined ? options.owner : (existing?.group ?? 'root'));
    const mode = options.mode ?? existing?.mode ?? 0o755;
    this.s.history.push({ kind: 'mkdir', path: key, mode, owner, group });
    if (this.s.files.has(key)) throw new Error(`cannot create directory ${path}: a file exists there`);
    this.checkParents(key);
    this.s.directories.set(key, { mode, owner, group });
  }
}

class RecordingPackages implements MachinePackages {
  constructor(
    private readonly s: State,
    private readonly unavailable: ReadonlySet<string>,
  ) {}

  async install(names: readonly string[]): Promise<void> {
    this.s.history.push({ kind: 'install', packages: [...names] });
    const missing = names.filter((spec) => this.unavailable.has(spec.split('=')[0] ?? spec));
    if (missing.length > 0) {
      throw new PackageError(
        `apt-get could not install ${missing.join(', ')}: E: Unable to locate package (RecordingMachine)`,
      );
    }
    for (const spec of names) {
      const [name = spec, version = 'recorded'] = spec.split('=');
      this.s.packages.set(name, version);
    }
  }

  async remove(names: readonly string[]): Promise<void> {
    this.s.history.push({ kind: 'uninstall', packages: [...names] });
    for (const name of names) this.s.packages.delete(name);
  }

  async version(name: string): Promise<string | null> {
    return this.s.packages.get(name) ?? null;
  }
}

class RecordingServices implements MachineServices {
  constructor(private readonly s: State) {}

  /** Validates the spec exactly as the host renders it, so a unit test catches what systemd would reject. */
  async define(spec: ServiceSpec): Promise<void> {
    try {
      renderUnit(spec);
    } catch (error) {
      throw new ServiceError(`cannot define service ${spec.name}: ${message(error)}`);
    }
    this.s.history.push({ kind: 'define', name: spec.name, spec: clone(spec) });
    const existing = this.s.services.get(spec.name);
    this.s.services.set(spec.name, { ...this.blank(), ...existing, spec: clone(spec) });
  }

  start(name: string): Promise<void> {
    return this.verb('start', name, (svc) => (svc.state = 'running'));
  }
  stop(name: string): Promise<void> {
    return this.verb('stop', name, (svc) => (svc.state = 'stopped'));
  }
  restart(name: string): Promise<void> {
    return this.verb('restart', name, (svc) => {
      svc.state = 'running';
      svc.restarts += 1;
    });
  }
  /** Like systemd, reloading a service that is not running fails. */
  reload(name: string): Promise<void> {
    return this.verb('reload', name, (svc) => {
      if (svc.state !== 'running')
        throw new ServiceError(`systemctl reload ${name} failed: ${name} is not running`);
      svc.reloads += 1;
    });
  }
  enable(name: string): Promise<void> {
    return this.verb('enable', name, (svc) => (svc.enabled = true));
  }
  disable(name: string): Promise<void> {
    return this.verb('disable', name, (svc) => (svc.enabled = false));
  }

  async status(name: string): Promise<ServiceStatus> {
    const svc = this.s.services.get(name);
    if (!svc) throw new ServiceError(`unknown service ${name}: not defined, started or preset in the test`);
    return { name, state: svc.state, enabled: svc.enabled };
  }

  private blank(): RecordedService {
    return { state: 'stopped', enabled: false, restarts: 0, reloads: 0 };
  }

  /** Any name is accepted, since packages bring services the test need not declare. */
  private async verb(verb: ServiceVerb, name: string, apply: (svc: RecordedService) => void): Promise<void> {
    try {
      checkServiceName(name);
    } catch (error) {
      throw new ServiceError(message(error));
    }
    this.s.history.push({ kind: 'service', verb, name });
    const svc = this.s.services.get(name) ?? this.blank();
    apply(svc);
    this.s.services.set(name, svc);
  }
}

/** An in-memory Machine that records every change; see the module comment for an example. */
export class RecordingMachine implements Machine {
  readonly files: MachineFiles;
  readonly packages: MachinePackages;
  readonly services: MachineServices;
  /** Every change and command, oldest first. */
  readonly history: MachineOp[];
  private readonly state: State;
  private readonly hw: Hardware;
  private readonly handlers: ExecHandler[];

  constructor(options: RecordingMachineOptions = {}) {
    this.state = {
      files: new Map(),
      directories: new Map(),
      packages: new Map(),
      services: new Map(),
      history: [],
    };
    this.history = this.state.history;
    this.hw = { ...clone(DEFAULT_HARDWARE), ...clone(options.hardware ?? {}) };
    this.handlers = [...(options.exec ?? [])];
    this.files = new RecordingFiles(this.state);
    this.packages = new RecordingPackages(this.state, new Set(options.unavailablePackages ?? []));
    this.services = new RecordingServices(this.state);
    // Seed state directly: a starting state is not something the charm did.
    for (const [path, file] of Object.entries(options.files ?? {})) {
      const f = typeof file === 'string' ? { content: file } : file;
      const owner = f.owner ?? 'root';
      const entry = { content: f.content, mode: f.mode ?? 0o644, owner, group: f.group ?? owner };
      this.state.files.set(canonical(path), entry);
    }
    for (const name of options.packages ?? []) this.state.packages.set(name, 'recorded');
    for (const [name, state] of Object.entries(options.services ?? {})) {
      this.state.services.set(name, { state, enabled: state === 'running', restarts: 0, reloads: 0 });
    }
  }

  /** A machine in the state a snapshot describes; exec handlers are functions, so pass them again. */
  static fromSnapshot(
    snapshot: MachineSnapshot,
    options: Pick<RecordingMachineOptions, 'exec'> = {},
  ): RecordingMachine {
    const s = clone(snapshot);
    const machine = new RecordingMachine({ hardware: s.hardware, ...options });
    for (const [path, file] of Object.entries(s.files)) machine.state.files.set(path, file);
    for (const [path, dir] of Object.entries(s.directories)) machine.state.directories.set(path, dir);
    for (const [name, version] of Object.entries(s.packages)) machine.state.packages.set(name, version);
    for (const [name, svc] of Object.entries(s.services)) machine.state.services.set(name, svc);
    machine.history.push(...s.history);
    return machine;
  }

  /** A deep copy of the whole state, safe to JSON.stringify. */
  snapshot(): MachineSnapshot {
    return clone({
      files: Object.fromEntries(this.state.files),
      directories: Object.fromEntries(this.state.directories),
      packages: Object.fromEntries(this.state.packages),
      services: Object.fromEntries(this.state.services),
      hardware: this.hw,
      history: this.history,
    });
  }

  /** Register another exec handler after construction. */
  onExec(argv: readonly string[], result?: ExecReply): void {
    this.handlers.push({ argv, result });
  }

  /** The recorded operations of one kind, e.g. `ops('exec')`. */
  ops<K extends MachineOp['kind']>(kind: K): Array<Extract<MachineOp, { kind: K }>> {
    return this.history.filter((op): op is Extract<MachineOp, { kind: K }> => op.kind === kind);
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const program = argv[0];
    if (program === undefined) throw new Error('exec needs a non-empty argv of strings');
    this.history.push({
      kind: 'exec',
      argv: [...argv],
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.user !== undefined ? { user: options.user } : {}),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.env !== undefined ? { env: { ...options.env } } : {}),
    });
    const handler = this.findHandler(argv);
    let result: ExecResult;
    if (!handler) {
      result = {
        exitCode: 127,
        stdout: '',
        stderr: `${program}: no exec handler registered in the test (RecordingMachine)`,
      };
    } else {
      const reply =
        typeof handler.result === 'function' ? await handler.result(argv, options) : handler.result;
      result = { exitCode: 0, stdout: '', stderr: '', ...reply };
    }
    if ((options.check ?? true) && result.exitCode !== 0) throw new ExecError(argv, result);
    return result;
  }

  async hardware(): Promise<Hardware> {
    return clone(this.hw);
  }

  /** Longest matching prefix; among equals, the first registered. */
  private findHandler(argv: readonly string[]): ExecHandler | undefined {
    let best: ExecHandler | undefined;
    for (const handler of this.handlers) {
      const matches = handler.argv.length <= argv.length && handler.argv.every((arg, i) => arg === argv[i]);
      if (matches && (!best || handler.argv.length > best.argv.length)) best = handler;
    }
    return best;
  }
}
