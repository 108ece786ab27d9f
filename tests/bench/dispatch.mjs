// The dispatch benchmark (`npm run bench:dispatch`, after `node scripts/build.mjs`).
//
// Packs the demo charm with the built packer (dist/pack.mjs) into a temp dir, and runs
// its update-status through ./dispatch as a child process, the way Juju does (cwd = the
// charm dir, Juju's hook environment, /bin/sh stub hook tools first on PATH),
// interleaved in one loop with a bare `node -e 0` and with the same dispatch forced
// onto the plain bundle (TSOPS_NO_SNAPSHOT=1). Every dispatch must exit 0 and make
// exactly the 4 expected hook-tool calls. Prints a table, then one JSON line.
//
// A bare node making the same 4 hook-tool calls shows the floor that no framework
// work can go below.
//
// Juju builds a hook's environment itself, so the main figures use only Juju's
// variables. When this shell's environment has NODE_* variables that change node's
// start-up (NODE_EXTRA_CA_CERTS alone adds ~30 ms to every node process), the baseline
// and the dispatch also run with it, as extra rows and *_caller_env fields.
//
//   node tests/bench/dispatch.mjs [--runs N]      (default 60; or BENCH_RUNS=N)
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHARM = join(ROOT, 'tests/fixtures/demo-charm');
const STUBS = join(ROOT, 'tests/fixtures/fake-juju/stub-tools');
const EXPECTED_CALLS = ['is-leader', 'juju-log', 'juju-log', 'status-set'];

const runsArg = process.argv.indexOf('--runs');
const RUNS = Number(runsArg > 0 ? process.argv[runsArg + 1] : (process.env.BENCH_RUNS ?? 60));
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs: expected a positive integer, got ${RUNS}`);

const packer = join(ROOT, 'dist/pack.mjs');
if (!existsSync(packer)) throw new Error(`${packer} is missing: run 'node scripts/build.mjs' first`);
const { packCharm } = await import(packer);

const work = mkdtempSync(join(tmpdir(), 'tsops-bench-'));
const charmDir = join(work, 'charm');
const t0 = performance.now();
const packed = await packCharm(CHARM, { outDir: charmDir });
const packMs = performance.now() - t0;

// Hook tools: the committed stubs (tests/fixtures/fake-juju/stub-tools), or, without
// them, a tiny equivalent written here. Both append one record per call.
let binDir = STUBS;
if (!existsSync(join(STUBS, 'is-leader'))) {
  binDir = join(work, 'bin');
  mkdirSync(binDir);
  for (const tool of ['juju-log', 'is-leader', 'status-set', 'status-get', 'config-get', 'relation-ids']) {
    const answer = tool === 'is-leader' ? 'echo true\n' : '';
    writeFileSync(
      join(binDir, tool),
      `#!/bin/sh\nprintf '%s\\036\\n' "\${0##*/}" >>"$FAKE_JUJU_LOG"\n${answer}`,
    );
    chmodSync(join(binDir, tool), 0o755);
  }
}
const logPath = join(work, 'calls.log');
const env = {
  PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  HOME: process.env.HOME ?? work,
  LANG: 'C.UTF-8',
  FAKE_JUJU_LOG: logPath,
  JUJU_DISPATCH_PATH: 'hooks/update-status',
  JUJU_HOOK_NAME: 'update-status',
  JUJU_UNIT_NAME: 'demo/0',
  JUJU_MODEL_NAME: 'bench',
  JUJU_MODEL_UUID: '00000000-0000-4000-8000-000000000000',
  JUJU_CHARM_DIR: charmDir,
  JUJU_VERSION: '3.6.14',
  JUJU_CONTEXT_ID: 'demo/0-update-status-1',
};
const nodeVars = Object.keys(process.env).filter((k) => k.startsWith('NODE_'));
const callerEnv = { ...process.env, ...env };

