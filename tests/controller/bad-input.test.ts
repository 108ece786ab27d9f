/**
 * Bad input end to end: through the controller API (real handlers, a real model on
 * the sandbox substrate) each bad request gets one clear ApiError, and the model —
 * its bundle, status, every unit's databags and hook history, every app's config
 * and its machines — is exactly as it was. Loader-level bundle errors are in
 * bundle-errors.test.ts; here the same inputs go through `deploy`.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { z } from 'zod';
import { ApiClient, ApiError } from '../../framework/controller/api/client.js';
import type { MethodName, MethodParams } from '../../framework/controller/api/methods.js';
import { startApiServer, type ApiServer } from '../../framework/controller/api/server.js';
import type { DaemonHandlers } from '../../framework/controller/daemon/run.js';
import { createControllerHandlers } from '../../framework/controller/controller-handlers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const CHARMS = join(FIXTURES, 'charms');
const BAD = join(FIXTURES, 'bundles', 'bad');
const TOKEN = 'b'.repeat(64);
const model = 'bad';
const MiB = 1024 * 1024;

let home: string;
let scratchDir: string;
let controller: DaemonHandlers;
let server: ApiServer;
let api: ApiClient;
let before: string;

/** Everything a bad request could touch, as one comparable text. */
async function snapshot(): Promise<string> {
  const status = await api.call('status', { model });
  const { timestamp: _t, ...modelPart } = status.model;
  const units = Object.values(status.applications).flatMap((a) => Object.keys(a.units));
  const showUnits = await Promise.all(units.map((unit) => api.call('show-unit', { model, unit })));
  const configs = await Promise.all(
    Object.keys(status.applications).map(async (app) => [app, await api.call('config.get', { model, app })]),
  );
  const { yaml } = await api.call('export-bundle', { model });
  const machines = readdirSync(join(home, 'models', model, 'machines')).sort();
  const snap = { status: { ...status, model: modelPart }, showUnits, configs, yaml, machines };
  return JSON.stringify(snap, null, 1);
}

async function settle(): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const s = await api.call('status', { model });
    if (s.model.settled) return;
    if (s.model.errors.length > 0) throw new Error(`units in error: ${JSON.stringify(s.model.errors)}`);
    if (Date.now() > deadline) throw new Error('the model did not settle in 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Check that a refusal is one clear error and that the model did not change (nor starts changing). */
async function unchanged(method: string, err: { message: string }): Promise<void> {
  // One line; a bundle error is a header line and then one line per problem (bundle-errors.test.ts).
  if (!err.message.startsWith('invalid bundle ')) expect(err.message).not.toMatch(/\n/);
  expect(err.message.length).toBeLessThan(600);
  await new Promise((r) => setTimeout(r, 30));
  await settle();
  const after = await snapshot();
  if (after !== before) {
    const change = firstDifference(before, after);
    before = after; // so that one failure does not fail every later case
    throw new Error(`${method} changed the model: ${change}`);
  }
}

/** Send a request that must be refused; returns its ApiError once the model is known unchanged. */
async function refused<M extends MethodName>(method: M, params: MethodParams<M>): Promise<ApiError> {
  const err = await api.call(method, params).then(
    () => new Error(`${method} was accepted`),
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw err;
  await unchanged(method, err);
  return err;
}

const errorReply = z.object({ id: z.literal(1), error: z.object({ code: z.string(), message: z.string() }) });

/** Like `refused`, for params the typed client would not send: one raw frame on its own connection. */
async function refusedRaw(method: string, params: Record<string, unknown>) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = new Promise<unknown>((resolve) =>
      ws.once('message', (d) => resolve(JSON.parse(d.toString()))),
    );
    ws.send(JSON.stringify({ id: 1, method, params }));
    const { error } = errorReply.parse(await reply);
    await unchanged(method, error);
    return error;
  } finally {
    ws.close();
  }
}

