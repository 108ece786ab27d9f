/**
 * The testing backend over a ContractScenario (tests/ops/backend-contract.ts), through
 * an adapter from the scenario to a State. Shared by the suites that run the contract
 * on it directly and behind the hook-tool server (tests/controller/isolation-tools.test.ts).
 */
import type {
  CharmMeta,
  ConfigOptionType,
  EndpointMeta,
  StorageMeta,
} from '../../framework/ops/meta/types.js';
import { StatusBase } from '../../framework/ops/status.js';
import { TestingBackend } from '../../framework/testing/backend.js';
import {
  Network,
  PeerRelation,
  Relation,
  Secret,
  State,
  Storage,
  type AnyRelation,
} from '../../framework/testing/index.js';
import type { ContractScenario } from '../ops/backend-contract.js';
import { parsePort } from '../../framework/ops/backend.js';

function unitNumber(name: string): number {
  const n = Number(name.split('/')[1]);
  if (!Number.isInteger(n)) throw new Error(`not a unit name: ${name}`);
  return n;
}

function relationOf(r: ContractScenario['relations'][number]): AnyRelation {
  const units: Record<number, Record<string, string>> = {};
  for (const [name, bag] of Object.entries(r.remoteUnits)) units[unitNumber(name)] = bag;
  const common = {
    endpoint: r.endpoint,
    id: r.id,
    localAppData: r.localAppData ?? {},
    localUnitData: r.localUnitData ?? {},
  };
  return r.peer
    ? PeerRelation({ ...common, peersData: units })
    : Relation({
        ...common,
        remoteAppName: r.remoteApp,
        remoteAppData: r.remoteAppData ?? {},
        remoteUnitsData: units,
      });
}

function configType(v: unknown): ConfigOptionType {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return 'string';
}

/** Metadata declaring what the scenario uses, so the backend's metadata checks run too. */
function metaOf(s: ContractScenario): CharmMeta {
  const endpoints: Record<string, EndpointMeta> = {};
  for (const r of s.relations) {
    endpoints[r.endpoint] = {
      name: r.endpoint,
      role: r.peer ? 'peers' : 'requires',
      interface: r.endpoint,
      optional: false,
      scope: 'global',
    };
  }
  const storage: Record<string, StorageMeta> = {};
  for (const st of s.storage ?? []) {
    storage[st.name] = {
      name: st.name,
      type: st.kind,
      description: '',
      shared: false,
      readOnly: false,
      properties: [],
      count: { min: 0 },
    };
  }
  return {
    name: s.appName,
    summary: '',
    description: '',
    subordinate: false,
    endpoints,
    storage,
    config: Object.fromEntries(
      Object.entries(s.config).map(([k, v]) => [k, { name: k, type: configType(v), description: '' }]),
    ),
    actions: s.action
      ? {
          [s.action.name]: {
            name: s.action.name,
            description: '',
            params: {},
            required: [],
            additionalProperties: true,
            executionGroup: '',
            parallel: false,
          },
        }
      : {},
    extraBindings: Object.keys(s.networks ?? {}).filter((b) => !(b in endpoints)),
  };
}

function stateOf(s: ContractScenario): State {
  return State({
    leader: s.leader,
    config: s.config,
    model: { name: s.modelName, uuid: s.modelUuid },
    relations: s.relations.map(relationOf),
    secrets: s.secrets.map((sec) => {
      const latest = sec.revisions.length;
      const tracked = sec.tracked ?? latest;
      return Secret({
        id: sec.id,
        owner: sec.owner === 'application' ? 'app' : sec.owner === 'unit' ? 'unit' : null,
        label: sec.label,
        description: sec.description,
        trackedContent: sec.revisions[tracked - 1] ?? {},
        latestContent: sec.revisions[latest - 1] ?? {},
        trackedRevision: tracked,
        latestRevision: latest,
      });
    }),
    openedPorts: (s.openedPorts ?? []).map(parsePort),
    unitStatus: s.unitStatus ? StatusBase.fromName(s.unitStatus.status, s.unitStatus.message) : undefined,
    appStatus: s.appStatus ? StatusBase.fromName(s.appStatus.status, s.appStatus.message) : undefined,
    storages: (s.storage ?? []).map((st) =>
      Storage({ name: st.name, index: st.index, location: st.location }),
    ),
    networks: Object.entries(s.networks ?? {}).map(([bindingName, n]) => Network({ bindingName, ...n })),
  });
}

/** A TestingBackend holding the scenario, as the contract suite opens it. */
export function testingBackendFor(scenario: ContractScenario): TestingBackend {
  const [appName] = scenario.unitName.split('/');
  return new TestingBackend({
    state: stateOf(scenario),
    appName: appName ?? scenario.appName,
    unitId: unitNumber(scenario.unitName),
    meta: metaOf(scenario),
    event: scenario.action
      ? { kind: 'action', name: scenario.action.name, params: scenario.action.params }
      : { kind: 'hook', name: 'config-changed' },
  });
}
