/**
 * The model store's schema, versioned with `PRAGMA user_version`: each entry of
 * MIGRATIONS moves the database one version up, inside one transaction.
 */
export const MIGRATIONS: readonly string[] = [
  // v1: the model, its applications, machines, units, relations, databags, what each
  // unit has seen, secrets, ports, action tasks, logs and hook history.
  `
  CREATE TABLE model (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE applications (
    name TEXT PRIMARY KEY,
    charm_path TEXT NOT NULL,
    meta TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    constraints TEXT NOT NULL DEFAULT '',
    exposed INTEGER NOT NULL DEFAULT 0,
    trust INTEGER NOT NULL DEFAULT 0,
    annotations TEXT NOT NULL DEFAULT '{}',
    next_unit INTEGER NOT NULL DEFAULT 0,
    life TEXT NOT NULL DEFAULT 'alive',
    leader TEXT,
    version TEXT NOT NULL DEFAULT '',
    status TEXT,
    status_message TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL
  );
  CREATE TABLE machines (
    id TEXT PRIMARY KEY,
    constraints TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL
  );
  CREATE TABLE units (
    name TEXT PRIMARY KEY,
    app TEXT NOT NULL REFERENCES applications(name),
    number INTEGER NOT NULL,
    machine TEXT NOT NULL,
    principal TEXT,
    life TEXT NOT NULL DEFAULT 'alive',
    installed INTEGER NOT NULL DEFAULT 0,
    started INTEGER NOT NULL DEFAULT 0,
    stopped INTEGER NOT NULL DEFAULT 0,
    leader_seen TEXT,
    config_seen TEXT,
    workload TEXT NOT NULL DEFAULT 'unknown',
    message TEXT NOT NULL DEFAULT '',
    agent TEXT NOT NULL DEFAULT 'allocating',
    activity TEXT,
    failed TEXT,
    error_message TEXT,
    retry_at INTEGER,
    retries INTEGER NOT NULL DEFAULT 0,
    resolve TEXT,
    update_due INTEGER,
    unit_state TEXT,
    address TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX units_app ON units(app);
  CREATE TABLE relations (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    app1 TEXT NOT NULL, ep1 TEXT NOT NULL, role1 TEXT NOT NULL,
    app2 TEXT NOT NULL, ep2 TEXT NOT NULL, role2 TEXT NOT NULL,
    interface TEXT NOT NULL,
    scope TEXT NOT NULL,
    peer INTEGER NOT NULL DEFAULT 0,
    life TEXT NOT NULL DEFAULT 'alive'
  );
  CREATE TABLE databags (
    relation INTEGER NOT NULL,
    owner TEXT NOT NULL,
    is_app INTEGER NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (relation, owner, is_app)
  );
  CREATE TABLE scopes (
    relation INTEGER NOT NULL,
    unit TEXT NOT NULL,
    PRIMARY KEY (relation, unit)
  );
  CREATE TABLE seen (
    relation INTEGER NOT NULL,
    unit TEXT NOT NULL,
    remote TEXT NOT NULL,
    is_app INTEGER NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (relation, unit, remote, is_app)
  );
  CREATE TABLE secrets (
    id TEXT PRIMARY KEY,
    owner_kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    label TEXT,
    description TEXT NOT NULL DEFAULT '',
    rotate TEXT,
    expire TEXT,
    revision INTEGER NOT NULL
  );
  CREATE TABLE secret_revisions (
    secret TEXT NOT NULL, revision INTEGER NOT NULL, content TEXT NOT NULL,
    PRIMARY KEY (secret, revision)
  );
  CREATE TABLE secret_grants (
    secret TEXT NOT NULL, relation INTEGER NOT NULL, grantee TEXT NOT NULL,
    PRIMARY KEY (secret, relation, grantee)
  );
  CREATE TABLE secret_consumers (
    secret TEXT NOT NULL, unit TEXT NOT NULL, tracked INTEGER NOT NULL, label TEXT,
    notified INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (secret, unit)
  );
  CREATE TABLE ports (unit TEXT NOT NULL, port TEXT NOT NULL, PRIMARY KEY (unit, port));
  CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit TEXT NOT NULL,
    action TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    message TEXT NOT NULL DEFAULT '',
    results TEXT NOT NULL DEFAULT '{}',
    log TEXT NOT NULL DEFAULT '[]',
    created INTEGER NOT NULL,
    finished INTEGER
  );
  CREATE TABLE logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    entity TEXT NOT NULL,
    level TEXT NOT NULL,
    module TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE TABLE hooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit TEXT NOT NULL,
    hook TEXT NOT NULL,
    started INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    outcome TEXT NOT NULL
  );
  CREATE INDEX hooks_unit ON hooks(unit);
  `,
];
