/**
 * State: the declarative, immutable input and output of one `ctx.run()`, modelled
 * on ops.testing. Everything is frozen on construction; to change a field, build a
 * new one: `State({ ...state, leader: true })`.
 */
import { formatPort, parsePort, type ConfigValue, type NetworkInterface, type Port } from '../ops/backend.js';
import type { JsonObject } from '../ops/framework/json.js';
import { jsonProblem } from '../ops/framework/json.js';
import { UnknownStatus, type StatusBase } from '../ops/status.js';
import { deepFreeze, jsonCopy } from './internal.js';
import { RecordingMachine, type MachineSnapshot } from './recording-machine.js';
import type { AnyRelation } from './state-relation.js';
import { secretUniqueId, type Secret } from './state-secret.js';

/** StoredState content of one object: saved at `<ownerPath>/StoredStateData[<name>]`. */
export interface StoredState {
  /** Handle path of the owner, e.g. `DemoCharm` or `DemoCharm/DbRequirer[db]`. */
  readonly ownerPath: string;
  readonly name: string;
  readonly content: JsonObject;
}

/** `StoredState({ ownerPath: 'DemoCharm', name: 'stored', content: { installed: true } })`. */
export function StoredState(init: { ownerPath: string; name: string; content?: JsonObject }): StoredState {
  const content = init.content ?? {};
  const problem = jsonProblem(content);
  if (problem) throw new TypeError(`StoredState ${init.ownerPath}/${init.name}: ${problem}`);
  return deepFreeze({ ownerPath: init.ownerPath, name: init.name, content: jsonCopy(content) });
}

/**
 * A deferred (event, observer) notice waiting to be re-emitted before the next event.
 * Build one with `ctx.on.configChanged().deferred('DemoCharm', 'onConfigChanged')`.
 */
export interface DeferredEvent {
  /** Event handle path, e.g. `DemoCharm/on/db_relation_changed[7]` (a missing `[key]` is assigned at run time). */
  readonly handlePath: string;
  /** Handle path of the object whose method observes the event. */
  readonly observerPath: string;
  /** Name of the handler method. */
  readonly method: string;
  /** The event's snapshot, e.g. `{relation_name, relation_id, app_name, unit_name, departing_unit}`. */
  readonly snapshot: JsonObject;
}

/** `DeferredEvent({ handlePath: 'DemoCharm/on/install', observerPath: 'DemoCharm', method: 'onInstall' })`. */
export function DeferredEvent(init: {
  handlePath: string;
  observerPath: string;
  method: string;
  snapshot?: JsonObject;
}): DeferredEvent {
  const snapshot = init.snapshot ?? {};
  const problem = jsonProblem(snapshot);
  if (problem) throw new TypeError(`DeferredEvent ${init.handlePath}: snapshot ${problem}`);
  return deepFreeze({
    handlePath: init.handlePath,
    observerPath: init.observerPath,
    method: init.method,
    snapshot: jsonCopy(snapshot),
  });
}

/** A storage instance attached to the unit (`name/index`). */
export interface Storage {
  readonly name: string;
  readonly index: number;
  /** Where it is mounted; default `/var/lib/juju/storage/<name>/<index>`. */
  readonly location: string;
}

/** `Storage({ name: 'data' })`, `Storage({ name: 'data', index: 1, location: '/srv/data' })`. */
export function Storage(init: { name: string; index?: number; location?: string }): Storage {
  const index = init.index ?? 0;
  return deepFreeze({
    name: init.name,
    index,
    location: init.location ?? `/var/lib/juju/storage/${init.name}/${index}`,
  });
}

/** What network-get answers for one binding (an endpoint or extra-binding). */
export interface Network {
  readonly bindingName: string;
  readonly bindAddresses: readonly NetworkInterface[];
  readonly ingressAddresses: readonly string[];
  readonly egressSubnets: readonly string[];
}

/** The address every binding has unless a Network says otherwise (RFC 5737 TEST-NET-1, like ops.testing). */
export const DEFAULT_ADDRESS = '192.0.2.0';

