/**
 * The mysql_client interface: slurmdbd (requirer) asks for a database, mariadb
 * (provider) answers with endpoints and a secret id; plain-string values as
 * Juju's data_interfaces writes them.
 */
import {
  ActiveStatus,
  CharmBase,
  type CollectStatusEvent,
  type Framework,
} from '../../framework/ops/index.js';
import { Context, Relation, Secret, State } from '../../framework/testing/index.js';
import {
  DatabaseCreatedEvent,
  DatabaseRequestedEvent,
  MysqlClientProvider,
  MysqlClientRequirer,
  formatEndpoints,
  parseEndpoints,
} from '../../relations/mysql-client.js';
import { emitted, noSecretInBags } from './helpers.js';

const PASSWORD = 'Zs9-very-secret-password';

class DbdCharm extends CharmBase {
  readonly db = new MysqlClientRequirer(this, 'database', { database: 'slurm_acct_db' });
  user: string | undefined;
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.db.on.databaseCreated, this.onCreated);
    this.observe(this.on.collectUnitStatus, this.onCollect);
  }
  onCreated(event: DatabaseCreatedEvent): void {
    this.user = this.db.credentials(event.relation)?.username;
  }
  onCollect(event: CollectStatusEvent): void {
    event.addStatus(new ActiveStatus());
  }
}

class MariadbCharm extends CharmBase {
  readonly clients = new MysqlClientProvider(this, 'database');
  published: boolean | undefined;
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.clients.on.databaseRequested, this.onRequested);
  }
  onRequested(event: DatabaseRequestedEvent): void {
    if (!this.unit.isLeader()) {
      // Only the leader may create the secret; publishDatabase must refuse before touching it.
      const unused = this.model.lazySecret(undefined, 'unused');
      this.published = this.clients.publishDatabase(
        event.relation,
        { database: 'x', endpoints: 'h:1' },
        unused,
      );
      return;
    }
    const secret = this.app.addSecret({ username: `${event.request.database}_user`, password: PASSWORD });
    this.published = this.clients.publishDatabase(
      event.relation,
      { database: event.request.database, endpoints: '10.0.0.5:3306', version: '10.11.6-MariaDB' },
      secret,
    );
  }
}

const dbd = new Context(DbdCharm, {
  meta: 'name: slurmdbd\nrequires:\n  database: { interface: mysql_client }\n',
});
const mariadb = new Context(MariadbCharm, {
  meta: 'name: mariadb\nprovides:\n  database: { interface: mysql_client }\n',
});

const creds = (content: Record<string, string> = { username: 'slurm', password: PASSWORD }) =>
  Secret({ trackedContent: content });
const answer = (secretId: string, extra: Record<string, string> = {}) =>
  Relation({
    endpoint: 'database',
    remoteAppName: 'mariadb',
    remoteAppData: {
      database: 'slurm_acct_db',
      endpoints: '10.0.0.5:3306',
      'secret-user': secretId,
      ...extra,
    },
  });

describe('endpoints', () => {
  it('parses and formats host:port lists, IPv6 and sockets', () => {
    const text = '10.0.0.5:3306,[fd00::1]:3307,file:///run/mysqld/mysqld.sock';
    const parsed = parseEndpoints(text);
    expect(parsed).toEqual([
      { host: '10.0.0.5', port: 3306 },
      { host: 'fd00::1', port: 3307 },
      { socket: '/run/mysqld/mysqld.sock' },
    ]);
    expect(formatEndpoints(parsed)).toBe(text);
  });

  it.each([
    ['', 'no endpoints'],
    ['db', `'db' is not host:port`],
    ['db:0', 'port 0'],
    ['file://relative.sock', 'absolute socket path'],
  ])('refuses %j', (text, why) => {
    expect(() => parseEndpoints(text)).toThrow(why);
  });
});

