/**
 * The ModelBackend contract suite: one set of jest tests that every backend passes
 * (JujuBackend over the fake agent, the testing backend, the controller's backend).
 * It observes behaviour only through the ModelBackend interface.
 *
 * Within one hook a backend shows the unit its own writes (relation data, secrets,
 * ports), as Juju's hook context does for relation-get.
 *
 * @example
 *   describeBackendContract('in-memory', (scenario) => ({ backend: new MemoryBackend(scenario) }));
 */
import type {
  ConfigValue,
  ModelBackend,
  NetworkInfo,
  Port,
  StatusInfo,
} from '../../framework/ops/backend.js';
import { formatPort } from '../../framework/ops/backend.js';
import { ModelError, RelationNotFoundError, SecretNotFoundError } from '../../framework/ops/errors.js';

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

const sorted = (xs: readonly string[]) => [...xs].sort();
const portTexts = (ps: readonly Port[]) => sorted(ps.map(formatPort));

/** Register the contract's jest tests for one backend. */
export function describeBackendContract(name: string, open: OpenContractBackend): void {
  describe(`ModelBackend contract: ${name}`, () => {
    let handles: ContractHandle[] = [];
    afterEach(() => {
      for (const h of handles) h.close?.();
      handles = [];
    });
    const backendFor = async (overrides: Partial<ContractScenario> = {}): Promise<ModelBackend> => {
      const h = await open(contractScenario(overrides));
      handles.push(h);
      return h.backend;
    };
    const nonLeader = { leader: false };
    const inAction = {
      action: {
        name: 'drain',
        params: { nodes: 'compute-[0-3]', reason: 'maintenance', options: { force: true, timeout: 30 } },
      },
    };

    it('knows which unit, application and model it serves', async () => {
      const b = await backendFor();
      expect([b.unitName, b.appName, b.modelName, b.modelUuid]).toEqual([
        'slurmctld/0',
        'slurmctld',
        'hpc',
        'c0ffee00-1234-4abc-8def-0123456789ab',
      ]);
    });

    describe('relations', () => {
      it('lists relation ids per endpoint, and none for an endpoint without relations', async () => {
        const b = await backendFor();
        expect([...b.relationIds('slurmd')].sort()).toEqual([3, 4]);
        expect(b.relationIds('slurmctld-peers')).toEqual([7]);
        expect(b.relationIds('nfs')).toEqual([]);
      });

      it('lists remote units (peers: the other units) and the remote application', async () => {
        const b = await backendFor();
        expect(sorted(b.relationList(3))).toEqual(['compute/0', 'compute/1']);
        expect(b.relationList(7)).toEqual(['slurmctld/1']);
        expect(b.relationList(9)).toEqual([]);
        expect(b.relationRemoteApp(4)).toBe('gpu');
        expect(b.relationRemoteApp(7)).toBe('slurmctld');
      });

      it('reads remote unit, remote app, own unit and (leader) own app databags', async () => {
        const b = await backendFor();
        expect(b.relationGet(3, 'compute/0', false)).toEqual({ hostname: 'compute-0' });
        expect(b.relationGet(3, 'compute', true)).toEqual({ partition: 'compute' });
        expect(b.relationGet(3, 'slurmctld/0', false)).toEqual({
          'ingress-address': '10.1.0.5',
          hostname: 'ctl-0',
        });
        expect(b.relationGet(3, 'slurmctld', true)).toEqual({ 'cluster-name': 'hpc' });
        expect(b.relationGet(4, 'gpu', true)).toEqual({});
      });

      it('shows the unit its own writes; an empty string deletes a key, other keys stay', async () => {
        const b = await backendFor();
        b.relationIds('slurmd');
        b.relationSet(3, { 'slurm-conf': 'v1', hostname: '' }, false);
        expect(b.relationGet(3, 'slurmctld/0', false)).toEqual({
          'ingress-address': '10.1.0.5',
          'slurm-conf': 'v1',
        });
        b.relationSet(3, { 'slurm-conf': 'v2' }, false);
        expect(b.relationGet(3, 'slurmctld/0', false)['slurm-conf']).toBe('v2');
      });

      it('lets the leader write its application databag', async () => {
        const b = await backendFor();
        b.relationSet(3, { 'cluster-name': 'hpc2', 'auth-type': 'munge' }, true);
        expect(b.relationGet(3, 'slurmctld', true)).toEqual({ 'cluster-name': 'hpc2', 'auth-type': 'munge' });
      });

      it('refuses a non-leader write to the app databag and a non-peer own-app read', async () => {
        const b = await backendFor(nonLeader);
        expect(() => b.relationSet(3, { 'cluster-name': 'x' }, true)).toThrow(ModelError);
        expect(() => b.relationGet(3, 'slurmctld', true)).toThrow(ModelError);
        expect(b.relationGet(7, 'slurmctld', true)).toEqual({ 'munge-key-id': MUNGE_SECRET });
      });

      it('rejects non-string values', async () => {
        const b = await backendFor();
        const bad: Record<string, string> = JSON.parse('{"count": 5}');
        expect(() => b.relationSet(3, bad, false)).toThrow(ModelError);
      });

      it('throws RelationNotFoundError for an unknown relation id', async () => {
        const b = await backendFor();
        expect(() => b.relationList(99)).toThrow(RelationNotFoundError);
        expect(() => b.relationRemoteApp(99)).toThrow(RelationNotFoundError);
        expect(() => b.relationGet(99, 'compute/0', false)).toThrow(RelationNotFoundError);
        expect(() => b.relationSet(99, { a: 'b' }, false)).toThrow(RelationNotFoundError);
      });

      it('throws ModelError for a unit that is not in the relation', async () => {
        const b = await backendFor();
        const err = catchError(() => b.relationGet(3, 'gpu/0', false));
        expect(err).toBeInstanceOf(ModelError);
        expect(err).not.toBeInstanceOf(RelationNotFoundError);
      });
    });

    it('returns typed config values', async () => {
      const b = await backendFor();
      expect(b.configGet()).toEqual({
        'cluster-name': 'hpc',
        'max-nodes': 1024,
        ratio: 0.75,
        'enable-gpu': true,
        motd: '',
      });
    });

    it('reports leadership', async () => {
      expect((await backendFor()).isLeader()).toBe(true);
      expect((await backendFor(nonLeader)).isLeader()).toBe(false);
    });

    describe('status', () => {
      it('reads and sets the unit status', async () => {
        const b = await backendFor();
        expect(b.statusGet(false)).toEqual({ status: 'maintenance', message: 'installing' });
        b.statusSet('active', 'ready', false);
        expect(b.statusGet(false)).toEqual({ status: 'active', message: 'ready' });
        b.statusSet('blocked', '', false);
        expect(b.statusGet(false)).toEqual({ status: 'blocked', message: '' });
      });

      it('lets the leader read and set the application status, with its units', async () => {
        const b = await backendFor();
        expect(b.statusGet(true)).toMatchObject({ status: 'waiting', message: 'for compute nodes' });
        b.statusSet('active', '-2 nodes down', true);
        b.statusSet('active', 'ok', false);
        const app = b.statusGet(true);
        expect([app.status, app.message]).toEqual(['active', '-2 nodes down']);
        expect(app.units['slurmctld/0']).toEqual({ status: 'active', message: 'ok' });
      });

      it('refuses application status to a non-leader', async () => {
        const b = await backendFor(nonLeader);
        expect(() => b.statusGet(true)).toThrow(ModelError);
        expect(() => b.statusSet('active', '', true)).toThrow(ModelError);
        b.statusSet('active', 'fine', false);
      });

      it('refuses the Juju-owned statuses error and unknown', async () => {
        const b = await backendFor();
        expect(() => b.statusSet('error', 'x', false)).toThrow(ModelError);
        expect(() => b.statusSet('unknown', '', false)).toThrow(ModelError);
      });
    });

    describe('actions', () => {
      it('reads params and takes results, logs and failure inside an action', async () => {
        const b = await backendFor(inAction);
        expect(b.actionGet()).toEqual(inAction.action.params);
        b.actionLog('draining 4 nodes');
        b.actionSet({ drained: '4', 'detail.first': 'compute-0' });
        b.actionFail('compute-3 did not drain');
      });

      it('refuses action tools outside an action', async () => {
        const b = await backendFor();
        expect(() => b.actionGet()).toThrow(ModelError);
        expect(() => b.actionSet({ a: 'b' })).toThrow(ModelError);
        expect(() => b.actionLog('x')).toThrow(ModelError);
        expect(() => b.actionFail('x')).toThrow(ModelError);
      });
    });

    it('logs at every level, messages starting with a dash included', async () => {
      const b = await backendFor();
      for (const level of ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const)
        b.jujuLog(level, `-${level} line`);
    });

    describe('secrets', () => {
      it('adds a secret that get (by id and label), info-get and secret-ids know', async () => {
        const b = await backendFor();
        const expire = new Date('2030-01-02T03:04:05Z');
        const content = { token: 'tok-1', 'api-key': 'ak-1' };
        const id = b.secretAdd(content, {
          owner: 'application',
          label: 'api',
          description: 'API token',
          expire,
          rotate: 'monthly',
        });
        expect(id).toMatch(/^secret:/);
        expect(b.secretGet({ id })).toEqual(content);
        expect(b.secretGet({ label: 'api' })).toEqual(content);
        const info = b.secretInfoGet({ id });
        expect(sameSecret(info.id, id)).toBe(true);
        expect(info).toMatchObject({
          revision: 1,
          label: 'api',
          description: 'API token',
          rotation: 'monthly',
        });
        expect(info.expires?.toISOString()).toBe(expire.toISOString());
        expect(b.secretIds().some((x) => sameSecret(x, id))).toBe(true);
        const mine = b.secretAdd({ password: 'unit-pw' }, { owner: 'unit' });
        expect(b.secretGet({ id: mine })).toEqual({ password: 'unit-pw' });
      });

      it('returns the tracked revision; peek shows the latest; refresh moves tracking', async () => {
        const b = await backendFor();
        expect(b.secretGet({ id: MUNGE_SECRET })).toEqual({ key: 'munge-v1' });
        expect(b.secretGet({ id: MUNGE_SECRET, peek: true })).toEqual({ key: 'munge-v2' });
        expect(b.secretGet({ id: MUNGE_SECRET })).toEqual({ key: 'munge-v1' });
        expect(b.secretGet({ label: 'munge-key', refresh: true })).toEqual({ key: 'munge-v2' });
        expect(b.secretGet({ id: MUNGE_SECRET })).toEqual({ key: 'munge-v2' });
      });

      it('gives the owner metadata by id and by label', async () => {
        const b = await backendFor();
        for (const info of [b.secretInfoGet({ id: MUNGE_SECRET }), b.secretInfoGet({ label: 'munge-key' })]) {
          expect(sameSecret(info.id, MUNGE_SECRET)).toBe(true);
          expect(info).toMatchObject({
            revision: 2,
            label: 'munge-key',
            description: 'the cluster munge key',
          });
        }
      });

      it('creates a revision on set: peek and refresh see it, tracking does not move by itself', async () => {
        const b = await backendFor();
        b.secretSet(MUNGE_SECRET, { content: { key: 'munge-v3' } });
        expect(b.secretGet({ id: MUNGE_SECRET, peek: true })).toEqual({ key: 'munge-v3' });
        expect(b.secretGet({ id: MUNGE_SECRET })).toEqual({ key: 'munge-v1' });
        expect(b.secretGet({ id: MUNGE_SECRET, refresh: true })).toEqual({ key: 'munge-v3' });
      });

      it('labels a consumed secret when got by id with a label', async () => {
        const b = await backendFor();
        expect(b.secretGet({ id: DB_SECRET, label: 'db-password' })).toEqual({ password: 'db-v1' });
        expect(b.secretGet({ label: 'db-password' })).toEqual({ password: 'db-v1' });
        expect(b.secretGet({ label: 'db-password', peek: true })).toEqual({ password: 'db-v2' });
        expect(() => b.secretInfoGet({ id: DB_SECRET })).toThrow(SecretNotFoundError);
      });

      it('grants, revokes and removes', async () => {
        const b = await backendFor();
        b.secretGrant(MUNGE_SECRET, 3);
        b.secretGrant(MUNGE_SECRET, 4, 'gpu/0');
        b.secretRevoke(MUNGE_SECRET, 4, 'gpu/0');
        b.secretRevoke(MUNGE_SECRET, 3);
        expect(() => b.secretGrant(MUNGE_SECRET, 99)).toThrow(ModelError);
        b.secretRemove(MUNGE_SECRET, 1);
        const id = b.secretAdd({ token: 'short-lived' }, { owner: 'application' });
        b.secretRemove(id);
      });

      it('throws SecretNotFoundError for unknown ids and labels', async () => {
        const b = await backendFor();
        expect(() => b.secretGet({ id: UNKNOWN_SECRET })).toThrow(SecretNotFoundError);
        expect(() => b.secretGet({ label: 'no-such-label' })).toThrow(SecretNotFoundError);
        expect(() => b.secretInfoGet({ id: UNKNOWN_SECRET })).toThrow(SecretNotFoundError);
        expect(() => b.secretInfoGet({ label: 'no-such-label' })).toThrow(SecretNotFoundError);
        expect(() => b.secretSet(UNKNOWN_SECRET, { content: { key: 'x1' } })).toThrow(SecretNotFoundError);
        expect(() => b.secretRemove(UNKNOWN_SECRET)).toThrow(SecretNotFoundError);
      });

      it('refuses bad content without echoing secret values', async () => {
        const b = await backendFor();
        const err = catchError(() => b.secretAdd({ 'Bad Key': 'hunter2-value' }, { owner: 'application' }));
        expect(err).toBeInstanceOf(ModelError);
        expect(String(err)).not.toContain('hunter2-value');
        expect(() => b.secretAdd({ ab: 'too-short-key' }, { owner: 'application' })).toThrow(ModelError);
        expect(() => b.secretAdd({}, { owner: 'application' })).toThrow(ModelError);
      });
    });

    describe('ports', () => {
      it('opens, lists and closes ports, ranges and icmp', async () => {
        const b = await backendFor();
        expect(portTexts(b.openedPorts())).toEqual(['6817/tcp']);
        b.openPort({ protocol: 'tcp', port: 6818 }, ['slurmd']);
        b.openPort({ protocol: 'udp', port: 60001, toPort: 60100 });
        b.openPort({ protocol: 'icmp' });
        expect(portTexts(b.openedPorts())).toEqual(
          sorted(['60001-60100/udp', '6817/tcp', '6818/tcp', 'icmp']),
        );
        b.closePort({ protocol: 'tcp', port: 6817 });
        b.closePort({ protocol: 'icmp' });
        expect(portTexts(b.openedPorts())).toEqual(sorted(['60001-60100/udp', '6818/tcp']));
      });
    });

    describe('network', () => {
      it('answers network-get for a binding, also scoped to a relation', async () => {
        const b = await backendFor();
        const expected = contractScenario().networks?.slurmd;
        expect(b.networkGet('slurmd')).toEqual(expected);
        expect(b.networkGet('slurmd', 3)).toEqual(expected);
        expect(() => b.networkGet('slurmd', 99)).toThrow(RelationNotFoundError);
      });
    });

    it('sets the application version', async () => {
      const b = await backendFor();
      b.applicationVersionSet('22.05.8');
      b.applicationVersionSet('-rc1');
    });

    describe('storage', () => {
      it('lists, describes and requests storage', async () => {
        const b = await backendFor();
        expect(b.storageList('statedir')).toEqual(['statedir/0']);
        expect(b.storageList('scratch')).toEqual([]);
        expect(b.storageGet('statedir/0')).toEqual({ kind: 'filesystem', location: '/var/spool/slurmctld' });
        expect(() => b.storageGet('statedir/7')).toThrow(ModelError);
        b.storageAdd({ statedir: 1 });
        expect(() => b.storageAdd({ statedir: 0 })).toThrow(ModelError);
      });
    });

    it('reports goal state for units and relations', async () => {
      const b = await backendFor();
      const goal = b.goalState();
      expect(goal.units['slurmctld/0']?.status).toEqual(expect.any(String));
      expect(Object.keys(goal.relations.slurmd ?? {})).toEqual(
        expect.arrayContaining(['compute', 'compute/0', 'gpu']),
      );
    });

    it('takes a reboot request', async () => {
      const b = await backendFor();
      b.reboot(false);
    });
  });
}

/** The error `fn` throws (fails the test if it returns). */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
