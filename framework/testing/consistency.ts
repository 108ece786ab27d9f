/**
 * The consistency checker: rejects (event, State) pairs that Juju could never
 * produce, before any charm code runs, with one message listing every problem.
 * Modelled on ops.testing's `_consistency_checker.py`.
 */
import { ActionParamsError } from '../ops/errors.js';
import { jsonProblem } from '../ops/framework/json.js';
import { validateActionParams } from '../ops/meta/actions.js';
import { configTypeName, describeValue, fitsConfigType } from '../ops/meta/config.js';
import type { CharmMeta } from '../ops/meta/types.js';
import { remoteAppOf, unitName, type EventSpec, type HookEventSpec } from './events.js';
import { own } from './internal.js';
import type { State } from './state.js';
import { remoteUnitIds, type AnyRelation } from './state-relation.js';
import { secretUniqueId } from './state-secret.js';

/** An impossible scenario; `problems` lists each reason. */
export class InconsistentScenarioError extends Error {
  override name = 'InconsistentScenarioError';
  constructor(readonly problems: readonly string[]) {
    super(`inconsistent scenario:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** What the checker looks at: `{ meta, state, event: ctx.on.install(), appName: 'demo', unitId: 0 }`. */
export interface ConsistencyInput {
  meta: CharmMeta;
  state: State;
  event: EventSpec;
  appName: string;
  unitId: number;
}

/** Throw InconsistentScenarioError if the event and State could not happen under Juju. */
export function checkConsistency(input: ConsistencyInput): void {
  const problems = [
    ...checkRelations(input),
    ...checkConfig(input.meta, input.state),
    ...checkSecrets(input.state),
    ...checkStorages(input.meta, input.state),
    ...checkNetworks(input.meta, input.state),
    ...checkStoredAndDeferred(input.state),
    ...checkEvent(input),
  ];
  if (problems.length) throw new InconsistentScenarioError(problems);
}

function declaredList(names: string[]): string {
  return names.length ? names.join(', ') : 'none';
}

function checkRelations({ meta, state, unitId }: ConsistencyInput): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (const rel of state.relations) {
    const where = `relation ${rel.endpoint}:${rel.id}`;
    if (seen.has(rel.id))
      out.push(`relation id ${rel.id} is used by more than one relation in State.relations`);
    seen.add(rel.id);
    const ep = own(meta.endpoints, rel.endpoint);
    if (!ep) {
      out.push(
        `${where}: charm '${meta.name}' declares no endpoint '${rel.endpoint}' (declared: ${declaredList(Object.keys(meta.endpoints))})`,
      );
      continue;
    }
    if (rel.kind === 'peer' && ep.role !== 'peers')
      out.push(`${where} is a PeerRelation but '${rel.endpoint}' is a ${ep.role} endpoint; use Relation`);
    if (rel.kind !== 'peer' && ep.role === 'peers')
      out.push(`${where}: '${rel.endpoint}' is a peers endpoint; use PeerRelation`);
    if (rel.kind === 'subordinate' && ep.scope !== 'container') {
      out.push(
        `${where} is a SubordinateRelation but endpoint '${rel.endpoint}' has scope ${ep.scope}, not container`,
      );
    }
    if (rel.kind === 'relation' && ep.scope === 'container' && meta.subordinate) {
      out.push(
        `${where}: a subordinate charm's container-scoped endpoint relates to one principal unit; use SubordinateRelation`,
      );
    }
    if (rel.interface !== undefined && rel.interface !== ep.interface) {
      out.push(
        `${where} has interface '${rel.interface}' but endpoint '${rel.endpoint}' declares '${ep.interface}'`,
      );
    }
    if (rel.kind === 'peer' && remoteUnitIds(rel).includes(unitId)) {
      out.push(
        `${where}: peersData holds unit ${unitId}, which is the unit under test; its own bag is localUnitData`,
      );
    }
  }
  for (const ep of Object.values(meta.endpoints)) {
    const count = state.relations.filter((r) => r.endpoint === ep.name).length;
    if (ep.limit !== undefined && count > ep.limit)
      out.push(`endpoint '${ep.name}' has limit ${ep.limit} but State has ${count} relations on it`);
  }
  return out;
}

