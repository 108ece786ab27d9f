/** Juju's hook environment → the event a dispatch runs (reference/juju-contract.md §1.3, §2). */
import { DispatchEnvError, dispatchFromEnv } from '../../framework/ops/index.js';

describe('dispatchFromEnv', () => {
  it('takes the event from the basename of JUJU_DISPATCH_PATH', () => {
    expect(dispatchFromEnv({ JUJU_DISPATCH_PATH: 'hooks/config-changed' })).toEqual({
      kind: 'hook',
      name: 'config-changed',
    });
  });

  it('reads a relation hook: endpoint:id, remote app and unit', () => {
    expect(
      dispatchFromEnv({
        JUJU_DISPATCH_PATH: 'hooks/db-admin-relation-changed',
        JUJU_RELATION: 'db-admin',
        JUJU_RELATION_ID: 'db-admin:7',
        JUJU_REMOTE_UNIT: 'pg/2',
        JUJU_REMOTE_APP: 'pg',
      }),
    ).toEqual({
      kind: 'hook',
      name: 'db-admin-relation-changed',
      relation: { endpoint: 'db-admin', id: 7 },
      remoteUnit: 'pg/2',
      remoteApp: 'pg',
    });
  });

  it('accepts a bare relation id (older Juju) and derives the remote app from the unit', () => {
    expect(
      dispatchFromEnv({
        JUJU_DISPATCH_PATH: 'hooks/db-relation-joined',
        JUJU_RELATION_ID: '3',
        JUJU_REMOTE_UNIT: 'pg/0',
      }),
    ).toMatchObject({
      relation: { endpoint: 'db', id: 3 },
      remoteApp: 'pg',
    });
  });

  it('an app-level relation-changed has no remote unit', () => {
    const ev = dispatchFromEnv({
      JUJU_DISPATCH_PATH: 'hooks/db-relation-changed',
      JUJU_RELATION_ID: 'db:1',
      JUJU_REMOTE_APP: 'pg',
    });
    expect(ev).toEqual({
      kind: 'hook',
      name: 'db-relation-changed',
      relation: { endpoint: 'db', id: 1 },
      remoteApp: 'pg',
    });
  });

  it('requires JUJU_DEPARTING_UNIT for departed', () => {
    expect(() =>
      dispatchFromEnv({
        JUJU_DISPATCH_PATH: 'hooks/db-relation-departed',
        JUJU_RELATION_ID: 'db:1',
        JUJU_REMOTE_UNIT: 'pg/0',
      }),
    ).toThrow(/needs JUJU_DEPARTING_UNIT/);
    expect(
      dispatchFromEnv({
        JUJU_DISPATCH_PATH: 'hooks/db-relation-departed',
        JUJU_RELATION_ID: 'db:1',
        JUJU_REMOTE_UNIT: 'pg/0',
        JUJU_DEPARTING_UNIT: 'demo/0',
      }),
    ).toMatchObject({ departingUnit: 'demo/0' });
  });

  it('reads actions from actions/<name> with JUJU_ACTION_UUID', () => {
    expect(
      dispatchFromEnv({
        JUJU_DISPATCH_PATH: 'actions/set-node-state',
        JUJU_ACTION_NAME: 'set-node-state',
        JUJU_ACTION_UUID: '12',
      }),
    ).toEqual({
      kind: 'action',
      name: 'set-node-state',
      id: '12',
    });
    expect(() => dispatchFromEnv({ JUJU_DISPATCH_PATH: 'actions/go' })).toThrow(/needs JUJU_ACTION_UUID/);
  });

  it('reads secret and storage hooks', () => {
    expect(
      dispatchFromEnv({
        JUJU_DISPATCH_PATH: 'hooks/secret-remove',
        JUJU_SECRET_ID: 'secret:abc',
        JUJU_SECRET_LABEL: 'munge',
        JUJU_SECRET_REVISION: '2',
      }),
    ).toEqual({
      kind: 'hook',
      name: 'secret-remove',
      secret: { id: 'secret:abc', label: 'munge', revision: 2 },
    });
    expect(
      dispatchFromEnv({ JUJU_DISPATCH_PATH: 'hooks/data-storage-attached', JUJU_STORAGE_ID: 'data/1' }),
    ).toEqual({
      kind: 'hook',
      name: 'data-storage-attached',
      storage: { name: 'data', index: 1 },
    });
  });

  it('says which variable is missing or wrong', () => {
    expect(() => dispatchFromEnv({})).toThrow(DispatchEnvError);
    expect(() => dispatchFromEnv({})).toThrow(/JUJU_DISPATCH_PATH is not set/);
    expect(() => dispatchFromEnv({ JUJU_DISPATCH_PATH: 'hooks/db-relation-changed' })).toThrow(
      /needs JUJU_RELATION_ID/,
    );
    expect(() =>
      dispatchFromEnv({ JUJU_DISPATCH_PATH: 'hooks/db-relation-changed', JUJU_RELATION_ID: 'db:x' }),
    ).toThrow(/not <endpoint>:<number>/);
    expect(() =>
      dispatchFromEnv({ JUJU_DISPATCH_PATH: 'hooks/secret-expired', JUJU_SECRET_ID: 's' }),
    ).toThrow(/needs JUJU_SECRET_REVISION/);
  });
});
