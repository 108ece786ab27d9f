/**
 * The whole Slurm bundle on the sandbox substrate, in-process: it settles with the
 * expected statuses; the rendered slurm.conf, its includes, slurmdbd.conf, and the munge
 * key are right; scaling out adds dynamic nodes without touching slurm.conf; a new slurmd
 * application adds a partition include; remove-unit drains and deletes the node; removing
 * the database relation blocks slurmdbd and nothing else; secrets appear nowhere.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSlurmConf } from '../../charms/lib/slurm/index.js';
import { status } from '../../framework/controller/controller-handlers.js';
import { deployBundle, exportModel } from '../../framework/controller/model-bundle.js';
import { ModelController } from '../../framework/controller/model-controller.js';
import { showUnit } from '../../framework/controller/model-ops.js';
import { SecretStore } from '../../framework/controller/store/secrets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let mc: ModelController;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsops-slurm-bundle-'));
  mc = ModelController.open('slurm', dir);
  await deployBundle(mc, join(ROOT, 'bundles/slurm-cluster.yaml'), [], false);
  await mc.idle();
}, 120_000);

afterAll(() => {
  mc.close();
  rmSync(dir, { recursive: true, force: true });
});

async function machineOf(unit: string) {
  const u = mc.store.unit(unit);
  if (!u) throw new Error(`no unit ${unit}`);
  return mc.substrate.machine(u.machine);
}

async function read(unit: string, path: string): Promise<string> {
  return (await machineOf(unit)).files.read(path);
}

async function slurmConfHashes(): Promise<Record<string, string>> {
  const m = await machineOf('slurmctld/0');
  const out: Record<string, string> = {};
  for (const name of await m.files.list('/etc/slurm')) {
    out[name] = createHash('sha256')
      .update(await m.files.read(`/etc/slurm/${name}`))
      .digest('hex');
  }
  return out;
}

describe('the Slurm bundle on the sandbox', () => {
  it('settles with the expected statuses and no unit in error', () => {
    const st = status(mc);
    expect(st.model.errors).toEqual([]);
    expect(st.model.settled).toBe(true);
    const app = (name: string) => st.applications[name];
    expect(app('slurmctld')).toMatchObject({ status: 'active', message: '2 partitions' });
    expect(app('compute')?.status).toBe('active');
    expect(app('gpu')?.status).toBe('active');
    expect(app('mariadb')?.status).toBe('active');
    expect(app('slurmdbd')?.status).toBe('active');
    // No Lustre in the sandbox's (simulated) Debian kernel, no non-free apt sources for NVIDIA's
    // driver: both say so in Blocked, never an error or a pretend success.
    expect(app('lustre-mgs')).toMatchObject({
      status: 'blocked',
      message: expect.stringMatching(/has no Lustre module/),
    });
    expect(app('lustre-client')?.status).toBe('blocked');
    expect(app('nvidia-gpu')).toMatchObject({
      status: 'blocked',
      message: expect.stringMatching(/non-free/),
    });
  });

  it('renders slurm.conf with configless dynamic nodes, one include per partition and accounting', async () => {
    const conf = parseSlurmConf(await read('slurmctld/0', '/etc/slurm/slurm.conf'), 'slurm.conf');
    expect(conf.get('ClusterName')).toBe('tsops');
    expect(conf.get('SlurmctldParameters')).toMatch(/enable_configless/);
    expect(Number(conf.get('MaxNodeCount'))).toBeGreaterThan(0);
    expect(conf.get('AuthType')).toBe('auth/munge');
    expect(conf.includes()).toEqual(
      expect.arrayContaining([
        'slurm.conf.compute',
        'slurm.conf.gpu',
        'slurm.conf.accounting',
        'slurm.conf.overrides',
      ]),
    );
    const compute = parseSlurmConf(
      await read('slurmctld/0', '/etc/slurm/slurm.conf.compute'),
      'slurm.conf.compute',
    );
    const part = compute.records('PartitionName').find((r) => r.name === 'compute');
    expect(part?.params.get('Nodes')).toBe('compute');
    expect(part?.params.get('Default')).toMatch(/^yes$/i);
    expect(part?.params.get('MaxTime')).toBe('24:00:00');
    const acct = parseSlurmConf(
      await read('slurmctld/0', '/etc/slurm/slurm.conf.accounting'),
      'slurm.conf.accounting',
    );
    expect(acct.get('AccountingStorageType')).toBe('accounting_storage/slurmdbd');
    expect(acct.get('AccountingStorageHost')).toBe(mc.store.unit('slurmdbd/0')?.address);
  });

  it('renders slurmdbd.conf whole, 0600 slurm, with the database credentials from the secret', async () => {
    const m = await machineOf('slurmdbd/0');
    const info = await m.files.stat('/etc/slurm/slurmdbd.conf');
    expect(info).toMatchObject({ mode: 0o600, owner: 'slurm' });
    const conf = parseSlurmConf(await m.files.read('/etc/slurm/slurmdbd.conf'), 'slurmdbd.conf');
    expect(conf.get('StorageType')).toBe('accounting_storage/mysql');
    expect(conf.get('StorageHost')).toBe(mc.store.unit('mariadb/0')?.address);
    expect(conf.get('StorageLoc')).toBe('slurm_acct_db');
    expect(conf.includes()).toEqual([]);
  });

  it('writes the same munge key, 0400 munge, on every Slurm unit', async () => {
    const keys = new Set<string>();
    for (const unit of ['slurmctld/0', 'compute/0', 'compute/1', 'gpu/0', 'slurmdbd/0']) {
      const m = await machineOf(unit);
      expect(await m.files.stat('/etc/munge/munge.key')).toMatchObject({ mode: 0o400, owner: 'munge' });
      keys.add(
        createHash('sha256')
          .update(await m.files.read('/etc/munge/munge.key'))
          .digest('hex'),
      );
    }
    expect(keys.size).toBe(1);
  });

  it('keeps secret values out of status, logs, show-unit and export-bundle', async () => {
    const secrets = new SecretStore(mc.store.db);
    const values: string[] = [];
    for (const s of secrets.all()) {
      for (const rev of secrets.revisions(s.id))
        values.push(...Object.values(secrets.content(s.id, rev) ?? {}).filter((v) => v.length >= 6));
    }
    expect(values.length).toBeGreaterThanOrEqual(3);
    const logs = mc.store
      .logsAfter(0, 1_000_000)
      .map((l) => l.message)
      .join('\n');
    const shown = [JSON.stringify(status(mc)), logs, exportModel(mc)];
    for (const u of mc.store.units()) shown.push(JSON.stringify(showUnit(mc, u.name)));
    const everything = shown.join('\n');
    for (const v of values) expect(everything.includes(v)).toBe(false);
  });

  it('add-unit compute -n 5: five new dynamic nodes, and no slurm.conf file changes', async () => {
    const before = await slurmConfHashes();
    const units = await mc.addUnits('compute', 5);
    await mc.idle();
    expect(units).toEqual(['compute/2', 'compute/3', 'compute/4', 'compute/5', 'compute/6']);
    expect(await slurmConfHashes()).toEqual(before);
    const st = status(mc);
    for (const u of units)
      expect(st.applications.compute?.units[u]).toMatchObject({
        workload: 'active',
        message: `node ${u.replace('/', '-')} in partition compute`,
      });
    const svc = await (await machineOf('compute/6')).services.status('slurmd');
    expect(svc.state).toBe('running');
  });

  it('a new slurmd application becomes a new partition include', async () => {
    await mc.deployCharm({
      ref: 'slurmd',
      app: 'debug',
      numUnits: 1,
      config: {},
      constraints: '',
      baseDir: ROOT,
    });
    mc.integrate('slurmctld:slurmd', 'debug:slurmctld');
    await mc.idle();
    const conf = parseSlurmConf(await read('slurmctld/0', '/etc/slurm/slurm.conf'), 'slurm.conf');
    expect(conf.includes()).toContain('slurm.conf.debug');
    expect(await read('slurmctld/0', '/etc/slurm/slurm.conf.debug')).toMatch(/PartitionName=debug/);
    expect(status(mc).applications.slurmctld?.message).toBe('3 partitions');
  });

  it('remove-unit drains and deletes the node', async () => {
    mc.removeUnits(['compute/6']);
    await mc.idle();
    expect(mc.store.unit('compute/6')).toBeUndefined();
    const logs = mc.store
      .logsAfter(0, 1_000_000)
      .filter((l) => l.entity === 'unit-compute-6')
      .map((l) => l.message);
    expect(logs).toContain('scontrol update nodename=compute-6 state=drain reason=unit removed');
    expect(logs).toContain('scontrol delete nodename=compute-6');
  });

  it('removing the database relation blocks slurmdbd with a clear message and nothing else breaks', async () => {
    mc.removeRelation('slurmdbd:database', 'mariadb:database');
    await mc.idle();
    const st = status(mc);
    expect(st.model.errors).toEqual([]);
    expect(st.applications.slurmdbd).toMatchObject({
      status: 'blocked',
      message: expect.stringMatching(/relate a database/),
    });
    for (const app of ['slurmctld', 'compute', 'gpu', 'mariadb'])
      expect(st.applications[app]?.status).toBe('active');
  });
});
