/**
 * Machine: the only way charm code touches the operating system of its unit.
 *
 * Charms use canonical paths (`/etc/slurm/slurm.conf`) and service names; each
 * substrate maps them: `host` (machine/host.ts) acts on the real machine, the
 * sandbox records everything under the model directory, netns runs real daemons
 * in a namespace, and framework/testing records calls for assertions.
 */

export interface FileWriteOptions {
  /** Permission bits, e.g. 0o600. An existing file keeps its mode; a new one gets 0o644 (0o755 for directories). */
  mode?: number;
  /** User that owns the file (name). Default: unchanged / the writer. */
  owner?: string;
  /** Group that owns the file (name). Default: the owner's primary group. */
  group?: string;
}

export interface FileInfo {
  path: string;
  mode: number;
  owner: string;
  group: string;
  size: number;
  isDirectory: boolean;
}

export interface MachineFiles {
  /** Text content of a file; throws FileNotFoundError when absent. */
  read(path: string): Promise<string>;
  /** Replace a file atomically (temp file + rename), creating parent directories. */
  write(path: string, content: string | Uint8Array, options?: FileWriteOptions): Promise<void>;
  /** Remove a file or an empty directory; absent is not an error. */
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Metadata, or null when the path does not exist. */
  stat(path: string): Promise<FileInfo | null>;
  /** Names in a directory, sorted. */
  list(dir: string): Promise<string[]>;
  mkdir(path: string, options?: FileWriteOptions): Promise<void>;
}

export interface MachinePackages {
  /** Install (idempotently) with the system package manager. */
  install(names: readonly string[]): Promise<void>;
  remove(names: readonly string[]): Promise<void>;
  /** Installed version, or null when the package is not installed. */
  version(name: string): Promise<string | null>;
}

export type ServiceState = 'running' | 'stopped' | 'failed' | 'unknown';

/** A service the charm defines itself (a packaged service needs no definition). */
export interface ServiceSpec {
  name: string;
  description?: string;
  /** argv of the daemon, kept in the foreground. */
  command: readonly string[];
  user?: string;
  group?: string;
  environment?: Record<string, string>;
  workingDirectory?: string;
  /** Restart policy; default on-failure. */
  restart?: 'always' | 'on-failure' | 'no';
}

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  /** Whether it starts at boot. */
  enabled: boolean;
  pid?: number;
}

export interface MachineServices {
  define(spec: ServiceSpec): Promise<void>;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  reload(name: string): Promise<void>;
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
  status(name: string): Promise<ServiceStatus>;
}

export interface ExecOptions {
  cwd?: string;
  /** Added to (not replacing) the environment. */
  env?: Record<string, string>;
  /** Written to the command's stdin. */
  input?: string;
  /** Run as this user. */
  user?: string;
  /** Kill the command (its whole process group) after this long; the result's exit code is then 124. */
  timeoutMs?: number;
  /** Throw ExecError on a non-zero exit (default true). */
  check?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GpuInfo {
  /** PCI address, e.g. 0000:3b:00.0. */
  pciAddress: string;
  vendorId: string;
  deviceId: string;
  /** Human name where known (from nvidia-smi or the PCI database). */
  model?: string;
}

export interface Hardware {
  hostname: string;
  architecture: string;
  /** Logical CPUs. */
  cpus: number;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  /** Total memory in MiB. */
  memoryMb: number;
  gpus: GpuInfo[];
}

export interface Machine {
  readonly files: MachineFiles;
  readonly packages: MachinePackages;
  readonly services: MachineServices;
  /** Run a program with an argument vector; never a shell string. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  hardware(): Promise<Hardware>;
}

export class FileNotFoundError extends Error {
  override name = 'FileNotFoundError';
  constructor(readonly path: string) {
    super(`no such file: ${path}`);
  }
}

/** A command that exited non-zero (or could not start) with check on. */
export class ExecError extends Error {
  override name = 'ExecError';
  constructor(
    readonly argv: readonly string[],
    readonly result: ExecResult,
  ) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    super(`${argv.join(' ')} exited ${result.exitCode}${tail ? `: ${tail}` : ''}`);
  }
}

/** A package the package manager could not install or does not know. */
export class PackageError extends Error {
  override name = 'PackageError';
}

/** A service operation that failed (unknown service, failed start). */
export class ServiceError extends Error {
  override name = 'ServiceError';
}
