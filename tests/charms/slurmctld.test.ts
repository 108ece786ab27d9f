/**
 * slurmctld charm: install, the munge key, slurm.conf and its includes, relations with
 * slurmd applications and slurmdbd, scale-out without rewrites, leader and non-leader.
 */
import { ActiveStatus, BlockedStatus, MaintenanceStatus, WaitingStatus } from '../../framework/ops/index.js';
import { Context, Relation, RecordingMachine, State } from '../../framework/testing/index.js';
import type { MachineOp, MachineSnapshot } from '../../framework/testing/index.js';
import { SlurmctldCharm } from '../../charms/slurmctld/src/charm.js';
import { parseSlurmConf } from '../../charms/lib/slurm/index.js';
import { MUNGE_KEY_LABEL } from '../../relations/common.js';
import { allBags } from '../relations/helpers.js';

const ctx = new Context(SlurmctldCharm, { meta: 'charms/slurmctld' });

const file = (s: State, name: string): string => {
  const f = s.machine?.files[`/etc/slurm/${name}`];
  if (!f) throw new Error(`no /etc/slurm/${name}`);
  return f.content;
};
/** Operations of the last run (the machine's history holds every earlier run too). */
const opsSince = (before: State, after: State): MachineOp[] =>
  (after.machine?.history ?? []).slice(before.machine?.history.length ?? 0);
const writes = (before: State, after: State) =>
  opsSince(before, after).flatMap((op) => (op.kind === 'write' ? [op.path] : []));
const restarts = (before: State, after: State, name = 'slurmctld') =>
  opsSince(before, after).filter((op) => op.kind === 'service' && op.verb === 'restart' && op.name === name)
    .length;

const partitionBag = (name: string, config: Record<string, string> = {}) => ({
  partition: JSON.stringify({ name, config }),
});
const slurmdRel = (app: string, units: Record<number, Record<string, string>> = {}, config = {}) =>
  Relation({
    endpoint: 'slurmd',
    remoteAppName: app,
    remoteAppData: partitionBag(app, config),
    remoteUnitsData: units,
  });

let installed: State;
beforeAll(async () => {
  installed = await ctx.run(ctx.on.install(), State({ leader: true }));
});