/** The first line that differs, shortened: a diff of a megabyte value is of no use. */
function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  const i = al.findIndex((line, n) => line !== bl[n]);
  const cut = (s: string | undefined) =>
    s === undefined ? '(none)' : s.length > 200 ? `${s.slice(0, 200)}…` : s;
  return `line ${i + 1}: ${cut(al[i])} → ${cut(bl[i])}`;
}

/** Refused as a bad bundle: the error is bad-request and names the file. */
async function badBundle(file: string): Promise<string> {
  const err = await refused('deploy', { model, bundle: { path: file, overlays: [] } });
  expect(err.code).toBe('bad-request');
  expect(err.message.split('\n')[0]).toBe(`invalid bundle ${file} (1 problem):`);
  return err.message.split('\n').slice(1).join('\n');
}

/** Write a file for one case under the scratch folder; returns its path. */
function scratch(name: string, text: string): string {
  const file = join(scratchDir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'tsops-bad-'));
  scratchDir = mkdtempSync(join(tmpdir(), 'tsops-bad-files-'));
  controller = await createControllerHandlers(home);
  server = await startApiServer({ token: TOKEN, handlers: controller.handlers, streams: controller.streams });
  api = await ApiClient.connect(`ws://127.0.0.1:${server.port}`, TOKEN);
  await api.call('models.add', { name: model });
  // No update-status during the test: the snapshot must not move on its own.
  await api.call('model-config.set', { model, values: { 'update-status-hook-interval': '60m' } });
  const charm = (ref: string, app: string, numUnits: number) =>
    api.call('deploy', { model, charm: { ref, app, numUnits } });
  await charm(join(CHARMS, 'hub'), 'hub', 1);
  await charm(join(CHARMS, 'spoke'), 'spoke', 2);
  await charm(join(FIXTURES, 'demo-charm'), 'demo', 1);
  // Two endpoints of the hub's interface: relating it to the hub is ambiguous (no units: never runs).
  await charm(join(BAD, 'charms', 'double'), 'double', 0);
  await api.call('integrate', { model, a: 'hub', b: 'spoke' });
  await settle();
  before = await snapshot();
}, 30_000);

afterAll(async () => {
  await api?.close();
  await server?.close();
  await controller?.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(scratchDir, { recursive: true, force: true });
});

describe('the model under test', () => {
  it('is settled with hub, two spokes related to it, a demo unit and an empty double', () => {
    expect(before).toContain('"spoke/1"');
    expect(before).toMatch(/"hub:spokes"[\s\S]*"spoke:hub"/);
    expect(before).toContain('"demo/0"');
  });
});

