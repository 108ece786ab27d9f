/**
 * Secrets in a test State, as ops.testing models them: the content this unit
 * tracks, the latest content, who owns it, labels and grants.
 */
import type { SecretRotatePolicy } from '../ops/backend.js';
import { deepFreeze, frozenBag } from './internal.js';

/** Who owns a secret, from this unit's point of view: this app, this unit, or someone else (null). */
export type SecretOwnerKind = 'app' | 'unit' | null;

/** A secret visible to the unit under test. */
export interface Secret {
  /** `secret:<id>`; auto-generated when not given. */
  readonly id: string;
  readonly owner: SecretOwnerKind;
  /** Content of the revision this unit tracks. */
  readonly trackedContent: Readonly<Record<string, string>>;
  /** Content of the newest revision (equals trackedContent when not given). */
  readonly latestContent: Readonly<Record<string, string>>;
  readonly trackedRevision: number;
  readonly latestRevision: number;
  /** Owner's label for owned secrets, this unit's consumer label otherwise. */
  readonly label: string | undefined;
  readonly description: string | undefined;
  /** Grants by relation id: the app or unit names the secret is granted to. */
  readonly remoteGrants: Readonly<Record<number, readonly string[]>>;
  readonly expire: Date | undefined;
  readonly rotate: SecretRotatePolicy | undefined;
}

/** What `Secret()` takes; only `trackedContent` is required. */
export interface SecretInit {
  id?: string;
  owner?: SecretOwnerKind;
  trackedContent: Readonly<Record<string, string>>;
  latestContent?: Readonly<Record<string, string>>;
  /** Default 1. */
  trackedRevision?: number;
  /** Default trackedRevision, or one more when latestContent differs. */
  latestRevision?: number;
  label?: string;
  description?: string;
  remoteGrants?: Readonly<Record<number, readonly string[]>>;
  expire?: Date;
  rotate?: SecretRotatePolicy;
}

let secretCounter = 0;

/** A new secret id in Juju's form: `secret:` and 20 base32hex characters. */
export function newSecretId(): string {
  secretCounter++;
  return `secret:t${secretCounter.toString(32).padStart(19, '0')}`;
}

function sameContent(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/**
 * A secret: `Secret({ owner: 'app', trackedContent: { password: 'hunter2' }, label: 'db' })`.
 * `owner: null` (the default) is a secret owned by another application and shared with this one.
 */
export function Secret(init: SecretInit): Secret {
  const what = `Secret ${init.id ?? init.label ?? ''}`.trim();
  const trackedContent = frozenBag(init.trackedContent, `${what} trackedContent`);
  const latestContent = frozenBag(init.latestContent ?? trackedContent, `${what} latestContent`);
  const trackedRevision = init.trackedRevision ?? 1;
  const latestRevision =
    init.latestRevision ??
    (sameContent(trackedContent, latestContent) ? trackedRevision : trackedRevision + 1);
  if (latestRevision < trackedRevision) {
    throw new RangeError(
      `${what}: latestRevision ${latestRevision} is below trackedRevision ${trackedRevision}`,
    );
  }
  const grants: Record<number, readonly string[]> = {};
  for (const [rel, names] of Object.entries(init.remoteGrants ?? {}))
    grants[Number(rel)] = [...new Set(names)].sort();
  return deepFreeze({
    id: init.id ?? newSecretId(),
    owner: init.owner ?? null,
    trackedContent,
    latestContent,
    trackedRevision,
    latestRevision,
    label: init.label,
    description: init.description,
    remoteGrants: grants,
    expire: init.expire === undefined ? undefined : new Date(init.expire.getTime()),
    rotate: init.rotate,
  });
}

/** The id without its `secret:` or `secret://<model>/` prefix, to compare ids in either form. */
export function secretUniqueId(id: string): string {
  return id.replace(/^secret:(\/\/[^/]+\/)?/, '');
}
