/**
 * Units and applications. The model's own unit and application can be changed
 * (status, ports, secrets, workload version); remote ones are names you can read.
 */
import { formatPort, type Port, type PortProtocol, type SecretAddOptions } from '../backend.js';
import { ModelError } from '../errors.js';
import { StatusBase, UnknownStatus, isSettable } from '../status.js';
import { InvalidStatusError } from '../errors.js';
import type { Model } from './model.js';
import { checkSecretContent } from '../secret-content.js';
import { Secret } from './secret.js';

/** Options for a new secret (the owner is implied by who adds it). */
export type AddSecretOptions = Omit<SecretAddOptions, 'owner'>;

/** Shared by Unit and Application: statuses added during collect-status. */
abstract class StatusHolder {
  private readonly collected: StatusBase[] = [];

  /** Statuses added by collect-status handlers in this dispatch, in order. */
  get collectedStatuses(): readonly StatusBase[] {
    return this.collected;
  }

  /** Used by CollectStatusEvent.addStatus. */
  addCollectedStatus(status: StatusBase): void {
    this.collected.push(status);
  }
}

function checkSettable(status: StatusBase, who: string): void {
  if (!(status instanceof StatusBase))
    throw new TypeError(`status of ${who} must be a StatusBase (e.g. new ActiveStatus())`);
  if (!isSettable(status)) {
    throw new InvalidStatusError(
      `cannot set ${who} to '${status.name}': only active, blocked, maintenance or waiting`,
    );
  }
}

export class Application extends StatusHolder {
  private statusCache: StatusBase | undefined;

  constructor(
    readonly name: string,
    private readonly model: Model,
  ) {
    super();
  }

  /** Whether this is the charm's own application. */
  get isOwn(): boolean {
    return this.name === this.model.backend.appName;
  }

  /** Own application: readable by the leader only. Remote applications read as unknown. */
  get status(): StatusBase {
    if (!this.isOwn) return new UnknownStatus();
    this.requireLeader('read');
    this.statusCache ??= StatusBase.fromName(...statusArgs(this.model.backend.statusGet(true)));
    return this.statusCache;
  }

  /** Only the leader may set its application's status; it takes effect at once (never rolled back). */
  set status(status: StatusBase) {
    if (!this.isOwn) throw new ModelError(`cannot set the status of remote application '${this.name}'`);
    checkSettable(status, `application '${this.name}'`);
    this.requireLeader('set');
    this.model.backend.statusSet(status.name, status.message, true);
    this.statusCache = status;
  }

  /** How many units Juju intends this application to have (goal-state); own application only. */
  plannedUnits(): number {
    if (!this.isOwn) throw new ModelError(`planned units are only known for this charm's own application`);
    const goal = this.model.backend.goalState();
    return Object.values(goal.units).filter((u) => u.status !== 'dying' && u.status !== 'dead').length;
  }

  /** A secret owned by the application; only the leader may create and manage it. */
  addSecret(content: Record<string, string>, options: AddSecretOptions = {}): Secret {
    if (!this.isOwn) throw new ModelError(`cannot add a secret to remote application '${this.name}'`);
    return addSecret(this.model, content, { ...options, owner: 'application' });
  }

  private requireLeader(verb: string): void {
    if (!this.model.backend.isLeader()) {
      throw new ModelError(`only the leader can ${verb} the status of application '${this.name}'`);
    }
  }
}

export class Unit extends StatusHolder {
  private statusCache: StatusBase | undefined;

  constructor(
    readonly name: string,
    readonly app: Application,
    private readonly model: Model,
  ) {
    super();
  }

  /** Whether this is the unit the hook runs for. */
  get isOwn(): boolean {
    return this.name === this.model.backend.unitName;
  }

  /** Own unit: its current status. Other units read as unknown. */
  get status(): StatusBase {
    if (!this.isOwn) return new UnknownStatus();
    this.statusCache ??= StatusBase.fromName(...statusArgs(this.model.backend.statusGet(false)));
    return this.statusCache;
  }

  /** Set this unit's status; it takes effect at once and is not rolled back if the hook fails. */
  set status(status: StatusBase) {
    this.requireOwn('set the status of');
    checkSettable(status, `unit '${this.name}'`);
    this.model.backend.statusSet(status.name, status.message, false);
    this.statusCache = status;
  }

  /** Whether this unit is the leader (own unit only). */
  isLeader(): boolean {
    this.requireOwn('ask about leadership of');
    return this.model.backend.isLeader();
  }

  /** Record the workload's version, shown in status. */
  setWorkloadVersion(version: string): void {
    this.requireOwn('set the workload version of');
    if (typeof version !== 'string') throw new TypeError('workload version must be a string');
    this.model.backend.applicationVersionSet(version);
  }

  /** A secret owned by this unit. */
  addSecret(content: Record<string, string>, options: AddSecretOptions = {}): Secret {
    this.requireOwn('add a secret to');
    return addSecret(this.model, content, { ...options, owner: 'unit' });
  }

  /** Open a port (applied when the hook succeeds). `openPort('tcp', 6817)`, `openPort('icmp')`. */
  openPort(protocol: PortProtocol, port?: number, toPort?: number): void {
    this.requireOwn('open ports on');
    this.model.backend.openPort(makePort(protocol, port, toPort));
  }

  closePort(protocol: PortProtocol, port?: number, toPort?: number): void {
    this.requireOwn('close ports on');
    this.model.backend.closePort(makePort(protocol, port, toPort));
  }

  openedPorts(): Port[] {
    this.requireOwn('list ports of');
    return this.model.backend.openedPorts();
  }

  /** Make exactly these ports open: opens what is missing, closes the rest. */
  setPorts(...ports: Port[]): void {
    this.requireOwn('set ports of');
    const wanted = new Map(ports.map((p) => [formatPort(makePort(p.protocol, p.port, p.toPort)), p]));
    const current = new Map(this.openedPorts().map((p) => [formatPort(p), p]));
    for (const [key, p] of current) if (!wanted.has(key)) this.model.backend.closePort(p);
    for (const [key, p] of wanted) if (!current.has(key)) this.model.backend.openPort(p);
  }

  /** Reboot the machine after this hook, or `now` (the hook is re-run after the reboot). */
  reboot(now = false): void {
    this.requireOwn('reboot');
    this.model.backend.reboot(now);
  }

  private requireOwn(verb: string): void {
    if (!this.isOwn)
      throw new ModelError(`cannot ${verb} unit '${this.name}': only the unit the hook runs for`);
  }
}

function statusArgs(s: { status: string; message: string }): [string, string] {
  return [s.status, s.message];
}

function makePort(protocol: PortProtocol, port?: number, toPort?: number): Port {
  if (protocol === 'icmp') {
    if (port !== undefined) throw new ModelError('icmp takes no port number');
    return { protocol };
  }
  if (protocol !== 'tcp' && protocol !== 'udp')
    throw new ModelError(`unknown protocol '${String(protocol)}': tcp, udp or icmp`);
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ModelError(`${protocol} needs a port number from 1 to 65535, got ${String(port)}`);
  }
  if (toPort !== undefined && (!Number.isInteger(toPort) || toPort < port || toPort > 65535)) {
    throw new ModelError(`bad port range ${port}-${toPort}`);
  }
  return toPort === undefined || toPort === port ? { protocol, port } : { protocol, port, toPort };
}

function addSecret(model: Model, content: Record<string, string>, options: SecretAddOptions): Secret {
  checkSecretContent(content);
  const id = model.backend.secretAdd(content, options);
  model.redactor.add(Object.values(content));
  return new Secret(model, { id, label: options.label, content });
}
