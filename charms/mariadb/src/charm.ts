/**
 * The mariadb charm: runs MariaDB and gives each mysql_client requirer a database and
 * a user of its own. Passwords live only in one application secret per relation
 * (label `mysql-client-<relation id>`), granted to that relation; the databag carries
 * the endpoints and the secret's id. Every event runs one holistic `reconcile()`.
 *
 * - Only the leader manages users and secrets. Units do not replicate: a non-leader
 *   runs an idle server ("standby"), and a new leader re-creates the users on its own
 *   server from the secrets (the data stays on the old leader's machine).
 * - Removing a relation drops its user and secret; its database (the client's data)
 *   is kept, so relating again finds the old data.
 * - SQL that fails with a server error (ERROR 1xxx: the operator must look) blocks the
 *   unit and the hook succeeds; a server that cannot be reached yet (ERROR 2xxx) fails
 *   the hook, which is retried with backoff.
 */
import { z } from 'zod';
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  MaintenanceStatus,
  SecretNotFoundError,
  isEntryPoint,
  main,
  type CollectStatusEvent,
  type Framework,
  type Relation,
  type RelationBrokenEvent,
  type Secret,
} from '../../../framework/ops/index.js';
import {
  MysqlCredentialsSchema,
  formatEndpoints,
  type DatabaseRequestedEvent,
  type MysqlCredentials,
} from '../../../relations/mysql-client.js';
import { MysqlClientProvider } from '../../../relations/mysql-client.js';
import * as mariadb from './mariadb.js';
import { dropUserSql, generatePassword, provisionSql } from './sql.js';

export const ENDPOINT = 'database';
export const DEFAULT_PORT = 3306;

const ConfigSchema = z.object({ port: z.number().int().min(1).max(65535) });

/** The secret holding a relation's credentials. */
export function secretLabel(relationId: number): string {
  return `mysql-client-${relationId}`;
}

/** The MariaDB user of a relation (data_interfaces' naming). */
export function userName(relationId: number): string {
  return `relation-${relationId}`;
}

type Memory = {
  /** Relation id → the database its user was last granted (skip SQL when unchanged). */
  provisioned: Record<string, string>;
  /** Broken relations whose user is still to drop (a failed DROP is retried). */
  orphans: number[];
  /** The port the server was last configured with (kept while the config is invalid). */
  port: number;
};

export class MariadbCharm extends CharmBase {
  readonly clients = new MysqlClientProvider(this, ENDPOINT);
  private readonly memory = this.storedState<Memory>('mariadb', {
    provisioned: {},
    orphans: [],
    port: DEFAULT_PORT,
  });
  /** Why the unit is Blocked, found by this dispatch's reconcile. */
  private blocked: string[] = [];

  constructor(framework: Framework) {
    super(framework);
    for (const event of [
      this.on.install,
      this.on.start,
      this.on.configChanged,
      this.on.updateStatus,
      this.on.relationCreated(ENDPOINT),
      this.on.relationJoined(ENDPOINT),
      this.on.relationChanged(ENDPOINT),
    ]) {
      this.observe(event, this.reconcile);
    }
    this.observe(this.on.relationDeparted(ENDPOINT), this.reconcile);
    // Leadership or the charm changed: check every client's user again.
    this.observe(this.on.leaderElected, this.onRecheck);
    this.observe(this.on.upgradeCharm, this.onRecheck);
    // Emitted (before this charm's relation-changed observer runs) when a request is new or changed.
    this.observe(this.clients.on.databaseRequested, this.onDatabaseRequested);
    this.observe(this.on.relationBroken(ENDPOINT), this.onBroken);
    this.observe(this.on.collectUnitStatus, this.onCollectStatus);
  }

  async onRecheck(): Promise<void> {
    this.memory.provisioned = {};
    await this.reconcile();
  }

  /** Run the SQL for this relation again, even for a database it already has. */
  onDatabaseRequested(event: DatabaseRequestedEvent): void {
    delete this.memory.provisioned[String(event.relation.id)];
  }

  async onBroken(event: RelationBrokenEvent): Promise<void> {
    if (this.unit.isLeader()) {
      const id = event.relation.id;
      delete this.memory.provisioned[String(id)];
      if (!this.memory.orphans.includes(id)) this.memory.orphans.push(id);
      try {
        this.model.getSecret({ label: secretLabel(id) }).removeAllRevisions();
      } catch (e) {
        if (!(e instanceof SecretNotFoundError)) throw e;
      }
    }
    await this.reconcile();
  }

