/** RecordingMachine: the in-memory Machine charm unit tests run against. */
import { ExecError, FileNotFoundError, PackageError, ServiceError } from '../../framework/ops/machine.js';
import type { Machine } from '../../framework/ops/machine.js';
import { RecordingMachine } from '../../framework/testing/recording-machine.js';

describe('RecordingMachine files', () => {
  it('starts from seeded files and records writes with their attributes', async () => {
    const machine = new RecordingMachine({
      files: {
        '/etc/hosts': '127.0.0.1 localhost\n',
        '/etc/munge/munge.key': { content: 'k', mode: 0o400, owner: 'munge' },
      },
    });
    expect(await machine.files.read('/etc/hosts')).toBe('127.0.0.1 localhost\n');
    expect(await machine.files.stat('/etc/munge/munge.key')).toEqual({
      path: '/etc/munge/munge.key',
      mode: 0o400,
      owner: 'munge',
      group: 'munge',
      size: 1,
      isDirectory: false,
    });
    expect(machine.history).toEqual([]); // seeding is not something the charm did

    await machine.files.write('/etc/slurm/slurm.conf', 'ClusterName=c\n', { mode: 0o640, owner: 'slurm' });
    await machine.files.write('/etc/slurm/slurm.conf', new TextEncoder().encode('ClusterName=d\n'));
    expect(machine.history).toEqual([
      { kind: 'write', path: '/etc/slurm/slurm.conf', mode: 0o640, owner: 'slurm', group: 'slurm' },
      // Unspecified attributes are kept, as on the host.
      { kind: 'write', path: '/etc/slurm/slurm.conf', mode: 0o640, owner: 'slurm', group: 'slurm' },
    ]);
    expect(await machine.files.read('/etc/slurm/slurm.conf')).toBe('ClusterName=d\n');
  });

  it('implies directories, lists sorted names, and refuses what the host refuses', async () => {
    const machine = new RecordingMachine({ files: { '/etc/slurm/b.conf': 'b' } });
    await machine.files.write('/etc/slurm/a.conf', 'a');
    await machine.files.mkdir('/etc/slurm/conf.d', { mode: 0o750 });
    expect(await machine.files.list('/etc/slurm')).toEqual(['a.conf', 'b.conf', 'conf.d']);
    expect(await machine.files.list('/')).toEqual(['etc']);
    expect(await machine.files.stat('/etc')).toMatchObject({ isDirectory: true, mode: 0o755, owner: 'root' });
    expect(await machine.files.stat('/etc/slurm/conf.d')).toMatchObject({ isDirectory: true, mode: 0o750 });
    expect(await machine.files.exists('/etc/slurm/../slurm/a.conf')).toBe(true);

    await expect(machine.files.read('/etc/none')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(machine.files.list('/none')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(machine.files.write('etc/x', 'x')).rejects.toThrow('machine paths must be absolute');
    await expect(machine.files.write('/etc/slurm', 'x')).rejects.toThrow('it is a directory');
    await expect(machine.files.write('/etc/slurm/a.conf/x', 'x')).rejects.toThrow(
      '/etc/slurm/a.conf is a file',
    );
    await expect(machine.files.remove('/etc/slurm')).rejects.toThrow('directory not empty');

    await machine.files.remove('/etc/slurm/a.conf');
    await machine.files.remove('/etc/slurm/conf.d');
    await machine.files.remove('/etc/absent');
    expect(await machine.files.list('/etc/slurm')).toEqual(['b.conf']);
    // Requests that failed are recorded too.
    expect(machine.ops('remove').map((op) => op.path)).toEqual([
      '/etc/slurm',
      '/etc/slurm/a.conf',
      '/etc/slurm/conf.d',
      '/etc/absent',
    ]);
  });
});

describe('RecordingMachine packages and services', () => {
  it('installs idempotently, records requests, and fails for unavailable packages', async () => {
    const machine = new RecordingMachine({ packages: ['munge'], unavailablePackages: ['nvidia-driver-999'] });
    expect(await machine.packages.version('munge')).toBe('recorded');
    await machine.packages.install(['munge', 'slurmd', 'slurm-wlm=23.11']);
    expect(await machine.packages.version('slurmd')).toBe('recorded');
    expect(await machine.packages.version('slurm-wlm')).toBe('23.11');
    await expect(machine.packages.install(['nvidia-driver-999'])).rejects.toThrow(PackageError);
    await expect(machine.packages.install(['nvidia-driver-999'])).rejects.toThrow('nvidia-driver-999');
    await machine.packages.remove(['munge']);
    expect(await machine.packages.version('munge')).toBeNull();
    expect(machine.ops('install')[0]).toEqual({
      kind: 'install',
      packages: ['munge', 'slurmd', 'slurm-wlm=23.11'],
    });
    expect(machine.ops('uninstall')).toEqual([{ kind: 'uninstall', packages: ['munge'] }]);
  });

  it('tracks service definitions, state, restarts and reloads', async () => {
    const machine = new RecordingMachine({ services: { munge: 'running' } });
    expect(await machine.services.status('munge')).toEqual({
      name: 'munge',
      state: 'running',
      enabled: true,
    });
    const spec = { name: 'slurmd', command: ['/usr/sbin/slurmd', '-D'], user: 'slurm' };
    await machine.services.define(spec);
    expect(await machine.services.status('slurmd')).toEqual({
      name: 'slurmd',
      state: 'stopped',
      enabled: false,
    });
    await expect(machine.services.reload('slurmd')).rejects.toThrow(ServiceError);
    await machine.services.enable('slurmd');
    await machine.services.start('slurmd');
    await machine.services.restart('slurmd');
    await machine.services.reload('slurmd');
    expect(await machine.services.status('slurmd')).toEqual({
      name: 'slurmd',
      state: 'running',
      enabled: true,
    });
    await machine.services.stop('slurmd');
    expect(machine.snapshot().services['slurmd']).toEqual({
      spec,
      state: 'stopped',
      enabled: true,
      restarts: 1,
      reloads: 1,
    });
    // The failed reload is recorded too: the charm asked for it.
    const ops = machine.history.map((op) => (op.kind === 'service' ? op.verb : op.kind));
    expect(ops).toEqual(['define', 'reload', 'enable', 'start', 'restart', 'reload', 'stop']);
    await expect(machine.services.status('nosuch')).rejects.toThrow('unknown service nosuch');
  });

  it('validates service specs as the host would render them', async () => {
    const machine = new RecordingMachine();
    await expect(machine.services.define({ name: 'x', command: [] })).rejects.toThrow(ServiceError);
    await expect(
      machine.services.define({ name: 'x', command: ['/bin/x'], environment: { 'A-B': '1' } }),
    ).rejects.toThrow('invalid environment variable name');
    await expect(machine.services.start('../x')).rejects.toThrow('invalid service name');
  });
});

describe('RecordingMachine exec', () => {
  it('answers from the longest matching handler and records the call', async () => {
    const machine = new RecordingMachine({
      exec: [
        { argv: ['scontrol'], result: { stdout: 'generic' } },
        { argv: ['scontrol', 'ping'], result: { stdout: 'Slurmctld(primary) at c0 is UP' } },
        { argv: ['fail'], result: { exitCode: 2, stderr: 'nope' } },
        {
          argv: ['echo'],
          result: (argv, options) => ({ stdout: `${argv.slice(1).join(' ')}|${options.input ?? ''}` }),
        },
      ],
    });
    expect((await machine.exec(['scontrol', 'ping'])).stdout).toBe('Slurmctld(primary) at c0 is UP');
    expect((await machine.exec(['scontrol', 'reconfigure'])).stdout).toBe('generic');
    expect(await machine.exec(['echo', 'a b'], { input: 'in', user: 'slurm' })).toEqual({
      exitCode: 0,
      stdout: 'a b|in',
      stderr: '',
    });
    await expect(machine.exec(['fail'])).rejects.toBeInstanceOf(ExecError);
    expect((await machine.exec(['fail'], { check: false })).exitCode).toBe(2);
    expect(machine.ops('exec')[2]).toEqual({
      kind: 'exec',
      argv: ['echo', 'a b'],
      input: 'in',
      user: 'slurm',
    });
  });

  it('fails loudly for a command without a handler', async () => {
    const machine = new RecordingMachine();
    await expect(machine.exec(['nvidia-smi', '-L'])).rejects.toThrow(
      'nvidia-smi -L exited 127: nvidia-smi: no exec handler registered in the test (RecordingMachine)',
    );
    machine.onExec(['nvidia-smi'], { stdout: 'GPU 0: A100' });
    expect((await machine.exec(['nvidia-smi', '-L'])).stdout).toBe('GPU 0: A100');
  });
});

describe('RecordingMachine hardware and snapshots', () => {
  it('has default hardware, overridable in part', async () => {
    expect(await new RecordingMachine().hardware()).toEqual({
      hostname: 'juju-0',
      architecture: 'amd64',
      cpus: 4,
      sockets: 1,
      coresPerSocket: 4,
      threadsPerCore: 1,
      memoryMb: 8192,
      gpus: [],
    });
    const gpu = { pciAddress: '0000:3b:00.0', vendorId: '10de', deviceId: '20b0' };
    const machine = new RecordingMachine({ hardware: { hostname: 'gpu-0', gpus: [gpu] } });
    expect(await machine.hardware()).toMatchObject({ hostname: 'gpu-0', cpus: 4, gpus: [gpu] });
  });

  it('round-trips through a JSON snapshot, independent of the original', async () => {
    const machine: RecordingMachine = new RecordingMachine({ hardware: { cpus: 64 } });
    await machine.files.write('/etc/a', 'a', { mode: 0o600 });
    await machine.files.mkdir('/var/lib/slurm', { owner: 'slurm' });
    await machine.packages.install(['slurmd']);
    await machine.services.define({ name: 'slurmd', command: ['/usr/sbin/slurmd'] });
    await machine.services.start('slurmd');
    const snapshot = machine.snapshot();
    const copy = RecordingMachine.fromSnapshot(JSON.parse(JSON.stringify(snapshot)));
    expect(copy.snapshot()).toEqual(snapshot);

    const next: Machine = copy;
    await next.files.write('/etc/a', 'changed');
    expect(await machine.files.read('/etc/a')).toBe('a');
    expect(await next.files.stat('/var/lib/slurm')).toMatchObject({ owner: 'slurm', isDirectory: true });
    expect(await next.services.status('slurmd')).toMatchObject({ state: 'running' });
    expect((await next.hardware()).cpus).toBe(64);
    expect(copy.history).toHaveLength(snapshot.history.length + 1);

    // A harness that wants only the next run's operations starts from an empty history.
    expect(RecordingMachine.fromSnapshot({ ...snapshot, history: [] }).history).toEqual([]);
  });
});
