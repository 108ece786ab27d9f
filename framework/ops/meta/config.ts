/**
 * Config values against their declared types (reference/juju-model.md §2.4,
 * juju-contract.md §7.3): values from the backend, and `key=value` text from
 * the CLI. No dependencies, so dispatch can import it cheaply.
 */
import { ConfigError } from '../errors.js';
import type { CharmMeta, ConfigOptionMeta, ConfigOptionType, ConfigValue } from './types.js';

const ARTICLE: Record<ConfigOptionType, string> = {
  string: 'a string',
  int: 'an int',
  float: 'a float',
  boolean: 'a boolean',
  secret: 'a secret',
};

/** Juju secret ids: `secret:<id>` or `secret://<model-uuid>/<id>` (Juju checks the scheme). */
const SECRET_ID = /^secret:(\/\/[^/\s]+\/)?[^\s/]+$/;
const INT_TEXT = /^[+-]?[0-9]+$/;
const FLOAT_TEXT = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
// Go's strconv.ParseBool, which Juju uses to coerce CLI text.
const TRUE_TEXT = new Set(['1', 't', 'T', 'true', 'True', 'TRUE']);
const FALSE_TEXT = new Set(['0', 'f', 'F', 'false', 'False', 'FALSE']);

/** "an int", "a boolean", ...: the option type with its article, for messages. */
export function configTypeName(type: ConfigOptionType): string {
  return ARTICLE[type];
}

/** A value for messages: JSON, cut short. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Whether `value` fits an option of `type`. `secret` values must be secret ids,
 * except charm.yaml defaults (`anySecretString`), which only need to be strings.
 */
export function fitsConfigType(
  type: ConfigOptionType,
  value: unknown,
  anySecretString = false,
): value is ConfigValue {
  switch (type) {
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'secret':
      return typeof value === 'string' && (anySecretString || SECRET_ID.test(value));
  }
}

function declared(meta: CharmMeta): string {
  const names = Object.keys(meta.config);
  return names.length ? `declares: ${names.join(', ')}` : 'declares no config options';
}

function option(meta: CharmMeta, key: string): ConfigOptionMeta | undefined {
  return Object.hasOwn(meta.config, key) ? meta.config[key] : undefined;
}

/**
 * Types config from the backend (config-get) against charm.yaml: checks each
 * value, fills defaults of unset options (null counts as unset), and throws a
 * ConfigError naming every undeclared key or ill-typed value.
 */
export function typedConfig(meta: CharmMeta, raw: Record<string, unknown>): Record<string, ConfigValue> {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!option(meta, key)) problems.push(`unknown option '${key}' (charm '${meta.name}' ${declared(meta)})`);
  }
  const out: Record<string, ConfigValue> = {};
  for (const opt of Object.values(meta.config)) {
    const value = Object.hasOwn(raw, opt.name) ? raw[opt.name] : undefined;
    if (value === undefined || value === null) {
      if (opt.default !== undefined) out[opt.name] = opt.default;
    } else if (fitsConfigType(opt.type, value)) {
      out[opt.name] = value;
    } else {
      const want = opt.type === 'secret' ? 'a secret id (secret:...)' : ARTICLE[opt.type];
      problems.push(`option '${opt.name}' should be ${want}, got ${describeValue(value)}`);
    }
  }
  if (problems.length) {
    throw new ConfigError(
      `config of charm '${meta.name}' does not match its charm.yaml: ${problems.join('; ')}`,
    );
  }
  return out;
}

/**
 * Turns CLI text for one option (`port=80` → key 'port', text '80') into its
 * typed value; throws a ConfigError saying what the option's type accepts.
 */
export function parseConfigAssignment(meta: CharmMeta, key: string, text: string): ConfigValue {
  const opt = option(meta, key);
  if (!opt) throw new ConfigError(`unknown config option '${key}' (charm '${meta.name}' ${declared(meta)})`);
  const bad = (why: string): never => {
    throw new ConfigError(`config option '${key}' is ${ARTICLE[opt.type]}; '${text}' ${why}`);
  };
  switch (opt.type) {
    case 'string':
      return text;
    case 'secret':
      return SECRET_ID.test(text) ? text : bad('is not a secret id (secret:<id> or secret://<model>/<id>)');
    case 'int': {
      const value = Number(text);
      if (!INT_TEXT.test(text)) return bad('is not an integer');
      return Number.isSafeInteger(value) ? value : bad('is too large for an integer');
    }
    case 'float': {
      const value = Number(text);
      return FLOAT_TEXT.test(text) && Number.isFinite(value) ? value : bad('is not a number');
    }
    case 'boolean':
      if (TRUE_TEXT.has(text)) return true;
      if (FALSE_TEXT.has(text)) return false;
      return bad('is not true or false');
  }
}
