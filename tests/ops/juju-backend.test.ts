/**
 * JujuBackend against the fake Juju agent: the shared contract suite, then what is
 * specific to Juju: ops 3.x's exact argv, relation-set's stdin, the error mapping,
 * secret content kept out of argv and errors, the is-leader cache, log splitting.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { JujuBackend, MAX_LOG_LINE_LEN } from '../../framework/ops/backend/juju.js';
import type { HookToolResult, HookToolRunner } from '../../framework/ops/backend/juju.js';
import { spawnHookTools } from '../../framework/ops/backend/hook-tool-runner.js';
import {
  HookToolError,
  ModelError,
  RelationNotFoundError,
  SecretNotFoundError,
} from '../../framework/ops/errors.js';
import {
  HOOK_TOOL_NAMES,
  HOOK_TOOL_SCRIPT,
  makeFakeJuju,
  makeStubTools,
} from '../fixtures/fake-juju/make-tools.js';
import type { FakeJuju } from '../fixtures/fake-juju/make-tools.js';
import {
  catchError,
  contractScenario,
  DB_SECRET,
  describeBackendContract,
  MUNGE_SECRET,
} from './backend-contract.js';
import type { ContractScenario } from './backend-contract.js';

const root = mkdtempSync(join(tmpdir(), 'tsops-juju-backend-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;

/** A fresh fake agent in its own directory under `root`. */
function fakeJuju(
  overrides: Partial<ContractScenario> = {},
  extraEnv: Record<string, string> = {},
): FakeJuju {
  const dir = join(root, `fake-${++seq}`);
  mkdirSync(dir);
  return makeFakeJuju(dir, contractScenario(overrides), extraEnv);
}

/** A runner that answers every call with `result` and records argv and stdin. */
function canned(
  result: Partial<HookToolResult>,
  seen: Array<{ argv: string[]; input?: string }> = [],
): HookToolRunner {
  return (argv, input) => {
    seen.push({ argv: [...argv], input });
    return { exitCode: 0, stdout: '', stderr: '', ...result };
  };
}

const ENV = { JUJU_UNIT_NAME: 'slurmctld/0', JUJU_MODEL_NAME: 'hpc', JUJU_MODEL_UUID: 'uuid-1' };

describeBackendContract('JujuBackend over the fake Juju agent', (scenario) => {
  const dir = mkdtempSync(join(root, 'contract-'));
  const fake = makeFakeJuju(dir, scenario);
  return { backend: new JujuBackend(fake.env), close: () => rmSync(dir, { recursive: true, force: true }) };
});

