/**
 * Typed relation interfaces shared by the charms: zod schemas for each side's
 * databags and Provider/Requirer classes with typed events. The shared base is
 * exported flat; each interface as a namespace (every module exports its own
 * `VERSION` and `INTERFACE`), or import its module directly.
 *
 *   import { slurmd } from '../../relations/index.js';
 *   readonly compute = new slurmd.SlurmdRequirer(this, 'slurmd');
 *   import { SlurmdRequirer } from '../../relations/slurmd.js';   // the same class
 */
export * from './codec.js';
export * from './common.js';
export * from './events.js';
export * from './interface.js';
export * from './munge-key.js';
export * as slurmd from './slurmd.js';
export * as slurmdbd from './slurmdbd.js';
export * as mysqlClient from './mysql-client.js';
export * as gpu from './gpu.js';
export * as lustre from './lustre.js';