describe('install on the leader', () => {
  it('installs the packages, shows Maintenance, then waits for a partition', () => {
    expect(installed.machine?.packages).toMatchObject({
      slurmctld: expect.any(String),
      munge: expect.any(String),
    });
    expect(Object.keys(installed.machine?.packages ?? {})).toEqual(['slurmctld', 'munge', 'slurm-client']);
    expect(ctx.unitStatusHistory).toContainEqual(new MaintenanceStatus('installing slurmctld and munge'));
    expect(installed.unitStatus).toEqual(
      new WaitingStatus('waiting for a partition (relate a slurmd application)'),
    );
  });

  it('creates the munge key once, as an application secret of 1024 random bytes', async () => {
    const key = installed.getSecret({ label: MUNGE_KEY_LABEL });
    expect(key.owner).toBe('app');
    expect(Buffer.from(key.trackedContent.key ?? '', 'base64')).toHaveLength(1024);
    const again = await ctx.run(ctx.on.configChanged(), installed);
    expect(again.secrets).toHaveLength(1);
    expect(again.getSecret({ label: MUNGE_KEY_LABEL }).trackedContent).toEqual(key.trackedContent);
  });

  it('writes /etc/munge/munge.key as binary, 0400 munge:munge, and restarts munge', () => {
    const content = installed.getSecret({ label: MUNGE_KEY_LABEL }).trackedContent.key ?? '';
    const keyFile = installed.machine?.files['/etc/munge/munge.key'];
    expect(keyFile).toMatchObject({ mode: 0o400, owner: 'munge', group: 'munge' });
    expect(keyFile?.content).toBe(new TextDecoder().decode(Buffer.from(content, 'base64')));
    expect(installed.machine?.services.munge).toMatchObject({ state: 'running', restarts: 1 });
  });

  it('writes slurm.conf with the verified 22.05 settings and its includes, then starts slurmctld', () => {
    const conf = parseSlurmConf(file(installed, 'slurm.conf'));
    expect(Object.fromEntries(conf.params().map((p) => [p.key, p.value]))).toMatchObject({
      ClusterName: 'tsops',
      SlurmctldHost: 'juju-0(192.0.2.0)',
      AuthType: 'auth/munge',
      CredType: 'cred/munge',
      SlurmctldParameters: 'enable_configless',
      MaxNodeCount: '1024',
      SelectType: 'select/cons_tres',
      SelectTypeParameters: 'CR_Core',
      ProctrackType: 'proctrack/linuxproc',
      TaskPlugin: 'task/none',
      ReturnToService: '2',
      MpiDefault: 'none',
      MailProg: '/bin/true',
      SchedulerParameters: 'batch_sched_delay=0',
      GresTypes: 'gpu',
      StateSaveLocation: '/var/lib/slurm/slurmctld',
      SlurmdSpoolDir: '/var/lib/slurm/slurmd-%n',
      SlurmctldPidFile: '/run/slurm/slurmctld.pid',
      SlurmctldLogFile: '/var/log/slurm/slurmctld.log',
    });
    expect(conf.includes()).toEqual(['slurm.conf.accounting', 'slurm.conf.overrides']);
    expect(parseSlurmConf(file(installed, 'slurm.conf.accounting')).params()).toEqual([]);
    expect(parseSlurmConf(file(installed, 'gres.conf'), 'gres.conf').records('NodeName')).toEqual([]);
    for (const name of ['slurm.conf', 'slurm.conf.accounting', 'slurm.conf.overrides', 'gres.conf']) {
      expect(installed.machine?.files[`/etc/slurm/${name}`]).toMatchObject({ mode: 0o644, owner: 'slurm' });
    }
    expect(installed.machine?.services.slurmctld).toMatchObject({
      state: 'running',
      enabled: true,
      restarts: 1,
    });
    expect(installed.machine?.directories['/run/slurm']).toMatchObject({ owner: 'slurm' });
  });

  it('an event that changes nothing rewrites nothing and restarts nothing', async () => {
    const out = await ctx.run(ctx.on.updateStatus(), installed);
    expect(writes(installed, out)).toEqual([]);
    expect(restarts(installed, out)).toBe(0);
    expect(restarts(installed, out, 'munge')).toBe(0);
  });
});

describe('the munge key never leaks', () => {
  it('is in no databag, log line, status or stored state', async () => {
    const rel = slurmdRel('compute');
    const dbd = Relation({
      endpoint: 'slurmdbd',
      remoteAppName: 'slurmdbd',
      remoteAppData: { host: '"10.0.0.9"' },
    });
    let s = await ctx.run(ctx.on.relationCreated(rel), State({ ...installed, relations: [rel, dbd] }));
    const logs = [...ctx.jujuLog];
    s = await ctx.run(ctx.on.relationChanged(dbd), s);
    logs.push(...ctx.jujuLog);
    const key = s.getSecret({ label: MUNGE_KEY_LABEL }).trackedContent.key ?? '';
    const visible = JSON.stringify([allBags(s), logs, s.unitStatus, s.appStatus, s.storedStates]);
    expect(key.length).toBeGreaterThan(1000);
    expect(visible).not.toContain(key);
    expect(visible).not.toContain(key.slice(0, 40));
  });
});

describe('non-leader', () => {
  it('creates no secret, writes no slurm.conf and is Blocked: no high availability', async () => {
    const out = await ctx.run(ctx.on.install(), State());
    expect(out.secrets).toEqual([]);
    expect(out.machine?.files['/etc/slurm/slurm.conf']).toBeUndefined();
    expect(out.unitStatus).toEqual(
      new BlockedStatus('slurmctld runs on the leader only (no high availability): remove this unit'),
    );
  });

  it("writes the leader's key and stops a slurmctld it ran as leader; publishes nothing", async () => {
    const rel = slurmdRel('compute');
    const key = installed.getSecret({ label: MUNGE_KEY_LABEL });
    const before = State({ ...installed, leader: false, relations: [rel], secrets: [key] });
    const out = await ctx.run(ctx.on.leaderSettingsChanged(), before);
    expect(out.machine?.services.slurmctld?.state).toBe('stopped');
    expect(out.getRelation(rel.id).localAppData).toEqual({});
    expect(out.machine?.files['/etc/munge/munge.key']?.mode).toBe(0o400);
  });
});

