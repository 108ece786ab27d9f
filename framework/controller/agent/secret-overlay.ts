/**
 * One hook's view of secrets: the store's secrets with this hook's own changes on
 * top. Changes are applied to the store by `flush()` (inside the hook's commit).
 * Rules (juju-contract.md §9): unit-owned secrets are managed by their unit,
 * application-owned ones by the leader (other units of the application may read
 * them); others read a secret only when it was granted to their application or
 * unit, at the revision they track.
 */
import type { SecretAddOptions, SecretGetOptions, SecretInfo, SecretSetOptions } from '../../ops/backend.js';
import { ModelError, SecretNotFoundError } from '../../ops/errors.js';
import { canonicalSecretId, checkSecretContent } from '../../ops/secret-content.js';
import { SecretStore } from '../store/secrets.js';
import type { SecretRow } from '../store/rows.js';
import type { Store } from '../store/store.js';

interface Pending {
  row: SecretRow;
  revisions: Map<number, Record<string, string>>;
  removed: Set<number>;
  grants: Map<string, { relation: number; grantee: string; on: boolean }>;
  deleted: boolean;
  isNew: boolean;
}

export class SecretOverlay {
  private readonly secrets: SecretStore;
  private readonly pending = new Map<string, Pending>();
  private readonly consumers = new Map<string, { tracked: number; label: string | null }>();

  constructor(
    private readonly store: Store,
    private readonly unit: string,
    private readonly isLeader: () => boolean,
  ) {
    this.secrets = new SecretStore(store.db);
  }

  private get app(): string {
    return this.unit.split('/')[0] ?? '';
  }

  private row(id: string): SecretRow | undefined {
    const p = this.pending.get(id);
    if (p) return p.deleted ? undefined : p.row;
    return this.secrets.get(id);
  }

  private latest(id: string): number {
    return this.row(id)?.revision ?? 0;
  }

  private content(id: string, revision: number): Record<string, string> | undefined {
    const p = this.pending.get(id);
    if (p?.revisions.has(revision)) return p.revisions.get(revision);
    if (p?.removed.has(revision)) return undefined;
    return this.secrets.content(id, revision);
  }

  private isOwner(row: SecretRow): boolean {
    return row.owner_kind === 'unit' ? row.owner === this.unit : row.owner === this.app;
  }

  /** Owners manage: the owning unit, or the leader for application secrets. */
  private requireManager(row: SecretRow, verb: string): void {
    const ok =
      row.owner_kind === 'unit' ? row.owner === this.unit : row.owner === this.app && this.isLeader();
    if (!ok)
      throw new ModelError(
        `permission denied: cannot ${verb} secret ${row.id}: only its owner${row.owner_kind === 'application' ? "'s leader" : ''} can`,
      );
  }

  private canRead(row: SecretRow): boolean {
    if (this.isOwner(row)) return true;
    const grants = this.grants(row.id);
    return grants.some((g) => g.grantee === this.app || g.grantee === this.unit);
  }

  private grants(id: string): Array<{ relation: number; grantee: string }> {
    const base = this.secrets.grants(id);
    const p = this.pending.get(id);
    if (!p) return base;
    const out = new Map(base.map((g) => [`${g.relation}|${g.grantee}`, g]));
    for (const [k, g] of p.grants) {
      if (g.on) out.set(k, { relation: g.relation, grantee: g.grantee });
      else out.delete(k);
    }
    return [...out.values()];
  }

  private edit(id: string): Pending {
    let p = this.pending.get(id);
    if (!p) {
      const row = this.secrets.get(id);
      if (!row) throw new SecretNotFoundError(`secret "${id}" not found`);
      p = {
        row: { ...row },
        revisions: new Map(),
        removed: new Set(),
        grants: new Map(),
        deleted: false,
        isNew: false,
      };
      this.pending.set(id, p);
    }
    return p;
  }

  /** Resolve an id or label to a secret this unit may see. */
  private resolve(query: { id?: string; label?: string }): SecretRow {
    let row: SecretRow | undefined;
    if (query.id) row = this.row(canonicalSecretId(query.id));
    else if (query.label) {
      row =
        [...this.pending.values()].find(
          (p) => !p.deleted && p.row.label === query.label && this.isOwner(p.row),
        )?.row ??
        this.secrets.byOwnerLabel('unit', this.unit, query.label) ??
        this.secrets.byOwnerLabel('application', this.app, query.label);
      if (!row) {
        const consumed =
          [...this.consumers.entries()].find(([, c]) => c.label === query.label)?.[0] ??
          this.secrets.byConsumerLabel(this.unit, query.label);
        if (consumed) row = this.row(consumed);
      }
    }
    if (!row || !this.canRead(row))
      throw new SecretNotFoundError(`secret "${query.id ?? query.label ?? ''}" not found`);
    return row;
  }

