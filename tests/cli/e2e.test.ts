/**
 * The real `tsops` binary (dist/, built first) against a real controller daemon on
 * loopback, in a temporary TSOPS_HOME: deploy, wait (and its exit codes), status
 * (tabular and the JSON shape), scale, config, actions, errors and resolve,
 * remove-unit, export-bundle round trip, debug-log, and controller stop. The steps
 * share one model and run in order.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROOT, runTsops, tsopsOk, type CliRun } from '../fixtures/tsops-cli.js';
import { z } from 'zod';

let home: string;

type Run = CliRun;
const tsops = (...args: string[]): Run => runTsops(home, args);
const ok = (...args: string[]): string => tsopsOk(home, args);

/** A failure is one line on stderr, `tsops: ...`. */
function expectOneLineError(r: Run, code: number, message: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(/^tsops: [^\n]+\n$/);
  expect(r.stderr).toMatch(message);
}

// ---- `status --format json`: the ModelStatusView shape -------------------------------

interface UnitShape {
  name: string;
  workload: string;
  message: string;
  agent: string;
  activity?: string;
  leader: boolean;
  machine: string;
  address: string;
  ports: string[];
  subordinates: Record<string, UnitShape>;
}
const unitSchema: z.ZodType<UnitShape> = z.lazy(() =>
  z
    .object({
      name: z.string(),
      workload: z.enum(['active', 'blocked', 'maintenance', 'waiting', 'unknown', 'error', 'terminated']),
      message: z.string(),
      agent: z.enum(['allocating', 'executing', 'idle', 'error', 'lost', 'rebooting']),
      activity: z.string().optional(),
      leader: z.boolean(),
      machine: z.string(),
      address: z.string(),
      ports: z.array(z.string()),
      subordinates: z.record(z.string(), unitSchema),
    })
    .strict(),
);
const statusSchema = z
  .object({
    model: z
      .object({
        name: z.string(),
        uuid: z.string().uuid(),
        substrate: z.string(),
        settled: z.boolean(),
        pendingHooks: z.number().int().min(0),
        errors: z.array(z.object({ unit: z.string(), message: z.string() }).strict()),
        timestamp: z.string().datetime(),
      })
      .strict(),
    applications: z.record(
      z.string(),
      z
        .object({
          name: z.string(),
          charm: z.string(),
          charmPath: z.string(),
          version: z.string(),
          status: z.string(),
          message: z.string(),
          scale: z.number().int().min(0),
          subordinate: z.boolean(),
          exposed: z.boolean(),
          relations: z.record(z.string(), z.array(z.string())),
          units: z.record(z.string(), unitSchema),
        })
        .strict(),
    ),
    relations: z.array(
      z
        .object({
          id: z.number().int(),
          provider: z.string(),
          requirer: z.string(),
          interface: z.string(),
          type: z.enum(['regular', 'peer', 'subordinate']),
        })
        .strict(),
    ),
  })
  .strict();

function statusJson() {
  return statusSchema.parse(JSON.parse(ok('status', '--format', 'json')));
}

function unitsOf(app: string): string[] {
  return Object.keys(statusJson().applications[app]?.units ?? {}).sort();
}

// ---- the daemon's lifetime --------------------------------------------------------------

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  home = mkdtempSync(join(tmpdir(), 'tsops-e2e-'));
}, 60_000);

