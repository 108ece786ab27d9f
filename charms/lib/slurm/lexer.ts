/**
 * The line rules of Slurm's parse_config.c, kept lossless: every logical line remembers its
 * raw text, and every character Slurm sees maps back to the raw offsets it came from, so an
 * edit can replace exactly the bytes of one value.
 *
 * Per physical line, as _get_next_line does: strip the comment (a `#` after an even number of
 * backslashes), then an odd number of trailing backslashes (trailing whitespace ignored) joins
 * the next line; then, over the joined line, `\x` becomes `x`.
 */
import { SlurmConfError } from './errors.js';
import { isSlurmSpace } from './values.js';

/** One `key=value` pair; offsets index the raw text of its entry. */
export interface Pair {
  /** The key as written (letter case kept). */
  readonly key: string;
  /** `=`, or `+=`, `-=`, `*=`, `/=` as written. */
  readonly op: string;
  /** The value Slurm reads: quotes removed, escapes resolved. */
  readonly value: string;
  readonly quoted: boolean;
  readonly start: number;
  readonly opStart: number;
  readonly opEnd: number;
  /** Raw offset of the value, opening quote included. */
  readonly valueStart: number;
  /** Raw offset just past the value, closing quote included. */
  readonly end: number;
}

/** `trivia`: blank or comment only; `param`: one top-level key; `record`: NodeName=… and friends. */
export type EntryKind = 'trivia' | 'include' | 'param' | 'record';

/** One logical line: one or more physical lines joined by `\` continuations. */
export interface Entry {
  readonly raw: string;
  readonly kind: EntryKind;
  readonly pairs: readonly Pair[];
  /** The file of an `Include` line, as Slurm reads it (`%c` kept). */
  readonly include?: string;
}

/** What Slurm sees of a logical line, with each character's raw span. */
export interface Logical {
  readonly text: string;
  readonly from: readonly number[];
  readonly to: readonly number[];
  /** Raw offset where the next logical line starts. */
  readonly end: number;
}

