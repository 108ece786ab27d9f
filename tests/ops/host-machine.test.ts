/**
 * HostMachine against a temp root, fake apt-get/dpkg-query/systemctl scripts
 * and fake /proc and /sys trees; exec runs real processes.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { ExecError, FileNotFoundError, PackageError, ServiceError } from '../../framework/ops/machine.js';
import type { ServiceSpec } from '../../framework/ops/machine.js';
import { HostMachine } from '../../framework/ops/machine/host.js';
import { parseCpuinfo } from '../../framework/ops/machine/hardware.js';
import { quoteExecArg } from '../../framework/ops/machine/systemd-unit.js';

const isRoot = process.getuid?.() === 0;

// Each fake logs its argv as "prog [arg1] [arg2]" so tests can see argument boundaries.
const LOG = `log() { printf '%s' "$(basename "$0")" >> "$FAKE_DIR/calls"; for a in "$@"; do printf ' [%s]' "$a" >> "$FAKE_DIR/calls"; done; echo >> "$FAKE_DIR/calls"; }`;

const FAKE_APT_GET = `#!/bin/sh
${LOG}
log "$@"
echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND" > "$FAKE_DIR/apt-env"
if [ -f "$FAKE_DIR/slow" ]; then echo begin >> "$FAKE_DIR/order"; sleep 0.3; echo end >> "$FAKE_DIR/order"; fi
cmd=$1; shift
case "$cmd" in
  update) [ -f "$FAKE_DIR/update-fixes" ] && touch "$FAKE_DIR/updated"; exit 0 ;;
  install|remove)
    for a in "$@"; do
      case "$a" in -*|Dpkg::*) continue ;; esac
      if [ "$cmd" = remove ]; then rm -f "$FAKE_DIR/pkg-$a"; continue; fi
      if [ -f "$FAKE_DIR/unknown-$a" ] && [ ! -f "$FAKE_DIR/updated" ]; then
        echo "Reading package lists..."; echo "E: Unable to locate package $a" >&2; exit 100
      fi
      echo "1.0-1" > "$FAKE_DIR/pkg-$a"
    done ;;
esac
`;

const FAKE_DPKG_QUERY = `#!/bin/sh
${LOG}
log "$@"
name=$4
if [ -f "$FAKE_DIR/pkg-$name" ]; then printf 'install ok installed %s\\n' "$(cat "$FAKE_DIR/pkg-$name")"; exit 0; fi
if [ -f "$FAKE_DIR/rc-$name" ]; then printf 'deinstall ok config-files 0.9\\n'; exit 0; fi
echo "dpkg-query: no packages found matching $name" >&2; exit 1
`;

const FAKE_SYSTEMCTL = `#!/bin/sh
${LOG}
log "$@"
case "$1" in
  show)
    if [ -f "$FAKE_DIR/show-$2" ]; then cat "$FAKE_DIR/show-$2"
    else printf 'LoadState=not-found\\nActiveState=inactive\\nSubState=dead\\nUnitFileState=\\nMainPID=0\\n'; fi ;;
  daemon-reload) ;;
  *) if [ -f "$FAKE_DIR/fail-$2" ]; then
       echo "Job for $2.service failed because the control process exited with error code." >&2; exit 1
     fi ;;
esac
`;

let base: string;
let root: string;
let fake: string;
let machine: HostMachine;

async function calls(): Promise<string[]> {
  const text = await readFile(join(fake, 'calls'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

async function touch(name: string, content = ''): Promise<void> {
  await writeFile(join(fake, name), content);
}

beforeEach(async () => {
  base = await mkdtemp(join(os.tmpdir(), 'tsops-host-'));
  root = join(base, 'root');
  fake = join(base, 'fake');
  const bin = join(base, 'bin');
  await Promise.all([mkdir(join(root, 'etc'), { recursive: true }), mkdir(fake), mkdir(bin)]);
  await writeFile(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/bash\nslurm:x:64030:64030::/var/lib/slurm:/usr/sbin/nologin\n# comment\nbroken\n',
  );
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nslurm:x:64030:\nmunge:x:64031:slurm\n');
  const scripts = { 'apt-get': FAKE_APT_GET, 'dpkg-query': FAKE_DPKG_QUERY, systemctl: FAKE_SYSTEMCTL };
  for (const [name, text] of Object.entries(scripts)) await writeFile(join(bin, name), text, { mode: 0o755 });
  machine = new HostMachine({
    root,
    binaries: {
      aptGet: join(bin, 'apt-get'),
      dpkgQuery: join(bin, 'dpkg-query'),
      systemctl: join(bin, 'systemctl'),
    },
    env: { ...process.env, FAKE_DIR: fake },
    procRoot: join(base, 'proc'),
    sysRoot: join(base, 'sys'),
  });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('files', () => {
  it('writes atomically: parents created, default mode, no temp file left', async () => {
    await machine.files.write('/etc/slurm/slurm.conf', 'ClusterName=x\n');
    expect(await readFile(join(root, 'etc/slurm/slurm.conf'), 'utf8')).toBe('ClusterName=x\n');
    expect(await readdir(join(root, 'etc/slurm'))).toEqual(['slurm.conf']);
    expect((await stat(join(root, 'etc/slurm/slurm.conf'))).mode & 0o777).toBe(0o644);
    expect(await machine.files.read('/etc/slurm/slurm.conf')).toBe('ClusterName=x\n');
  });

  it('applies the mode regardless of umask, and binary content', async () => {
    await machine.files.write('/etc/munge/munge.key', new Uint8Array([1, 2, 3]), { mode: 0o400 });
    const info = await stat(join(root, 'etc/munge/munge.key'));
    expect(info.mode & 0o777).toBe(0o400);
    expect([...(await readFile(join(root, 'etc/munge/munge.key')))]).toEqual([1, 2, 3]);
  });

  it('maps owner and group names through the root passwd and group files', async () => {
    if (!isRoot) {
      console.log('skipping chown assertions: chown to another uid needs root');
      return;
    }
    await machine.files.write('/etc/slurm/slurmdbd.conf', 'x', { mode: 0o600, owner: 'slurm' });
    expect(await stat(join(root, 'etc/slurm/slurmdbd.conf'))).toMatchObject({ uid: 64030, gid: 64030 });
    await machine.files.write('/etc/munge/key', 'k', { owner: 'slurm', group: 'munge' });
    expect(await machine.files.stat('/etc/munge/key')).toEqual({
      path: '/etc/munge/key',
      mode: 0o644,
      owner: 'slurm',
      group: 'munge',
      size: 1,
      isDirectory: false,
    });
    // Rewriting without attributes keeps them (rename would otherwise reset them).
    await machine.files.write('/etc/slurm/slurmdbd.conf', 'y');
    expect(await machine.files.stat('/etc/slurm/slurmdbd.conf')).toMatchObject({
      owner: 'slurm',
      mode: 0o600,
    });
  });

  it('names the user and the file when the owner is unknown, and leaves nothing behind', async () => {
    const write = machine.files.write('/etc/app/app.conf', 'x', { owner: 'nosuch' });
    await expect(write).rejects.toThrow('/etc/app/app.conf');
    await expect(write).rejects.toThrow('"nosuch"');
    await expect(machine.files.write('/etc/app/app.conf', 'x', { group: 'nogroup' })).rejects.toThrow(
      'no group "nogroup"',
    );
    expect(await machine.files.exists('/etc/app')).toBe(false);
  });

  it('rejects relative paths and keeps ".." inside the root', async () => {
    await expect(machine.files.write('etc/x', 'x')).rejects.toThrow(
      'machine paths must be absolute, got "etc/x"',
    );
    await expect(machine.files.read('./x')).rejects.toThrow('absolute');
    await machine.files.write('/../../escape', 'x');
    expect(await readFile(join(root, 'escape'), 'utf8')).toBe('x');
  });

  it('reads, lists, stats, removes and makes directories', async () => {
    await expect(machine.files.read('/etc/none')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(machine.files.list('/none')).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await machine.files.stat('/etc/none')).toBeNull();
    await machine.files.write('/srv/b', 'b');
    await machine.files.write('/srv/a', 'a');
    await machine.files.mkdir('/srv/dir', { mode: 0o750 });
    expect(await machine.files.list('/srv')).toEqual(['a', 'b', 'dir']);
    expect(await machine.files.stat('/srv/dir')).toMatchObject({
      isDirectory: true,
      mode: 0o750,
      owner: 'root',
    });
    await expect(machine.files.remove('/srv')).rejects.toThrow('cannot remove /srv: directory not empty');
    await machine.files.remove('/srv/a');
    await machine.files.remove('/srv/a'); // absent is fine
    await machine.files.remove('/srv/dir');
    expect(await machine.files.list('/srv')).toEqual(['b']);
    expect(await machine.files.exists('/srv/b')).toBe(true);
  });
});

describe('packages', () => {
  it('installs only what is missing, non-interactively, and is idempotent', async () => {
    await touch('pkg-munge', '0.5.15-2\n');
    await machine.packages.install(['munge', 'slurmd']);
    const apt = (await calls()).filter((c) => c.startsWith('apt-get'));
    expect(apt).toEqual([
      'apt-get [install] [-y] [--no-install-recommends] [-o] [DPkg::Lock::Timeout=300] [-o] [Dpkg::Options::=--force-confold] [slurmd]',
    ]);
    expect(await readFile(join(fake, 'apt-env'), 'utf8')).toBe('DEBIAN_FRONTEND=noninteractive\n');
    expect(await calls()).toContain('dpkg-query [-W] [-f] [${Status} ${Version}\\n] [munge]');

    await machine.packages.install(['munge', 'slurmd']);
    expect((await calls()).filter((c) => c.startsWith('apt-get'))).toHaveLength(1);
    expect(await machine.packages.version('slurmd')).toBe('1.0-1');
    expect(await machine.packages.version('munge')).toBe('0.5.15-2');
  });

  it('treats unknown and config-files-only packages as not installed', async () => {
    await touch('rc-old');
    expect(await machine.packages.version('old')).toBeNull();
    expect(await machine.packages.version('never')).toBeNull();
  });

  it('fails with PackageError naming the package and what to do, after one apt-get update', async () => {
    await touch('unknown-slurmd');
    const install = machine.packages.install(['slurmd']);
    await expect(install).rejects.toBeInstanceOf(PackageError);
    await expect(install).rejects.toThrow(
      "package slurmd is not available from this machine's apt sources: add the source that provides it",
    );
    const apt = (await calls()).filter((c) => c.startsWith('apt-get')).map((c) => c.split(' ')[1]);
    expect(apt).toEqual(['[install]', '[update]', '[install]']);
  });

  it('retries after apt-get update refreshes stale package lists', async () => {
    await touch('unknown-slurmd');
    await touch('update-fixes');
    await machine.packages.install(['slurmd']);
    expect(await machine.packages.version('slurmd')).toBe('1.0-1');
  });

  it('rejects option-like names and serializes concurrent apt calls', async () => {
    await expect(machine.packages.install(['-oAPT::x=y'])).rejects.toThrow(
      'invalid package name "-oAPT::x=y"',
    );
    await touch('slow');
    await Promise.all([machine.packages.install(['a1']), machine.packages.install(['b1'])]);
    expect((await readFile(join(fake, 'order'), 'utf8')).split('\n').filter(Boolean)).toEqual([
      'begin',
      'end',
      'begin',
      'end',
    ]);
  });

  it('removes only installed packages', async () => {
    await touch('pkg-munge', '1\n');
    await machine.packages.remove(['munge', 'absent']);
    expect((await calls()).filter((c) => c.startsWith('apt-get'))).toEqual(['apt-get [remove] [-y] [munge]']);
    await machine.packages.remove(['munge']);
    expect((await calls()).filter((c) => c.startsWith('apt-get'))).toHaveLength(1);
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
    await machine.services.define(spec);
    expect(await readFile(join(root, 'etc/systemd/system/slurmd.service'), 'utf8')).toBe(
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
    expect(await calls()).toEqual(['systemctl [daemon-reload]']);
    await machine.services.define(spec);
    expect(await calls()).toHaveLength(1);
    await machine.services.define({ ...spec, restart: undefined });
    expect(await calls()).toHaveLength(2);
    expect(await readFile(join(root, 'etc/systemd/system/slurmd.service'), 'utf8')).toContain(
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
    await expect(machine.services.define({ ...spec, environment: { 'BAD-NAME': 'x' } })).rejects.toThrow(
      ServiceError,
    );
    await expect(machine.services.define({ ...spec, name: '../evil' })).rejects.toThrow(
      'invalid service name',
    );
    await expect(machine.services.define({ ...spec, command: ['-/bin/true'] })).rejects.toThrow('prefix');
    await expect(machine.services.start('-H')).rejects.toThrow(ServiceError);
  });

  it('runs systemctl verbs and names the service on failure', async () => {
    for (const verb of ['start', 'stop', 'restart', 'reload', 'enable', 'disable'] as const) {
      await machine.services[verb]('munge');
    }
    expect(await calls()).toEqual([
      'systemctl [start] [munge]',
      'systemctl [stop] [munge]',
      'systemctl [restart] [munge]',
      'systemctl [reload] [munge]',
      'systemctl [enable] [munge]',
      'systemctl [disable] [munge]',
    ]);
    await touch('fail-slurmd');
    await expect(machine.services.start('slurmd')).rejects.toThrow(
      'systemctl start slurmd failed (exit 1): Job for slurmd.service failed',
    );
  });

  it('parses systemctl show into a ServiceStatus', async () => {
    await touch(
      'show-slurmd',
      'LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=1234\n',
    );
    expect(await machine.services.status('slurmd')).toEqual({
      name: 'slurmd',
      state: 'running',
      enabled: true,
      pid: 1234,
    });
    expect(await calls()).toEqual([
      'systemctl [show] [slurmd] [--property=LoadState,ActiveState,SubState,UnitFileState,MainPID]',
    ]);
    const cases: Array<[string, string, string, boolean]> = [
      ['failed', 'failed', 'disabled', false],
      ['activating', 'auto-restart', 'enabled', true],
      ['inactive', 'dead', 'static', false],
    ];
    const expected = ['failed', 'failed', 'stopped'];
    for (const [i, [active, sub, file, enabled]] of cases.entries()) {
      await touch(
        'show-x',
        `LoadState=loaded\nActiveState=${active}\nSubState=${sub}\nUnitFileState=${file}\nMainPID=0\n`,
      );
      expect(await machine.services.status('x')).toEqual({ name: 'x', state: expected[i], enabled });
    }
    await expect(machine.services.status('nosuch')).rejects.toThrow('unknown service nosuch');
  });
});

describe('exec', () => {
  it('passes argv intact: spaces, quotes, globs and dollars reach the program unchanged', async () => {
    const args = ['a b', `it's "quoted"`, '$HOME', '*', '', 'ü'];
    const result = await machine.exec([
      '/bin/sh',
      '-c',
      'for a in "$@"; do printf "<%s>\\n" "$a"; done',
      'sh',
      ...args,
    ]);
    expect(result).toEqual({ exitCode: 0, stdout: args.map((a) => `<${a}>\n`).join(''), stderr: '' });
  });

  it('feeds stdin, merges env onto the base environment, and honours cwd', async () => {
    expect((await machine.exec(['cat'], { input: 'hello\nworld' })).stdout).toBe('hello\nworld');
    const env = await machine.exec(['sh', '-c', 'echo "$EXTRA|$FAKE_DIR"'], { env: { EXTRA: 'x y' } });
    expect(env.stdout).toBe(`x y|${fake}\n`);
    expect((await machine.exec(['pwd'], { cwd: fake })).stdout.trim()).toBe(fake);
    await expect(machine.exec(['pwd'], { cwd: join(base, 'nodir') })).rejects.toThrow('does not exist');
  });

  it('throws ExecError with the result on non-zero exit unless check is false', async () => {
    const argv = ['sh', '-c', 'echo out; echo bad >&2; exit 3'];
    const error = await machine.exec(argv).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({ argv, result: { exitCode: 3, stdout: 'out\n', stderr: 'bad\n' } });
    expect(await machine.exec(argv, { check: false })).toEqual({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'bad\n',
    });
  });

  it('reports a missing program as exit 127 naming it', async () => {
    const error = await machine.exec(['/no/such-prog', 'x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({ result: { exitCode: 127 } });
    expect(error).toMatchObject({ message: expect.stringContaining('/no/such-prog: command not found') });
    expect((await machine.exec(['no-such-prog-xyz'], { check: false })).exitCode).toBe(127);
  });

  it('kills the whole process group on timeout and reports it', async () => {
    const started = Date.now();
    const error = await machine
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
    expect((await machine.exec(['id', '-un'], { user: 'nobody' })).stdout.trim()).toBe('nobody');
  });
});

describe('hardware', () => {
  function cpuinfo(blocks: Array<Record<string, string | number>>): string {
    const lines = blocks.map((b, i) =>
      [
        `processor\t: ${i}`,
        'model name\t: Test CPU',
        ...Object.entries(b).map(([k, v]) => `${k}\t: ${v}`),
      ].join('\n'),
    );
    return `${lines.join('\n\n')}\n\n`;
  }

  async function fakeTree(files: Record<string, string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(base, path, '..'), { recursive: true });
      await writeFile(join(base, path), content);
    }
  }

  // 2 sockets × 2 cores × 2 threads, numbered the way Linux does (threads of a core are far apart).
  const twoSocketHt = cpuinfo(
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({
      'physical id': i % 4 < 2 ? 0 : 1,
      siblings: 4,
      'core id': i % 2,
      'cpu cores': 2,
    })),
  );

  it('reads a 2-socket hyperthreaded host with an NVIDIA GPU', async () => {
    const pci = 'sys/bus/pci/devices';
    await fakeTree({
      'proc/cpuinfo': twoSocketHt,
      'proc/meminfo': 'MemTotal:       16303412 kB\nMemFree:         1000 kB\n',
      [`${pci}/0000:3b:00.0/vendor`]: '0x10de\n',
      [`${pci}/0000:3b:00.0/device`]: '0x20B0\n',
      [`${pci}/0000:3b:00.0/class`]: '0x030200\n',
      [`${pci}/0000:02:00.0/vendor`]: '0x1a03\n',
      [`${pci}/0000:02:00.0/device`]: '0x2000\n',
      [`${pci}/0000:02:00.0/class`]: '0x030000\n',
      [`${pci}/0000:00:1f.6/vendor`]: '0x8086\n',
      [`${pci}/0000:00:1f.6/device`]: '0x15bc\n',
      [`${pci}/0000:00:1f.6/class`]: '0x020000\n',
      'root/usr/share/misc/pci.ids':
        '# comment\n10de  NVIDIA Corporation\n\t20b0  GA100 [A100 SXM4 40GB]\n1a03  ASPEED Technology, Inc.\nC 00  Unclassified\n',
    });
    const hw = await machine.hardware();
    expect(hw).toMatchObject({ cpus: 8, sockets: 2, coresPerSocket: 2, threadsPerCore: 2, memoryMb: 15921 });
    expect(hw.hostname).toBe(os.hostname());
    if (os.arch() === 'x64') expect(hw.architecture).toBe('amd64');
    expect(hw.gpus).toEqual([
      { pciAddress: '0000:02:00.0', vendorId: '1a03', deviceId: '2000' },
      {
        pciAddress: '0000:3b:00.0',
        vendorId: '10de',
        deviceId: '20b0',
        model: 'NVIDIA Corporation GA100 [A100 SXM4 40GB]',
      },
    ]);
  });

  it('falls back sensibly for a VM cpuinfo without topology fields', async () => {
    await fakeTree({ 'proc/cpuinfo': cpuinfo([{}, {}, {}, {}]) });
    const hw = await machine.hardware();
    expect(hw).toMatchObject({ cpus: 4, sockets: 1, coresPerSocket: 4, threadsPerCore: 1, gpus: [] });
    expect(hw.memoryMb).toBe(Math.floor(os.totalmem() / 1024 / 1024));
  });

  it('derives what is missing from the fields that are there', () => {
    // siblings and cpu cores but no physical id: 2 threads per core.
    expect(parseCpuinfo(cpuinfo([0, 1, 2, 3].map(() => ({ siblings: 4, 'cpu cores': 2 }))), 1)).toEqual({
      cpus: 4,
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 2,
    });
    // core ids only (no cpu cores): distinct cores count.
    expect(parseCpuinfo(cpuinfo([0, 0, 1, 1].map((c) => ({ 'physical id': 0, 'core id': c }))), 1)).toEqual({
      cpus: 4,
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 2,
    });
    expect(parseCpuinfo('', 3)).toEqual({ cpus: 3, sockets: 1, coresPerSocket: 3, threadsPerCore: 1 });
  });
});
