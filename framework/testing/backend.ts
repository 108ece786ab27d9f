/**
 * TestingBackend: the ModelBackend of framework/testing, an in-memory Juju built
 * from a State. It answers hook-tool calls with Juju's semantics: relation data,
 * secrets, ports and storage requests are buffered in a working copy that becomes
 * the output only if the dispatch succeeds; status, workload version, logs and
 * action output take effect at once and are kept on failure
 * (reference/juju-contract.md §3.2). What the charm did is also recorded in side
 * channels (`logs`, `unitStatusHistory`, `actionResults`, ...).
 *
 *   const backend = new TestingBackend({ state: State({ leader: true }), appName: 'demo' });
 *   backend.relationSet(1, { ready: 'true' }, true);
 */
import {
  formatPort,
  type AppStatusInfo,
  type ConfigValue,
  type GoalState,
  type LogLevel,
  type ModelBackend,
  type NetworkInfo,
  type Port,
  type SecretAddOptions,
  type SecretGetOptions,
  type SecretInfo,
  type SecretSetOptions,
  type StatusInfo,
  type StorageInfo,
} from '../ops/backend.js';
import { InvalidStatusError, ModelError } from '../ops/errors.js';
import type { CharmMeta } from '../ops/meta/types.js';
import { StatusBase, type StatusName } from '../ops/status.js';
import { SecretsModel, type RemovedSecretRevision } from './backend-secrets.js';
import { RelationsModel, type BackendEvent } from './backend-relations.js';
import {
  actionParamsWithDefaults,
  checkedPort,
  goalStateOf,
  networkInfoOf,
  parseStorageId,
  setActionResult,
} from './backend-views.js';
import { own } from './internal.js';
import { State, type DeferredEvent, type StoredState } from './state.js';

export type { BackendEvent } from './backend-relations.js';
import type { MachineSnapshot } from './recording-machine.js';

/** What a TestingBackend answers from: `{ state: State(), appName: 'demo', meta }`. */
export interface TestingBackendOptions {
  state: State;
  appName: string;
  /** Default 0. */
  unitId?: number;
  /** Charm metadata: config defaults, storage kinds, bindings. Without it those checks are skipped. */
  meta?: CharmMeta;
  /** Default: a hook named `update-status`. */
  event?: BackendEvent;
}

/** One juju-log call. */
export interface JujuLogLine {
  level: LogLevel;
  message: string;
}

const SETTABLE: ReadonlySet<string> = new Set(['active', 'blocked', 'maintenance', 'waiting']);

/** An in-memory ModelBackend over a State; see the module comment for an example. */
export class TestingBackend implements ModelBackend {
  readonly unitName: string;
  readonly appName: string;
  readonly modelName: string;
  readonly modelUuid: string;

  /** Every juju-log line, in order. */
  readonly logs: JujuLogLine[] = [];
  /** Unit statuses before each status-set, oldest first (the current one is in the output State). */
  readonly unitStatusHistory: StatusBase[] = [];
  readonly appStatusHistory: StatusBase[] = [];
  /** Workload versions before each application-version-set. */
  readonly workloadVersionHistory: string[] = [];
  /** action-log messages. */
  readonly actionLogs: string[] = [];
  /** action-set results, nested as Juju stores them (`a.b=v` → `{a: {b: 'v'}}`). */
  readonly actionResults: Record<string, unknown> = {};
  /** The action-fail message, if the action failed. */
  actionFailure: string | undefined;
  /** A juju-reboot request, if any. */
  rebootRequested: { now: boolean } | undefined;

  private readonly input: State;
  private readonly meta: CharmMeta | undefined;
  private readonly event: BackendEvent;
  private readonly unitId: number;
  private unitStatus: StatusBase;
  private appStatus: StatusBase;
  private workloadVersion: string;
  private readonly relations: RelationsModel;
  private readonly ports = new Map<string, Port>();
  private readonly storageRequests: Record<string, number> = {};
  private readonly secrets: SecretsModel;

