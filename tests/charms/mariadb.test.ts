/**
 * The mariadb charm: install, one database and user per mysql_client requirer (exact
 * SQL), passwords only in per-relation secrets, relation-broken, leadership, config
 * and SQL failures.
 */
import {
  ActiveStatus,
  BlockedStatus,
  MaintenanceStatus,
  type ExecResult,
} from '../../framework/ops/index.js';
import {
  Context,
  Network,
  RecordingMachine,
  Relation,
  State,
  UncaughtCharmError,
  type StateInit,
} from '../../framework/testing/index.js';
import { MariadbCharm, secretLabel } from '../../charms/mariadb/src/charm.js';
import { SERVER_CNF, SQL_ARGV } from '../../charms/mariadb/src/mariadb.js';

/** What the next `mariadb -e` answers; tests change it. */
let reply: Partial<ExecResult> = {};
const ctx = new Context(MariadbCharm, {
  meta: 'charms/mariadb',
  exec: [{ argv: SQL_ARGV, result: () => reply }],
});

beforeEach(() => {
  reply = {};
});

/** A machine where mariadb-server is installed and running with the charm's settings. */
const installed = () =>
  new RecordingMachine({
    packages: ['mariadb-server'],
    services: { mariadb: 'running' },
    files: {
      [SERVER_CNF]:
        '# Managed by the mariadb charm (tsops): changes are overwritten.\n[mysqld]\nbind-address = 0.0.0.0\nport = 3306\n',
    },
  });

const request = (id?: number, database = 'slurm_acct_db') =>
  Relation({
    endpoint: 'database',
    id,
    remoteAppName: 'slurmdbd',
    remoteAppData: { database, 'requested-secrets': '["username","password"]' },
  });

/** The output of a run as the next run's input, its machine history cleared. */
const carry = (s: State, more: StateInit = {}): State =>
  State({ ...s, machine: s.machine && { ...s.machine, history: [] }, ...more });

/** The SQL of every `mariadb -e` the last run made. */
const sqlRun = (): string[] =>
  (ctx.machine?.ops('exec') ?? []).map((op) => {
    expect(op.argv.slice(0, SQL_ARGV.length)).toEqual(SQL_ARGV);
    expect(op.argv).toHaveLength(SQL_ARGV.length + 1);
    return op.argv[SQL_ARGV.length] ?? '';
  });

/** Where a password must never be: databags, logs, statuses, stored state. */
function expectNowhere(out: State, password: string): void {
  const places = JSON.stringify([
    out.relations.map((r) => [r.localAppData, r.localUnitData]),
    ctx.jujuLog,
    ctx.unitStatusHistory.map(String),
    String(out.unitStatus),
    String(out.appStatus),
    out.storedStates,
  ]);
  expect(places).not.toContain(password);
}

const provision = (user: string, password: string, db = 'slurm_acct_db') =>
  `CREATE DATABASE IF NOT EXISTS \`${db}\`; ` +
  `CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${password}'; ` +
  `ALTER USER '${user}'@'%' IDENTIFIED BY '${password}'; ` +
  `GRANT ALL PRIVILEGES ON \`${db}\`.* TO '${user}'@'%';`;

