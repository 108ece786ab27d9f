/**
 * The secrets half of TestingBackend: a working copy of the State's secrets that
 * the charm changes during a run, with Juju's rules (reference/juju-contract.md §9):
 * unit-owned secrets are managed by the owner unit, app-owned ones by the leader
 * (other units may only view them); content keys `^[a-z](-?[a-z0-9]){2,}$`, string values.
 */
import type {
  SecretAddOptions,
  SecretGetOptions,
  SecretInfo,
  SecretRotatePolicy,
  SecretSetOptions,
} from '../ops/backend.js';
import { ModelError, SecretNotFoundError } from '../ops/errors.js';
import { checkSecretContent } from '../ops/secret-content.js';
import { Secret, newSecretId, secretUniqueId, type SecretOwnerKind } from './state-secret.js';

/** A secret as the backend changes it. */
interface SecretRecord {
  id: string;
  owner: SecretOwnerKind;
  trackedContent: Record<string, string>;
  latestContent: Record<string, string>;
  trackedRevision: number;
  latestRevision: number;
  label: string | undefined;
  description: string | undefined;
  remoteGrants: Map<number, Set<string>>;
  expire: Date | undefined;
  rotate: SecretRotatePolicy | undefined;
  /** Revisions removed in this run. */
  removedRevisions: number[];
}

/** What the secrets half needs of the rest of the backend. */
export interface SecretsHost {
  isLeader(): boolean;
  /** Remote app name and remote unit names of a relation; throws RelationNotFoundError. */
  relationParties(relationId: number): { app: string; units: string[] };
}

/** A removed secret revision (side channel `ctx.removedSecretRevisions`). */
export interface RemovedSecretRevision {
  id: string;
  /** Absent when the whole secret was removed. */
  revision?: number;
}

const ROTATE = new Set<string>(['never', 'hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly']);

