/**
 * `tsops status` output: juju's tabular sections and columns
 * (reference/juju-model.md §3.1), or the ModelStatusView as JSON or YAML.
 */
import YAML from 'yaml';
import type { AppStatusView, ModelStatusView, UnitStatusView } from '../../controller/api/status.js';
import { describeModelState } from '../../controller/api/status-style.js';
import { paint, paintStatus } from './color.js';
import { renderTable } from './table.js';

// Shared with the dashboard, which says the same things in the same colours.
export { describeModelState, plural } from '../../controller/api/status-style.js';

/** Options of the tabular format. */
export interface StatusFormatOptions {
  /** Add the Integration section. */
  relations: boolean;
  /** Paint status values with ANSI colours. */
  color: boolean;
}

/** Number after the slash of a unit name, for natural ordering (`app/10` after `app/9`). */
function unitNumber(name: string): number {
  const m = /\/(\d+)$/.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

function byUnitName(a: UnitStatusView, b: UnitStatusView): number {
  const appA = a.name.split('/')[0] ?? '';
  const appB = b.name.split('/')[0] ?? '';
  return appA === appB ? unitNumber(a.name) - unitNumber(b.name) : appA.localeCompare(appB);
}

/** Principal units in order, each followed by its subordinates. */
function sortedUnits(units: Record<string, UnitStatusView>): UnitStatusView[] {
  return Object.values(units).sort(byUnitName);
}

/** Every unit of `app`: its own principal units, or, for a subordinate, those nested in other apps' units. */
function unitsOf(app: AppStatusView, status: ModelStatusView): UnitStatusView[] {
  if (!app.subordinate) return Object.values(app.units);
  const found: UnitStatusView[] = [];
  for (const other of Object.values(status.applications))
    for (const unit of Object.values(other.units))
      for (const sub of Object.values(unit.subordinates))
        if (sub.name.split('/')[0] === app.name) found.push(sub);
  return found;
}

/** `14:05:23Z` as juju shows it; the input as is when it is not a date. */
export function shortTime(timestamp: string): string {
  const d = new Date(timestamp);
  return Number.isNaN(d.getTime()) ? timestamp : `${d.toISOString().slice(11, 19)}Z`;
}

function headerSection(status: ModelStatusView, color: boolean): string {
  const { state, text } = describeModelState(status.model);
  return renderTable(
    ['Model', 'Substrate', 'Status', 'Timestamp'],
    [
      [
        status.model.name,
        status.model.substrate,
        paintStatus(state, color, text),
        shortTime(status.model.timestamp),
      ],
    ],
  );
}

/** `N` when every wanted unit is up (agent idle or executing), else `current/desired`. */
function scaleCell(app: AppStatusView, status: ModelStatusView, color: boolean): string {
  const units = unitsOf(app, status);
  const up = units.filter((u) => u.agent === 'idle' || u.agent === 'executing').length;
  if (up === app.scale && units.length === app.scale) return String(app.scale);
  return paint(`${up}/${app.scale}`, color, 'yellow');
}

function appSection(status: ModelStatusView, apps: AppStatusView[], color: boolean): string {
  const rows = apps.map((app) => [
    app.name,
    app.version,
    paintStatus(app.status, color),
    scaleCell(app, status, color),
    app.charm,
    app.message,
  ]);
  return renderTable(['App', 'Version', 'Status', 'Scale', 'Charm', 'Message'], rows);
}

/** The Message column: `(<hook>) <message>` while the agent runs a hook or action. */
export function unitMessage(unit: UnitStatusView): string {
  if (unit.agent === 'executing' && unit.activity) return `(${unit.activity}) ${unit.message}`.trimEnd();
  return unit.message;
}

function unitRow(unit: UnitStatusView, indent: string, color: boolean): string[] {
  return [
    `${indent}${unit.name}${unit.leader ? '*' : ''}`,
    paintStatus(unit.workload, color),
    paintStatus(unit.agent, color),
    unit.machine,
    unit.address,
    unit.ports.join(','),
    unitMessage(unit),
  ];
}

function unitSection(apps: AppStatusView[], color: boolean): string | undefined {
  const rows: string[][] = [];
  for (const app of apps) {
    for (const unit of sortedUnits(app.units)) {
      rows.push(unitRow(unit, '', color));
      for (const sub of sortedUnits(unit.subordinates)) rows.push(unitRow(sub, '  ', color));
    }
  }
  if (rows.length === 0) return undefined;
  return renderTable(['Unit', 'Workload', 'Agent', 'Machine', 'Address', 'Ports', 'Message'], rows);
}

function relationSection(status: ModelStatusView): string | undefined {
  if (status.relations.length === 0) return undefined;
  const rows = [...status.relations]
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.requirer.localeCompare(b.requirer))
    .map((r) => [r.provider, r.requirer, r.interface, r.type]);
  return renderTable(['Integration provider', 'Requirer', 'Interface', 'Type'], rows);
}

/** The message shown under the header of a model with no applications. */
export function emptyModelMessage(model: string): string {
  return `Model "${model}" is empty. Deploy something with 'tsops deploy <bundle.yaml|charm>'.`;
}

/** juju-like tabular status: header, App, Unit and (with `relations`) Integration sections. */
export function formatStatusTabular(status: ModelStatusView, opts: StatusFormatOptions): string {
  const sections: string[] = [headerSection(status, opts.color)];
  const apps = Object.values(status.applications).sort((a, b) => a.name.localeCompare(b.name));
  if (apps.length === 0) {
    sections.push(emptyModelMessage(status.model.name));
  } else {
    sections.push(appSection(status, apps, opts.color));
    const units = unitSection(apps, opts.color);
    if (units) sections.push(units);
    const relations = opts.relations ? relationSection(status) : undefined;
    if (relations) sections.push(relations);
  }
  return `${sections.join('\n\n')}\n`;
}

/** The ModelStatusView as indented JSON. */
export function formatStatusJson(status: ModelStatusView): string {
  return `${JSON.stringify(status, null, 2)}\n`;
}

/** The ModelStatusView as YAML. */
export function formatStatusYaml(status: ModelStatusView): string {
  return YAML.stringify(status);
}
