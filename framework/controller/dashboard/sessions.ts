/**
 * Who may see the dashboard. The API token never reaches a browser: `tsops
 * dashboard` asks for a one-time login token (short-lived, single use), the
 * browser's first request trades it for a random session id kept here, and the
 * session id travels back only as an HttpOnly cookie. Everything is in memory:
 * a restarted controller forgets its sessions, and `tsops dashboard` makes a new link.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Options of `DashboardSessions`. */
export interface SessionOptions {
  /** How long a login token may wait for its first use (default 5 min). */
  loginTtlMs?: number;
  /** How long a session lasts after its last request (default 12 h). */
  sessionIdleMs?: number;
  /** The most login tokens and sessions kept; the oldest go first (default 64 each). */
  maxEntries?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/** An unused login token. */
interface PendingLogin {
  expires: number;
  /** The model the link opens on, if the CLI named one. */
  model: string | undefined;
}

/** A one-time login token as handed to the CLI. */
export interface LoginGrant {
  token: string;
  expiresAt: Date;
}

/** What a good login token turns into. */
export interface Session {
  id: string;
  model: string | undefined;
}

const TOKEN_TEXT = /^[0-9a-f]{64}$/;

/** Secrets are looked up by their hash: a timing difference then says nothing about the secret. */
function key(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Drop the oldest entries of an insertion-ordered map beyond `max`. */
function trim<V>(map: Map<string, V>, max: number): void {
  for (const k of map.keys()) {
    if (map.size <= max) return;
    map.delete(k);
  }
}

/** One-time login tokens and the sessions they open. */
export class DashboardSessions {
  private readonly logins = new Map<string, PendingLogin>();
  /** Session key → when it expires unless used again. */
  private readonly sessions = new Map<string, number>();
  private readonly loginTtlMs: number;
  private readonly sessionIdleMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: SessionOptions = {}) {
    this.loginTtlMs = options.loginTtlMs ?? 5 * 60_000;
    this.sessionIdleMs = options.sessionIdleMs ?? 12 * 3600_000;
    this.maxEntries = options.maxEntries ?? 64;
    this.now = options.now ?? Date.now;
  }

  /** A new login token, good once until it expires. */
  issueLogin(model?: string): LoginGrant {
    const token = randomBytes(32).toString('hex');
    const expires = this.now() + this.loginTtlMs;
    this.logins.set(key(token), { expires, model });
    trim(this.logins, this.maxEntries);
    return { token, expiresAt: new Date(expires) };
  }

  /** Trade a login token for a new session; undefined when unknown, used or expired. */
  redeem(token: string): Session | undefined {
    if (!TOKEN_TEXT.test(token)) return undefined;
    const k = key(token);
    const login = this.logins.get(k);
    // Deleted before the expiry check: an expired token is as spent as a used one.
    this.logins.delete(k);
    if (login === undefined || login.expires <= this.now()) return undefined;
    const id = randomBytes(32).toString('hex');
    this.sessions.set(key(id), this.now() + this.sessionIdleMs);
    trim(this.sessions, this.maxEntries);
    return { id, model: login.model };
  }

  /** Whether `id` is a live session; using it keeps it alive. */
  check(id: string | undefined): boolean {
    if (id === undefined || !TOKEN_TEXT.test(id)) return false;
    const k = key(id);
    const expires = this.sessions.get(k);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.sessions.delete(k);
      return false;
    }
    // Re-inserted so the map stays ordered by last use, and trimming drops the idlest.
    this.sessions.delete(k);
    this.sessions.set(k, this.now() + this.sessionIdleMs);
    return true;
  }
}
