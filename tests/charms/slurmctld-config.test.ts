/**
 * slurmctld charm: config options (each refusal keeps the running config) and the
 * show-current-config and set-node-state actions.
 */
import { ActiveStatus, BlockedStatus } from '../../framework/ops/index.js';
import { ActionFailed, Context, Relation, State } from '../../framework/testing/index.js';
import type { ExecReply, MachineOp } from '../../framework/testing/index.js';
import { SlurmctldCharm } from '../../charms/slurmctld/src/charm.js';
import { MANAGED_KEYS, managedReason } from '../../charms/slurmctld/src/config.js';
import { parseSlurmConf } from '../../charms/lib/slurm/index.js';

let scontrolReply: ExecReply = {};
const ctx = new Context(SlurmctldCharm, {
  meta: 'charms/slurmctld',
  exec: [
    {
      argv: ['scontrol'],
      result: (argv, options) =>
        typeof scontrolReply === 'function' ? scontrolReply(argv, options) : scontrolReply,
    },
  ],
});

const file = (s: State, name: string): string => s.machine?.files[`/etc/slurm/${name}`]?.content ?? '';
const opsSince = (before: State, after: State): MachineOp[] =>
  (after.machine?.history ?? []).slice(before.machine?.history.length ?? 0);
const changesSince = (before: State, after: State) =>
  opsSince(before, after).filter(
    (op) => op.kind === 'write' || op.kind === 'remove' || op.kind === 'service',
  );
const execs = (before: State, after: State) =>
  opsSince(before, after).flatMap((op) => (op.kind === 'exec' ? [op.argv] : []));

const compute = Relation({
  endpoint: 'slurmd',
  remoteAppName: 'compute',
  remoteAppData: { partition: JSON.stringify({ name: 'compute', config: {} }) },
});

let running: State;
beforeAll(async () => {
  const installed = await ctx.run(ctx.on.install(), State({ leader: true, relations: [compute] }));
  running = await ctx.run(ctx.on.relationChanged(compute), installed);
  expect(running.unitStatus).toEqual(new ActiveStatus('1 partition'));
});

const withConfig = (config: Record<string, string | number>) => State({ ...running, config });

