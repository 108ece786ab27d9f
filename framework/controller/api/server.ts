/**
 * The controller API server: a WebSocket server on 127.0.0.1 speaking protocol.ts.
 * It authenticates each connection (Bearer header or a `login` message), checks
 * every request's params against methods.ts before a handler sees them, runs
 * requests concurrently, and serves subscriptions to the status and log streams.
 * A client that stops reading is cut off rather than allowed to grow memory.
 * The same port serves the dashboard over HTTP (dashboard/http.ts); a browser's
 * connection, authenticated by its session cookie, may only read.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { z } from 'zod';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { DashboardHttp } from '../dashboard/http.js';
import { DashboardSessions } from '../dashboard/sessions.js';
import { methodParams, streamParams } from './methods.js';
import type { MethodName, MethodResults, StreamData, StreamName } from './methods.js';
import {
  ApiError,
  CLOSE_UNAUTHORIZED,
  MAX_FRAME_BYTES,
  parseWith,
  protocolParams,
  requestFrame,
  type ErrorCode,
} from './protocol.js';

export { ApiError } from './protocol.js';

/** What implements the API: one async function per method (params already validated). */
export type ApiHandlers = {
  [M in MethodName]?: (params: z.output<(typeof methodParams)[M]>) => Promise<MethodResults[M]>;
};

/** Stream sources: start pushing for `params`, return the function that stops it. */
export type StreamHandlers = {
  [S in StreamName]?: (
    params: z.output<(typeof streamParams)[S]>,
    push: (data: StreamData[S]) => void,
  ) => () => void;
};

/** Options of `startApiServer`. */
export interface ApiServerOptions {
  /** Loopback only: the API has no TLS and trusts anyone holding the token. */
  host?: '127.0.0.1';
  /** 0 (default) picks a free port. */
  port?: number;
  token: string;
  handlers: ApiHandlers;
  streams: StreamHandlers;
  log?: (line: string) => void;
  /** Answered by `ping` and `login`. */
  version?: string;
  /** Called after the reply to an authenticated `shutdown`; without it `shutdown` is refused. */
  onShutdown?: () => void;
  /** A client whose unsent bytes exceed this is disconnected (default 16 MiB). */
  maxBufferedBytes?: number;
  /** How long an unauthenticated connection may wait before `login` (default 10 s). */
  loginTimeoutMs?: number;
  /** The dashboard's logins and sessions (default: new, in memory; tests pass one to outlive a restart). */
  dashboardSessions?: DashboardSessions;
}

/** A running API server. */
export interface ApiServer {
  port: number;
  /** Stop accepting, end every subscription, close every connection. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024;

/** What a dashboard session may do: look, never change (the CLI changes the model). */
const DASHBOARD_METHODS: ReadonlySet<string> = new Set([
  'ping',
  'subscribe',
  'unsubscribe',
  'models.list',
  'status',
  'show-unit',
]);

function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methodParams, name);
}

function isStreamName(name: string): name is StreamName {
  return Object.hasOwn(streamParams, name);
}

/** Compare tokens in constant time (hashing first makes the lengths equal). */
function tokenMatches(expected: Buffer, given: string): boolean {
  return timingSafeEqual(expected, createHash('sha256').update(given).digest());
}

function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1] ?? '';
}

