/**
 * A slurmd unit's node, as pure functions: its name, its hardware line, the `--conf` line it
 * registers with, the service command, and the checks of its config options.
 *
 *   nodeName('compute/3') → 'compute-3'
 *   slurmdCommand({ nodename, controllers, conf }) → ['slurmd', '-D', '-Z', '-N', …]
 */
import type { Hardware } from '../../../framework/ops/index.js';
import type { GpuUnitData } from '../../../relations/gpu.js';
import { MANAGED_PARTITION_KEYS, PartitionConfigSchema, type Partition } from '../../../relations/slurmd.js';
import {
  ParamMap,
  ParameterLineError,
  formatParameterLine,
  managedKeysIn,
  parseParameterLine,
  type ParameterPair,
} from '../../lib/slurm/index.js';

/** Node-line keys the charm (or slurmd itself) owns; set-node-config refuses them. */
export const NODE_MANAGED_KEYS = ['NodeName', 'NodeAddr', 'NodeHostname', 'State', 'Reason', 'Port'] as const;

const FEATURE_KEYS = ['Features', 'Feature'];

/** `compute/3` → `compute-3`: stable across re-deploys, so hostlists like compute-[0-59] work. */
export function nodeName(unitName: string): string {
  return unitName.replace('/', '-');
}

/**
 * The hardware keys of `slurmd -C` output (`NodeName=x CPUs=4 … RealMemory=7950` then
 * `UpTime=…`), NodeName dropped. Throws when there is no such line.
 */
export function parseSlurmdC(stdout: string): ParameterPair[] {
  const line = stdout.split('\n').find((l) => /^NodeName=/i.test(l.trim()));
  if (line === undefined) throw new Error('slurmd -C printed no NodeName= line');
  const pairs = parseParameterLine(line.trim()).filter((p) => p.key.toLowerCase() !== 'nodename');
  if (!pairs.some((p) => p.key.toLowerCase() === 'cpus')) throw new Error('slurmd -C printed no CPUs=');
  return pairs;
}

/** The same keys from the Machine's hardware, where `slurmd -C` cannot run. */
export function hardwarePairs(hw: Hardware): ParameterPair[] {
  return [
    { key: 'CPUs', value: String(hw.cpus) },
    { key: 'Boards', value: '1' },
    { key: 'SocketsPerBoard', value: String(hw.sockets) },
    { key: 'CoresPerSocket', value: String(hw.coresPerSocket) },
    { key: 'ThreadsPerCore', value: String(hw.threadsPerCore) },
    { key: 'RealMemory', value: String(hw.memoryMb) },
  ];
}

/** The node's `Gres=` value from the gpu relation: `gpu:tesla_t4:2,gpu:nvidia_a100:1`; '' for none. */
export function gresParam(gpus: GpuUnitData | undefined): string {
  return (gpus?.devices ?? []).map((d) => `gpu:${d.model}:${d.count}`).join(',');
}

/**
 * The `--conf` line: hardware, `Features=<partition>` (plus any features the operator adds),
 * `Gres=` when the node has GPUs, then the operator's extra keys (which may override hardware).
 */
export function nodeConfLine(input: {
  hardware: readonly ParameterPair[];
  partition: string;
  gres: string;
  extra: readonly ParameterPair[];
}): string {
  const params = new ParamMap(input.hardware.map((p) => [p.key, p.value]));
  // The partition's NodeSet selects nodes by this feature: it is always there.
  const features = [input.partition];
  params.set('Features', input.partition);
  if (input.gres !== '') params.set('Gres', input.gres);
  for (const { key, value } of input.extra) {
    if (FEATURE_KEYS.some((k) => k.toLowerCase() === key.toLowerCase())) {
      features.push(...value.split(',').filter((f) => f !== ''));
    } else {
      params.set(key, value);
    }
  }
  params.set('Features', [...new Set(features)].join(','));
  return formatParameterLine([...params].map(([key, value]) => ({ key, value })));
}

/** The slurmd service's argv: a dynamic node (-Z) in configless mode (--conf-server), in the foreground. */
export function slurmdCommand(input: {
  nodename: string;
  controllers: readonly string[];
  conf: string;
}): string[] {
  return [
    'slurmd',
    '-D',
    '-Z',
    '-N',
    input.nodename,
    '--conf-server',
    input.controllers.join(','),
    '--conf',
    input.conf,
  ];
}

/** set-node-config's parameters, checked; throws an Error whose message says what is wrong. */
export function parseNodeParameters(text: string): ParameterPair[] {
  const pairs = parseParameterLine(text);
  const managed = managedKeysIn(pairs, NODE_MANAGED_KEYS);
  if (managed.length > 0) {
    throw new Error(`${managed.join(', ')}: set by the charm or by slurmd, not by set-node-config`);
  }
  return pairs;
}

/** What the options say, once valid. */
export interface NodeSettings {
  partitionConfig: Partition['config'];
  defaultState: 'idle' | 'down';
  defaultReason: string;
}

/** Check the options: the settings, or every problem found (each names its option). */
export function readNodeSettings(
  config: Readonly<Record<string, unknown>>,
): { settings: NodeSettings } | { problems: string[] } {
  const problems: string[] = [];
  const partitionConfig = readPartitionConfig(String(config['partition-config'] ?? ''), problems);
  const state = String(config['default-node-state'] ?? 'idle');
  const defaultState = state === 'idle' || state === 'down' ? state : undefined;
  if (defaultState === undefined) problems.push(`default-node-state must be idle or down, got '${state}'`);
  const defaultReason = String(config['default-node-reason'] ?? '');
  if (/[\r\n\0]/.test(defaultReason)) problems.push('default-node-reason must be one line');
  if (problems.length > 0 || partitionConfig === undefined || defaultState === undefined) {
    return { problems };
  }
  return { settings: { partitionConfig, defaultState, defaultReason } };
}

function readPartitionConfig(text: string, problems: string[]): Partition['config'] | undefined {
  let pairs: ParameterPair[];
  try {
    pairs = parseParameterLine(text);
  } catch (e) {
    if (!(e instanceof ParameterLineError)) throw e;
    problems.push(`partition-config: ${e.message}`);
    return undefined;
  }
  const managed = managedKeysIn(pairs, MANAGED_PARTITION_KEYS);
  if (managed.length > 0) {
    problems.push(`partition-config: ${managed.join(', ')} is set by slurmctld`);
    return undefined;
  }
  const parsed = PartitionConfigSchema.safeParse(Object.fromEntries(pairs.map((p) => [p.key, p.value])));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problems.push(`partition-config: ${issue?.path.map(String).join('.')}: ${issue?.message}`);
    return undefined;
  }
  return parsed.data;
}
