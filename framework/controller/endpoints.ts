/**
 * Matching `app[:endpoint]` pairs to a relation: provides ↔ requires with the same
 * interface (peers are never related by hand), inferred when an endpoint is omitted,
 * with Juju's errors for no match and for ambiguity.
 */
import type { CharmMeta, EndpointMeta } from '../ops/meta/types.js';

export interface EndpointRef {
  app: string;
  endpoint?: string;
}

export interface ResolvedRelation {
  /** The provider side first. */
  provider: { app: string; endpoint: EndpointMeta };
  requirer: { app: string; endpoint: EndpointMeta };
  interface: string;
  scope: 'global' | 'container';
  /** Canonical key: `provider:ep requirer:ep`. */
  key: string;
}

/** Every charm provides juju-info implicitly (reference/juju-model.md §2.2): what a subordinate attaches to. */
const JUJU_INFO: EndpointMeta = {
  name: 'juju-info',
  role: 'provides',
  interface: 'juju-info',
  optional: true,
  scope: 'global',
};

function endpointsOf(meta: CharmMeta): Record<string, EndpointMeta> {
  return Object.hasOwn(meta.endpoints, JUJU_INFO.name)
    ? meta.endpoints
    : { ...meta.endpoints, [JUJU_INFO.name]: JUJU_INFO };
}

export function parseEndpointRef(text: string): EndpointRef {
  const [app, endpoint] = text.split(':');
  if (!app) throw new Error(`'${text}' is not <application>[:<endpoint>]`);
  return endpoint ? { app, endpoint } : { app };
}

/** Candidate endpoint pairs between two charms, narrowed by the names given. */
export function resolveRelation(
  a: EndpointRef,
  aMeta: CharmMeta,
  b: EndpointRef,
  bMeta: CharmMeta,
): ResolvedRelation {
  if (a.app === b.app)
    throw new Error(`cannot relate ${a.app} to itself: peer relations are created automatically`);
  for (const [ref, meta] of [
    [a, aMeta],
    [b, bMeta],
  ] as const) {
    if (ref.endpoint !== undefined) {
      const ep = endpointsOf(meta)[ref.endpoint];
      if (!ep) {
        const known = Object.keys(meta.endpoints).join(', ') || 'none';
        throw new Error(`application '${ref.app}' has no endpoint '${ref.endpoint}' (endpoints: ${known})`);
      }
      if (ep.role === 'peers')
        throw new Error(
          `'${ref.app}:${ref.endpoint}' is a peer endpoint: peer relations are created automatically`,
        );
    }
  }
  let pairs: ResolvedRelation[] = [];
  for (const ea of Object.values(endpointsOf(aMeta))) {
    if (a.endpoint !== undefined && ea.name !== a.endpoint) continue;
    for (const eb of Object.values(endpointsOf(bMeta))) {
      if (b.endpoint !== undefined && eb.name !== b.endpoint) continue;
      if (ea.interface !== eb.interface) continue;
      const roles = `${ea.role}/${eb.role}`;
      if (roles !== 'provides/requires' && roles !== 'requires/provides') continue;
      const [provider, requirer] =
        ea.role === 'provides'
          ? [
              { app: a.app, endpoint: ea },
              { app: b.app, endpoint: eb },
            ]
          : [
              { app: b.app, endpoint: eb },
              { app: a.app, endpoint: ea },
            ];
      pairs.push({
        provider,
        requirer,
        interface: ea.interface,
        scope: ea.scope === 'container' || eb.scope === 'container' ? 'container' : 'global',
        key: `${provider.app}:${provider.endpoint.name} ${requirer.app}:${requirer.endpoint.name}`,
      });
    }
  }
  // As Juju (and the bundle loader): the implicit juju-info pairs drop out when they make inference ambiguous.
  const explicit = pairs.filter(
    (p) => p.provider.endpoint !== JUJU_INFO && p.requirer.endpoint !== JUJU_INFO,
  );
  if (pairs.length > 1 && explicit.length > 0) pairs = explicit;
  const show = (r: EndpointRef) => (r.endpoint ? `${r.app}:${r.endpoint}` : r.app);
  if (pairs.length === 0) {
    throw new Error(
      `no matching endpoints between ${show(a)} and ${show(b)}: a relation needs provides ↔ requires with the same interface`,
    );
  }
  if (pairs.length > 1) {
    const list = pairs
      .map(
        (p) => `${p.provider.app}:${p.provider.endpoint.name} ${p.requirer.app}:${p.requirer.endpoint.name}`,
      )
      .join('; ');
    throw new Error(
      `ambiguous relation between ${show(a)} and ${show(b)}: name the endpoints, one of: ${list}`,
    );
  }
  return pairs[0] as ResolvedRelation;
}
