/** Network bindings: the addresses a unit should bind to and advertise. */
import type { NetworkInfo, NetworkInterface } from '../backend.js';
import { ModelError, RelationNotFoundError } from '../errors.js';
import type { Model } from './model.js';

export class Network {
  constructor(private readonly info: NetworkInfo) {}

  get interfaces(): readonly NetworkInterface[] {
    return this.info.bindAddresses;
  }

  /** The first address of the first interface: what to bind a server to. */
  get bindAddress(): string | undefined {
    return this.info.bindAddresses[0]?.addresses[0]?.value;
  }

  /** The address other units should use to reach this one. */
  get ingressAddress(): string | undefined {
    return this.info.ingressAddresses[0];
  }

  get ingressAddresses(): readonly string[] {
    return this.info.ingressAddresses;
  }

  get egressSubnets(): readonly string[] {
    return this.info.egressSubnets;
  }
}

export class Binding {
  private networkCache: Network | undefined;

  constructor(
    private readonly model: Model,
    /** An endpoint or extra-binding name. */
    readonly name: string,
    private readonly relationId?: number,
  ) {}

  get network(): Network {
    if (!this.networkCache) {
      let info: NetworkInfo;
      try {
        info = this.model.backend.networkGet(this.name, this.relationId);
      } catch (e) {
        // A relation that is going away: fall back to the endpoint's binding, as ops does.
        if (!(e instanceof RelationNotFoundError) || this.relationId === undefined) throw e;
        info = this.model.backend.networkGet(this.name);
      }
      this.networkCache = new Network(info);
    }
    return this.networkCache;
  }
}

/** Check that `name` is an endpoint or extra binding of the charm. */
export function checkBindingName(model: Model, name: string): void {
  if (name in model.meta.endpoints || model.meta.extraBindings.includes(name)) return;
  const known = [...Object.keys(model.meta.endpoints), ...model.meta.extraBindings].join(', ') || 'none';
  throw new ModelError(`'${name}' is not an endpoint or extra binding in charm.yaml (known: ${known})`);
}