describe('slurmd relations', () => {
  it('relation-created: the leader grants the key and publishes controllers and cluster name', async () => {
    const rel = Relation({ endpoint: 'slurmd', remoteAppName: 'compute' });
    const out = await ctx.run(ctx.on.relationCreated(rel), State({ ...installed, relations: [rel] }));
    const key = out.getSecret({ label: MUNGE_KEY_LABEL });
    expect(out.getRelation(rel.id).localAppData).toEqual({
      controllers: '["192.0.2.0:6817"]',
      'cluster-name': '"tsops"',
      'munge-key-secret-id': JSON.stringify(key.id),
      'interface-version': '1',
    });
    expect(key.remoteGrants[rel.id]).toEqual(['compute']);
    expect(writes(installed, out)).toEqual([]);
  });

  it('a partition adds its include (NodeSet by feature, PartitionName) and restarts slurmctld', async () => {
    const rel = slurmdRel('compute', {}, { MaxTime: '1-00:00:00' });
    const out = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ ...installed, relations: [rel], config: { 'default-partition': 'compute' } }),
    );
    const base = parseSlurmConf(file(out, 'slurm.conf'));
    expect(base.includes()).toEqual(['slurm.conf.accounting', 'slurm.conf.compute', 'slurm.conf.overrides']);
    const part = parseSlurmConf(file(out, 'slurm.conf.compute'));
    expect(part.record('NodeSet', 'compute')?.params.get('Feature')).toBe('compute');
    expect(Object.fromEntries(part.record('PartitionName', 'compute')?.params ?? [])).toEqual({
      Nodes: 'compute',
      State: 'UP',
      Default: 'YES',
      MaxTime: '1-00:00:00',
    });
    expect(restarts(installed, out)).toBe(1);
    expect(out.unitStatus).toEqual(new ActiveStatus('1 partition'));
  });

  it('adding slurmd units changes no slurm.conf file and restarts nothing', async () => {
    const rel = slurmdRel('compute', { 0: { nodename: '"compute-0"' } });
    const ready = await ctx.run(ctx.on.relationChanged(rel), State({ ...installed, relations: [rel] }));
    const bigger = slurmdRel('compute', { 0: { nodename: '"compute-0"' }, 5: { nodename: '"compute-5"' } });
    const withUnit = State({ ...ready, relations: [{ ...bigger, id: rel.id }] });
    const out = await ctx.run(
      ctx.on.relationJoined(withUnit.getRelation(rel.id), { remoteUnit: 5 }),
      withUnit,
    );
    expect(writes(ready, out)).toEqual([]);
    expect(restarts(ready, out)).toBe(0);
    const changed = await ctx.run(
      ctx.on.relationChanged(withUnit.getRelation(rel.id), { remoteUnit: 5 }),
      out,
    );
    expect(writes(out, changed)).toEqual([]);
  });

  it('a GPU unit adds its gres.conf lines (restart); its departure removes them', async () => {
    const gres = [
      { name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia0', count: 1 },
      { name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia1', count: 1 },
    ];
    const rel = slurmdRel('gpu', { 2: { nodename: '"gpu-2"', gres: JSON.stringify(gres) } });
    const out = await ctx.run(
      ctx.on.relationJoined(rel, { remoteUnit: 2 }),
      State({ ...installed, relations: [rel] }),
    );
    const lines = parseSlurmConf(file(out, 'gres.conf'), 'gres.conf').records('NodeName');
    expect(lines.map((r) => [r.name, Object.fromEntries(r.params)])).toEqual([
      ['gpu-2', { Name: 'gpu', Type: 'tesla_t4', File: '/dev/nvidia0' }],
      ['gpu-2', { Name: 'gpu', Type: 'tesla_t4', File: '/dev/nvidia1' }],
    ]);
    expect(writes(installed, out)).toContain('/etc/slurm/gres.conf');
    const gone = await ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 2 }), out);
    expect(parseSlurmConf(file(gone, 'gres.conf'), 'gres.conf').records('NodeName')).toEqual([]);
  });

  it('a second slurmd application adds a second partition include and restarts slurmctld', async () => {
    const compute = slurmdRel('compute');
    const one = await ctx.run(ctx.on.relationChanged(compute), State({ ...installed, relations: [compute] }));
    const gpu = slurmdRel('gpu');
    const two = await ctx.run(ctx.on.relationChanged(gpu), State({ ...one, relations: [compute, gpu] }));
    expect(writes(one, two)).toEqual(['/etc/slurm/slurm.conf.gpu', '/etc/slurm/slurm.conf']);
    expect(parseSlurmConf(file(two, 'slurm.conf')).includes()).toContain('slurm.conf.gpu');
    expect(restarts(one, two)).toBe(1);
    expect(two.unitStatus).toEqual(new ActiveStatus('2 partitions'));
    expect(two.getRelation(gpu.id).localAppData['munge-key-secret-id']).toBeDefined();

    const broken = await ctx.run(ctx.on.relationBroken(gpu), two);
    expect(broken.machine?.files['/etc/slurm/slurm.conf.gpu']).toBeUndefined();
    expect(parseSlurmConf(file(broken, 'slurm.conf')).includes()).not.toContain('slurm.conf.gpu');
    expect(restarts(two, broken)).toBe(1);
    expect(broken.unitStatus).toEqual(new ActiveStatus('1 partition'));
  });

  it('bad partition data blocks without failing the hook and leaves the files alone', async () => {
    const rel = slurmdRel('compute', {}, { Nodes: 'all' });
    const out = await ctx.run(ctx.on.relationChanged(rel), State({ ...installed, relations: [rel] }));
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toMatch(/^compute sent invalid slurmd data: partition\.config\.Nodes/);
    expect(writes(installed, out)).toEqual([]);
  });

  it('a slurmd application named like another include file is refused', async () => {
    const rel = slurmdRel('accounting');
    const out = await ctx.run(ctx.on.relationChanged(rel), State({ ...installed, relations: [rel] }));
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        "slurmd application 'accounting' cannot be a partition: deploy it under another name",
      ),
    );
    expect(file(out, 'slurm.conf.accounting')).not.toContain('PartitionName');
  });

  it('leader-elected reads every unit’s gres afresh', async () => {
    const gres = JSON.stringify([{ name: 'gpu', type: 'a100', count: 4 }]);
    const rel = slurmdRel('gpu', { 0: { nodename: '"gpu-0"', gres } });
    const out = await ctx.run(ctx.on.leaderElected(), State({ ...installed, relations: [rel] }));
    expect(file(out, 'gres.conf')).toContain('NodeName=gpu-0 Name=gpu Type=a100 Count=4\n');
  });

  it('upgrade-charm rescans too, and restarts only because gres.conf changed', async () => {
    const gres = JSON.stringify([{ name: 'gpu', type: 'a100', file: '/dev/nvidia[0-1]', count: 2 }]);
    const rel = slurmdRel('compute', { 1: { nodename: '"compute-1"', gres } });
    const ready = await ctx.run(ctx.on.relationChanged(rel), State({ ...installed, relations: [rel] }));
    const out = await ctx.run(ctx.on.upgradeCharm(), ready);
    expect(writes(ready, out)).toEqual(['/etc/slurm/gres.conf']);
    expect(restarts(ready, out)).toBe(1);
    const again = await ctx.run(ctx.on.upgradeCharm(), out);
    expect(writes(out, again)).toEqual([]);
  });
});

