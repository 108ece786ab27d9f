/**
 * The charm and helpers of the Model rules tests (model-rules*.test.ts): RulesCharm runs
 * each test's probe in its event handlers and adds each test's statuses on collect-status.
 */
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  MaintenanceStatus,
  WaitingStatus,
  type CollectStatusEvent,
  type EventBase,
  type Framework,
} from '../../framework/ops/index.js';
import { parseCharmMeta } from '../../framework/ops/meta/load.js';
import {
  Context,
  PeerRelation,
  Relation,
  State,
  UncaughtCharmError,
  type EventSpec,
} from '../../framework/testing/index.js';

/** RulesCharm's charm.yaml: a peer relation, a db endpoint, two options and the go action. */
export const meta = parseCharmMeta(
  `name: rules
peers:
  peers: { interface: rules-peers }
requires:
  db: { interface: db }
config:
  options:
    cluster-name: { type: string, default: hpc }
    nodes: { type: int, default: 2 }
actions:
  go:
    params:
      target: { type: string }
    required: [target]
    additionalProperties: false
`,
  'charm.yaml',
);

/** What a test runs inside the charm's handler for the event it dispatches. */
export type Probe = (charm: RulesCharm, event: EventBase) => unknown;
let probe: Probe = () => undefined;
type StatusInput = ActiveStatus | BlockedStatus | WaitingStatus | MaintenanceStatus;
/** The statuses the charm adds on collect-app-status and collect-unit-status. */
export const statuses: { app: StatusInput[]; unit: StatusInput[] } = { app: [], unit: [] };

/** Observes the events the tests dispatch; every handler runs the current probe. */
export class RulesCharm extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.install, this.onAny);
    this.observe(this.on.start, this.onAny);
    this.observe(this.on.stop, this.onAny);
    this.observe(this.on.remove, this.onAny);
    this.observe(this.on.updateStatus, this.onAny);
    this.observe(this.on.secretRotate, this.onAny);
    this.observe(this.on.relationChanged('db'), this.onAny);
    this.observe(this.on.relationBroken('db'), this.onAny);
    this.observe(this.on.relationDeparted('db'), this.onAny);
    this.observe(this.on.relationChanged('peers'), this.onAny);
    this.observe(this.on.action('go'), this.onAny);
    this.observe(this.on.collectAppStatus, this.onCollectApp);
    this.observe(this.on.collectUnitStatus, this.onCollectUnit);
  }
  onAny(event: EventBase): unknown {
    return probe(this, event);
  }
  onCollectApp(event: CollectStatusEvent): void {
    for (const s of statuses.app) event.addStatus(s);
  }
  onCollectUnit(event: CollectStatusEvent): void {
    for (const s of statuses.unit) event.addStatus(s);
  }
}

/** The Context every test dispatches through (emittedEvents, jujuLog, actionResults: the last run's). */
export const ctx = new Context(RulesCharm, { meta });
/** A db relation to pg, with data in every databag. */
export const db = () =>
  Relation({
    endpoint: 'db',
    remoteAppName: 'pg',
    remoteAppData: { host: '"10.0.0.5"', port: '5432' },
    remoteUnitsData: { 0: { 'ingress-address': '10.0.0.5' } },
    localAppData: { mine: 'x' },
  });
/** The peer relation: one other unit, and app data. */
export const peers = () =>
  PeerRelation({ endpoint: 'peers', peersData: { 1: { seen: 'yes' } }, localAppData: { shared: 'v' } });

/** Dispatch `event` (default update-status) with `p` as the charm's handler. */
export async function runProbe(
  p: Probe,
  state: State,
  event: EventSpec = ctx.on.updateStatus(),
): Promise<State> {
  probe = p;
  return ctx.run(event, state);
}

/** What the charm's handler threw when the dispatch failed (fails the test if it did not). */
export async function errorOf(
  p: Probe,
  state: State,
  event: EventSpec = ctx.on.updateStatus(),
): Promise<unknown> {
  try {
    await runProbe(p, state, event);
  } catch (e) {
    if (e instanceof UncaughtCharmError) return e.cause;
    throw e;
  }
  throw new Error('the dispatch did not fail');
}

/** Forget the last test's probe and statuses. */
export function resetRulesCharm(): void {
  probe = () => undefined;
  statuses.app = [];
  statuses.unit = [];
}
