/** Storage instances declared in charm.yaml (`data/0`), with their mount location. */
import { ModelError } from '../errors.js';
import type { Model } from './model.js';

export class Storage {
  private locationCache: string | undefined;

  constructor(
    private readonly model: Model,
    readonly name: string,
    readonly index: number,
  ) {}

  /** `name/index`, as Juju writes it. */
  get id(): string {
    return `${this.name}/${this.index}`;
  }

  /** Where the storage is mounted (filesystem) or its device (block). */
  get location(): string {
    this.locationCache ??= this.model.backend.storageGet(this.id).location;
    return this.locationCache;
  }
}

export class StorageMapping {
  constructor(private readonly model: Model) {}

  /** Attached instances of a declared storage. */
  list(name: string): Storage[] {
    this.requireDeclared(name);
    return this.model.backend.storageList(name).map((id) => {
      const index = Number(id.split('/')[1]);
      return new Storage(this.model, name, index);
    });
  }

  /** One instance, by name and index. */
  get(name: string, index: number): Storage {
    this.requireDeclared(name);
    return new Storage(this.model, name, index);
  }

  /** Ask Juju for `count` more instances (applied when the hook succeeds). */
  request(name: string, count = 1): void {
    this.requireDeclared(name);
    if (!Number.isInteger(count) || count < 1)
      throw new ModelError(`storage count must be a positive integer, got ${count}`);
    this.model.backend.storageAdd({ [name]: count });
  }

  private requireDeclared(name: string): void {
    if (!(name in this.model.meta.storage)) {
      const declared = Object.keys(this.model.meta.storage).join(', ') || 'none';
      throw new ModelError(`storage '${name}' is not declared in charm.yaml (declared: ${declared})`);
    }
  }
}
