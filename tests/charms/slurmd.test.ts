/**
 * slurmd charm: install and hardware, the partition and node it publishes, the dynamic
 * configless slurmd service, GPUs, default node state, leader and non-leader.
 */
import {
  ActiveStatus,
  MaintenanceStatus,
  WaitingStatus,
  type ExecResult,
} from '../../framework/ops/index.js';
import { Context, Relation, Secret, State, SubordinateRelation } from '../../framework/testing/index.js';
import type { MachineOp } from '../../framework/testing/index.js';
import { SlurmdCharm } from '../../charms/slurmd/src/charm.js';
import { allBags } from '../relations/helpers.js';

const SLURMD_C =
  'NodeName=juju-abc CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=4 ThreadsPerCore=2 RealMemory=15927\nUpTime=0-02:13:44\n';
const HW = 'CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=4 ThreadsPerCore=2 RealMemory=15927';
const KEY = Buffer.alloc(1024, 9).toString('base64');

// What the test machine answers, changed by tests (handlers are fixed per Context).
const replies: { slurmdC: Partial<ExecResult>; scontrol: Partial<ExecResult> } = {
  slurmdC: {},
  scontrol: {},
};
const exec = [
  { argv: ['slurmd', '-C'], result: () => replies.slurmdC },
  { argv: ['scontrol'], result: () => replies.scontrol },
];
const ctx = new Context(SlurmdCharm, { meta: 'charms/slurmd', appName: 'compute', unitId: 3, exec });

const opsSince = (before: State, after: State): MachineOp[] =>
  (after.machine?.history ?? []).slice(before.machine?.history.length ?? 0);
const execs = (before: State, after: State) =>
  opsSince(before, after).flatMap((op) => (op.kind === 'exec' ? [op.argv] : []));
const command = (s: State) => s.machine?.services.slurmd?.spec?.command;

const key = () => Secret({ label: 'munge-key', trackedContent: { key: KEY } });
const ctlRel = (secret: Secret, controllers = '["10.0.0.1:6817"]', id?: number) =>
  Relation({
    id,
    endpoint: 'slurmctld',
    remoteAppName: 'slurmctld',
    remoteAppData: {
      controllers,
      'cluster-name': '"tsops"',
      'munge-key-secret-id': JSON.stringify(secret.id),
    },
  });

let installed: State;
let secret: Secret;
let ctl: ReturnType<typeof ctlRel>;
let running: State;
beforeAll(async () => {
  replies.slurmdC = { stdout: SLURMD_C };
  replies.scontrol = {};
  installed = await ctx.run(ctx.on.install(), State({ leader: true }));
  secret = key();
  ctl = ctlRel(secret);
  running = await ctx.run(
    ctx.on.relationChanged(ctl),
    State({ ...installed, relations: [ctl], secrets: [secret] }),
  );
});

describe('install', () => {
  it('installs slurmd, munge and the client, keeps slurmd stopped and waits for slurmctld', async () => {
    await ctx.run(ctx.on.install(), State());
    expect(ctx.unitStatusHistory).toContainEqual(new MaintenanceStatus('installing slurmd and munge'));
    expect(Object.keys(installed.machine?.packages ?? {})).toEqual(['slurmd', 'munge', 'slurm-client']);
    expect(installed.machine?.services.slurmd).toMatchObject({ state: 'stopped', enabled: false });
    expect(installed.machine?.history).toContainEqual({ kind: 'exec', argv: ['slurmd', '-C'] });
    expect(installed.unitStatus).toEqual(new WaitingStatus('waiting for slurmctld'));
  });
});

