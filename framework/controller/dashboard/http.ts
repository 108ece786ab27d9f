/**
 * The dashboard over HTTP on the API's own port: the login exchange, the session
 * cookie, the static files, and the checks an HTTP request or a WebSocket upgrade
 * must pass before anything is served. Loopback is not a security boundary for a
 * browser, so every request names our Host (DNS rebinding) and every browser
 * upgrade comes from our own origin (cross-site WebSocket hijacking).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DashboardLoginView } from '../api/methods.js';
import { dashboardAssets } from './assets.js';
import type { DashboardSessions } from './sessions.js';

/** Sent with every response: the page runs only its own files and talks only to its controller. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The page is live data and the scripts change with the controller: nothing is worth caching.
  'Cache-Control': 'no-store',
};

/** Where a WebSocket upgrade may go. */
export type UpgradeVerdict =
  /** A browser with a dashboard session: read-only methods. */
  | { ok: true; scope: 'dashboard' }
  /** Anything else (the CLI): authenticated by the API token, as before the dashboard. */
  | { ok: true; scope: 'token' }
  | { ok: false; status: number; message: string };

const RUN_AGAIN = "Run 'tsops dashboard' for a new login link.";

/** The dashboard's HTTP side for one API server. */
export class DashboardHttp {
  private readonly hosts: ReadonlySet<string>;
  /** Cookies ignore ports, so two controllers on one host must not share a cookie name. */
  readonly cookieName: string;

  constructor(
    readonly port: number,
    readonly sessions: DashboardSessions,
    private readonly log: (line: string) => void,
  ) {
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    this.cookieName = `tsops_session_${port}`;
  }

  /** A one-time login link, opening on `model`. */
  login(model: string | undefined): DashboardLoginView {
    const grant = this.sessions.issueLogin(model);
    this.log(`dashboard: issued a login link, good once until ${grant.expiresAt.toISOString()}`);
    return {
      url: `http://127.0.0.1:${this.port}/?login=${grant.token}`,
      expiresAt: grant.expiresAt.toISOString(),
    };
  }

  /** Answer one HTTP request. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.hosts.has(req.headers.host ?? ''))
      return this.send(res, 403, 'text', 'Unexpected Host header.');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.send(res, 405, 'text', 'Only GET and HEAD are served here.');
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const login = url.searchParams.get('login');
    if (url.pathname === '/' && login !== null) return this.redeem(res, login);
    if (!this.sessions.check(this.sessionCookie(req))) {
      const why = 'You are not logged in to this tsops dashboard.';
      return this.send(res, 401, 'page', `${why} ${RUN_AGAIN}`);
    }
    if (url.pathname === '/session') return this.send(res, 204, 'text', '');
    const name = url.pathname === '/' ? 'index.html' : /^\/static\/([\w.-]+)$/.exec(url.pathname)?.[1];
    const asset = name === undefined ? undefined : (await dashboardAssets()).get(name);
    if (asset === undefined) return this.send(res, 404, 'text', 'Not found.');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': asset.type,
      'Content-Length': asset.body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  /** Check a WebSocket upgrade before the handshake; browsers need a session and our origin. */
  admitUpgrade(req: IncomingMessage): UpgradeVerdict {
    const host = req.headers.host ?? '';
    if (!this.hosts.has(host)) return { ok: false, status: 403, message: 'unexpected Host header' };
    const origin = req.headers.origin;
    // Browsers always send Origin; the CLI sends none and proves itself with the API token.
    if (origin === undefined || req.headers.authorization !== undefined) return { ok: true, scope: 'token' };
    if (origin !== `http://${host}`)
      return { ok: false, status: 403, message: 'cross-origin WebSocket refused' };
    if (!this.sessions.check(this.sessionCookie(req)))
      return { ok: false, status: 401, message: `no dashboard session. ${RUN_AGAIN}` };
    return { ok: true, scope: 'dashboard' };
  }

  private redeem(res: ServerResponse, token: string): void {
    const session = this.sessions.redeem(token);
    if (session === undefined) {
      this.log('dashboard: refused a used, expired or unknown login link');
      return this.send(res, 401, 'page', `This login link was already used or has expired. ${RUN_AGAIN}`);
    }
    this.log('dashboard: a browser logged in');
    // Redirected at once, so the token leaves the address bar and the history.
    const target = session.model === undefined ? '/' : `/?model=${encodeURIComponent(session.model)}`;
    res.writeHead(303, {
      ...SECURITY_HEADERS,
      Location: target,
      'Set-Cookie': `${this.cookieName}=${session.id}; HttpOnly; SameSite=Strict; Path=/`,
      'Content-Length': 0,
    });
    res.end();
  }

  private sessionCookie(req: IncomingMessage): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === this.cookieName) return part.slice(eq + 1).trim();
    }
    return undefined;
  }

  /** A short answer: plain text, or a minimal page for people arriving with a browser. */
  private send(res: ServerResponse, status: number, kind: 'text' | 'page', message: string): void {
    const body =
      kind === 'text'
        ? message
        : `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tsops dashboard</title></head>` +
          `<body><h1>tsops dashboard</h1><p>${escapeHtml(message)}</p></body></html>\n`;
    const type = kind === 'text' ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8';
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(res.req.method === 'HEAD' || status === 204 ? undefined : body);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
