/**
 * The `lustre` interface: lustre-server (the MGS side) PROVIDES it, lustre-client
 * REQUIRES it.
 *
 * - server app bag: `endpoint`, a URI as filesystem_info's LustreInfo writes it:
 *   `lustre://(192.168.227.11%40tcp1,192.168.227.12%40tcp1)/?fs-name=lustre`
 *   (the MGS NIDs, `@` percent-encoded; the filesystem name).
 * - client unit bag: `mounted` and `mountpoint`.
 *
 *   formatLustreEndpoint({ mgsNids: ['10.0.0.1@tcp'], fsName: 'scratch' })
 *   // → 'lustre://(10.0.0.1%40tcp)/?fs-name=scratch'
 */
import { z } from 'zod';
import { ObjectEvents, type CharmBase, type Relation, type Unit } from '../framework/ops/index.js';
import { parsedString } from './common.js';
import { InterfaceEvent, dataEvent } from './events.js';
import { RelationInterface } from './interface.js';

export const INTERFACE = 'lustre';
export const VERSION = 1;

/** An LNet NID: `<address>@<network>`, e.g. `192.168.1.2@tcp`, `10.1.0.7@o2ib1`, `0@lo`. */
export const NidSchema = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?@[a-z][a-z0-9]*$/, {
  error: 'must be an LNet NID such as 192.168.1.2@tcp',
});

/** A Lustre filesystem name: 1-8 letters, digits, `_` or `-`. */
export const FsNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,8}$/, { error: 'must be 1-8 letters, digits, _ or -' });

/** What a `lustre://` endpoint says: the MGS NIDs (failover partners, in order) and the filesystem. */
export const LustreEndpointSchema = z.object({
  mgsNids: z.array(NidSchema).min(1),
  fsName: FsNameSchema,
});
export type LustreEndpoint = z.infer<typeof LustreEndpointSchema>;

/** A `lustre://` text that parseLustreEndpoint refuses; the message says why. */
export class LustreEndpointError extends Error {
  override name = 'LustreEndpointError';
}

/** `{mgsNids, fsName}` → `lustre://(nid%40net,…)/?fs-name=<name>`; throws LustreEndpointError for bad parts. */
export function formatLustreEndpoint(endpoint: LustreEndpoint): string {
  const r = LustreEndpointSchema.safeParse(endpoint);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new LustreEndpointError(`bad Lustre endpoint: ${i?.path.join('.')}: ${i?.message}`);
  }
  const nids = r.data.mgsNids.map((n) => n.replace('@', '%40')).join(',');
  return `lustre://(${nids})/?fs-name=${r.data.fsName}`;
}

/** Parse a `lustre://` endpoint strictly (the exact shape formatLustreEndpoint writes). */
export function parseLustreEndpoint(text: string): LustreEndpoint {
  const fail = (why: string): never => {
    throw new LustreEndpointError(`'${text}' is not a lustre:// endpoint: ${why}`);
  };
  if (!text.startsWith('lustre://')) fail('it must start with lustre://');
  const m = /^lustre:\/\/\(([^()]*)\)\/\?(.*)$/.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined)
    return fail('expected lustre://(<nid>,…)/?fs-name=<name>');
  if (m[1] === '') fail('it names no MGS NID');
  const mgsNids = m[1].split(',').map((item) => {
    if (item.includes('@')) fail(`'@' in '${item}' must be percent-encoded as %40`);
    const parts = item.split(/%40/i);
    if (parts.length !== 2) fail(`'${item}' must be <address>%40<network>`);
    const nid = parts.join('@');
    if (!NidSchema.safeParse(nid).success) fail(`'${nid}' is not an LNet NID such as 192.168.1.2@tcp`);
    return nid;
  });
  if (new Set(mgsNids).size !== mgsNids.length) fail('it names an MGS NID twice');
  const query = /^fs-name=(.*)$/.exec(m[2]);
  if (!query || query[1] === undefined) return fail('the query must be exactly fs-name=<name>');
  if (!FsNameSchema.safeParse(query[1]).success)
    fail(`fs-name '${query[1]}' must be 1-8 letters, digits, _ or -`);
  return { mgsNids, fsName: query[1] };
}

/** What `mount -t lustre` takes: `10.0.0.1@tcp:10.0.0.2@tcp:/scratch` (failover MGS NIDs joined by `:`). */
export function lustreMountSource(endpoint: LustreEndpoint): string {
  return `${endpoint.mgsNids.join(':')}:/${endpoint.fsName}`;
}

