/**
 * The secrets part of the ModelBackend contract suite (backend-contract.ts): add, get
 * by id and label, tracked and latest revisions, metadata, grants, and the errors.
 */
import { ModelError, SecretNotFoundError } from '../../framework/ops/errors.js';
import {
  catchError,
  DB_SECRET,
  MUNGE_SECRET,
  sameSecret,
  UNKNOWN_SECRET,
  type BackendFor,
} from './backend-contract-scenario.js';

/** Register the contract's secret tests, each over a backend from `backendFor`. */
export function describeSecretContract(backendFor: BackendFor): void {
  describe('secrets', () => {
    it('adds a secret that get (by id and label), info-get and secret-ids know', async () => {
      const b = await backendFor();
      const expire = new Date('2030-01-02T03:04:05Z');
      const content = { token: 'tok-1', 'api-key': 'ak-1' };
      const id = b.secretAdd(content, {
        owner: 'application',
        label: 'api',
        description: 'API token',
        expire,
        rotate: 'monthly',
      });
      expect(id).toMatch(/^secret:/);
      expect(b.secretGet({ id })).toEqual(content);
      expect(b.secretGet({ label: 'api' })).toEqual(content);
      const info = b.secretInfoGet({ id });
      expect(sameSecret(info.id, id)).toBe(true);
      expect(info).toMatchObject({
        revision: 1,
        label: 'api',
        description: 'API token',
        rotation: 'monthly',
      });
      expect(info.expires?.toISOString()).toBe(expire.toISOString());
      expect(b.secretIds().some((x) => sameSecret(x, id))).toBe(true);
      const mine = b.secretAdd({ password: 'unit-pw' }, { owner: 'unit' });
      expect(b.secretGet({ id: mine })).toEqual({ password: 'unit-pw' });
    });

    it('returns the tracked revision; peek shows the latest; refresh moves tracking', async () => {
      const b = await backendFor();
      expect(b.secretGet({ id: MUNGE_SECRET })).toEqual({ key: 'munge-v1' });
      expect(b.secretGet({ id: MUNGE_SECRET, peek: true })).toEqual({ key: 'munge-v2' });
      expect(b.secretGet({ id: MUNGE_SECRET })).toEqual({ key: 'munge-v1' });
      expect(b.secretGet({ label: 'munge-key', refresh: true })).toEqual({ key: 'munge-v2' });
      expect(b.secretGet({ id: MUNGE_SECRET })).toEqual({ key: 'munge-v2' });
    });

    it('gives the owner metadata by id and by label', async () => {
      const b = await backendFor();
      for (const info of [b.secretInfoGet({ id: MUNGE_SECRET }), b.secretInfoGet({ label: 'munge-key' })]) {
        expect(sameSecret(info.id, MUNGE_SECRET)).toBe(true);
        expect(info).toMatchObject({
          revision: 2,
          label: 'munge-key',
          description: 'the cluster munge key',
        });
      }
    });

    it('creates a revision on set: peek and refresh see it, tracking does not move by itself', async () => {
      const b = await backendFor();
      b.secretSet(MUNGE_SECRET, { content: { key: 'munge-v3' } });
      expect(b.secretGet({ id: MUNGE_SECRET, peek: true })).toEqual({ key: 'munge-v3' });
      expect(b.secretGet({ id: MUNGE_SECRET })).toEqual({ key: 'munge-v1' });
      expect(b.secretGet({ id: MUNGE_SECRET, refresh: true })).toEqual({ key: 'munge-v3' });
    });

    it('labels a consumed secret when got by id with a label', async () => {
      const b = await backendFor();
      expect(b.secretGet({ id: DB_SECRET, label: 'db-password' })).toEqual({ password: 'db-v1' });
      expect(b.secretGet({ label: 'db-password' })).toEqual({ password: 'db-v1' });
      expect(b.secretGet({ label: 'db-password', peek: true })).toEqual({ password: 'db-v2' });
      expect(() => b.secretInfoGet({ id: DB_SECRET })).toThrow(SecretNotFoundError);
    });

    it('grants, revokes and removes', async () => {
      const b = await backendFor();
      b.secretGrant(MUNGE_SECRET, 3);
      b.secretGrant(MUNGE_SECRET, 4, 'gpu/0');
      b.secretRevoke(MUNGE_SECRET, 4, 'gpu/0');
      b.secretRevoke(MUNGE_SECRET, 3);
      expect(() => b.secretGrant(MUNGE_SECRET, 99)).toThrow(ModelError);
      b.secretRemove(MUNGE_SECRET, 1);
      const id = b.secretAdd({ token: 'short-lived' }, { owner: 'application' });
      b.secretRemove(id);
    });

    it('throws SecretNotFoundError for unknown ids and labels', async () => {
      const b = await backendFor();
      expect(() => b.secretGet({ id: UNKNOWN_SECRET })).toThrow(SecretNotFoundError);
      expect(() => b.secretGet({ label: 'no-such-label' })).toThrow(SecretNotFoundError);
      expect(() => b.secretInfoGet({ id: UNKNOWN_SECRET })).toThrow(SecretNotFoundError);
      expect(() => b.secretInfoGet({ label: 'no-such-label' })).toThrow(SecretNotFoundError);
      expect(() => b.secretSet(UNKNOWN_SECRET, { content: { key: 'x1' } })).toThrow(SecretNotFoundError);
      expect(() => b.secretRemove(UNKNOWN_SECRET)).toThrow(SecretNotFoundError);
    });

    it('refuses bad content without echoing secret values', async () => {
      const b = await backendFor();
      const err = catchError(() => b.secretAdd({ 'Bad Key': 'hunter2-value' }, { owner: 'application' }));
      expect(err).toBeInstanceOf(ModelError);
      expect(String(err)).not.toContain('hunter2-value');
      expect(() => b.secretAdd({ ab: 'too-short-key' }, { owner: 'application' })).toThrow(ModelError);
      expect(() => b.secretAdd({}, { owner: 'application' })).toThrow(ModelError);
    });
  });
}
