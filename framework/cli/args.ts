/**
 * Pure parsing of command arguments (unit-tested without a controller):
 * `k=v` pairs, action params, config arguments, deploy targets, numbers.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import YAML from 'yaml';
import { CliError } from './errors.js';

/** Split `key=value` at the first `=` (values may hold more `=`). */
export function splitKeyValue(arg: string): [string, string] {
  const at = arg.indexOf('=');
  if (at <= 0) throw new CliError(`expected key=value, got '${arg}'`);
  return [arg.slice(0, at), arg.slice(at + 1)];
}

/** `k=v` pairs as a record; a later key wins, as in juju. */
export function parseKeyValues(args: string[]): Record<string, string> {
  return Object.fromEntries(args.map(splitKeyValue));
}

/**
 * A value as a YAML scalar: `1` → 1, `true` → true, `null` → null, `1.5` → 1.5.
 * Anything that is not a plain scalar (a map, a list, invalid YAML) and the
 * empty string stay text, so `msg=a: b` keeps its colon.
 */
export function parseScalar(text: string): unknown {
  if (text.trim() === '') return text;
  const doc = YAML.parseDocument(text, { logLevel: 'silent' });
  if (doc.errors.length > 0) return text;
  const value: unknown = doc.toJS();
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  return text;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const PARAM_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Action params from `k=v` arguments: `a.b=1` nests (`{a: {b: 1}}`); values are
 * YAML scalars unless `stringArgs`. A key cannot be both a value and a group.
 */
export function parseRunParams(args: string[], opts: { stringArgs: boolean }): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const arg of args) {
    const [key, raw] = splitKeyValue(arg);
    const path = key.split('.');
    for (const part of path)
      if (!PARAM_KEY.test(part) || part === '__proto__')
        throw new CliError(`bad parameter name '${key}': use letters, digits, '-' and '_', with '.' to nest`);
    let node = params;
    for (const part of path.slice(0, -1)) {
      const next = node[part] ?? {};
      if (!isRecord(next)) throw new CliError(`parameter '${part}' is given both as a value and as a group`);
      node[part] = next;
      node = next;
    }
    const last = path[path.length - 1] ?? key;
    if (isRecord(node[last]))
      throw new CliError(`parameter '${key}' is given both as a value and as a group`);
    node[last] = opts.stringArgs ? raw : parseScalar(raw);
  }
  return params;
}

/** What `tsops config <app> [args...]` was asked to do. */
export type ConfigRequest =
  { kind: 'show' } | { kind: 'get'; key: string } | { kind: 'set'; values: Record<string, string> };

/** No arguments: show all; one bare key: get it; `k=v ...`: set them. */
export function parseConfigArgs(args: string[]): ConfigRequest {
  if (args.length === 0) return { kind: 'show' };
  const bare = args.filter((a) => !a.includes('='));
  if (bare.length === 0) return { kind: 'set', values: parseKeyValues(args) };
  if (args.length === 1 && bare[0] !== undefined) return { kind: 'get', key: bare[0] };
  throw new CliError(`give either one key to read or key=value pairs to set, not '${args.join(' ')}'`);
}

/** What `tsops deploy <arg>` deploys. */
export type DeployTarget = { kind: 'bundle'; path: string } | { kind: 'charm'; ref: string };

/** Does a charm reference name a folder rather than a charm under charms/? */
function looksLikePath(ref: string, cwd: string): boolean {
  return ref.startsWith('.') || ref.includes('/') || isAbsolute(ref) || existsSync(resolve(cwd, ref));
}

/**
 * A path ending .yaml/.yml is a bundle (sent as an absolute path, since the
 * controller has its own working directory); anything else is a charm: a
 * folder (made absolute) or a name under charms/ (sent as is).
 */
export function classifyDeployTarget(arg: string, cwd: string): DeployTarget {
  if (/\.ya?ml$/i.test(arg)) return { kind: 'bundle', path: resolve(cwd, arg) };
  return { kind: 'charm', ref: looksLikePath(arg, cwd) ? resolve(cwd, arg) : arg };
}

/** Comma-separated and repeated option values as one list (`--to 0,1 --to 2`). */
export function parseList(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Commander collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Commander parser for a whole number in [min, max]. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

/** Commander parser for a duration in seconds: `30`, `1.5`, `30s`, `5m`. */
export function seconds(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected seconds, like 30, 30s or 5m');
  const unit = m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1;
  return Number(m[1]) * unit;
}
