/** `wait`, `debug-log` and `status --watch` against a fake API and fake streams. No controller is started. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  MethodName,
  MethodParams,
  MethodResults,
  StreamData,
  StreamName,
} from '../../framework/controller/api/methods.js';
import type { ModelStatusView } from '../../framework/controller/api/status.js';
import type { CliApi, StreamParams } from '../../framework/cli/api.js';
import type { CliDeps } from '../../framework/cli/context.js';
import { run } from '../../framework/cli/main.js';

type Handlers = { [M in MethodName]?: (p: MethodParams<M>) => MethodResults[M] };
type Feeds = { [S in StreamName]?: (params: StreamParams<S>, push: (d: StreamData[S]) => void) => void };

function handler<M extends MethodName>(
  h: Handlers,
  m: M,
): ((p: MethodParams<M>) => MethodResults[M]) | undefined {
  return h[m];
}
function feed<S extends StreamName>(
  f: Feeds,
  s: S,
): ((p: StreamParams<S>, push: (d: StreamData[S]) => void) => void) | undefined {
  return f[s];
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsops-cmd-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Run `tsops <args>` against handlers; records every call. */
async function tsops(args: string[], handlers: Handlers, feeds: Feeds = {}) {
  let out = '';
  let err = '';
  const calls: Array<{ method: string; params: unknown }> = [];
  const api: CliApi = {
    async call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResults[M]> {
      calls.push({ method, params });
      const h = handler(handlers, method);
      if (!h) throw Object.assign(new Error(`unknown unit 'x/9'`), { code: 'not-found' });
      return h(params);
    },
    async subscribe<S extends StreamName>(
      stream: S,
      params: StreamParams<S>,
      onData: (d: StreamData[S]) => void,
    ) {
      calls.push({ method: `subscribe:${stream}`, params });
      const f = feed(feeds, stream);
      setTimeout(() => f?.(params, onData), 5);
      return () => {};
    },
    close: () => {},
  };
  const deps: CliDeps = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdinIsTTY: false,
    env: {},
    cwd: dir,
    home: () => dir,
    ensureController: async () => ({ url: 'ws://127.0.0.1:1', started: false }),
    stopController: async () => ({ wasRunning: false, message: 'the controller is not running' }),
    connect: async () => api,
    // Ctrl-C comes 50 ms after a follow starts.
    onInterrupt: (cb) => {
      const t = setTimeout(cb, 50);
      return () => clearTimeout(t);
    },
    ask: async () => 'n',
    progressStream: () => undefined,
  };
  const code = await run(['node', 'tsops', ...args], deps);
  return { code, out, err, calls };
}

const paramsOf = (calls: Array<{ method: string; params: unknown }>, method: string) =>
  calls.find((c) => c.method === method)?.params;

describe('wait', () => {
  const status = (over: Partial<ModelStatusView['model']>): ModelStatusView => ({
    model: {
      name: 'default',
      uuid: 'u',
      substrate: 'sandbox',
      settled: false,
      pendingHooks: 2,
      errors: [],
      timestamp: '',
      ...over,
    },
    applications: {},
    relations: [],
  });

  it('wait: 0 once settled, 1 naming units in error, 2 on timeout', async () => {
    const settled = await tsops(
      ['wait'],
      { status: () => status({}) },
      { status: (_p, push) => push(status({ settled: true, pendingHooks: 0 })) },
    );
    expect(settled.code).toBe(0);
    expect(settled.out).toMatch(/^model 'default' settled in \d+\.\ds \(0 units\)\n$/);

    const errors = [{ unit: 'demo/0', message: 'hook failed: "install"' }];
    const failed = await tsops(['wait'], { status: () => status({ errors }) });
    expect(failed.code).toBe(1);
    expect(failed.err).toBe(
      `tsops: model 'default' has 1 unit in error: demo/0 (hook failed: "install"): see 'tsops debug-log --include demo/0', then 'tsops resolve demo/0'\n`,
    );

    const late = await tsops(['wait', '--timeout', '0.02'], { status: () => status({}) });
    expect(late.code).toBe(2);
    expect(late.err).toBe(
      "tsops: model 'default' did not settle within 0.02s: 2 hooks pending: see 'tsops status'\n",
    );
  });
});

describe('streams', () => {
  const line = {
    id: 1,
    timestamp: 't',
    entity: 'unit-demo-0',
    level: 'INFO' as const,
    module: 'charm',
    message: 'hi',
  };

  it('debug-log sends its filters and prints lines until interrupted', async () => {
    const r = await tsops(
      ['debug-log', '-i', 'demo/0', '-i', 'db', '-x', 'x', '-l', 'info'],
      {},
      { log: (_p, push) => push(line) },
    );
    expect(paramsOf(r.calls, 'subscribe:log')).toEqual({
      model: 'default',
      include: ['demo/0', 'db'],
      exclude: ['x'],
      level: 'INFO',
      replay: false,
      lines: 10,
    });
    expect(r.out).toBe('unit-demo-0 t INFO charm hi\n');
    expect(r.code).toBe(0);
  });

  it('debug-log --replay --no-tail prints the history and stops without waiting for Ctrl-C', async () => {
    const r = await tsops(
      ['debug-log', '--replay', '--no-tail'],
      { 'models.list': () => [] },
      {
        log: (_p, push) => push(line),
      },
    );
    expect(paramsOf(r.calls, 'subscribe:log')).toMatchObject({ replay: true, lines: undefined });
    // The round trip after subscribing is what lets the history arrive first.
    expect(r.calls.map((c) => c.method)).toEqual(['subscribe:log', 'models.list']);
    expect(r.code).toBe(0);
  });

  it('status --format json prints the view; --watch redraws from the stream', async () => {
    const s: ModelStatusView = {
      model: {
        name: 'default',
        uuid: 'u',
        substrate: 'sandbox',
        settled: true,
        pendingHooks: 0,
        errors: [],
        timestamp: '',
      },
      applications: {},
      relations: [],
    };
    const json = await tsops(['status', '--format', 'json'], { status: () => s });
    expect(JSON.parse(json.out)).toEqual(s);
    const watched = await tsops(
      ['status', '--watch', '0.01'],
      { status: () => s },
      { status: (_p, push) => push(s) },
    );
    expect(watched.code).toBe(0);
    expect(watched.out.match(/Model "default" is empty/g)?.length).toBe(2);
  });
});