describe('the slurmctld relation', () => {
  it('relation-created (leader): publishes the partition, named after the app, and the node', async () => {
    const rel = Relation({ endpoint: 'slurmctld', remoteAppName: 'slurmctld' });
    const out = await ctx.run(
      ctx.on.relationCreated(rel),
      State({
        ...installed,
        relations: [rel],
        config: { 'partition-config': 'MaxTime=1-00:00:00 DefaultTime=1:00:00' },
      }),
    );
    expect(out.getRelation(rel.id).localAppData).toEqual({
      partition: '{"name":"compute","config":{"MaxTime":"1-00:00:00","DefaultTime":"1:00:00"}}',
      'interface-version': '1',
    });
    expect(out.getRelation(rel.id).localUnitData).toMatchObject({ nodename: '"compute-3"' });
    expect(out.unitStatus).toEqual(new WaitingStatus('waiting for slurmctld'));
  });

  it('relation-joined (non-leader): publishes only its node', async () => {
    const rel = Relation({ endpoint: 'slurmctld', remoteAppName: 'slurmctld', remoteUnitsData: { 0: {} } });
    const out = await ctx.run(
      ctx.on.relationJoined(rel),
      State({ ...installed, leader: false, relations: [rel] }),
    );
    expect(out.getRelation(rel.id).localAppData).toEqual({});
    expect(out.getRelation(rel.id).localUnitData).toMatchObject({ nodename: '"compute-3"' });
  });

  it('controller ready: writes the munge key and runs a dynamic configless slurmd', () => {
    expect(command(running)).toEqual([
      'slurmd',
      '-D',
      '-Z',
      '-N',
      'compute-3',
      '--conf-server',
      '10.0.0.1:6817',
      '--conf',
      `${HW} Features=compute`,
    ]);
    expect(running.machine?.services.slurmd).toMatchObject({ state: 'running', enabled: true, restarts: 1 });
    expect(running.machine?.files['/etc/munge/munge.key']).toMatchObject({
      mode: 0o400,
      owner: 'munge',
      group: 'munge',
    });
    expect(running.machine?.services.munge?.restarts).toBe(1);
    expect(running.machine?.directories['/var/lib/slurm/slurmd-compute-3']).toBeDefined();
    expect(running.unitStatus).toEqual(new ActiveStatus('node compute-3 in partition compute'));
  });

  it('the munge key appears in no databag, log or status', () => {
    const visible = JSON.stringify([allBags(running), ctx.jujuLog, running.unitStatus, running.storedStates]);
    expect(visible).not.toContain(KEY.slice(0, 40));
  });

  it('an unchanged command restarts nothing; new controllers restart without deleting the node', async () => {
    const same = await ctx.run(ctx.on.updateStatus(), running);
    expect(opsSince(running, same).filter((op) => op.kind === 'service' || op.kind === 'define')).toEqual([]);
    const moved = ctlRel(secret, '["10.0.0.2:6817","10.0.0.3:6817"]', ctl.id);
    const out = await ctx.run(ctx.on.relationChanged(moved), State({ ...running, relations: [moved] }));
    expect(command(out)?.slice(5, 7)).toEqual(['--conf-server', '10.0.0.2:6817,10.0.0.3:6817']);
    expect(out.machine?.services.slurmd?.restarts).toBe(2);
    expect(execs(running, out)).toEqual([]);
  });

  it.each(['start', 'upgradeCharm', 'configChanged', 'leaderElected'] as const)(
    '%s on a running node restarts nothing',
    async (hook) => {
      const out = await ctx.run(ctx.on[hook](), running);
      expect(opsSince(running, out).filter((op) => op.kind !== 'mkdir')).toEqual([]);
      expect(out.unitStatus).toEqual(new ActiveStatus('node compute-3 in partition compute'));
    },
  );

  it('leader-elected: the new leader publishes the partition', async () => {
    const follower = State({ ...running, leader: false });
    const was = await ctx.run(ctx.on.updateStatus(), follower);
    const rel = Relation({ ...ctl, localAppData: {} });
    const out = await ctx.run(ctx.on.leaderElected(), State({ ...was, leader: true, relations: [rel] }));
    expect(out.getRelation(ctl.id).localAppData.partition).toBe('{"name":"compute","config":{}}');
  });

  it('the node name follows the unit number', async () => {
    const other = new Context(SlurmdCharm, { meta: 'charms/slurmd', appName: 'gpu', unitId: 17, exec });
    const inst = await other.run(other.on.install(), State());
    const out = await other.run(
      other.on.relationChanged(ctl),
      State({ ...inst, relations: [ctl], secrets: [secret] }),
    );
    expect(command(out)?.slice(3, 5)).toEqual(['-N', 'gpu-17']);
    expect(command(out)?.at(-1)).toBe(`${HW} Features=gpu`);
  });

  it('bad controller data blocks, the hook succeeds and slurmd is not started', async () => {
    const bad = ctlRel(secret, '["10.0.0.1"]');
    const out = await ctx.run(
      ctx.on.relationChanged(bad),
      State({ ...installed, relations: [bad], secrets: [secret] }),
    );
    expect(out.unitStatus.message).toMatch(/^slurmctld sent invalid slurmd data: controllers\.0: /);
    expect(out.machine?.services.slurmd?.spec).toBeUndefined();
  });

  it('a munge key that is not granted blocks without starting slurmd', async () => {
    const out = await ctx.run(ctx.on.relationChanged(ctl), State({ ...installed, relations: [ctl] }));
    expect(out.unitStatus.message).toMatch(/munge-key-secret-id: secret .* not granted/);
    expect(out.machine?.files['/etc/munge/munge.key']).toBeUndefined();
  });

  it('secret-changed (a new key) rewrites the key file and restarts munge', async () => {
    const rotated = Secret({ ...secret, trackedContent: { key: Buffer.alloc(64, 1).toString('base64') } });
    const out = await ctx.run(ctx.on.secretChanged(rotated), State({ ...running, secrets: [rotated] }));
    expect(out.machine?.services.munge?.restarts).toBe(2);
    expect(out.machine?.services.slurmd?.restarts).toBe(1);
  });
});