describe('bundles through deploy', () => {
  it('malformed YAML names the line and what is wrong', async () => {
    // Written here, not kept as a fixture: prettier refuses to check a file it cannot parse.
    const file = scratch(
      'malformed.yaml',
      `applications:\n  hub:\n    charm: ${join(CHARMS, 'hub')}\n   num_units: 2\n`,
    );
    expect(await badBundle(file)).toMatch(
      /malformed\.yaml:4:1: applications: YAML syntax error: All mapping items must start at the same column$/,
    );
  });

  // [case, fixture under bundles/bad/, the problem line expected]
  it.each<[string, string, RegExp]>([
    [
      'an alias bomb is cut off before it expands',
      'alias-bomb.yaml',
      /:2:8: b\[0\]: aliases from here on expand to too many nodes \(more than 100 alias expansions/,
    ],
    [
      'an unknown key says which and suggests the right one',
      'unknown-key.yaml',
      /:7:5: applications\.spoke\.num_unit: unknown key \(did you mean 'num_units'\?\)$/,
    ],
    [
      'an unknown charm names the reference and where it looked',
      'unknown-charm.yaml',
      /:6:12: applications\.ghost\.charm: unknown charm '\.\/charms\/no-such-charm'.*: no charm\.yaml in \S+\/bad\/charms\/no-such-charm$/,
    ],
    [
      'a bad endpoint lists the endpoints there are',
      'bad-endpoint.yaml',
      /:9:6: relations\[0\]\[0\]: charm 'hub' of application 'hub' has no endpoint 'wheel' \(allowed here: .*spokes\)$/,
    ],
    [
      'an ambiguous relation lists the candidates',
      'ambiguous-relation.yaml',
      /:9:5: relations\[0\]: cannot infer endpoint between hub and double: candidates "hub:spokes double:left", "hub:spokes double:right"; name the endpoints/,
    ],
    [
      'a wrong option type names the option and the type wanted',
      'wrong-option-type.yaml',
      /:6:15: applications\.spoke\.options\.weight: expected an int \(the type of option 'weight' of charm 'spoke'\), got "heavy"$/,
    ],
  ])('%s', async (_name, fixture, problem) => {
    const line = await badBundle(join(BAD, fixture));
    expect(line.startsWith(`${join(BAD, fixture)}:`)).toBe(true);
    expect(line).toMatch(problem);
  });

  it('an oversized file is refused by size', async () => {
    const file = scratch(
      'big.yaml',
      `applications:\n  hub: {charm: ${join(CHARMS, 'hub')}}\n# ${'x'.repeat(4 * MiB)}\n`,
    );
    expect(await badBundle(file)).toMatch(
      /big\.yaml:1:1: \(top level\): cannot read bundle: the file is \d+ bytes; expected at most 4194304 \(4 MiB\)$/,
    );
  });

  it('a relative bundle path and a missing file are refused', async () => {
    const rel = await refused('deploy', { model, bundle: { path: 'fan.yaml', overlays: [] } });
    expect(rel).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/must be absolute/) });
    const missing = await badBundle(join(BAD, 'no-such-bundle.yaml'));
    expect(missing).toMatch(/no-such-bundle\.yaml: cannot read bundle: no such file$/);
  });
});

describe('unknown applications and units in commands', () => {
  const unknownApp = /^unknown application 'nope': see 'tsops status'$/;
  it.each<[string, () => Promise<ApiError>]>([
    ['add-unit', () => refused('add-unit', { model, app: 'nope', count: 1 })],
    ['config.get', () => refused('config.get', { model, app: 'nope' })],
    ['config.set', () => refused('config.set', { model, app: 'nope', values: { colour: 'red' } })],
    ['remove-application', () => refused('remove-application', { model, app: 'nope' })],
    ['integrate', () => refused('integrate', { model, a: 'nope', b: 'hub' })],
    ['run on a leader', () => refused('run', { model, targets: ['nope/leader'], action: 'greet' })],
  ])('%s', async (_name, send) => {
    expect(await send()).toMatchObject({ code: 'not-found', message: expect.stringMatching(unknownApp) });
  });

  const unknownUnit = /^unknown unit 'spoke\/9': see 'tsops status'$/;
  it.each<[string, () => Promise<ApiError>]>([
    ['remove-unit', () => refused('remove-unit', { model, units: ['spoke/0', 'spoke/9'] })],
    ['resolve', () => refused('resolve', { model, unit: 'spoke/9' })],
    ['show-unit', () => refused('show-unit', { model, unit: 'spoke/9' })],
    ['exec', () => refused('exec', { model, unit: 'spoke/9', argv: ['ls', '/'] })],
    ['run', () => refused('run', { model, targets: ['demo/0', 'spoke/9'], action: 'greet' })],
  ])('%s', async (_name, send) => {
    expect(await send()).toMatchObject({ code: 'not-found', message: expect.stringMatching(unknownUnit) });
  });

  it('an unknown model, and resolving a unit that is not in error', async () => {
    expect(await refused('status', { model: 'nope' })).toMatchObject({
      code: 'not-found',
      message: "unknown model 'nope': see 'tsops models'",
    });
    expect(await refused('resolve', { model, unit: 'spoke/0' })).toMatchObject({
      code: 'conflict',
      message: "unit 'spoke/0' is not in error",
    });
  });

  it('an unknown task and an unknown secret', async () => {
    expect(await refused('task.get', { model, id: 999 })).toMatchObject({ code: 'not-found' });
    expect(await refused('secrets.show', { model, id: 'nope' })).toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/unknown secret 'nope'/),
    });
  });
});

