/** The controller API over loopback: server.ts and client.ts with test handlers. */
import WebSocket, { WebSocketServer } from 'ws';
import { ApiClient, ApiConnectionError, ApiError } from '../../framework/controller/api/client.js';
import type { LogLine } from '../../framework/controller/api/methods.js';
import { startApiServer } from '../../framework/controller/api/server.js';
import type { ApiServer, ApiServerOptions } from '../../framework/controller/api/server.js';

const TOKEN = 'a'.repeat(64);

function line(id: number, message: string): LogLine {
  return {
    id,
    timestamp: '2025-01-01T00:00:00Z',
    entity: 'controller',
    level: 'INFO',
    module: 'test',
    message,
  };
}

/** A server with test handlers; `pushers` holds the live log subscriptions' push functions. */
async function testServer(extra: Partial<ApiServerOptions> = {}) {
  const logged: string[] = [];
  const pushers = new Set<(l: LogLine) => void>();
  let releaseSlow: () => void = () => {};
  const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
  const server = await startApiServer({
    token: TOKEN,
    log: (l) => logged.push(l),
    handlers: {
      'add-unit': async ({ app, count }) => {
        if (app === 'slow') await slow;
        return { units: Array.from({ length: count }, (_, i) => `${app}/${i}`) };
      },
      'remove-application': async ({ app }) => {
        throw new ApiError('not-found', `application "${app}" not found`);
      },
      'models.list': async () => {
        throw new Error('database exploded');
      },
    },
    streams: {
      log: (params, push) => {
        if (params.replay) for (let i = 1; i <= (params.lines ?? 2); i++) push(line(i, `old ${i}`));
        pushers.add(push);
        return () => pushers.delete(push);
      },
    },
    ...extra,
  });
  servers.push(server);
  return { server, url: `ws://127.0.0.1:${server.port}`, logged, pushers, releaseSlow };
}

