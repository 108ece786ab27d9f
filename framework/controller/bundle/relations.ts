/**
 * Bundle relations (reference/juju-model.md §1.5): each side `app` or
 * `app:endpoint`; a missing endpoint is inferred from both charms' metadata
 * (a provides and a requires with the same interface, exactly one pair);
 * then Juju's checks: apps exist, no self-relation, provider↔requirer, same
 * interface, no duplicates, endpoint limits, container scope needs a subordinate.
 */
import type { EndpointMeta } from '../../ops/meta/types.js';
import type { Problems } from './errors.js';
import { nameHint } from './hint.js';
import type { MergedBundle } from './merge.js';
import { RELATION_SIDE } from './schema.js';
import { below, report } from './source.js';
import type { Origin } from './source.js';
import type { AppSpec, RelationSpec } from './types.js';

/** Every charm provides juju-info implicitly (reference/juju-model.md §2.2). */
const JUJU_INFO: EndpointMeta = {
  name: 'juju-info',
  role: 'provides',
  interface: 'juju-info',
  optional: true,
  scope: 'global',
};

interface Side {
  app: AppSpec;
  endpoint?: string;
  origin: Origin;
}

function endpointsOf(app: AppSpec): EndpointMeta[] {
  const declared = Object.values(app.meta.endpoints);
  return Object.hasOwn(app.meta.endpoints, JUJU_INFO.name) ? declared : [...declared, JUJU_INFO];
}

const show = (app: string, ep: EndpointMeta): string => `${app}:${ep.name}`;

/** Checks and resolves every relation; the result puts the provider first. */
export function checkRelations(
  merged: MergedBundle,
  apps: Record<string, AppSpec>,
  problems: Problems,
): RelationSpec[] {
  const out: RelationSpec[] = [];
  const seen = new Set<string>();
  const uses = new Map<string, number>();
  for (const { value: pair, origin } of merged.relations) {
    const sides: Side[] = [];
    pair.forEach((text, i) => {
      const at = below(origin, String(i));
      const m = RELATION_SIDE.exec(text);
      const name = m?.[1] ?? text;
      const app = apps[name];
      if (!merged.apps.has(name)) {
        report(
          problems,
          at,
          'value',
          `application '${name}' is not in the bundle (applications: ${[...merged.apps.keys()].join(', ')})`,
        );
      } else if (app) {
        sides.push({ app, ...(m?.[2] ? { endpoint: m[2] } : {}), origin: at });
      }
    });
    const [x, y] = sides;
    // A missing or unresolved application was reported already (or its charm was).
    if (!x || !y || sides.length !== 2) continue;
    if (x.app.name === y.app.name) {
      report(
        problems,
        origin,
        'value',
        `relates '${x.app.name}' to itself; expected two different applications (peer relations are automatic)`,
      );
      continue;
    }
    const chosen = choose(x, y, origin, problems);
    if (!chosen) continue;
    const [a, b] = chosen;
    const [pa, pb] = a.ep.role === 'provides' ? [a, b] : [b, a];
    const rel: RelationSpec = {
      a: { app: pa.app.name, endpoint: pa.ep.name },
      b: { app: pb.app.name, endpoint: pb.ep.name },
      interface: pa.ep.interface,
      scope: pa.ep.scope === 'container' || pb.ep.scope === 'container' ? 'container' : 'global',
    };
    const key = `${rel.a.app}:${rel.a.endpoint} ${rel.b.app}:${rel.b.endpoint}`;
    if (seen.has(key)) {
      report(problems, origin, 'value', `duplicate relation ${key} (each relation may appear once)`);
      continue;
    }
    if (rel.scope === 'container' && !pa.app.subordinate && !pb.app.subordinate) {
      report(
        problems,
        origin,
        'value',
        `container-scoped relation ${key} needs a subordinate application on one side; both are principals`,
      );
      continue;
    }
    seen.add(key);
    let overLimit = false;
    for (const { app, ep } of [pa, pb]) {
      const id = `${app.name}:${ep.name}`;
      const n = (uses.get(id) ?? 0) + 1;
      uses.set(id, n);
      if (ep.limit !== undefined && n > ep.limit && !overLimit) {
        overLimit = true;
        report(
          problems,
          origin,
          'value',
          `endpoint ${id} accepts at most ${ep.limit} relation${ep.limit === 1 ? '' : 's'} (its limit); this is relation ${n}`,
        );
      }
    }
    if (!overLimit) out.push(rel);
  }
  return out;
}

/** The one endpoint pair the sides can mean, or undefined after reporting why not. */
function choose(
  x: Side,
  y: Side,
  origin: Origin,
  problems: Problems,
): [{ app: AppSpec; ep: EndpointMeta }, { app: AppSpec; ep: EndpointMeta }] | undefined {
  const named = (s: Side): EndpointMeta[] | undefined => {
    const all = endpointsOf(s.app);
    if (s.endpoint === undefined) return all.filter((e) => e.role !== 'peers');
    const ep = all.find((e) => e.name === s.endpoint);
    if (!ep) {
      const names = all.filter((e) => e.role !== 'peers').map((e) => e.name);
      report(
        problems,
        s.origin,
        'value',
        `charm '${s.app.meta.name}' of application '${s.app.name}' has no endpoint '${s.endpoint}' ${nameHint(s.endpoint, names)}`,
      );
      return undefined;
    }
    if (ep.role === 'peers') {
      report(
        problems,
        s.origin,
        'value',
        `'${s.endpoint}' is a peer endpoint of '${s.app.name}'; peers relate automatically and are never listed in relations`,
      );
      return undefined;
    }
    return [ep];
  };
  const xs = named(x);
  const ys = named(y);
  if (!xs || !ys) return undefined;
  const pairs: Array<[EndpointMeta, EndpointMeta]> = [];
  for (const ex of xs) {
    for (const ey of ys) {
      if (ex.role !== ey.role && ex.interface === ey.interface) pairs.push([ex, ey]);
    }
  }
  // Juju drops the implicit juju-info pairs when they make inference ambiguous.
  if (pairs.length > 1) {
    const explicit = pairs.filter(([a, b]) => a !== JUJU_INFO && b !== JUJU_INFO);
    if (explicit.length) pairs.splice(0, pairs.length, ...explicit);
  }
  const [only] = pairs;
  if (only && pairs.length === 1)
    return [
      { app: x.app, ep: only[0] },
      { app: y.app, ep: only[1] },
    ];
  const between = `${x.app.name} and ${y.app.name}`;
  const [ex] = xs;
  const [ey] = ys;
  if (x.endpoint !== undefined && y.endpoint !== undefined && ex && ey) {
    const sides = `${show(x.app.name, ex)} (${ex.role} ${ex.interface}) and ${show(y.app.name, ey)} (${ey.role} ${ey.interface})`;
    const want =
      ex.role === ey.role
        ? 'expected one side that provides and one that requires'
        : 'expected the same interface on both sides';
    report(problems, origin, 'value', `cannot relate ${sides}: ${want}`);
  } else if (pairs.length === 0) {
    report(
      problems,
      origin,
      'value',
      `cannot infer endpoint between ${between}: no matching endpoints (expected one to provide and the other to require the same interface)`,
    );
  } else {
    const list = pairs.map(([a, b]) => `"${show(x.app.name, a)} ${show(y.app.name, b)}"`).join(', ');
    report(
      problems,
      origin,
      'value',
      `cannot infer endpoint between ${between}: candidates ${list}; name the endpoints to choose one`,
    );
  }
  return undefined;
}
