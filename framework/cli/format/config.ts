/** `tsops config <app>` output. */
import type { ConfigOptionView } from '../../controller/api/methods.js';
import { renderTable } from './table.js';

/** Longest value shown in the table; `tsops config <app> <key>` prints it whole. */
const MAX_CELL = 50;

/** A config value as `tsops config <app> <key>` prints it: plain text, nothing for unset. */
export function formatConfigValue(value: ConfigOptionView['value']): string {
  return value === null ? '' : String(value);
}

function cell(value: ConfigOptionView['value']): string {
  const text = formatConfigValue(value).replace(/\n/g, '\\n');
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 3)}...` : text;
}

/** Every option of an application: Name, Value, Source, Default, Type, sorted by name. */
export function formatConfigTable(options: ConfigOptionView[], app: string): string {
  if (options.length === 0) return `Application '${app}' has no config options.\n`;
  const rows = [...options]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((o) => [o.name, cell(o.value), o.source, cell(o.default), o.type]);
  return `${renderTable(['Name', 'Value', 'Source', 'Default', 'Type'], rows)}\n`;
}