/**
 * `Network({ bindingName: 'db', address: '10.0.0.5' })` or with full `bindAddresses`;
 * `address` (with optional `cidr`) fills the bind, ingress and egress fields.
 */
export function Network(init: {
  bindingName: string;
  address?: string;
  cidr?: string;
  bindAddresses?: readonly NetworkInterface[];
  ingressAddresses?: readonly string[];
  egressSubnets?: readonly string[];
}): Network {
  const address = init.address ?? DEFAULT_ADDRESS;
  const cidr = init.cidr ?? (init.address === undefined ? `${DEFAULT_ADDRESS}/24` : `${address}/32`);
  return deepFreeze({
    bindingName: init.bindingName,
    bindAddresses: jsonCopy(
      init.bindAddresses ?? [
        { interfaceName: 'eth0', macAddress: '', addresses: [{ hostname: '', value: address, cidr }] },
      ],
    ),
    ingressAddresses: [...(init.ingressAddresses ?? [address])],
    egressSubnets: [...(init.egressSubnets ?? [cidr])],
  });
}

/** The model the unit lives in. */
export interface ModelInfo {
  readonly name: string;
  readonly uuid: string;
}

/** What `State()` takes; every field has a default. */
export interface StateInit {
  leader?: boolean;
  /** Config values that are set; unset options take their charm.yaml defaults. */
  config?: Readonly<Record<string, ConfigValue>>;
  relations?: readonly AnyRelation[];
  secrets?: readonly Secret[];
  storedStates?: readonly StoredState[];
  deferred?: readonly DeferredEvent[];
  openedPorts?: readonly Port[];
  unitStatus?: StatusBase;
  appStatus?: StatusBase;
  workloadVersion?: string;
  networks?: readonly Network[];
  storages?: readonly Storage[];
  /** The unit's machine: a snapshot, or a RecordingMachine to take one from. */
  machine?: MachineSnapshot | RecordingMachine;
  /** Units the application should have (goal-state); default 1. */
  plannedUnits?: number;
  model?: Partial<ModelInfo>;
}

/** One unit's view of the model before or after an event; see the module comment. */
export interface State {
  readonly leader: boolean;
  readonly config: Readonly<Record<string, ConfigValue>>;
  readonly relations: readonly AnyRelation[];
  readonly secrets: readonly Secret[];
  readonly storedStates: readonly StoredState[];
  readonly deferred: readonly DeferredEvent[];
  readonly openedPorts: readonly Port[];
  readonly unitStatus: StatusBase;
  readonly appStatus: StatusBase;
  readonly workloadVersion: string;
  readonly networks: readonly Network[];
  readonly storages: readonly Storage[];
  readonly machine: MachineSnapshot | undefined;
  readonly plannedUnits: number;
  readonly model: ModelInfo;
  /** The relation with this id; throws when there is none. */
  getRelation(id: number): AnyRelation;
  /** Relations on an endpoint, in State order. */
  getRelations(endpoint: string): AnyRelation[];
  /** The secret with this id (either form) or label; throws when there is none. */
  getSecret(query: { id?: string; label?: string }): Secret;
  /** StoredState content of `ownerPath`'s `name`; throws when there is none. */
  getStoredState(ownerPath: string, name: string): StoredState;
  /** The storage `name/index`; throws when there is none. */
  getStorage(name: string, index?: number): Storage;
  /** The Network of a binding, if the State has one. */
  getNetwork(bindingName: string): Network | undefined;
}

/** The model a State is in unless it says otherwise: `State().model.name` → `test-model`. */
export const DEFAULT_MODEL: ModelInfo = Object.freeze({
  name: 'test-model',
  uuid: '00000000-0000-4000-8000-000000000000',
});