afterAll(() => {
  // The test's own `controller stop` should have ended it; never leave a daemon behind.
  const info = join(home, 'controller.json');
  if (existsSync(info)) {
    const pid = z.object({ pid: z.number().int().min(1) }).safeParse(JSON.parse(readFileSync(info, 'utf8')));
    if (pid.success) {
      try {
        process.kill(pid.data.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  rmSync(home, { recursive: true, force: true });
});

describe('tsops against a controller on loopback', () => {
  it('deploys the fan bundle and waits for it to settle', () => {
    const out = ok('deploy', 'tests/fixtures/bundles/fan.yaml');
    expect(out).toMatch(/^added model 'default' \(sandbox\)$/m);
    expect(out).toMatch(/^- deploy application hub /m);
    expect(out).toMatch(/^- integrate hub:spokes with spoke:hub \(fan\)$/m);
    const wait = tsops('wait', '--timeout', '60');
    expect(wait).toMatchObject({ code: 0, stderr: '' });
    expect(wait.stdout).toMatch(/^model 'default' settled in [\d.]+s \(4 units\)\n$/);
  });

  it('status --format json has the ModelStatusView shape', () => {
    const s = statusJson();
    expect(s.model).toMatchObject({ name: 'default', settled: true, pendingHooks: 0, errors: [] });
    expect(Object.keys(s.applications).sort()).toEqual(['hub', 'spoke']);
    expect(s.applications.hub?.units['hub/0']).toMatchObject({
      leader: true,
      agent: 'idle',
      workload: 'active',
    });
    expect(s.applications.hub?.message).toBe('3 spokes');
    expect(Object.keys(s.applications.spoke?.units ?? {}).sort()).toEqual(['spoke/0', 'spoke/1', 'spoke/2']);
    expect(s.applications.spoke?.relations).toEqual({ hub: ['hub'] });
    expect(s.relations).toContainEqual(
      expect.objectContaining({
        provider: 'hub:spokes',
        requirer: 'spoke:hub',
        interface: 'fan',
        type: 'regular',
      }),
    );
  });

  it('status prints the App and Unit sections, the leader starred', () => {
    const out = ok('status');
    expect(out).toMatch(/^App +Version +Status +Scale +Charm +Message$/m);
    expect(out).toMatch(/^hub +active +1 +hub +3 spokes$/m);
    expect(out).toMatch(/^Unit +Workload +Agent +Machine +Address +Ports +Message$/m);
    expect(out).toMatch(/^hub\/0\* +active +idle +0 /m);
    expect(out).toMatch(/^spoke\/2 +active +idle /m);
    expect(ok('status', '--relations')).toMatch(/^hub:spokes +spoke:hub +fan +regular$/m);
  });

  it('adds units and waits for them', () => {
    expect(ok('add-unit', 'spoke', '-n', '2')).toMatch(/spoke\/3, spoke\/4/);
    expect(tsops('wait', '--timeout', '60').code).toBe(0);
    expect(unitsOf('spoke')).toHaveLength(5);
    expect(statusJson().applications.hub?.message).toBe('5 spokes');
  });

  it('sets and reads config', () => {
    expect(ok('config', 'spoke', 'colour=red')).toBe('changed colour\n');
    expect(ok('config', 'spoke', 'colour')).toBe('red\n');
    expect(ok('config', 'spoke')).toMatch(/colour.*red.*user/);
    expect(tsops('wait', '--timeout', '60').code).toBe(0);
    // config-changed carried the new colour to the hub's view of each spoke.
    expect(ok('show-unit', 'hub/0')).toMatch(/colour: red/);
    expectOneLineError(
      tsops('config', 'spoke', 'weight=eighty'),
      1,
      /'weight' is an int; 'eighty' is not an integer/,
    );
  });

  it('runs an action and prints its results; bad params are refused', () => {
    ok('deploy', 'tests/fixtures/demo-charm', 'demo');
    expect(tsops('wait', '--timeout', '60').code).toBe(0);
    const r = tsops('run', 'demo/0', 'greet', 'name=Ada', 'times=2', '--wait', '30');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/completed/);
    expect(r.stdout).toMatch(/hello, Ada hello, Ada/);
    expect(ok('run', 'demo/leader', 'greet', 'name=Bo', '--wait', '30')).toMatch(/hello, Bo/);
    expectOneLineError(
      tsops('run', 'demo/0', 'greet', 'times=0'),
      1,
      /invalid parameters for action 'greet':/,
    );
    expectOneLineError(tsops('run', 'demo/0', 'wave'), 1, /unknown action 'wave'/);
  });

  it('wait exits 1 naming a unit in error; a failing action exits 1; resolve recovers', () => {
    expect(ok('deploy', 'tests/fixtures/charms/fragile', '--config', 'fail=true')).toMatch(
      /^- deployed fragile with units fragile\/0$/m,
    );
    const wait = tsops('wait', '--timeout', '60');
    expectOneLineError(wait, 1, /fragile\/0 \(hook failed: "install"\)/);
    expect(wait.stderr).toMatch(/tsops resolve fragile\/0/);
    expect(statusJson().model.errors).toEqual([{ unit: 'fragile/0', message: 'hook failed: "install"' }]);
    // Actions still run on a unit in error; this one fails, and so does `run`.
    const crash = tsops('run', 'fragile/0', 'crash', '--wait', '30');
    expectOneLineError(crash, 1, /\(crash\) failed on fragile\/0: crashed on purpose/);
    expect(crash.stdout).toMatch(/failed/);
    ok('config', 'fragile', 'fail=false');
    expect(ok('resolve', 'fragile/0')).toMatch(/fragile\/0/);
    expect(tsops('wait', '--timeout', '60').code).toBe(0);
    expect(statusJson().applications.fragile?.units['fragile/0']).toMatchObject({ agent: 'idle' });
  });

  it('wait exits 2 on timeout, naming the busy unit', () => {
    ok('config', 'fragile', 'delay=3'); // config-changed now takes 3 s
    const wait = tsops('wait', '--timeout', '1');
    expectOneLineError(wait, 2, /did not settle within 1s: still busy: .*fragile\/0/);
    expect(tsops('wait', '--timeout', '60').code).toBe(0);
  });

  it('removes a unit', () => {
    ok('remove-unit', 'spoke/0');
    expect(tsops('wait', '--timeout', '60').code).toBe(0);
    expect(unitsOf('spoke')).toEqual(['spoke/1', 'spoke/2', 'spoke/3', 'spoke/4']);
  });

  it('exports a bundle that deploys back with no changes', () => {
    const file = join(home, 'exported.yaml');
    writeFileSync(file, ok('export-bundle'));
    expect(readFileSync(file, 'utf8')).toMatch(/spoke:[\s\S]*num_units: 4/);
    expect(ok('deploy', file, '--dry-run')).toBe('No changes: the model already matches.\n');
  });

  it('prints the log', () => {
    const lines = ok('debug-log', '--replay', '--no-tail').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    const last = ok('debug-log', '--no-tail', '-n', '5').trimEnd().split('\n');
    expect(last).toHaveLength(5);
    expect(last.every((l) => /^\S+ \S+ (DEBUG|INFO|WARNING|ERROR) /.test(l))).toBe(true);
  });

  it('unknown units and applications: one line on stderr, non-zero exit', () => {
    for (const args of [
      ['show-unit', 'spoke/9'],
      ['remove-unit', 'spoke/9'],
      ['resolve', 'spoke/9'],
      ['exec', 'spoke/9', '--', 'ls', '/'],
      ['run', 'spoke/9', 'greet'],
    ])
      expectOneLineError(tsops(...args), 1, /^tsops: unknown unit 'spoke\/9': see 'tsops status'\n$/);
    for (const args of [
      ['add-unit', 'nope'],
      ['config', 'nope'],
      ['remove-application', 'nope'],
      ['integrate', 'nope', 'hub'],
    ])
      expectOneLineError(tsops(...args), 1, /^tsops: unknown application 'nope': see 'tsops status'\n$/);
    expectOneLineError(tsops('remove-unit', 'spoke'), 1, /unit name/);
    // A bundle error points at the file, line and column, with no unrelated advice after it.
    expectOneLineError(
      tsops('deploy', 'tests/fixtures/bundles/bad/unknown-key.yaml'),
      1,
      /unknown-key\.yaml:7:5: applications\.spoke\.num_unit: unknown key \(did you mean 'num_units'\?\)\n$/,
    );
    expectOneLineError(
      tsops('deploy', 'no-such-charm', '--dry-run'),
      1,
      /^tsops: unknown charm 'no-such-charm'/,
    );
    expect(unitsOf('spoke')).toEqual(['spoke/1', 'spoke/2', 'spoke/3', 'spoke/4']);
  });

  it('stops the controller', () => {
    const pid = z
      .object({ pid: z.number() })
      .parse(JSON.parse(readFileSync(join(home, 'controller.json'), 'utf8'))).pid;
    expect(ok('controller', 'stop')).toMatch(new RegExp(`^stopped the controller \\(pid ${pid}\\)`));
    expect(existsSync(join(home, 'controller.json'))).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow(); // the daemon process is gone
    expect(ok('controller', 'stop')).toMatch(/not running/);
  });
});
