/**
 * Crash tests (ARCHITECTURE, "the flow of one event", point 5): a controller killed
 * with SIGKILL at any instant of a bundle deploy and a scale-out restarts into a
 * consistent model and settles to the same state as an uninterrupted run — same
 * export-bundle, databags, stored state, units, machines, relations and secrets,
 * nothing lost and nothing duplicated.
 *
 * Each campaign starts a fresh model and kills the controller (crash-child.ts) at a
 * random instant, restarts it on the same directory, kills it again, and so on until
 * one run completes; campaigns repeat until KILLS kills have landed. The instants come
 * from a seeded PRNG: replay a failure with CRASH_SEED=<seed> (CRASH_KILLS=<n> for more kills).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';
import { deployBundle } from '../../framework/controller/model-bundle.js';
import { ModelController } from '../../framework/controller/model-controller.js';
import { diskState, modelState } from './crash-state.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const BUNDLES = ['deploy.yaml', 'scale.yaml'].map((f) =>
  fileURLToPath(new URL(`../fixtures/bundles/crash/${f}`, import.meta.url)),
);
const KILLS = Number(process.env.CRASH_KILLS ?? 30);

/** mulberry32: small, seedable, good enough to spread kill instants. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RunResult {
  completed: boolean;
  /** From the child's "open" line to its exit. */
  ms: number;
}

/** Run the scenario on `dir`, SIGKILLing it `killAfterMs` after it opens the model. */
function runChild(dir: string, killAfterMs?: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, ...BUNDLES], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let opened = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!opened && stdout.includes('open\n')) {
        opened = performance.now();
        if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const ms = opened ? performance.now() - opened : 0;
      if (signal === 'SIGKILL') resolve({ completed: false, ms });
      else if (code === 0 && stdout.includes('done\n')) resolve({ completed: true, ms });
      else reject(new Error(`controller exited with ${signal ?? code} on ${dir}:\n${stderr}`));
    });
  });
}

/** The model in `dir` after its last run: machine directories first (opening reconciles them). */
async function stateOf(dir: string) {
  const disk = diskState(dir);
  const mc = ModelController.open('crash', dir);
  try {
    await mc.idle();
    // A settled model re-runs nothing when it opens again.
    const rerun = mc.scheduler.hooksRun;
    const changes = await deployBundle(mc, BUNDLES[BUNDLES.length - 1]!, [], true);
    return { disk, rerun, changes, model: modelState(mc) };
  } finally {
    mc.close();
  }
}

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsops-crash-'));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it(
  'a controller killed at random instants of a deploy and a scale-out settles like an uninterrupted one',
  async () => {
    const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = prng(seed);
    const refDir = freshDir();
    const ref = await runChild(refDir);
    expect(ref.completed).toBe(true);
    const reference = await stateOf(refDir);
    expect(reference.rerun).toBe(0);
    expect(reference.changes).toEqual([]);
    expect(reference.model.units).toHaveLength(11);
    console.log(
      `crash test: seed ${seed} (replay with CRASH_SEED=${seed}); uninterrupted run ${ref.ms.toFixed(0)} ms`,
    );

    let kills = 0;
    let campaign = 0;
    for (; kills < KILLS; campaign++) {
      const dir = freshDir();
      const instants: number[] = [];
      for (let run = 0; ; run++) {
        if (run > 100) throw new Error(`seed ${seed}: campaign ${campaign} makes no progress`);
        const at = random() * ref.ms;
        const r = await runChild(dir, at);
        if (r.completed) break;
        instants.push(Math.round(at));
        kills++;
      }
      const got = await stateOf(dir);
      try {
        expect(got).toEqual(reference);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new Error(`seed ${seed}, campaign ${campaign}, killed at ${instants.join(', ')} ms:\n${why}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(`crash test: seed ${seed}: ${kills} kills over ${campaign} campaigns, all settled alike`);
  },
  Math.max(150_000, KILLS * 5_000),
);
