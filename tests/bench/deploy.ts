/**
 * `npm run bench:deploy`: a fan-in model of demo charms — one hub related to N spokes,
 * each spoke writing its databag — deployed in-process on the sandbox substrate, for
 * N = 10, 100, 1000 (or the sizes given as arguments). Prints a table, then one JSON
 * line per size; the last line is the largest N.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelController } from '../../framework/controller/model-controller.js';

const CHARMS = fileURLToPath(new URL('../fixtures/charms', import.meta.url));

interface Result {
  n: number;
  isolation: string;
  settle_s: number;
  hooks: number;
  hooks_per_s: number;
  peak_rss_mb: number;
  hub_dispatches: number;
  dispatches: number;
}

async function run(n: number, isolation: 'in-process' | 'process'): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), `tsops-bench-${n}-`));
  let peak = process.memoryUsage().rss;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const mc = ModelController.open('bench', dir, { concurrency: 64, isolation });
  const started = performance.now();
  try {
    await mc.deployCharm({
      ref: join(CHARMS, 'hub'),
      numUnits: 1,
      config: {},
      constraints: '',
      baseDir: CHARMS,
    });
    await mc.deployCharm({
      ref: join(CHARMS, 'spoke'),
      numUnits: n,
      config: {},
      constraints: '',
      baseDir: CHARMS,
    });
    mc.integrate('hub', 'spoke');
    await mc.idle();
    const settle = (performance.now() - started) / 1000;
    const state: unknown = JSON.parse(mc.store.unit('hub/0')?.unit_state ?? '{}');
    const reported = (state as { snapshots?: Record<string, { reported?: number }> }).snapshots?.[
      'HubCharm/StoredStateData[stored]'
    ]?.reported;
    if (reported !== n) throw new Error(`the hub counted ${String(reported)} spokes, expected ${n}`);
    const hooks = mc.store.db.prepare<[], { c: number }>('SELECT COUNT(*) AS c FROM hooks').get()?.c ?? 0;
    const dispatches = [...mc.scheduler.dispatches.values()].reduce((a, b) => a + b, 0);
    return {
      n,
      isolation,
      settle_s: Number(settle.toFixed(2)),
      hooks,
      hooks_per_s: Math.round(hooks / settle),
      peak_rss_mb: Math.round(peak / 2 ** 20),
      hub_dispatches: mc.scheduler.dispatches.get('hub/0') ?? 0,
      dispatches,
    };
  } finally {
    clearInterval(sample);
    mc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Sizes as arguments; `--isolation process` runs every hook as a child process (default size then: 100).
const args = process.argv.slice(2);
const isolation =
  args[args.indexOf('--isolation') + 1] === 'process' && args.includes('--isolation')
    ? 'process'
    : 'in-process';
const sizes = args.map(Number).filter((x) => Number.isInteger(x) && x > 0);
const results: Result[] = [];
for (const n of sizes.length ? sizes : isolation === 'process' ? [100] : [10, 100, 1000]) {
  const r = await run(n, isolation);
  results.push(r);
  process.stdout.write(
    `N=${String(r.n).padEnd(5)} ${r.isolation.padEnd(10)} settled in ${r.settle_s.toFixed(2)} s  hooks ${r.hooks} (${r.hooks_per_s}/s)  dispatches ${r.dispatches}  hub dispatches ${r.hub_dispatches}  peak RSS ${r.peak_rss_mb} MB\n`,
  );
}
for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
