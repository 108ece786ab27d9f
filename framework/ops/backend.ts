/**
 * ModelBackend: the hook-tool surface, the only way charm code reaches the model.
 *
 * Three implementations share this contract (and one contract test suite):
 * - JujuBackend (backend/juju.ts): spawns Juju's hook tools with ops' exact argv;
 * - the testing backend (framework/testing): an in-memory model built from a State;
 * - the controller's in-process backend (framework/controller).
 *
 * Calls are synchronous: under Juju each is one short subprocess in a process that
 * runs a single hook, and the in-memory backends answer at once. Effects follow
 * Juju (reference/juju-contract.md §3.2): relation data, secrets, ports and storage
 * requests are buffered until the hook succeeds; status, logs and action output
 * are immediate.
 *
 * Failures throw ModelError or one of its subclasses (RelationNotFoundError,
 * SecretNotFoundError), mapped the way ops maps hook-tool stderr.
 */
import type { StatusName } from './status.js';

export type ConfigValue = string | number | boolean;
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
export type SecretOwner = 'application' | 'unit';
export type SecretRotatePolicy = 'never' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly';

export interface StatusInfo {
  status: StatusName;
  message: string;
}

/** The application status and, for the leader, every unit's status (status-get --application=true). */
export interface AppStatusInfo extends StatusInfo {
  units: Record<string, StatusInfo>;
}

export interface SecretAddOptions {
  owner: SecretOwner;
  label?: string;
  description?: string;
  expire?: Date;
  rotate?: SecretRotatePolicy;
}

export interface SecretSetOptions {
  content?: Record<string, string>;
  label?: string;
  description?: string;
  expire?: Date;
  rotate?: SecretRotatePolicy;
}

/** Metadata of a secret, visible to its owner only (secret-info-get). */
export interface SecretInfo {
  id: string;
  label?: string;
  revision: number;
  description?: string;
  expires?: Date;
  rotation?: SecretRotatePolicy;
  rotates?: Date;
}

export type PortProtocol = 'tcp' | 'udp' | 'icmp';

/** An opened port or range: `80/tcp`, `8000-8999/udp`, `icmp`. */
export interface Port {
  protocol: PortProtocol;
  /** Absent for icmp. */
  port?: number;
  /** Last port of a range; absent for a single port. */
  toPort?: number;
}

export interface NetworkAddress {
  hostname: string;
  value: string;
  cidr: string;
}

export interface NetworkInterface {
  interfaceName: string;
  macAddress: string;
  addresses: NetworkAddress[];
}

/** What network-get answers for a binding. */
export interface NetworkInfo {
  bindAddresses: NetworkInterface[];
  ingressAddresses: string[];
  egressSubnets: string[];
}

export interface StorageInfo {
  kind: 'filesystem' | 'block';
  location: string;
}

export interface GoalStateEntry {
  status: string;
  since: string;
}

export interface GoalState {
  units: Record<string, GoalStateEntry>;
  relations: Record<string, Record<string, GoalStateEntry>>;
}

export interface SecretGetOptions {
  id?: string;
  label?: string;
  /** Move tracking to the latest revision and return it. */
  refresh?: boolean;
  /** Return the latest revision without moving tracking. */
  peek?: boolean;
}

export interface ModelBackend {
  /** `app/N` of the unit this hook runs for. */
  readonly unitName: string;
  readonly appName: string;
  readonly modelName: string;
  readonly modelUuid: string;

  // Relations. A relation id is the integer after `endpoint:`.
  relationIds(endpoint: string): number[];
  /** Remote unit names in the relation (peers: the other units). */
  relationList(relationId: number): string[];
  /** The remote application's name (relation-list --app). */
  relationRemoteApp(relationId: number): string;
  /** All keys of `member`'s databag: a unit name, or an application name with isApp. */
  relationGet(relationId: number, member: string, isApp: boolean): Record<string, string>;
  /** Set keys in this unit's (or, with isApp, this application's) databag; '' deletes a key. */
  relationSet(relationId: number, data: Record<string, string>, isApp: boolean): void;

  configGet(): Record<string, ConfigValue>;
  isLeader(): boolean;

  statusGet(isApp: false): StatusInfo;
  statusGet(isApp: true): AppStatusInfo;
  statusSet(status: StatusName, message: string, isApp: boolean): void;

  // Actions (valid only while an action runs).
  actionGet(): Record<string, unknown>;
  /** Results as flattened dotted keys (`a.b=v`), as action-set takes them. */
  actionSet(results: Record<string, string>): void;
  actionFail(message: string): void;
  actionLog(message: string): void;

  jujuLog(level: LogLevel, message: string): void;

  // Secrets.
  secretAdd(content: Record<string, string>, options: SecretAddOptions): string;
  secretGet(options: SecretGetOptions): Record<string, string>;
  secretInfoGet(query: { id?: string; label?: string }): SecretInfo;
  secretSet(id: string, options: SecretSetOptions): void;
  secretGrant(id: string, relationId: number, unit?: string): void;
  secretRevoke(id: string, relationId: number, unit?: string): void;
  /** Remove one revision, or every revision (the whole secret) when revision is absent. */
  secretRemove(id: string, revision?: number): void;
  secretIds(): string[];

  // Ports.
  openPort(port: Port, endpoints?: string[]): void;
  closePort(port: Port, endpoints?: string[]): void;
  openedPorts(): Port[];

  networkGet(bindingName: string, relationId?: number): NetworkInfo;
  applicationVersionSet(version: string): void;

  // Storage.
  storageList(name: string): string[];
  storageGet(storageId: string): StorageInfo;
  storageAdd(counts: Record<string, number>): void;

  goalState(): GoalState;
  /** Ask for a reboot after this hook (now=false) or at once (now=true: the hook is re-run afterwards). */
  reboot(now: boolean): void;
}

/** Canonical text form of a port: `80/tcp`, `8000-8999/udp`, `icmp`. */
export function formatPort(p: Port): string {
  if (p.protocol === 'icmp') return 'icmp';
  const range = p.toPort !== undefined && p.toPort !== p.port ? `${p.port}-${p.toPort}` : `${p.port}`;
  return `${range}/${p.protocol}`;
}

/** Parse `80/tcp`, `8000-8999/udp` or `icmp`; throws on anything else. */
export function parsePort(text: string): Port {
  const s = text.trim();
  if (s === 'icmp') return { protocol: 'icmp' };
  const m = /^(\d+)(?:-(\d+))?\/(tcp|udp)$/.exec(s);
  if (!m) throw new Error(`bad port '${text}': expected <port>/<tcp|udp>, <from>-<to>/<tcp|udp> or icmp`);
  const port = Number(m[1]);
  const toPort = m[2] === undefined ? undefined : Number(m[2]);
  for (const n of [port, toPort]) {
    if (n !== undefined && (n < 1 || n > 65535))
      throw new Error(`bad port '${text}': ports run from 1 to 65535`);
  }
  if (toPort !== undefined && toPort < port)
    throw new Error(`bad port range '${text}': the end is below the start`);
  return toPort === undefined
    ? { protocol: m[3] as 'tcp' | 'udp', port }
    : { protocol: m[3] as 'tcp' | 'udp', port, toPort };
}