class StateImpl implements State {
  readonly leader: boolean;
  readonly config: Readonly<Record<string, ConfigValue>>;
  readonly relations: readonly AnyRelation[];
  readonly secrets: readonly Secret[];
  readonly storedStates: readonly StoredState[];
  readonly deferred: readonly DeferredEvent[];
  readonly openedPorts: readonly Port[];
  readonly unitStatus: StatusBase;
  readonly appStatus: StatusBase;
  readonly workloadVersion: string;
  readonly networks: readonly Network[];
  readonly storages: readonly Storage[];
  readonly machine: MachineSnapshot | undefined;
  readonly plannedUnits: number;
  readonly model: ModelInfo;

  constructor(init: StateInit) {
    this.leader = init.leader ?? false;
    this.config = deepFreeze({ ...(init.config ?? {}) });
    this.relations = Object.freeze([...(init.relations ?? [])]);
    this.secrets = Object.freeze([...(init.secrets ?? [])]);
    this.storedStates = Object.freeze([...(init.storedStates ?? [])]);
    this.deferred = Object.freeze([...(init.deferred ?? [])]);
    this.openedPorts = normalisePorts(init.openedPorts ?? []);
    this.unitStatus = Object.freeze(init.unitStatus ?? new UnknownStatus());
    this.appStatus = Object.freeze(init.appStatus ?? new UnknownStatus());
    this.workloadVersion = init.workloadVersion ?? '';
    this.networks = Object.freeze([...(init.networks ?? [])]);
    this.storages = Object.freeze([...(init.storages ?? [])]);
    const machine = init.machine instanceof RecordingMachine ? init.machine.snapshot() : init.machine;
    this.machine = machine === undefined ? undefined : deepFreeze(structuredClone(machine));
    this.plannedUnits = init.plannedUnits ?? 1;
    this.model = Object.freeze({ ...DEFAULT_MODEL, ...(init.model ?? {}) });
  }

  getRelation(id: number): AnyRelation {
    const rel = this.relations.find((r) => r.id === id);
    if (!rel)
      throw new Error(
        `no relation with id ${id} in this State (ids: ${this.relations.map((r) => r.id).join(', ') || 'none'})`,
      );
    return rel;
  }

  getRelations(endpoint: string): AnyRelation[] {
    return this.relations.filter((r) => r.endpoint === endpoint);
  }

  getSecret(query: { id?: string; label?: string }): Secret {
    const { id, label } = query;
    if (id === undefined && label === undefined) throw new Error('getSecret needs an id or a label');
    const found = this.secrets.find(
      (s) =>
        (id === undefined || secretUniqueId(s.id) === secretUniqueId(id)) &&
        (label === undefined || s.label === label),
    );
    if (!found)
      throw new Error(
        `no secret with ${id !== undefined ? `id ${id}` : ''}${id !== undefined && label !== undefined ? ' and ' : ''}${label !== undefined ? `label '${label}'` : ''} in this State`,
      );
    return found;
  }

  getStoredState(ownerPath: string, name: string): StoredState {
    const found = this.storedStates.find((s) => s.ownerPath === ownerPath && s.name === name);
    if (!found) {
      const have = this.storedStates.map((s) => `${s.ownerPath}/${s.name}`).join(', ') || 'none';
      throw new Error(`no stored state '${name}' of ${ownerPath} in this State (have: ${have})`);
    }
    return found;
  }

  getStorage(name: string, index = 0): Storage {
    const found = this.storages.find((s) => s.name === name && s.index === index);
    if (!found) throw new Error(`no storage ${name}/${index} in this State`);
    return found;
  }

  getNetwork(bindingName: string): Network | undefined {
    return this.networks.find((n) => n.bindingName === bindingName);
  }
}

/** Validated, de-duplicated, frozen copies of ports. */
function normalisePorts(ports: readonly Port[]): readonly Port[] {
  const seen = new Map<string, Port>();
  for (const p of ports) {
    const text = formatPort(p);
    if (!seen.has(text)) seen.set(text, parsePort(text));
  }
  return deepFreeze([...seen.values()]);
}

/**
 * The input (or output) of one event: `State({ leader: true, config: { port: 80 }, relations: [rel] })`.
 * Frozen; `State({ ...state, leader: false })` makes a changed copy.
 */
export function State(init: StateInit = {}): State {
  return Object.freeze(new StateImpl(init));
}