describe('relations', () => {
  // [a, b, message]: integrate refuses each as a bad request, naming what to do.
  it.each<[string, string, RegExp]>([
    ['hub:wheel', 'spoke', /^application 'hub' has no endpoint 'wheel' \(endpoints: .*spokes/],
    ['hub', 'double', /^ambiguous relation between hub and double: name the endpoints, one of: /],
    ['demo', 'hub', /^no matching endpoints between demo and hub: a relation needs provides ↔ requires/],
    ['hub', 'hub', /^cannot relate hub to itself: peer relations are created automatically$/],
    ['hub:hub-peers', 'spoke', /^'hub:hub-peers' is a peer endpoint/],
  ])('integrate %s %s', async (a, b, message) => {
    const err = await refused('integrate', { model, a, b });
    expect(err).toMatchObject({ code: 'bad-request', message: expect.stringMatching(message) });
  });

  it('an ambiguous relation lists the candidates', async () => {
    expect((await refused('integrate', { model, a: 'double', b: 'hub' })).message).toMatch(
      /one of: hub:spokes double:left; hub:spokes double:right$/,
    );
  });

  it('integrating twice is a conflict; removing no relation is not found', async () => {
    expect(await refused('integrate', { model, a: 'spoke', b: 'hub' })).toMatchObject({
      code: 'conflict',
      message: 'hub:spokes and spoke:hub are already related',
    });
    expect(await refused('remove-relation', { model, a: 'hub', b: 'double' })).toMatchObject({
      code: 'not-found',
      message: "no relation between hub and double: see 'tsops status --relations'",
    });
  });
});

describe('config', () => {
  it('a wrong type names the option, its type and the value', async () => {
    const err = await refused('config.set', {
      model,
      app: 'spoke',
      values: { colour: 'red', weight: 'eighty' },
    });
    expect(err).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/weight.*int.*eighty/) });
  });

  it('an unknown key lists the options there are', async () => {
    const err = await refused('config.set', { model, app: 'spoke', values: { color: 'red' } });
    expect(err).toMatchObject({
      code: 'bad-request',
      message: expect.stringMatching(/unknown config option 'color'.*colour/),
    });
    for (const key of ['color', 'constructor', 'toString']) {
      const reset = await refused('config.set', { model, app: 'spoke', reset: [key] });
      expect(reset.message).toBe(`unknown config option '${key}' (charm 'spoke' declares: colour, weight)`);
    }
  });

  it('a value over 1 MiB is refused with the limit', async () => {
    const err = await refused('config.set', { model, app: 'spoke', values: { colour: 'x'.repeat(MiB + 1) } });
    expect(err).toMatchObject({
      code: 'bad-request',
      message: expect.stringMatching(/params\.values\.colour: .*at most 1 MiB/),
    });
  });

  it('a request over the 4 MiB frame limit never leaves the client', async () => {
    const err = await refused('config.set', { model, app: 'spoke', values: { colour: 'x'.repeat(5 * MiB) } });
    expect(err).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/request is over/) });
  });
});

