/**
 * Context: runs one event against a charm and a State, the way ops.testing does.
 *
 *   const ctx = new Context(DemoCharm, { meta: 'charms/demo' });
 *   const rel = Relation({ endpoint: 'db', remoteAppData: { host: '"10.0.0.1"' } });
 *   const out = await ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), State({ relations: [rel] }));
 *   expect(out.getRelation(rel.id).localUnitData.ready).toBe('true');
 *
 * One event per run; the input State is never changed. Hook tools are answered by a
 * TestingBackend, the machine by a RecordingMachine, stored state by an in-memory store.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CharmBase } from '../ops/charm.js';
import type { EventBase } from '../ops/framework/object.js';
import { runDispatch, type CharmClass } from '../ops/dispatch/run.js';
import type { DispatchEvent } from '../ops/dispatch/types.js';
import { Redactor, directLogger } from '../ops/log.js';
import { loadCharmMeta, parseCharmMeta } from '../ops/meta/load.js';
import type { CharmMeta } from '../ops/meta/types.js';
import type { StatusBase } from '../ops/status.js';
import { TestingBackend, type JujuLogLine } from './backend.js';
import type { RemovedSecretRevision } from './backend-secrets.js';
import { checkConsistency } from './consistency.js';
import { ActionFailed, UncaughtCharmError } from './errors.js';
import { EventFactories, remoteAppOf, unitName, type EventSpec } from './events.js';
import { jsonCopy } from './internal.js';
import { RecordingMachine, type ExecHandler } from './recording-machine.js';
import type { State } from './state.js';
import { TestStateStore, stateFromUnitState, unitStateFromState } from './unit-state.js';

/** How a Context is built: `{ meta: 'charms/demo', appName: 'demo', unitId: 1 }`. */
export interface ContextOptions {
  /** A CharmMeta, charm.yaml text, or the path of a charm directory or its charm.yaml. */
  meta: CharmMeta | string;
  /** Default: the charm's name from metadata. */
  appName?: string;
  /** The unit under test is `<appName>/<unitId>`; default 0. */
  unitId?: number;
  /** The charm's directory (default: the directory `meta` was read from), for tests that read templates. */
  charmRoot?: string;
  /** Exec handlers of the RecordingMachine (functions cannot travel in a State snapshot). */
  exec?: ExecHandler[];
}

/** Runs events against one charm class; see the module comment. */
export class Context<C extends CharmBase = CharmBase> {
  readonly meta: CharmMeta;
  readonly appName: string;
  readonly unitId: number;
  readonly charmRoot: string | undefined;
  /** Event factories: `ctx.on.install()`, `ctx.on.relationChanged(rel, { remoteUnit: 1 })`, `ctx.on.action('backup')`. */
  readonly on: EventFactories;

  // Side channels of the last run (reset when a run starts).
  /** juju-log lines. */
  jujuLog: JujuLogLine[] = [];
  /** Unit statuses before each change; the final one is the output State's unitStatus. */
  unitStatusHistory: StatusBase[] = [];
  appStatusHistory: StatusBase[] = [];
  workloadVersionHistory: string[] = [];
  actionLogs: string[] = [];
  /** Results set by the action (nested, as Juju stores them); undefined when the last run was not an action. */
  actionResults: Record<string, unknown> | undefined;
  removedSecretRevisions: RemovedSecretRevision[] = [];
  /** storage-add requests of a successful run: storage name → count. */
  requestedStorages: Record<string, number> = {};
  rebootRequested: { now: boolean } | undefined;
  /** The machine after the last run. */
  machine: RecordingMachine | undefined;
  /** The charm instance of the last run. */
  charm: C | undefined;
  /** Every event the framework emitted in the last run, in order (Juju, custom, collect-status, commit). */
  emittedEvents: EventBase[] = [];

  private readonly exec: ExecHandler[];

  constructor(
    readonly charmClass: CharmClass<C>,
    options: ContextOptions,
  ) {
    const loaded = loadMeta(options.meta);
    this.meta = loaded.meta;
    this.appName = options.appName ?? this.meta.name;
    this.unitId = options.unitId ?? 0;
    if (!Number.isSafeInteger(this.unitId) || this.unitId < 0)
      throw new RangeError(`unitId must be a unit number, got ${this.unitId}`);
    this.charmRoot = options.charmRoot ?? loaded.dir;
    this.exec = [...(options.exec ?? [])];
    this.on = new EventFactories({ charmPath: charmClass.name, appName: this.appName });
  }

  /** `<appName>/<unitId>`. */
  get unitName(): string {
    return `${this.appName}/${this.unitId}`;
  }