  add(content: Record<string, string>, options: SecretAddOptions, id: string): string {
    checkSecretContent(content);
    if (options.owner === 'application' && !this.isLeader())
      throw new ModelError('permission denied: only the leader can add an application secret');
    const owner = options.owner === 'application' ? this.app : this.unit;
    const row: SecretRow = {
      id,
      owner_kind: options.owner,
      owner,
      label: options.label ?? null,
      description: options.description ?? '',
      rotate: options.rotate ?? null,
      expire: options.expire?.toISOString() ?? null,
      revision: 1,
    };
    this.pending.set(id, {
      row,
      revisions: new Map([[1, { ...content }]]),
      removed: new Set(),
      grants: new Map(),
      deleted: false,
      isNew: true,
    });
    return id;
  }

  get(options: SecretGetOptions): Record<string, string> {
    const row = this.resolve(options);
    let revision: number;
    if (this.isOwner(row)) revision = row.revision;
    else {
      const current = this.consumers.get(row.id) ?? this.secrets.consumer(row.id, this.unit);
      const tracked = current?.tracked ?? row.revision;
      if (options.peek) revision = row.revision;
      else {
        revision = options.refresh ? row.revision : tracked;
        this.consumers.set(row.id, {
          tracked: revision,
          label: options.id && options.label ? options.label : (current?.label ?? null),
        });
      }
    }
    const content = this.content(row.id, revision);
    if (!content) throw new SecretNotFoundError(`secret "${row.id}" revision ${revision} not found`);
    return { ...content };
  }

  info(query: { id?: string; label?: string }): SecretInfo {
    const row = this.resolve(query);
    if (!this.isOwner(row)) throw new SecretNotFoundError(`secret "${row.id}" not found`);
    const info: SecretInfo = { id: row.id, revision: row.revision };
    if (row.label) info.label = row.label;
    if (row.description) info.description = row.description;
    if (row.expire) info.expires = new Date(row.expire);
    return info;
  }

  set(id: string, options: SecretSetOptions): void {
    const p = this.edit(canonicalSecretId(id));
    this.requireManager(p.row, 'update');
    if (options.content) {
      checkSecretContent(options.content);
      const current = this.content(p.row.id, p.row.revision);
      if (JSON.stringify(current) !== JSON.stringify(options.content)) {
        p.row.revision += 1;
        p.revisions.set(p.row.revision, { ...options.content });
      }
    }
    if (options.label !== undefined) p.row.label = options.label;
    if (options.description !== undefined) p.row.description = options.description;
    if (options.rotate !== undefined) p.row.rotate = options.rotate;
    if (options.expire !== undefined) p.row.expire = options.expire.toISOString();
  }

  grant(id: string, relation: number, grantee: string): void {
    const p = this.edit(canonicalSecretId(id));
    this.requireManager(p.row, 'grant');
    p.grants.set(`${relation}|${grantee}`, { relation, grantee, on: true });
  }

  revoke(id: string, relation: number, grantee: string): void {
    const p = this.edit(canonicalSecretId(id));
    this.requireManager(p.row, 'revoke');
    p.grants.set(`${relation}|${grantee}`, { relation, grantee, on: false });
  }

  remove(id: string, revision?: number): void {
    const p = this.edit(canonicalSecretId(id));
    this.requireManager(p.row, 'remove');
    if (revision === undefined) p.deleted = true;
    else p.removed.add(revision);
  }

  ids(): string[] {
    const ids = new Set(
      [...this.secrets.ownedBy('unit', this.unit), ...this.secrets.ownedBy('application', this.app)].map(
        (r) => r.id,
      ),
    );
    for (const [id, p] of this.pending) {
      if (p.deleted) ids.delete(id);
      else if (this.isOwner(p.row)) ids.add(id);
    }
    return [...ids].sort();
  }

  /** Write this hook's secret changes to the store (inside the hook's commit). */
  flush(): void {
    for (const [id, p] of this.pending) {
      if (p.deleted) {
        if (!p.isNew) this.secrets.remove(id);
        continue;
      }
      if (p.isNew) {
        this.secrets.add({ ...p.row, revision: 1 }, p.revisions.get(1) ?? {});
        for (const [rev, content] of p.revisions) if (rev > 1) this.secrets.addRevision(id, rev, content);
      } else {
        for (const [rev, content] of [...p.revisions].sort(([a], [b]) => a - b))
          this.secrets.addRevision(id, rev, content);
        this.secrets.update(id, {
          label: p.row.label,
          description: p.row.description,
          rotate: p.row.rotate,
          expire: p.row.expire,
        });
      }
      for (const rev of p.removed) this.secrets.removeRevision(id, rev);
      for (const g of p.grants.values()) {
        if (g.on) this.secrets.grant(id, g.relation, g.grantee);
        else this.secrets.revoke(id, g.relation, g.grantee);
      }
    }
    for (const [id, c] of this.consumers) this.secrets.setConsumer(id, this.unit, c.tracked, c.label);
  }
}