/** A bare WebSocket speaking raw frames, for what ApiClient would never send. */
async function raw(url: string, token?: string) {
  const ws = new WebSocket(url, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });
  const frames: unknown[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse(d.toString()));
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return {
    ws,
    closed,
    send: (frame: unknown) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    async next(): Promise<unknown> {
      while (frames.length === 0) await new Promise<void>((r) => waiters.push(r));
      return frames.shift();
    },
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const servers: ApiServer[] = [];
const clients: ApiClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function connect(url: string, token = TOKEN): Promise<ApiClient> {
  const c = await ApiClient.connect(url, token);
  clients.push(c);
  return c;
}

describe('requests', () => {
  it('answers a call with the handler result, params defaulted by the schema', async () => {
    const { url } = await testServer();
    const c = await connect(url);
    expect(c.serverVersion).toBe('0.0.0');
    await expect(c.call('add-unit', { model: 'm', app: 'web', count: 2 })).resolves.toEqual({
      units: ['web/0', 'web/1'],
    });
    await expect(c.call('add-unit', { model: 'm', app: 'web' })).resolves.toEqual({ units: ['web/0'] });
  });

  it('rejects params that fail the schema, naming the field and the reason', async () => {
    const { url } = await testServer();
    const c = await connect(url);
    const err = await c.call('add-unit', { model: 'm', app: 'web', count: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'bad-request', message: 'params.count: must be ≥ 1' });
    await expect(c.call('add-unit', { model: '', app: 'Web' })).rejects.toMatchObject({
      message:
        'params.model: must not be empty; params.app: application names are lowercase words joined by hyphens',
    });
  });

  it('rejects unknown methods, unknown keys, broken frames and unimplemented methods', async () => {
    const { url } = await testServer();
    const r = await raw(url, TOKEN);
    r.send({ id: 1, method: 'nope', params: {} });
    expect(await r.next()).toEqual({
      id: 1,
      error: { code: 'bad-request', message: 'unknown method "nope"' },
    });
    r.send({ id: 2, method: 'add-unit', params: { model: 'm', app: 'web', colour: 'red' } });
    expect(await r.next()).toEqual({
      id: 2,
      error: { code: 'bad-request', message: 'params: unknown key "colour"' },
    });
    r.send('{not json');
    expect(await r.next()).toEqual({
      id: null,
      error: { code: 'bad-request', message: 'the frame is not valid JSON' },
    });
    r.send({ id: 3, params: {} });
    expect(await r.next()).toEqual({
      id: 3,
      error: { code: 'bad-request', message: 'frame.method: is required' },
    });
    r.send({ id: 4, method: 'status', params: { model: 'm' } });
    expect(await r.next()).toMatchObject({
      id: 4,
      error: { message: 'method "status" is not implemented by this controller' },
    });
    r.ws.close();
  });

  it("maps a handler's ApiError to its code and anything else to internal, without the stack", async () => {
    const { url, logged } = await testServer();
    const c = await connect(url);
    await expect(c.call('remove-application', { model: 'm', app: 'db' })).rejects.toMatchObject({
      code: 'not-found',
      message: 'application "db" not found',
    });
    const err = await c.call('models.list', {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'internal', message: 'database exploded' });
    expect(logged.some((l) => l.includes('database exploded') && l.includes('\n    at '))).toBe(true);
  });

  it('serves several clients at once; a slow call does not hold up the others', async () => {
    const { url, releaseSlow } = await testServer();
    const cs = await Promise.all([1, 2, 3, 4].map(() => connect(url)));
    const slow = cs[0]!.call('add-unit', { model: 'm', app: 'slow' });
    const fast = await Promise.all(
      cs.map((c, i) => c.call('add-unit', { model: 'm', app: `app${i}`, count: i + 1 })),
    );
    expect(fast.map((r) => r.units.length)).toEqual([1, 2, 3, 4]);
    releaseSlow();
    await expect(slow).resolves.toEqual({ units: ['slow/0'] });
  });

  it('rejects pending calls with a clear message when the connection drops', async () => {
    const { url, server } = await testServer();
    const c = await connect(url);
    const pending = c.call('add-unit', { model: 'm', app: 'slow' });
    await server.close();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiConnectionError);
    expect(String(err)).toMatch(
      /connection to the controller at ws:\/\/127\.0\.0\.1:\d+ closed .* before "add-unit" replied/,
    );
    await expect(c.call('add-unit', { model: 'm', app: 'x' })).rejects.toBeInstanceOf(ApiConnectionError);
  });

  it('drops the connection when the server sends a frame outside the protocol', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) =>
      ws.on('message', (d) => {
        const { id, method } = JSON.parse(d.toString()) as { id: number; method: string };
        ws.send(JSON.stringify(method === 'ping' ? { id, result: { version: '1' } } : { id, reply: 'odd' }));
      }),
    );
    const address = wss.address();
    const c = await connect(`ws://127.0.0.1:${typeof address === 'object' ? address?.port : 0}`);
    const err = await c.call('add-unit', { model: 'm', app: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiConnectionError);
    expect(String(err)).toMatch(/sent a malformed frame .*; connection dropped before "add-unit" replied/);
    await new Promise((r) => wss.close(r));
  });

  it('answers ping, and shutdown only where the server allows it', async () => {
    let shutdowns = 0;
    const a = await testServer({ version: '9.9.9', onShutdown: () => shutdowns++ });
    const c = await connect(a.url);
    await expect(c.ping()).resolves.toEqual({ version: '9.9.9' });
    await c.shutdown();
    await until(() => shutdowns === 1);
    const b = await testServer();
    await expect((await connect(b.url)).shutdown()).rejects.toMatchObject({ code: 'bad-request' });
  });
});