function sameContent(a: Record<string, string>, b: Record<string, string>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** Secrets as the charm changes them in one run: `new SecretsModel(state.secrets, host).add({ key: 'v' }, { owner: 'unit' })`. */
export class SecretsModel {
  private readonly secrets: SecretRecord[];
  private readonly removed: RemovedSecretRevision[] = [];

  constructor(
    input: readonly Secret[],
    private readonly host: SecretsHost,
  ) {
    this.secrets = input.map((s) => ({
      id: s.id,
      owner: s.owner,
      trackedContent: { ...s.trackedContent },
      latestContent: { ...s.latestContent },
      trackedRevision: s.trackedRevision,
      latestRevision: s.latestRevision,
      label: s.label,
      description: s.description,
      remoteGrants: new Map(
        Object.entries(s.remoteGrants).map(([rel, names]) => [Number(rel), new Set(names)]),
      ),
      expire: s.expire === undefined ? undefined : new Date(s.expire.getTime()),
      rotate: s.rotate,
      removedRevisions: [],
    }));
  }

  add(content: Record<string, string>, options: SecretAddOptions): string {
    checkSecretContent(content);
    if (options.owner === 'application' && !this.host.isLeader()) {
      throw new ModelError('permission denied: only the leader can add a secret owned by the application');
    }
    if (options.label !== undefined) this.checkLabelFree(options.label, undefined);
    if (options.rotate !== undefined) checkRotate(options.rotate);
    const id = newSecretId();
    this.secrets.push({
      id,
      owner: options.owner === 'application' ? 'app' : 'unit',
      trackedContent: { ...content },
      latestContent: { ...content },
      trackedRevision: 1,
      latestRevision: 1,
      label: options.label,
      description: options.description,
      remoteGrants: new Map(),
      expire: options.expire === undefined ? undefined : new Date(options.expire.getTime()),
      rotate: options.rotate,
      removedRevisions: [],
    });
    return id;
  }

  get(options: SecretGetOptions): Record<string, string> {
    if (options.refresh && options.peek)
      throw new ModelError('secret-get: --refresh and --peek cannot be used together');
    const s = this.find(options.id, options.label);
    // With both an id and a label Juju attaches the label (how consumers name a secret).
    if (options.id !== undefined && options.label !== undefined && s.label !== options.label) {
      if (s.owner !== null) this.checkLabelFree(options.label, s);
      s.label = options.label;
    }
    if (options.refresh) {
      s.trackedRevision = s.latestRevision;
      s.trackedContent = { ...s.latestContent };
    }
    return { ...(options.refresh || options.peek ? s.latestContent : s.trackedContent) };
  }

  info(query: { id?: string; label?: string }): SecretInfo {
    if (query.id !== undefined && query.label !== undefined)
      throw new ModelError('secret-info-get takes an id or a label, not both');
    const s = this.managed(this.find(query.id, query.label), 'read the metadata of');
    const info: SecretInfo = { id: s.id, revision: s.latestRevision };
    if (s.label !== undefined) info.label = s.label;
    if (s.description !== undefined) info.description = s.description;
    if (s.expire !== undefined) info.expires = new Date(s.expire.getTime());
    if (s.rotate !== undefined) info.rotation = s.rotate;
    return info;
  }

  set(id: string, options: SecretSetOptions): void {
    const s = this.managed(this.find(id, undefined), 'update');
    if (options.content !== undefined) {
      checkSecretContent(options.content);
      // Juju ≥ 3.6 makes no new revision for identical content.
      if (!sameContent(options.content, s.latestContent)) {
        s.latestRevision++;
        s.latestContent = { ...options.content };
      }
    }
    if (options.label !== undefined) {
      this.checkLabelFree(options.label, s);
      s.label = options.label;
    }
    if (options.description !== undefined) s.description = options.description;
    if (options.expire !== undefined) s.expire = new Date(options.expire.getTime());
    if (options.rotate !== undefined) {
      checkRotate(options.rotate);
      s.rotate = options.rotate;
    }
  }

  grant(id: string, relationId: number, unit?: string): void {
    const s = this.managed(this.find(id, undefined), 'grant');
    const grantee = this.grantee(relationId, unit);
    let set = s.remoteGrants.get(relationId);
    if (!set) s.remoteGrants.set(relationId, (set = new Set()));
    set.add(grantee);
  }

  revoke(id: string, relationId: number, unit?: string): void {
    const s = this.managed(this.find(id, undefined), 'revoke');
    const grantee = this.grantee(relationId, unit);
    const set = s.remoteGrants.get(relationId);
    set?.delete(grantee);
    if (set && set.size === 0) s.remoteGrants.delete(relationId);
  }

  remove(id: string, revision?: number): void {
    const s = this.managed(this.find(id, undefined), 'remove');
    if (revision === undefined) {
      this.secrets.splice(this.secrets.indexOf(s), 1);
      this.removed.push({ id: s.id });
      return;
    }
    if (
      !Number.isInteger(revision) ||
      revision < 1 ||
      revision > s.latestRevision ||
      s.removedRevisions.includes(revision)
    ) {
      throw new SecretNotFoundError(
        `secret ${s.id} has no revision ${revision} (latest is ${s.latestRevision})`,
      );
    }
    s.removedRevisions.push(revision);
    this.removed.push({ id: s.id, revision });
  }

  /** Ids of the secrets this unit or its application owns. */
  ids(): string[] {
    return this.secrets.filter((s) => s.owner !== null).map((s) => s.id);
  }

  /** The secrets as they are now, as State secrets. */
  output(): Secret[] {
    return this.secrets.map((s) =>
      Secret({
        id: s.id,
        owner: s.owner,
        trackedContent: s.trackedContent,
        latestContent: s.latestContent,
        trackedRevision: s.trackedRevision,
        latestRevision: s.latestRevision,
        label: s.label,
        description: s.description,
        remoteGrants: Object.fromEntries([...s.remoteGrants].map(([rel, names]) => [rel, [...names]])),
        expire: s.expire,
        rotate: s.rotate,
      }),
    );
  }

  /** Revisions (or whole secrets) removed in this run. */
  removedRevisions(): RemovedSecretRevision[] {
    return this.removed.map((r) => ({ ...r }));
  }

  private find(id: string | undefined, label: string | undefined): SecretRecord {
    if (id === undefined && label === undefined)
      throw new ModelError('a secret is looked up by id or label; neither was given');
    const s =
      id !== undefined
        ? this.secrets.find((x) => secretUniqueId(x.id) === secretUniqueId(id))
        : this.secrets.find((x) => x.label === label);
    if (!s) {
      throw new SecretNotFoundError(
        `secret ${id !== undefined ? id : `with label '${label}'`} not found (is it in State.secrets, and visible to this unit?)`,
      );
    }
    return s;
  }

  /** Owner-only operations: the owner unit, or the leader for app secrets (others may only view). */
  private managed(s: SecretRecord, verb: string): SecretRecord {
    if (s.owner === null) {
      throw new SecretNotFoundError(
        `secret ${s.id} is not owned by this unit or its application, so this unit cannot ${verb} it`,
      );
    }
    if (s.owner === 'app' && !this.host.isLeader()) {
      throw new ModelError(`permission denied: only the leader can ${verb} application secret ${s.id}`);
    }
    return s;
  }

  private checkLabelFree(label: string, self: SecretRecord | undefined): void {
    if (this.secrets.some((x) => x !== self && x.owner !== null && x.label === label)) {
      throw new ModelError(`secret with label '${label}' already exists`);
    }
  }

  private grantee(relationId: number, unit: string | undefined): string {
    const parties = this.host.relationParties(relationId);
    if (unit === undefined) return parties.app;
    if (!parties.units.includes(unit)) {
      throw new ModelError(`cannot grant to unit ${unit}: it is not a remote unit of relation ${relationId}`);
    }
    return unit;
  }
}

function checkRotate(policy: string): void {
  if (!ROTATE.has(policy))
    throw new ModelError(`invalid rotate policy '${policy}': one of ${[...ROTATE].join(', ')}`);
}