describe('start', () => {
  it('recreates /run/slurm (emptied by a reboot) and restarts nothing', async () => {
    const out = await ctx.run(ctx.on.start(), installed);
    expect(opsSince(installed, out)).toContainEqual({
      kind: 'mkdir',
      path: '/run/slurm',
      mode: 0o755,
      owner: 'slurm',
      group: 'slurm',
    });
    expect(restarts(installed, out)).toBe(0);
  });
});

describe('slurmdbd relation', () => {
  const dbd = (data: Record<string, string>) =>
    Relation({ endpoint: 'slurmdbd', remoteAppName: 'slurmdbd', remoteAppData: data });

  it('fills slurm.conf.accounting, grants the key, restarts; broken empties it', async () => {
    const rel = dbd({ host: '"10.0.0.9"', port: '6819' });
    const out = await ctx.run(ctx.on.relationChanged(rel), State({ ...installed, relations: [rel] }));
    const acct = parseSlurmConf(file(out, 'slurm.conf.accounting'));
    expect(Object.fromEntries(acct.params().map((p) => [p.key, p.value]))).toEqual({
      AccountingStorageType: 'accounting_storage/slurmdbd',
      AccountingStorageHost: '10.0.0.9',
      AccountingStoragePort: '6819',
    });
    const key = out.getSecret({ label: MUNGE_KEY_LABEL });
    expect(out.getRelation(rel.id).localAppData['munge-key-secret-id']).toBe(JSON.stringify(key.id));
    expect(key.remoteGrants[rel.id]).toEqual(['slurmdbd']);
    expect(restarts(installed, out)).toBe(1);

    const broken = await ctx.run(ctx.on.relationBroken(rel), out);
    expect(parseSlurmConf(file(broken, 'slurm.conf.accounting')).params()).toEqual([]);
    expect(restarts(out, broken)).toBe(1);
  });

  it('relation-created: the key id is granted and published before slurmdbd says anything', async () => {
    const rel = dbd({});
    const out = await ctx.run(ctx.on.relationCreated(rel), State({ ...installed, relations: [rel] }));
    const key = out.getSecret({ label: MUNGE_KEY_LABEL });
    expect(out.getRelation(rel.id).localAppData).toEqual({
      'munge-key-secret-id': JSON.stringify(key.id),
      'interface-version': '1',
    });
    expect(writes(installed, out)).toEqual([]);
  });

  it('bad slurmdbd data blocks, the hook succeeds and accounting stays empty', async () => {
    const rel = dbd({ host: '"not a host"' });
    const out = await ctx.run(ctx.on.relationChanged(rel), State({ ...installed, relations: [rel] }));
    expect(out.unitStatus.message).toMatch(/^slurmdbd sent invalid slurmdbd data: host/);
    expect(writes(installed, out)).toEqual([]);
  });
});

