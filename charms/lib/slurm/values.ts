/**
 * Slurm value syntax: booleans (parse_value.c) and writing a value so that Slurm's parser
 * (parse_config.c) reads back exactly that value.
 */
import { SlurmValueError } from './errors.js';

const TRUE_WORDS: readonly string[] = ['yes', 'up', 'true', '1'];
const FALSE_WORDS: readonly string[] = ['no', 'down', 'false', '0'];

/** Reads a Slurm boolean: yes/up/true/1 or no/down/false/0, any letter case, nothing else. */
export function slurmBool(text: string): boolean {
  const word = text.toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new SlurmValueError(`"${text}" is not a Slurm boolean (yes/up/true/1 or no/down/false/0)`);
}

/**
 * Writes a Slurm boolean in the family and letter case of `style`, itself a Slurm boolean
 * (`YES` → `YES`/`NO`, `true` → `true`/`false`, `Up` → `Up`/`Down`); pass the value being
 * replaced to keep a file's own style.
 */
export function formatSlurmBool(value: boolean, style = 'YES'): string {
  const word = style.toLowerCase();
  let family = TRUE_WORDS.indexOf(word);
  if (family < 0) family = FALSE_WORDS.indexOf(word);
  if (family < 0) throw new SlurmValueError(`"${style}" is not a Slurm boolean to take the style from`);
  const out = (value ? TRUE_WORDS : FALSE_WORDS)[family] ?? '';
  if (style === style.toUpperCase()) return out.toUpperCase();
  if (style[0] === style[0]?.toUpperCase()) return out.charAt(0).toUpperCase() + out.slice(1);
  return out;
}

/** Slurm's isspace(): the separators of its key=value regex. */
export function isSlurmSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';
}

/**
 * Encodes a value for a config file: `\` and `#` escaped, double quotes around values with
 * whitespace (or empty). Slurm has no escape for `"` inside quotes, so such values are refused.
 */
export function encodeValue(value: string, what = 'value'): string {
  const bad = /[\n\r\0]/.exec(value);
  if (bad) {
    throw new SlurmValueError(`${what} ${JSON.stringify(value)} contains a newline or NUL at ${bad.index}`);
  }
  const escaped = value.replace(/[\\#]/g, (c) => `\\${c}`);
  const needsQuotes = value === '' || /[ \t\v\f]/.test(value);
  if (needsQuotes) {
    if (value.includes('"')) {
      throw new SlurmValueError(
        `${what} ${JSON.stringify(value)} has both whitespace and '"'; Slurm cannot quote it`,
      );
    }
    return `"${escaped}"`;
  }
  if (value.startsWith('"')) {
    throw new SlurmValueError(
      `${what} ${JSON.stringify(value)} starts with '"', which Slurm reads as a quote`,
    );
  }
  return escaped;
}

/** Encodes a file name for an `Include` line: no whitespace possible, `\` and `#` escaped. */
export function encodeIncludePath(file: string): string {
  if (file === '' || /[\s\0]/.test(file)) {
    throw new SlurmValueError(`include file ${JSON.stringify(file)} is empty or contains whitespace`);
  }
  return file.replace(/[\\#]/g, (c) => `\\${c}`);
}
