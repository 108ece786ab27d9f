/**
 * Slurm hostlists: `node[1-4,7],gpu-[01-03]` ⇄ names. Follows Slurm's hostlist.c where it
 * matters for config files: hosts are separated by commas or whitespace, a bracket holds a
 * comma-separated list of numbers and `lo-hi` ranges, the width of `lo` is the zero padding,
 * and several brackets in one host (`rack[1-2]-n[1-4]`) form their cartesian product.
 */
import { HostlistError } from './errors.js';

/** The most names one hostlist may expand to; larger expansions are refused. */
export const MAX_HOSTLIST_NAMES = 100_000;

// 15 digits stay exact in a double.
const MAX_DIGITS = 15;

interface Range {
  readonly lo: number;
  readonly hi: number;
  readonly width: number;
}
type Part = string | readonly Range[];

/** Expands a hostlist into host names, in order, duplicates kept (as Slurm does). */
export function expandHostlist(expr: string, limit: number = MAX_HOSTLIST_NAMES): string[] {
  const hosts = parseHostlist(expr, limit);
  const names: string[] = [];
  for (const parts of hosts) expandParts(parts, 0, '', names);
  return names;
}

/** How many names a hostlist expands to, without expanding it. */
export function hostlistCount(expr: string): number {
  return parseHostlist(expr, Number.MAX_SAFE_INTEGER).reduce((sum, parts) => sum + partsCount(parts), 0);
}

/** True when the text is a hostlist expression with at least one bracket range. */
export function isHostlistRange(expr: string): boolean {
  return expr.includes('[');
}

/**
 * The shortest canonical hostlist for a set of names: sorted (natural order), duplicates
 * dropped, runs of numbered names with the same prefix and padding merged: `node[1-4,7]`.
 */
export function compressHostlist(names: Iterable<string>): string {
  const items: Item[] = [];
  for (const name of new Set(names)) items.push(toItem(name));
  items.sort(compareItems);
  const out: string[] = [];
  let i = 0;
  while (i < items.length) {
    const first = items[i];
    if (first === undefined) break;
    if (first.n === undefined) {
      out.push(first.prefix);
      i++;
      continue;
    }
    const ranges: OpenRange[] = [];
    for (; i < items.length; i++) {
      const item = items[i];
      if (item === undefined || item.n === undefined || item.prefix !== first.prefix) break;
      const [min, max] = widthBounds(item.digits);
      const last = ranges[ranges.length - 1];
      if (last && item.n === last.hi + 1 && Math.max(last.minW, min) <= Math.min(last.maxW, max)) {
        last.hi = item.n;
        last.minW = Math.max(last.minW, min);
        last.maxW = Math.min(last.maxW, max);
      } else {
        ranges.push({ lo: item.n, hi: item.n, minW: min, maxW: max });
      }
    }
    const text = ranges.map((r) =>
      r.lo === r.hi ? pad(r.lo, r.minW) : `${pad(r.lo, r.minW)}-${pad(r.hi, r.minW)}`,
    );
    const single = ranges.length === 1 && ranges[0]?.lo === ranges[0]?.hi;
    out.push(single ? `${first.prefix}${text[0]}` : `${first.prefix}[${text.join(',')}]`);
  }
  return out.join(',');
}

function parseHostlist(expr: string, limit: number): Part[][] {
  const hosts = splitHosts(expr).map((token) => parseHost(token, expr));
  const total = hosts.reduce((sum, parts) => sum + partsCount(parts), 0);
  if (total > limit) {
    throw new HostlistError(`hostlist "${clip(expr)}" expands to ${total} names; the limit is ${limit}`);
  }
  return hosts;
}