describe('the existing slurm.conf', () => {
  const seeded = (text: string): MachineSnapshot =>
    new RecordingMachine({ files: { '/etc/slurm/slurm.conf': text } }).snapshot();

  it("keeps an operator's comments and keys, and sets the managed keys", async () => {
    const text = '# site notes: keep me\nClusterName=old\nSlurmctldDebug=debug5 # loud\nAuthType=auth/none\n';
    const out = await ctx.run(ctx.on.install(), State({ leader: true, machine: seeded(text) }));
    const conf = file(out, 'slurm.conf');
    expect(conf.startsWith('# site notes: keep me\nClusterName=tsops\nSlurmctldDebug=debug5 # loud\n')).toBe(
      true,
    );
    expect(parseSlurmConf(conf).get('AuthType')).toBe('auth/munge');
    expect(parseSlurmConf(conf).getAll('SlurmctldDebug')).toEqual(['debug5']);
  });

  it('a file the model cannot parse blocks and is left as it is', async () => {
    const text = '# mine\nClusterName=x y\n';
    const out = await ctx.run(ctx.on.install(), State({ leader: true, machine: seeded(text) }));
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toMatch(
      /^cannot edit \/etc\/slurm\/slurm\.conf:\d+: .*fix or remove the file$/,
    );
    expect(file(out, 'slurm.conf')).toBe(text);
  });
});