describe('install and config', () => {
  it('installs mariadb-server (Maintenance meanwhile), listens on 3306 and is Active', async () => {
    const out = await ctx.run(ctx.on.install(), State({ leader: true }));
    expect(ctx.unitStatusHistory).toContainEqual(new MaintenanceStatus('installing mariadb-server'));
    expect(ctx.machine?.ops('install')).toEqual([{ kind: 'install', packages: ['mariadb-server'] }]);
    expect(out.machine?.files[SERVER_CNF]?.content).toContain('\nbind-address = 0.0.0.0\nport = 3306\n');
    expect(ctx.machine?.ops('service')).toContainEqual({ kind: 'service', verb: 'restart', name: 'mariadb' });
    expect(out.openedPorts).toEqual([{ protocol: 'tcp', port: 3306 }]);
    expect(out.workloadVersion).toBe('recorded');
    expect(out.unitStatus).toEqual(new ActiveStatus('0 databases'));
    expect(sqlRun()).toEqual([]);
  });

  it('a follower installs too and stands by', async () => {
    const out = await ctx.run(ctx.on.install(), State());
    expect(ctx.machine?.ops('install')).toHaveLength(1);
    expect(out.unitStatus).toEqual(new ActiveStatus('standby'));
  });

  it('nothing changes on a second config-changed: no restart', async () => {
    await ctx.run(ctx.on.configChanged(), State({ leader: true, machine: installed() }));
    expect(ctx.machine?.ops('service').filter((op) => op.verb === 'restart')).toEqual([]);
    expect(ctx.machine?.ops('install')).toEqual([]);
  });

  it('a new port rewrites the settings, restarts, moves the opened port and the published endpoint', async () => {
    const rel = request();
    const first = await ctx.run(
      ctx.on.relationChanged(rel),
      State({
        leader: true,
        relations: [rel],
        machine: installed(),
        openedPorts: [{ protocol: 'tcp', port: 3306 }],
      }),
    );
    const out = await ctx.run(ctx.on.configChanged(), carry(first, { config: { port: 3307 } }));
    expect(out.machine?.files[SERVER_CNF]?.content).toContain('port = 3307\n');
    expect(ctx.machine?.ops('service')).toContainEqual({ kind: 'service', verb: 'restart', name: 'mariadb' });
    expect(out.openedPorts).toEqual([{ protocol: 'tcp', port: 3307 }]);
    expect(out.getRelation(rel.id).localAppData.endpoints).toBe('192.0.2.0:3307');
    expect(sqlRun()).toEqual([]);
  });

  it.each([0, 70000])('port %d is refused: Blocked, the running port kept, hook succeeds', async (port) => {
    const out = await ctx.run(
      ctx.on.configChanged(),
      State({ leader: true, config: { port }, machine: installed() }),
    );
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toMatch(/^Invalid config: port: .* \(keeping port 3306\)$/);
    expect(out.machine?.files[SERVER_CNF]?.content).toContain('port = 3306\n');
    expect(ctx.machine?.ops('write')).toEqual([]);
  });
});

