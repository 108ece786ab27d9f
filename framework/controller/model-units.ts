/**
 * The store side of adding and removing units. Each function writes inside the
 * caller's transaction, so an operation's machines, units, leadership and
 * subordinates are committed all together or not at all.
 */
import type { Store } from './store/store.js';

/** A stable private address per sandbox machine. */
export function addressOf(machine: string): string {
  const n = Number(machine);
  return `10.${20 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${(n % 256) + 1}`;
}

/** Add `count` units of `app`, each on a new machine; returns them with their machines. */
export function insertUnits(
  store: Store,
  app: string,
  count: number,
): Array<{ unit: string; machine: string }> {
  const constraints = store.app(app)?.constraints ?? '';
  const created: Array<{ unit: string; machine: string }> = [];
  for (let i = 0; i < count; i++) {
    const machine = store.addMachine(constraints);
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
