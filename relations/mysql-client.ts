/**
 * The `mysql_client` interface (Juju's charm-relation-interfaces v0 field names),
 * between a database user (slurmdbd, REQUIRES) and a MySQL-compatible server
 * (mariadb, PROVIDES). Values are plain strings as data_interfaces writes them,
 * `requested-secrets` JSON, so a Python charm on the other side understands us.
 *
 * - requirer app bag: `database`, optional `extra-user-roles`, `requested-secrets`
 *   (`["username","password"]`: credentials come as a secret).
 * - provider app bag: `database`, `endpoints` (`host:port,…` or `file:///…sock`),
 *   optional `read-only-endpoints`, `version`, and `secret-user` (id of a secret
 *   holding `username` and `password`). A password in the databag is refused.
 *
 *   readonly db = new MysqlClientRequirer(this, 'database', { database: 'slurm_acct_db' });
 *   readonly clients = new MysqlClientProvider(this, 'database');
 */
import { z } from 'zod';
import { ObjectEvents, type CharmBase, type Relation, type Secret } from '../framework/ops/index.js';
import { plainCodec } from './codec.js';
import { SecretIdSchema, formatHostPort, parseHostPort, parsedString } from './common.js';
import { dataEvent, type EventOrigin } from './events.js';
import { RelationInterface, grantedId } from './interface.js';

export const INTERFACE = 'mysql_client';
export const VERSION = 1;
const CODEC = plainCodec(['requested-secrets']);

/** A database name the server can use unquoted: letters, digits, `_`. */
export const DatabaseNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_]{1,64}$/, { error: 'must be 1-64 letters, digits or _' });

/** One place to reach the server: TCP `host:port` or a unix socket (`file:///run/mysqld/mysqld.sock`). */
export type MysqlEndpoint = { host: string; port: number } | { socket: string };

/** `"10.0.0.5:3306,[fd00::1]:3306"` or `"file:///run/mysqld/mysqld.sock"` → endpoints; throws saying why. */
export function parseEndpoints(text: string): MysqlEndpoint[] {
  if (text.trim() === '') throw new Error('no endpoints');
  return text.split(',').map((part) => {
    const item = part.trim();
    if (!item.startsWith('file://')) return parseHostPort(item);
    const socket = item.slice('file://'.length);
    if (!/^\/[^\s,]*$/.test(socket)) throw new Error(`'${item}' is not file:// and an absolute socket path`);
    return { socket };
  });
}

/** The inverse of parseEndpoints. */
export function formatEndpoints(endpoints: readonly MysqlEndpoint[]): string {
  return endpoints.map((e) => ('socket' in e ? `file://${e.socket}` : formatHostPort(e))).join(',');
}

const EndpointsSchema = parsedString(parseEndpoints);

/** The requirer's application databag. */
export const MysqlRequirerAppSchema = z.object({
  database: DatabaseNameSchema,
  'extra-user-roles': z
    .string()
    .regex(/^[a-z0-9_-]+(,[a-z0-9_-]+)*$/, { error: 'must be role names separated by commas' })
    .optional(),
  'requested-secrets': z.array(z.string()).optional(),
});
export type MysqlRequirerAppData = z.infer<typeof MysqlRequirerAppSchema>;

/** The provider's complete answer: what `databaseCreated` carries. */
export const DatabaseCreatedSchema = z.object({
  database: DatabaseNameSchema,
  endpoints: EndpointsSchema,
  'read-only-endpoints': EndpointsSchema.optional(),
  version: z.string().optional(),
  'secret-user': SecretIdSchema,
});
export type DatabaseCreated = z.infer<typeof DatabaseCreatedSchema>;

/** The provider's application databag, possibly still incomplete (the answer may come over several hooks). */
export const MysqlProviderAppSchema = DatabaseCreatedSchema.partial({
  endpoints: true,
  'secret-user': true,
}).extend({
  password: z
    .undefined({ error: 'passwords must travel in a secret (secret-user), never in the databag' })
    .optional(),
});
export type MysqlProviderAppData = z.infer<typeof MysqlProviderAppSchema>;

/** Content of the `secret-user` secret. */
export const MysqlCredentialsSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });
export type MysqlCredentials = z.infer<typeof MysqlCredentialsSchema>;

/** A requirer asked for a database: `event.request.database`. */
export class DatabaseRequestedEvent extends dataEvent(MysqlRequirerAppSchema) {
  get request(): MysqlRequirerAppData {
    return this.data;
  }
}

/** The server answered: `event.endpoints`, `event.secretId`; read the password with `credentials()`. */
export class DatabaseCreatedEvent extends dataEvent(DatabaseCreatedSchema) {
  get endpoints(): MysqlEndpoint[] {
    return parseEndpoints(this.data.endpoints);
  }
  get secretId(): string {
    return this.data['secret-user'];
  }
}