/** An `endpoint` databag value: a lustre:// text that parses. */
const EndpointTextSchema = parsedString(parseLustreEndpoint);

/** The server's application databag. */
export const LustreServerAppSchema = z.object({ endpoint: EndpointTextSchema });
export type LustreServerAppData = z.infer<typeof LustreServerAppSchema>;

/** A client unit's databag. */
export const LustreClientUnitSchema = z.object({
  mounted: z.boolean(),
  mountpoint: z
    .string()
    .regex(/^\/(?:[A-Za-z0-9_.-]+\/?)*$/, { error: 'must be an absolute path without spaces' }),
});
export type LustreClientUnitData = z.infer<typeof LustreClientUnitSchema>;

/** The server published (or changed) its endpoint: `event.endpoint` (parsed). */
export class EndpointReadyEvent extends dataEvent(LustreEndpointSchema) {
  get endpoint(): LustreEndpoint {
    return this.data;
  }
}
/** The relation to the server is gone: unmount. */
export class EndpointGoneEvent extends InterfaceEvent {}
/** A client unit reported its mount (`event.mount`), or departed (`event.mount === null`). */
export class ClientMountChangedEvent extends dataEvent(LustreClientUnitSchema.nullable()) {
  get mount(): LustreClientUnitData | null {
    return this.data;
  }
}

/** LustreRequirer's events: `this.lustre.on.endpointReady`, `.endpointGone`. */
export class LustreRequirerEvents extends ObjectEvents {
  readonly endpointReady = this.define('endpoint_ready', EndpointReadyEvent);
  readonly endpointGone = this.define('endpoint_gone', EndpointGoneEvent);
}

/** LustreProvider's events: `this.lustre.on.clientMountChanged`. */
export class LustreProviderEvents extends ObjectEvents {
  readonly clientMountChanged = this.define('client_mount_changed', ClientMountChangedEvent);
}

/** lustre-client's side: `new LustreRequirer(this, 'lustre')`; observe `.on.endpointReady`. */
export class LustreRequirer extends RelationInterface {
  readonly on = new LustreRequirerEvents(this);

  constructor(charm: CharmBase, endpoint = 'lustre') {
    super(charm, endpoint, { name: INTERFACE, version: VERSION });
    this.watchRemoteApp({
      schema: LustreServerAppSchema,
      ready: {
        emit: (origin, data) => this.on.endpointReady.emit(origin, parseLustreEndpoint(data.endpoint)),
      },
      gone: this.on.endpointGone,
    });
  }

  /** The filesystem the server's endpoint names (first relation with valid data). */
  filesystem(): LustreEndpoint | undefined {
    const found = this.firstRemoteApp(LustreServerAppSchema);
    return found && parseLustreEndpoint(found.data.endpoint);
  }

  /** Any unit: report whether (and where) this unit has the filesystem mounted. */
  publishMount(mount: LustreClientUnitData, relation?: Relation): void {
    for (const r of this.targets(relation)) this.saveLocal(r, 'unit', LustreClientUnitSchema, mount);
  }
}

/** lustre-server's (MGS) side: `new LustreProvider(this, 'lustre')`; observe `.on.clientMountChanged`. */
export class LustreProvider extends RelationInterface {
  readonly on = new LustreProviderEvents(this);

  constructor(charm: CharmBase, endpoint = 'lustre') {
    super(charm, endpoint, { name: INTERFACE, version: VERSION });
    this.watchRemoteUnits({ schema: LustreClientUnitSchema, changed: this.on.clientMountChanged });
  }

  /** Client units that reported a valid mount state, on every relation. */
  clients(): Array<{ relation: Relation; unit: Unit; mount: LustreClientUnitData }> {
    const out: Array<{ relation: Relation; unit: Unit; mount: LustreClientUnitData }> = [];
    for (const relation of this.relations) {
      for (const unit of relation.units) {
        const mount = this.loadRemote(relation, unit, LustreClientUnitSchema);
        if (mount) out.push({ relation, unit, mount });
      }
    }
    return out;
  }

  /** Leader only (false elsewhere): publish the endpoint clients mount. */
  publishEndpoint(endpoint: LustreEndpoint, relation?: Relation): boolean {
    return this.publishApp(LustreServerAppSchema, { endpoint: formatLustreEndpoint(endpoint) }, relation);
  }
}
