/** Sandbox machines: Debian's base files, uname, and workload commands recorded rather than run. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxSubstrate } from '../../framework/substrates/sandbox/substrate.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsops-sbx-rec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function machine() {
  return new SandboxSubstrate({ modelDir: dir }).createMachine('0', '');
}

describe('a new sandbox machine', () => {
  it('looks like a stock Debian 12 host: os-release, main-only apt sources, no lustre in /proc/filesystems', async () => {
    const m = await machine();
    expect(await m.files.read('/etc/os-release')).toMatch(/^ID=debian$/m);
    expect(await m.files.read('/etc/apt/sources.list')).toMatch(/bookworm main\n/);
    expect(await m.files.read('/proc/filesystems')).not.toMatch(/lustre/);
    expect((await m.exec(['uname', '-r'])).stdout).toBe('6.1.0-18-amd64\n');
    expect((await m.exec(['uname', '-n'])).stdout).toBe('machine-0\n');
  });
});

describe('workload commands', () => {
  it('are not available before their package is installed', async () => {
    const m = await machine();
    const r = await m.exec(['scontrol', 'ping'], { check: false });
    expect(r.exitCode).toBe(127);
  });

  it('are recorded in exec.log, not run, once their package is installed', async () => {
    const m = await machine();
    await m.packages.install(['slurm-client']);
    const r = await m.exec(['scontrol', 'update', 'nodename=compute-0', 'state=drain', 'reason=test']);
    expect(r).toMatchObject({ exitCode: 0, stdout: '' });
    expect(r.stderr).toMatch(/recorded in exec\.log, not run/);
    const log = readFileSync(join(m.dir, 'exec.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { argv: string[] });
    expect(log.map((l) => l.argv)).toEqual([
      ['scontrol', 'update', 'nodename=compute-0', 'state=drain', 'reason=test'],
    ]);
  });

  it('never keep SQL text, which can hold passwords', async () => {
    const m = await machine();
    await m.packages.install(['mariadb-server']);
    await m.exec(['mariadb', '--batch', '-e', "CREATE USER 'u'@'%' IDENTIFIED BY 's3cret-pass'"]);
    const text = readFileSync(join(m.dir, 'exec.log'), 'utf8');
    expect(text).not.toMatch(/s3cret-pass/);
    expect(text).toMatch(/SQL not kept/);
  });
});
