/**
 * The demo charm's lifecycle as a Juju unit agent runs it: one `./dispatch` child
 * process per event, with Juju's environment and (fake) hook tools on PATH. Shared by
 * `npm run demo` and the Juju-mode end-to-end test.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packCharm } from '../../framework/controller/pack.js';
import { unitStateProblem, type UnitStateData } from '../../framework/ops/framework/storage.js';
import { makeFakeJuju, type FakeJuju, type FakeJujuState } from '../fixtures/fake-juju/make-tools.js';
import type { ContractScenario } from '../ops/backend-contract.js';

export const DEMO_CHARM_DIR = fileURLToPath(new URL('../fixtures/demo-charm', import.meta.url));

export interface StepResult {
  /** What the step did, e.g. `db-relation-changed (pg/0)`. */
  title: string;
  exitCode: number;
  stderr: string;
  /** The hook tools this dispatch called, argv with the tool first. */
  calls: string[][];
  /** The unit's persisted framework state after the dispatch. */
  unitState: UnitStateData;
}

interface Step {
  title: string;
  env: Record<string, string>;
  /** Change the fake model before the dispatch (what the rest of the model did meanwhile). */
  before?: (state: FakeJujuState) => void;
}

/** The fake model the unit starts in: demo/0, leader, a db relation to pg with one unit and no data yet. */
function scenario(configFile: string): ContractScenario {
  return {
    unitName: 'demo/0',
    appName: 'demo',
    modelName: 'demo-model',
    modelUuid: 'cafebabe-0000-4000-8000-000000000001',
    leader: true,
    config: { greeting: 'hello', port: 8080, 'config-file': configFile },
    relations: [
      { id: 0, endpoint: 'cluster', remoteApp: 'demo', peer: true, remoteUnits: {} },
      { id: 1, endpoint: 'db', remoteApp: 'pg', remoteUnits: { 'pg/0': { 'ingress-address': '10.0.0.5' } } },
    ],
    secrets: [],
  };
}

function hook(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { JUJU_HOOK_NAME: name, JUJU_DISPATCH_PATH: `hooks/${name}`, ...extra };
}

const DB = { JUJU_RELATION: 'db', JUJU_RELATION_ID: 'db:1', JUJU_REMOTE_APP: 'pg', JUJU_REMOTE_UNIT: 'pg/0' };

/** The steps of the lifecycle, in Juju's order. */
export function lifecycleSteps(): Step[] {
  return [
    { title: 'install', env: hook('install') },
    { title: 'config-changed', env: hook('config-changed') },
    { title: 'db-relation-joined (pg/0)', env: hook('db-relation-joined', DB) },
    {
      title: 'db-relation-changed (pg/0): no endpoint yet, so it defers',
      env: hook('db-relation-changed', DB),
    },
    {
      title: 'update-status: pg has published its endpoint; the deferred event runs first',
      env: hook('update-status'),
      before: (s) => {
        const db = s.relations.find((r) => r.id === 1);
        if (db) db.remoteAppData.endpoint = JSON.stringify('10.0.0.5:5432');
      },
    },
    {
      title: 'action greet name=world times=2',
      env: {
        JUJU_HOOK_NAME: '',
        JUJU_DISPATCH_PATH: 'actions/greet',
        JUJU_ACTION_NAME: 'greet',
        JUJU_ACTION_UUID: '7',
      },
      before: (s) => {
        s.action = { name: 'greet', params: { name: 'world', times: 2 } };
      },
    },
  ];
}

export interface Lifecycle {
  charmDir: string;
  fake: FakeJuju;
  configFile: string;
  steps: StepResult[];
}

/** Pack the demo charm into `workDir` and run every lifecycle step through its dispatch. */
export async function runJujuLifecycle(
  workDir: string,
  onStep?: (r: StepResult) => void,
): Promise<Lifecycle> {
  const charmDir = join(workDir, 'charm');
  await packCharm(DEMO_CHARM_DIR, { outDir: charmDir });
  const configFile = join(workDir, 'etc', 'demo', 'demo.conf');
  const fake = makeFakeJuju(workDir, scenario(configFile), { JUJU_CHARM_DIR: charmDir });
  const steps: StepResult[] = [];
  for (const step of lifecycleSteps()) {
    if (step.before) {
      const state = fake.state();
      step.before(state);
      writeFileSync(fake.statePath, JSON.stringify(state, null, 2));
    }
    const before = fake.calls().length;
    const env: Record<string, string> = { ...fake.env, ...step.env };
    const run = spawnSync(join(charmDir, 'dispatch'), [], {
      cwd: charmDir,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const result: StepResult = {
      title: step.title,
      exitCode: run.status ?? -1,
      stderr: run.stderr + (run.error ? String(run.error) : ''),
      calls: fake.calls().slice(before),
      unitState: readUnitState(charmDir),
    };
    steps.push(result);
    onStep?.(result);
    if (result.exitCode !== 0) break;
  }
  return { charmDir, fake, configFile, steps };
}

function readUnitState(charmDir: string): UnitStateData {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(charmDir, '.unit-state.json'), 'utf8'));
  } catch {
    return { eventCount: 0, nextSequence: 1, notices: [], snapshots: {} };
  }
  const problem = unitStateProblem(v);
  if (problem) throw new Error(`.unit-state.json: ${problem}`);
  return v as UnitStateData;
}
