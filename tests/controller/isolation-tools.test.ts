/**
 * The pieces of `--isolation process` without a charm process: the hook tools' argv
 * parsing and output (JujuBackend → runHookTool → a backend passes the whole ModelBackend
 * contract), the hook-tool server's socket protocol and authentication, the machine
 * calls it carries (AgentMachine ↔ a sandbox machine), the shim client, and the hook
 * environment (which ops' own dispatchFromEnv reads back to the same event).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HOOK_TOOL_NAMES,
  runHookTool,
  type HookToolContext,
} from '../../framework/controller/agent/process/hook-tools.js';
import { startHookServer, type HookServer } from '../../framework/controller/agent/process/hook-server.js';
import { hookEnvironment } from '../../framework/controller/agent/process/isolation.js';
import { ensureToolsDir } from '../../framework/controller/agent/process/tools-dir.js';
import { JujuBackend, type HookToolRunner } from '../../framework/ops/backend/juju.js';
import { dispatchFromEnv } from '../../framework/ops/dispatch/juju-env.js';
import type { DispatchEvent } from '../../framework/ops/dispatch/types.js';
import { RelationNotFoundError } from '../../framework/ops/errors.js';
import { AgentMachine, agentMachineAddress } from '../../framework/ops/machine/agent.js';
import { ExecError, FileNotFoundError } from '../../framework/ops/machine.js';
import { SandboxMachine } from '../../framework/substrates/sandbox/machine.js';
import { contractScenario, describeBackendContract, type ContractScenario } from '../ops/backend-contract.js';
import { testingBackendFor } from '../testing/contract-backend.js';

const root = mkdtempSync(join(tmpdir(), 'tsops-iso-tools-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** JujuBackend whose tools run in this process against `ctx` (no child process). */
function throughTools(ctx: HookToolContext, env: Record<string, string>, seen: string[][] = []): JujuBackend {
  const run: HookToolRunner = (argv, input) => {
    seen.push([...argv]);
    const r = runHookTool(ctx, { argv, stdin: input, dir: root });
    return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
  };
  return new JujuBackend(env, { run });
}

function envOf(s: ContractScenario): Record<string, string> {
  return {
    JUJU_UNIT_NAME: s.unitName,
    JUJU_MODEL_NAME: s.modelName,
    JUJU_MODEL_UUID: s.modelUuid,
    ...(s.action ? { JUJU_ACTION_NAME: s.action.name } : {}),
  };
}

describeBackendContract('JujuBackend through the hook tools of process isolation', (scenario) => ({
  backend: throughTools({ backend: testingBackendFor(scenario) }, envOf(scenario)),
}));