function checkConfig(meta: CharmMeta, state: State): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(state.config)) {
    const opt = own(meta.config, key);
    if (!opt)
      out.push(
        `config option '${key}' is not declared (charm '${meta.name}' declares: ${declaredList(Object.keys(meta.config))})`,
      );
    else if (!fitsConfigType(opt.type, value)) {
      out.push(
        `config option '${key}' should be ${opt.type === 'secret' ? 'a secret id (secret:...)' : configTypeName(opt.type)}, got ${describeValue(value)}`,
      );
    }
  }
  return out;
}

function checkSecrets(state: State): string[] {
  const out: string[] = [];
  const ids = new Set<string>();
  const labels = new Set<string>();
  for (const s of state.secrets) {
    const uid = secretUniqueId(s.id);
    if (ids.has(uid)) out.push(`secret ${s.id} appears more than once in State.secrets`);
    ids.add(uid);
    if (s.owner !== null && s.label !== undefined) {
      if (labels.has(s.label)) out.push(`two owned secrets share the label '${s.label}'`);
      labels.add(s.label);
    }
    for (const rel of Object.keys(s.remoteGrants)) {
      if (!state.relations.some((r) => r.id === Number(rel)))
        out.push(`secret ${s.id} is granted on relation ${rel}, which is not in State.relations`);
    }
  }
  return out;
}

function checkStorages(meta: CharmMeta, state: State): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const st of state.storages) {
    const id = `${st.name}/${st.index}`;
    if (seen.has(id)) out.push(`storage ${id} appears more than once in State.storages`);
    seen.add(id);
    if (!own(meta.storage, st.name))
      out.push(`storage '${st.name}' is not declared (declared: ${declaredList(Object.keys(meta.storage))})`);
  }
  for (const sm of Object.values(meta.storage)) {
    const count = state.storages.filter((s) => s.name === sm.name).length;
    if (sm.count.max !== undefined && count > sm.count.max)
      out.push(`storage '${sm.name}' allows at most ${sm.count.max} instances, State has ${count}`);
  }
  return out;
}

function checkNetworks(meta: CharmMeta, state: State): string[] {
  const out: string[] = [];
  const bindings = [...Object.keys(meta.endpoints), ...meta.extraBindings];
  const seen = new Set<string>();
  for (const n of state.networks) {
    if (seen.has(n.bindingName))
      out.push(`network binding '${n.bindingName}' appears more than once in State.networks`);
    seen.add(n.bindingName);
    if (!bindings.includes(n.bindingName))
      out.push(
        `network binding '${n.bindingName}' is neither an endpoint nor an extra-binding (known: ${declaredList(bindings)})`,
      );
  }
  return out;
}

function checkStoredAndDeferred(state: State): string[] {
  const out: string[] = [];
  const stored = new Set<string>();
  for (const s of state.storedStates) {
    const key = `${s.ownerPath}/StoredStateData[${s.name}]`;
    if (stored.has(key)) out.push(`stored state '${s.name}' of ${s.ownerPath} appears more than once`);
    stored.add(key);
    const problem = jsonProblem(s.content);
    if (problem) out.push(`stored state '${s.name}' of ${s.ownerPath}: ${problem}`);
  }
  const notices = new Set<string>();
  for (const d of state.deferred) {
    if (
      !/^[^/[\]]+(\[[^\]]*\])?(\/[^/[\]]+(\[[^\]]*\])?)*$/.test(d.handlePath) ||
      !d.handlePath.includes('/on/')
    ) {
      out.push(
        `deferred event path '${d.handlePath}' is not an event handle path like 'DemoCharm/on/install[1]'`,
      );
    }
    const key = `${d.handlePath} ${d.observerPath}.${d.method}`;
    if (/\[\d+\]$/.test(d.handlePath) && notices.has(key)) out.push(`deferred notice ${key} appears twice`);
    notices.add(key);
  }
  return out;
}

