/**
 * HostMachine: a real Debian/Ubuntu machine with apt and systemd, which is what
 * a charm acts on under a real Juju agent. Every external program is
 * configurable so tests can substitute small fakes.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { ExecError, FileNotFoundError, PackageError, ServiceError } from '../machine.js';
import type {
  ExecOptions,
  ExecResult,
  Hardware,
  Machine,
  MachineFiles,
  MachinePackages,
  MachineServices,
  ServiceSpec,
  ServiceStatus,
} from '../machine.js';
import { debianArchitecture, parseCpuinfo, parseMeminfo, readGpus } from './hardware.js';
import { HostFiles } from './host-files.js';
import { runProcess } from './process.js';
import { SHOW_PROPERTIES, checkServiceName, parseShow, renderUnit } from './systemd-unit.js';

/** Construction options; the defaults describe a real machine. */
export interface HostMachineOptions {
  /** Prefix for every file path (default '/'); exec'd programs still see real paths. */
  root?: string;
  /** Paths (or PATH-resolved names) of the programs HostMachine drives. */
  binaries?: { aptGet?: string; dpkgQuery?: string; systemctl?: string; runuser?: string };
  /** Base environment of every command (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where /proc is (default '/proc'). */
  procRoot?: string;
  /** Where /sys is (default '/sys'). */
  sysRoot?: string;
}

/** Runs an argv with extra environment and returns its result without throwing. */
export type Runner = (argv: readonly string[], env?: Record<string, string>) => Promise<ExecResult>;

/** The last few stderr (or stdout) lines of a failed command, for error messages. */
function outputTail(result: ExecResult, lines = 5): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n');
  return text.slice(-lines).join('\n');
}

function describeFailure(what: string, result: ExecResult): string {
  const tail = outputTail(result);
  return `${what} (exit ${result.exitCode})${tail ? `: ${tail}` : ''}`;
}

// dpkg takes a lock for the whole machine, so apt calls from this process queue up
// instead of failing with "Could not get lock". Module-level: one queue per process.
let aptQueue: Promise<unknown> = Promise.resolve();

function serializeApt<T>(task: () => Promise<T>): Promise<T> {
  const run = aptQueue.then(task, task);
  aptQueue = run.catch(() => undefined);
  return run;
}

/** apt package names, optionally with `:arch` and `=version` (and never an option such as `-o`). */
const PACKAGE = /^[a-z0-9][a-z0-9+.-]*(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:-]+)?$/;

/** apt-get and dpkg-query, one apt-get at a time (and waiting for dpkg's lock held by anyone else). */
export class HostPackages implements MachinePackages {
  constructor(
    private readonly run: Runner,
    private readonly aptGet: string,
    private readonly dpkgQuery: string,
  ) {}

  async install(names: readonly string[]): Promise<void> {
    const wanted = checkPackageNames(names);
    if (wanted.length === 0) return;
    await serializeApt(async () => {
      const missing: string[] = [];
      for (const spec of wanted) {
        const [name = spec, pinned] = spec.split('=');
        const installed = await this.version(name);
        if (installed === null || (pinned !== undefined && installed !== pinned)) missing.push(spec);
      }
      if (missing.length === 0) return;
      const args = [
        'install',
        '-y',
        '--no-install-recommends',
        // Another apt on this host (a person, unattended-upgrades, a second controller) holds
        // dpkg's lock: wait for it instead of failing with "Could not get lock".
        '-o',
        'DPkg::Lock::Timeout=300',
        '-o',
        'Dpkg::Options::=--force-confold',
        ...missing,
      ];
      let result = await this.apt(args);
      // A fresh cloud image has no package lists yet: refresh once and retry.
      if (
        result.exitCode !== 0 &&
        /Unable to locate package|has no installation candidate/.test(result.stderr)
      ) {
        const update = await this.apt(['update']);
        if (update.exitCode === 0) result = await this.apt(args);
      }
      if (result.exitCode !== 0) {
        const unknown =
          /Unable to locate package (\S+)|Package '?([^' ]+)'? has no installation candidate/.exec(
            result.stderr,
          );
        const name = unknown?.[1] ?? unknown?.[2];
        if (name !== undefined) {
          throw new PackageError(
            `package ${name} is not available from this machine's apt sources: add the source that ` +
              `provides it (see /etc/apt/sources.list.d), then resolve the unit`,
          );
        }
        throw new PackageError(describeFailure(`apt-get could not install ${missing.join(', ')}`, result));
      }
    });
  }

  async remove(names: readonly string[]): Promise<void> {
    const wanted = checkPackageNames(names);
    await serializeApt(async () => {
      const present: string[] = [];
      for (const spec of wanted) {
        const name = spec.split('=')[0] ?? spec; // a pinned version means nothing to remove
        if ((await this.version(name)) !== null) present.push(name);
      }
      if (present.length === 0) return;
      const result = await this.apt(['remove', '-y', ...present]);
      if (result.exitCode !== 0) {
        throw new PackageError(describeFailure(`apt-get could not remove ${present.join(', ')}`, result));
      }
    });
  }

  /** Installed version per `dpkg-query -W`; config-files-only and unknown packages are not installed. */
  async version(name: string): Promise<string | null> {
    checkPackageNames([name]);
    const result = await this.run([this.dpkgQuery, '-W', '-f', '${Status} ${Version}\\n', name]);
    if (result.exitCode !== 0) return null; // exit 1: no package matches
    for (const line of result.stdout.split('\n')) {
      // "<want> <error> <status> <version>", e.g. "install ok installed 2.0.1-1"
      const [, , status, version] = line.trim().split(/\s+/);
      if (status === 'installed' && version) return version;
    }
    return null;
  }

  private apt(args: readonly string[]): Promise<ExecResult> {
    return this.run([this.aptGet, ...args], { DEBIAN_FRONTEND: 'noninteractive' });
  }
}

