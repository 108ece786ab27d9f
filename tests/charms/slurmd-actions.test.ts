/**
 * slurmd charm: the set-node-config action, and removal (stop, remove, slurmctld
 * relation-broken) draining and deleting the node, tolerating a machine without Slurm tools.
 */
import { MaintenanceStatus, WaitingStatus, type ExecResult } from '../../framework/ops/index.js';
import { ActionFailed, Context, Relation, Secret, State } from '../../framework/testing/index.js';
import type { MachineOp } from '../../framework/testing/index.js';
import { SlurmdCharm } from '../../charms/slurmd/src/charm.js';
import { NODE_MANAGED_KEYS } from '../../charms/slurmd/src/node.js';

let scontrolReply: Partial<ExecResult> = {};
const ctx = new Context(SlurmdCharm, {
  meta: 'charms/slurmd',
  appName: 'compute',
  unitId: 3,
  exec: [{ argv: ['scontrol'], result: () => scontrolReply }],
});
// No handler for scontrol: every call exits 127, as on the sandbox substrate.
const bare = new Context(SlurmdCharm, { meta: 'charms/slurmd', appName: 'compute', unitId: 3 });

const HW = 'CPUs=4 Boards=1 SocketsPerBoard=1 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=8192';
const secret = Secret({
  label: 'munge-key',
  trackedContent: { key: Buffer.alloc(64, 5).toString('base64') },
});
const ctl = Relation({
  endpoint: 'slurmctld',
  remoteAppName: 'slurmctld',
  remoteAppData: {
    controllers: '["10.0.0.1:6817"]',
    'cluster-name': '"tsops"',
    'munge-key-secret-id': JSON.stringify(secret.id),
  },
});

const opsSince = (before: State, after: State): MachineOp[] =>
  (after.machine?.history ?? []).slice(before.machine?.history.length ?? 0);
/** exec argvs and service verbs, in order, as short strings. */
const steps = (before: State, after: State): string[] =>
  opsSince(before, after).flatMap((op) =>
    op.kind === 'exec'
      ? [op.argv.join(' ')]
      : op.kind === 'service' || op.kind === 'define'
        ? [`${op.kind === 'define' ? 'define' : op.verb} ${op.name}`]
        : [],
  );
const command = (s: State) => s.machine?.services.slurmd?.spec?.command;

let installed: State;
let running: State;
beforeAll(async () => {
  installed = await ctx.run(ctx.on.install(), State({ leader: true }));
  running = await ctx.run(
    ctx.on.relationChanged(ctl),
    State({ ...installed, relations: [ctl], secrets: [secret] }),
  );
  expect(command(running)?.at(-1)).toBe(`${HW} Features=compute`);
});

describe('set-node-config', () => {
  const run = (parameters: string, state = running) =>
    ctx.run(ctx.on.action('set-node-config', { params: { parameters } }), state);

  it('deletes the node, then restarts slurmd with the new line (features added to the partition)', async () => {
    scontrolReply = {};
    const out = await run('Weight=200 Features=bigmem,ssd RealMemory=8000');
    expect(steps(running, out)).toEqual([
      'scontrol delete nodename=compute-3',
      'define slurmd',
      'enable slurmd',
      'restart slurmd',
    ]);
    const conf =
      'CPUs=4 Boards=1 SocketsPerBoard=1 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=8000 ' +
      'Features=compute,bigmem,ssd Weight=200';
    expect(command(out)?.at(-1)).toBe(conf);
    expect(ctx.actionResults).toEqual({
      node: 'compute-3',
      parameters: 'Weight=200 Features=bigmem,ssd RealMemory=8000',
      conf,
    });

    // Kept by later hooks, and an empty value resets it.
    const later = await ctx.run(ctx.on.configChanged(), out);
    expect(steps(out, later)).toEqual([]);
    const reset = await run('', later);
    expect(command(reset)?.at(-1)).toBe(`${HW} Features=compute`);
  });

  it('before the node has registered, the line is kept for its first start', async () => {
    await run('Weight=5', installed);
    expect(ctx.actionResults).toMatchObject({ conf: '(applied when the node registers)' });
    const stored = await run('Weight=5', installed);
    const out = await ctx.run(
      ctx.on.relationChanged(ctl),
      State({ ...stored, relations: [ctl], secrets: [secret] }),
    );
    expect(command(out)?.at(-1)).toBe(`${HW} Features=compute Weight=5`);
    expect(steps(stored, out)).not.toContain('scontrol delete nodename=compute-3');
  });

  it.each(NODE_MANAGED_KEYS.map((k) => [k]))('%s is refused; nothing runs', async (key) => {
    const failed = run(`Weight=1 ${key}=x`);
    await expect(failed).rejects.toThrow(ActionFailed);
    await expect(failed).rejects.toThrow(new RegExp(`^parameters: ${key}: set by the charm or by slurmd`));
    await failed.catch((e: unknown) => {
      if (e instanceof ActionFailed) expect(steps(running, e.state)).toEqual([]);
    });
  });

  it('a line that is not key=value is refused', async () => {
    await expect(run('Weight=1\nFeatures=x')).rejects.toThrow(/^parameters: a line break at position 8/);
    await expect(run('Weight')).rejects.toThrow(/^parameters: expected Key=Value/);
  });

  it("fails with scontrol's stderr when the node cannot be deleted, and keeps the old line", async () => {
    scontrolReply = { exitCode: 1, stderr: 'Node compute-3 has jobs running\n' };
    const failed = run('Weight=9');
    await expect(failed).rejects.toThrow(
      /^scontrol delete nodename=compute-3 failed \(exit 1\): Node compute-3 has jobs running$/,
    );
    await failed.catch((e: unknown) => {
      if (!(e instanceof ActionFailed)) throw e;
      expect(steps(running, e.state)).toEqual(['scontrol delete nodename=compute-3']);
      expect(command(e.state)).toEqual(command(running));
    });
    scontrolReply = {};
  });

  it('where scontrol is missing (127) the node is still restarted with the new line', async () => {
    const start = await bare.run(
      bare.on.relationChanged(ctl),
      State({ ...installed, relations: [ctl], secrets: [secret] }),
    );
    const out = await bare.run(
      bare.on.action('set-node-config', { params: { parameters: 'Weight=3' } }),
      start,
    );
    expect(command(out)?.at(-1)).toBe(`${HW} Features=compute Weight=3`);
  });
});