describe('JujuBackend runs the hook tools with ops 3.x argv', () => {
  it('for relations, config, leadership, status, logs, secrets, ports, network, storage', () => {
    const fake = fakeJuju();
    const b = new JujuBackend(fake.env);
    b.relationList(7); // endpoint not learnt yet: bare id, as ops does
    b.relationIds('slurmd');
    b.relationList(3);
    b.relationRemoteApp(3);
    b.relationGet(3, 'compute/0', false);
    b.relationGet(3, 'compute', true);
    b.relationSet(3, { a: '1' }, false);
    b.relationSet(3, { a: '1' }, true);
    b.configGet();
    b.isLeader();
    b.isLeader();
    b.statusGet(false);
    b.statusGet(true);
    b.statusSet('active', 'ready', false);
    b.statusSet('blocked', '', true);
    b.jujuLog('WARNING', '-starts with a dash');
    b.secretGet({ id: MUNGE_SECRET });
    b.secretGet({ id: DB_SECRET, label: 'db', refresh: true });
    b.secretGet({ label: 'munge-key', peek: true });
    b.secretInfoGet({ id: MUNGE_SECRET });
    b.secretInfoGet({ label: 'munge-key' });
    const added = b.secretAdd(
      { token: 'token-value-1' },
      {
        owner: 'unit',
        label: 'tok',
        description: 'a token',
        expire: new Date('2030-01-02T03:04:05Z'),
        rotate: 'daily',
      },
    );
    b.secretSet(MUNGE_SECRET, { content: { key: 'munge-v3' }, label: 'munge' });
    b.secretGrant(MUNGE_SECRET, 3, 'compute/0');
    b.secretRevoke(MUNGE_SECRET, 3);
    b.secretRemove(MUNGE_SECRET, 1);
    b.secretIds();
    b.openPort({ protocol: 'tcp', port: 8080 }, ['slurmd', 'database']);
    b.closePort({ protocol: 'udp', port: 1000, toPort: 2000 });
    b.openPort({ protocol: 'icmp' });
    b.openedPorts();
    b.networkGet('slurmd', 3);
    b.networkGet('slurmd');
    b.applicationVersionSet('22.05.8');
    b.storageList('statedir');
    b.storageGet('statedir/0');
    b.storageAdd({ statedir: 2 });
    b.goalState();
    b.reboot(false);
    b.reboot(true);

    const file = (key: string) => expect.stringMatching(new RegExp(`^${key}#file=/.+/${key}$`));
    expect(fake.calls()).toEqual([
      ['relation-list', '--format=json', '-r', '7'],
      ['relation-ids', 'slurmd', '--format=json'],
      ['relation-list', '--format=json', '-r', 'slurmd:3'],
      ['relation-list', '--format=json', '--app', '-r', 'slurmd:3'],
      ['relation-get', '--format=json', '-r', 'slurmd:3', '-', 'compute/0'],
      ['relation-get', '--format=json', '-r', 'slurmd:3', '--app', '-', 'compute'],
      ['relation-set', '-r', 'slurmd:3', '--file', '-'],
      ['relation-set', '-r', 'slurmd:3', '--app', '--file', '-'],
      ['config-get', '--format=json'],
      ['is-leader', '--format=json'],
      ['status-get', '--include-data', '--format=json', '--application=false'],
      ['status-get', '--include-data', '--format=json', '--application=true'],
      ['status-set', '--application=False', 'active', '--', 'ready'],
      ['status-set', '--application=True', 'blocked', '--', ''],
      ['juju-log', '--log-level', 'WARNING', '--', '-starts with a dash'],
      ['secret-get', '--format=json', MUNGE_SECRET],
      ['secret-get', '--format=json', DB_SECRET, '--label', 'db', '--refresh'],
      ['secret-get', '--format=json', '--label', 'munge-key', '--peek'],
      ['secret-info-get', '--format=json', MUNGE_SECRET],
      ['secret-info-get', '--format=json', '--label', 'munge-key'],
      [
        'secret-add',
        '--label',
        'tok',
        '--description',
        'a token',
        '--expire',
        '2030-01-02T03:04:05Z',
        '--rotate',
        'daily',
        '--owner',
        'unit',
        file('token'),
      ],
      ['secret-set', '--label', 'munge', MUNGE_SECRET, file('key')],
      ['secret-grant', '--relation', '3', '--unit', 'compute/0', MUNGE_SECRET],
      ['secret-revoke', '--relation', '3', MUNGE_SECRET],
      ['secret-remove', MUNGE_SECRET, '--revision', '1'],
      ['secret-ids', '--format=json'],
      ['open-port', '--endpoints', 'slurmd,database', '8080/tcp'],
      ['close-port', '1000-2000/udp'],
      ['open-port', 'icmp'],
      ['opened-ports', '--format=json'],
      ['network-get', '--format=json', '-r', 'slurmd:3', 'slurmd'],
      ['network-get', '--format=json', 'slurmd'],
      ['application-version-set', '--', '22.05.8'],
      ['storage-list', '--format=json', 'statedir'],
      ['storage-get', '--format=json', '-s', 'statedir/0'],
      ['storage-add', 'statedir=2'],
      ['goal-state', '--format=json'],
      ['juju-reboot'],
      ['juju-reboot', '--now'],
    ]);

    // The fake applied what the tools asked for.
    const state = fake.state();
    const rel3 = state.relations.find((r) => r.id === 3);
    expect(rel3?.localUnitData.a).toBe('1');
    expect(rel3?.localAppData.a).toBe('1');
    expect(state.status.unit).toEqual({ status: 'active', message: 'ready' });
    expect(state.status.app).toEqual({ status: 'blocked', message: '' });
    expect(state.logs).toEqual([{ level: 'WARNING', message: '-starts with a dash' }]);
    const munge = state.secrets.find((s) => `secret:${s.id}` === MUNGE_SECRET);
    expect(munge?.label).toBe('munge');
    expect(munge?.revisions.map((r) => r.revision)).toEqual([2, 3]);
    expect(munge?.grants).toEqual([]);
    const tok = state.secrets.find((s) => `secret:${s.id}` === added);
    expect(tok).toMatchObject({
      owner: 'unit',
      label: 'tok',
      rotate: 'daily',
      expire: '2030-01-02T03:04:05Z',
    });
    expect(tok?.revisions[0]?.content).toEqual({ token: 'token-value-1' });
    expect(state.openedPorts).toEqual([
      { port: '6817/tcp', endpoints: ['*'] },
      { port: '8080/tcp', endpoints: ['slurmd', 'database'] },
      { port: 'icmp', endpoints: ['*'] },
    ]);
    expect(state.appVersion).toBe('22.05.8');
    expect(state.storageAdded).toEqual({ statedir: 2 });
    expect(state.reboot).toBe('now');
  });

  it('for actions', () => {
    const fake = fakeJuju({ action: { name: 'drain', params: { nodes: 'compute-0' } } });
    const b = new JujuBackend(fake.env);
    expect(b.actionGet()).toEqual({ nodes: 'compute-0' });
    b.actionSet({ drained: '1', 'detail.node': 'compute-0' });
    b.actionLog('-draining');
    b.actionFail('compute-0 is busy');
    expect(fake.calls()).toEqual([
      ['action-get', '--format=json'],
      ['action-set', 'drained=1', 'detail.node=compute-0'],
      ['action-log', '--', '-draining'],
      ['action-fail', '--', 'compute-0 is busy'],
    ]);
    expect(fake.state().action).toMatchObject({
      results: { drained: '1', detail: { node: 'compute-0' } },
      logs: ['-draining'],
      failed: true,
      failMessage: 'compute-0 is busy',
    });
  });

  it('sends relation-set a JSON object of the changed keys on stdin', () => {
    const fake = fakeJuju();
    const real = spawnHookTools(fake.env);
    const inputs: Array<string | undefined> = [];
    const b = new JujuBackend(fake.env, { run: (argv, input) => (inputs.push(input), real(argv, input)) });
    b.relationSet(3, { 'slurm-conf': 'line 1\nline "2"', hostname: '' }, false);
    expect(inputs.map((i) => JSON.parse(i ?? 'null'))).toEqual([
      { 'slurm-conf': 'line 1\nline "2"', hostname: '' },
    ]);
    expect(fake.state().relations.find((r) => r.id === 3)?.localUnitData).toEqual({
      'ingress-address': '10.1.0.5',
      'slurm-conf': 'line 1\nline "2"',
    });
  });

  it('learns the event relation’s endpoint from JUJU_RELATION_ID and takes the remote app from JUJU_REMOTE_APP', () => {
    const fake = fakeJuju(
      {},
      { JUJU_RELATION: 'slurmd', JUJU_RELATION_ID: 'slurmd:3', JUJU_REMOTE_APP: 'compute' },
    );
    const b = new JujuBackend(fake.env);
    expect(b.relationRemoteApp(3)).toBe('compute');
    expect(b.relationRemoteApp(4)).toBe('gpu');
    b.relationList(3);
    expect(fake.calls()).toEqual([
      ['relation-list', '--format=json', '--app', '-r', '4'],
      ['relation-list', '--format=json', '-r', 'slurmd:3'],
    ]);
  });

  it('caches is-leader for 30 s, like ops', () => {
    let now = 0;
    const seen: Array<{ argv: string[] }> = [];
    const b = new JujuBackend(ENV, { run: canned({ stdout: 'true\n' }, seen), now: () => now });
    expect(b.isLeader()).toBe(true);
    now = 30_000;
    b.isLeader();
    expect(seen).toHaveLength(1);
    now = 30_001;
    b.isLeader();
    expect(seen).toHaveLength(2);
    expect(() => new JujuBackend(ENV, { run: canned({ stdout: '"yes"' }) }).isLeader()).toThrow(ModelError);
  });

  it('splits log messages longer than 131071 characters like ops', () => {
    const seen: Array<{ argv: string[] }> = [];
    const b = new JujuBackend(ENV, { run: canned({}, seen) });
    const message = 'x'.repeat(MAX_LOG_LINE_LEN * 2) + 'tail';
    b.jujuLog('DEBUG', message);
    expect(seen.map((s) => s.argv.slice(0, 4))).toEqual(
      Array(4).fill(['juju-log', '--log-level', 'DEBUG', '--']),
    );
    expect(seen[0]?.argv[4]).toBe('Log string greater than 131071. Splitting into multiple chunks: ');
    expect(
      seen
        .slice(1)
        .map((s) => s.argv[4] ?? '')
        .join(''),
    ).toBe(message);
    // The longest single argument the kernel takes does reach a real tool.
    const fake = fakeJuju();
    new JujuBackend(fake.env).jujuLog('INFO', 'y'.repeat(MAX_LOG_LINE_LEN));
    expect(fake.state().logs[0]?.message).toHaveLength(MAX_LOG_LINE_LEN);
  });
});