function checkPackageNames(names: readonly string[]): string[] {
  for (const name of names) {
    if (!PACKAGE.test(name)) throw new PackageError(`invalid package name ${JSON.stringify(name)}`);
  }
  return [...new Set(names)];
}

/** systemd units under /etc/systemd/system, driven with systemctl. */
class HostServices implements MachineServices {
  constructor(
    private readonly files: HostFiles,
    private readonly run: Runner,
    private readonly systemctl: string,
  ) {}

  /** Writes the unit and reloads systemd, both only when the unit text changed. */
  async define(spec: ServiceSpec): Promise<void> {
    let unit: string;
    try {
      unit = renderUnit(spec);
    } catch (error) {
      throw new ServiceError(
        `cannot define service ${spec.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const path = `/etc/systemd/system/${spec.name}.service`;
    const current = await this.files.read(path).catch((error: unknown) => {
      if (error instanceof FileNotFoundError) return null;
      throw error;
    });
    if (current === unit) return;
    await this.files.write(path, unit, { mode: 0o644 });
    await this.systemctlOk(['daemon-reload'], `systemctl daemon-reload after defining ${spec.name}`);
  }

  start(name: string): Promise<void> {
    return this.verb('start', name);
  }
  stop(name: string): Promise<void> {
    return this.verb('stop', name);
  }
  restart(name: string): Promise<void> {
    return this.verb('restart', name);
  }
  reload(name: string): Promise<void> {
    return this.verb('reload', name);
  }
  enable(name: string): Promise<void> {
    return this.verb('enable', name);
  }
  disable(name: string): Promise<void> {
    return this.verb('disable', name);
  }

  async status(name: string): Promise<ServiceStatus> {
    this.checkName(name);
    const args = ['show', name, `--property=${SHOW_PROPERTIES.join(',')}`];
    const result = await this.systemctlOk(args, `systemctl show ${name}`);
    const status = parseShow(name, result.stdout);
    if (status === null)
      throw new ServiceError(`unknown service ${name}: systemd has no unit ${name}.service`);
    return status;
  }

  private async verb(verb: string, name: string): Promise<void> {
    this.checkName(name);
    await this.systemctlOk([verb, name], `systemctl ${verb} ${name}`);
  }

  private checkName(name: string): void {
    try {
      checkServiceName(name);
    } catch (error) {
      throw new ServiceError(error instanceof Error ? error.message : String(error));
    }
  }

  private async systemctlOk(args: readonly string[], what: string): Promise<ExecResult> {
    const result = await this.run([this.systemctl, ...args]);
    if (result.exitCode !== 0) throw new ServiceError(describeFailure(`${what} failed`, result));
    return result;
  }
}

/** A real Debian/Ubuntu machine: files under `root`, apt, systemd, processes and /proc, /sys. */
export class HostMachine implements Machine {
  readonly files: MachineFiles;
  readonly packages: MachinePackages;
  readonly services: MachineServices;
  private readonly root: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly procRoot: string;
  private readonly sysRoot: string;
  private readonly runuser: string;

  constructor(options: HostMachineOptions = {}) {
    this.root = resolve(options.root ?? '/');
    this.env = options.env ?? process.env;
    this.procRoot = options.procRoot ?? '/proc';
    this.sysRoot = options.sysRoot ?? '/sys';
    const bin = options.binaries ?? {};
    this.runuser = bin.runuser ?? 'runuser';
    const run: Runner = (argv, env) => runProcess(argv, { env: { ...this.env, ...env } });
    const files = new HostFiles(this.root);
    this.files = files;
    this.packages = new HostPackages(run, bin.aptGet ?? 'apt-get', bin.dpkgQuery ?? 'dpkg-query');
    this.services = new HostServices(files, run, bin.systemctl ?? 'systemctl');
  }

  /** spawn without a shell; `user` goes through `runuser -u <user> --`, which also sets supplementary groups. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0 || argv.some((arg) => typeof arg !== 'string')) {
      throw new Error('exec needs a non-empty argv of strings');
    }
    const command = options.user !== undefined ? [this.runuser, '-u', options.user, '--', ...argv] : argv;
    const result = await runProcess(command, {
      cwd: options.cwd,
      env: { ...this.env, ...options.env },
      input: options.input,
      timeoutMs: options.timeoutMs,
    });
    if ((options.check ?? true) && result.exitCode !== 0) throw new ExecError(argv, result);
    return result;
  }

  async hardware(): Promise<Hardware> {
    const readProc = (name: string): Promise<string> =>
      readFile(join(this.procRoot, name), 'utf8').catch(() => '');
    const [cpuinfo, meminfo] = await Promise.all([readProc('cpuinfo'), readProc('meminfo')]);
    const pciIds = ['usr/share/misc/pci.ids', 'usr/share/hwdata/pci.ids'].map((p) => join(this.root, p));
    return {
      hostname: os.hostname(),
      architecture: debianArchitecture(os.arch()),
      ...parseCpuinfo(cpuinfo, os.availableParallelism()),
      memoryMb: parseMeminfo(meminfo) ?? Math.floor(os.totalmem() / (1024 * 1024)),
      gpus: await readGpus(this.sysRoot, pciIds),
    };
  }
}