/** MysqlClientProvider's events: `this.clients.on.databaseRequested`. */
export class MysqlClientProviderEvents extends ObjectEvents {
  readonly databaseRequested = this.define('database_requested', DatabaseRequestedEvent);
}

/** MysqlClientRequirer's events: `this.db.on.databaseCreated`. */
export class MysqlClientRequirerEvents extends ObjectEvents {
  readonly databaseCreated = this.define('database_created', DatabaseCreatedEvent);
}

/** The database user's side; the leader asks for `database` when the relation is created or joined. */
export class MysqlClientRequirer extends RelationInterface {
  readonly on = new MysqlClientRequirerEvents(this);
  private readonly request: MysqlRequirerAppData;

  constructor(charm: CharmBase, endpoint: string, request: { database: string; extraUserRoles?: string }) {
    super(charm, endpoint, { name: INTERFACE, version: VERSION, codec: CODEC });
    this.request = {
      database: request.database,
      'extra-user-roles': request.extraUserRoles,
      'requested-secrets': ['username', 'password'],
    };
    this.watchRemoteApp({
      schema: MysqlProviderAppSchema,
      ready: { emit: (origin, data) => this.emitCreated(origin, data) },
    });
    this.observe(charm.on.relationCreated(endpoint), this.onRelationUp);
    this.observe(charm.on.relationJoined(endpoint), this.onRelationUp);
  }

  /** The server's complete answer on `relation`, or on the first relation that has one. */
  database(relation?: Relation): { relation: Relation; created: DatabaseCreated } | undefined {
    for (const rel of this.targets(relation)) {
      const data = this.loadRemote(rel, rel.app, MysqlProviderAppSchema);
      const created = data && complete(data);
      if (created) return { relation: rel, created };
    }
    return undefined;
  }

  /**
   * `username` and `password` from the server's `secret-user` secret, read under
   * `label` (default `<endpoint>-secret-user-<relation id>`); undefined until available.
   */
  credentials(relation?: Relation, label?: string): MysqlCredentials | undefined {
    const found = this.database(relation);
    if (!found) return undefined;
    const rel = found.relation;
    const id = found.created['secret-user'];
    return this.readSecret(
      rel,
      'secret-user',
      id,
      MysqlCredentialsSchema,
      label ?? `${this.endpoint}-secret-user-${rel.id}`,
    );
  }

  /** Leader only (false elsewhere): (re)publish the request. */
  publishRequest(relation?: Relation): boolean {
    return this.publishApp(MysqlRequirerAppSchema, this.request, relation);
  }

  private onRelationUp(event: { relation: Relation }): void {
    this.publishRequest(event.relation);
  }

  private async emitCreated(origin: EventOrigin, data: MysqlProviderAppData): Promise<void> {
    const created = complete(data);
    if (created) await this.on.databaseCreated.emit(origin, created);
  }
}

/** The server's side: observe `.on.databaseRequested`, create the database and user, then `publishDatabase`. */
export class MysqlClientProvider extends RelationInterface {
  readonly on = new MysqlClientProviderEvents(this);

  constructor(charm: CharmBase, endpoint = 'database') {
    super(charm, endpoint, { name: INTERFACE, version: VERSION, codec: CODEC });
    this.watchRemoteApp({
      schema: MysqlRequirerAppSchema,
      ready: this.on.databaseRequested,
    });
  }

  /** Every relation's valid request. */
  requests(): Array<{ relation: Relation; request: MysqlRequirerAppData }> {
    const out: Array<{ relation: Relation; request: MysqlRequirerAppData }> = [];
    for (const relation of this.relations) {
      const request = this.loadRemote(relation, relation.app, MysqlRequirerAppSchema);
      if (request) out.push({ relation, request });
    }
    return out;
  }

  /**
   * Leader only (false elsewhere): grant `credentials` (a secret with `username` and
   * `password`) to the relation and publish the answer with its id.
   */
  publishDatabase(
    relation: Relation,
    answer: Omit<DatabaseCreated, 'secret-user'>,
    credentials: Secret,
  ): boolean {
    return this.publishApp(
      DatabaseCreatedSchema,
      (r) => ({ ...answer, 'secret-user': grantedId(credentials, r) }),
      relation,
    );
  }
}

function complete(data: MysqlProviderAppData): DatabaseCreated | undefined {
  const { endpoints, 'secret-user': secretUser, password: _password, ...rest } = data;
  if (endpoints === undefined || secretUser === undefined) return undefined;
  return { ...rest, endpoints, 'secret-user': secretUser };
}