describe('hardware', () => {
  it('falls back to the machine hardware when slurmd -C is not available', async () => {
    replies.slurmdC = { exitCode: 127, stderr: 'slurmd: not available' };
    try {
      const inst = await ctx.run(ctx.on.install(), State({ leader: true }));
      const out = await ctx.run(
        ctx.on.relationChanged(ctl),
        State({ ...inst, relations: [ctl], secrets: [secret] }),
      );
      expect(command(out)?.at(-1)).toBe(
        'CPUs=4 Boards=1 SocketsPerBoard=1 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=8192 Features=compute',
      );
    } finally {
      replies.slurmdC = { stdout: SLURMD_C };
    }
  });
});

describe('GPUs from the gpu relation', () => {
  const gpuRel = (data?: Record<string, string>, id?: number) =>
    SubordinateRelation({ id, endpoint: 'gpu', remoteAppName: 'nvidia-gpu', remoteUnitData: data ?? {} });
  const t4 = (ready: boolean) => ({
    devices: JSON.stringify([{ model: 'tesla_t4', count: 2, files: ['/dev/nvidia0', '/dev/nvidia1'] }]),
    ready: JSON.stringify(ready),
  });

  it('waits for GPU data, then for the driver, before starting slurmd', async () => {
    const none = gpuRel();
    const a = await ctx.run(
      ctx.on.relationChanged(ctl),
      State({ ...installed, relations: [ctl, none], secrets: [secret] }),
    );
    expect(a.unitStatus).toEqual(new WaitingStatus('waiting for GPU data from nvidia-gpu'));
    expect(a.machine?.services.slurmd?.spec).toBeUndefined();
    const pending = gpuRel(t4(false), none.id);
    const b = await ctx.run(
      ctx.on.relationChanged(pending, { remoteUnit: 0 }),
      State({ ...a, relations: [ctl, pending] }),
    );
    expect(b.unitStatus).toEqual(new WaitingStatus('waiting for the GPU driver (nvidia-gpu is not ready)'));
    expect(b.machine?.services.slurmd?.spec).toBeUndefined();
  });

  it('ready GPUs: Gres in the node line and gres lines published to slurmctld', async () => {
    const rel = gpuRel(t4(true));
    const out = await ctx.run(
      ctx.on.relationChanged(rel, { remoteUnit: 0 }),
      State({ ...installed, relations: [ctl, rel], secrets: [secret] }),
    );
    expect(command(out)?.at(-1)).toBe(`${HW} Features=compute Gres=gpu:tesla_t4:2`);
    expect(JSON.parse(out.getRelation(ctl.id).localUnitData.gres ?? '[]')).toEqual([
      { name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia0', count: 1 },
      { name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia1', count: 1 },
    ]);
    expect(out.unitStatus).toEqual(new ActiveStatus('node compute-3 in partition compute'));
  });

  it('a machine without GPUs does not wait', async () => {
    const rel = gpuRel({ devices: '[]', ready: 'false' });
    const out = await ctx.run(
      ctx.on.relationChanged(rel, { remoteUnit: 0 }),
      State({ ...installed, relations: [ctl, rel], secrets: [secret] }),
    );
    expect(command(out)?.at(-1)).toBe(`${HW} Features=compute`);
  });
});

describe('default-node-state', () => {
  const start = (config: Record<string, string>) =>
    ctx.run(
      ctx.on.relationChanged(ctl),
      State({ ...installed, relations: [ctl], secrets: [secret], config }),
    );

  it('down: after the first registration, scontrol puts the node down with the reason', async () => {
    replies.scontrol = {};
    const out = await start({ 'default-node-state': 'down', 'default-node-reason': 'burn-in first' });
    expect(execs(installed, out)).toEqual([
      ['scontrol', 'update', 'nodename=compute-3', 'state=down', 'reason=burn-in first'],
    ]);
    const next = await ctx.run(ctx.on.updateStatus(), out);
    expect(execs(out, next)).toEqual([]);
  });

  it('down without a reason uses n/a; idle runs nothing', async () => {
    const down = await start({ 'default-node-state': 'down' });
    expect(execs(installed, down).at(-1)?.at(-1)).toBe('reason=n/a');
    expect(execs(installed, running)).toEqual([]);
  });

  it('a failing scontrol is retried by the next hook; 127 (no Slurm tools) is not', async () => {
    replies.scontrol = { exitCode: 1, stderr: 'Invalid node name specified' };
    const failed = await start({ 'default-node-state': 'down' });
    expect(ctx.jujuLog.map((l) => l.level)).toContain('WARNING');
    replies.scontrol = { exitCode: 127, stderr: 'scontrol: not available' };
    const retried = await ctx.run(ctx.on.updateStatus(), failed);
    expect(execs(failed, retried)).toHaveLength(1);
    const after = await ctx.run(ctx.on.updateStatus(), retried);
    expect(execs(retried, after)).toEqual([]);
    replies.scontrol = {};
  });
});

describe('bad config', () => {
  it.each([
    ['partition-config', 'Nodes=all', /^partition-config: Nodes is set by slurmctld$/],
    ['partition-config', 'default=yes', /^partition-config: default is set by slurmctld$/],
    ['partition-config', 'MaxTime', /^partition-config: expected Key=Value/],
    ['partition-config', 'MaxTime=1\nNodes=x', /^partition-config: a line break/],
    ['partition-config', 'AllowGroups="a b"', /^partition-config: AllowGroups: must be a Slurm value/],
    ['default-node-state', 'drain', /^default-node-state must be idle or down, got 'drain'$/],
  ])('%s=%j blocks; the published partition is kept', async (option, value, message) => {
    const rel = Relation({ endpoint: 'slurmctld', remoteAppName: 'slurmctld' });
    const good = await ctx.run(ctx.on.relationCreated(rel), State({ ...installed, relations: [rel] }));
    const out = await ctx.run(ctx.on.configChanged(), State({ ...good, config: { [option]: value } }));
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toMatch(message);
    expect(out.getRelation(rel.id).localAppData).toEqual(good.getRelation(rel.id).localAppData);
  });
});