describe('removal', () => {
  const drain = 'scontrol update nodename=compute-3 state=drain reason=unit removed';
  const removal = [drain, 'stop slurmd', 'disable slurmd', 'scontrol delete nodename=compute-3'];

  it('stop: drains, stops slurmd, deletes the node; nothing starts it again', async () => {
    scontrolReply = {};
    const out = await ctx.run(ctx.on.stop(), running);
    expect(steps(running, out)).toEqual(removal);
    expect(opsSince(running, out).find((op) => op.kind === 'exec')).toEqual({
      kind: 'exec',
      argv: ['scontrol', 'update', 'nodename=compute-3', 'state=drain', 'reason=unit removed'],
    });
    expect(out.machine?.services.slurmd?.state).toBe('stopped');
    expect(out.unitStatus).toEqual(new MaintenanceStatus('removing node compute-3'));
    const removed = await ctx.run(ctx.on.remove(), out);
    expect(steps(out, removed)).toEqual([]);
    const later = await ctx.run(ctx.on.updateStatus(), removed);
    expect(steps(removed, later)).toEqual([]);
  });

  it('relation-broken of slurmctld takes the node out; a new relation brings it back', async () => {
    const out = await ctx.run(ctx.on.relationBroken(ctl), running);
    expect(steps(running, out)).toEqual(removal);
    expect(out.unitStatus).toEqual(new WaitingStatus('waiting for slurmctld'));
    const again = await ctx.run(ctx.on.relationChanged(ctl), out);
    expect(again.machine?.services.slurmd?.state).toBe('running');
  });

  it('exit 127 (no Slurm tools, the sandbox) is logged and the removal carries on', async () => {
    const start = await bare.run(
      bare.on.relationChanged(ctl),
      State({ ...installed, relations: [ctl], secrets: [secret] }),
    );
    const out = await bare.run(bare.on.remove(), start);
    expect(steps(start, out)).toEqual(removal);
    const warnings = bare.jujuLog.filter((l) => l.level === 'WARNING').map((l) => l.message);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^scontrol update nodename=compute-3 .*not available here \(exit 127\); carrying on$/,
    );
  });

  it('other scontrol failures are logged too and never fail the hook', async () => {
    scontrolReply = { exitCode: 1, stderr: 'Unable to contact slurm controller' };
    await ctx.run(ctx.on.stop(), running);
    expect(ctx.jujuLog.filter((l) => l.level === 'WARNING').map((l) => l.message)).toEqual([
      `${drain} failed (exit 1): Unable to contact slurm controller; carrying on`,
      'scontrol delete nodename=compute-3 failed (exit 1): Unable to contact slurm controller; carrying on',
    ]);
    scontrolReply = {};
  });

  it('a unit that never registered runs no scontrol', async () => {
    const out = await ctx.run(ctx.on.stop(), installed);
    expect(steps(installed, out)).toEqual([]);
  });
});
