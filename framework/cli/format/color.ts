/**
 * ANSI colours for status values, as juju paints them. Every function is the
 * identity when colour is off, so callers never branch on it.
 */

const STYLES = {
  green: ['\u001b[32m', '\u001b[39m'],
  red: ['\u001b[31m', '\u001b[39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  grey: ['\u001b[90m', '\u001b[39m'],
  bold: ['\u001b[1m', '\u001b[22m'],
} as const;

/** A named ANSI style. */
export type Style = keyof typeof STYLES;

/** Wrap `text` in the given styles when `on`. */
export function paint(text: string, on: boolean, ...styles: Style[]): string {
  if (!on || text === '') return text;
  return styles.reduce((s, name) => `${STYLES[name][0]}${s}${STYLES[name][1]}`, text);
}

const STATUS_STYLES: Record<string, Style[]> = {
  active: ['green'],
  idle: ['green'],
  settled: ['green'],
  blocked: ['red'],
  lost: ['red'],
  maintenance: ['yellow'],
  waiting: ['yellow'],
  allocating: ['yellow'],
  rebooting: ['yellow'],
  busy: ['yellow'],
  error: ['red', 'bold'],
  unknown: ['grey'],
  terminated: ['grey'],
};

/** Paint a workload, agent or model status value with its juju colour. */
export function paintStatus(status: string, on: boolean, text: string = status): string {
  return paint(text, on, ...(STATUS_STYLES[status] ?? []));
}

// Covers the SGR sequences above and the common CSI forms tools emit (built from a
// string: a control character in a regex literal trips no-control-regex).
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');

/** Remove ANSI escape sequences (for width checks and tests). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
