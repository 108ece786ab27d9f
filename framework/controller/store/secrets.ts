/** Secrets in the model store: metadata, revisions, grants and consumers' tracked revisions. */
import type { Db } from './db.js';
import type { SecretRow } from './rows.js';
import { parseStringMap } from './json-columns.js';

export class SecretStore {
  constructor(private readonly db: Db) {}

  get(id: string): SecretRow | undefined {
    return this.db.prepare<[string], SecretRow>('SELECT * FROM secrets WHERE id = ?').get(id);
  }

  /** A secret by the label its owner gave it. */
  byOwnerLabel(ownerKind: string, owner: string, label: string): SecretRow | undefined {
    return this.db
      .prepare<[string, string, string], SecretRow>(
        'SELECT * FROM secrets WHERE owner_kind = ? AND owner = ? AND label = ?',
      )
      .get(ownerKind, owner, label);
  }

  /** A secret by the label a consumer unit gave it. */
  byConsumerLabel(unit: string, label: string): string | undefined {
    return this.db
      .prepare<[string, string], { secret: string }>(
        'SELECT secret FROM secret_consumers WHERE unit = ? AND label = ?',
      )
      .get(unit, label)?.secret;
  }

  ownedBy(ownerKind: string, owner: string): SecretRow[] {
    return this.db
      .prepare<[string, string], SecretRow>(
        'SELECT * FROM secrets WHERE owner_kind = ? AND owner = ? ORDER BY id',
      )
      .all(ownerKind, owner);
  }

  all(): SecretRow[] {
    return this.db.prepare<[], SecretRow>('SELECT * FROM secrets ORDER BY id').all();
  }

  content(id: string, revision: number): Record<string, string> | undefined {
    const row = this.db
      .prepare<[string, number], { content: string }>(
        'SELECT content FROM secret_revisions WHERE secret = ? AND revision = ?',
      )
      .get(id, revision);
    return row ? parseStringMap(row.content, `secret ${id} revision ${revision}`) : undefined;
  }

  revisions(id: string): number[] {
    return this.db
      .prepare<[string], { revision: number }>(
        'SELECT revision FROM secret_revisions WHERE secret = ? ORDER BY revision',
      )
      .all(id)
      .map((r) => r.revision);
  }

  add(row: SecretRow, content: Record<string, string>): void {
    this.db
      .prepare(
        'INSERT INTO secrets (id, owner_kind, owner, label, description, rotate, expire, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        row.id,
        row.owner_kind,
        row.owner,
        row.label,
        row.description,
        row.rotate,
        row.expire,
        row.revision,
      );
    this.addRevision(row.id, row.revision, content);
  }

  addRevision(id: string, revision: number, content: Record<string, string>): void {
    this.db
      .prepare('INSERT INTO secret_revisions (secret, revision, content) VALUES (?, ?, ?)')
      .run(id, revision, JSON.stringify(content));
    this.db.prepare('UPDATE secrets SET revision = ? WHERE id = ?').run(revision, id);
  }

  update(
    id: string,
    fields: { label?: string | null; description?: string; rotate?: string | null; expire?: string | null },
  ): void {
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined) this.db.prepare(`UPDATE secrets SET ${k} = ? WHERE id = ?`).run(v, id);
    }
  }

  removeRevision(id: string, revision: number): void {
    this.db.prepare('DELETE FROM secret_revisions WHERE secret = ? AND revision = ?').run(id, revision);
  }

  remove(id: string): void {
    for (const t of ['secret_revisions', 'secret_grants', 'secret_consumers'])
      this.db.prepare(`DELETE FROM ${t} WHERE secret = ?`).run(id);
    this.db.prepare('DELETE FROM secrets WHERE id = ?').run(id);
  }

  grants(id: string): Array<{ relation: number; grantee: string }> {
    return this.db
      .prepare<[string], { relation: number; grantee: string }>(
        'SELECT relation, grantee FROM secret_grants WHERE secret = ?',
      )
      .all(id);
  }

  grant(id: string, relation: number, grantee: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO secret_grants (secret, relation, grantee) VALUES (?, ?, ?)')
      .run(id, relation, grantee);
  }

  revoke(id: string, relation: number, grantee: string): void {
    this.db
      .prepare('DELETE FROM secret_grants WHERE secret = ? AND relation = ? AND grantee = ?')
      .run(id, relation, grantee);
  }

  consumer(id: string, unit: string): { tracked: number; label: string | null } | undefined {
    return this.db
      .prepare<[string, string], { tracked: number; label: string | null }>(
        'SELECT tracked, label FROM secret_consumers WHERE secret = ? AND unit = ?',
      )
      .get(id, unit);
  }

  setConsumer(id: string, unit: string, tracked: number, label: string | null): void {
    this.db
      .prepare(
        `INSERT INTO secret_consumers (secret, unit, tracked, label) VALUES (?, ?, ?, ?)
         ON CONFLICT(secret, unit) DO UPDATE SET tracked = excluded.tracked, label = COALESCE(excluded.label, secret_consumers.label)`,
      )
      .run(id, unit, tracked, label);
  }

  /** Record that `unit` was told (secret-changed) about `revision`. */
  setNotified(id: string, unit: string, revision: number): void {
    this.db
      .prepare('UPDATE secret_consumers SET notified = ? WHERE secret = ? AND unit = ?')
      .run(revision, id, unit);
  }

  /** Secrets `unit` tracks at a revision older than the latest and was not told about yet (secret-changed). */
  outdatedFor(unit: string): Array<{ id: string; label: string | null; latest: number }> {
    return this.db
      .prepare<[string], { id: string; label: string | null; latest: number }>(
        `SELECT c.secret AS id, c.label AS label, s.revision AS latest FROM secret_consumers c
         JOIN secrets s ON s.id = c.secret WHERE c.unit = ? AND c.tracked < s.revision AND c.notified < s.revision`,
      )
      .all(unit);
  }
}
