/** The sandbox substrate: simulated machines under the model directory (the default). */
export { SandboxMachine } from './machine.js';
export type { SandboxMachineOptions } from './machine.js';
export { SandboxSubstrate } from './substrate.js';
export type { MachineRecord, SandboxSubstrateOptions } from './substrate.js';
export { fakeGpus, formatConstraints, hardwareFromConstraints, parseConstraints } from './constraints.js';
export type { Constraints } from './constraints.js';
export { SandboxFiles, SandboxPathError } from './files.js';
export type { OwnerEntry } from './files.js';
export { PACKAGE_SERVICES, SandboxPackages } from './packages.js';
export type { PackageRecord } from './packages.js';
export { SandboxServices } from './services.js';
export type { ServiceRecord } from './services.js';
