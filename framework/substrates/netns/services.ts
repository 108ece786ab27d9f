/**
 * MachineServices without systemd: each service is a real process started inside its
 * machine (enter.ts) and supervised here. Packaged services run as their unit file says
 * (unit-file.ts); a charm's own ServiceSpec wins over a packaged unit of the same name.
 * Output goes to `<machine>/log/<service>.log`, which the substrate copies into the
 * model's log. Processes are tracked by pid and start time (processes.ts), never by name.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceError } from '../../ops/machine.js';
import type { MachineServices, ServiceSpec, ServiceStatus } from '../../ops/machine.js';
import { checkServiceName } from '../../ops/machine/systemd-unit.js';
import { runProcess } from '../../ops/machine/process.js';
import { enterArgv } from './enter.js';
import { execPrefixes, parseCommandLine, parseEnvironmentFile } from './exec-line.js';
import type { MachineRoot } from './machine-root.js';
import { identify, isAlive, isListening, terminate, type ProcessIdentity } from './processes.js';
import { ServiceStates, specRecord, type ServiceState } from './service-state.js';
import { serialize } from '../serialize.js';
import { applyRunTmpfiles } from './tmpfiles.js';
import { loadPackagedUnit, type ServiceDefinition } from './unit-file.js';
import { primaryGroup } from './users.js';

/** The environment every service and command starts with (systemd's default PATH). */
export const BASE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};

/** This boot of the host: a service started in an earlier one is started again only if enabled. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** A start that exits within this long counts as a failed start (its log tail is the error). */
const START_GRACE_MS = 400;
/** How long a Type=notify service may take to listen, or a forking one to fork. */
const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;
/** systemd's default start limit: 5 starts within 10 s, then the service is failed. */
const START_LIMIT = { burst: 5, intervalMs: 10_000 };

/** What services need of their machine. */
export interface ServiceHost {
  id: string;
  hostname: string;
  netns: string;
  dir: string;
  root: MachineRoot;
  /** Where packaged unit files are read (default systemd's; tests give their own). */
  unitDirs?: readonly string[];
  readFile(path: string): Promise<string>;
  log(service: string, level: 'INFO' | 'WARNING' | 'ERROR', message: string): void;
}

function definitionFromSpec(spec: NonNullable<ServiceState['defined']>): ServiceDefinition {
  return {
    name: spec.name,
    description: spec.description ?? spec.name,
    type: 'simple',
    execStart: '',
    execStartPre: [],
    user: spec.user,
    group: spec.group,
    workingDirectory: spec.workingDirectory,
    environment: { ...spec.environment },
    environmentFiles: [],
    runtimeDirectories: [],
    runtimeDirectoryMode: 0o755,
    restart: spec.restart ?? 'on-failure',
    restartSecMs: 100,
    killMode: 'control-group',
    conditionPathExists: [],
  };
}

/** Whether a run that ended so calls for a restart under `policy` (systemd.service(5) table). */
export function restartWanted(policy: ServiceDefinition['restart'], exit: ServiceState['lastExit']): boolean {
  const clean = exit !== undefined && exit.code === 0 && exit.signal === null;
  const bySignal = exit === undefined || exit.signal !== null;
  switch (policy) {
    case 'always':
      return true;
    case 'on-failure':
      return !clean;
    case 'on-abnormal':
    case 'on-abort':
      return bySignal;
    case 'on-success':
      return clean;
    default:
      return false;
  }
}

export class NetnsServices implements MachineServices {
  readonly states: ServiceStates;
  /** Exit statuses of the processes this controller started, by pid. */
  private readonly exits = new Map<number, { code: number | null; signal: string | null }>();

  constructor(private readonly host: ServiceHost) {
    this.states = new ServiceStates(join(host.dir, 'services'));
  }

  /** One operation per service at a time (hooks of a principal and its subordinates may overlap). */
  private serial<T>(name: string, task: () => Promise<T>): Promise<T> {
    return serialize(join(this.states.dir, name), task);
  }

  private checkName(name: string): void {
    try {
      checkServiceName(name);
    } catch (e) {
      throw new ServiceError(e instanceof Error ? e.message : String(e));
    }
  }

  /** The definition `start` runs; a ServiceError for a service nobody defined. */
  private async definition(state: ServiceState): Promise<ServiceDefinition & { argv?: string[] }> {
    if (state.defined) return { ...definitionFromSpec(state.defined), argv: state.defined.command };
    const unit = await loadPackagedUnit(state.name, this.host.unitDirs);
    if (!unit) {
      throw new ServiceError(
        `unknown service ${state.name}: no installed package ships ${state.name}.service and the charm did not define it`,
      );
    }
    return unit;
  }