  async reconcile(): Promise<void> {
    this.blocked = [];
    if (!(await mariadb.isInstalled(this.machine))) {
      this.unit.status = new MaintenanceStatus('installing mariadb-server');
      await mariadb.install(this.machine);
      const version = await mariadb.serverVersion(this.machine);
      if (version) this.unit.setWorkloadVersion(version);
    }
    const port = this.port();
    const changed = await mariadb.writeServerCnf(this.machine, port);
    await mariadb.ensureRunning(this.machine, changed);
    this.memory.port = port;
    this.unit.setPorts({ protocol: 'tcp', port });
    if (!this.unit.isLeader()) return;
    await this.dropOrphans();
    for (const { relation, request } of this.clients.requests()) {
      await this.serve(relation, request.database, port);
    }
  }

  onCollectStatus(event: CollectStatusEvent): void {
    for (const reason of this.blocked) event.addStatus(new BlockedStatus(reason));
    if (!this.unit.isLeader()) {
      event.addStatus(new ActiveStatus('standby'));
      return;
    }
    const live = new Set(this.clients.relations.map((r) => String(r.id)));
    const n = Object.keys(this.memory.provisioned).filter((id) => live.has(id)).length;
    event.addStatus(new ActiveStatus(`${n} database${n === 1 ? '' : 's'}`));
  }

  /** The configured port; an invalid one blocks and the running one is kept. */
  private port(): number {
    const r = ConfigSchema.safeParse({ port: this.config.port });
    if (r.success) return r.data.port;
    const why = r.error.issues.map((i) => i.message).join('; ');
    this.blocked.push(`Invalid config: port: ${why} (keeping port ${this.memory.port})`);
    return this.memory.port;
  }

  /** Database, user and secret for one relation, then the answer in its databag. */
  private async serve(relation: Relation, database: string, port: number): Promise<void> {
    const id = relation.id;
    const { secret, username, password } = this.credentials(relation);
    if (this.memory.provisioned[String(id)] !== database) {
      try {
        await mariadb.runSql(this.machine, provisionSql({ database, user: username, password }), [password]);
      } catch (e) {
        if (!(e instanceof mariadb.SqlError)) throw e;
        this.blocked.push(`cannot create database ${database} for ${relation.app.name}: ${e.message}`);
        return;
      }
      this.memory.provisioned[String(id)] = database;
      this.framework.logger.info(`database ${database} ready for ${relation.app.name} (relation ${id})`);
    }
    const address = this.address(relation);
    if (address === undefined) {
      this.blocked.push(`no address on the ${ENDPOINT} binding to publish to ${relation.app.name}`);
      return;
    }
    this.clients.publishDatabase(
      relation,
      { database, endpoints: formatEndpoints([{ host: address, port }]) },
      secret,
    );
  }

  /** The relation's credentials secret, created with a new password the first time. */
  private credentials(relation: Relation): { secret: Secret } & MysqlCredentials {
    const label = secretLabel(relation.id);
    const username = userName(relation.id);
    let secret: Secret;
    try {
      secret = this.model.getSecret({ label });
    } catch (e) {
      if (!(e instanceof SecretNotFoundError)) throw e;
      const password = generatePassword();
      const description = `MariaDB user of ${relation.app.name} (relation ${relation.id})`;
      return {
        secret: this.app.addSecret({ username, password }, { label, description }),
        username,
        password,
      };
    }
    const content = MysqlCredentialsSchema.safeParse(secret.getContent());
    if (content.success && content.data.username === username) return { secret, ...content.data };
    // Not what this charm writes: replace it; the SQL then sets the new password.
    const password = generatePassword();
    secret.setContent({ username, password });
    delete this.memory.provisioned[String(relation.id)];
    return { secret, username, password };
  }

  private async dropOrphans(): Promise<void> {
    for (const id of [...this.memory.orphans]) {
      try {
        await mariadb.runSql(this.machine, dropUserSql(userName(id)), []);
      } catch (e) {
        if (!(e instanceof mariadb.SqlError)) throw e;
        this.blocked.push(`cannot drop the user of relation ${id}: ${e.message}`);
        continue;
      }
      this.memory.orphans = this.memory.orphans.filter((o) => o !== id);
      // The user name is secret content, which the log would mask: name the relation.
      this.framework.logger.info(`dropped the user of relation ${id} (its database is kept)`);
    }
  }

  private address(relation: Relation): string | undefined {
    const network = this.model.getBinding(relation).network;
    return network.ingressAddress ?? network.bindAddress;
  }
}

if (isEntryPoint(import.meta.url)) await main(MariadbCharm);
