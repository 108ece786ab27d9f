/**
 * The store side of adding and removing units. Each function writes inside the
 * caller's transaction, so an operation's machines, units, leadership and
 * subordinates are committed all together or not at all.
 */
import { ApiError } from './api/protocol.js';
import type { Store } from './store/store.js';

import { addressOf } from '../substrates/address.js';

export { addressOf };

/** Add `count` units of `app`, each on a new machine; returns them with their machines. */
export function insertUnits(
  store: Store,
  app: string,
  count: number,
  placements: readonly string[] = [],
): Array<{ unit: string; machine: string }> {
  const constraints = store.app(app)?.constraints ?? '';
  const targets = placements.map((p) => placementMachine(store, p));
  const created: Array<{ unit: string; machine: string }> = [];
  for (let i = 0; i < count; i++) {
    const machine = targets[i] ?? store.addMachine(constraints);
    const unit = store.addUnit(app, machine, null, addressOf(machine));
    created.push({ unit, machine });
    if (!store.app(app)?.leader) store.updateApp(app, { leader: unit });
    addSubordinatesFor(store, unit);
  }
  return created;
}

/** A principal unit gets one unit of every subordinate related to its application. */
export function addSubordinatesFor(store: Store, principal: string): void {
  const p = store.unit(principal);
  if (!p) return;
  for (const r of store.relationsOf(p.app)) {
    if (r.scope !== 'container' || r.life !== 'alive' || r.peer) continue;
    const subApp = r.app1 === p.app ? r.app2 : r.app1;
    const sub = store.app(subApp);
    if (!sub || !store.meta(sub).subordinate) continue;
    if (store.units(subApp).some((u) => u.principal === principal)) continue;
    const unit = store.addUnit(subApp, p.machine, principal, p.address);
    if (!store.app(subApp)?.leader) store.updateApp(subApp, { leader: unit });
  }
}

/** Mark a unit and its subordinates dying; a leader hands leadership to a living unit. */
export function killUnit(store: Store, name: string): void {
  const u = store.unit(name);
  if (!u || u.life !== 'alive') return;
  store.updateUnit(name, { life: 'dying' });
  for (const s of store.units().filter((x) => x.principal === name)) killUnit(store, s.name);
  const app = store.app(u.app);
  if (app?.leader === name) {
    const next = store.units(u.app).find((x) => x.life === 'alive');
    store.updateApp(u.app, { leader: next?.name ?? null });
  }
}

/**
 * The model machine a placement directive names, or undefined for a new machine:
 * `new`; a machine id (`3`); a unit (`compute/0`: its machine); `lxd:…`/`kvm:…` (no
 * containers on this substrate: a new machine). Unknown targets are refused before
 * anything is written.
 */
export function placementMachine(store: Store, directive: string): string | undefined {
  const d = directive.trim();
  if (d === '' || d === 'new' || /^(lxd|kvm)(:.*)?$/.test(d)) return undefined;
  if (/^\d+$/.test(d)) {
    if (!store.machine(d))
      throw new ApiError(
        'bad-request',
        `--to ${d}: there is no machine ${d} in this model (see 'tsops status')`,
      );
    return d;
  }
  const unit = store.unit(d);
  if (/^[a-z][a-z0-9-]*\/\d+$/.test(d)) {
    if (!unit) throw new ApiError('bad-request', `--to ${d}: there is no unit ${d} in this model`);
    return unit.machine;
  }
  throw new ApiError('bad-request', `--to ${d}: expected new, a machine id, a unit (app/N), or lxd/kvm`);
}