function checkEvent(input: ConsistencyInput): string[] {
  const { meta, event } = input;
  if (event.kind === 'action') {
    if (!own(meta.actions, event.name)) {
      return [
        `action '${event.name}' is not declared (charm '${meta.name}' declares: ${declaredList(Object.keys(meta.actions))})`,
      ];
    }
    try {
      validateActionParams(meta, event.name, event.params);
    } catch (e) {
      if (e instanceof ActionParamsError) return [e.message];
      throw e;
    }
    return [];
  }
  if (event.relation) return checkRelationEvent(input, event, event.relation);
  if (event.secret) return checkSecretEvent(input, event);
  if (event.storage) {
    const st = event.storage;
    if (!own(meta.storage, st.name))
      return [
        `${event.name}: storage '${st.name}' is not declared (declared: ${declaredList(Object.keys(meta.storage))})`,
      ];
    if (!input.state.storages.some((s) => s.name === st.name && s.index === st.index)) {
      return [`${event.name}: storage ${st.name}/${st.index} is not in State.storages`];
    }
    return [];
  }
  if (event.name === 'leader-elected' && !input.state.leader)
    return ['leader-elected goes to the leader, but State.leader is false'];
  if (event.name === 'leader-settings-changed' && input.state.leader) {
    return ['leader-settings-changed goes to non-leaders, but State.leader is true'];
  }
  return [];
}

function checkRelationEvent(input: ConsistencyInput, event: HookEventSpec, rel: AnyRelation): string[] {
  const { meta, state, appName } = input;
  const out: string[] = [];
  const where = `${event.name}`;
  if (!own(meta.endpoints, rel.endpoint)) {
    return [
      `${where}: charm '${meta.name}' declares no endpoint '${rel.endpoint}' (declared: ${declaredList(Object.keys(meta.endpoints))})`,
    ];
  }
  const inState = state.relations.find((r) => r.id === rel.id);
  if (!inState)
    return [`${where}: relation ${rel.endpoint}:${rel.id} is not in State.relations; add it to the State`];
  if (inState.endpoint !== rel.endpoint || inState.kind !== rel.kind) {
    out.push(
      `${where}: relation id ${rel.id} in State is ${inState.kind} ${inState.endpoint}, not ${rel.kind} ${rel.endpoint}`,
    );
  }
  const remote = new Set(remoteUnitIds(inState).map((id) => `${remoteAppOf(inState, appName)}/${id}`));
  const self = `${appName}/${input.unitId}`;
  const isKind = (suffix: string): boolean => event.name.endsWith(`-relation-${suffix}`);
  if (isKind('broken') && rel.kind === 'peer')
    out.push(`${where}: Juju never sends relation-broken for a peer relation`);
  if ((isKind('joined') || isKind('departed')) && event.remoteUnit === undefined) {
    out.push(
      `${where}: relation ${rel.endpoint}:${rel.id} has ${remote.size} remote units; say which with { remoteUnit }`,
    );
  }
  if (event.remoteUnit !== undefined) {
    const name = unitName(inState, event.remoteUnit, appName);
    if (!remote.has(name))
      out.push(
        `${where}: remote unit ${name} is not in relation ${rel.endpoint}:${rel.id} (units: ${declaredList([...remote])})`,
      );
  }
  if (event.departingUnit !== undefined) {
    const name = unitName(inState, event.departingUnit, appName);
    if (name !== self && !remote.has(name)) {
      out.push(
        `${where}: departing unit ${name} is neither this unit (${self}) nor a unit of relation ${rel.endpoint}:${rel.id}`,
      );
    }
  }
  return out;
}

function checkSecretEvent(input: ConsistencyInput, event: HookEventSpec): string[] {
  const secret = event.secret;
  if (!secret) return [];
  const s = input.state.secrets.find((x) => secretUniqueId(x.id) === secretUniqueId(secret.id));
  if (!s) return [`${event.name}: secret ${secret.id} is not in State.secrets`];
  const out: string[] = [];
  if (event.name === 'secret-changed' && s.owner !== null) {
    out.push(`secret-changed goes to consumers, but secret ${s.id} is owned by this ${s.owner}`);
  }
  if (event.name !== 'secret-changed') {
    if (s.owner === null)
      out.push(
        `${event.name} goes to the secret's owner, but secret ${s.id} is owned by another application`,
      );
    if (s.owner === 'app' && !input.state.leader)
      out.push(`${event.name} for an application secret goes to the leader, but State.leader is false`);
  }
  if (event.name === 'secret-expired' || event.name === 'secret-remove') {
    if (event.revision === undefined || !Number.isInteger(event.revision) || event.revision < 1) {
      out.push(`${event.name} needs a revision (a positive integer), got ${describeValue(event.revision)}`);
    } else if (event.revision > s.latestRevision) {
      out.push(
        `${event.name}: secret ${s.id} has no revision ${event.revision} (latest is ${s.latestRevision})`,
      );
    }
  }
  return out;
}
