/**
 * The slurmdbd charm: slurmdbd.conf from the mysql_client secret (parsed back with the
 * slurm.conf model), the munge key from slurmctld's secret, publishing to slurmctld
 * only when ready, the database relation going away, config and bad remote data.
 */
import { ActiveStatus, BlockedStatus, MaintenanceStatus, WaitingStatus } from '../../framework/ops/index.js';
import {
  Context,
  Network,
  PeerRelation,
  RecordingMachine,
  Relation,
  Secret,
  State,
  type StateInit,
} from '../../framework/testing/index.js';
import { parseSlurmConf } from '../../charms/lib/slurm/index.js';
import { NO_DATABASE, NO_MUNGE_KEY, STANDBY, SlurmdbdCharm } from '../../charms/slurmdbd/src/charm.js';
import { MUNGE_KEY_PATH } from '../../charms/lib/munge/index.js';
import { CONF_PATH, DEFAULTS_PATH } from '../../charms/slurmdbd/src/slurmdbd.js';

const ctx = new Context(SlurmdbdCharm, { meta: 'charms/slurmdbd' });
const PASSWORD = 'pW9dzQ2mXrT7vK4bN8cL1sF6hJ3gY5aE';
/** Printable bytes, so the machine's text copy of the binary file can be compared. */
const KEY_BYTES = 'munge-key-'.repeat(8);
const KEY = Buffer.from(KEY_BYTES).toString('base64');

const installed = () =>
  new RecordingMachine({ packages: ['slurmdbd', 'munge'], hardware: { hostname: 'dbd-0' } });

const dbSecret = (password = PASSWORD) => Secret({ trackedContent: { username: 'relation-4', password } });
const dbRel = (secretId: string, extra: Record<string, string> = {}) =>
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
const keySecret = (key = KEY) => Secret({ trackedContent: { key } });
const ctlRel = (secretId: string) =>
  Relation({
    endpoint: 'slurmctld',
    remoteAppName: 'slurmctld',
    remoteAppData: { 'munge-key-secret-id': JSON.stringify(secretId) },
  });

/** A leader with everything related: database answered, munge key granted. */
function ready(init: StateInit = {}) {
  const creds = dbSecret();
  const key = keySecret();
  const db = dbRel(creds.id);
  const ctl = ctlRel(key.id);
  const state = State({
    leader: true,
    relations: [db, ctl],
    secrets: [creds, key],
    machine: installed(),
    networks: [Network({ bindingName: 'slurmctld', address: '10.0.0.9' })],
    ...init,
  });
  return { state, creds, key, db, ctl };
}

/** The output of a run as the next run's input, its machine history cleared. */
const carry = (s: State, more: StateInit = {}): State =>
  State({ ...s, machine: s.machine && { ...s.machine, history: [] }, ...more });

const conf = (out: State) => {
  const file = out.machine?.files[CONF_PATH];
  if (!file) throw new Error('no slurmdbd.conf');
  return { file, model: parseSlurmConf(file.content, CONF_PATH) };
};
const verbs = (name: string) =>
  (ctx.machine?.ops('service') ?? []).filter((op) => op.name === name).map((op) => op.verb);

describe('install', () => {
  it('installs slurmdbd and munge (Maintenance), keeps slurmdbd stopped, asks for a database', async () => {
    const machine = new RecordingMachine({ services: { slurmdbd: 'running' } });
    const out = await ctx.run(ctx.on.install(), State({ leader: true, machine }));
    expect(ctx.unitStatusHistory).toContainEqual(new MaintenanceStatus('installing slurmdbd and munge'));
    expect(ctx.machine?.ops('install')).toEqual([{ kind: 'install', packages: ['slurmdbd', 'munge'] }]);
    expect(out.machine?.services.slurmdbd).toMatchObject({ state: 'stopped', enabled: false });
    expect(conf(out).model.get('StoragePass')).toBeUndefined();
    expect(out.unitStatus).toEqual(new BlockedStatus(NO_DATABASE));
  });
});

