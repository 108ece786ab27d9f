/**
 * A fake controller API for CLI tests: `tsops(args, handlers, feeds)` runs the real
 * command-line program with its dependencies (API, streams, terminal) replaced, and
 * records every call. No controller is started. Registers a temp dir per test.
 */
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
import type { CliApi, StreamParams } from '../../framework/cli/api.js';
import type { CliDeps } from '../../framework/cli/context.js';
import { run } from '../../framework/cli/main.js';

export type Handlers = { [M in MethodName]?: (p: MethodParams<M>) => MethodResults[M] };
export type Feeds = {
  [S in StreamName]?: (params: StreamParams<S>, push: (d: StreamData[S]) => void) => void;
};

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

/** The current test's temp dir (the fake TSOPS_HOME and cwd). */
export let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsops-cmd-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Run `tsops <args>` against handlers; records every call. */
export async function tsops(args: string[], handlers: Handlers, feeds: Feeds = {}) {
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
