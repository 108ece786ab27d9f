/**
 * State-transition testing for charm authors (modelled on ops.testing):
 *
 *   import { Context, State, Relation } from '../../framework/testing/index.js';
 *   const ctx = new Context(DemoCharm, { meta: 'charms/demo' });
 *   const out = await ctx.run(ctx.on.install(), State());
 *   expect(out.unitStatus).toEqual(new ActiveStatus('ready'));
 */
export { Context, type ContextOptions } from './context.js';
export { ActionFailed, UncaughtCharmError } from './errors.js';
export { InconsistentScenarioError, checkConsistency, type ConsistencyInput } from './consistency.js';
export {
  EventFactories,
  eventKind,
  type ActionEventSpec,
  type EventSpec,
  type HookEventSpec,
  type UnitRef,
} from './events.js';
export {
  DEFAULT_ADDRESS,
  DEFAULT_MODEL,
  DeferredEvent,
  Network,
  State,
  Storage,
  StoredState,
  type ModelInfo,
  type StateInit,
} from './state.js';
export {
  DEFAULT_JUJU_DATABAG,
  PeerRelation,
  Relation,
  SubordinateRelation,
  databag,
  decodeBag,
  type AnyRelation,
  type BagRef,
  type DataBag,
  type PeerRelationInit,
  type RelationInit,
  type SafeParseSchema,
  type SubordinateRelationInit,
  type UnitsData,
} from './state-relation.js';
export { Secret, type SecretInit, type SecretOwnerKind } from './state-secret.js';
export {
  TestingBackend,
  type BackendEvent,
  type JujuLogLine,
  type TestingBackendOptions,
} from './backend.js';
export type { RemovedSecretRevision } from './backend-secrets.js';
export {
  RecordingMachine,
  type ExecHandler,
  type ExecReply,
  type MachineOp,
  type MachineSnapshot,
  type RecordedFile,
  type RecordedService,
  type RecordingMachineOptions,
} from './recording-machine.js';
