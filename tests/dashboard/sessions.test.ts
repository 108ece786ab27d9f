/** One-time login tokens and dashboard sessions (dashboard/sessions.ts), on a fake clock. */
import { describe, expect, it } from '@jest/globals';
import { DashboardSessions } from '../../framework/controller/dashboard/sessions.js';

function clocked(options: ConstructorParameters<typeof DashboardSessions>[0] = {}) {
  let now = 1_000_000;
  const sessions = new DashboardSessions({ ...options, now: () => now });
  return { sessions, advance: (ms: number) => (now += ms) };
}

describe('login tokens', () => {
  it('are random, 64 hex digits, and expire after five minutes by default', () => {
    const { sessions } = clocked();
    const a = sessions.issueLogin('m');
    const b = sessions.issueLogin('m');
    expect(a.token).toMatch(/^[0-9a-f]{64}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.expiresAt.getTime()).toBe(1_000_000 + 5 * 60_000);
  });

  it('work once: the first redeem opens a session on the model, the second gets nothing', () => {
    const { sessions } = clocked();
    const { token } = sessions.issueLogin('lab');
    const session = sessions.redeem(token);
    expect(session).toEqual({ id: expect.stringMatching(/^[0-9a-f]{64}$/), model: 'lab' });
    expect(session?.id).not.toBe(token);
    expect(sessions.redeem(token)).toBeUndefined();
    expect(sessions.check(session?.id)).toBe(true);
  });

  it('are refused once expired, and stay refused', () => {
    const { sessions, advance } = clocked({ loginTtlMs: 1000 });
    const { token } = sessions.issueLogin();
    advance(1000);
    expect(sessions.redeem(token)).toBeUndefined();
    const late = sessions.issueLogin();
    advance(999);
    expect(sessions.redeem(late.token)).toEqual({ id: expect.any(String), model: undefined });
  });

  it('refuse unknown and malformed tokens', () => {
    const { sessions } = clocked();
    sessions.issueLogin();
    for (const bad of ['', 'x', 'a'.repeat(64), 'A'.repeat(64), `${'a'.repeat(63)}/`]) {
      expect(sessions.redeem(bad)).toBeUndefined();
    }
  });

  it('keep at most maxEntries unused tokens, dropping the oldest', () => {
    const { sessions } = clocked({ maxEntries: 2 });
    const first = sessions.issueLogin();
    const second = sessions.issueLogin();
    const third = sessions.issueLogin();
    expect(sessions.redeem(first.token)).toBeUndefined();
    expect(sessions.redeem(second.token)).toBeDefined();
    expect(sessions.redeem(third.token)).toBeDefined();
  });
});

describe('sessions', () => {
  it('end after the idle time, and each use extends them', () => {
    const { sessions, advance } = clocked({ sessionIdleMs: 1000 });
    const id = sessions.redeem(sessions.issueLogin().token)?.id;
    advance(900);
    expect(sessions.check(id)).toBe(true);
    advance(900);
    expect(sessions.check(id)).toBe(true);
    advance(1000);
    expect(sessions.check(id)).toBe(false);
    advance(-2000); // a clock going back does not revive a session that was dropped
    expect(sessions.check(id)).toBe(false);
  });

  it('refuse ids that were never issued', () => {
    const { sessions } = clocked();
    sessions.redeem(sessions.issueLogin().token);
    expect(sessions.check(undefined)).toBe(false);
    expect(sessions.check('b'.repeat(64))).toBe(false);
    expect(sessions.check('not hex')).toBe(false);
  });

  it('keep at most maxEntries, dropping the least recently used', () => {
    const { sessions } = clocked({ maxEntries: 2 });
    const open = () => sessions.redeem(sessions.issueLogin().token)?.id;
    const a = open();
    const b = open();
    expect(sessions.check(a)).toBe(true); // a is now the most recently used
    const c = open();
    expect([sessions.check(a), sessions.check(b), sessions.check(c)]).toEqual([true, false, true]);
  });
});
