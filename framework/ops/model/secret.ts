/**
 * Juju secrets. Content is fetched lazily and cached for the dispatch; every value
 * seen is handed to the log redactor. Content keys follow Juju's rule
 * (`^[a-z](-?[a-z0-9]){2,}$`) and values are strings.
 */
import type { SecretInfo, SecretRotatePolicy } from '../backend.js';
import { ModelError } from '../errors.js';
import { canonicalSecretId, checkSecretContent } from '../secret-content.js';
import type { Model } from './model.js';
import type { Relation } from './relation.js';
import type { Unit } from './unit.js';

export interface SecretInit {
  id?: string;
  label?: string;
  content?: Record<string, string>;
}

export class Secret {
  private idValue: string | undefined;
  private labelValue: string | undefined;
  private content: Record<string, string> | undefined;

  constructor(
    private readonly model: Model,
    init: SecretInit,
  ) {
    this.idValue = init.id === undefined ? undefined : canonicalSecretId(init.id);
    this.labelValue = init.label;
    this.content = init.content;
  }

  /** `secret:…`, or undefined for a secret known only by label until it is needed. */
  get id(): string | undefined {
    return this.idValue;
  }

  get label(): string | undefined {
    return this.labelValue;
  }

  /** The id without the `secret:` prefix or model part. */
  get uniqueIdentifier(): string | undefined {
    return this.idValue
      ?.split('/')
      .pop()
      ?.replace(/^secret:/, '');
  }

  /** Content of the tracked revision; `refresh` moves tracking to the latest revision first. */
  getContent(options: { refresh?: boolean } = {}): Record<string, string> {
    if (this.content === undefined || options.refresh) {
      this.content = this.fetch({ refresh: options.refresh });
    }
    return { ...this.content };
  }

  /** Content of the latest revision without moving tracking. */
  peekContent(): Record<string, string> {
    return this.fetch({ peek: true });
  }

  /** Metadata (owners only). */
  getInfo(): SecretInfo {
    const info = this.model.backend.secretInfoGet(
      this.idValue ? { id: this.idValue } : { label: this.labelValue },
    );
    this.idValue ??= canonicalSecretId(info.id);
    return info;
  }

  /** Store new content as a new revision (owners only; the leader for application secrets). */
  setContent(content: Record<string, string>): void {
    checkSecretContent(content);
    this.model.backend.secretSet(this.requireId(), { content });
    this.model.redactor.add(Object.values(content));
    this.content = undefined;
  }

  /** Change the label, description, expiry or rotation policy (owners only). */
  setInfo(info: { label?: string; description?: string; expire?: Date; rotate?: SecretRotatePolicy }): void {
    if (Object.values(info).every((v) => v === undefined)) {
      throw new ModelError('setInfo needs at least one of label, description, expire, rotate');
    }
    this.model.backend.secretSet(this.requireId(), info);
    if (info.label !== undefined) this.labelValue = info.label;
  }

  /** Let the remote application of `relation` (or one of its units) read this secret. */
  grant(relation: Relation, unit?: Unit): void {
    this.model.backend.secretGrant(this.requireId(), relation.id, unit?.name);
  }

  revoke(relation: Relation, unit?: Unit): void {
    this.model.backend.secretRevoke(this.requireId(), relation.id, unit?.name);
  }

  /** Remove one revision (e.g. in secret-remove once no consumer tracks it). */
  removeRevision(revision: number): void {
    if (!Number.isInteger(revision) || revision < 1) throw new ModelError(`bad secret revision ${revision}`);
    this.model.backend.secretRemove(this.requireId(), revision);
  }

  /** Remove the secret entirely. */
  removeAllRevisions(): void {
    this.model.backend.secretRemove(this.requireId());
  }

  private fetch(options: { refresh?: boolean; peek?: boolean }): Record<string, string> {
    const content = this.model.backend.secretGet({ id: this.idValue, label: this.labelValue, ...options });
    this.model.redactor.add(Object.values(content));
    return content;
  }

  private requireId(): string {
    this.idValue ??= canonicalSecretId(this.model.backend.secretInfoGet({ label: this.labelValue }).id);
    return this.idValue;
  }

  toString(): string {
    return `Secret(${this.idValue ?? `label=${this.labelValue}`})`;
  }
}
