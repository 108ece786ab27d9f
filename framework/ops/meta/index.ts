/**
 * Charm metadata: charm.yaml parsing and validation (build time), the
 * normalised CharmMeta, config typing and action params. Dispatch should import
 * json.js, config.js and types.js directly: load.js pulls in yaml and ajv.
 */
export type {
  ActionMeta,
  CharmMeta,
  ConfigOptionMeta,
  ConfigOptionType,
  ConfigValue,
  EndpointMeta,
  EndpointRole,
  EndpointScope,
  JsonObject,
  JsonValue,
  StorageMeta,
  StorageType,
} from './types.js';
export { CHARM_SCHEMA } from './schema.js';
export { loadCharmMeta, parseCharmMeta } from './load.js';
export { metaFromJson } from './json.js';
export { parseConfigAssignment, typedConfig } from './config.js';
export { validateActionParams } from './actions.js';
