/**
 * The sandbox substrate's exec emulation, its hardware from constraints, and
 * the constraint parser.
 */
import { mkdtemp, rm, symlink, mkdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { ExecError } from '../../framework/ops/machine.js';
import {
  SandboxMachine,
  SandboxSubstrate,
  formatConstraints,
  parseConstraints,
} from '../../framework/substrates/sandbox/index.js';

let modelDir: string;
let m: SandboxMachine;

beforeEach(async () => {
  modelDir = await mkdtemp(join(os.tmpdir(), 'tsops-sandbox-exec-'));
  m = await new SandboxSubstrate({ modelDir }).createMachine('0', 'cores=8');
  await m.files.write('/etc/slurm/slurm.conf', 'ClusterName=hpc\nSlurmctldHost=ctl\nNodeName=a\n');
  await m.files.write('/etc/slurm/slurmdbd.conf', 'DbdHost=x\n', { mode: 0o600, owner: 'slurm' });
  await m.files.write('/etc/slurm/.hidden', '');
});

afterEach(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

const run = (argv: string[], options: { input?: string; cwd?: string; user?: string } = {}) =>
  m.exec(argv, { check: false, ...options });

describe('exec emulation', () => {
  it('cat prints files, stdin without files, and errors per file', async () => {
    expect(await run(['cat', '/etc/slurm/slurm.conf'])).toEqual({
      exitCode: 0,
      stdout: 'ClusterName=hpc\nSlurmctldHost=ctl\nNodeName=a\n',
      stderr: '',
    });
    expect((await run(['cat'], { input: 'piped' })).stdout).toBe('piped');
    expect((await run(['/usr/bin/cat', 'slurm/slurmdbd.conf'], { cwd: '/etc' })).stdout).toBe('DbdHost=x\n');
    const missing = await run(['cat', '/etc/slurm/slurmdbd.conf', '/nope', '/etc']);
    expect(missing).toEqual({
      exitCode: 1,
      stdout: 'DbdHost=x\n',
      stderr: 'cat: /nope: No such file or directory\ncat: /etc: Is a directory\n',
    });
    await expect(m.exec(['cat', '/nope'])).rejects.toThrow(ExecError);
  });

  it('ls lists names, hides dot files unless -a, and -l shows recorded owners and modes', async () => {
    expect((await run(['ls', '/etc/slurm'])).stdout).toBe('slurm.conf\nslurmdbd.conf\n');
    expect((await run(['ls', '-a', '/etc/slurm'])).stdout).toBe(
      '.\n..\n.hidden\nslurm.conf\nslurmdbd.conf\n',
    );
    // A new machine has Debian's base files (os-release, apt sources, hostname) besides what the test wrote.
    expect((await run(['ls'], { cwd: '/etc' })).stdout).toBe('apt\nhostname\nos-release\nslurm\n');
    const long = await run(['ls', '-l', '/etc/slurm']);
    const lines = long.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^total \d+$/);
    expect(lines[1]).toMatch(/^-rw-r--r-- 1 root {2}root {2}45 \w{3} [ \d]\d \d\d:\d\d slurm\.conf$/);
    expect(lines[2]).toMatch(/^-rw------- 1 slurm slurm 10 .* slurmdbd\.conf$/);
    expect((await run(['ls', '-la', '/etc/slurm/slurm.conf'])).stdout).toMatch(
      /^-rw-r--r-- .* \/etc\/slurm\/slurm\.conf\n$/,
    );
    const two = await run(['ls', '/etc/slurm/slurm.conf', '/etc', '/nope']);
    expect(two.exitCode).toBe(2);
    expect(two.stdout).toBe('/etc/slurm/slurm.conf\n\n/etc:\napt\nhostname\nos-release\nslurm\n');
    expect(two.stderr).toBe("ls: cannot access '/nope': No such file or directory\n");
  });

  it('test, stat, head, tail, grep, sha256sum, echo', async () => {
    expect((await run(['test', '-e', '/etc/slurm'])).exitCode).toBe(0);
    expect((await run(['test', '-d', '/etc/slurm'])).exitCode).toBe(0);
    expect((await run(['test', '-f', '/etc/slurm'])).exitCode).toBe(1);
    expect((await run(['test', '-f', '/etc/slurm/slurm.conf'])).exitCode).toBe(0);
    expect((await run(['test', '-e', '/missing'])).exitCode).toBe(1);
    expect((await run(['test', '-x', '/etc'])).exitCode).toBe(2);
    expect((await run(['stat', '-c', '%a %U:%G %n', '/etc/slurm/slurmdbd.conf', '/etc'])).stdout).toBe(
      '600 slurm:slurm /etc/slurm/slurmdbd.conf\n755 root:root /etc\n',
    );
    expect((await run(['stat', '--format=%A %F', '/etc'])).stdout).toBe('drwxr-xr-x directory\n');
    expect((await run(['stat', '-c', '%y', '/etc'])).exitCode).toBe(2);
    expect((await run(['head', '-n', '1', '/etc/slurm/slurm.conf'])).stdout).toBe('ClusterName=hpc\n');
    expect((await run(['head', '-n2'], { input: 'a\nb\nc' })).stdout).toBe('a\nb\n');
    expect((await run(['tail', '-n', '1', '/etc/slurm/slurm.conf'])).stdout).toBe('NodeName=a\n');
    expect((await run(['tail', '-n', '+2'], { input: 'a\nb\nc' })).stdout).toBe('b\nc');
    expect(await run(['grep', 'Host', '/etc/slurm/slurm.conf'])).toMatchObject({
      exitCode: 0,
      stdout: 'SlurmctldHost=ctl\n',
    });
    expect((await run(['grep', '-c', '=', '/etc/slurm/slurm.conf'])).stdout).toBe('3\n');
    expect((await run(['grep', 'a.c', '/etc/slurm/slurm.conf'])).exitCode).toBe(1); // fixed string, not a regex
    expect((await run(['grep', 'x', '/nope'])).exitCode).toBe(2);
    const digest = createHash('sha256')
      .update('ClusterName=hpc\nSlurmctldHost=ctl\nNodeName=a\n')
      .digest('hex');
    expect((await run(['sha256sum', '/etc/slurm/slurm.conf'])).stdout).toBe(
      `${digest}  /etc/slurm/slurm.conf\n`,
    );
    expect((await run(['echo', 'a', 'b'])).stdout).toBe('a b\n');
    expect((await run(['echo', '-n', 'a'])).stdout).toBe('a');
  });

  it('answers identity and capacity questions from the machine', async () => {
    expect((await run(['hostname'])).stdout).toBe('machine-0\n');
    expect((await run(['nproc'])).stdout).toBe('8\n');
    expect((await run(['id', '-u'])).stdout).toBe('0\n');
    expect((await run(['id', '-un'])).stdout).toBe('root\n');
    expect((await run(['id', '-un'], { user: 'slurm' })).stdout).toBe('slurm\n');
    expect(await run(['true'])).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect((await run(['false'])).exitCode).toBe(1);
  });

  it('exits 127 for anything it does not emulate, and throws ExecError with check', async () => {
    const result = await run(['scontrol', 'ping']);
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toBe(
      'scontrol: not available in the sandbox substrate (it simulates machines; use --substrate netns to run real programs)\n',
    );
    const error: unknown = await m.exec(['systemctl', 'status']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error instanceof ExecError && error.result.exitCode).toBe(127);
    expect((await run(['cat', '-n', '/etc/slurm/slurm.conf'])).exitCode).toBe(2); // option not emulated
    await expect(m.exec([])).rejects.toThrow(/non-empty argv/);
    expect((await run(['true'], { cwd: '/nope' })).exitCode).toBe(126);
  });

  it('keeps arguments inside the root', async () => {
    expect((await run(['cat', '../../../etc/passwd'], { cwd: '/etc' })).stderr).toMatch(/climbs above/);
    const outside = join(modelDir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret'), 'host secret');
    await symlink(outside, join(m.dir, 'root/escape'));
    const leaked = await run(['cat', '/escape/secret']);
    expect(leaked.exitCode).toBe(1);
    expect(leaked.stdout).toBe('');
    expect(leaked.stderr).toMatch(/symbolic link leads outside/);
    expect((await run(['ls', '/escape'])).exitCode).toBe(2);
  });
});

describe('hardware', () => {
  it('has defaults, and takes cores, mem, arch and gpus from constraints', async () => {
    const sub = new SandboxSubstrate({ modelDir });
    expect(await (await sub.createMachine('1', '')).hardware()).toEqual({
      hostname: 'machine-1',
      architecture: 'amd64',
      cpus: 2,
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 1,
      memoryMb: 4096,
      gpus: [],
    });
    const big = await (await sub.createMachine('2', 'cores=16 mem=64G gpus=2 arch=arm64')).hardware();
    expect(big).toMatchObject({ architecture: 'arm64', cpus: 16, coresPerSocket: 16, memoryMb: 65536 });
    expect(big.gpus).toEqual([
      { pciAddress: '0000:01:00.0', vendorId: '10de', deviceId: '20b0', model: 'NVIDIA A100-SXM4-40GB' },
      { pciAddress: '0000:02:00.0', vendorId: '10de', deviceId: '20b0', model: 'NVIDIA A100-SXM4-40GB' },
    ]);
    // A direct construction spreads cpus over the given sockets.
    const direct = new SandboxMachine({
      dir: join(modelDir, 'x'),
      hostname: 'h',
      hardware: { cpus: 8, sockets: 2 },
    });
    expect(await direct.hardware()).toMatchObject({ hostname: 'h', cpus: 8, sockets: 2, coresPerSocket: 4 });
  });
});

describe('constraints', () => {
  it('parses Juju syntax', () => {
    expect(parseConstraints('cores=4 mem=8G root-disk=16G gpus=2 arch=amd64')).toEqual({
      cores: 4,
      mem: 8192,
      rootDisk: 16384,
      gpus: 2,
      arch: 'amd64',
    });
    expect(parseConstraints('mem=512 root-disk=1T')).toEqual({ mem: 512, rootDisk: 1024 * 1024 });
    expect(parseConstraints('mem=1.5G tags=gpu,^spot')).toEqual({ mem: 1536, tags: ['gpu', '^spot'] });
    expect(parseConstraints('  mem=2P  ')).toEqual({ mem: 2 * 1024 ** 3 });
    expect(parseConstraints('mem= cores=1')).toEqual({ cores: 1 });
    expect(parseConstraints('')).toEqual({});
  });

  it('names the bad key or value and what is allowed', () => {
    expect(() => parseConstraints('ram=4G')).toThrow(
      'unknown constraint "ram": allowed keys are arch, cores, gpus, mem, root-disk, tags',
    );
    expect(() => parseConstraints('mem=4X')).toThrow(
      /bad constraint mem="4X": expected a positive size .*suffix M, G, T or P/,
    );
    expect(() => parseConstraints('cores=two')).toThrow(
      /bad constraint cores="two": expected a whole number/,
    );
    expect(() => parseConstraints('cores=0')).toThrow(/cores="0"/);
    expect(() => parseConstraints('gpus=-1')).toThrow(/gpus="-1"/);
    expect(() => parseConstraints('arch=x86')).toThrow(/arch="x86": expected one of amd64, arm64/);
    expect(() => parseConstraints('cores')).toThrow(/bad constraint "cores": expected key=value/);
    expect(() => parseConstraints('cores=1 cores=2')).toThrow(/cores: given more than once/);
    expect(() => parseConstraints('tags=a,,b')).toThrow(/bad constraint tags/);
  });

  it('formats canonically, and the text parses back to the same value', () => {
    const text = formatConstraints(
      parseConstraints('root-disk=16G gpus=2 mem=1536 cores=4 arch=amd64 tags=a,b'),
    );
    expect(text).toBe('arch=amd64 cores=4 gpus=2 mem=1536M root-disk=16G tags=a,b');
    expect(formatConstraints(parseConstraints(text))).toBe(text);
    expect(formatConstraints({ mem: 2048 })).toBe('mem=2G');
    expect(formatConstraints({})).toBe('');
  });
});