describe('leader with database and controller', () => {
  it('renders slurmdbd.conf whole (0600 slurm), writes the munge key (0400 munge), starts and publishes', async () => {
    const { state, db, ctl } = ready();
    const out = await ctx.run(ctx.on.relationChanged(db), state);
    const { file, model } = conf(out);
    expect({ mode: file.mode, owner: file.owner, group: file.group }).toEqual({
      mode: 0o600,
      owner: 'slurm',
      group: 'slurm',
    });
    expect(model.params().map((p) => [p.key, p.value])).toEqual([
      ['AuthType', 'auth/munge'],
      ['DbdHost', 'dbd-0'],
      ['DbdAddr', '10.0.0.9'],
      ['DbdPort', '6819'],
      ['SlurmUser', 'slurm'],
      ['LogFile', '/var/log/slurm/slurmdbd.log'],
      ['PidFile', '/run/slurm/slurmdbd.pid'],
      ['StorageType', 'accounting_storage/mysql'],
      ['StorageHost', '10.0.0.5'],
      ['StoragePort', '3306'],
      ['StorageUser', 'relation-4'],
      ['StoragePass', PASSWORD],
      ['StorageLoc', 'slurm_acct_db'],
    ]);
    expect(out.machine?.files[MUNGE_KEY_PATH]).toEqual({
      content: KEY_BYTES,
      mode: 0o400,
      owner: 'munge',
      group: 'munge',
    });
    expect(verbs('munge')).toEqual(['enable', 'restart']);
    expect(verbs('slurmdbd')).toEqual(['enable', 'restart']);
    expect(out.machine?.services.slurmdbd).toMatchObject({ state: 'running', enabled: true });
    expect(out.openedPorts).toEqual([{ protocol: 'tcp', port: 6819 }]);
    expect(out.getRelation(ctl.id).localAppData).toEqual({
      host: '"10.0.0.9"',
      port: '6819',
      'interface-version': '1',
    });
    expect(out.unitStatus).toEqual(new ActiveStatus());
    // The password is in slurmdbd.conf and the secret, nowhere else.
    const elsewhere = JSON.stringify([
      out.relations.map((r) => [r.localAppData, r.localUnitData]),
      ctx.jujuLog,
      ctx.unitStatusHistory.map(String),
      out.storedStates,
      Object.entries(out.machine?.files ?? {}).filter(([p]) => p !== CONF_PATH),
    ]);
    expect(elsewhere).not.toContain(PASSWORD);
    expect(elsewhere).not.toContain(KEY);
  });

  it('a second run changes nothing: no write, no restart', async () => {
    const { state, db } = ready();
    const first = await ctx.run(ctx.on.relationChanged(db), state);
    const out = await ctx.run(ctx.on.updateStatus(), carry(first));
    expect(ctx.machine?.ops('write')).toEqual([]);
    expect(verbs('slurmdbd')).toEqual([]);
    expect(verbs('munge')).toEqual([]);
    expect(out.unitStatus).toEqual(new ActiveStatus());
  });

  it('a new slurmctld relation gets the address on relation-joined', async () => {
    const { state } = ready();
    const first = await ctx.run(ctx.on.updateStatus(), state);
    const other = ctlRel(state.secrets[1]?.id ?? '');
    const out = await ctx.run(
      ctx.on.relationJoined(other),
      carry(first, { relations: [...first.relations, other] }),
    );
    expect(out.getRelation(other.id).localAppData.host).toBe('"10.0.0.9"');
  });

  it('a unix socket endpoint: StorageHost=localhost, no port, MYSQL_UNIX_PORT for libmariadb', async () => {
    const creds = dbSecret();
    const db = dbRel(creds.id, { endpoints: '10.0.0.5:3306,file:///run/mysqld/mysqld.sock' });
    const { state } = ready();
    const out = await ctx.run(
      ctx.on.relationChanged(db),
      State({
        ...state,
        relations: [db, ...state.relations.slice(1)],
        secrets: [creds, ...state.secrets.slice(1)],
      }),
    );
    const { model } = conf(out);
    expect(model.get('StorageHost')).toBe('localhost');
    expect(model.get('StoragePort')).toBeUndefined();
    expect(out.machine?.files[DEFAULTS_PATH]?.content).toContain(
      '\nMYSQL_UNIX_PORT=/run/mysqld/mysqld.sock\n',
    );
  });

  it('an IPv6 endpoint loses its brackets', async () => {
    const creds = dbSecret();
    const db = dbRel(creds.id, { endpoints: '[fd00::5]:3307' });
    const { state } = ready();
    const out = await ctx.run(
      ctx.on.relationChanged(db),
      State({
        ...state,
        relations: [db, ...state.relations.slice(1)],
        secrets: [creds, ...state.secrets.slice(1)],
      }),
    );
    expect([conf(out).model.get('StorageHost'), conf(out).model.get('StoragePort')]).toEqual([
      'fd00::5',
      '3307',
    ]);
  });
});

