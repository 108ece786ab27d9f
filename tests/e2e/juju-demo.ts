/**
 * `npm run demo`: run the demo charm's lifecycle the way a Juju unit agent does and
 * print, for each dispatch, the hook tools it called and what it persisted.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJujuLifecycle } from './juju-lifecycle.js';

/** An argument as a shell would need it written. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

const work = mkdtempSync(join(tmpdir(), 'tsops-demo-'));
const started = performance.now();
const life = await runJujuLifecycle(work, (step) => {
  process.stdout.write(`\n== ${step.title}  (exit ${step.exitCode})\n`);
  for (const argv of step.calls) process.stdout.write(`   $ ${argv.map(shellWord).join(' ')}\n`);
  const stored = step.unitState.snapshots['DemoCharm/StoredStateData[stored]'];
  process.stdout.write(
    `   stored state: ${JSON.stringify(stored ?? {})}; deferred notices: ${step.unitState.notices.length}\n`,
  );
  if (step.exitCode !== 0) process.stdout.write(step.stderr);
});
const state = life.fake.state();
process.stdout.write(`\nconfig file ${life.configFile}:\n${readFileSync(life.configFile, 'utf8')}`);
process.stdout.write(`unit status: ${state.status.unit.status} ${state.status.unit.message}\n`);
process.stdout.write(`action results: ${JSON.stringify(state.action?.results ?? {})}\n`);
const failed = life.steps.some((s) => s.exitCode !== 0);
process.stdout.write(
  `\n${life.steps.length} dispatches in ${((performance.now() - started) / 1000).toFixed(2)} s; charm at ${life.charmDir}\n`,
);
process.exitCode = failed ? 1 : 0;
