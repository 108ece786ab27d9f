/** The netns substrate: machines as network namespaces on this host, running real daemons. */
export { NetnsSubstrate } from './substrate.js';
export type { LogSink, NetnsSubstrateOptions } from './substrate.js';
export { NetnsMachine } from './machine.js';
export { netnsUnavailable } from './requirements.js';
