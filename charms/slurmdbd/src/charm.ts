/**
 * The slurmdbd charm: Slurm's accounting daemon between slurmctld and a MySQL-compatible
 * database. It asks mariadb (mysql_client) for `slurm_acct_db`, takes the credentials
 * from the secret mariadb grants, takes the munge key from the secret slurmctld grants,
 * renders slurmdbd.conf whole (0600, slurm) and tells slurmctld where slurmdbd listens.
 * Every event runs one holistic `reconcile()`.
 *
 * - No high availability: the leader runs slurmdbd; other units install it and stand by.
 * - Without a database relation (or after it is removed) slurmdbd is stopped and
 *   slurmdbd.conf is rewritten without StorageHost/Port/User/Pass, so no stale password
 *   stays on disk; the unit is Blocked saying to relate one. The address published to
 *   slurmctld stays: slurmctld keeps its config and queues accounting records until
 *   slurmdbd is back, so nothing else restarts or breaks.
 * - A bad slurmdbd-conf-parameters (a managed key, bad syntax) blocks naming the key;
 *   the last good value stays in effect.
 */
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  MaintenanceStatus,
  WaitingStatus,
  isEntryPoint,
  main,
  type CollectStatusEvent,
  type Framework,
  type SecretChangedEvent,
} from '../../../framework/ops/index.js';
import { MysqlClientRequirer, parseEndpoints } from '../../../relations/mysql-client.js';
import { SlurmdbdProvider } from '../../../relations/slurmdbd.js';
import {
  ParameterLineError,
  SlurmValueError,
  encodeValue,
  managedKeysIn,
  parseParameterLine,
  type ParameterPair,
} from '../../lib/slurm/index.js';
import { installMungeKey } from '../../lib/munge/index.js';
import * as dbd from './slurmdbd.js';

export const DATABASE_ENDPOINT = 'database';
export const SLURMCTLD_ENDPOINT = 'slurmctld';
export const NO_DATABASE = 'relate a database (mysql_client): tsops integrate slurmdbd:database mariadb';
export const NO_MUNGE_KEY = 'waiting for slurmctld (munge key)';
export const STANDBY = 'standby: slurmdbd runs on the leader (no high availability)';

type Memory = {
  /** Fingerprint of the munge key last written (charms/lib/munge). */
  mungeKey: string;
  /** The last slurmdbd-conf-parameters that passed the checks: in effect while a bad one blocks. */
  overrides: string;
};

export class SlurmdbdCharm extends CharmBase {
  readonly db = new MysqlClientRequirer(this, DATABASE_ENDPOINT, { database: dbd.DATABASE });
  readonly slurmctld = new SlurmdbdProvider(this, SLURMCTLD_ENDPOINT);
  private readonly memory = this.storedState<Memory>('slurmdbd', { mungeKey: '', overrides: '' });
  private blocked: string[] = [];
  private waiting: string[] = [];

  constructor(framework: Framework) {
    super(framework);
    for (const event of [
      this.on.install,
      this.on.start,
      this.on.configChanged,
      this.on.upgradeCharm,
      this.on.leaderElected,
      this.on.updateStatus,
    ]) {
      this.observe(event, this.reconcile);
    }
    // Every relation event, so each hook ends with a reconciled unit and a true status;
    // the interfaces' own events (databaseCreated, controllerReady) come from these.
    for (const endpoint of Object.keys(this.meta.endpoints)) {
      this.observe(this.on.relationCreated(endpoint), this.reconcile);
      this.observe(this.on.relationJoined(endpoint), this.reconcile);
      this.observe(this.on.relationChanged(endpoint), this.reconcile);
      this.observe(this.on.relationDeparted(endpoint), this.reconcile);
      this.observe(this.on.relationBroken(endpoint), this.reconcile);
    }
    this.observe(this.on.secretChanged, this.onSecretChanged);
    this.observe(this.on.collectUnitStatus, this.onCollectStatus);
  }

  /** The munge key or the database password changed: track the new revision, then apply it. */
  async onSecretChanged(event: SecretChangedEvent): Promise<void> {
    event.secret.getContent({ refresh: true });
    await this.reconcile();
  }

