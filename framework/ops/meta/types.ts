/**
 * The normalised charm metadata (charm.yaml after validation). Only plain JSON
 * data: the build step serialises it and dispatch reads it back (metaFromJson).
 */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, e.g. one action parameter's JSON Schema. */
export type JsonObject = { [key: string]: JsonValue };

/** Which block of charm.yaml declared an endpoint. */
export type EndpointRole = 'provides' | 'requires' | 'peers';

/** `container` relates a subordinate to its principal's units only. */
export type EndpointScope = 'global' | 'container';

/** One relation endpoint. */
export interface EndpointMeta {
  name: string;
  role: EndpointRole;
  interface: string;
  /** Most relations this endpoint accepts; absent means unlimited. */
  limit?: number;
  optional: boolean;
  scope: EndpointScope;
}

/** Kind of storage Juju attaches. */
export type StorageType = 'filesystem' | 'block';

/** One storage declaration. */
export interface StorageMeta {
  name: string;
  type: StorageType;
  description: string;
  location?: string;
  shared: boolean;
  readOnly: boolean;
  /** `properties: [transient]`. */
  properties: string[];
  /** How many instances: from `multiple.range` (`2`, `1-3`, `1-`, `1+`); max absent = unbounded. */
  count: { min: number; max?: number };
  /** `minimum-size` as written (`10G`; bare numbers are MiB). */
  minimumSize?: string;
}

/** Types a config option may have. */
export type ConfigOptionType = 'string' | 'int' | 'float' | 'boolean' | 'secret';

/** A typed config value (secret options hold a secret id string). */
export type ConfigValue = string | number | boolean;

/** One config option. */
export interface ConfigOptionMeta {
  name: string;
  type: ConfigOptionType;
  /** Absent when charm.yaml gives no default (or `default: null`). */
  default?: ConfigValue;
  description: string;
}

/** One action. */
export interface ActionMeta {
  name: string;
  description: string;
  /** Parameter name → its JSON Schema. */
  params: Record<string, JsonObject>;
  required: string[];
  /** Whether undeclared parameters are accepted (Juju < 4 default: true). */
  additionalProperties: boolean;
  executionGroup: string;
  parallel: boolean;
}

/** Everything the framework needs from charm.yaml. */
export interface CharmMeta {
  name: string;
  summary: string;
  description: string;
  subordinate: boolean;
  /** Every endpoint of provides, requires and peers, by name (names are unique across the three). */
  endpoints: Record<string, EndpointMeta>;
  storage: Record<string, StorageMeta>;
  config: Record<string, ConfigOptionMeta>;
  actions: Record<string, ActionMeta>;
  extraBindings: string[];
}
