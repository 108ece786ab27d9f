/**
 * The relations part of the ModelBackend contract suite (backend-contract.ts): relation
 * ids and units, the four databags, leader-only access, own writes, and the errors.
 */
import { ModelError, RelationNotFoundError } from '../../framework/ops/errors.js';
import { catchError, MUNGE_SECRET, nonLeader, sorted, type BackendFor } from './backend-contract-scenario.js';

/** Register the contract's relation tests, each over a backend from `backendFor`. */
export function describeRelationContract(backendFor: BackendFor): void {
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
}
