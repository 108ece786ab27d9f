/** Lustre workload logic for the lustre-server and lustre-client charms. */
export * from './charm.js';
export * from './commands.js';
export * from './kernel.js';
export * from './lnet.js';
export * from './nid.js';
export * from './status.js';
export * from './steps.js';
export * from './uri.js';
