/** Plain HTTP and WebSocket requests against a controller's port, for what a browser would send. */
import { request } from 'node:http';
import WebSocket from 'ws';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET (or `method`) `path` with exactly these headers; Host defaults to 127.0.0.1:<port>. */
export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The session cookie (`name=value`) from a login redirect. */
export function cookieOf(reply: Reply): string {
  const set = reply.headers['set-cookie'];
  const first = Array.isArray(set) ? set[0] : set;
  if (first === undefined) throw new Error(`no Set-Cookie in a ${reply.status} reply`);
  return first.split(';')[0] ?? '';
}

/** Trade a login link for a session cookie, as a browser's first request does. */
export async function login(url: string): Promise<string> {
  const u = new URL(url);
  return cookieOf(await get(Number(u.port), `${u.pathname}${u.search}`));
}

/** Open a WebSocket with these headers: the HTTP status it was refused with, or the open socket. */
export function upgrade(
  port: number,
  headers: Record<string, string>,
): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers });
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      req.destroy();
    });
    ws.once('error', (err) => reject(err));
  });
}

/** One request on an open socket; resolves with the reply frame. */
export function ask(ws: WebSocket, id: number, method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame: unknown = JSON.parse(data.toString());
      if (typeof frame === 'object' && frame !== null && 'id' in frame && frame.id === id) {
        ws.off('message', onMessage);
        resolve(frame);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, params }));
  });
}