  async reconcile(): Promise<void> {
    this.blocked = [];
    this.waiting = [];
    const m = this.machine;
    if (!(await dbd.isInstalled(m))) {
      this.unit.status = new MaintenanceStatus('installing slurmdbd and munge');
      await dbd.install(m);
    }
    if (!this.unit.isLeader()) {
      await this.standby();
      return;
    }
    const overrides = this.overrides();
    const haveKey = await this.syncMungeKey();
    const storage = this.storage();
    const address = this.address();
    const hostname = await this.hostname();
    let conf: string;
    try {
      conf = dbd.renderSlurmdbdConf({ hostname, address, storage, overrides });
    } catch (e) {
      // Values come from checked sources; say what failed without echoing any of them.
      if (!(e instanceof SlurmValueError)) throw e;
      this.blocked.push('cannot render slurmdbd.conf: a value has a newline or unquotable characters');
      return;
    }
    const changed = await dbd.writeConf(m, conf, dbd.renderDefaults(storage));
    if (!storage || !haveKey) {
      await dbd.ensureStopped(m);
      return;
    }
    await dbd.ensureRunning(m, changed);
    this.unit.openPort('tcp', dbd.DBD_PORT);
    this.slurmctld.publishDatabase({ host: address ?? hostname, port: dbd.DBD_PORT });
  }

  onCollectStatus(event: CollectStatusEvent): void {
    for (const reason of this.blocked) event.addStatus(new BlockedStatus(reason));
    for (const reason of this.waiting) event.addStatus(new WaitingStatus(reason));
    event.addStatus(new ActiveStatus(this.unit.isLeader() ? '' : STANDBY));
  }

  /** Not the leader: slurmdbd stopped, and no database password left in an old slurmdbd.conf. */
  private async standby(): Promise<void> {
    await dbd.ensureStopped(this.machine);
    if (!(await this.machine.files.exists(dbd.CONF_PATH))) return;
    const overrides = parseParameterLine(this.memory.overrides);
    const conf = dbd.renderSlurmdbdConf({ hostname: await this.hostname(), overrides });
    await dbd.writeConf(this.machine, conf, dbd.renderDefaults(undefined));
  }

  /** slurmdbd-conf-parameters, or the last good value when it is refused (Blocked naming why). */
  private overrides(): ParameterPair[] {
    const raw = String(this.config['slurmdbd-conf-parameters'] ?? '');
    try {
      const pairs = parseParameterLine(raw);
      const managed = managedKeysIn(pairs, dbd.MANAGED_KEYS);
      if (managed.length > 0) {
        const keys = managed.join(', ');
        throw new ParameterLineError(`${keys} ${managed.length === 1 ? 'is' : 'are'} set by the charm`);
      }
      this.memory.overrides = raw;
      return pairs;
    } catch (e) {
      if (!(e instanceof ParameterLineError)) throw e;
      this.blocked.push(`slurmdbd-conf-parameters: ${e.message} (running config kept)`);
      return parseParameterLine(this.memory.overrides);
    }
  }

  /** Writes the munge key slurmctld granted when it is new; false (Waiting) until there is one. */
  private async syncMungeKey(): Promise<boolean> {
    const content = this.slurmctld.mungeKey();
    if (!content) {
      this.waiting.push(NO_MUNGE_KEY);
      return false;
    }
    this.memory.mungeKey = await installMungeKey(this.machine, content, this.memory.mungeKey);
    return true;
  }

  /** The database answer and credentials, or undefined with the reason in the status. */
  private storage(): dbd.Storage | undefined {
    const relation = this.db.relations[0];
    if (!relation) {
      this.blocked.push(NO_DATABASE);
      return undefined;
    }
    const found = this.db.database(relation);
    const creds = found && this.db.credentials(relation);
    if (!found || !creds) {
      // Bad data or a secret it cannot read is reported by the interface (Blocked).
      this.waiting.push(`waiting for ${relation.app.name} to create database ${dbd.DATABASE}`);
      return undefined;
    }
    const app = relation.app.name;
    for (const [field, value] of Object.entries(creds)) {
      try {
        encodeValue(value);
      } catch {
        this.blocked.push(`the ${field} from ${app} cannot be written to slurmdbd.conf (newline or quotes)`);
        return undefined;
      }
    }
    const endpoints = parseEndpoints(found.created.endpoints);
    // A unix socket (a local router) is preferred, as in the reference charm.
    const chosen = endpoints.find((e) => 'socket' in e) ?? endpoints[0];
    if (!chosen) return undefined;
    return { user: creds.username, password: creds.password, ...chosen };
  }

  /** The address slurmctld reaches this unit on (the slurmctld binding). */
  private address(): string | undefined {
    const network = this.model.getBinding(SLURMCTLD_ENDPOINT).network;
    return network.ingressAddress ?? network.bindAddress;
  }

  private async hostname(): Promise<string> {
    return (await this.machine.hardware()).hostname;
  }
}

if (isEntryPoint(import.meta.url)) await main(SlurmdbdCharm);