/** A pair found in logical text, by logical offsets. */
export interface ScannedPair {
  readonly key: string;
  readonly op: string;
  readonly value: string;
  readonly quoted: boolean;
  readonly keyStart: number;
  readonly opStart: number;
  readonly opEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** Context for error messages and record detection. */
export interface LexContext {
  readonly file: string;
  readonly firstLine: number;
  /** Lower-cased first keys that make a line a record. */
  readonly recordKinds: ReadonlySet<string>;
}

/** Reads the logical line that starts at raw offset `start`. */
export function readLogical(raw: string, start: number): Logical {
  const segments: [number, number][] = [];
  let pos = start;
  while (pos < raw.length) {
    const nl = raw.indexOf('\n', pos);
    const lineEnd = nl === -1 ? raw.length : nl + 1;
    let contentEnd = lineEnd;
    let backslashes = 0;
    for (let i = pos; i < lineEnd; i++) {
      const ch = raw[i];
      if (ch === '#' && backslashes % 2 === 0) {
        contentEnd = i;
        break;
      }
      backslashes = ch === '\\' ? backslashes + 1 : 0;
    }
    let j = contentEnd - 1;
    while (j >= pos && isSlurmSpace(raw[j])) j--;
    let trailing = 0;
    while (j >= pos && raw[j] === '\\') {
      trailing++;
      j--;
    }
    if (trailing % 2 === 1) {
      // Keep the even run before the last backslash; the next physical line follows directly.
      segments.push([pos, j + trailing]);
      pos = lineEnd;
      continue;
    }
    segments.push([pos, contentEnd]);
    pos = lineEnd;
    break;
  }
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  for (const [s, e] of segments) {
    for (let i = s; i < e; i++) {
      if (raw[i] === '\\') {
        // A lone backslash at the very end is dropped, as _strip_escapes does.
        if (i + 1 >= e) break;
        text += raw[i + 1];
        from.push(i);
        to.push(i + 2);
        i++;
      } else {
        text += raw[i];
        from.push(i);
        to.push(i + 1);
      }
    }
  }
  return { text, from, to, end: pos };
}

/** Slurm's key=value regex at `pos`: optional space, key, optional space, op, space, value. */
export function scanPair(text: string, pos: number): ScannedPair | undefined {
  let i = pos;
  while (isSlurmSpace(text[i])) i++;
  const keyStart = i;
  while (i < text.length && /[A-Za-z0-9_.]/.test(text[i] ?? '')) i++;
  if (i === keyStart) return undefined;
  const key = text.slice(keyStart, i);
  while (isSlurmSpace(text[i])) i++;
  const opStart = i;
  if ('+-*/'.includes(text[i] ?? '=') && text[i + 1] === '=') i += 2;
  else if (text[i] === '=') i++;
  else return undefined;
  const opEnd = i;
  while (isSlurmSpace(text[i])) i++;
  const valueStart = i;
  if (i >= text.length) return undefined;
  const op = text.slice(opStart, opEnd);
  if (text[i] === '"') {
    const close = text.indexOf('"', i + 1);
    if (close !== -1 && (close + 1 === text.length || isSlurmSpace(text[close + 1]))) {
      const value = text.slice(i + 1, close);
      return { key, op, value, quoted: true, keyStart, opStart, opEnd, valueStart, valueEnd: close + 1 };
    }
  }
  while (i < text.length && !isSlurmSpace(text[i])) i++;
  const value = text.slice(valueStart, i);
  return { key, op, value, quoted: false, keyStart, opStart, opEnd, valueStart, valueEnd: i };
}

/** Splits text into entries, one per logical line; throws SlurmConfError where Slurm would. */
export function lexText(text: string, ctx: LexContext): Entry[] {
  const entries: Entry[] = [];
  let pos = 0;
  let line = ctx.firstLine;
  while (pos < text.length) {
    const end = readLogical(text, pos).end;
    const raw = text.slice(pos, end);
    entries.push(lexEntry(raw, ctx.file, line, ctx.recordKinds));
    line += countNewlines(raw);
    pos = end;
  }
  return entries;
}

/** Counts the physical line breaks in a raw text. */
export function countNewlines(raw: string): number {
  let n = 0;
  for (let i = raw.indexOf('\n'); i !== -1; i = raw.indexOf('\n', i + 1)) n++;
  return n;
}

function lexEntry(raw: string, file: string, line: number, kinds: ReadonlySet<string>): Entry {
  const fail = (detail: string): never => {
    throw new SlurmConfError(file, line, detail);
  };
  const nul = raw.indexOf('\0');
  if (nul !== -1) fail('NUL byte in the line');
  const logical = readLogical(raw, 0);
  const text = logical.text;
  if (isBlank(text)) return { raw, kind: 'trivia', pairs: [] };
  // Like _parse_include_directive: "include" at the very start, then whitespace.
  if (/^include[ \t\n\r\v\f]/i.test(text)) {
    let i = 7;
    while (isSlurmSpace(text[i])) i++;
    const start = i;
    while (i < text.length && !isSlurmSpace(text[i])) i++;
    if (i === start) fail('expected a file name after "Include"');
    const include = text.slice(start, i);
    if (!isBlank(text.slice(i))) {
      fail(`expected end of line after "Include ${include}", found "${found(text.slice(i))}"`);
    }
    return { raw, kind: 'include', pairs: [], include };
  }
  const first = scanPair(text, 0);
  if (!first) return fail(`expected Key=Value, found "${found(text)}"`);
  const scanned = [first];
  const record = kinds.has(first.key.toLowerCase());
  let at = first.valueEnd;
  if (record) {
    for (let next = scanPair(text, at); next; next = scanPair(text, at)) {
      scanned.push(next);
      at = next.valueEnd;
    }
  }
  if (!isBlank(text.slice(at))) {
    const rest = found(text.slice(at));
    fail(
      record
        ? `expected Key=Value, found "${rest}"`
        : `expected end of line after "${first.key}${first.op}${text.slice(first.valueStart, first.valueEnd)}", ` +
            `found "${rest}" (only records such as NodeName= take several keys on one line)`,
    );
  }
  const pairs = scanned.map((p): Pair => {
    const rawAt = (i: number): number => logical.from[i] ?? raw.length;
    const rawEnd = (i: number): number => logical.to[i - 1] ?? raw.length;
    return {
      key: p.key,
      op: p.op,
      value: p.value,
      quoted: p.quoted,
      start: rawAt(p.keyStart),
      opStart: rawAt(p.opStart),
      opEnd: rawEnd(p.opEnd),
      valueStart: rawAt(p.valueStart),
      end: rawEnd(p.valueEnd),
    };
  });
  return { raw, kind: record ? 'record' : 'param', pairs };
}

function isBlank(text: string): boolean {
  for (const ch of text) if (!isSlurmSpace(ch)) return false;
  return true;
}

function found(text: string): string {
  const t = text.trim();
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}
