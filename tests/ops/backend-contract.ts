/**
 * The ModelBackend contract suite: one set of jest tests that every backend passes
 * (JujuBackend over the fake agent, the testing backend, the controller's backend).
 * It observes behaviour only through the ModelBackend interface.
 *
 * Within one hook a backend shows the unit its own writes (relation data, secrets,
 * ports), as Juju's hook context does for relation-get.
 *
 * This file is the entry point and holds the smaller parts; the scenario lives in
 * backend-contract-scenario.ts, relations and secrets in backend-contract-relations.ts
 * and backend-contract-secrets.ts.
 *
 * @example
 *   describeBackendContract('in-memory', (scenario) => ({ backend: new MemoryBackend(scenario) }));
 */
import type { ModelBackend, Port } from '../../framework/ops/backend.js';
import { formatPort } from '../../framework/ops/backend.js';
import { ModelError, RelationNotFoundError } from '../../framework/ops/errors.js';
import { describeRelationContract } from './backend-contract-relations.js';
import {
  contractScenario,
  nonLeader,
  sorted,
  type ContractHandle,
  type ContractScenario,
  type OpenContractBackend,
} from './backend-contract-scenario.js';
import { describeSecretContract } from './backend-contract-secrets.js';

export {
  catchError,
  contractScenario,
  DB_SECRET,
  MUNGE_SECRET,
  sameSecret,
  UNKNOWN_SECRET,
} from './backend-contract-scenario.js';
export type {
  ContractHandle,
  ContractRelation,
  ContractScenario,
  ContractSecret,
  ContractStorage,
  OpenContractBackend,
} from './backend-contract-scenario.js';

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

    describeRelationContract(backendFor);

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

    describeSecretContract(backendFor);

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
