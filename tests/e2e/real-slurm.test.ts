/**
 * A real Slurm cluster on this host: the real `tsops` binary deploys
 * bundles/slurm-cluster.yaml on the netns substrate (munge, MariaDB, slurmdbd, slurmctld
 * and one slurmd per unit, each machine a network namespace), then runs jobs, scales,
 * drains, removes and destroys, as issue 5 lists. Needs root, iproute2 and Debian's
 * Slurm/munge/MariaDB packages (`.ci/run` installs them); otherwise the suite is skipped
 * with one line saying why. A failing step prints the daemons' logs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { netnsUnavailable, onPath } from '../../framework/substrates/netns/requirements.js';
import { ROOT, runTsops, tsopsOk, type CliRun } from '../fixtures/tsops-cli.js';

const MODEL = 'e2e-slurm';
const PROGRAMS = ['slurmctld', 'slurmd', 'slurmdbd', 'sinfo', 'munged', 'mariadbd'];

/** Why this host cannot run the test, or null. */
function skipReason(): string | null {
  const why = netnsUnavailable();
  if (why !== null) return why;
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
  const missing = PROGRAMS.filter((p) => !onPath(p, path));
  if (missing.length > 0) {
    return `${missing.join(', ')} not installed (apt-get install slurmctld slurmd slurmdbd slurm-client munge mariadb-server)`;
  }
  return null;
}

const why = skipReason();
if (why !== null) process.stdout.write(`real Slurm e2e skipped: ${why}\n`);
const suite = why === null ? describe : describe.skip;

let home: string;
const started = Date.now();

const tsops = (...args: string[]): CliRun => runTsops(home, args, 240_000);
const ok = (...args: string[]): string => tsopsOk(home, args, 240_000);

/** A Slurm client run on slurmctld's machine (the only place the cluster's network is reachable from). */
function onController(...argv: string[]): string {
  return ok('exec', '-m', MODEL, 'slurmctld/0', '--', ...argv);
}

const modelDir = (): string => join(home, 'models', MODEL);

/** The tail of every daemon log of the model: what a failing step shows. */
function daemonLogs(): string {
  const machines = join(modelDir(), 'machines');
  if (!existsSync(machines)) return '(no machines)';
  const out: string[] = [];
  for (const id of readdirSync(machines)) {
    for (const dir of ['log', 'root/var/log/slurm']) {
      const logDir = join(machines, id, dir);
      if (!existsSync(logDir)) continue;
      for (const f of readdirSync(logDir)) {
        const lines = readFileSync(join(logDir, f), 'utf8').trim().split('\n').slice(-15);
        out.push(`--- machine ${id}: ${dir}/${f}\n${lines.join('\n')}`);
      }
    }
  }
  return out.join('\n');
}

/** Run a step; on failure the error carries the daemons' logs. */
async function step(fn: () => void | Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(`${message}\n\ndaemon logs:\n${daemonLogs()}`);
  }
}

/** Poll `check` until it returns true or `timeoutMs` passes; the last value explains a timeout. */
async function until(what: string, timeoutMs: number, check: () => string | true): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = check();
    if (r === true) return;
    last = r;
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** node → state, from `sinfo -N`. */
function nodeStates(): Map<string, string> {
  const out = onController('sinfo', '-N', '-h', '-o', '%N %t');
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/) as [string, string]),
  );
}

function show(states: Map<string, string>): string {
  return [...states].map(([n, s]) => `${n}=${s}`).join(' ');
}

/** slurmctld's pid, from the substrate's service state. */
function slurmctldPid(): number {
  const state: unknown = JSON.parse(
    readFileSync(join(modelDir(), 'machines', '0', 'services', 'slurmctld.json'), 'utf8'),
  );
  const pid = (state as { main?: { pid?: unknown } }).main?.pid;
  if (typeof pid !== 'number') throw new Error('slurmctld has no recorded pid');
  return pid;
}

