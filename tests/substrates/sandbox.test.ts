/**
 * The sandbox substrate's machines: files under the root with real modes and
 * recorded owners, packages, services, re-opening after a restart, and
 * concurrent updates of the state files.
 */
import { mkdtemp, readFile, rm, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { FileNotFoundError, PackageError, ServiceError } from '../../framework/ops/machine.js';
import type { ServiceSpec } from '../../framework/ops/machine.js';
import { SandboxMachine, SandboxSubstrate } from '../../framework/substrates/sandbox/index.js';

let modelDir: string;
let substrate: SandboxSubstrate;

beforeEach(async () => {
  modelDir = await mkdtemp(join(os.tmpdir(), 'tsops-sandbox-'));
  substrate = new SandboxSubstrate({ modelDir });
});

afterEach(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

const json = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8'));

describe('files', () => {
  it('lands canonical paths under <dir>/root with the mode applied for real', async () => {
    const m = await substrate.createMachine('0', '');
    await m.files.write('/etc/slurm/slurm.conf', 'ClusterName=c\n');
    await m.files.write('/etc/slurm/slurmdbd.conf', 'x', { mode: 0o600, owner: 'slurm' });
    const real = join(modelDir, 'machines/0/root/etc/slurm');
    expect(await readFile(join(real, 'slurm.conf'), 'utf8')).toBe('ClusterName=c\n');
    expect((await stat(join(real, 'slurm.conf'))).mode & 0o7777).toBe(0o644);
    expect((await stat(join(real, 'slurmdbd.conf'))).mode & 0o7777).toBe(0o600);
    expect((await stat(real)).mode & 0o7777).toBe(0o755);
    expect(await m.files.read('/etc/slurm/slurm.conf')).toBe('ClusterName=c\n');
    expect(await m.files.list('/etc/slurm')).toEqual(['slurm.conf', 'slurmdbd.conf']);
  });

  it('records owner and group in owners.json and reports them from stat', async () => {
    const m = await substrate.createMachine('0', '');
    await m.files.write('/etc/slurm/slurmdbd.conf', 'x', { mode: 0o600, owner: 'slurm' });
    await m.files.mkdir('/var/spool/slurmd', { owner: 'slurm', group: 'slurm', mode: 0o750 });
    expect(await m.files.stat('/etc/slurm/slurmdbd.conf')).toEqual({
      path: '/etc/slurm/slurmdbd.conf',
      mode: 0o600,
      owner: 'slurm',
      group: 'slurm',
      size: 1,
      isDirectory: false,
    });
    expect(await m.files.stat('/var/spool/slurmd')).toMatchObject({
      mode: 0o750,
      owner: 'slurm',
      isDirectory: true,
    });
    expect(await json(join(m.dir, 'owners.json'))).toEqual({
      '/etc/slurm/slurmdbd.conf': { owner: 'slurm', group: 'slurm' },
      '/var/spool/slurmd': { owner: 'slurm', group: 'slurm' },
    });
    // A rewrite without options keeps owner and mode; remove forgets the owner.
    await m.files.write('/etc/slurm/slurmdbd.conf', 'y');
    expect(await m.files.stat('/etc/slurm/slurmdbd.conf')).toMatchObject({ mode: 0o600, owner: 'slurm' });
    await m.files.remove('/etc/slurm/slurmdbd.conf');
    await m.files.remove('/etc/slurm/slurmdbd.conf'); // absent is fine
    expect(await json(join(m.dir, 'owners.json'))).toEqual({
      '/var/spool/slurmd': { owner: 'slurm', group: 'slurm' },
    });
    expect(await m.files.stat('/etc/slurm/slurmdbd.conf')).toBeNull();
  });

  it('keeps modes the sandbox cannot hold for real in owners.json', async () => {
    const m = await substrate.createMachine('0', '');
    await m.files.write('/etc/secret', 's', { mode: 0o000 });
    await m.files.mkdir('/srv/ro', { mode: 0o555 });
    expect(await m.files.read('/etc/secret')).toBe('s'); // still readable by the sandbox itself
    expect((await m.files.stat('/etc/secret'))?.mode).toBe(0o000);
    expect((await m.files.stat('/srv/ro'))?.mode).toBe(0o555);
    await m.files.write('/srv/ro/file', 'ok'); // root may write into a 0555 directory
    await substrate.destroyMachine('0'); // and the machine can still be deleted
  });

  it('refuses relative paths and escapes through .. or symbolic links', async () => {
    const m = await substrate.createMachine('0', '');
    await expect(m.files.read('etc/passwd')).rejects.toThrow(/must be absolute/);
    await expect(m.files.read('/../../etc/passwd')).rejects.toThrow(/climbs above the machine's root/);
    await expect(m.files.write('/etc/../../x', 'x')).rejects.toThrow(/climbs above/);
    const outside = join(modelDir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret'), 'host secret');
    await symlink(outside, join(m.dir, 'root/escape'));
    await symlink(join(outside, 'secret'), join(m.dir, 'root/leak'));
    await expect(m.files.read('/escape/secret')).rejects.toThrow(/symbolic link leads outside/);
    await expect(m.files.read('/leak')).rejects.toThrow(/symbolic link leads outside/);
    await expect(m.files.write('/escape/new', 'x')).rejects.toThrow(/symbolic link leads outside/);
    await expect(m.files.stat('/escape')).rejects.toThrow(/outside/);
    await m.files.remove('/leak'); // the link itself may go
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('host secret');
    // .. inside the root is fine
    await m.files.write('/etc/a/../b', 'b');
    expect(await m.files.read('/etc/b')).toBe('b');
  });

  it('reports missing files, directories and bad options clearly', async () => {
    const m = await substrate.createMachine('0', '');
    await expect(m.files.read('/nope')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(m.files.list('/nope')).rejects.toBeInstanceOf(FileNotFoundError);
    await m.files.write('/etc/f', 'x');
    await expect(m.files.write('/etc', 'x')).rejects.toThrow(/is a directory/);
    await expect(m.files.write('/etc/f/g', 'x')).rejects.toThrow(/\/etc\/f is not a directory/);
    await expect(m.files.mkdir('/etc/f')).rejects.toThrow(/a file exists/);
    await expect(m.files.remove('/etc')).rejects.toThrow(/not empty/);
    await expect(m.files.write('/etc/g', 'x', { owner: 'bad name' })).rejects.toThrow(/invalid user name/);
    await expect(m.files.write('/etc/g', 'x', { mode: 0o10000 })).rejects.toThrow(/invalid file mode/);
    expect(await m.files.exists('/etc/g')).toBe(false);
  });

  it('names a damaged owners.json', async () => {
    const m = await substrate.createMachine('0', '');
    await m.files.write('/etc/f', 'x');
    await writeFile(join(m.dir, 'owners.json'), '{"/etc/f": {"owner": 1}}');
    await expect(m.files.stat('/etc/f')).rejects.toThrow(
      /damaged sandbox state file .*owners\.json: \/etc\/f\.owner/,
    );
  });
});

describe('packages', () => {
  it('installs idempotently, removes, and reports versions', async () => {
    const m = await substrate.createMachine('0', '');
    await m.packages.install(['slurm-client', 'jq']);
    const first = await json(join(m.dir, 'packages.json'));
    await m.packages.install(['jq']);
    expect(await json(join(m.dir, 'packages.json'))).toEqual(first);
    expect(await m.packages.version('jq')).toBe('sandbox');
    await m.packages.install(['jq=1.6-2.1']);
    expect(await m.packages.version('jq')).toBe('1.6-2.1');
    await m.packages.remove(['jq', 'never-installed']);
    expect(await m.packages.version('jq')).toBeNull();
    expect(await m.packages.version('slurm-client')).toBe('sandbox');
  });

  it('validates names like Debian', async () => {
    const m = await substrate.createMachine('0', '');
    for (const bad of ['-o', 'Slurm', 'a', 'x y', 'slurmd=', '../x']) {
      await expect(m.packages.install([bad])).rejects.toBeInstanceOf(PackageError);
    }
    await m.packages.install(['libc6:amd64', 'g++']);
    expect(await m.packages.version('libc6')).toBe('sandbox');
  });

  it('makes the services a package provides exist, started and enabled', async () => {
    const m = await substrate.createMachine('0', '');
    await expect(m.services.status('mariadb')).rejects.toThrow(/unknown service mariadb/);
    await m.packages.install(['mariadb-server', 'munge']);
    expect(await m.services.status('mariadb')).toEqual({ name: 'mariadb', state: 'running', enabled: true });
    expect(await m.services.status('munge')).toMatchObject({ state: 'running' });
    await m.packages.remove(['mariadb-server']);
    await expect(m.services.status('mariadb')).rejects.toThrow(/unknown service/);
  });
});

const SPEC: ServiceSpec = { name: 'demo', command: ['/usr/bin/demo', '--foreground'], user: 'demo' };

describe('services', () => {
  it('defines a service, writes its unit file, and follows systemd-like rules', async () => {
    const m = await substrate.createMachine('0', '');
    await m.services.define(SPEC);
    expect(await m.files.read('/etc/systemd/system/demo.service')).toContain(
      'ExecStart=/usr/bin/demo --foreground',
    );
    expect(await m.services.status('demo')).toEqual({ name: 'demo', state: 'stopped', enabled: false });
    await expect(m.services.reload('demo')).rejects.toThrow(/not running/);
    await m.services.start('demo');
    await m.services.start('demo'); // already running: nothing happens
    await m.services.enable('demo');
    await m.services.reload('demo');
    await m.services.restart('demo');
    await m.services.stop('demo');
    expect(await m.services.status('demo')).toEqual({ name: 'demo', state: 'stopped', enabled: true });
    const records = await json(join(m.dir, 'services.json'));
    expect(records).toEqual({
      demo: { spec: SPEC, state: 'stopped', enabled: true, starts: 2, restarts: 1, reloads: 1 },
    });
    await m.services.disable('demo');
    expect((await m.services.status('demo')).enabled).toBe(false);
  });

  it('refuses unknown services, bad names and bad specs', async () => {
    const m = await substrate.createMachine('0', '');
    for (const verb of ['start', 'stop', 'restart', 'reload', 'enable', 'disable', 'status'] as const) {
      await expect(m.services[verb]('ghost')).rejects.toThrow(ServiceError);
    }
    await expect(m.services.start('../etc/passwd')).rejects.toThrow(/invalid service name/);
    await expect(m.services.define({ name: 'x', command: [] })).rejects.toThrow(/cannot define service x/);
  });

  it('names a damaged services.json', async () => {
    const m = await substrate.createMachine('0', '');
    await writeFile(join(m.dir, 'services.json'), '{"demo": {"state": "exploded"}}');
    await expect(m.services.status('demo')).rejects.toThrow(
      /services\.json: demo\.state must be running, stopped or failed/,
    );
    await writeFile(join(m.dir, 'services.json'), 'not json');
    await expect(m.services.start('demo')).rejects.toThrow(/damaged sandbox state file .*services\.json/);
  });

  it('loses no update when many operations run at once', async () => {
    const m = await substrate.createMachine('0', '');
    const names = Array.from({ length: 30 }, (_, i) => `svc${i}`);
    await Promise.all(names.map((name) => m.services.define({ name, command: ['/bin/sleep', 'infinity'] })));
    // A second machine object over the same directory shares the queue.
    const twin = await substrate.machine('0');
    await Promise.all([
      ...names.map((name) => m.services.restart(name)),
      ...names.map((name) => twin.services.restart(name)),
      ...names.map((name, i) => m.files.write(`/etc/f${i}`, 'x', { owner: `u${i}` })),
      m.packages.install(['munge']),
    ]);
    const records = await twin.services.all();
    expect(records.size).toBe(31);
    for (const name of names) expect(records.get(name)).toMatchObject({ restarts: 2, starts: 2 });
    expect((await m.files.ownerEntries()).size).toBe(30);
  });
});

describe('substrate', () => {
  it('creates, re-opens after a restart, lists and destroys machines', async () => {
    const m = await substrate.createMachine('0', 'mem=8192 cores=4');
    await substrate.createMachine('10', '');
    await substrate.createMachine('2', 'gpus=1');
    await m.files.write('/etc/hello', 'hi', { owner: 'slurm' });
    await m.packages.install(['slurmd']);
    expect(await json(join(modelDir, 'machines/0/machine.json'))).toMatchObject({
      id: '0',
      hostname: 'machine-0',
      constraints: 'cores=4 mem=8G',
    });

    const restarted = new SandboxSubstrate({ modelDir });
    const again = await restarted.machine('0');
    expect(again).toBeInstanceOf(SandboxMachine);
    expect(await again.files.read('/etc/hello')).toBe('hi');
    expect((await again.files.stat('/etc/hello'))?.owner).toBe('slurm');
    expect(await again.packages.version('slurmd')).toBe('sandbox');
    expect(await again.services.status('slurmd')).toMatchObject({ state: 'running' });
    expect(await again.hardware()).toMatchObject({ hostname: 'machine-0', cpus: 4, memoryMb: 8192 });
    expect((await restarted.list()).map((r) => r.id)).toEqual(['0', '2', '10']);

    await restarted.destroyMachine('2');
    await restarted.destroyMachine('2'); // absent is fine
    expect((await restarted.list()).map((r) => r.id)).toEqual(['0', '10']);
    await expect(restarted.machine('2')).rejects.toThrow(/no sandbox machine 2/);
  });

  it('creates idempotently with the same constraints and refuses different ones', async () => {
    await substrate.createMachine('0', 'cores=2');
    await expect(substrate.createMachine('0', ' cores=2 ')).resolves.toBeInstanceOf(SandboxMachine);
    await expect(substrate.createMachine('0', 'cores=3')).rejects.toThrow(
      /already exists with constraints "cores=2"/,
    );
  });

  it('refuses bad ids and constraints before touching the disk, and names a damaged machine.json', async () => {
    await expect(substrate.createMachine('../x', '')).rejects.toThrow(/invalid machine id/);
    await expect(substrate.createMachine('0', 'ram=4G')).rejects.toThrow(/unknown constraint "ram"/);
    expect(await substrate.list()).toEqual([]);
    await substrate.createMachine('1', '');
    await writeFile(join(modelDir, 'machines/1/machine.json'), '{"id": "1"}');
    await expect(substrate.machine('1')).rejects.toThrow(
      /damaged sandbox machine file .*machine\.json: hostname/,
    );
    expect(substrate.name).toBe('sandbox');
  });
});
