/**
 * Services of a sandbox machine, recorded in `<dir>/services.json` with
 * systemd's rules: a service exists once the charm defines it or an installed
 * package provides it; reload needs it running; nothing really runs.
 */
import { join } from 'node:path';
import { ServiceError } from '../../ops/machine.js';
import type { MachineServices, ServiceSpec, ServiceStatus } from '../../ops/machine.js';
import { checkServiceName, renderUnit } from '../../ops/machine/systemd-unit.js';
import type { SandboxFiles } from './files.js';
import { RecordFile, counter, isObject, message, serialize, text } from './store.js';

/** What services.json keeps per service. */
export interface ServiceRecord {
  /** The charm's definition; absent for a service that only a package provides. */
  spec?: ServiceSpec;
  state: 'running' | 'stopped' | 'failed';
  /** Starts at boot. */
  enabled: boolean;
  /** Times the daemon was brought up: a start of a service not running, and every restart. */
  starts: number;
  restarts: number;
  reloads: number;
}

const STATES: ReadonlyArray<ServiceRecord['state']> = ['running', 'stopped', 'failed'];
const RESTART_POLICIES: ReadonlyArray<ServiceSpec['restart']> = ['always', 'on-failure', 'no'];

function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field);
}

function checkSpec(value: unknown, key: string): ServiceSpec {
  if (!isObject(value)) throw new Error(`${key}.spec: expected an object`);
  const { command, environment, restart } = value;
  if (!Array.isArray(command) || command.length === 0 || command.some((arg) => typeof arg !== 'string')) {
    throw new Error(`${key}.spec.command must be a non-empty list of strings`);
  }
  const spec: ServiceSpec = { name: text(value.name, `${key}.spec.name`), command: command.map(String) };
  if (spec.name !== key) throw new Error(`${key}.spec.name is ${JSON.stringify(spec.name)}`);
  const description = optionalText(value.description, `${key}.spec.description`);
  const user = optionalText(value.user, `${key}.spec.user`);
  const group = optionalText(value.group, `${key}.spec.group`);
  const workingDirectory = optionalText(value.workingDirectory, `${key}.spec.workingDirectory`);
  if (description !== undefined) spec.description = description;
  if (user !== undefined) spec.user = user;
  if (group !== undefined) spec.group = group;
  if (workingDirectory !== undefined) spec.workingDirectory = workingDirectory;
  if (environment !== undefined) {
    if (!isObject(environment)) throw new Error(`${key}.spec.environment must be an object of strings`);
    spec.environment = Object.fromEntries(
      Object.entries(environment).map(([name, v]) => [name, text(v, `${key}.spec.environment.${name}`)]),
    );
  }
  if (restart !== undefined) {
    const policy = RESTART_POLICIES.find((p) => p === restart);
    if (policy === undefined) throw new Error(`${key}.spec.restart must be always, on-failure or no`);
    spec.restart = policy;
  }
  return spec;
}

/** Validates one services.json record. */
export function checkServiceRecord(value: unknown, key: string): ServiceRecord {
  if (!isObject(value)) throw new Error(`${key}: expected an object`);
  const state = STATES.find((s) => s === value.state);
  if (state === undefined) throw new Error(`${key}.state must be running, stopped or failed`);
  if (typeof value.enabled !== 'boolean') throw new Error(`${key}.enabled must be true or false`);
  const record: ServiceRecord = {
    state,
    enabled: value.enabled,
    starts: counter(value.starts, `${key}.starts`),
    restarts: counter(value.restarts, `${key}.restarts`),
    reloads: counter(value.reloads, `${key}.reloads`),
  };
  if (value.spec !== undefined) record.spec = checkSpec(value.spec, key);
  return record;
}

function blank(): ServiceRecord {
  return { state: 'stopped', enabled: false, starts: 0, restarts: 0, reloads: 0 };
}

/** The services.json of the machine in `dir`. */
export function servicesFile(dir: string): RecordFile<ServiceRecord> {
  return new RecordFile(join(dir, 'services.json'), checkServiceRecord);
}

/** Where a defined service's unit file goes, so `tsops exec <unit> -- cat` shows it. */
export function unitPath(name: string): string {
  return `/etc/systemd/system/${name}.service`;
}

/** MachineServices over services.json; see the module comment. */
export class SandboxServices implements MachineServices {
  private readonly records: RecordFile<ServiceRecord>;

  constructor(
    private readonly dir: string,
    private readonly files: SandboxFiles,
  ) {
    this.records = servicesFile(dir);
  }

  /** Stores the spec and writes its unit file; the service's state is unchanged, as after daemon-reload. */
  define(spec: ServiceSpec): Promise<void> {
    let unit: string;
    try {
      unit = renderUnit(spec);
    } catch (error) {
      return Promise.reject(new ServiceError(`cannot define service ${spec.name}: ${message(error)}`));
    }
    const copy = structuredClone(spec);
    return serialize(this.dir, async () => {
      await this.files.writeHeld(unitPath(spec.name), unit, { mode: 0o644, owner: 'root' });
      await this.records.update((records) => {
        records.set(spec.name, { ...(records.get(spec.name) ?? blank()), spec: copy });
      });
    });
  }

  start(name: string): Promise<void> {
    return this.verb(name, (svc) => {
      if (svc.state === 'running') return false; // systemctl start of a running unit does nothing
      svc.state = 'running';
      svc.starts += 1;
    });
  }

  stop(name: string): Promise<void> {
    return this.verb(name, (svc) => {
      if (svc.state === 'stopped') return false;
      svc.state = 'stopped';
    });
  }

  restart(name: string): Promise<void> {
    return this.verb(name, (svc) => {
      svc.state = 'running';
      svc.starts += 1;
      svc.restarts += 1;
    });
  }

  /** Like systemd, reloading a service that is not running fails. */
  reload(name: string): Promise<void> {
    return this.verb(name, (svc) => {
      if (svc.state !== 'running') {
        throw new ServiceError(`cannot reload ${name}: the service is not running (it is ${svc.state})`);
      }
      svc.reloads += 1;
    });
  }

  enable(name: string): Promise<void> {
    return this.verb(name, (svc) => {
      if (svc.enabled) return false;
      svc.enabled = true;
    });
  }

  disable(name: string): Promise<void> {
    return this.verb(name, (svc) => {
      if (!svc.enabled) return false;
      svc.enabled = false;
    });
  }

  async status(name: string): Promise<ServiceStatus> {
    checkName(name);
    const svc = (await this.records.read()).get(name);
    if (!svc) throw unknown(name);
    return { name, state: svc.state, enabled: svc.enabled };
  }

  /** Everything services.json holds, for inspection (status output, tests). */
  async all(): Promise<Map<string, ServiceRecord>> {
    return this.records.read();
  }

  /** `apply` changes the record in place; returning false means nothing changed (no write). */
  private verb(name: string, apply: (svc: ServiceRecord) => boolean | void): Promise<void> {
    try {
      checkName(name);
    } catch (error) {
      return Promise.reject(error);
    }
    return serialize(this.dir, () =>
      this.records.update((records) => {
        const svc = records.get(name);
        if (!svc) throw unknown(name);
        return apply(svc);
      }),
    );
  }
}

function checkName(name: string): void {
  try {
    checkServiceName(name);
  } catch (error) {
    throw new ServiceError(message(error));
  }
}

function unknown(name: string): ServiceError {
  return new ServiceError(
    `unknown service ${name}: the charm has not defined it and no installed package provides it`,
  );
}