describe('JujuBackend maps hook-tool failures like ops', () => {
  const notFound = 'ERROR invalid value "slurmd:9" for option -r: relation not found\n';

  it('relation-* and network-* saying "relation not found" → RelationNotFoundError', () => {
    for (const call of [
      (b: JujuBackend) => b.relationGet(9, 'x/0', false),
      (b: JujuBackend) => b.networkGet('slurmd', 9),
    ]) {
      const err = catchError(() =>
        call(new JujuBackend(ENV, { run: canned({ exitCode: 2, stderr: notFound }) })),
      );
      expect(err).toBeInstanceOf(RelationNotFoundError);
      expect(String(err)).toContain('relation not found');
      expect(err instanceof Error && err.cause instanceof HookToolError && err.cause.exitCode).toBe(2);
    }
  });

  it('secret-* saying "not found" → SecretNotFoundError', () => {
    const b = new JujuBackend(ENV, {
      run: canned({ exitCode: 1, stderr: 'ERROR secret "secret:x" not found\n' }),
    });
    expect(() => b.secretGet({ id: 'secret:x' })).toThrow(SecretNotFoundError);
    expect(() => b.secretRemove('secret:x')).toThrow(SecretNotFoundError);
  });

  it('anything else → HookToolError (a ModelError) carrying the exit status and stderr', () => {
    const run = canned({ exitCode: 1, stderr: 'ERROR permission denied: not found here\n' });
    const err = catchError(() => new JujuBackend(ENV, { run }).configGet());
    expect(err).toBeInstanceOf(HookToolError);
    expect(err).toBeInstanceOf(ModelError);
    expect(err).toMatchObject({ command: ['config-get', '--format=json'], exitCode: 1 });
    expect(String(err)).toContain('permission denied');
    // "not found" without "relation" is not RelationNotFoundError.
    expect(catchError(() => new JujuBackend(ENV, { run }).relationList(3))).not.toBeInstanceOf(
      RelationNotFoundError,
    );
  });

  it('a tool missing from PATH → ModelError naming the tool and PATH', () => {
    const empty = join(root, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    const err = catchError(() => new JujuBackend({ ...ENV, PATH: empty }).isLeader());
    expect(err).toBeInstanceOf(ModelError);
    expect(String(err)).toMatch(/is-leader.*PATH/);
  });

  it('shows action-set keys but not values in errors', () => {
    const run = canned({ exitCode: 2, stderr: 'ERROR bad key\n' });
    const err = catchError(() => new JujuBackend(ENV, { run }).actionSet({ password: 'hunter2' }));
    expect(err).toMatchObject({ command: ['action-set', 'password=<redacted>'] });
    expect(String(err)).not.toContain('hunter2');
  });

  it('rejects output of the wrong shape with a ModelError', () => {
    const b = (stdout: string) => new JujuBackend(ENV, { run: canned({ stdout }) });
    expect(() => b('{"a": 1}').relationGet(3, 'x/0', false)).toThrow(ModelError);
    expect(() => b('not json').configGet()).toThrow(ModelError);
    expect(() => b('{"a": [1]}').configGet()).toThrow(ModelError);
    expect(() => b('{"kind": "tape", "location": "/x"}').storageGet('s/0')).toThrow(ModelError);
    expect(() => b('[1]').relationIds('slurmd')).toThrow(ModelError);
    expect(b('null').relationIds('slurmd')).toEqual([]);
    expect(() => new JujuBackend({})).toThrow(ModelError);
  });

  it('reads network-get from Juju < 2.9 (address, not value) and tolerates missing fields', () => {
    const stdout = JSON.stringify({
      'bind-addresses': [
        { 'interface-name': 'eth0', addresses: [{ address: '10.0.0.5', cidr: '10.0.0.0/24' }] },
      ],
      'ingress-addresses': ['10.0.0.5'],
    });
    expect(new JujuBackend(ENV, { run: canned({ stdout }) }).networkGet('db')).toEqual({
      bindAddresses: [
        {
          interfaceName: 'eth0',
          macAddress: '',
          addresses: [{ hostname: '', value: '10.0.0.5', cidr: '10.0.0.0/24' }],
        },
      ],
      ingressAddresses: ['10.0.0.5'],
      egressSubnets: [],
    });
  });
});

describe('JujuBackend keeps secret content out of argv and errors', () => {
  it('passes content in private temp files that are gone afterwards', () => {
    const fake = fakeJuju();
    const real = spawnHookTools(fake.env);
    const modes: string[] = [];
    const run: HookToolRunner = (argv, input) => {
      for (const a of argv) {
        const path = /#file=(.+)$/.exec(a)?.[1];
        if (path)
          modes.push(
            `${(statSync(dirname(path)).mode & 0o777).toString(8)} ${(statSync(path).mode & 0o777).toString(8)}`,
          );
      }
      return real(argv, input);
    };
    const b = new JujuBackend(fake.env, { run });
    const id = b.secretAdd({ token: 'S3CRET-token', 'api-key': 'S3CRET-api' }, { owner: 'application' });
    b.secretSet(id, { content: { token: 'S3CRET-rotated' } });
    expect(b.secretGet({ id, peek: true })).toEqual({ token: 'S3CRET-rotated' });
    const argv = fake.calls().flat();
    expect(argv.join(' ')).not.toContain('S3CRET');
    expect(modes).toEqual(['700 600', '700 600', '700 600']);
    for (const a of argv) {
      const path = /#file=(.+)$/.exec(a)?.[1];
      if (path) expect(existsSync(dirname(path))).toBe(false);
    }
  });

  it('never puts secret content in an error', () => {
    const fake = fakeJuju({ leader: false });
    const b = new JujuBackend(fake.env);
    const refused = catchError(() => b.secretAdd({ token: 'S3CRET-x' }, { owner: 'application' }));
    expect(refused).toBeInstanceOf(HookToolError);
    expect(String(refused)).toContain('permission denied');
    for (const stdout of ['{"token": 5, "other": "S3CRET-y"}', 'S3CRET-z', '["S3CRET-w"]']) {
      const err = catchError(() =>
        new JujuBackend(ENV, { run: canned({ stdout }) }).secretGet({ id: MUNGE_SECRET }),
      );
      expect(err).toBeInstanceOf(ModelError);
      expect(String(err)).not.toContain('S3CRET');
    }
  });
});

describe('the fake Juju agent', () => {
  const tool = (fake: FakeJuju, ...argv: string[]) => {
    const [name = '', ...args] = argv;
    const r = spawnSync(name, args, { env: fake.env, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('answers every tool name make-tools writes', () => {
    const r = spawnSync(process.execPath, [HOOK_TOOL_SCRIPT, '--list'], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toEqual(HOOK_TOOL_NAMES);
  });

  it('takes flags anywhere, gnuflag style, and refuses unknown ones', () => {
    const fake = fakeJuju();
    expect(tool(fake, 'relation-ids', '--format', 'json', 'slurmd').out).toBe('["slurmd:3","slurmd:4"]\n');
    expect(tool(fake, 'relation-get', '-', 'compute/0', '-r', '3', '--format=json').out).toBe(
      '{"hostname":"compute-0"}\n',
    );
    expect(
      tool(fake, 'relation-get', '--relation=slurmd:3', '--app', '--format=json', 'partition', 'compute').out,
    ).toBe('"compute"\n');
    expect(tool(fake, 'is-leader', '--bogus')).toMatchObject({
      code: 2,
      err: 'ERROR option provided but not defined: --bogus\n',
    });
  });

  it('enforces Juju’s rules with Juju-like errors', () => {
    const fake = fakeJuju({ leader: false });
    expect(tool(fake, 'relation-set', '-r', 'slurmd:3', '--app', 'a=b')).toMatchObject({
      code: 1,
      err: 'ERROR cannot write relation settings\n',
    });
    expect(tool(fake, 'relation-list', '--format=json', '-r', 'database:3')).toMatchObject({
      code: 2,
      err: 'ERROR invalid value "database:3" for option -r: relation not found\n',
    });
    expect(tool(fake, 'secret-get', '--format=json', 'secret:cq8c5ee0ooepnt5tr4zz')).toMatchObject({
      code: 1,
      err: 'ERROR secret "secret:cq8c5ee0ooepnt5tr4zz" not found\n',
    });
    expect(tool(fake, 'action-get', '--format=json')).toMatchObject({
      code: 1,
      err: 'ERROR not running an action\n',
    });
    expect(tool(fake, 'status-set', 'error', 'boom').err).toMatch(/^ERROR invalid status "error"/);
    expect(tool(fake, 'secret-add', '--owner', 'unit', 'Bad=x')).toMatchObject({
      code: 2,
      err: 'ERROR key "Bad" not valid\n',
    });
    expect(fake.state().relations.find((r) => r.id === 3)?.localAppData).toEqual({ 'cluster-name': 'hpc' });
  });

  it('has /bin/sh stubs for benchmarks that log argv and answer canned values', () => {
    const dir = join(root, 'stubs');
    mkdirSync(dir);
    const stubs = makeStubTools(dir);
    const b = new JujuBackend(stubs.env);
    expect(b.isLeader()).toBe(true);
    expect(b.configGet()).toEqual({});
    expect(b.relationRemoteApp(1)).toBe('remote');
    b.statusSet('active', '', false);
    b.relationSet(1, { k: 'v\nw' }, false);
    expect(b.statusGet(true).units).toEqual({});
    expect(stubs.calls()).toEqual([
      ['is-leader', '--format=json'],
      ['config-get', '--format=json'],
      ['relation-list', '--format=json', '--app', '-r', '1'],
      ['status-set', '--application=False', 'active', '--', ''],
      ['relation-set', '-r', '1', '--file', '-'],
      ['status-get', '--include-data', '--format=json', '--application=true'],
    ]);
  });
});