/** Take `id` from a frame that failed validation, so the error still reaches the right call. */
function salvageId(value: unknown): number | null {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  const id = value.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

/** Start the API server; resolves once it listens. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const version = options.version ?? '0.0.0';
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  const loginTimeoutMs = options.loginTimeoutMs ?? 10_000;
  const expected = createHash('sha256').update(options.token).digest();
  const connections = new Set<Connection>();
  let nextConnection = 1;

  const http = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  await new Promise<void>((resolve, reject) => {
    http.once('listening', resolve);
    http.once('error', reject);
    http.listen(options.port ?? 0, host);
  });
  http.on('error', (err) => log(`api: server error: ${err.message}`));
  const address: AddressInfo | string | null = http.address();
  if (address === null || typeof address !== 'object') throw new Error('api: the server has no TCP address');
  const port = address.port;
  const dashboard = new DashboardHttp(port, options.dashboardSessions ?? new DashboardSessions(), log);
  log(`api: listening on ws://${host}:${port} (dashboard: http://${host}:${port}/)`);

  /** One client connection and its subscriptions. */
  class Connection {
    readonly name = `client ${nextConnection++}`;
    authed = false;
    /** A browser with a dashboard session: read-only methods, no `login`. */
    dashboard = false;
    closed = false;
    readonly subscriptions = new Map<number, () => void>();
    nextSubscription = 1;
    loginTimer: NodeJS.Timeout | undefined;

    constructor(readonly ws: WebSocket) {}

    /** Send one frame unless the client is gone or too far behind. */
    send(frame: object): void {
      if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
      let text = JSON.stringify(frame);
      if (Buffer.byteLength(text) > MAX_FRAME_BYTES && 'id' in frame) {
        const id = salvageId(frame);
        text = JSON.stringify({
          id,
          error: { code: 'internal', message: `reply too large (over ${MAX_FRAME_BYTES} bytes)` },
        });
      } else if (Buffer.byteLength(text) > MAX_FRAME_BYTES) {
        log(`api: ${this.name}: dropped a stream item over ${MAX_FRAME_BYTES} bytes`);
        return;
      }
      this.ws.send(text);
      if (this.ws.bufferedAmount > maxBuffered) {
        log(`api: ${this.name}: disconnected, ${this.ws.bufferedAmount} bytes unsent (limit ${maxBuffered})`);
        this.ws.terminate();
        this.cleanup();
      }
    }

    reply(id: number, result: unknown): void {
      // JSON would drop an undefined result, and a reply without one is malformed.
      this.send({ id, result: result ?? null });
    }

    fail(id: number | null, code: ErrorCode, message: string): void {
      this.send({ id, error: { code, message } });
    }

    /** End every subscription; idempotent. */
    cleanup(): void {
      if (this.closed) return;
      this.closed = true;
      clearTimeout(this.loginTimer);
      for (const [id, stop] of this.subscriptions) {
        try {
          stop();
        } catch (err) {
          log(`api: ${this.name}: unsubscribing ${id} failed: ${errorText(err)}`);
        }
      }
      this.subscriptions.clear();
      connections.delete(this);
    }

    refuse(reason: string): void {
      log(`api: ${this.name}: ${reason}`);
      this.ws.close(CLOSE_UNAUTHORIZED, reason);
      this.cleanup();
    }

    async onMessage(data: RawData, isBinary: boolean): Promise<void> {
      if (isBinary) return this.fail(null, 'bad-request', 'binary frames are not supported; send JSON text');
      let value: unknown;
      try {
        value = JSON.parse(rawText(data));
      } catch {
        return this.fail(null, 'bad-request', 'the frame is not valid JSON');
      }
      const frame = parseWith(requestFrame, value, 'frame');
      if (!frame.ok) return this.fail(salvageId(value), 'bad-request', frame.message);
      const { id, method, params } = frame.value;

      if (this.dashboard && !DASHBOARD_METHODS.has(method))
        return this.fail(
          id,
          'unauthorized',
          `the dashboard only reads the model; use the tsops CLI for ${method}`,
        );
      if (method === 'login') return this.login(id, params);
      if (!this.authed) {
        return this.fail(id, 'unauthorized', "log in first: send {method: 'login', params: {token}}");
      }
      try {
        // subscribe replies itself: its reply must go out before held-back pushes.
        if (method === 'subscribe') return this.subscribe(id, checked(protocolParams.subscribe, params));
        this.reply(id, await this.dispatch(method, params));
      } catch (err) {
        if (err instanceof ApiError) return this.fail(id, err.code, err.message);
        log(`api: ${this.name}: ${method} failed: ${errorStack(err)}`);
        this.fail(id, 'internal', errorText(err));
      }
    }

    login(id: number, params: unknown): void {
      const p = parseWith(protocolParams.login, params, 'params');
      if (!p.ok) return this.fail(id, 'bad-request', p.message);
      if (!tokenMatches(expected, p.value.token)) {
        this.fail(id, 'unauthorized', 'bad token');
        return this.refuse('bad token in login');
      }
      this.authed = true;
      clearTimeout(this.loginTimer);
      this.reply(id, { version });
    }

    /** Run one authenticated request; returns its result or throws (ApiError for a known failure). */
    async dispatch(method: string, params: Record<string, unknown>): Promise<unknown> {
      switch (method) {
        case 'ping':
          checked(protocolParams.ping, params);
          return { version };
        case 'unsubscribe': {
          const { subscription } = checked(protocolParams.unsubscribe, params);
          const stop = this.subscriptions.get(subscription);
          if (stop === undefined)
            throw new ApiError('not-found', `no subscription ${subscription} on this connection`);
          this.subscriptions.delete(subscription);
          stop();
          return {};
        }
        case 'dashboard.login':
          return dashboard.login(checked(methodParams['dashboard.login'], params).model);
        case 'shutdown': {
          checked(protocolParams.shutdown, params);
          const onShutdown = options.onShutdown;
          if (onShutdown === undefined)
            throw new ApiError('bad-request', 'this server cannot be shut down remotely');
          log(`api: ${this.name}: shutdown requested`);
          // Reply first; the daemon then closes this server (and this connection).
          setImmediate(onShutdown);
          return {};
        }
      }
      if (!isMethodName(method)) throw new ApiError('bad-request', `unknown method "${method}"`);
      return callHandler(method, params);
    }

    /**
     * Start a stream. Pushes made while the stream handler runs (a replay) are held
     * back until the subscribe reply is sent, so the client always learns the
     * subscription id before its first item.
     */
    subscribe(id: number, { stream, params }: { stream: string; params: Record<string, unknown> }): void {
      if (!isStreamName(stream)) throw new ApiError('bad-request', `unknown stream "${stream}"`);
      const start = options.streams[stream];
      if (start === undefined)
        throw new ApiError('bad-request', `stream "${stream}" is not served by this controller`);
      const parsed = parseWith(streamParams[stream], params, 'params.params');
      if (!parsed.ok) throw new ApiError('bad-request', parsed.message);
      const subscription = this.nextSubscription++;
      let held: unknown[] | undefined = [];
      const push = (data: unknown): void => {
        if (held !== undefined) held.push(data);
        else if (this.subscriptions.has(subscription)) this.send({ subscription, data });
      };
      // `start` is one of the union's members; the generic push/params line up per stream.
      // `start` belongs to `stream`, and so do `parsed.value` and the items pushed:
      // TypeScript cannot correlate the three through the union of stream names.
      const stop = (start as (p: unknown, push: (d: unknown) => void) => () => void)(parsed.value, push);
      if (this.closed) return stop();
      this.subscriptions.set(subscription, stop);
      this.reply(id, { subscription });
      const pending = held;
      held = undefined;
      for (const data of pending) this.send({ subscription, data });
    }
  }

  /** Validate params with the method's schema and run its handler. */
  async function callHandler<M extends MethodName>(
    method: M,
    params: Record<string, unknown>,
  ): Promise<unknown> {
    const handler = options.handlers[method];
    if (handler === undefined)
      throw new ApiError('bad-request', `method "${method}" is not implemented by this controller`);
    const p = parseWith(methodParams[method], params, 'params');
    if (!p.ok) throw new ApiError('bad-request', p.message);
    // p.value is the output of methodParams[M], the handler's own parameter type; TypeScript
    // cannot correlate the two through the generic index, hence the widening.
    return (handler as (params: unknown) => Promise<unknown>)(p.value);
  }

  http.on('request', (req, res) => {
    dashboard.handle(req, res).catch((err: unknown) => {
      log(`api: dashboard: ${req.url ?? ''} failed: ${errorStack(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('Internal error: see controller.log.');
    });
  });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log(`api: upgrade: ${err.message}`));
    const verdict = dashboard.admitUpgrade(req);
    if (!verdict.ok) {
      log(`api: refused a WebSocket upgrade: ${verdict.message}`);
      return refuseUpgrade(socket, verdict.status, verdict.message);
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req, verdict.scope === 'dashboard'));
  });

  function accept(ws: WebSocket, req: IncomingMessage, viaDashboard: boolean): void {
    const conn = new Connection(ws);
    connections.add(conn);
    ws.on('close', () => conn.cleanup());
    ws.on('error', (err) => log(`api: ${conn.name}: ${err.message}`));
    ws.on('message', (data, isBinary) => void conn.onMessage(data, isBinary));
    const bearer = bearerToken(req);
    if (viaDashboard) {
      conn.authed = true;
      conn.dashboard = true;
    } else if (bearer !== undefined) {
      if (!tokenMatches(expected, bearer)) return conn.refuse('bad token in Authorization header');
      conn.authed = true;
    } else {
      conn.loginTimer = setTimeout(() => conn.refuse('no login within the time allowed'), loginTimeoutMs);
    }
  }

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const conn of [...connections]) {
          conn.ws.close(1001, 'controller shutting down');
          conn.cleanup();
        }
        // Connections that do not finish the close handshake promptly are cut.
        const force = setTimeout(() => {
          for (const client of wss.clients) client.terminate();
        }, 1000);
        wss.close();
        http.close(() => {
          clearTimeout(force);
          log('api: closed');
          resolve();
        });
        // Browsers keep idle HTTP connections open; they would hold close() up.
        http.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** Answer a refused WebSocket upgrade with a plain HTTP status, then hang up. */
function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Throw a bad-request naming the fields when `params` fails `schema`. */
function checked<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const p = parseWith(schema, params, 'params');
  if (!p.ok) throw new ApiError('bad-request', p.message);
  return p.value;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

// Checked structurally, not with instanceof: errors can come from another realm (vm, jest).
function errorText(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string')
    return err.message;
  return String(err);
}

function errorStack(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'stack' in err && typeof err.stack === 'string')
    return err.stack;
  return errorText(err);
}