describe('a requirer asks for a database (leader)', () => {
  it('creates database and user with exact SQL, keeps the password in a granted secret only', async () => {
    const rel = request(4);
    const out = await ctx.run(
      ctx.on.relationChanged(rel),
      State({
        leader: true,
        relations: [rel],
        machine: installed(),
        networks: [Network({ bindingName: 'database', address: '10.0.0.5' })],
      }),
    );
    const secret = out.getSecret({ label: secretLabel(4) });
    expect(secret.owner).toBe('app');
    expect(secret.remoteGrants[rel.id]).toEqual(['slurmdbd']);
    const { username, password } = secret.trackedContent;
    expect(username).toBe('relation-4');
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(sqlRun()).toEqual([provision('relation-4', password ?? '')]);
    expect(out.getRelation(rel.id).localAppData).toEqual({
      database: 'slurm_acct_db',
      endpoints: '10.0.0.5:3306',
      'secret-user': secret.id,
      'interface-version': '1',
    });
    expect(out.unitStatus).toEqual(new ActiveStatus('1 database'));
    expectNowhere(out, password ?? '');
    expect(ctx.jujuLog.map((l) => l.message)).toContain(
      'database slurm_acct_db ready for slurmdbd (relation 4)',
    );
  });

  it('each relation gets its own user, password and secret', async () => {
    const a = request(7, 'acct_a');
    const b = Relation({ ...request(8, 'acct_b'), remoteAppName: 'other' });
    const first = await ctx.run(
      ctx.on.relationChanged(a),
      State({ leader: true, relations: [a, b], machine: installed() }),
    );
    expect(sqlRun()).toHaveLength(2);
    const pa = first.getSecret({ label: secretLabel(7) });
    const pb = first.getSecret({ label: secretLabel(8) });
    expect(pa.trackedContent.password).not.toBe(pb.trackedContent.password);
    expect(pb.remoteGrants).toEqual({ [b.id]: ['other'] });
    expect(first.unitStatus).toEqual(new ActiveStatus('2 databases'));
  });

  it('is idempotent: no SQL again until the request changes or leadership is re-checked, same password', async () => {
    const rel = request();
    const first = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ leader: true, relations: [rel], machine: installed() }),
    );
    const password = first.getSecret({ label: secretLabel(rel.id) }).trackedContent.password ?? '';
    await ctx.run(ctx.on.relationChanged(rel), carry(first));
    expect(sqlRun()).toEqual([]);
    await ctx.run(ctx.on.updateStatus(), carry(first));
    expect(sqlRun()).toEqual([]);
    const again = await ctx.run(ctx.on.leaderElected(), carry(first));
    expect(sqlRun()).toEqual([provision(`relation-${rel.id}`, password)]);
    expect(again.secrets).toHaveLength(1);
    const moved = Relation({ ...rel, remoteAppData: { database: 'other_db' } });
    await ctx.run(ctx.on.relationChanged(moved), carry(first, { relations: [moved] }));
    expect(sqlRun()).toEqual([provision(`relation-${rel.id}`, password, 'other_db')]);
  });

  it('a follower runs no SQL, makes no secret and writes no databag', async () => {
    const rel = request();
    const out = await ctx.run(ctx.on.relationChanged(rel), State({ relations: [rel], machine: installed() }));
    expect(sqlRun()).toEqual([]);
    expect(out.secrets).toEqual([]);
    expect(out.getRelation(rel.id).localAppData).toEqual({});
    expect(out.unitStatus).toEqual(new ActiveStatus('standby'));
  });

  it('a bad request (database name) blocks naming the field; nothing is created', async () => {
    const rel = request(undefined, 'x`; DROP DATABASE mysql; --');
    const out = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ leader: true, relations: [rel], machine: installed() }),
    );
    expect(out.unitStatus.message).toBe(
      'slurmdbd sent invalid mysql_client data: database: must be 1-64 letters, digits or _',
    );
    expect(sqlRun()).toEqual([]);
    expect(out.secrets).toEqual([]);
  });

  it('relation-created, -joined and -departed do not fail', async () => {
    const rel = Relation({ endpoint: 'database', remoteAppName: 'slurmdbd' });
    const state = State({ leader: true, relations: [rel], machine: installed() });
    for (const ev of [
      ctx.on.relationCreated(rel),
      ctx.on.relationJoined(rel),
      ctx.on.relationDeparted(rel),
    ]) {
      const out = await ctx.run(ev, state);
      expect(out.unitStatus).toEqual(new ActiveStatus('0 databases'));
    }
  });
});

