/**
 * Opening a model's SQLite database (better-sqlite3, WAL) and bringing its schema
 * up to date. A database newer than this code is refused rather than guessed at.
 */
import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema.js';

export type Db = Database.Database;

/** Open (creating if needed) the store at `path` and migrate it to the current schema. */
export function openDb(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // The controller commits each hook in one transaction; NORMAL is durable across
  // process crashes in WAL mode (only an OS crash can lose the last commits).
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = OFF');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    throw new Error(
      `model store schema v${current} is newer than this tsops (v${MIGRATIONS.length}); upgrade tsops`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const sql = MIGRATIONS[v] ?? '';
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** One model setting read without opening the store for writing (to decide how to open it). */
export function peekModelKey(path: string, key: string): string | undefined {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const row: unknown = db.prepare('SELECT value FROM model WHERE key = ?').get(key);
    return typeof row === 'object' && row !== null && 'value' in row && typeof row.value === 'string'
      ? row.value
      : undefined;
  } finally {
    db.close();
  }
}