  async define(spec: ServiceSpec): Promise<void> {
    this.checkName(spec.name);
    if (spec.command.length === 0)
      throw new ServiceError(`cannot define service ${spec.name}: empty command`);
    await this.serial(spec.name, async () => {
      const state = await this.states.read(spec.name);
      await this.states.write({ ...state, defined: specRecord(spec) });
    });
  }

  start(name: string): Promise<void> {
    this.checkName(name);
    return this.serial(name, async () => {
      const state = await this.states.read(name);
      if (state.main && (await isAlive(state.main))) {
        if (state.wanted !== 'running') await this.states.write({ ...state, wanted: 'running' });
        return;
      }
      await this.launch({ ...state, wanted: 'running', restarts: [], failed: false });
    });
  }

  stop(name: string): Promise<void> {
    this.checkName(name);
    return this.serial(name, () => this.halt(name));
  }

  restart(name: string): Promise<void> {
    this.checkName(name);
    return this.serial(name, async () => {
      await this.halt(name);
      const state = await this.states.read(name);
      await this.launch({ ...state, wanted: 'running', restarts: [], failed: false });
    });
  }

  reload(name: string): Promise<void> {
    this.checkName(name);
    return this.serial(name, async () => {
      const state = await this.states.read(name);
      const def = await this.definition(state);
      if (!state.main || !(await isAlive(state.main)))
        throw new ServiceError(`cannot reload ${name}: it is not running`);
      if (def.execReload === undefined) throw new ServiceError(`cannot reload ${name}: it has no ExecReload`);
      const env = { ...(await this.environment(def)), MAINPID: String(state.main.pid) };
      const argv = parseCommandLine(execPrefixes(def.execReload).rest, env, name);
      const r = await this.run(argv, env);
      if (r.exitCode !== 0)
        throw new ServiceError(`reloading ${name} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    });
  }

  enable(name: string): Promise<void> {
    return this.setEnabled(name, true);
  }

  disable(name: string): Promise<void> {
    return this.setEnabled(name, false);
  }

  private setEnabled(name: string, enabled: boolean): Promise<void> {
    this.checkName(name);
    return this.serial(name, async () => {
      const state = await this.states.read(name);
      await this.definition(state); // enabling an unknown service is an error, as with systemctl
      if (state.enabled !== enabled) await this.states.write({ ...state, enabled });
    });
  }

  async status(name: string): Promise<ServiceStatus> {
    this.checkName(name);
    const state = await this.states.read(name);
    await this.definition(state);
    const alive = state.main !== undefined && (await isAlive(state.main));
    const exit = state.lastExit;
    const crashed = exit !== undefined && (exit.code !== 0 || exit.signal !== null);
    return {
      name,
      state: alive
        ? 'running'
        : state.failed || (state.wanted === 'running' && crashed)
          ? 'failed'
          : 'stopped',
      enabled: state.enabled,
      ...(alive && state.main ? { pid: state.main.pid } : {}),
    };
  }

  // ---- supervision --------------------------------------------------------------

  /**
   * One supervision pass: every service that should run and whose process is gone is
   * restarted as its Restart= policy says, at most 5 times in 10 s (then it is failed).
   * `enabled` services that never ran since the machine came back (a host reboot) start.
   */
  async supervise(): Promise<void> {
    for (const name of await this.states.names()) {
      await this.serial(name, async () => this.superviseOne(await this.states.read(name)));
    }
  }

  private async superviseOne(state: ServiceState): Promise<void> {
    const name = state.name;
    if (state.bootId !== undefined && state.bootId !== bootId()) {
      // The host rebooted since this service last started: as systemd does at boot,
      // enabled services start and the others stay stopped, whatever their last state.
      if (!state.enabled) {
        await this.states.write({ ...state, main: undefined, wanted: 'stopped', failed: false });
        return;
      }
      this.host.log(name, 'INFO', `starting ${name}: it is enabled and the host has rebooted`);
      await this.launch({ ...state, main: undefined, wanted: 'running', restarts: [], failed: false }).catch(
        (e: unknown) => this.host.log(name, 'ERROR', e instanceof Error ? e.message : String(e)),
      );
      return;
    }
    if (state.wanted !== 'running' || state.failed) return;
    if (state.main && (await isAlive(state.main))) return;
    const exit = (state.main && this.exits.get(state.main.pid)) ?? undefined;
    const def = await this.definition(state);
    const how = exit
      ? exit.signal !== null
        ? `was killed by ${exit.signal}`
        : `exited with status ${exit.code}`
      : 'is gone';
    if (!restartWanted(def.restart, exit)) {
      const clean = exit?.code === 0;
      this.host.log(name, clean ? 'INFO' : 'ERROR', `${name} ${how}; Restart=${def.restart}: not restarting`);
      await this.states.write({
        ...state,
        main: undefined,
        lastExit: exit,
        wanted: clean ? 'stopped' : 'running',
        failed: !clean,
      });
      return;
    }
    const now = Date.now();
    const restarts = state.restarts.filter((t) => now - t < START_LIMIT.intervalMs);
    if (restarts.length >= START_LIMIT.burst) {
      this.host.log(
        name,
        'ERROR',
        `${name} ${how}; restarted ${restarts.length} times in 10 s: giving up (failed)`,
      );
      await this.states.write({ ...state, main: undefined, lastExit: exit, failed: true });
      return;
    }
    this.host.log(name, 'WARNING', `${name} ${how}; restarting (Restart=${def.restart})`);
    await new Promise((r) => setTimeout(r, def.restartSecMs));
    try {
      await this.launch({ ...state, lastExit: exit, restarts: [...restarts, now] });
    } catch (e) {
      this.host.log(name, 'ERROR', e instanceof Error ? e.message : String(e));
    }
  }

  /** Stop every service (the machine is going away); nothing is restarted afterwards. */
  async stopAll(): Promise<void> {
    for (const name of await this.states.names()) await this.serial(name, () => this.halt(name));
  }

  // ---- starting and stopping ----------------------------------------------------

  private async halt(name: string): Promise<void> {
    const state = await this.states.read(name);
    // Saved first: the supervisor must not restart what is being stopped.
    await this.states.write({ ...state, wanted: 'stopped', failed: false });
    if (!state.main) return;
    const def = await this.definition(state).catch(() => null);
    await terminate(state.main, STOP_GRACE_MS, def?.killMode === 'process');
    const exit = this.exits.get(state.main.pid);
    await this.states.write({
      ...(await this.states.read(name)),
      main: undefined,
      lastExit: exit ?? { code: 0, signal: null },
    });
  }

  /** The service's environment: base, Environment=, then EnvironmentFile= (read in the machine's view). */
  private async environment(def: ServiceDefinition): Promise<Record<string, string>> {
    const env: Record<string, string> = { ...BASE_ENV, ...def.environment };
    for (const file of def.environmentFiles) {
      try {
        Object.assign(env, parseEnvironmentFile(await this.host.readFile(file.path)));
      } catch (e) {
        if (!file.optional)
          throw new ServiceError(`${def.name}: cannot read EnvironmentFile ${file.path}: ${String(e)}`);
      }
    }
    return env;
  }

  /** Run a one-off command inside the machine (ExecStartPre, ExecReload). */
  private async run(argv: readonly string[], env: Record<string, string>, user?: string, group?: string) {
    const binds = await this.host.root.binds();
    return runProcess(
      enterArgv({ netns: this.host.netns, hostname: this.host.hostname, binds, user, group, argv }),
      { env, timeoutMs: START_TIMEOUT_MS },
    );
  }

  private logPath(name: string): string {
    return join(this.host.dir, 'log', `${name}.log`);
  }

  /** The last lines the service wrote, for an error message. */
  private async tail(name: string): Promise<string> {
    const text = await readFile(this.logPath(name), 'utf8').catch(() => '');
    return text.trim().split('\n').slice(-5).join('\n');
  }

  /** Start the service's process and record it; throws ServiceError when it does not come up. */
  private async launch(state: ServiceState): Promise<void> {
    const name = state.name;
    const def = await this.definition(state);
    for (const path of def.conditionPathExists) {
      const negate = path.startsWith('!');
      const exists = await this.host.readFile(path.replace(/^!/, '')).then(
        () => true,
        () => false,
      );
      if (exists === negate) {
        await this.states.write({ ...state, main: undefined, failed: true });
        throw new ServiceError(`cannot start ${name}: ConditionPathExists=${path} is not met`);
      }
    }
    const env = await this.environment(def);
    const user = def.user;
    let group = def.group;
    if (group === undefined && user !== undefined) {
      group = await primaryGroup(user).catch((e: unknown) => {
        throw new ServiceError(`cannot start ${name}: ${e instanceof Error ? e.message : String(e)}`);
      });
    }
    await applyRunTmpfiles(this.host.root, def.runtimeDirectories, def.runtimeDirectoryMode, user, group);
    for (const line of def.execStartPre) {
      const { prefixes, rest } = execPrefixes(line);
      const r = await this.run(parseCommandLine(rest, env, name), env, user, group);
      if (r.exitCode !== 0 && !prefixes.ignoreFailure) {
        throw new ServiceError(
          `cannot start ${name}: ExecStartPre ${rest} exited ${r.exitCode}: ${r.stderr.trim()}`,
        );
      }
    }
    const argv = def.argv ?? parseCommandLine(execPrefixes(def.execStart).rest, env, name);
    const binds = await this.host.root.binds();
    await mkdir(join(this.host.dir, 'log'), { recursive: true, mode: 0o700 });
    const out = openSync(this.logPath(name), 'a', 0o600);
    const [program = 'nsenter', ...args] = enterArgv({
      netns: this.host.netns,
      hostname: this.host.hostname,
      binds,
      user,
      group,
      cwd: def.workingDirectory,
      argv,
    });
    let child;
    try {
      // Its own session and process group, outliving this controller; output to the service's log.
      child = spawn(program, args, { env, detached: true, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const pid = child.pid;
    if (pid === undefined) throw new ServiceError(`cannot start ${name}: ${argv[0]} could not be spawned`);
    const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.on('exit', (code, signal) => {
        const exit = { code, signal };
        this.exits.set(pid, exit);
        resolve(exit);
      });
      child.on('error', () => resolve({ code: 127, signal: null }));
    });
    child.unref();
    let main: ProcessIdentity | null;
    if (def.type === 'forking' || def.type === 'oneshot') {
      const exit = await within(ended, START_TIMEOUT_MS);
      if (!exit || exit.code !== 0) {
        await this.states.write({ ...state, main: undefined, lastExit: exit ?? undefined, failed: true });
        throw new ServiceError(
          `cannot start ${name}: ${argv.join(' ')} ${exit ? `exited ${exit.code ?? exit.signal}` : 'did not finish'}${await this.tailSuffix(name)}`,
        );
      }
      if (def.type === 'oneshot') {
        await this.states.write({
          ...state,
          main: undefined,
          lastExit: exit,
          wanted: 'stopped',
          bootId: bootId(),
        });
        return;
      }
      main = await this.pidFromFile(def);
      if (!main)
        throw new ServiceError(
          `cannot start ${name}: it forked but its PIDFile ${def.pidFile ?? '(none)'} names no live process`,
        );
    } else {
      main = await identify(pid);
      const early = await within(ended, START_GRACE_MS);
      if (early || !main) {
        await this.states.write({ ...state, main: undefined, lastExit: early ?? undefined, failed: true });
        throw new ServiceError(
          `cannot start ${name}: it exited at once (${early ? (early.code ?? early.signal) : 'gone'})${await this.tailSuffix(name)}`,
        );
      }
      if (def.type === 'notify') await this.waitListening(name, main, ended);
    }
    await this.states.write({ ...state, main, failed: false, wanted: 'running', bootId: bootId() });
    this.host.log(name, 'INFO', `started ${name} (pid ${main.pid})`);
  }

  private async tailSuffix(name: string): Promise<string> {
    const tail = await this.tail(name);
    return tail ? `: ${tail}` : '';
  }

  /** Type=notify without a notify socket: ready once the main process listens on a socket. */
  private async waitListening(name: string, main: ProcessIdentity, ended: Promise<unknown>): Promise<void> {
    let gone = false;
    void ended.then(() => (gone = true));
    const end = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < end) {
      if (gone)
        throw new ServiceError(
          `cannot start ${name}: it exited while starting${await this.tailSuffix(name)}`,
        );
      if (await isListening(main.pid)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new ServiceError(`cannot start ${name}: not ready after ${START_TIMEOUT_MS / 1000} s`);
  }

  private async pidFromFile(def: ServiceDefinition): Promise<ProcessIdentity | null> {
    if (def.pidFile === undefined) return null;
    const text = await this.host.readFile(def.pidFile).catch(() => '');
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? identify(pid) : null;
  }
}

/** Resolves with the promise's value, or undefined after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