describe('secret-changed', () => {
  it('a rotated database password rewrites slurmdbd.conf and restarts slurmdbd', async () => {
    const { state, db, creds } = ready();
    const first = await ctx.run(ctx.on.relationChanged(db), state);
    const rotated = Secret({
      ...creds,
      latestContent: { username: 'relation-4', password: 'NewPassw0rdNewPassw0rd' },
    });
    const secrets = [rotated, ...first.secrets.filter((s) => s.id !== creds.id)];
    const out = await ctx.run(ctx.on.secretChanged(rotated), carry(first, { secrets }));
    expect(conf(out).model.get('StoragePass')).toBe('NewPassw0rdNewPassw0rd');
    expect(verbs('slurmdbd')).toEqual(['restart']);
  });

  it('a rotated munge key is written and munge restarted; slurmdbd keeps running', async () => {
    const { state, db, key } = ready();
    const first = await ctx.run(ctx.on.relationChanged(db), state);
    const next = 'new-munge-key-'.repeat(4);
    const rotated = Secret({ ...key, latestContent: { key: Buffer.from(next).toString('base64') } });
    const secrets = [...first.secrets.filter((s) => s.id !== key.id), rotated];
    const out = await ctx.run(ctx.on.secretChanged(rotated), carry(first, { secrets }));
    expect(out.machine?.files[MUNGE_KEY_PATH]?.content).toBe(next);
    expect(verbs('munge')).toEqual(['enable', 'restart']);
    expect(verbs('slurmdbd')).toEqual([]);
  });
});