  constructor(options: TestingBackendOptions) {
    const { state } = options;
    this.input = state;
    this.meta = options.meta;
    this.event = options.event ?? { kind: 'hook', name: 'update-status' };
    this.unitId = options.unitId ?? 0;
    this.appName = options.appName;
    this.unitName = `${options.appName}/${this.unitId}`;
    this.modelName = state.model.name;
    this.modelUuid = state.model.uuid;
    this.unitStatus = state.unitStatus;
    this.appStatus = state.appStatus;
    this.workloadVersion = state.workloadVersion;
    this.relations = new RelationsModel(state.relations, {
      appName: this.appName,
      unitName: this.unitName,
      event: this.event,
      isLeader: () => this.isLeader(),
    });
    for (const p of state.openedPorts) this.ports.set(formatPort(p), p);
    this.secrets = new SecretsModel(state.secrets, {
      isLeader: () => this.isLeader(),
      relationParties: (id) => this.relations.parties(id),
    });
  }

  // Relations.

  relationIds(endpoint: string): number[] {
    return this.relations.ids(endpoint);
  }
  relationList(relationId: number): string[] {
    return this.relations.list(relationId);
  }
  relationRemoteApp(relationId: number): string {
    return this.relations.remoteApp(relationId);
  }
  relationGet(relationId: number, member: string, isApp: boolean): Record<string, string> {
    return this.relations.get(relationId, member, isApp);
  }
  relationSet(relationId: number, data: Record<string, string>, isApp: boolean): void {
    this.relations.set(relationId, data, isApp);
  }

  // Config, leadership, status.

  configGet(): Record<string, ConfigValue> {
    const out: Record<string, ConfigValue> = {};
    for (const opt of Object.values(this.meta?.config ?? {}))
      if (opt.default !== undefined) out[opt.name] = opt.default;
    return { ...out, ...this.input.config };
  }

  isLeader(): boolean {
    return this.input.leader;
  }

  statusGet(isApp: false): StatusInfo;
  statusGet(isApp: true): AppStatusInfo;
  statusGet(isApp: boolean): StatusInfo | AppStatusInfo {
    const unit = { status: this.unitStatus.name, message: this.unitStatus.message };
    if (!isApp) return unit;
    if (!this.isLeader()) throw new ModelError('finding application status: this unit is not the leader');
    return { status: this.appStatus.name, message: this.appStatus.message, units: { [this.unitName]: unit } };
  }

  statusSet(status: StatusName, message: string, isApp: boolean): void {
    if (!SETTABLE.has(status)) {
      throw new InvalidStatusError(
        `invalid status "${status}", expected one of [maintenance blocked waiting active]`,
      );
    }
    if (isApp && !this.isLeader())
      throw new ModelError('setting application status: this unit is not the leader');
    const next = StatusBase.fromName(status, message);
    if (isApp) {
      this.appStatusHistory.push(this.appStatus);
      this.appStatus = next;
    } else {
      this.unitStatusHistory.push(this.unitStatus);
      this.unitStatus = next;
    }
  }

  // Actions.

  actionGet(): Record<string, unknown> {
    return actionParamsWithDefaults(this.meta, this.event.name, this.requireAction('action-get'));
  }

  actionSet(results: Record<string, string>): void {
    this.requireAction('action-set');
    for (const [key, value] of Object.entries(results)) setActionResult(this.actionResults, key, value);
  }

  actionFail(message: string): void {
    this.requireAction('action-fail');
    this.actionFailure = message || 'action failed without reason given';
  }

  actionLog(message: string): void {
    this.requireAction('action-log');
    this.actionLogs.push(message);
  }

  jujuLog(level: LogLevel, message: string): void {
    this.logs.push({ level, message });
  }

  // Secrets.

  secretAdd(content: Record<string, string>, options: SecretAddOptions): string {
    return this.secrets.add(content, options);
  }
  secretGet(options: SecretGetOptions): Record<string, string> {
    return this.secrets.get(options);
  }
  secretInfoGet(query: { id?: string; label?: string }): SecretInfo {
    return this.secrets.info(query);
  }
  secretSet(id: string, options: SecretSetOptions): void {
    this.secrets.set(id, options);
  }
  secretGrant(id: string, relationId: number, unit?: string): void {
    this.secrets.grant(id, relationId, unit);
  }
  secretRevoke(id: string, relationId: number, unit?: string): void {
    this.secrets.revoke(id, relationId, unit);
  }
  secretRemove(id: string, revision?: number): void {
    this.secrets.remove(id, revision);
  }
  secretIds(): string[] {
    return this.secrets.ids();
  }

