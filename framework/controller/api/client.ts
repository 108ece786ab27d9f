/**
 * The controller API client used by the CLI: one WebSocket, requests matched to
 * replies by id, and subscriptions fed by pushed frames. Every frame from the
 * wire is checked against protocol.ts's envelopes.
 */
import WebSocket from 'ws';
import { z } from 'zod';
import type {
  MethodName,
  MethodParams,
  MethodResults,
  StreamData,
  StreamName,
  streamParams,
} from './methods.js';
import {
  ApiConnectionError,
  ApiError,
  CLOSE_UNAUTHORIZED,
  MAX_FRAME_BYTES,
  parseWith,
  serverFrame,
  type ProtocolResults,
} from './protocol.js';

export { ApiConnectionError, ApiError } from './protocol.js';

const pongSchema = z.object({ version: z.string() }).strict();
const subscribedSchema = z.object({ subscription: z.number().int().min(1) }).strict();

/** Options of `ApiClient.connect`. */
export interface ConnectOptions {
  /** How long to wait for the connection and the first `ping` (default 10 s). */
  timeoutMs?: number;
}

interface Pending {
  method: string;
  /** Runs synchronously when the result arrives, before later frames are handled. */
  onResult?: (result: unknown) => void;
  resolve(result: unknown): void;
  reject(err: Error): void;
}

/** A connection to the controller API. */
export class ApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, (data: unknown) => void>();
  private closedError: Error | undefined;

  private constructor(
    private readonly ws: WebSocket,
    readonly url: string,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
    ws.on('error', () => {
      // The close event that follows carries the outcome; this keeps ws from throwing.
    });
  }

  /** The server's version, from the `ping` that `connect` makes. */
  serverVersion = '';

  /**
   * Connect and authenticate with `token` (sent as `Authorization: Bearer`); rejects
   * with ApiError('unauthorized') for a bad token, ApiConnectionError when nothing answers.
   */
  static async connect(url: string, token: string, options: ConnectOptions = {}): Promise<ApiClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${token}` },
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: timeoutMs,
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(new ApiConnectionError(`cannot connect to the controller at ${url}: ${err.message}`));
      ws.once('error', onError);
      ws.once('open', () => {
        ws.off('error', onError);
        resolve();
      });
    });
    const client = new ApiClient(ws, url);
    const timer = setTimeout(() => {
      client.failAll(
        new ApiConnectionError(`the controller at ${url} did not answer within ${timeoutMs} ms`),
      );
      ws.terminate();
    }, timeoutMs);
    try {
      // A bad token closes the socket with 4401, which rejects this ping.
      const pong = await client.ping();
      client.serverVersion = pong.version;
      return client;
    } catch (err) {
      ws.terminate();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Call an API method; rejects with ApiError carrying the server's code and message. */
  async call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResults[M]> {
    // The server validates params and builds results with MethodResults' own types
    // (server.ts's ApiHandlers); the envelope is checked here, the result is trusted.
    return (await this.request(method, params)) as MethodResults[M];
  }

  /** Liveness and auth check: the server's version. */
  async ping(): Promise<ProtocolResults['ping']> {
    const r = await this.request('ping', {});
    const p = parseWith(pongSchema, r, 'result');
    if (!p.ok) throw new ApiConnectionError(`unexpected ping reply from ${this.url}: ${p.message}`);
    return p.value;
  }

  /** Ask the controller daemon to exit; resolves once it has acknowledged. */
  async shutdown(): Promise<void> {
    await this.request('shutdown', {});
  }

  /**
   * Subscribe to a stream; `onData` gets every item until the returned function is
   * called (it resolves once the server has stopped the stream).
   */
  async subscribe<S extends StreamName>(
    stream: S,
    params: z.input<(typeof streamParams)[S]>,
    onData: (data: StreamData[S]) => void,
  ): Promise<() => Promise<void>> {
    // Items are built by the server's StreamHandlers with StreamData's own types: trusted.
    const deliver = (data: unknown) => onData(data as StreamData[S]);
    // The handler is registered as the reply is read, before the items that follow it
    // in the same read (ws delivers those synchronously, ahead of any await here).
    const r = await this.request('subscribe', { stream, params }, (result) => {
      const p = subscribedSchema.safeParse(result);
      if (p.success) this.streams.set(p.data.subscription, deliver);
    });
    const p = parseWith(subscribedSchema, r, 'result');
    if (!p.ok) throw new ApiConnectionError(`unexpected subscribe reply from ${this.url}: ${p.message}`);
    const { subscription } = p.value;
    let done: Promise<void> | undefined;
    return () => {
      done ??= (async () => {
        this.streams.delete(subscription);
        if (this.closedError === undefined) await this.request('unsubscribe', { subscription });
      })();
      return done;
    };
  }

  /** Close the connection; pending calls reject. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close(1000, 'client closing');
    });
  }

  private request(method: string, params: unknown, onResult?: (result: unknown) => void): Promise<unknown> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const text = JSON.stringify({ id, method, params });
    if (Buffer.byteLength(text) > MAX_FRAME_BYTES) {
      return Promise.reject(
        new ApiError('bad-request', `the ${method} request is over ${MAX_FRAME_BYTES} bytes`),
      );
    }
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { method, onResult, resolve, reject });
      this.ws.send(text);
    });
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) return this.protocolError('a binary frame');
    let value: unknown;
    try {
      value = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString());
    } catch {
      return this.protocolError('a frame that is not JSON');
    }
    const frame = serverFrame.safeParse(value);
    if (!frame.success)
      return this.protocolError(`a malformed frame (${frame.error.issues[0]?.message ?? 'invalid'})`);
    const f = frame.data;
    if ('subscription' in f) {
      this.streams.get(f.subscription)?.(f.data);
      return;
    }
    if (f.id === null) {
      // Only a request too broken to carry an id gets this; ours are well-formed.
      return this.protocolError(
        `an error about an unidentified request: ${'error' in f ? f.error.message : ''}`,
      );
    }
    const pending = this.pending.get(f.id);
    if (pending === undefined) return;
    this.pending.delete(f.id);
    if ('error' in f) pending.reject(new ApiError(f.error.code, f.error.message));
    else {
      pending.onResult?.(f.result);
      pending.resolve(f.result);
    }
  }

  /** The server broke the protocol: nothing on this connection can be trusted any more. */
  private protocolError(what: string): void {
    this.failAll(new ApiConnectionError(`the controller at ${this.url} sent ${what}; connection dropped`));
    this.ws.terminate();
  }

  private onClose(code: number, reason: string): void {
    const why = reason === '' ? `code ${code}` : `code ${code}: ${reason}`;
    this.failAll(
      code === CLOSE_UNAUTHORIZED
        ? new ApiError(
            'unauthorized',
            `the controller at ${this.url} refused the token (${reason || 'bad token'})`,
          )
        : new ApiConnectionError(`the connection to the controller at ${this.url} closed (${why})`),
    );
  }

  private failAll(err: Error): void {
    this.closedError ??= err;
    this.streams.clear();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(
        err instanceof ApiConnectionError
          ? new ApiConnectionError(`${err.message} before "${p.method}" replied`)
          : err,
      );
    }
  }
}