describe('not ready: nothing published, slurmdbd stopped', () => {
  it('no munge key yet: config written, slurmdbd stopped, Waiting for slurmctld', async () => {
    const { state, db } = ready();
    const out = await ctx.run(ctx.on.relationChanged(db), State({ ...state, relations: [db] }));
    expect(conf(out).model.get('StorageUser')).toBe('relation-4');
    expect(out.machine?.files[MUNGE_KEY_PATH]).toBeUndefined();
    expect(verbs('slurmdbd')).toEqual([]);
    expect(out.openedPorts).toEqual([]);
    expect(out.unitStatus).toEqual(new WaitingStatus(NO_MUNGE_KEY));
  });

  it('no database relation: Blocked with the clear message, nothing published', async () => {
    const { state, ctl } = ready();
    const out = await ctx.run(ctx.on.relationChanged(ctl), State({ ...state, relations: [ctl] }));
    expect(out.unitStatus).toEqual(new BlockedStatus(NO_DATABASE));
    expect(out.getRelation(ctl.id).localAppData).toEqual({});
    expect(out.machine?.files[MUNGE_KEY_PATH]?.mode).toBe(0o400);
  });

  it('a database that has not answered yet: Waiting, not Blocked', async () => {
    const { state } = ready();
    const asked = Relation({ endpoint: 'database', remoteAppName: 'mariadb' });
    const out = await ctx.run(
      ctx.on.relationCreated(asked),
      State({ ...state, relations: [asked, ...state.relations.slice(1)] }),
    );
    expect(out.getRelation(asked.id).localAppData).toMatchObject({ database: 'slurm_acct_db' });
    expect(out.unitStatus).toEqual(new WaitingStatus('waiting for mariadb to create database slurm_acct_db'));
  });

  it('removing the database relation: Blocked, slurmdbd stopped, credentials removed, slurmctld data kept', async () => {
    const { state, db, ctl } = ready();
    const running = await ctx.run(ctx.on.relationChanged(db), state);
    const out = await ctx.run(ctx.on.relationBroken(db), carry(running));
    expect(out.unitStatus).toEqual(new BlockedStatus(NO_DATABASE));
    expect(verbs('slurmdbd')).toEqual(['stop', 'disable']);
    const { model } = conf(out);
    for (const key of ['StorageHost', 'StoragePort', 'StorageUser', 'StoragePass'])
      expect(model.get(key)).toBeUndefined();
    expect(model.get('StorageLoc')).toBe('slurm_acct_db');
    expect(JSON.stringify(out.machine?.files)).not.toContain(PASSWORD);
    expect(out.getRelation(ctl.id).localAppData).toEqual(running.getRelation(ctl.id).localAppData);
  });

  it('slurmctld going away: Waiting for it, slurmdbd stopped; departed and peer events do not fail', async () => {
    const { state, db, ctl } = ready();
    const running = await ctx.run(ctx.on.relationChanged(db), state);
    for (const ev of [ctx.on.relationDeparted(ctl), ctx.on.relationDeparted(db)]) {
      const out = await ctx.run(ev, carry(running));
      expect(out.unitStatus).toEqual(new ActiveStatus());
    }
    const peers = PeerRelation({ endpoint: 'slurmdbd-peers', peersData: { 1: {} } });
    const joined = await ctx.run(
      ctx.on.relationJoined(peers),
      carry(running, { relations: [...running.relations, peers] }),
    );
    expect(joined.unitStatus).toEqual(new ActiveStatus());
    const out = await ctx.run(ctx.on.relationBroken(ctl), carry(running));
    expect(out.unitStatus).toEqual(new WaitingStatus(NO_MUNGE_KEY));
    expect(verbs('slurmdbd')).toEqual(['stop', 'disable']);
  });

  it('a follower stands by: no config, no publish, slurmdbd stopped', async () => {
    const { state, db, ctl } = ready({ leader: false });
    const out = await ctx.run(ctx.on.relationChanged(db), state);
    expect(out.machine?.files[CONF_PATH]).toBeUndefined();
    expect(out.machine?.files[MUNGE_KEY_PATH]).toBeUndefined();
    expect(out.getRelation(ctl.id).localAppData).toEqual({});
    expect(out.unitStatus).toEqual(new ActiveStatus(STANDBY));
  });

  it('a leader that lost leadership stops slurmdbd and strips the password from its config', async () => {
    const { state, db } = ready();
    const running = await ctx.run(ctx.on.relationChanged(db), state);
    const out = await ctx.run(ctx.on.updateStatus(), carry(running, { leader: false }));
    expect(verbs('slurmdbd')).toEqual(['stop', 'disable']);
    expect(conf(out).model.get('StoragePass')).toBeUndefined();
    expect(out.unitStatus).toEqual(new ActiveStatus(STANDBY));
  });
});

