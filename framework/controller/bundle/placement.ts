/**
 * `to:` placement directives (reference/juju-model.md §1.4): Juju's grammar
 * `(<container>:)?(<unit>|<machine>|new)`, checked against the bundle's
 * applications and machines and expanded to one directive per unit.
 */
import type { Problems } from './errors.js';
import type { MergedBundle } from './merge.js';
import { APP_NAME } from './schema.js';
import { below, report } from './source.js';
import type { AppSpec, ContainerType, Placement } from './types.js';

const PLACEMENT = new RegExp(`^(?:([a-z]+):)?(?:(${APP_NAME})(?:/([0-9]+))?|([0-9]+))$`);
const CONTAINERS: readonly ContainerType[] = ['lxd', 'kvm'];
const GRAMMAR = "new, a machine id, <app> or <app>/<unit>, optionally prefixed 'lxd:' or 'kvm:'";

/** Parses one directive; undefined if it does not fit Juju's grammar or names an unknown container type. */
export function parsePlacement(text: string): Placement | undefined {
  const m = PLACEMENT.exec(text);
  if (!m) return undefined;
  const [, prefix, app, unit, machine] = m;
  if (prefix === undefined && app !== undefined && unit === undefined && CONTAINERS.some((c) => c === app)) {
    // A bare `lxd` is a container on a new machine.
    return { container: app === 'kvm' ? 'kvm' : 'lxd', kind: 'new' };
  }
  const container = prefix === undefined ? undefined : CONTAINERS.find((c) => c === prefix);
  if (prefix !== undefined && !container) return undefined;
  const c = container ? { container } : {};
  if (machine !== undefined) return { ...c, kind: 'machine', machine };
  if (app === 'new' && unit === undefined) return { ...c, kind: 'new' };
  if (app === undefined) return undefined;
  return unit === undefined ? { ...c, kind: 'app', app } : { ...c, kind: 'app', app, unit: Number(unit) };
}

/** Writes a directive back as text. */
export function showPlacement(p: Placement): string {
  const body =
    p.kind === 'new'
      ? 'new'
      : p.kind === 'machine'
        ? p.machine
        : p.unit === undefined
          ? p.app
          : `${p.app}/${p.unit}`;
  return p.container ? `${p.container}:${body}` : body;
}

/**
 * Checks every `to:` and fills each AppSpec's `to` with one directive per
 * unit (the last repeats; none means `new`; a bare application name takes
 * that application's units in order, then new machines). Returns the machine
 * ids some directive uses.
 */
export function placeUnits(
  merged: MergedBundle,
  apps: Record<string, AppSpec>,
  problems: Problems,
): Set<string> {
  const used = new Set<string>();
  for (const mergedApp of merged.apps.values()) {
    // An application whose charm did not resolve is still checked: its machines count as used.
    const spec = apps[mergedApp.name];
    if (spec?.subordinate) continue;
    const numUnits = spec?.numUnits ?? mergedApp.numUnits?.value ?? 0;
    const field = mergedApp.to;
    const raw = field?.value ?? [];
    if (field && raw.length > numUnits) {
      report(
        problems,
        field.origin,
        'key',
        `${raw.length} placements for ${numUnits} unit${numUnits === 1 ? '' : 's'}; expected at most num_units entries`,
      );
    }
    const parsed: Placement[] = [];
    raw.forEach((entry, i) => {
      const origin = below(field?.origin ?? mergedApp.origin, String(i));
      const text = String(entry);
      const p = parsePlacement(text);
      const why = p
        ? placementProblem(p, mergedApp.name, merged, apps)
        : `expected a placement (${GRAMMAR}), got "${text}"`;
      if (why) report(problems, origin, 'value', why);
      else if (p) {
        parsed.push(p);
        if (p.kind === 'machine') used.add(p.machine);
      }
    });
    if (!spec || parsed.length !== raw.length) continue;
    const next = new Map<string, number>();
    spec.to = Array.from({ length: numUnits }, (_, i) => {
      const p = parsed[Math.min(i, parsed.length - 1)] ?? { kind: 'new' };
      if (p.kind !== 'app' || p.unit !== undefined) return showPlacement(p);
      const unit = next.get(p.app) ?? 0;
      next.set(p.app, unit + 1);
      const target = apps[p.app]?.numUnits ?? merged.apps.get(p.app)?.numUnits?.value ?? 0;
      return showPlacement(
        unit < target ? { ...p, unit } : { ...(p.container ? { container: p.container } : {}), kind: 'new' },
      );
    });
  }
  return used;
}

/** Why a parsed directive cannot be placed, or undefined. */
function placementProblem(
  p: Placement,
  self: string,
  merged: MergedBundle,
  apps: Record<string, AppSpec>,
): string | undefined {
  if (p.kind === 'machine') {
    if (merged.machines.has(p.machine)) return undefined;
    const ids = [...merged.machines.keys()];
    return `machine '${p.machine}' is not declared under machines: (${ids.length ? `declared: ${ids.join(', ')}` : 'none declared'})`;
  }
  if (p.kind === 'new') return undefined;
  const target = merged.apps.get(p.app);
  if (!target) {
    return `application '${p.app}' is not in the bundle (applications: ${[...merged.apps.keys()].join(', ')})`;
  }
  if (p.app === self) return `application '${self}' cannot be placed on its own units`;
  if (apps[p.app]?.subordinate)
    return `application '${p.app}' is a subordinate: it has no units of its own to place on`;
  const count = apps[p.app]?.numUnits ?? target.numUnits?.value ?? 0;
  if (p.unit !== undefined && p.unit >= count) {
    return `unit ${p.app}/${p.unit} is not in the bundle: ${p.app} has ${count} unit${count === 1 ? '' : 's'} (num_units)`;
  }
  return undefined;
}
