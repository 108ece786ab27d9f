/**
 * JSON Schema (draft-07) of charm.yaml, which has charmcraft.yaml's shape
 * (reference/juju-model.md §2). Rules that span fields live in load.ts.
 * `description` on a pattern says in words what the pattern wants; load.ts
 * quotes it in error messages.
 */
import type { ConfigOptionType, EndpointScope, StorageType } from './types.js';

/** Charm and application names: Juju's rule, plus no trailing or doubled hyphen. */
export const CHARM_NAME_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';
const ENDPOINT_NAME_PATTERN = '^[a-z][a-z0-9]*([_-][a-z0-9]+)*$';
const INTERFACE_PATTERN = '^[a-z][a-z0-9_-]*$';
const OPTION_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]*$';
const ACTION_NAME_PATTERN = '^[a-z](?:[a-z0-9-]*[a-z0-9])?$';

/** Top-level keys of charmcraft.yaml that tsops accepts but does not interpret. */
export const PASSTHROUGH_KEYS = [
  'analysis',
  'assumes',
  'base',
  'bases',
  'build-base',
  'charm-libs',
  'containers',
  'devices',
  'docs',
  'issues',
  'links',
  'maintainers',
  'min-juju-version',
  'parts',
  'platforms',
  'resources',
  'series',
  'source',
  'terms',
  'title',
  'website',
] as const;

/** Config option types Juju knows. */
export const CONFIG_TYPES: readonly ConfigOptionType[] = ['string', 'int', 'float', 'boolean', 'secret'];

const endpointsSchema = {
  type: 'object',
  propertyNames: {
    pattern: ENDPOINT_NAME_PATTERN,
    description:
      "an endpoint name (lowercase letters and digits, words joined by '-' or '_', starting with a letter)",
  },
  additionalProperties: {
    type: 'object',
    required: ['interface'],
    additionalProperties: false,
    properties: {
      interface: {
        type: 'string',
        pattern: INTERFACE_PATTERN,
        description: "an interface name (lowercase letters, digits, '-' and '_', starting with a letter)",
      },
      limit: { type: 'integer', minimum: 1 },
      optional: { type: 'boolean' },
      scope: { enum: ['global', 'container'] },
    },
  },
};

const storageSchema = {
  type: 'object',
  propertyNames: {
    pattern: ENDPOINT_NAME_PATTERN,
    description: 'a storage name (lowercase letters, digits, hyphens)',
  },
  additionalProperties: {
    type: 'object',
    required: ['type'],
    additionalProperties: false,
    properties: {
      type: { enum: ['filesystem', 'block'] },
      description: { type: 'string' },
      location: { type: 'string' },
      shared: { type: 'boolean' },
      'read-only': { type: 'boolean' },
      properties: { type: 'array', items: { enum: ['transient'] }, uniqueItems: true },
      multiple: {
        type: 'object',
        required: ['range'],
        additionalProperties: false,
        properties: {
          range: {
            type: ['string', 'integer'],
            minimum: 0,
            pattern: '^[0-9]+(-[0-9]*|\\+)?$',
            description: "a count range: 'n', 'n-m', 'n-' or 'n+'",
          },
        },
      },
      'minimum-size': {
        type: ['string', 'integer'],
        minimum: 0,
        pattern: '^[0-9]+[MGTPEZY]?$',
        description: 'a size such as 10G (suffix M, G, T, P, E, Z or Y; M if none)',
      },
    },
  },
};

const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    options: {
      type: 'object',
      propertyNames: {
        pattern: OPTION_NAME_PATTERN,
        description: "an option name (letters, digits, '-', '_' and '.', starting with a letter)",
      },
      additionalProperties: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: { enum: CONFIG_TYPES },
          // Whether the default fits `type` is checked in load.ts, with a better message.
          default: { type: ['string', 'number', 'boolean', 'null'] },
          description: { type: 'string' },
        },
      },
    },
  },
};

const actionsSchema = {
  type: 'object',
  propertyNames: {
    pattern: ACTION_NAME_PATTERN,
    description: 'an action name (lowercase letters, digits and hyphens, starting with a letter)',
  },
  additionalProperties: {
    // `snapshot:` with nothing under it is an action with no params.
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      description: { type: 'string' },
      // Each value is a JSON Schema; load.ts checks it against the meta-schema and compiles it.
      params: { type: 'object', additionalProperties: { type: 'object' } },
      required: { type: 'array', items: { type: 'string' }, uniqueItems: true },
      additionalProperties: { type: 'boolean' },
      'execution-group': { type: 'string' },
      parallel: { type: 'boolean' },
    },
  },
};

/** The JSON Schema of charm.yaml. */
export const CHARM_SCHEMA = {
  $id: 'https://tsops.dev/schemas/charm.yaml.json',
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      pattern: CHARM_NAME_PATTERN,
      description: 'a charm name (lowercase letters, digits and single hyphens, starting with a letter)',
    },
    summary: { type: 'string' },
    description: { type: 'string' },
    type: { enum: ['charm'] },
    'charm-user': { enum: ['root', 'sudoer', 'non-root'] },
    subordinate: { type: 'boolean' },
    provides: endpointsSchema,
    requires: endpointsSchema,
    peers: endpointsSchema,
    storage: storageSchema,
    // Juju writes `extra-bindings: {name: }`: names only.
    'extra-bindings': { type: 'object', additionalProperties: { type: 'null' } },
    config: configSchema,
    actions: actionsSchema,
    ...Object.fromEntries(PASSTHROUGH_KEYS.map((key) => [key, {}])),
  },
};

/** An endpoint block as written in charm.yaml. */
export interface RawEndpoint {
  interface: string;
  limit?: number;
  optional?: boolean;
  scope?: EndpointScope;
}

/** A storage block as written in charm.yaml. */
export interface RawStorage {
  type: StorageType;
  description?: string;
  location?: string;
  shared?: boolean;
  'read-only'?: boolean;
  properties?: string[];
  multiple?: { range: string | number };
  'minimum-size'?: string | number;
}

/** An action block as written in charm.yaml. */
export interface RawAction {
  description?: string;
  params?: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties?: boolean;
  'execution-group'?: string;
  parallel?: boolean;
}

/** charm.yaml as CHARM_SCHEMA accepts it (the type ajv's validator narrows to). */
export interface RawCharmYaml {
  name: string;
  summary?: string;
  description?: string;
  subordinate?: boolean;
  provides?: Record<string, RawEndpoint>;
  requires?: Record<string, RawEndpoint>;
  peers?: Record<string, RawEndpoint>;
  storage?: Record<string, RawStorage>;
  'extra-bindings'?: Record<string, null>;
  config?: {
    options?: Record<
      string,
      { type: ConfigOptionType; default?: string | number | boolean | null; description?: string }
    >;
  };
  actions?: Record<string, RawAction | null>;
}