describe('slurm-conf-parameters', () => {
  it('valid pairs go to slurm.conf.overrides, included last, and restart slurmctld', async () => {
    const out = await ctx.run(
      ctx.on.configChanged(),
      withConfig({ 'slurm-conf-parameters': 'SlurmctldDebug=debug SchedulerParameters=batch_sched_delay=1' }),
    );
    const overrides = parseSlurmConf(file(out, 'slurm.conf.overrides'));
    expect(overrides.params().map((p) => `${p.key}=${p.value}`)).toEqual([
      'SlurmctldDebug=debug',
      'SchedulerParameters=batch_sched_delay=1',
    ]);
    expect(parseSlurmConf(file(out, 'slurm.conf')).includes().at(-1)).toBe('slurm.conf.overrides');
    expect(opsSince(running, out)).toContainEqual({ kind: 'service', verb: 'restart', name: 'slurmctld' });
    expect(out.unitStatus).toEqual(new ActiveStatus('1 partition'));
  });

  it.each([
    [
      'SlurmctldDebug=debug\nMaxNodeCount=5',
      /^slurm-conf-parameters: a line break at position 20: parameters must be on one line/,
    ],
    ['SlurmctldDebug', /^slurm-conf-parameters: expected Key=Value at position 0, found "SlurmctldDebug"/],
    ['Foo="unbalanced', /^slurm-conf-parameters: .*quote/],
    ['A=1 # comment', /^slurm-conf-parameters: "#" at position 4 would start a comment/],
    [
      'maxnodecount=5',
      /^slurm-conf-parameters: maxnodecount is managed by the charm \(set it with the max-node-count option\)/,
    ],
    ['ClusterName=other', /ClusterName is managed by the charm \(set it with the cluster-name option\)/],
    ['SlurmctldHost=elsewhere', /SlurmctldHost is managed by the charm/],
    ['AuthType=auth/none', /AuthType is managed by the charm \(the charm runs munge authentication\)/],
    ['CredType=cred/none', /CredType is managed by the charm/],
    [
      'SlurmctldParameters=idle_on_node_suspend',
      /SlurmctldParameters is managed by the charm \(dynamic nodes need enable_configless/,
    ],
    [
      'AccountingStorageHost=db',
      /AccountingStorageHost is managed by the charm \(it comes from the slurmdbd relation\)/,
    ],
    ['AccountingStorageEnforce=limits', /AccountingStorageEnforce is managed by the charm/],
    ['Include=/etc/evil.conf', /Include is managed by the charm/],
    ['NodeName=n1', /NodeName is managed by the charm \(nodes and partitions come from the related slurmd/],
    ['PartitionName=p', /PartitionName is managed by the charm/],
    ['NodeSet=x', /NodeSet is managed by the charm/],
  ])('%j is refused: Blocked, running config kept, files untouched', async (value, message) => {
    const out = await ctx.run(ctx.on.configChanged(), withConfig({ 'slurm-conf-parameters': value }));
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toMatch(message);
    expect(out.unitStatus.message).toMatch(/; the running config is kept$/);
    expect(changesSince(running, out)).toEqual([]);
    expect(out.machine?.files).toEqual(running.machine?.files);
  });

  it('every managed key has a reason', () => {
    for (const key of MANAGED_KEYS) expect(managedReason(key)).toBeDefined();
    expect(managedReason('SlurmctldDebug')).toBeUndefined();
  });

  it('fixing the value unblocks and applies it', async () => {
    const bad = await ctx.run(ctx.on.configChanged(), withConfig({ 'slurm-conf-parameters': 'NodeName=x' }));
    const fixed = await ctx.run(
      ctx.on.configChanged(),
      State({ ...bad, config: { 'slurm-conf-parameters': 'SlurmdDebug=debug2' } }),
    );
    expect(fixed.unitStatus).toEqual(new ActiveStatus('1 partition'));
    expect(file(fixed, 'slurm.conf.overrides')).toContain('SlurmdDebug=debug2\n');
  });
});

describe('other options', () => {
  it('cluster-name and max-node-count land in slurm.conf on the first start', async () => {
    const out = await ctx.run(
      ctx.on.install(),
      State({ leader: true, config: { 'cluster-name': 'hpc', 'max-node-count': 64 } }),
    );
    const conf = parseSlurmConf(file(out, 'slurm.conf'));
    expect([conf.get('ClusterName'), conf.get('MaxNodeCount')]).toEqual(['hpc', '64']);
  });

  it('max-node-count changes restart slurmctld', async () => {
    const out = await ctx.run(ctx.on.configChanged(), withConfig({ 'max-node-count': 4096 }));
    expect(parseSlurmConf(file(out, 'slurm.conf')).get('MaxNodeCount')).toBe('4096');
    expect(opsSince(running, out)).toContainEqual({ kind: 'service', verb: 'restart', name: 'slurmctld' });
  });

  it.each([
    [{ 'cluster-name': 'Bad Name' }, /^cluster-name 'Bad Name' must be a lowercase Slurm cluster name/],
    [
      { 'cluster-name': 'other' },
      /^cluster-name cannot change once slurmctld has run .* set it back to 'tsops'$/,
    ],
    [{ 'max-node-count': 0 }, /^max-node-count must be a whole number from 1 to 65533, got 0$/],
    [{ 'default-partition': 'a b' }, /^default-partition 'a b' is not a partition name$/],
  ])('%j blocks and leaves the files alone', async (config, message) => {
    const out = await ctx.run(ctx.on.configChanged(), withConfig(config));
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toMatch(message);
    expect(changesSince(running, out)).toEqual([]);
    // Nodes keep being told the running cluster name.
    expect(out.getRelation(compute.id).localAppData['cluster-name']).toBe('"tsops"');
  });

  it('default-partition marks that partition Default=YES and says when it is not related', async () => {
    const out = await ctx.run(ctx.on.configChanged(), withConfig({ 'default-partition': 'compute' }));
    const part = parseSlurmConf(file(out, 'slurm.conf.compute'));
    expect(part.record('PartitionName', 'compute')?.params.get('Default')).toBe('YES');
    const other = await ctx.run(ctx.on.configChanged(), withConfig({ 'default-partition': 'gpu' }));
    expect(other.unitStatus).toEqual(new ActiveStatus("1 partition; default-partition 'gpu' is not related"));
    expect(file(other, 'slurm.conf.compute')).not.toContain('Default');
  });
});

describe('show-current-config', () => {
  it('returns slurm.conf, every include and gres.conf', async () => {
    await ctx.run(ctx.on.action('show-current-config'), running);
    expect(Object.keys(ctx.actionResults ?? {}).sort()).toEqual([
      'gres-conf',
      'slurm-conf',
      'slurm-conf-accounting',
      'slurm-conf-compute',
      'slurm-conf-overrides',
    ]);
    expect(ctx.actionResults?.['slurm-conf']).toBe(file(running, 'slurm.conf'));
    expect(ctx.actionResults?.['slurm-conf-compute']).toBe(file(running, 'slurm.conf.compute'));
  });

  it('fails before there is any config', async () => {
    await expect(ctx.run(ctx.on.action('show-current-config'), State({ leader: true }))).rejects.toThrow(
      ActionFailed,
    );
  });
});

describe('set-node-state', () => {
  const run = (params: Record<string, string>) =>
    ctx.run(ctx.on.action('set-node-state', { params }), running);

  it.each([
    [
      { nodes: 'compute-[0-3]', state: 'idle' },
      ['scontrol', 'update', 'nodename=compute-[0-3]', 'state=idle'],
    ],
    [{ nodes: 'compute-1', state: 'resume' }, ['scontrol', 'update', 'nodename=compute-1', 'state=resume']],
    [
      { nodes: 'compute-1,gpu-0', state: 'drain', reason: 'disk swap' },
      ['scontrol', 'update', 'nodename=compute-1,gpu-0', 'state=drain', 'reason=disk swap'],
    ],
    [
      { nodes: 'gpu-0', state: 'down', reason: 'bad fan' },
      ['scontrol', 'update', 'nodename=gpu-0', 'state=down', 'reason=bad fan'],
    ],
  ])('%j runs scontrol update', async (params, argv) => {
    scontrolReply = {};
    const out = await run(params);
    expect(execs(running, out)).toEqual([argv]);
    expect(ctx.actionResults).toMatchObject({ nodes: params.nodes, state: params.state });
  });

  it("fails with scontrol's stderr", async () => {
    scontrolReply = { exitCode: 1, stderr: 'slurm_update error: Invalid node name specified\n' };
    const failed = run({ nodes: 'nosuch-1', state: 'idle' });
    await expect(failed).rejects.toThrow(ActionFailed);
    await expect(failed).rejects.toThrow(/exit 1\): slurm_update error: Invalid node name specified$/);
  });

  it('fails where scontrol is not installed (127)', async () => {
    scontrolReply = { exitCode: 127, stderr: 'scontrol: not available in the sandbox substrate' };
    await expect(run({ nodes: 'compute-0', state: 'idle' })).rejects.toThrow(
      /exit 127\): scontrol: not available/,
    );
  });

  it.each([
    [{ nodes: 'compute-0', state: 'drain' }, /a reason is required to set nodes drain/],
    [{ nodes: 'compute-0', state: 'down', reason: '' }, /a reason is required to set nodes down/],
    [{ nodes: 'compute-0 state=idle', state: 'drain', reason: 'x' }, /nodes: must be a hostlist/],
    [{ nodes: 'compute-[3-1]', state: 'idle' }, /nodes 'compute-\[3-1\]' is not a hostlist/],
    [{ nodes: 'compute-0', state: 'drain', reason: 'a\nb' }, /reason: must be one line/],
  ])('%j fails without running scontrol', async (params, message) => {
    scontrolReply = {};
    const failed = run(params);
    await expect(failed).rejects.toThrow(message);
    await failed.catch((e: unknown) => {
      if (!(e instanceof ActionFailed)) throw e;
      expect(execs(running, e.state)).toEqual([]);
    });
  });

  it('an invalid state is refused by the action schema', async () => {
    await expect(run({ nodes: 'compute-0', state: 'fail' })).rejects.toThrow(
      /state: must be one of idle, down, drain, resume/,
    );
  });
});

describe('a non-leader is Blocked, whatever its config', () => {
  it('says slurmctld runs on the leader only', async () => {
    const out = await ctx.run(
      ctx.on.configChanged(),
      State({ ...running, leader: false, config: { 'slurm-conf-parameters': 'NodeName=x' } }),
    );
    expect(out.unitStatus).toEqual(
      new BlockedStatus('slurmctld runs on the leader only (no high availability): remove this unit'),
    );
  });
});
