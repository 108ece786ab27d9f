/**
 * The controller API server: a WebSocket server on 127.0.0.1 speaking protocol.ts.
 * It authenticates each connection (Bearer header or a `login` message), checks
 * every request's params against methods.ts before a handler sees them, runs
 * requests concurrently, and serves subscriptions to the status and log streams.
 * A client that stops reading is cut off rather than allowed to grow memory.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
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
}

/** A running API server. */
export interface ApiServer {
  port: number;
  /** Stop accepting, end every subscription, close every connection. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024;

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

  const wss = new WebSocketServer({ host, port: options.port ?? 0, maxPayload: MAX_FRAME_BYTES });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('error', (err) => log(`api: server error: ${err.message}`));
  const address: AddressInfo | string | null = wss.address();
  if (address === null || typeof address !== 'object') throw new Error('api: the server has no TCP address');
  const port = address.port;
  log(`api: listening on ws://${host}:${port}`);

  /** One client connection and its subscriptions. */
  class Connection {
    readonly name = `client ${nextConnection++}`;
    authed = false;
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

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const conn = new Connection(ws);
    connections.add(conn);
    ws.on('close', () => conn.cleanup());
    ws.on('error', (err) => log(`api: ${conn.name}: ${err.message}`));
    ws.on('message', (data, isBinary) => void conn.onMessage(data, isBinary));
    const bearer = bearerToken(req);
    if (bearer !== undefined) {
      if (!tokenMatches(expected, bearer)) return conn.refuse('bad token in Authorization header');
      conn.authed = true;
    } else {
      conn.loginTimer = setTimeout(() => conn.refuse('no login within the time allowed'), loginTimeoutMs);
    }
  });

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
        wss.close(() => {
          clearTimeout(force);
          log('api: closed');
          resolve();
        });
      });
      return closing;
    },
  };
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