describe('hook tool argv', () => {
  const scenario = contractScenario();
  const tool = (argv: string[], stdin?: string, ctx: Partial<HookToolContext> = {}) =>
    runHookTool({ backend: testingBackendFor(scenario), ...ctx }, { argv, stdin, dir: root });

  it("accepts ops 2.x's forms: --format last or separate, bare -r ids, YAML on stdin, positional messages", () => {
    const backend = testingBackendFor(scenario);
    const ctx = { backend };
    const run = (argv: string[], stdin?: string) => runHookTool(ctx, { argv, stdin, dir: root });
    expect(run(['relation-ids', 'slurmd', '--format=json'])).toEqual({
      code: 0,
      stdout: '["slurmd:3","slurmd:4"]\n',
      stderr: '',
    });
    expect(JSON.parse(run(['relation-get', '-r', '3', '-', 'compute/0', '--format', 'json']).stdout)).toEqual(
      {
        hostname: 'compute-0',
      },
    );
    expect(run(['relation-set', '-r', '3', '--file', '-'], "hostname: ctl-1\nnote: 'yes'\n").code).toBe(0);
    expect(run(['relation-set', '-r=3', 'extra=1', 'note='])).toMatchObject({ code: 0 });
    expect(backend.relationGet(3, 'slurmctld/0', false)).toMatchObject({ hostname: 'ctl-1', extra: '1' });
    expect(backend.relationGet(3, 'slurmctld/0', false)).not.toHaveProperty('note');
    expect(run(['status-set', '--application=False', 'active', ''])).toMatchObject({ code: 0 });
    expect(run(['juju-log', '-l', 'WARNING', '--', '--looks-like-a-flag'])).toMatchObject({ code: 0 });
  });

  it('defaults -r and the member to the hook relation and remote unit; smart output without --format', () => {
    const ctx = { relationId: 3, remoteUnit: 'compute/1', remoteApp: 'compute' };
    expect(tool(['relation-get', '--format=json'], undefined, ctx).stdout).toBe('{"hostname":"compute-1"}\n');
    expect(tool(['relation-get', 'hostname'], undefined, ctx).stdout).toBe('compute-1\n');
    expect(tool(['relation-get', '--app', '--format=json'], undefined, ctx).stdout).toBe(
      '{"partition":"compute"}\n',
    );
    expect(tool(['relation-ids', 'slurmd']).stdout).toBe('slurmd:3\nslurmd:4\n');
    expect(tool(['is-leader']).stdout).toBe('True\n');
  });

  it('reads secret content from key#file= (relative to the caller) and key#base64=', () => {
    const backend = testingBackendFor(scenario);
    writeFileSync(join(root, 'pw'), 's3cret value');
    const r = runHookTool(
      { backend },
      {
        argv: ['secret-add', '--owner', 'unit', '--label', 'pw', 'password#file=pw', 'other#base64=aGk='],
        dir: root,
      },
    );
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(backend.secretGet({ id })).toEqual({ password: 's3cret value', other: 'hi' });
  });

  it('refuses bad usage with exit 2 and Juju-like stderr', () => {
    expect(tool(['relation-ids', 'slurmd', '--bogus'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ERROR option provided but not defined: --bogus\n',
    });
    expect(tool(['relation-list', '-r'])).toMatchObject({
      code: 2,
      stderr: 'ERROR option needs an argument: -r\n',
    });
    expect(tool(['status-get', '--application=maybe'])).toMatchObject({ code: 2 });
    expect(tool(['status-set', 'error', 'x'])).toMatchObject({ code: 2 });
    expect(tool(['secret-get', 'secret:x', '--peek', '--refresh'])).toMatchObject({ code: 2 });
    expect(tool(['action-set', 'stdout=x'])).toMatchObject({ code: 2 });
    expect(tool(['is-leader', 'extra'])).toMatchObject({ code: 2 });
    expect(tool(['relation-ids', 'x', '--format=xml'])).toMatchObject({ code: 2 });
    expect(tool(['no-such-tool'])).toMatchObject({ code: 2 });
  });

  it('answers a wrong endpoint in -r with "relation not found", which JujuBackend maps back', () => {
    expect(tool(['relation-list', '--format=json', '-r', 'slurmctld-peers:3'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('relation not found'),
    });
    const b = throughTools({ backend: testingBackendFor(scenario) }, envOf(scenario));
    expect(() => b.relationList(99)).toThrow(RelationNotFoundError);
  });

  it('serves every tool JujuBackend runs', () => {
    const seen: string[][] = [];
    const b = throughTools({ backend: testingBackendFor(scenario) }, envOf(scenario), seen);
    b.relationIds('slurmd');
    b.relationList(3);
    b.configGet();
    b.statusGet(true);
    b.openPort({ protocol: 'tcp', port: 80 });
    b.openedPorts();
    b.networkGet('slurmd', 3);
    b.applicationVersionSet('1.0');
    b.goalState();
    b.secretIds();
    b.reboot(false);
    for (const [name] of seen) expect(HOOK_TOOL_NAMES).toContain(name);
  });
});

describe('the hook-tool server', () => {
  let server: HookServer;
  let machine: SandboxMachine;
  beforeEach(async () => {
    machine = new SandboxMachine({ dir: mkdtempSync(join(root, 'machine-')), hostname: 'm0' });
    server = await startHookServer({
      context: { backend: testingBackendFor(contractScenario()) },
      machine,
      label: 'slurmctld/0-install',
    });
  });
  afterEach(() => server.close());

  /** One raw request line, one reply line. */
  function ask(line: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const conn = createConnection(server.env.JUJU_AGENT_SOCKET_ADDRESS ?? '');
      let reply = '';
      conn.on('data', (d) => (reply += d.toString()));
      conn.on('error', reject);
      conn.on('close', () => resolve(JSON.parse(reply)));
      conn.write(`${line}\n`);
    });
  }
  const auth = () => ({ contextId: server.env.JUJU_CONTEXT_ID, token: server.env.JUJU_AGENT_TOKEN });

  it('answers an authenticated tool call and refuses a wrong token, context or shape', async () => {
    expect(server.env).toMatchObject({ JUJU_AGENT_SOCKET_NETWORK: 'unix' });
    expect(server.env.JUJU_CONTEXT_ID).toMatch(/^slurmctld\/0-install-[0-9a-f]{12}$/);
    const call = { dir: root, argv: ['is-leader', '--format=json'] };
    expect(await ask(JSON.stringify({ ...auth(), ...call }))).toEqual({
      code: 0,
      stdout: 'true\n',
      stderr: '',
    });
    for (const bad of [{ token: 'x'.repeat(48) }, { contextId: 'slurmctld/0-install-000000000000' }]) {
      expect(await ask(JSON.stringify({ ...auth(), ...call, ...bad }))).toEqual({
        code: 2,
        stdout: '',
        stderr: 'ERROR bad request: bad context\n',
      });
    }
    expect(await ask('not json')).toMatchObject({ code: 2 });
    expect(await ask(JSON.stringify({ ...auth(), ...call, argv: 'is-leader' }))).toMatchObject({ code: 2 });
    expect(await ask(JSON.stringify({ ...auth(), ...call, surplus: 1 }))).toMatchObject({ code: 2 });
    expect(server.calls).toBe(1);
  });

  it("carries AgentMachine's calls to the unit's machine, errors included", async () => {
    const address = agentMachineAddress({ ...server.env, TSOPS_MACHINE: 'agent' });
    const m = new AgentMachine(address!);
    await m.files.write('/etc/app/app.conf', 'a = 1\n', { mode: 0o600, owner: 'app' });
    await m.files.write('/etc/app/blob', new Uint8Array([0, 1, 2, 255]));
    expect(await machine.files.read('/etc/app/app.conf')).toBe('a = 1\n');
    expect(await m.files.stat('/etc/app/app.conf')).toMatchObject({ mode: 0o600, owner: 'app', size: 6 });
    expect(await m.files.list('/etc/app')).toEqual(['app.conf', 'blob']);
    await expect(m.files.read('/nope')).rejects.toBeInstanceOf(FileNotFoundError);
    await m.packages.install(['munge']);
    expect(await machine.packages.version('munge')).not.toBeNull();
    expect((await m.exec(['cat', '/etc/app/app.conf'])).stdout).toBe('a = 1\n');
    await expect(m.exec(['false'])).rejects.toBeInstanceOf(ExecError);
    expect((await m.hardware()).hostname).toBe('m0');
    const bad = new AgentMachine({ ...address!, token: 'wrong' });
    await expect(bad.files.exists('/etc')).rejects.toThrow('bad context');
  });

  /** Run a shim as a child, asynchronously: this process's event loop serves its request. */
  function shim(path: string, args: string[], env: Record<string, string>, input = '') {
    return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(path, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  it('runs the shim client: stdin for --file -, stdout, stderr and exit codes', async () => {
    const tools = await ensureToolsDir(join(root, 'tools'));
    const env = { ...server.env, PATH: process.env.PATH ?? '' };
    const set = await shim(
      join(tools, 'relation-set'),
      ['-r', 'slurmd:3', '--file', '-'],
      env,
      '{"hostname":"ctl-9"}',
    );
    expect(set.status).toBe(0);
    const get = await shim(
      join(tools, 'relation-get'),
      ['--format=json', '-r', 'slurmd:3', '-', 'slurmctld/0'],
      env,
    );
    expect(JSON.parse(get.stdout)).toMatchObject({ hostname: 'ctl-9' });
    const bad = await shim(join(tools, 'relation-list'), ['-r', 'slurmd:99'], env);
    expect([bad.status, bad.stderr]).toEqual([
      2,
      'ERROR invalid value "slurmd:99" for option -r: relation not found\n',
    ]);
    const outside = await shim(join(tools, 'is-leader'), [], { PATH: env.PATH });
    expect(outside.status).toBe(1);
    expect(outside.stderr).toContain('JUJU_CONTEXT_ID');
  });
});

describe('the hook environment', () => {
  const unit = { name: 'hub/1', machine: '4', principal: null };
  const backend = testingBackendFor(contractScenario({ unitName: 'hub/1' }));
  const events: DispatchEvent[] = [
    { kind: 'hook', name: 'install' },
    {
      kind: 'hook',
      name: 'peers-relation-departed',
      relation: { endpoint: 'peers', id: 2 },
      remoteApp: 'hub',
      remoteUnit: 'hub/0',
      departingUnit: 'hub/0',
    },
    { kind: 'hook', name: 'db-relation-changed', relation: { endpoint: 'db', id: 5 }, remoteApp: 'pg' },
    { kind: 'hook', name: 'secret-remove', secret: { id: 'secret:abc', label: 'k', revision: 2 } },
    { kind: 'action', name: 'greet', id: '17' },
  ];

  it.each(events)("is read back by ops' dispatchFromEnv as the same event: $name", (event) => {
    const env = hookEnvironment(
      { unit, charmPath: '', event, backend, machine: {} as never, unitState: null },
      '/c',
    );
    expect(dispatchFromEnv(env)).toEqual(event);
    expect(env).toMatchObject({ JUJU_UNIT_NAME: 'hub/1', JUJU_CHARM_DIR: '/c', JUJU_MACHINE_ID: '4' });
  });
});
