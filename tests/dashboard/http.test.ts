/**
 * The dashboard's HTTP side and its sessions, on the real API server without a
 * browser: one-time login links, the session cookie, what is served with and
 * without it, the headers, the Host and Origin checks, and the read-only scope.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type WebSocket from 'ws';
import { ApiClient } from '../../framework/controller/api/client.js';
import { cluster } from './fake-model.js';
import { fakeController, TOKEN, type FakeController } from './fake-controller.js';
import { ask, get, login, upgrade } from './http-client.js';

let fake: FakeController;
let port: number;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  fake = await fakeController([cluster(3, 'm')]);
  port = fake.port;
});
afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await fake.stop();
});

/** A same-origin browser's upgrade headers. */
function browser(cookie?: string): Record<string, string> {
  return { origin: `http://127.0.0.1:${port}`, ...(cookie === undefined ? {} : { cookie }) };
}

describe('login links', () => {
  it('dashboard.login gives a link on this port that does not hold the API token', async () => {
    const url = await fake.link('m');
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?login=[0-9a-f]{64}$`));
    expect(url).not.toContain(TOKEN);
  });

  it('the first GET trades the token for an HttpOnly, SameSite=Strict cookie and a redirect without it', async () => {
    const url = new URL(await fake.link('m'));
    const first = await get(port, `/${url.search}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/?model=m');
    const set = String(first.headers['set-cookie']);
    expect(set).toMatch(
      new RegExp(`^tsops_session_${port}=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    expect(set).not.toContain(url.searchParams.get('login') ?? '-');
    expect(set).not.toContain(TOKEN);

    const again = await get(port, `/${url.search}`);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toMatch(/already used or has expired/);
    expect(again.body).toMatch(/Run &#39;tsops dashboard&#39; for a new login link/);
  });

  it('an unknown token gets the same 401 page', async () => {
    const r = await get(port, `/?login=${'d'.repeat(64)}`);
    expect(r.status).toBe(401);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
  });
});

describe('what is served', () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await login(await fake.link('m'));
  });

  it('nothing without the session cookie, or with a wrong one', async () => {
    for (const path of ['/', '/static/main.js', '/static/dashboard.css', '/session', '/nope']) {
      expect((await get(port, path)).status).toBe(401);
      expect((await get(port, path, { cookie: `tsops_session_${port}=${'e'.repeat(64)}` })).status).toBe(401);
    }
    // Cookies ignore ports: another controller's cookie name is not ours.
    const value = cookie.split('=')[1] ?? '';
    expect((await get(port, '/', { cookie: `tsops_session_1=${value}` })).status).toBe(401);
  });

  it('the page with a strict CSP, no caching and no inline script', async () => {
    const r = await get(port, '/', { cookie });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:*");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(r.body).toContain('<script type="module" src="/static/main.js"></script>');
    expect(r.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(r.body).not.toMatch(/\son[a-z]+=/);
  });

  it('the static files by name with their types, and the shared status module compiled to JS', async () => {
    const js = await get(port, '/static/main.js', { cookie });
    expect([js.status, js.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    const css = await get(port, '/static/dashboard.css', { cookie });
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    const shared = await get(port, '/static/status-style.js', { cookie });
    expect(shared.status).toBe(200);
    expect(shared.body).toMatch(/export\s*\{[^}]*statusStyle/);
    expect(shared.body).not.toMatch(/:\s*StatusColor|interface /); // types are gone
    expect((await get(port, '/session', { cookie })).status).toBe(204);
    const head = await get(port, '/static/main.js', { cookie }, 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('nothing outside the static folder', async () => {
    for (const path of [
      '/static/nope.js',
      '/static/../sessions.ts',
      '/static/%2e%2e%2fhttp.ts',
      '/index.html',
      '/static/',
    ]) {
      expect((await get(port, path, { cookie })).status).toBe(404);
    }
  });

  it('only GET and HEAD', async () => {
    const r = await get(port, '/', { cookie }, 'POST');
    expect([r.status, r.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it('nothing to a Host other than 127.0.0.1 or localhost on this port (DNS rebinding)', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      `localhost.evil.example:${port}`,
    ]) {
      expect((await get(port, '/', { cookie, host })).status).toBe(403);
      expect((await get(port, `/?login=${'d'.repeat(64)}`, { host })).status).toBe(403);
    }
    expect((await get(port, '/', { cookie, host: `localhost:${port}` })).status).toBe(200);
  });

  it('never the API token, in any file', async () => {
    for (const name of ['/', '/static/main.js', '/static/connection.js', '/static/status-style.js']) {
      expect((await get(port, name, { cookie })).body).not.toContain(TOKEN);
    }
  });
});

describe('WebSocket upgrades', () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await login(await fake.link('m'));
  });

  it('a browser needs the session cookie: 401 without it', async () => {
    expect((await upgrade(port, browser())).status).toBe(401);
    expect((await upgrade(port, browser(`tsops_session_${port}=${'e'.repeat(64)}`))).status).toBe(401);
  });

  it('a browser must come from our own origin, to our own Host', async () => {
    expect((await upgrade(port, { origin: 'http://evil.example', cookie })).status).toBe(403);
    expect((await upgrade(port, { origin: `http://localhost:${port}`, cookie })).status).toBe(403);
    expect((await upgrade(port, { ...browser(cookie), host: 'evil.example' })).status).toBe(403);
  });

  it('a session connection reads the model but changes nothing', async () => {
    const { status, ws } = await upgrade(port, browser(cookie));
    expect(status).toBe(101);
    if (ws === undefined) throw new Error('no socket');
    sockets.push(ws);
    expect(await ask(ws, 1, 'status', { model: 'm' })).toMatchObject({
      id: 1,
      result: { model: { name: 'm' } },
    });
    expect(await ask(ws, 2, 'models.list')).toMatchObject({ id: 2, result: [{ name: 'm' }] });
    const refused = [
      ['deploy', { model: 'm', charm: { ref: 'x' } }],
      ['models.destroy', { name: 'm' }],
      ['dashboard.login', {}],
      ['shutdown', {}],
      ['login', { token: TOKEN }],
    ] as const;
    for (const [i, [method, params]] of refused.entries()) {
      expect(await ask(ws, 10 + i, method, params)).toEqual({
        id: 10 + i,
        error: {
          code: 'unauthorized',
          message: `the dashboard only reads the model; use the tsops CLI for ${method}`,
        },
      });
    }
    expect(fake.writes).toEqual([]);
  });

  it('the CLI (no Origin, the API token) is let through as before', async () => {
    const client = await ApiClient.connect(`ws://127.0.0.1:${port}`, TOKEN);
    await expect(client.call('deploy', { model: 'm', charm: { ref: 'x' } })).rejects.toMatchObject({
      code: 'conflict',
    });
    await client.close();
    expect(fake.writes).toEqual(['deploy']);
  });

  it('a cookie from a login link is not a way around the token for the CLI', async () => {
    // No Origin: the token rules apply, and the cookie alone authenticates nothing.
    const { ws } = await upgrade(port, { cookie });
    if (ws === undefined) throw new Error('no socket');
    sockets.push(ws);
    expect(await ask(ws, 1, 'status', { model: 'm' })).toMatchObject({ error: { code: 'unauthorized' } });
  });
});
