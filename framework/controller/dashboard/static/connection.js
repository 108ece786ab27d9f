/**
 * The page's link to the controller: one WebSocket authenticated by the session
 * cookie (the browser sends it; the page never sees a token), requests matched
 * to replies by id, stream pushes routed to their subscription. When the socket
 * drops it asks /session whether the session still stands: if so it reconnects
 * with backoff and tells the page to subscribe again; if not, it stops and says so.
 */

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

/** An error reply from the controller (`{code, message}`). */
class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class Connection {
  /**
   * @param {object} hooks
   * @param {() => void} hooks.onOpen called on every (re)connection: subscribe here
   * @param {(state: 'live'|'reconnecting'|'expired', detail: string) => void} hooks.onState
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.ws = undefined;
    this.nextId = 1;
    this.pending = new Map();
    this.streams = new Map();
    this.attempt = 0;
    this.stopped = false;
  }

  /** Open the socket; reconnects by itself until the session ends. */
  start() {
    const ws = new WebSocket(`ws://${location.host}/api`);
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.attempt = 0;
      this.hooks.onState('live', '');
      this.hooks.onOpen();
    });
    ws.addEventListener('message', (ev) => this.onFrame(ev.data));
    ws.addEventListener('close', () => this.onClose());
  }

  onFrame(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    if (typeof frame.subscription === 'number') {
      this.streams.get(frame.subscription)?.(frame.data);
      return;
    }
    const call = this.pending.get(frame.id);
    if (call === undefined) return;
    this.pending.delete(frame.id);
    if (frame.error) call.reject(new ApiError(frame.error.code, frame.error.message));
    else call.resolve(frame.result);
  }

  async onClose() {
    for (const call of this.pending.values()) call.reject(new ApiError('closed', 'the connection closed'));
    this.pending.clear();
    this.streams.clear();
    if (this.stopped) return;
    const wait = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt++;
    this.hooks.onState('reconnecting', `retrying in ${Math.ceil(wait / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, wait));
    if ((await sessionState()) === 'gone') {
      this.stopped = true;
      this.hooks.onState('expired', '');
      return;
    }
    this.start();
  }

  /** One request; rejects with ApiError. */
  call(method, params = {}) {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN)
      return Promise.reject(new ApiError('closed', 'not connected'));
    const id = this.nextId++;
    ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** Start a stream; returns a function that ends it. */
  async subscribe(stream, params, onData) {
    // The reply's continuation runs before the next frame's event, so no push is missed.
    const ws = this.ws;
    const { subscription } = await this.call('subscribe', { stream, params });
    this.streams.set(subscription, onData);
    return () => {
      // A subscription dies with its socket; the next socket may reuse its id.
      if (this.ws !== ws) return;
      this.streams.delete(subscription);
      this.call('unsubscribe', { subscription }).catch(() => {});
    };
  }
}

/** 'ok', 'gone' (401: log in again) or 'down' (the controller does not answer). */
async function sessionState() {
  try {
    const r = await fetch('/session', { credentials: 'same-origin', cache: 'no-store' });
    return r.status === 401 ? 'gone' : 'ok';
  } catch {
    return 'down';
  }
}
