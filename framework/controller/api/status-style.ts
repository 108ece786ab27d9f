/**
 * How status values look, shared by `tsops status` (ANSI) and the dashboard (CSS):
 * one table, so both paint `blocked` red and `waiting` yellow, as juju does.
 * This module imports nothing: the dashboard serves it to the browser as is
 * (compiled from TypeScript by dashboard/assets.ts), so keep it free of Node.
 */

/** The colours a status can have. */
export type StatusColor = 'green' | 'red' | 'yellow' | 'grey';

/** A status value's colour, and whether it is also bold (only `error`). */
export interface StatusStyle {
  color: StatusColor;
  bold: boolean;
}

const COLORS: Readonly<Record<string, StatusColor>> = {
  active: 'green',
  idle: 'green',
  settled: 'green',
  blocked: 'red',
  lost: 'red',
  error: 'red',
  maintenance: 'yellow',
  waiting: 'yellow',
  allocating: 'yellow',
  rebooting: 'yellow',
  busy: 'yellow',
  unknown: 'grey',
  terminated: 'grey',
};

/** The style of a workload, agent or model status value; undefined for values shown plain (`executing`). */
export function statusStyle(status: string): StatusStyle | undefined {
  const color = Object.hasOwn(COLORS, status) ? COLORS[status] : undefined;
  return color === undefined ? undefined : { color, bold: status === 'error' };
}

/** Every status value that has a style, for tests and legends. */
export function styledStatuses(): string[] {
  return Object.keys(COLORS);
}

/** `n thing` or `n things`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The model fields that say whether it is settled. */
export interface ModelStateInput {
  settled: boolean;
  pendingHooks: number;
  errors: ReadonlyArray<unknown>;
}

/** `busy (3 hooks pending)`, `settled`, or `error (1 unit in error)`. */
export function describeModelState(model: ModelStateInput): { state: string; text: string } {
  if (model.settled) return { state: 'settled', text: 'settled' };
  const parts: string[] = [];
  if (model.pendingHooks > 0) parts.push(`${plural(model.pendingHooks, 'hook')} pending`);
  if (model.errors.length > 0) parts.push(`${plural(model.errors.length, 'unit')} in error`);
  const state = model.pendingHooks === 0 && model.errors.length > 0 ? 'error' : 'busy';
  return { state, text: parts.length > 0 ? `${state} (${parts.join(', ')})` : state };
}