describe('config: slurmdbd-conf-parameters', () => {
  it('extra keys are added to slurmdbd.conf and slurmdbd restarted', async () => {
    const { state, db } = ready();
    const first = await ctx.run(ctx.on.relationChanged(db), state);
    const out = await ctx.run(
      ctx.on.configChanged(),
      carry(first, { config: { 'slurmdbd-conf-parameters': 'DebugLevel=verbose PurgeJobAfter=12months' } }),
    );
    const { model } = conf(out);
    expect([model.get('DebugLevel'), model.get('PurgeJobAfter')]).toEqual(['verbose', '12months']);
    expect(verbs('slurmdbd')).toEqual(['restart']);
    expect(out.unitStatus).toEqual(new ActiveStatus());
  });

  it.each([
    [
      'StoragePass=hunter2',
      'slurmdbd-conf-parameters: StoragePass is set by the charm (running config kept)',
    ],
    [
      'dbdport=7000 storageuser=root',
      'slurmdbd-conf-parameters: dbdport, storageuser are set by the charm (running config kept)',
    ],
    ['Include=/etc/x', 'slurmdbd-conf-parameters: Include is set by the charm (running config kept)'],
    [
      'DebugLevel=verbose\nStoragePass=x',
      'slurmdbd-conf-parameters: a line break at position 18: parameters must be on one line (running config kept)',
    ],
  ])('%j is refused: Blocked naming it, the last good value kept, hook succeeds', async (bad, message) => {
    const { state, db } = ready({ config: { 'slurmdbd-conf-parameters': 'DebugLevel=verbose' } });
    const first = await ctx.run(ctx.on.relationChanged(db), state);
    const out = await ctx.run(
      ctx.on.configChanged(),
      carry(first, { config: { 'slurmdbd-conf-parameters': bad } }),
    );
    expect(out.unitStatus).toEqual(new BlockedStatus(message));
    expect(conf(out).file.content).toBe(conf(first).file.content);
    expect(verbs('slurmdbd')).toEqual([]);
  });
});

describe('bad remote data blocks; the hook succeeds', () => {
  it.each([
    [
      { endpoints: 'db-host' },
      "mariadb sent invalid mysql_client data: endpoints: 'db-host' is not host:port",
    ],
    [
      { password: 'leaked' },
      'mariadb sent invalid mysql_client data: password: passwords must travel in a secret',
    ],
  ])('database answer %j', async (bad, message) => {
    const { state } = ready();
    const db = dbRel(state.secrets[0]?.id ?? '', bad);
    const out = await ctx.run(
      ctx.on.relationChanged(db),
      State({ ...state, relations: [db, ...state.relations.slice(1)] }),
    );
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toContain(message);
    expect(verbs('slurmdbd')).toEqual([]);
  });

  it('a password slurmdbd.conf cannot hold (a newline) blocks without showing it', async () => {
    const creds = dbSecret('bad "pass\nword');
    const { state } = ready();
    const db = dbRel(creds.id);
    const out = await ctx.run(
      ctx.on.relationChanged(db),
      State({
        ...state,
        relations: [db, ...state.relations.slice(1)],
        secrets: [creds, ...state.secrets.slice(1)],
      }),
    );
    expect(out.unitStatus).toEqual(
      new BlockedStatus('the password from mariadb cannot be written to slurmdbd.conf (newline or quotes)'),
    );
    expect(conf(out).model.get('StoragePass')).toBeUndefined();
  });

  it('a munge key that is not base64 blocks, naming the field', async () => {
    const { state, ctl } = ready();
    const bad = Secret({ id: state.secrets[1]?.id, trackedContent: { key: 'not base64!' } });
    const out = await ctx.run(
      ctx.on.relationChanged(ctl),
      State({ ...state, secrets: [state.secrets[0] ?? bad, bad] }),
    );
    expect(out.unitStatus.message).toMatch(
      /^slurmctld sent invalid slurmdbd data: munge-key-secret-id: secret content key: /,
    );
    expect(out.machine?.files[MUNGE_KEY_PATH]).toBeUndefined();
    expect(out.getRelation(ctl.id).localAppData).toEqual({});
  });
});
