/**
 * The bundle as the controller uses it: a validated, merged, fully resolved
 * description of applications, machines and relations (reference/juju-model.md §1),
 * plus the model snapshot a deploy is diffed against.
 */
import type { CharmMeta, ConfigValue, EndpointScope } from '../../ops/meta/types.js';

/** One application of a bundle, after overlays, includes and charm resolution. */
export interface AppSpec {
  name: string;
  /** The `charm:` value as written. */
  charmRef: string;
  /** The charm directory `resolveCharm` found. */
  charmPath: string;
  meta: CharmMeta;
  /** 0 for subordinates (their units follow their principals'). */
  numUnits: number;
  /** User-set options only, typed against the charm's config. */
  options: Record<string, ConfigValue>;
  constraints: string;
  /**
   * One placement per unit (`numUnits` entries): `new`, a bundle machine id,
   * `<app>/<n>`, each optionally prefixed `lxd:` or `kvm:`. A bare application
   * name is expanded to its units in order (then `new`), as Juju does.
   */
  to: string[];
  expose: boolean;
  trust: boolean;
  annotations: Record<string, string>;
  subordinate: boolean;
}

/** A machine declared under `machines:` (ids are the bundle's, not the model's). */
export interface MachineSpec {
  constraints: string;
  annotations: Record<string, string>;
}

/** One side of a relation. */
export interface EndpointRef {
  app: string;
  endpoint: string;
}

/** A relation with both endpoints known: `a` provides, `b` requires. */
export interface RelationSpec {
  a: EndpointRef;
  b: EndpointRef;
  interface: string;
  scope: EndpointScope;
}

/** A loaded bundle. */
export interface BundleSpec {
  description: string;
  applications: Record<string, AppSpec>;
  machines: Record<string, MachineSpec>;
  relations: RelationSpec[];
}

/** One placement directive, parsed (Juju's `(<container>:)?(<unit>|<machine>|new)`). */
export type Placement =
  | { container?: ContainerType; kind: 'new' }
  | { container?: ContainerType; kind: 'machine'; machine: string }
  | { container?: ContainerType; kind: 'app'; app: string; unit?: number };

/** Container types Juju knows; without a substrate for them, a container means a new machine. */
export type ContainerType = 'lxd' | 'kvm';

/** What a model already holds, as far as a bundle deploy cares. */
export interface ModelSnapshot {
  applications: Record<string, AppSnapshot>;
  relations: Array<{ a: EndpointRef; b: EndpointRef }>;
}

/** One application of a model snapshot. */
export interface AppSnapshot {
  charmPath: string;
  charmName: string;
  /** Alive units. */
  numUnits: number;
  /** User-set options (not defaults). */
  options: Record<string, ConfigValue>;
  constraints: string;
  expose: boolean;
  annotations: Record<string, string>;
}

interface ChangeBase {
  /** What the change does, for people (`add unit compute/… ×3`). */
  description: string;
}

/** Deploy an application (with no units: addUnit follows). */
export interface AddApplication extends ChangeBase {
  kind: 'addApplication';
  app: string;
  charmPath: string;
  charmName: string;
  options: Record<string, ConfigValue>;
  constraints: string;
  trust: boolean;
  subordinate: boolean;
}

/** Switch an existing application to the bundle's charm directory. */
export interface UpgradeCharm extends ChangeBase {
  kind: 'upgradeCharm';
  app: string;
  charmPath: string;
  from: string;
}

/** Add `count` units; `to` holds their placements (bundle machine ids, not model ids). */
export interface AddUnit extends ChangeBase {
  kind: 'addUnit';
  app: string;
  count: number;
  to: string[];
}

/** Set the options whose value differs (never resets the others). */
export interface SetOptions extends ChangeBase {
  kind: 'setOptions';
  app: string;
  options: Record<string, ConfigValue>;
}

/** Replace the application's constraints. */
export interface SetConstraints extends ChangeBase {
  kind: 'setConstraints';
  app: string;
  constraints: string;
}

/** Expose the application. */
export interface Expose extends ChangeBase {
  kind: 'expose';
  app: string;
}

/** Set the annotations whose value differs. */
export interface SetAnnotations extends ChangeBase {
  kind: 'setAnnotations';
  app: string;
  annotations: Record<string, string>;
}

/** Relate two applications (`a` provides, `b` requires). */
export interface AddRelation extends ChangeBase {
  kind: 'addRelation';
  a: EndpointRef;
  b: EndpointRef;
  interface: string;
  scope: EndpointScope;
}

/** One step of a bundle deploy. */
export type Change =
  | AddApplication
  | UpgradeCharm
  | AddUnit
  | SetOptions
  | SetConstraints
  | Expose
  | SetAnnotations
  | AddRelation;