  // Ports, network, version, storage, goal state, reboot.

  openPort(port: Port, endpoints?: string[]): void {
    const p = checkedPort(port, endpoints, this.meta);
    this.ports.set(formatPort(p), p);
  }

  closePort(port: Port, endpoints?: string[]): void {
    this.ports.delete(formatPort(checkedPort(port, endpoints, this.meta)));
  }

  openedPorts(): Port[] {
    return [...this.ports.values()].map((p) => ({ ...p }));
  }

  networkGet(bindingName: string, relationId?: number): NetworkInfo {
    if (relationId !== undefined) this.relations.parties(relationId);
    if (
      this.meta &&
      !own(this.meta.endpoints, bindingName) &&
      !this.meta.extraBindings.includes(bindingName)
    ) {
      throw new ModelError(`no network config found for binding "${bindingName}"`);
    }
    return networkInfoOf(this.input.getNetwork(bindingName));
  }

  applicationVersionSet(version: string): void {
    this.workloadVersionHistory.push(this.workloadVersion);
    this.workloadVersion = version;
  }

  storageList(name: string): string[] {
    // Juju filters by name without checking it against metadata: an unknown name lists nothing.
    return this.input.storages.filter((s) => s.name === name).map((s) => `${s.name}/${s.index}`);
  }

  storageGet(storageId: string): StorageInfo {
    const { name, index } = parseStorageId(storageId);
    const found = this.input.storages.find((s) => s.name === name && s.index === index);
    if (!found) throw new ModelError(`storage "${storageId}" not found`);
    const kind = (this.meta ? own(this.meta.storage, name)?.type : undefined) ?? 'filesystem';
    return { kind, location: found.location };
  }

  storageAdd(counts: Record<string, number>): void {
    for (const [name, count] of Object.entries(counts)) {
      this.checkStorageName(name);
      if (!Number.isInteger(count) || count < 1)
        throw new ModelError(`storage-add: count for '${name}' must be a positive integer, got ${count}`);
    }
    for (const [name, count] of Object.entries(counts))
      this.storageRequests[name] = (this.storageRequests[name] ?? 0) + count;
  }

  goalState(): GoalState {
    return goalStateOf(this.input, this.appName, this.unitId);
  }

  reboot(now: boolean): void {
    if (this.event.kind === 'action') throw new ModelError('juju-reboot is not allowed in actions');
    this.rebootRequested = { now: now || (this.rebootRequested?.now ?? false) };
  }

  // Results.

  /** storage-add requests made in this run (kept only if it succeeds). */
  get requestedStorages(): Record<string, number> {
    return { ...this.storageRequests };
  }

  /** Secret revisions removed in this run (kept only if it succeeds). */
  get removedSecretRevisions(): RemovedSecretRevision[] {
    return this.secrets.removedRevisions();
  }

  /**
   * The output State. With `committed` the buffered changes (relation data, secrets,
   * ports) are in it; without, only the immediate ones (status, workload version).
   * Stored state, deferred events and the machine come from the caller (the Context).
   */
  outputState(options: {
    committed: boolean;
    storedStates?: readonly StoredState[];
    deferred?: readonly DeferredEvent[];
    machine?: MachineSnapshot;
  }): State {
    const base = this.input;
    const committed = options.committed;
    return State({
      ...base,
      relations: committed ? this.relations.output() : base.relations,
      secrets: committed ? this.secrets.output() : base.secrets,
      openedPorts: committed ? this.openedPorts() : base.openedPorts,
      unitStatus: this.unitStatus,
      appStatus: this.appStatus,
      workloadVersion: this.workloadVersion,
      storedStates: options.storedStates ?? base.storedStates,
      deferred: options.deferred ?? base.deferred,
      machine: options.machine ?? base.machine,
    });
  }

  private requireAction(tool: string): Record<string, unknown> {
    if (this.event.kind !== 'action')
      throw new ModelError(
        `${tool} is only available while an action runs (this is hook ${this.event.name})`,
      );
    return this.event.params ?? {};
  }

  private checkStorageName(name: string): void {
    if (this.meta && !own(this.meta.storage, name)) {
      const declared = Object.keys(this.meta.storage).join(', ') || 'none';
      throw new ModelError(`storage "${name}" is not declared in metadata (declared: ${declared})`);
    }
  }
}
