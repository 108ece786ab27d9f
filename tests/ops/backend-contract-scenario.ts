/**
 * The model the ModelBackend contract suite (backend-contract.ts) runs over: the
 * scenario types, the default scenario, and the helpers the suite's parts share.
 */
import type { ConfigValue, ModelBackend, NetworkInfo, StatusInfo } from '../../framework/ops/backend.js';

/** One relation of the scenario, seen from the unit under test. */
export interface ContractRelation {
  id: number;
  endpoint: string;
  /** The other application; for a peer relation, the unit's own application. */
  remoteApp: string;
  peer?: boolean;
  localUnitData?: Record<string, string>;
  localAppData?: Record<string, string>;
  remoteAppData?: Record<string, string>;
  /** Remote units (peers: the other units) and their databags. */
  remoteUnits: Record<string, Record<string, string>>;
}

/** A secret that exists before the hook. */
export interface ContractSecret {
  /** `secret:<20 characters of [0-9a-z]>`. */
  id: string;
  /** application/unit: owned by this app/unit; remote: another app's secret granted to us. */
  owner: 'application' | 'unit' | 'remote';
  /** The owner's label, or for a remote secret the label this unit gave it. */
  label?: string;
  description?: string;
  /** Content of revisions 1..n. */
  revisions: Array<Record<string, string>>;
  /** The revision this unit tracks; absent: none yet (the first get tracks the latest). */
  tracked?: number;
}

/** An attached storage instance `name/index`. */
export interface ContractStorage {
  name: string;
  index: number;
  kind: 'filesystem' | 'block';
  location: string;
}

/** The model as the unit under test sees it when the hook starts. */
export interface ContractScenario {
  unitName: string;
  appName: string;
  modelName: string;
  modelUuid: string;
  leader: boolean;
  config: Record<string, ConfigValue>;
  relations: ContractRelation[];
  secrets: ContractSecret[];
  /** `80/tcp`, `8000-8999/udp`, `icmp`, opened on all endpoints. */
  openedPorts?: string[];
  /** Present when the hook is this action. */
  action?: { name: string; params: Record<string, unknown> };
  /** Statuses when the hook starts (default unknown with no message). */
  unitStatus?: StatusInfo;
  appStatus?: StatusInfo;
  storage?: ContractStorage[];
  /** network-get answers by binding name. */
  networks?: Record<string, NetworkInfo>;
}

/** What `open` returns: the backend under test and how to clean up after it. */
export interface ContractHandle {
  backend: ModelBackend;
  close?(): void;
}

/** Builds a backend over a fresh copy of the scenario. */
export type OpenContractBackend = (scenario: ContractScenario) => Promise<ContractHandle> | ContractHandle;

/** An application-owned secret with two revisions; the unit tracks revision 1. */
export const MUNGE_SECRET = 'secret:cq8c5ee0ooepnt5tr4ag';
/** A secret owned by the related database, granted to us, two revisions, tracked at 1. */
export const DB_SECRET = 'secret:cq8c5ee0ooepnt5tr4b0';
/** A well-formed id that no scenario holds. */
export const UNKNOWN_SECRET = 'secret:cq8c5ee0ooepnt5tr4zz';

/** The default scenario: the slurmctld leader, two slurmd relations, a peer relation, two secrets. */
export function contractScenario(overrides: Partial<ContractScenario> = {}): ContractScenario {
  return {
    unitName: 'slurmctld/0',
    appName: 'slurmctld',
    modelName: 'hpc',
    modelUuid: 'c0ffee00-1234-4abc-8def-0123456789ab',
    leader: true,
    config: { 'cluster-name': 'hpc', 'max-nodes': 1024, ratio: 0.75, 'enable-gpu': true, motd: '' },
    relations: [
      {
        id: 3,
        endpoint: 'slurmd',
        remoteApp: 'compute',
        localUnitData: { 'ingress-address': '10.1.0.5', hostname: 'ctl-0' },
        localAppData: { 'cluster-name': 'hpc' },
        remoteAppData: { partition: 'compute' },
        remoteUnits: { 'compute/1': { hostname: 'compute-1' }, 'compute/0': { hostname: 'compute-0' } },
      },
      { id: 4, endpoint: 'slurmd', remoteApp: 'gpu', remoteUnits: { 'gpu/0': { hostname: 'gpu-0' } } },
      {
        id: 7,
        endpoint: 'slurmctld-peers',
        remoteApp: 'slurmctld',
        peer: true,
        localAppData: { 'munge-key-id': MUNGE_SECRET },
        remoteUnits: { 'slurmctld/1': { hostname: 'ctl-1' } },
      },
      { id: 9, endpoint: 'database', remoteApp: 'mysql', remoteUnits: {} },
    ],
    secrets: [
      {
        id: MUNGE_SECRET,
        owner: 'application',
        label: 'munge-key',
        description: 'the cluster munge key',
        revisions: [{ key: 'munge-v1' }, { key: 'munge-v2' }],
        tracked: 1,
      },
      {
        id: DB_SECRET,
        owner: 'remote',
        revisions: [{ password: 'db-v1' }, { password: 'db-v2' }],
        tracked: 1,
      },
    ],
    openedPorts: ['6817/tcp'],
    unitStatus: { status: 'maintenance', message: 'installing' },
    appStatus: { status: 'waiting', message: 'for compute nodes' },
    storage: [{ name: 'statedir', index: 0, kind: 'filesystem', location: '/var/spool/slurmctld' }],
    networks: {
      slurmd: {
        bindAddresses: [
          {
            interfaceName: 'eth0',
            macAddress: '00:16:3e:aa:bb:cc',
            addresses: [{ hostname: 'ctl-0', value: '10.1.0.5', cidr: '10.1.0.0/24' }],
          },
        ],
        ingressAddresses: ['10.1.0.5'],
        egressSubnets: ['10.1.0.0/24'],
      },
    },
    ...overrides,
  };
}

/** The same secret, whatever form its id takes (`secret:x`, `secret://model/x`). */
export function sameSecret(a: string, b: string): boolean {
  const xid = (s: string) => s.slice(Math.max(s.lastIndexOf('/'), s.lastIndexOf(':')) + 1);
  return xid(a) === xid(b);
}

/** A backend over the default scenario with `overrides`, closed after the test. */
export type BackendFor = (overrides?: Partial<ContractScenario>) => Promise<ModelBackend>;

/** Scenario overrides: the unit under test is not the leader. */
export const nonLeader = { leader: false };

/** A sorted copy. */
export const sorted = (xs: readonly string[]) => [...xs].sort();

/** The error `fn` throws (fails the test if it returns). */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