describe('SQL failures', () => {
  it('a server error blocks with the reason (password masked) and the hook succeeds; fixed on the next hook', async () => {
    const rel = request();
    // Echo the real password back, as a syntax error does.
    const echo = new Context(MariadbCharm, {
      meta: 'charms/mariadb',
      exec: [
        {
          argv: SQL_ARGV,
          result: (argv) => ({
            exitCode: 1,
            stderr: `ERROR 1064 (42000) at line 1: syntax error near '${argv.at(-1) ?? ''}'`,
          }),
        },
      ],
    });
    const out = await echo.run(
      ctx.on.relationChanged(rel),
      State({ leader: true, relations: [rel], machine: installed() }),
    );
    const password = out.getSecret({ label: secretLabel(rel.id) }).trackedContent.password ?? '';
    expect(out.unitStatus).toBeInstanceOf(BlockedStatus);
    expect(out.unitStatus.message).toMatch(
      /^cannot create database slurm_acct_db for slurmdbd: ERROR 1064 \(42000\)/,
    );
    expect(out.unitStatus.message).toContain("IDENTIFIED BY '***'");
    expect(out.getRelation(rel.id).localAppData).toEqual({});
    expect(JSON.stringify(echo.jujuLog)).not.toContain(password);
    expect(String(out.unitStatus)).not.toContain(password);

    const fixed = await ctx.run(ctx.on.updateStatus(), carry(out));
    expect(sqlRun()).toEqual([provision(`relation-${rel.id}`, password)]);
    expect(fixed.unitStatus).toEqual(new ActiveStatus('1 database'));
  });

  it('a server not up yet (ERROR 2002) fails the hook, to be retried; the error holds no password', async () => {
    const rel = request();
    reply = {
      exitCode: 1,
      stderr:
        "ERROR 2002 (HY000): Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)",
    };
    const err = await ctx
      .run(ctx.on.relationChanged(rel), State({ leader: true, relations: [rel], machine: installed() }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UncaughtCharmError);
    const message = err instanceof Error ? err.message : '';
    expect(message).toContain("SqlUnavailableError: mariadb exited 1: ERROR 2002 (HY000): Can't connect");
    const argv = ctx.machine?.ops('exec')[0]?.argv ?? [];
    const password = /IDENTIFIED BY '([A-Za-z0-9]+)'/.exec(argv.at(-1) ?? '')?.[1] ?? 'missing';
    expect(message).not.toContain(password);
    expect(JSON.stringify(ctx.jujuLog)).not.toContain(password);
  });
});

describe('relation-broken', () => {
  it('the leader drops the user (the database is kept) and removes the secret', async () => {
    const rel = request(5);
    const served = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ leader: true, relations: [rel], machine: installed() }),
    );
    const secret = served.getSecret({ label: secretLabel(5) });
    const out = await ctx.run(ctx.on.relationBroken(rel), carry(served));
    expect(sqlRun()).toEqual(["DROP USER IF EXISTS 'relation-5'@'%';"]);
    expect(out.secrets).toEqual([]);
    expect(ctx.removedSecretRevisions).toEqual([{ id: secret.id }]);
    expect(out.unitStatus).toEqual(new ActiveStatus('0 databases'));
    expect(ctx.jujuLog.map((l) => l.message)).toContain(
      'dropped the user of relation 5 (its database is kept)',
    );
  });

  it('a failed DROP blocks and is retried on a later hook', async () => {
    const rel = request(6);
    const served = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ leader: true, relations: [rel], machine: installed() }),
    );
    reply = { exitCode: 1, stderr: 'ERROR 1227 (42000): Access denied; you need the CREATE USER privilege' };
    const blocked = await ctx.run(ctx.on.relationBroken(rel), carry(served));
    expect(blocked.unitStatus).toEqual(
      new BlockedStatus(
        'cannot drop the user of relation 6: ERROR 1227 (42000): Access denied; you need the CREATE USER privilege',
      ),
    );
    expect(blocked.secrets).toEqual([]);
    reply = {};
    const gone = carry(blocked, { relations: [] });
    const out = await ctx.run(ctx.on.updateStatus(), gone);
    expect(sqlRun()).toEqual(["DROP USER IF EXISTS 'relation-6'@'%';"]);
    expect(out.unitStatus).toEqual(new ActiveStatus('0 databases'));
    await ctx.run(ctx.on.updateStatus(), carry(out));
    expect(sqlRun()).toEqual([]);
  });

  it('a follower does nothing', async () => {
    const rel = request();
    const out = await ctx.run(ctx.on.relationBroken(rel), State({ relations: [rel], machine: installed() }));
    expect(sqlRun()).toEqual([]);
    expect(out.unitStatus).toEqual(new ActiveStatus('standby'));
  });
});