describe('deploying a charm (for real, and as a dry run that checks the same)', () => {
  it.each([false, true])('dryRun: %s', async (dryRun) => {
    const deploy = (charm: { ref: string; app?: string; config?: Record<string, string> }) =>
      refused('deploy', { model, charm, dryRun });
    const spoke = join(CHARMS, 'spoke');
    expect(await deploy({ ref: 'no-such-charm' })).toMatchObject({
      code: 'bad-request',
      message: expect.stringMatching(/^unknown charm 'no-such-charm': no charm\.yaml in /),
    });
    expect(await deploy({ ref: spoke })).toMatchObject({
      code: 'conflict',
      message: "application 'spoke' already exists: use 'tsops add-unit spoke' to scale it",
    });
    expect(await deploy({ ref: spoke, app: 'other', config: { weight: 'x' } })).toMatchObject({
      code: 'bad-request',
      message: "config option 'weight' is an int; 'x' is not an integer",
    });
    // The controller does not share the caller's working directory.
    expect(await deploy({ ref: './charms/spoke', app: 'other' })).toMatchObject({
      code: 'bad-request',
      message: "charm path must be absolute, got './charms/spoke'",
    });
  });

  it('a good dry run plans and changes nothing', async () => {
    const { changes } = await api.call('deploy', {
      model,
      charm: { ref: join(CHARMS, 'spoke'), app: 'other', numUnits: 2 },
      dryRun: true,
    });
    expect(changes).toEqual([
      { kind: 'addApplication', description: expect.stringMatching(/ as other ×2$/) },
    ]);
    await unchanged('deploy', { message: '' });
  });
});

describe('actions', () => {
  const greet = (params: Record<string, unknown>) =>
    refused('run', { model, targets: ['demo/0'], action: 'greet', params });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a missing required param', { times: 2 }, /: name: required parameter missing$/],
    ['a value below the minimum', { name: 'Ada', times: 0 }, /: times: must be >= 1$/],
    ['a value of the wrong type', { name: 'Ada', times: 'twice' }, /: times: must be integer$/],
    [
      'an unknown param',
      { name: 'Ada', loud: true },
      /: unknown parameter 'loud' \(the action allows: name, times\)$/,
    ],
  ])('%s', async (_name, params, problem) => {
    const err = await greet(params);
    expect(err.code).toBe('bad-request');
    expect(err.message).toMatch(/^invalid parameters for action 'greet': /);
    expect(err.message).toMatch(problem);
  });

  it('an unknown action lists the actions there are', async () => {
    const err = await refused('run', { model, targets: ['demo/0'], action: 'wave', params: {} });
    expect(err).toMatchObject({
      code: 'bad-request',
      message: "unknown action 'wave' (charm 'demo' declares: greet)",
    });
  });
});

describe('malformed params, as a client that ignores the schema would send them', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['add-unit', { model, app: 'spoke', count: -1 }, 'params.count: must be ≥ 1'],
    ['add-unit', { model, app: 'spoke', count: 1.5 }, 'params.count: expected int, got number'],
    ['add-unit', { model, app: 'spoke', count: 1e6 }, 'params.count: must be ≤ 10000'],
    ['add-unit', { model, app: 'spoke', count: '2' }, 'params.count: expected number, got string'],
    ['remove-unit', { model, units: ['spoke'] }, 'params.units[0]: unit names are <application>/<number>'],
    ['remove-unit', { model, units: 'spoke/0' }, 'params.units: expected array, got string'],
    ['show-unit', { model, unit: 'spoke/-1' }, 'params.unit: unit names are <application>/<number>'],
    [
      'config.get',
      { model, app: 'Spoke' },
      'params.app: application names are lowercase words joined by hyphens',
    ],
    [
      'config.set',
      { model, app: 'spoke', values: { weight: 80 } },
      'params.values.weight: expected string, got number',
    ],
    ['config.set', { model, app: 'spoke', colour: 'red' }, 'params: unknown key "colour"'],
    ['integrate', { model, a: 'hub:', b: 'spoke' }, 'params.a: expected <application>[:<endpoint>]'],
    ['run', { model, targets: [], action: 'greet' }, 'params.targets: must not be empty'],
    ['deploy', { model, charm: { ref: 'hub', numUnits: -2 } }, 'params.charm.numUnits: must be ≥ 0'],
    ['task.get', { model, id: 0 }, 'params.id: must be ≥ 1'],
  ])('%s %j', async (method, params, message) => {
    expect(await refusedRaw(method, params)).toEqual({ code: 'bad-request', message });
  });
});
