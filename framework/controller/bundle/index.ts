/** Juju-format bundles: load and check (with overlays), diff against a model, export a model. */
export { BundleError } from './errors.js';
export { loadBundle } from './load.js';
export type { CharmResolver } from './apps.js';
export { diffBundle } from './diff.js';
export { exportBundle } from './export.js';
export type { ExportSnapshot } from './export.js';
export { parsePlacement, showPlacement } from './placement.js';
export { MAX_ALIAS_COUNT, MAX_FILE_BYTES } from './source.js';
export type {
  AddApplication,
  AddRelation,
  AddUnit,
  AppSnapshot,
  AppSpec,
  BundleSpec,
  Change,
  ContainerType,
  EndpointRef,
  Expose,
  MachineSpec,
  ModelSnapshot,
  Placement,
  RelationSpec,
  SetAnnotations,
  SetConstraints,
  SetOptions,
  UpgradeCharm,
} from './types.js';