describe('requirer (slurmdbd)', () => {
  it('relation-created: the leader asks for the database in data_interfaces form; a follower does not', async () => {
    const rel = Relation({ endpoint: 'database', remoteAppName: 'mariadb' });
    const out = await dbd.run(dbd.on.relationCreated(rel), State({ leader: true, relations: [rel] }));
    expect(out.getRelation(rel.id).localAppData).toEqual({
      database: 'slurm_acct_db',
      'requested-secrets': '["username","password"]',
      'interface-version': '1',
    });
    const follower = await dbd.run(dbd.on.relationCreated(rel), State({ relations: [rel] }));
    expect(follower.getRelation(rel.id).localAppData).toEqual({});
  });

  it.each([true, false])(
    'databaseCreated (leader=%s): endpoints parsed, credentials from the secret',
    async (leader) => {
      const secret = creds();
      const rel = answer(secret.id, { 'read-only-endpoints': '10.0.0.6:3306' });
      const out = await dbd.run(
        dbd.on.relationChanged(rel),
        State({ leader, relations: [rel], secrets: [secret] }),
      );
      const [created] = emitted(dbd, DatabaseCreatedEvent);
      expect(created?.endpoints).toEqual([{ host: '10.0.0.5', port: 3306 }]);
      expect(created?.secretId).toBe(secret.id);
      expect(created?.data['read-only-endpoints']).toBe('10.0.0.6:3306');
      expect(dbd.charm?.user).toBe('slurm');
      expect(out.getSecret({ id: secret.id }).label).toBe(`database-secret-user-${rel.id}`);
      expect(out.unitStatus).toEqual(new ActiveStatus());
    },
  );

  it('an answer still missing endpoints or secret-user is not an error and emits nothing', async () => {
    const rel = Relation({
      endpoint: 'database',
      remoteAppName: 'mariadb',
      remoteAppData: { database: 'slurm_acct_db' },
    });
    const out = await dbd.run(dbd.on.relationChanged(rel), State({ relations: [rel] }));
    expect(emitted(dbd, DatabaseCreatedEvent)).toHaveLength(0);
    expect(out.unitStatus).toEqual(new ActiveStatus());
  });

  it('JSON-quoted strings (a tsops provider) are understood too', async () => {
    const secret = creds();
    const rel = answer(secret.id, { database: '"slurm_acct_db"', endpoints: '"10.0.0.5:3306"' });
    await dbd.run(dbd.on.relationChanged(rel), State({ relations: [rel], secrets: [secret] }));
    expect(emitted(dbd, DatabaseCreatedEvent).map((e) => e.data.database)).toEqual(['slurm_acct_db']);
  });

  it('a password in the databag is refused: Blocked, and nothing is emitted', async () => {
    const secret = creds();
    const rel = answer(secret.id, { password: 'leaked' });
    const out = await dbd.run(dbd.on.relationChanged(rel), State({ relations: [rel], secrets: [secret] }));
    expect(out.unitStatus.message).toBe(
      'mariadb sent invalid mysql_client data: password: passwords must travel in a secret (secret-user), never in the databag',
    );
    expect(emitted(dbd, DatabaseCreatedEvent)).toHaveLength(0);
  });

  it.each([
    [{ endpoints: 'db-host' }, `endpoints: 'db-host' is not host:port`],
    [{ 'secret-user': 'hunter2' }, 'secret-user: must be a Juju secret id'],
    [{ database: 'x;DROP' }, 'database: must be 1-64 letters, digits or _'],
  ])('bad answer %j blocks with field and reason', async (bad, reason) => {
    const secret = creds();
    const rel = answer(secret.id, bad);
    const out = await dbd.run(dbd.on.relationChanged(rel), State({ relations: [rel], secrets: [secret] }));
    expect(out.unitStatus.message).toContain(`mariadb sent invalid mysql_client data: ${reason}`);
  });

  it('a credentials secret without a password blocks without showing its content', async () => {
    const secret = creds({ username: 'slurm-user' });
    const rel = answer(secret.id);
    const out = await dbd.run(dbd.on.relationChanged(rel), State({ relations: [rel], secrets: [secret] }));
    expect(out.unitStatus.message).toMatch(
      /^mariadb sent invalid mysql_client data: secret-user: secret content password: /,
    );
    expect(out.unitStatus.message).not.toContain('slurm-user');
  });

  it('another interface version is reported; joined, departed and broken do not fail', async () => {
    const secret = creds();
    const rel = answer(secret.id, { 'interface-version': '2' });
    const out = await dbd.run(dbd.on.relationChanged(rel), State({ relations: [rel], secrets: [secret] }));
    expect(out.unitStatus.message).toContain('interface-version: version 2 is not supported');
    for (const ev of [dbd.on.relationJoined(rel), dbd.on.relationDeparted(rel), dbd.on.relationBroken(rel)])
      await dbd.run(ev, State({ relations: [rel], secrets: [secret] }));
  });
});

describe('provider (mariadb)', () => {
  const request = (
    data: Record<string, string> = {
      database: 'slurm_acct_db',
      'requested-secrets': '["username","password"]',
    },
  ) => Relation({ endpoint: 'database', remoteAppName: 'slurmdbd', remoteAppData: data });

  it('leader: databaseRequested → answer as plain strings with only a secret id', async () => {
    const rel = request();
    const out = await mariadb.run(mariadb.on.relationChanged(rel), State({ leader: true, relations: [rel] }));
    expect(emitted(mariadb, DatabaseRequestedEvent).map((e) => e.request)).toEqual([
      { database: 'slurm_acct_db', 'requested-secrets': ['username', 'password'] },
    ]);
    expect(mariadb.charm?.published).toBe(true);
    const secret = out.secrets.find((s) => s.owner === 'app');
    expect(out.getRelation(rel.id).localAppData).toEqual({
      database: 'slurm_acct_db',
      endpoints: '10.0.0.5:3306',
      version: '10.11.6-MariaDB',
      'secret-user': secret?.id,
      'interface-version': '1',
    });
    expect(secret?.remoteGrants[rel.id]).toEqual(['slurmdbd']);
    noSecretInBags(out, [PASSWORD]);
  });

  it('a follower sees the request but publishes nothing', async () => {
    const rel = request();
    const out = await mariadb.run(mariadb.on.relationChanged(rel), State({ relations: [rel] }));
    expect(emitted(mariadb, DatabaseRequestedEvent)).toHaveLength(1);
    expect(mariadb.charm?.published).toBe(false);
    expect(out.getRelation(rel.id).localAppData).toEqual({});
  });

  it('a database name that is not a plain identifier is refused, never created', async () => {
    const rel = request({ database: 'acct`; DROP DATABASE mysql; --' });
    const out = await mariadb.run(mariadb.on.relationChanged(rel), State({ leader: true, relations: [rel] }));
    expect(out.unitStatus.message).toBe(
      'slurmdbd sent invalid mysql_client data: database: must be 1-64 letters, digits or _',
    );
    expect(emitted(mariadb, DatabaseRequestedEvent)).toHaveLength(0);
    expect(out.getRelation(rel.id).localAppData).toEqual({});
  });

  it('created writes the version; joined, departed and broken do not fail', async () => {
    const rel = request();
    const created = await mariadb.run(
      mariadb.on.relationCreated(rel),
      State({ leader: true, relations: [rel] }),
    );
    expect(created.getRelation(rel.id).localAppData['interface-version']).toBe('1');
    for (const ev of [
      mariadb.on.relationJoined(rel),
      mariadb.on.relationDeparted(rel),
      mariadb.on.relationBroken(rel),
    ])
      await mariadb.run(ev, State({ relations: [rel] }));
  });
});