suite('a real Slurm cluster on the netns substrate', () => {
  const linksBefore = new Set<string>();

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'tsops-real-slurm-'));
    const r = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' });
    for (const l of r.stdout.split('\n')) if (l) linksBefore.add(l.split(':')[1]?.trim() ?? '');
    // The CLI is built by `npm test`; test:unit alone may not have built it.
    if (!existsSync(join(ROOT, 'dist', 'cli', 'tsops.mjs'))) {
      spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    }
  });

  afterAll(() => {
    if (existsSync(modelDir())) tsops('destroy-model', MODEL, '--yes');
    tsops('controller', 'stop');
    rmSync(home, { recursive: true, force: true });
    process.stdout.write(`real Slurm e2e took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });

  it('1. deploys the bundle on netns and settles', async () => {
    await step(() => {
      ok('deploy', 'bundles/slurm-cluster.yaml', '-m', MODEL, '--substrate', 'netns');
      ok('wait', '-m', MODEL, '--timeout', '180');
      const status = ok('status', '-m', MODEL);
      for (const app of ['slurmctld', 'compute', 'gpu', 'slurmdbd', 'mariadb']) {
        expect(status).toMatch(new RegExp(`^${app}\\s+\\S*\\s*active\\s`, 'm'));
      }
      // No GPU and no Lustre module here: they say so, never error, never pretend.
      expect(status).toMatch(/^nvidia-gpu\s+blocked\s+1\s+nvidia-gpu\s+no NVIDIA GPU/m);
      expect(status).toMatch(/^lustre-client\s+blocked\s.*Lustre module/m);
      expect(status).not.toMatch(/\berror\b/);
    });
  }, 240_000);

  it('2. sinfo shows every node idle', async () => {
    await step(() =>
      until('every node idle', 60_000, () => {
        const s = nodeStates();
        const want = ['compute-0', 'compute-1', 'gpu-0'];
        return want.every((n) => s.get(n) === 'idle') && s.size === 3 ? true : show(s);
      }),
    );
  }, 90_000);

  it('3. srun -N2 hostname runs on two different compute nodes', async () => {
    await step(() => {
      const names = onController('srun', '-N2', '-p', 'compute', 'hostname').trim().split('\n');
      expect(names).toHaveLength(2);
      expect(new Set(names).size).toBe(2);
    });
  }, 60_000);

  it('4. an sbatch job completes and sacct says COMPLETED', async () => {
    await step(async () => {
      const job = onController(
        'sbatch',
        '--parsable',
        '-N2',
        '-p',
        'compute',
        '--wrap',
        'srun -l hostname; sleep 1',
      ).trim();
      expect(job).toMatch(/^\d+$/);
      await until(`job ${job} COMPLETED in sacct`, 60_000, () => {
        const state = onController('sacct', '-n', '-X', '-j', job, '-o', 'State').trim();
        return state === 'COMPLETED' ? true : state || '(no row yet)';
      });
    });
  }, 90_000);

  it('5. add-unit: the new node goes idle and runs a job, slurmctld not restarted', async () => {
    await step(async () => {
      const before = slurmctldPid();
      ok('add-unit', '-m', MODEL, 'compute');
      ok('wait', '-m', MODEL, '--timeout', '120');
      await until(
        'compute-2 idle',
        60_000,
        () => nodeStates().get('compute-2') === 'idle' || show(nodeStates()),
      );
      expect(onController('srun', '-N1', '-w', 'compute-2', 'true')).toBe('');
      expect(slurmctldPid()).toBe(before);
    });
  }, 180_000);

  it('6. set-node-state drains a node and resumes it', async () => {
    await step(async () => {
      ok(
        'run',
        '-m',
        MODEL,
        'slurmctld/0',
        'set-node-state',
        'nodes=compute-1',
        'state=drain',
        'reason=test',
      );
      await until(
        'compute-1 drained',
        30_000,
        () => nodeStates().get('compute-1') === 'drain' || show(nodeStates()),
      );
      expect(onController('sinfo', '-h', '-R', '-o', '%E %N').trim()).toBe('test compute-1');
      ok('run', '-m', MODEL, 'slurmctld/0', 'set-node-state', 'nodes=compute-1', 'state=resume');
      await until(
        'compute-1 idle again',
        60_000,
        () => nodeStates().get('compute-1') === 'idle' || show(nodeStates()),
      );
    });
  }, 120_000);

  it('7. remove-unit: the node leaves sinfo', async () => {
    await step(async () => {
      ok('remove-unit', '-m', MODEL, 'compute/2');
      ok('wait', '-m', MODEL, '--timeout', '120');
      await until('compute-2 gone', 60_000, () => !nodeStates().has('compute-2') || show(nodeStates()));
    });
  }, 180_000);

  it('8. destroy-model leaves no process, namespace, link or directory behind', async () => {
    await step(async () => {
      const machines = join(modelDir(), 'machines');
      const pids: number[] = [];
      for (const id of readdirSync(machines)) {
        const services = join(machines, id, 'services');
        if (!existsSync(services)) continue;
        for (const f of readdirSync(services)) {
          const s: unknown = JSON.parse(readFileSync(join(services, f), 'utf8'));
          const pid = (s as { main?: { pid?: unknown } }).main?.pid;
          if (typeof pid === 'number') pids.push(pid);
        }
      }
      expect(pids.length).toBeGreaterThanOrEqual(8); // munged ×5, mariadbd, slurmdbd, slurmctld, slurmd ×3
      const mountpointsFile = join(modelDir(), 'netns', 'mountpoints');
      const mountpoints = existsSync(mountpointsFile)
        ? readFileSync(mountpointsFile, 'utf8').split('\n').filter(Boolean)
        : [];
      // This model's namespaces share a prefix (other tests may have their own meanwhile).
      const ns = spawnSync('ip', ['netns', 'identify', String(slurmctldPid())], {
        encoding: 'utf8',
      }).stdout.trim();
      expect(ns).toMatch(/^tsops-[0-9a-f]+-m0$/);
      const prefix = ns.replace(/-m0$/, '');
      ok('destroy-model', MODEL, '--yes');
      const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
      expect(namespaces.split('\n').filter((l) => l.startsWith(prefix))).toEqual([]);
      await until('every daemon gone', 15_000, () => {
        const alive = pids.filter((p) => {
          try {
            return !/\) [ZX] /.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
          } catch {
            return false;
          }
        });
        return alive.length === 0 || `still running: ${alive.join(' ')}`;
      });
      const links = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')[1]?.trim() ?? '');
      expect(links.filter((l) => !linksBefore.has(l))).toEqual([]);
      expect(existsSync(modelDir())).toBe(false);
      for (const m of mountpoints) expect(existsSync(m)).toBe(false);
    });
  }, 120_000);
});
