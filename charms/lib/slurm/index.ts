/** Slurm config files for the Slurm charms: hostlists, a lossless slurm.conf model, key checks. */
export {
  GRES_CONF_RECORD_KINDS,
  SLURM_CONF_RECORD_KINDS,
  SlurmConf,
  parseSlurmConf,
  renderSlurmConf,
  resolveIncludePath,
  type IncludeOptions,
  type ParamsInput,
  type ParseOptions,
  type SlurmParam,
} from './conf.js';
export { HostlistError, ParameterLineError, SlurmConfError, SlurmValueError } from './errors.js';
export {
  MAX_HOSTLIST_NAMES,
  compressHostlist,
  expandHostlist,
  hostlistCount,
  isHostlistRange,
  naturalCompare,
} from './hostlist.js';
export {
  formatParameterLine,
  isManagedKey,
  managedKeysIn,
  parseParameterLine,
  type ParameterPair,
} from './keys.js';
export { ParamMap, type SlurmRecord } from './records.js';
export { encodeValue, formatSlurmBool, slurmBool } from './values.js';