// Top-level separators are commas and whitespace; commas inside brackets belong to the range list.
function splitHosts(expr: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of expr) {
    if (ch === '[') {
      if (depth > 0) throw new HostlistError(`hostlist "${clip(expr)}": nested "["`);
      depth = 1;
    } else if (ch === ']') {
      if (depth === 0) throw new HostlistError(`hostlist "${clip(expr)}": "]" without "["`);
      depth = 0;
    } else if (depth === 0 && /[\s,]/.test(ch)) {
      if (current) tokens.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (depth > 0) throw new HostlistError(`hostlist "${clip(expr)}": missing "]"`);
  if (current) tokens.push(current);
  return tokens;
}

function parseHost(token: string, expr: string): Part[] {
  const parts: Part[] = [];
  const re = /\[([^\]]*)\]/g;
  let at = 0;
  for (let m = re.exec(token); m; m = re.exec(token)) {
    if (m.index > at) parts.push(token.slice(at, m.index));
    parts.push(parseRanges(m[1] ?? '', expr));
    at = m.index + m[0].length;
  }
  if (at < token.length) parts.push(token.slice(at));
  return parts;
}

function parseRanges(inner: string, expr: string): Range[] {
  if (inner === '') throw new HostlistError(`hostlist "${clip(expr)}": empty "[]"`);
  return inner.split(',').map((item) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    const loText = m?.[1];
    if (!m || loText === undefined) {
      throw new HostlistError(`hostlist "${clip(expr)}": "${item}" is not a number or a lo-hi range`);
    }
    const hiText = m[2] ?? loText;
    if (loText.length > MAX_DIGITS || hiText.length > MAX_DIGITS) {
      throw new HostlistError(`hostlist "${clip(expr)}": "${item}" has more than ${MAX_DIGITS} digits`);
    }
    const lo = Number(loText);
    const hi = Number(hiText);
    if (hi < lo) throw new HostlistError(`hostlist "${clip(expr)}": range "${item}" runs backwards`);
    return { lo, hi, width: loText.length };
  });
}

function partsCount(parts: readonly Part[]): number {
  let count = 1;
  for (const part of parts) {
    if (typeof part !== 'string') count *= part.reduce((sum, r) => sum + (r.hi - r.lo + 1), 0);
  }
  return count;
}

function expandParts(parts: readonly Part[], index: number, prefix: string, out: string[]): void {
  const part = parts[index];
  if (part === undefined) {
    out.push(prefix);
    return;
  }
  if (typeof part === 'string') {
    expandParts(parts, index + 1, prefix + part, out);
    return;
  }
  for (const range of part) {
    for (let n = range.lo; n <= range.hi; n++)
      expandParts(parts, index + 1, prefix + pad(n, range.width), out);
  }
}

interface Item {
  readonly prefix: string;
  readonly n?: number;
  readonly digits: string;
}
interface OpenRange {
  lo: number;
  hi: number;
  minW: number;
  maxW: number;
}

function toItem(name: string): Item {
  if (name === '' || /[\s,[\]]/.test(name)) {
    throw new HostlistError(`"${clip(name)}" is not a host name (empty, or has whitespace, "," "[" or "]")`);
  }
  const m = /^(.*?)(\d+)$/.exec(name);
  const digits = m?.[2];
  if (!m || digits === undefined || digits.length > MAX_DIGITS) return { prefix: name, digits: '' };
  return { prefix: m[1] ?? '', n: Number(digits), digits };
}

// A zero-padded number needs exactly its width; an unpadded one fits any width up to its length.
function widthBounds(digits: string): [number, number] {
  return digits.length > 1 && digits.startsWith('0') ? [digits.length, digits.length] : [1, digits.length];
}

function compareItems(a: Item, b: Item): number {
  const byPrefix = naturalCompare(a.prefix, b.prefix);
  if (byPrefix !== 0) return byPrefix;
  if (a.n === undefined || b.n === undefined) return a.n === undefined ? (b.n === undefined ? 0 : -1) : 1;
  return a.n - b.n || a.digits.length - b.digits.length;
}

/** Compares strings with digit runs ordered by value: `rack2` < `rack10`. */
export function naturalCompare(a: string, b: string): number {
  const ca = a.match(/\d+|\D+/g) ?? [];
  const cb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i] ?? '';
    const y = cb[i] ?? '';
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const nx = x.replace(/^0+(?=\d)/, '');
      const ny = y.replace(/^0+(?=\d)/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