  /**
   * Run one event and return the output State. Throws InconsistentScenarioError for an
   * impossible input, UncaughtCharmError when the charm throws, ActionFailed when an action fails.
   */
  async run(event: EventSpec, state: State): Promise<State> {
    checkConsistency({ meta: this.meta, state, event, appName: this.appName, unitId: this.unitId });
    this.reset();
    const dispatch = this.dispatchEvent(event, state);
    const backend = new TestingBackend({
      state,
      appName: this.appName,
      unitId: this.unitId,
      meta: this.meta,
      event:
        dispatch.kind === 'action'
          ? {
              kind: 'action',
              name: dispatch.name,
              params: event.kind === 'action' ? jsonCopy(event.params) : {},
            }
          : {
              kind: 'hook',
              name: dispatch.name,
              relationId: dispatch.relation?.id,
              departingUnit: dispatch.departingUnit,
            },
    });
    const machine = state.machine
      ? RecordingMachine.fromSnapshot(state.machine, { exec: this.exec })
      : new RecordingMachine({ exec: this.exec });
    const store = new TestStateStore(unitStateFromState(state));
    const redactor = new Redactor();
    // A synchronous logger, so every line is in ctx.jujuLog when run() returns.
    const logger = directLogger((level, message) => backend.jujuLog(level, message), redactor);

    const result = await runDispatch({
      charmClass: this.charmClass,
      meta: this.meta,
      backend,
      machine,
      store,
      event: dispatch,
      logger,
      redactor,
      onEmit: (e) => this.emittedEvents.push(e),
    });

    this.charm = result.charm;
    this.machine = machine;
    this.jujuLog = backend.logs;
    this.unitStatusHistory = backend.unitStatusHistory;
    this.appStatusHistory = backend.appStatusHistory;
    this.workloadVersionHistory = backend.workloadVersionHistory;
    this.actionLogs = backend.actionLogs;
    this.actionResults = event.kind === 'action' ? backend.actionResults : undefined;
    this.rebootRequested = backend.rebootRequested;

    if (result.exitCode !== 0) {
      const failed = backend.outputState({ committed: false, machine: machine.snapshot() });
      const why =
        result.error instanceof Error
          ? `${result.error.name}: ${result.error.message}`
          : `exit code ${result.exitCode}`;
      throw new UncaughtCharmError(
        `${this.charmClass.name} failed in ${event.name}: ${why}`,
        result.error,
        failed,
        result.exitCode,
      );
    }
    this.removedSecretRevisions = backend.removedSecretRevisions;
    this.requestedStorages = backend.requestedStorages;
    const out = backend.outputState({
      committed: true,
      ...stateFromUnitState(store.load()),
      machine: machine.snapshot(),
    });
    if (event.kind === 'action' && backend.actionFailure !== undefined)
      throw new ActionFailed(backend.actionFailure, out);
    return out;
  }

  private reset(): void {
    this.jujuLog = [];
    this.unitStatusHistory = [];
    this.appStatusHistory = [];
    this.workloadVersionHistory = [];
    this.actionLogs = [];
    this.actionResults = undefined;
    this.removedSecretRevisions = [];
    this.requestedStorages = {};
    this.rebootRequested = undefined;
    this.machine = undefined;
    this.charm = undefined;
    this.emittedEvents = [];
  }

  // Names come from the State's copy of the relation or secret: the event's copy may be stale.
  private dispatchEvent(event: EventSpec, state: State): DispatchEvent {
    if (event.kind === 'action') return { kind: 'action', name: event.name, id: event.id };
    const out: DispatchEvent = { kind: 'hook', name: event.name };
    if (event.relation) {
      const rel = state.getRelation(event.relation.id);
      out.relation = { endpoint: rel.endpoint, id: rel.id };
      out.remoteApp = remoteAppOf(rel, this.appName);
      if (event.remoteUnit !== undefined) out.remoteUnit = unitName(rel, event.remoteUnit, this.appName);
      if (event.departingUnit !== undefined)
        out.departingUnit = unitName(rel, event.departingUnit, this.appName);
    }
    if (event.secret) {
      const secret = state.getSecret({ id: event.secret.id });
      out.secret = { id: secret.id };
      if (secret.label !== undefined) out.secret.label = secret.label;
      if (event.revision !== undefined) out.secret.revision = event.revision;
    }
    if (event.storage) out.storage = { name: event.storage.name, index: event.storage.index };
    return out;
  }
}

/** Metadata from a CharmMeta, YAML text, a charm directory or a charm.yaml path. */
function loadMeta(meta: CharmMeta | string): { meta: CharmMeta; dir?: string } {
  if (typeof meta !== 'string') return { meta };
  // YAML text has a key; a path has neither a newline nor `key:`.
  if (meta.includes('\n') || /^\s*[\w-]+\s*:/.test(meta))
    return { meta: parseCharmMeta(meta, '<charm.yaml text>') };
  if (!existsSync(meta)) throw new Error(`charm metadata: no such charm directory or file '${meta}'`);
  if (statSync(meta).isDirectory()) return { meta: loadCharmMeta(meta), dir: meta };
  return { meta: parseCharmMeta(readFileSync(meta, 'utf8'), meta), dir: dirname(meta) };
}