describe('authentication', () => {
  it('accepts the token in the Authorization header and refuses a bad one with 4401', async () => {
    const { url } = await testServer();
    await expect(ApiClient.connect(url, 'b'.repeat(64))).rejects.toMatchObject({
      name: 'ApiError',
      code: 'unauthorized',
    });
    const r = await raw(url, 'wrong');
    expect((await r.closed).code).toBe(4401);
  });

  it('without a header accepts only login, and closes with 4401 on a bad token', async () => {
    const { url } = await testServer();
    const r = await raw(url);
    r.send({ id: 1, method: 'ping', params: {} });
    expect(await r.next()).toMatchObject({ id: 1, error: { code: 'unauthorized' } });
    r.send({ id: 2, method: 'login', params: { token: TOKEN } });
    expect(await r.next()).toEqual({ id: 2, result: { version: '0.0.0' } });
    r.send({ id: 3, method: 'add-unit', params: { model: 'm', app: 'web' } });
    expect(await r.next()).toEqual({ id: 3, result: { units: ['web/0'] } });
    r.ws.close();

    const bad = await raw(url);
    bad.send({ id: 1, method: 'login', params: { token: 'nope' } });
    expect(await bad.next()).toEqual({ id: 1, error: { code: 'unauthorized', message: 'bad token' } });
    expect((await bad.closed).code).toBe(4401);
  });

  it('closes a connection that never logs in', async () => {
    const { url } = await testServer({ loginTimeoutMs: 50 });
    const r = await raw(url);
    expect(await r.closed).toEqual({ code: 4401, reason: 'no login within the time allowed' });
  });
});

describe('subscriptions', () => {
  it('pushes replayed then live items, and stops on unsubscribe', async () => {
    const { url, pushers } = await testServer();
    const c = await connect(url);
    const got: string[] = [];
    const stop = await c.subscribe('log', { model: 'm', replay: true, lines: 2 }, (l) => got.push(l.message));
    expect(pushers.size).toBe(1);
    for (const push of pushers) push(line(3, 'live'));
    await until(() => got.length === 3);
    expect(got).toEqual(['old 1', 'old 2', 'live']);
    await stop();
    expect(pushers.size).toBe(0);
    await expect(c.call('add-unit', { model: 'm', app: 'x' })).resolves.toBeDefined();
    expect(got).toHaveLength(3);
  });

  it('validates stream params and names, and unknown subscriptions', async () => {
    const { url } = await testServer();
    const c = await connect(url);
    await expect(c.subscribe('log', { model: 'm', lines: -1 }, () => {})).rejects.toMatchObject({
      code: 'bad-request',
      message: 'params.params.lines: must be ≥ 0',
    });
    await expect(c.subscribe('status', { model: 'm' }, () => {})).rejects.toMatchObject({
      message: 'stream "status" is not served by this controller',
    });
    const r = await raw(url, TOKEN);
    r.send({ id: 1, method: 'subscribe', params: { stream: 'gossip', params: {} } });
    expect(await r.next()).toMatchObject({ error: { message: 'unknown stream "gossip"' } });
    r.send({ id: 2, method: 'unsubscribe', params: { subscription: 7 } });
    expect(await r.next()).toMatchObject({ error: { code: 'not-found' } });
    r.ws.close();
  });

  it("ends a client's subscriptions when it closes", async () => {
    const { url, pushers } = await testServer();
    const a = await connect(url);
    const b = await connect(url);
    await a.subscribe('log', { model: 'm' }, () => {});
    await a.subscribe('log', { model: 'm' }, () => {});
    await b.subscribe('log', { model: 'm' }, () => {});
    expect(pushers.size).toBe(3);
    await a.close();
    await until(() => pushers.size === 1);
  });

  it('disconnects a client that stops reading, without holding up the others', async () => {
    const { url, pushers, logged } = await testServer({ maxBufferedBytes: 1024 * 1024 });
    const stalled = await raw(url, TOKEN);
    stalled.send({ id: 1, method: 'subscribe', params: { stream: 'log', params: { model: 'm' } } });
    await stalled.next();
    stalled.ws.pause();
    const other = await connect(url);
    const big = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 400 && pushers.size > 0; i++) for (const push of pushers) push(line(i, big));
    expect(pushers.size).toBe(0);
    expect(logged.some((l) => /disconnected, \d+ bytes unsent \(limit 1048576\)/.test(l))).toBe(true);
    await expect(other.call('add-unit', { model: 'm', app: 'x' })).resolves.toEqual({ units: ['x/0'] });
    stalled.ws.terminate();
  });

  it('closes a connection that sends a frame over 4 MiB', async () => {
    const { url } = await testServer();
    const r = await raw(url, TOKEN);
    r.send({ id: 1, method: 'ping', params: { pad: 'x'.repeat(4 * 1024 * 1024) } });
    expect((await r.closed).code).toBe(1009);
  });
});
