/**
 * Juju mode, end to end: the demo charm packed by `tsops pack` and run through its
 * `dispatch` as one child process per event, with Juju's environment and the fake
 * agent's hook tools on PATH. Asserts the hook-tool argv of each dispatch and the
 * state carried between processes.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJujuLifecycle, type Lifecycle, type StepResult } from './juju-lifecycle.js';

let life: Lifecycle;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tsops-juju-e2e-'));
  life = await runJujuLifecycle(work);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function step(i: number): StepResult {
  const s = life.steps[i];
  if (!s)
    throw new Error(
      `step ${i} did not run (an earlier dispatch failed: ${JSON.stringify(life.steps.at(-1)?.stderr)})`,
    );
  return s;
}

const stored = (s: StepResult) => s.unitState.snapshots['DemoCharm/StoredStateData[stored]'];

describe('the demo charm under a (fake) Juju agent', () => {
  it('runs every dispatch successfully', () => {
    expect(life.steps.map((s) => [s.title, s.exitCode, s.stderr])).toEqual(
      life.steps.map((s) => [s.title, 0, '']),
    );
    expect(life.steps).toHaveLength(6);
  });

  it('install: logs the event, sets maintenance, then collect-status sets waiting', () => {
    expect(step(0).calls).toEqual([
      ['juju-log', '--log-level', 'DEBUG', '--', 'Emitting Juju event install.'],
      ['status-set', '--application=False', 'maintenance', '--', 'installed'],
      ['is-leader', '--format=json'],
      ['status-set', '--application=False', 'waiting', '--', 'waiting for the database endpoint'],
    ]);
    expect(stored(step(0))).toEqual({ installs: 1, dbEndpoint: '', greeted: 0 });
  });

  it('config-changed: reads typed config, writes the file through the host Machine and opens the port', () => {
    const tools = step(1).calls.map((c) => c[0]);
    expect(tools).toEqual(['juju-log', 'config-get', 'open-port', 'is-leader', 'status-set']);
    expect(step(1).calls[1]).toEqual(['config-get', '--format=json']);
    expect(step(1).calls[2]).toEqual(['open-port', '8080/tcp']);
    expect(readFileSync(life.configFile, 'utf8')).toBe('greeting = hello\nport = 8080\n');
    expect(statSync(life.configFile).mode & 0o777).toBe(0o640);
    expect(life.fake.state().openedPorts.map((p) => p.port)).toEqual(['8080/tcp']);
  });

  it('db-relation-joined: no observer, so only the event (its relation looked up as ops does) and collect-status', () => {
    expect(step(2).calls).toEqual([
      ['juju-log', '--log-level', 'DEBUG', '--', 'Emitting Juju event db_relation_joined.'],
      ['relation-ids', 'db', '--format=json'],
      ['is-leader', '--format=json'],
      ['status-set', '--application=False', 'waiting', '--', 'waiting for the database endpoint'],
    ]);
    expect(step(2).unitState.notices).toEqual([]);
  });

  it('db-relation-changed: reads the remote app bag with ops argv, finds no endpoint, defers', () => {
    expect(step(3).calls).toContainEqual(['relation-get', '--format=json', '-r', 'db:1', '--app', '-', 'pg']);
    expect(step(3).unitState.notices).toEqual([
      expect.objectContaining({ observerPath: 'DemoCharm', method: 'onDbChanged' }),
    ]);
    const eventPath = step(3).unitState.notices[0]?.eventPath ?? '';
    expect(eventPath).toMatch(/^DemoCharm\/on\/db_relation_changed\[\d+\]$/);
    expect(step(3).unitState.snapshots[eventPath]).toEqual({
      relation_name: 'db',
      relation_id: 1,
      app_name: 'pg',
      unit_name: 'pg/0',
    });
  });

  it('update-status: the deferred relation-changed is re-emitted first, then update-status', () => {
    const calls = step(4).calls;
    const logs = calls.filter((c) => c[0] === 'juju-log').map((c) => c[4]);
    expect(logs[0]).toMatch(/^Re-emitting 1 deferred event notice/);
    expect(logs[1]).toMatch(
      /^Re-emitting deferred event <RelationChangedEvent via DemoCharm\/on\/db_relation_changed\[\d+\]> \(1 of 1 in queue\)$/,
    );
    const set = calls.findIndex((c) => c[0] === 'relation-set');
    const emitting = calls.findIndex(
      (c) => c[0] === 'juju-log' && c[4] === 'Emitting Juju event update_status.',
    );
    expect(set).toBeGreaterThan(-1);
    expect(emitting).toBeGreaterThan(set);
    expect(calls[set]).toEqual(['relation-set', '-r', 'db:1', '--file', '-']);
    expect(life.fake.state().relations.find((r) => r.id === 1)?.localUnitData).toMatchObject({
      connected: 'true',
    });
    expect(step(4).unitState.notices).toEqual([]);
    expect(stored(step(4))).toEqual({ installs: 1, dbEndpoint: '10.0.0.5:5432', greeted: 0 });
    expect(calls.at(-1)).toEqual(['status-set', '--application=False', 'active', '--', '']);
  });

  it('action: params from action-get (validated, defaults applied), results and log', () => {
    const calls = step(5).calls;
    expect(calls).toContainEqual(['action-get', '--format=json']);
    expect(calls).toContainEqual(['action-log', '--', 'greeting world']);
    expect(calls).toContainEqual(['action-set', 'greeting=hello, world hello, world', 'count.total=1']);
    expect(life.fake.state().action?.failed).not.toBe(true);
    expect(stored(step(5))).toEqual({ installs: 1, dbEndpoint: '10.0.0.5:5432', greeted: 1 });
  });

  it('persists the event counter across processes', () => {
    const counts = life.steps.map((s) => s.unitState.eventCount);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1] ?? 0);
  });
});
