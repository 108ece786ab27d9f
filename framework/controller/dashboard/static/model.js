/** Reading a ModelStatusView (api/status.ts) the way `tsops status` does. */
import { byUnitName } from './dom.js';

/** Principal units in natural order, each followed by its subordinates. */
export function unitRows(app) {
  const rows = [];
  for (const name of Object.keys(app.units).sort(byUnitName)) {
    const unit = app.units[name];
    rows.push({ unit, sub: false });
    for (const subName of Object.keys(unit.subordinates).sort(byUnitName))
      rows.push({ unit: unit.subordinates[subName], sub: true });
  }
  return rows;
}

/** The units of a subordinate application, found under other applications' units, with their principal. */
export function subordinateUnits(app, status) {
  const found = [];
  for (const other of Object.values(status.applications))
    for (const unit of Object.values(other.units))
      for (const sub of Object.values(unit.subordinates))
        if (sub.name.split('/')[0] === app.name) found.push({ ...sub, principal: unit.name });
  return found.sort((a, b) => byUnitName(a.name, b.name));
}

/** `3` when every wanted unit is up, else `up/wanted`, as `tsops status` shows scale. */
export function scaleText(app, units) {
  const up = units.filter((u) => u.agent === 'idle' || u.agent === 'executing').length;
  return up === app.scale && units.length === app.scale ? String(app.scale) : `${up}/${app.scale}`;
}

/** `(install) installing` while the agent runs a hook, as the CLI's Message column. */
export function unitMessage(unit) {
  if (unit.agent === 'executing' && unit.activity) return `(${unit.activity}) ${unit.message}`.trimEnd();
  return unit.message;
}

/** Every unit name of the model, subordinates included, in natural order. */
export function allUnitNames(status) {
  const names = [];
  for (const app of Object.values(status.applications))
    for (const u of Object.values(app.units)) names.push(u.name, ...Object.keys(u.subordinates));
  return names.sort(byUnitName);
}
