/**
 * slurmctld's config options, checked before anything touches the machine: a bad value
 * yields one Blocked message naming the option, the key and why, and the running
 * config is kept.
 *
 *   const check = readSettings(this.config);
 *   if ('problem' in check) → Blocked(check.problem)
 */
import type { ConfigValue } from '../../../framework/ops/index.js';
import { ControllerAppSchema } from '../../../relations/slurmd.js';
import { SlurmNameSchema } from '../../../relations/common.js';
import {
  ParameterLineError,
  isManagedKey,
  parseParameterLine,
  type ParameterPair,
} from '../../lib/slurm/index.js';

/** What the options say, once valid. */
export interface ControllerSettings {
  clusterName: string;
  /** '' for none. */
  defaultPartition: string;
  maxNodeCount: number;
  /** slurm-conf-parameters, in the operator's order. */
  overrides: ParameterPair[];
}

/** Keys the charm writes itself, by why; slurm-conf-parameters may not set them. */
const MANAGED: ReadonlyArray<{ keys: readonly string[]; why: string }> = [
  { keys: ['ClusterName'], why: 'set it with the cluster-name option' },
  { keys: ['MaxNodeCount'], why: 'set it with the max-node-count option' },
  {
    keys: ['SlurmctldHost', 'ControlMachine', 'ControlAddr', 'BackupController', 'BackupAddr'],
    why: 'the charm points every node at this controller',
  },
  { keys: ['SlurmctldPort', 'SlurmdPort'], why: 'nodes are told the controller port 6817' },
  { keys: ['AuthType', 'CredType', 'AuthAltTypes'], why: 'the charm runs munge authentication' },
  { keys: ['SlurmctldParameters'], why: 'dynamic nodes need enable_configless, which the charm sets' },
  { keys: ['Include'], why: 'the charm owns the include files' },
  {
    keys: ['NodeName', 'PartitionName', 'NodeSet', 'DownNodes', 'FrontendName'],
    why: 'nodes and partitions come from the related slurmd applications',
  },
  {
    keys: ['StateSaveLocation', 'SlurmdSpoolDir', 'SlurmctldPidFile', 'SlurmdPidFile', 'SlurmUser'],
    why: 'the charm creates these directories and files for the slurm user',
  },
];

/** Why `key` may not be set by the operator, or undefined when it may. */
export function managedReason(key: string): string | undefined {
  if (key.toLowerCase().startsWith('accountingstorage')) return 'it comes from the slurmdbd relation';
  return MANAGED.find((m) => isManagedKey(key, m.keys))?.why;
}

/** Every key the charm manages (AccountingStorage* aside), for documentation and tests. */
export const MANAGED_KEYS: readonly string[] = MANAGED.flatMap((m) => m.keys);

const KEPT = 'the running config is kept';

/** Check the options; the first problem found, as a status message, or the settings. */
export function readSettings(
  config: Readonly<Record<string, ConfigValue>>,
): { settings: ControllerSettings } | { problem: string } {
  const clusterName = String(config['cluster-name'] ?? '');
  const name = ControllerAppSchema.shape['cluster-name'].safeParse(clusterName);
  if (!name.success) {
    return { problem: `cluster-name '${clusterName}' ${name.error.issues[0]?.message ?? 'is invalid'}` };
  }
  const maxNodeCount = Number(config['max-node-count'] ?? 1024);
  if (!Number.isInteger(maxNodeCount) || maxNodeCount < 1 || maxNodeCount > 65533) {
    return { problem: `max-node-count must be a whole number from 1 to 65533, got ${maxNodeCount}` };
  }
  const defaultPartition = String(config['default-partition'] ?? '');
  if (defaultPartition !== '' && !SlurmNameSchema.safeParse(defaultPartition).success) {
    return { problem: `default-partition '${defaultPartition}' is not a partition name` };
  }
  const text = String(config['slurm-conf-parameters'] ?? '');
  let overrides: ParameterPair[];
  try {
    overrides = parseParameterLine(text);
  } catch (e) {
    if (!(e instanceof ParameterLineError)) throw e;
    return { problem: `slurm-conf-parameters: ${e.message}; ${KEPT}` };
  }
  for (const { key } of overrides) {
    const why = managedReason(key);
    if (why) return { problem: `slurm-conf-parameters: ${key} is managed by the charm (${why}); ${KEPT}` };
  }
  return { settings: { clusterName, defaultPartition, maxNodeCount, overrides } };
}
