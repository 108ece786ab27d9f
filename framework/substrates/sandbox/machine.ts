/**
 * SandboxMachine: a simulated machine kept in one directory. Files land under
 * `<dir>/root/`, owners in `owners.json`, packages in `packages.json`, services
 * in `services.json`; exec emulates a few read-only commands; hardware comes
 * from the unit's constraints.
 */
import { appendFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ExecError } from '../../ops/machine.js';
import type { ExecOptions, ExecResult, Hardware, Machine } from '../../ops/machine.js';
import { emulate } from './exec.js';
import { SandboxFiles, canonicalPath } from './files.js';
import { SandboxPackages } from './packages.js';
import { SandboxServices } from './services.js';
import { message } from './store.js';

/** What a SandboxMachine is made from. */
export interface SandboxMachineOptions {
  /** The machine's directory, `<modelDir>/machines/<id>`. */
  dir: string;
  hostname: string;
  /** Facts from the constraints (see hardwareFromConstraints); the rest are defaults. */
  hardware?: Partial<Hardware>;
}

/** A small VM's worth: 2 CPUs on one socket, 4 GiB, no GPUs. */
const DEFAULT_HARDWARE: Omit<Hardware, 'hostname'> = {
  architecture: 'amd64',
  cpus: 2,
  sockets: 1,
  coresPerSocket: 2,
  threadsPerCore: 1,
  memoryMb: 4096,
  gpus: [],
};

/** Defaults filled in, and a CPU count without topology spread over the given sockets and threads. */
function completeHardware(hostname: string, given: Partial<Hardware>): Hardware {
  const hw: Hardware = { ...structuredClone(DEFAULT_HARDWARE), ...structuredClone(given), hostname };
  if (given.cpus !== undefined && given.coresPerSocket === undefined) {
    hw.coresPerSocket = Math.max(1, Math.floor(hw.cpus / (hw.sockets * hw.threadsPerCore)));
  }
  return hw;
}

/** A Machine whose state lives in a directory; see the module comment. */
/** Commands recorded rather than run, and the package that must be installed for them. */
export const RECORDED_PROGRAMS: Readonly<Record<string, string>> = {
  scontrol: 'slurm-client',
  mariadb: 'mariadb-server',
  mysql: 'mariadb-server',
};

export class SandboxMachine implements Machine {
  readonly files: SandboxFiles;
  readonly packages: SandboxPackages;
  readonly services: SandboxServices;
  /** The machine's directory. */
  readonly dir: string;
  readonly hostname: string;
  private readonly hw: Hardware;

  constructor(options: SandboxMachineOptions) {
    this.dir = options.dir;
    this.hostname = options.hostname;
    this.hw = completeHardware(options.hostname, options.hardware ?? {});
    this.files = new SandboxFiles(options.dir);
    this.packages = new SandboxPackages(options.dir);
    this.services = new SandboxServices(options.dir, this.files);
  }

  /**
   * Emulates `cat`, `ls`, `test`, `stat -c`, `grep`, `head`, `tail`,
   * `sha256sum`, `echo`, `hostname`, `nproc`, `id`, `true` and `false` over the
   * machine's root; any other program exits 127. `env` and `timeoutMs` have
   * nothing to act on.
   */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0 || argv.some((arg) => typeof arg !== 'string')) {
      throw new Error('exec needs a non-empty argv of strings');
    }
    const result = await this.run(argv, options);
    if ((options.check ?? true) && result.exitCode !== 0) throw new ExecError(argv, result);
    return result;
  }

  async hardware(): Promise<Hardware> {
    return structuredClone(this.hw);
  }

  /** The emulation's result; exit 126 when the working directory is not a directory of the machine, as on the host. */
  private async run(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const program = argv[0] ?? '';
    let cwd: string;
    try {
      cwd = canonicalPath(options.cwd ?? '/');
    } catch (error) {
      return { exitCode: 126, stdout: '', stderr: `${program}: working directory: ${message(error)}\n` };
    }
    const info = await this.files
      .locate(cwd)
      .then((real) => stat(real))
      .catch(() => null);
    if (!info?.isDirectory()) {
      return { exitCode: 126, stdout: '', stderr: `${program}: working directory ${cwd} does not exist\n` };
    }
    const recorded = await this.recordOnly(argv, options.input);
    if (recorded) return recorded;
    return emulate(argv, {
      files: this.files,
      hostname: this.hostname,
      cpus: this.hw.cpus,
      user: options.user ?? 'root',
      cwd,
      input: options.input ?? '',
    });
  }

  /**
   * Workload commands that change a daemon's state (`scontrol`, SQL through `mariadb`)
   * cannot run on a simulated machine. When the package that provides one is installed
   * here, the command is appended to `<dir>/exec.log` (one JSON line) and answers exit 0
   * with a note on stderr, the way services are recorded as started; otherwise (package
   * missing, or any other program) the command is not available (127).
   */
  private async recordOnly(
    argv: readonly string[],
    input: string | undefined,
  ): Promise<ExecResult | undefined> {
    const name = basename(argv[0] ?? '');
    const pkg = Object.hasOwn(RECORDED_PROGRAMS, name) ? RECORDED_PROGRAMS[name] : undefined;
    if (!pkg || (await this.packages.version(pkg)) === null) return undefined;
    // SQL can carry passwords: keep the command's shape, never its text.
    const kept =
      pkg === 'mariadb-server'
        ? argv.map((a, i) => (i > 0 && argv[i - 1] === '-e' ? '(SQL not kept)' : a))
        : argv;
    const line = JSON.stringify({
      at: new Date().toISOString(),
      argv: kept,
      ...(input ? { input: '(stdin not kept)' } : {}),
    });
    await appendFile(join(this.dir, 'exec.log'), `${line}\n`, { mode: 0o600 });
    return {
      exitCode: 0,
      stdout: '',
      stderr: `${name}: recorded in exec.log, not run (the sandbox substrate simulates machines)\n`,
    };
  }
}
