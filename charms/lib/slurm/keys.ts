/**
 * Checks for `Key=Value …` text that operators put in config options (slurm-conf-parameters,
 * partition-config): Slurm's own pair syntax on one line, stricter where Slurm's leniency
 * would silently change what lands in slurm.conf.
 */
import { ParameterLineError } from './errors.js';
import { readLogical, scanPair } from './lexer.js';
import { encodeValue, isSlurmSpace } from './values.js';

/** One key and its value (quotes removed, `\` escapes resolved). */
export interface ParameterPair {
  readonly key: string;
  readonly value: string;
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Parses `Key=Value Key2="v w"` into ordered pairs. Refuses newlines, NUL, comments,
 * continuations, keys that are not identifiers, operators other than `=`, missing values
 * (`Key= Other=1` would make Slurm read `Other=1` as Key's value), stray or unbalanced quotes
 * and repeated keys; each error names the key or the position.
 */
export function parseParameterLine(text: string): ParameterPair[] {
  const bad = /[\r\n\0]/.exec(text);
  if (bad) {
    const what = bad[0] === '\0' ? 'a NUL byte' : 'a line break';
    throw new ParameterLineError(
      `${what} at position ${bad.index}: parameters must be on one line`,
      undefined,
      bad.index,
    );
  }
  let backslashes = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '#' && backslashes % 2 === 0) {
      throw new ParameterLineError(
        `"#" at position ${i} would start a comment; write \\# for a literal #`,
        undefined,
        i,
      );
    }
    backslashes = ch === '\\' ? backslashes + 1 : 0;
  }
  const trailing = /\\+(?=[ \t\v\f]*$)/.exec(text);
  if (trailing && trailing[0].length % 2 === 1) {
    const at = trailing.index + trailing[0].length - 1;
    throw new ParameterLineError(`a trailing "\\" at position ${at} would continue the line`, undefined, at);
  }
  const logical = readLogical(text, 0);
  const line = logical.text;
  const position = (i: number): number => logical.from[i] ?? text.length;
  const pairs: ParameterPair[] = [];
  const seen = new Set<string>();
  let at = 0;
  for (;;) {
    while (isSlurmSpace(line[at])) at++;
    if (at >= line.length) return pairs;
    const pair = scanPair(line, at);
    if (!pair) throw diagnose(line, at, position(at));
    const { key, op, value } = pair;
    const where = position(pair.keyStart);
    if (!IDENTIFIER.test(key)) {
      throw new ParameterLineError(`key "${key}" at position ${where} is not an identifier`, key, where);
    }
    if (op !== '=') {
      throw new ParameterLineError(`${key}${op}: only "=" is allowed (at position ${where})`, key, where);
    }
    if (pair.valueStart !== pair.opEnd) {
      throw new ParameterLineError(
        `${key} has no value right after "=" (write ${key}="" for an empty one)`,
        key,
        where,
      );
    }
    if (!pair.quoted && value.includes('"')) {
      const rest = line.slice(pair.valueStart);
      const unbalanced = (rest.match(/"/g) ?? []).length % 2 === 1;
      const problem = unbalanced ? 'an unbalanced quote' : 'a quote inside it';
      throw new ParameterLineError(
        `the value of ${key} has ${problem}; quote the whole value: ${key}="…"`,
        key,
        where,
      );
    }
    if (seen.has(key.toLowerCase())) {
      throw new ParameterLineError(`${key} is given twice (at position ${where})`, key, where);
    }
    seen.add(key.toLowerCase());
    pairs.push({ key, value });
    at = pair.valueEnd;
  }
}

function diagnose(line: string, at: number, where: number): ParameterLineError {
  const word = /^[^ \t\v\f]*/.exec(line.slice(at))?.[0] ?? '';
  const eq = word.indexOf('=');
  if (eq < 0)
    return new ParameterLineError(
      `expected Key=Value at position ${where}, found "${word}"`,
      undefined,
      where,
    );
  const key = word.slice(0, eq).replace(/[-+*/]$/, '');
  if (!IDENTIFIER.test(key)) {
    return new ParameterLineError(
      `key "${key}" at position ${where} is not an identifier`,
      key || undefined,
      where,
    );
  }
  return new ParameterLineError(`${key} has no value (write ${key}="" for an empty one)`, key, where);
}

/** Writes pairs back as one `Key=Value` line, quoting and escaping values as Slurm needs. */
export function formatParameterLine(pairs: Iterable<ParameterPair>): string {
  return Array.from(pairs, ({ key, value }) => `${key}=${encodeValue(value, key)}`).join(' ');
}

/** True when `key` is one of `managed`, compared as Slurm compares keys (case-insensitive). */
export function isManagedKey(key: string, managed: readonly string[]): boolean {
  const lower = key.toLowerCase();
  return managed.some((m) => m.toLowerCase() === lower);
}

/** The keys of `pairs` that are managed, as the operator spelled them. */
export function managedKeysIn(pairs: Iterable<ParameterPair>, managed: readonly string[]): string[] {
  return Array.from(pairs, (p) => p.key).filter((key) => isManagedKey(key, managed));
}
