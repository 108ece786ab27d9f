/**
 * tsops charm SDK: everything a charm author imports.
 *
 *   import { CharmBase, ActiveStatus, main, type Framework } from '../../framework/ops/index.js';
 */
export * from './errors.js';
export * from './status.js';
export * from './backend.js';
export * from './machine.js';
export * from './events.js';
export { CharmBase, CharmEvents } from './charm.js';
export { Framework, type FrameworkOptions } from './framework/framework.js';
export {
  BoundEvent,
  EventBase,
  FrameworkObject,
  ObjectEvents,
  type EventType,
  type EventHandler,
} from './framework/object.js';
export { Handle } from './framework/handle.js';
export { LifecycleEvent, PreCommitEvent, CommitEvent } from './framework/lifecycle.js';
export type { JsonObject, JsonValue } from './framework/json.js';
export {
  JsonFileStateStore,
  MemoryStateStore,
  emptyUnitState,
  type Notice,
  type UnitStateData,
  type UnitStateStore,
} from './framework/storage.js';
export { Model, RelationMapping, type ModelOptions } from './model/model.js';
export { Application, Unit, type AddSecretOptions } from './model/unit.js';
export { Relation, RelationDataContent, type Member } from './model/relation.js';
export { Secret } from './model/secret.js';
export { Storage, StorageMapping } from './model/storage.js';
export { Binding, Network } from './model/network.js';
export { ActionContext } from './model/action.js';
export type {
  ActionMeta,
  CharmMeta,
  ConfigOptionMeta,
  ConfigOptionType,
  EndpointMeta,
  EndpointRole,
  EndpointScope,
  StorageMeta,
  StorageType,
} from './meta/types.js';
export {
  AbortDispatch,
  type DispatchEvent,
  type HookDispatch,
  type ActionDispatch,
} from './dispatch/types.js';
export {
  runDispatch,
  type CharmClass,
  type DispatchResult,
  type RunDispatchOptions,
} from './dispatch/run.js';
export { dispatchFromEnv, DispatchEnvError } from './dispatch/juju-env.js';
export { Redactor, createLogger, type Logger } from './log.js';
export { main, isEntryPoint, UNIT_STATE_FILE, type MainOptions } from './main.js';
