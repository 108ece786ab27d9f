/**
 * HostMachine's files, packages, services and exec against a temp root and fake
 * apt-get/dpkg-query/systemctl scripts (host-machine-fixture.ts); exec runs real processes.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecError, FileNotFoundError, PackageError, ServiceError } from '../../framework/ops/machine.js';
import type { ServiceSpec } from '../../framework/ops/machine.js';
import { quoteExecArg } from '../../framework/ops/machine/systemd-unit.js';
import { useHostMachine } from './host-machine-fixture.js';

const isRoot = process.getuid?.() === 0;

const host = useHostMachine();

describe('files', () => {
  it('writes atomically: parents created, default mode, no temp file left', async () => {
    await host.machine.files.write('/etc/slurm/slurm.conf', 'ClusterName=x\n');
    expect(await readFile(join(host.root, 'etc/slurm/slurm.conf'), 'utf8')).toBe('ClusterName=x\n');
    expect(await readdir(join(host.root, 'etc/slurm'))).toEqual(['slurm.conf']);
    expect((await stat(join(host.root, 'etc/slurm/slurm.conf'))).mode & 0o777).toBe(0o644);
    expect(await host.machine.files.read('/etc/slurm/slurm.conf')).toBe('ClusterName=x\n');
  });

  it('applies the mode regardless of umask, and binary content', async () => {
    await host.machine.files.write('/etc/munge/munge.key', new Uint8Array([1, 2, 3]), { mode: 0o400 });
    const info = await stat(join(host.root, 'etc/munge/munge.key'));
    expect(info.mode & 0o777).toBe(0o400);
    expect([...(await readFile(join(host.root, 'etc/munge/munge.key')))]).toEqual([1, 2, 3]);
  });

  it('maps owner and group names through the root passwd and group files', async () => {
    if (!isRoot) {
      console.log('skipping chown assertions: chown to another uid needs root');
      return;
    }
    await host.machine.files.write('/etc/slurm/slurmdbd.conf', 'x', { mode: 0o600, owner: 'slurm' });
    expect(await stat(join(host.root, 'etc/slurm/slurmdbd.conf'))).toMatchObject({ uid: 64030, gid: 64030 });
    await host.machine.files.write('/etc/munge/key', 'k', { owner: 'slurm', group: 'munge' });
    expect(await host.machine.files.stat('/etc/munge/key')).toEqual({
      path: '/etc/munge/key',
      mode: 0o644,
      owner: 'slurm',
      group: 'munge',
      size: 1,
      isDirectory: false,
    });
    // Rewriting without attributes keeps them (rename would otherwise reset them).
    await host.machine.files.write('/etc/slurm/slurmdbd.conf', 'y');
    expect(await host.machine.files.stat('/etc/slurm/slurmdbd.conf')).toMatchObject({
      owner: 'slurm',
      mode: 0o600,
    });
  });

  it('names the user and the file when the owner is unknown, and leaves nothing behind', async () => {
    const write = host.machine.files.write('/etc/app/app.conf', 'x', { owner: 'nosuch' });
    await expect(write).rejects.toThrow('/etc/app/app.conf');
    await expect(write).rejects.toThrow('"nosuch"');
    await expect(host.machine.files.write('/etc/app/app.conf', 'x', { group: 'nogroup' })).rejects.toThrow(
      'no group "nogroup"',
    );
    expect(await host.machine.files.exists('/etc/app')).toBe(false);
  });

  it('rejects relative paths and keeps ".." inside the root', async () => {
    await expect(host.machine.files.write('etc/x', 'x')).rejects.toThrow(
      'machine paths must be absolute, got "etc/x"',
    );
    await expect(host.machine.files.read('./x')).rejects.toThrow('absolute');
    await host.machine.files.write('/../../escape', 'x');
    expect(await readFile(join(host.root, 'escape'), 'utf8')).toBe('x');
  });

  it('reads, lists, stats, removes and makes directories', async () => {
    await expect(host.machine.files.read('/etc/none')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(host.machine.files.list('/none')).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await host.machine.files.stat('/etc/none')).toBeNull();
    await host.machine.files.write('/srv/b', 'b');
    await host.machine.files.write('/srv/a', 'a');
    await host.machine.files.mkdir('/srv/dir', { mode: 0o750 });
    expect(await host.machine.files.list('/srv')).toEqual(['a', 'b', 'dir']);
    expect(await host.machine.files.stat('/srv/dir')).toMatchObject({
      isDirectory: true,
      mode: 0o750,
      owner: 'root',
    });
    await expect(host.machine.files.remove('/srv')).rejects.toThrow(
      'cannot remove /srv: directory not empty',
    );
    await host.machine.files.remove('/srv/a');
    await host.machine.files.remove('/srv/a'); // absent is fine
    await host.machine.files.remove('/srv/dir');
    expect(await host.machine.files.list('/srv')).toEqual(['b']);
    expect(await host.machine.files.exists('/srv/b')).toBe(true);
  });
});

describe('packages', () => {
  it('installs only what is missing, non-interactively, and is idempotent', async () => {
    await host.touch('pkg-munge', '0.5.15-2\n');
    await host.machine.packages.install(['munge', 'slurmd']);
    const apt = (await host.calls()).filter((c) => c.startsWith('apt-get'));
    expect(apt).toEqual([
      'apt-get [install] [-y] [--no-install-recommends] [-o] [DPkg::Lock::Timeout=300] [-o] [Dpkg::Options::=--force-confold] [slurmd]',
    ]);
    expect(await readFile(join(host.fake, 'apt-env'), 'utf8')).toBe('DEBIAN_FRONTEND=noninteractive\n');
    expect(await host.calls()).toContain('dpkg-query [-W] [-f] [${Status} ${Version}\\n] [munge]');

    await host.machine.packages.install(['munge', 'slurmd']);
    expect((await host.calls()).filter((c) => c.startsWith('apt-get'))).toHaveLength(1);
    expect(await host.machine.packages.version('slurmd')).toBe('1.0-1');
    expect(await host.machine.packages.version('munge')).toBe('0.5.15-2');
  });

  it('treats unknown and config-files-only packages as not installed', async () => {
    await host.touch('rc-old');
    expect(await host.machine.packages.version('old')).toBeNull();
    expect(await host.machine.packages.version('never')).toBeNull();
  });

  it('fails with PackageError naming the package and what to do, after one apt-get update', async () => {
    await host.touch('unknown-slurmd');
    const install = host.machine.packages.install(['slurmd']);
    await expect(install).rejects.toBeInstanceOf(PackageError);
    await expect(install).rejects.toThrow(
      "package slurmd is not available from this machine's apt sources: add the source that provides it",
    );
    const apt = (await host.calls()).filter((c) => c.startsWith('apt-get')).map((c) => c.split(' ')[1]);
    expect(apt).toEqual(['[install]', '[update]', '[install]']);
  });

  it('retries after apt-get update refreshes stale package lists', async () => {
    await host.touch('unknown-slurmd');
    await host.touch('update-fixes');
    await host.machine.packages.install(['slurmd']);
    expect(await host.machine.packages.version('slurmd')).toBe('1.0-1');
  });

  it('rejects option-like names and serializes concurrent apt calls', async () => {
    await expect(host.machine.packages.install(['-oAPT::x=y'])).rejects.toThrow(
      'invalid package name "-oAPT::x=y"',
    );
    await host.touch('slow');
    await Promise.all([host.machine.packages.install(['a1']), host.machine.packages.install(['b1'])]);
    expect((await readFile(join(host.fake, 'order'), 'utf8')).split('\n').filter(Boolean)).toEqual([
      'begin',
      'end',
      'begin',
      'end',
    ]);
  });

  it('removes only installed packages', async () => {
    await host.touch('pkg-munge', '1\n');
    await host.machine.packages.remove(['munge', 'absent']);
    expect((await host.calls()).filter((c) => c.startsWith('apt-get'))).toEqual([
      'apt-get [remove] [-y] [munge]',
    ]);
    await host.machine.packages.remove(['munge']);
    expect((await host.calls()).filter((c) => c.startsWith('apt-get'))).toHaveLength(1);
  });
});

describe('services', () => {
  const spec: ServiceSpec = {
    name: 'slurmd',
    description: 'Slurm node daemon (100%)',
    command: ['/usr/sbin/slurmd', '-D', '--conf', 'a b', 'say "hi"', '$HOME', 'back\\slash', ';', ''],
    user: 'slurm',
    group: 'slurm',
    environment: { SLURM_CONF: '/etc/slurm/slurm.conf', OPTS: 'x "y" 5%' },
    workingDirectory: '/var/lib/slurm',
    restart: 'always',
  };

  it('renders the unit, reloads systemd, and skips both when nothing changed', async () => {
    await host.machine.services.define(spec);
    expect(await readFile(join(host.root, 'etc/systemd/system/slurmd.service'), 'utf8')).toBe(
      [
        '# Written by tsops; changes are overwritten when the charm defines the service again.',
        '[Unit]',
        'Description=Slurm node daemon (100%%)',
        'After=network-online.target',
        'Wants=network-online.target',
        '',
        '[Service]',
        'Type=simple',
        'ExecStart=/usr/sbin/slurmd -D --conf "a b" "say \\"hi\\"" "$$HOME" "back\\\\slash" ";" ""',
        'User=slurm',
        'Group=slurm',
        'WorkingDirectory=/var/lib/slurm',
        'Environment="OPTS=x \\"y\\" 5%%"',
        'Environment="SLURM_CONF=/etc/slurm/slurm.conf"',
        'Restart=always',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
    );
    expect(await host.calls()).toEqual(['systemctl [daemon-reload]']);
    await host.machine.services.define(spec);
    expect(await host.calls()).toHaveLength(1);
    await host.machine.services.define({ ...spec, restart: undefined });
    expect(await host.calls()).toHaveLength(2);
    expect(await readFile(join(host.root, 'etc/systemd/system/slurmd.service'), 'utf8')).toContain(
      'Restart=on-failure',
    );
  });

  it('quotes ExecStart words per systemd rules', () => {
    expect(quoteExecArg('/usr/bin/x')).toBe('/usr/bin/x');
    expect(quoteExecArg("it's")).toBe('"it\'s"');
    expect(quoteExecArg('a\nb')).toBe('"a\\nb"');
    expect(quoteExecArg('%n')).toBe('"%%n"');
  });

  it('rejects specs systemd would misread', async () => {
    await expect(host.machine.services.define({ ...spec, environment: { 'BAD-NAME': 'x' } })).rejects.toThrow(
      ServiceError,
    );
    await expect(host.machine.services.define({ ...spec, name: '../evil' })).rejects.toThrow(
      'invalid service name',
    );
    await expect(host.machine.services.define({ ...spec, command: ['-/bin/true'] })).rejects.toThrow(
      'prefix',
    );
    await expect(host.machine.services.start('-H')).rejects.toThrow(ServiceError);
  });

  it('runs systemctl verbs and names the service on failure', async () => {
    for (const verb of ['start', 'stop', 'restart', 'reload', 'enable', 'disable'] as const) {
      await host.machine.services[verb]('munge');
    }
    expect(await host.calls()).toEqual([
      'systemctl [start] [munge]',
      'systemctl [stop] [munge]',
      'systemctl [restart] [munge]',
      'systemctl [reload] [munge]',
      'systemctl [enable] [munge]',
      'systemctl [disable] [munge]',
    ]);
    await host.touch('fail-slurmd');
    await expect(host.machine.services.start('slurmd')).rejects.toThrow(
      'systemctl start slurmd failed (exit 1): Job for slurmd.service failed',
    );
  });

  it('parses systemctl show into a ServiceStatus', async () => {
    await host.touch(
      'show-slurmd',
      'LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=1234\n',
    );
    expect(await host.machine.services.status('slurmd')).toEqual({
      name: 'slurmd',
      state: 'running',
      enabled: true,
      pid: 1234,
    });
    expect(await host.calls()).toEqual([
      'systemctl [show] [slurmd] [--property=LoadState,ActiveState,SubState,UnitFileState,MainPID]',
    ]);
    const cases: Array<[string, string, string, boolean]> = [
      ['failed', 'failed', 'disabled', false],
      ['activating', 'auto-restart', 'enabled', true],
      ['inactive', 'dead', 'static', false],
    ];
    const expected = ['failed', 'failed', 'stopped'];
    for (const [i, [active, sub, file, enabled]] of cases.entries()) {
      await host.touch(
        'show-x',
        `LoadState=loaded\nActiveState=${active}\nSubState=${sub}\nUnitFileState=${file}\nMainPID=0\n`,
      );
      expect(await host.machine.services.status('x')).toEqual({ name: 'x', state: expected[i], enabled });
    }
    await expect(host.machine.services.status('nosuch')).rejects.toThrow('unknown service nosuch');
  });
});

describe('exec', () => {
  it('passes argv intact: spaces, quotes, globs and dollars reach the program unchanged', async () => {
    const args = ['a b', `it's "quoted"`, '$HOME', '*', '', 'ü'];
    const result = await host.machine.exec([
      '/bin/sh',
      '-c',
      'for a in "$@"; do printf "<%s>\\n" "$a"; done',
      'sh',
      ...args,
    ]);
    expect(result).toEqual({ exitCode: 0, stdout: args.map((a) => `<${a}>\n`).join(''), stderr: '' });
  });

  it('feeds stdin, merges env onto the base environment, and honours cwd', async () => {
    expect((await host.machine.exec(['cat'], { input: 'hello\nworld' })).stdout).toBe('hello\nworld');
    const env = await host.machine.exec(['sh', '-c', 'echo "$EXTRA|$FAKE_DIR"'], { env: { EXTRA: 'x y' } });
    expect(env.stdout).toBe(`x y|${host.fake}\n`);
    expect((await host.machine.exec(['pwd'], { cwd: host.fake })).stdout.trim()).toBe(host.fake);
    await expect(host.machine.exec(['pwd'], { cwd: join(host.base, 'nodir') })).rejects.toThrow(
      'does not exist',
    );
  });

  it('throws ExecError with the result on non-zero exit unless check is false', async () => {
    const argv = ['sh', '-c', 'echo out; echo bad >&2; exit 3'];
    const error = await host.machine.exec(argv).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({ argv, result: { exitCode: 3, stdout: 'out\n', stderr: 'bad\n' } });
    expect(await host.machine.exec(argv, { check: false })).toEqual({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'bad\n',
    });
  });

  it('reports a missing program as exit 127 naming it', async () => {
    const error = await host.machine.exec(['/no/such-prog', 'x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({ result: { exitCode: 127 } });
    expect(error).toMatchObject({ message: expect.stringContaining('/no/such-prog: command not found') });
    expect((await host.machine.exec(['no-such-prog-xyz'], { check: false })).exitCode).toBe(127);
  });

  it('kills the whole process group on timeout and reports it', async () => {
    const started = Date.now();
    const error = await host.machine
      .exec(['sh', '-c', 'echo started; sleep 30; echo never'], { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({ result: { exitCode: 124, stdout: 'started\n' } });
    expect(error).toMatchObject({ message: expect.stringContaining('killed after timeout of 300 ms') });
  });

  it('runs as another user via runuser', async () => {
    if (!isRoot) {
      console.log('skipping exec as another user: runuser needs root');
      return;
    }
    expect((await host.machine.exec(['id', '-un'], { user: 'nobody' })).stdout.trim()).toBe('nobody');
  });
});