const dispatch = join(charmDir, 'dispatch');
const variants = [
  { key: 'dispatch', label: './dispatch', cmd: dispatch, args: [], env, hook: true },
  { key: 'node_baseline', label: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], env },
];
// The floor for any node charm: a bare node that makes the same 4 hook-tool calls.
const toolCalls = [
  ['juju-log', '--log-level', 'DEBUG', '--', 'Emitting Juju event update_status.'],
  ['juju-log', '--log-level', 'INFO', '--', 'update-status: database not connected'],
  ['is-leader', '--format=json'],
  ['status-set', '--application=False', 'waiting', '--', 'waiting for the database endpoint'],
];
const floorScript = `const{spawnSync}=require('node:child_process');for(const[t,...a]of ${JSON.stringify(toolCalls)})spawnSync(t,a,{input:'',encoding:'utf8'});`;
variants.push({
  key: 'node_tools_only',
  label: 'node -e (the 4 hook-tool calls, nothing else)',
  cmd: process.execPath,
  args: ['-e', floorScript],
  env,
  hook: true,
});
if (packed.snapshotPath) {
  const label = './dispatch, plain bundle (TSOPS_NO_SNAPSHOT=1)';
  variants.push({
    key: 'dispatch_nosnapshot',
    label,
    cmd: dispatch,
    args: [],
    env: { ...env, TSOPS_NO_SNAPSHOT: '1' },
    hook: true,
  });
}
if (nodeVars.length > 0) {
  const also = `, with ${nodeVars.join(' ')}`;
  variants.push({
    key: 'dispatch_caller_env',
    label: `./dispatch${also}`,
    cmd: dispatch,
    args: [],
    env: callerEnv,
    hook: true,
  });
  variants.push({
    key: 'node_baseline_caller_env',
    label: `node -e 0${also}`,
    cmd: process.execPath,
    args: ['-e', '0'],
    env: callerEnv,
  });
}

function once(v) {
  if (v.hook) writeFileSync(logPath, '');
  const start = process.hrtime.bigint();
  const r = spawnSync(v.cmd, v.args, { cwd: charmDir, env: v.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`${v.label} exited ${r.status ?? r.signal}: ${r.stderr.toString().trim()}`);
  if (v.hook) {
    const calls = readFileSync(logPath, 'utf8')
      .split('\x1e\n')
      .filter((rec) => rec !== '')
      .map((rec) => rec.split('\x1f')[0]);
    if (calls.slice().sort().join(' ') !== EXPECTED_CALLS.join(' ')) {
      throw new Error(
        `${v.label} made hook-tool calls [${calls.join(', ')}], expected [${EXPECTED_CALLS.join(', ')}]`,
      );
    }
  }
  return ms;
}

const samples = Object.fromEntries(variants.map((v) => [v.key, []]));
try {
  for (let i = 0; i < 3; i++) for (const v of variants) once(v); // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    // Rotate the order so that no variant always runs right after the same other one.
    for (let j = 0; j < variants.length; j++) {
      const v = variants[(i + j) % variants.length];
      samples[v.key].push(once(v));
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const quantile = (xs, q) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const stats = (xs) => ({ median: quantile(xs, 0.5), p95: quantile(xs, 0.95), min: Math.min(...xs) });
const round = (x) => Math.round(x * 10) / 10;
const baselineOf = (key) =>
  stats(samples[key.endsWith('_caller_env') ? 'node_baseline_caller_env' : 'node_baseline']).median;

const snap = packed.snapshotPath
  ? 'startup snapshot built'
  : `no startup snapshot (${packed.snapshotSkipped})`;
console.log(`demo charm update-status (4 hook-tool calls), ${RUNS} runs each, node ${process.version}`);
console.log(`packed in ${Math.round(packMs)} ms, ${snap}`);
console.log('');
const w = Math.max(...variants.map((v) => v.label.length));
console.log(`${'what'.padEnd(w)}  median ms    p95 ms    min ms   × its node -e 0`);
for (const v of variants) {
  const s = stats(samples[v.key]);
  const cols = [s.median, s.p95, s.min].map((x) => round(x).toFixed(1).padStart(9));
  console.log(
    `${v.label.padEnd(w)}  ${cols.join(' ')}   ${(s.median / baselineOf(v.key)).toFixed(2).padStart(6)}`,
  );
}
console.log('');

const result = {};
for (const v of variants) {
  const s = stats(samples[v.key]);
  result[`${v.key}_median_ms`] = round(s.median);
  result[`${v.key}_p95_ms`] = round(s.p95);
  result[`${v.key}_min_ms`] = round(s.min);
}
result.dispatch_vs_baseline =
  Math.round((stats(samples.dispatch).median / baselineOf('dispatch')) * 100) / 100;
if (samples.dispatch_caller_env) {
  const ratio = stats(samples.dispatch_caller_env).median / baselineOf('dispatch_caller_env');
  result.dispatch_vs_baseline_caller_env = Math.round(ratio * 100) / 100;
}
result.runs = RUNS;
result.snapshot = Boolean(packed.snapshotPath);
result.node = process.version;
console.log(JSON.stringify(result));
