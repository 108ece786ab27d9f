/**
 * ANSI colours for status values, as juju paints them. Every function is the
 * identity when colour is off, so callers never branch on it.
 */
import { statusStyle } from '../../controller/api/status-style.js';

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

/** Paint a workload, agent or model status value with its juju colour (the dashboard's too). */
export function paintStatus(status: string, on: boolean, text: string = status): string {
  const style = statusStyle(status);
  if (style === undefined) return paint(text, on);
  return style.bold ? paint(text, on, style.color, 'bold') : paint(text, on, style.color);
}

// Covers the SGR sequences above and the common CSI forms tools emit (built from a
// string: a control character in a regex literal trips no-control-regex).
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');

/** Remove ANSI escape sequences (for width checks and tests). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
