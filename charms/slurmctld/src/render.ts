/**
 * slurm.conf and the files it includes, as pure functions of what the charm knows: the
 * base file (edited through the slurm.conf model, so an operator's lines and comments
 * survive), one include per relation (`slurm.conf.<partition>`, `slurm.conf.accounting`),
 * `slurm.conf.overrides` (config) and gres.conf (per-node lines: 22.05 has no AutoDetect).
 *
 *   const { files, obsolete } = renderConfig(view, existingSlurmConf);
 */
import type { Gres, Partition } from '../../../relations/slurmd.js';
import type { SlurmdbdAppData } from '../../../relations/slurmdbd.js';
import {
  ParamMap,
  formatParameterLine,
  naturalCompare,
  parseSlurmConf,
  type ParameterPair,
} from '../../lib/slurm/index.js';
import type { ControllerSettings } from './config.js';

export const CONF_DIR = '/etc/slurm';
export const SLURM_CONF = 'slurm.conf';
export const ACCOUNTING_INCLUDE = 'slurm.conf.accounting';
export const OVERRIDES_INCLUDE = 'slurm.conf.overrides';
export const GRES_CONF = 'gres.conf';
export const SLURMCTLD_PORT = 6817;
export const STATE_SAVE_LOCATION = '/var/lib/slurm/slurmctld';
export const RUN_DIR = '/run/slurm';
export const LOG_DIR = '/var/log/slurm';

/** Partition names that would collide with the charm's other include files. */
export const RESERVED_PARTITION_NAMES: readonly string[] = ['accounting', 'overrides'];

/** `slurm.conf.<partition>`: the include owned by that slurmd application's relation. */
export function partitionInclude(partition: string): string {
  return `slurm.conf.${partition}`;
}

/** Everything the files are made of. */
export interface ClusterView {
  settings: ControllerSettings;
  /** Short host name and the address nodes reach slurmctld at. */
  hostname: string;
  address: string;
  partitions: readonly Partition[];
  accounting: SlurmdbdAppData | undefined;
  /** gres.conf lines (see gresConfLine), in any order. */
  gresLines: readonly string[];
}

/** File name (under CONF_DIR) → content, includes before slurm.conf; and includes to delete. */
export interface RenderedConfig {
  files: Map<string, string>;
  obsolete: string[];
}

// Set on every render: the charm's design depends on them.
const managed = (v: ClusterView): Array<[string, string]> => [
  ['ClusterName', v.settings.clusterName],
  ['SlurmctldHost', `${v.hostname}(${v.address})`],
  ['SlurmUser', 'slurm'],
  ['AuthType', 'auth/munge'],
  ['CredType', 'cred/munge'],
  ['SlurmctldParameters', 'enable_configless'],
  // Dynamic nodes (slurmd -Z) are silently refused without it (real-slurm-one-host.md §9).
  ['MaxNodeCount', String(v.settings.maxNodeCount)],
  ['StateSaveLocation', STATE_SAVE_LOCATION],
  // %n: several nodes may share a filesystem.
  ['SlurmdSpoolDir', '/var/lib/slurm/slurmd-%n'],
  ['SlurmctldPidFile', `${RUN_DIR}/slurmctld.pid`],
  ['SlurmdPidFile', `${RUN_DIR}/slurmd-%n.pid`],
];

// Added when missing only: an operator may change them in the base file (or in overrides).
const DEFAULTS: ReadonlyArray<[string, string]> = [
  ['SlurmdUser', 'root'],
  ['MailProg', '/bin/true'],
  ['MpiDefault', 'none'],
  // No cgroup plugins: they need a cgroup setup that containers and netns hosts lack.
  ['ProctrackType', 'proctrack/linuxproc'],
  ['TaskPlugin', 'task/none'],
  ['JobAcctGatherType', 'jobacct_gather/linux'],
  ['SelectType', 'select/cons_tres'],
  ['SelectTypeParameters', 'CR_Core'],
  ['SchedulerType', 'sched/backfill'],
  ['SchedulerParameters', 'batch_sched_delay=0'],
  ['ReturnToService', '2'],
  ['GresTypes', 'gpu'],
  ['SlurmctldLogFile', `${LOG_DIR}/slurmctld.log`],
  ['SlurmdLogFile', `${LOG_DIR}/slurmd-%n.log`],
  ['SlurmctldDebug', 'info'],
  ['SlurmdDebug', 'info'],
];

const BASE_HEADER = `# slurm.conf, written by the slurmctld charm.
# The charm sets the keys it manages on every change and adds missing defaults; any other
# line, comments included, is kept. Prefer the slurm-conf-parameters option: it goes to
# slurm.conf.overrides, included last so that it wins.
`;

function header(what: string): string {
  return `# Written by the slurmctld charm from ${what}; edits here are overwritten.\n`;
}

/** A gres.conf line for one of a node's gres: `NodeName=gpu-0 Name=gpu Type=tesla_t4 File=/dev/nvidia0`. */
export function gresConfLine(nodename: string, gres: Gres): string {
  const pairs: ParameterPair[] = [
    { key: 'NodeName', value: nodename },
    { key: 'Name', value: gres.name },
  ];
  if (gres.type !== undefined) pairs.push({ key: 'Type', value: gres.type });
  // A File implies the count; Count alone is for devices whose files are not known yet.
  if (gres.file !== undefined) pairs.push({ key: 'File', value: gres.file });
  else pairs.push({ key: 'Count', value: String(gres.count) });
  return formatParameterLine(pairs);
}

/** The whole config; throws SlurmConfError when the existing slurm.conf cannot be parsed. */
export function renderConfig(view: ClusterView, existingBase: string | undefined): RenderedConfig {
  const partitions = [...view.partitions].sort((a, b) => naturalCompare(a.name, b.name));
  const files = new Map<string, string>();
  files.set(ACCOUNTING_INCLUDE, renderAccounting(view.accounting));
  for (const p of partitions) {
    files.set(partitionInclude(p.name), renderPartition(p, p.name === view.settings.defaultPartition));
  }
  files.set(OVERRIDES_INCLUDE, renderOverrides(view.settings.overrides));
  files.set(GRES_CONF, renderGres(view.gresLines));
  const wanted = partitions.map((p) => partitionInclude(p.name));
  const { text, obsolete } = renderBase(view, existingBase, wanted);
  files.set(SLURM_CONF, text);
  return { files, obsolete };
}

function renderBase(
  view: ClusterView,
  existing: string | undefined,
  partitionIncludes: readonly string[],
): { text: string; obsolete: string[] } {
  const conf = parseSlurmConf(existing ?? BASE_HEADER, `${CONF_DIR}/${SLURM_CONF}`);
  for (const [key, value] of managed(view)) {
    // A repeated managed key (a second SlurmctldHost) would mean something else: keep one.
    if (conf.getAll(key).length > 1) conf.delete(key);
    conf.set(key, value);
  }
  for (const [key, value] of DEFAULTS) if (!conf.has(key)) conf.set(key, value);
  const own = new Set([ACCOUNTING_INCLUDE, OVERRIDES_INCLUDE, ...partitionIncludes]);
  const obsolete: string[] = [];
  for (const include of conf.includes()) {
    if (include.startsWith('slurm.conf.') && !own.has(include)) {
      conf.removeInclude(include);
      obsolete.push(include);
    }
  }
  for (const include of [ACCOUNTING_INCLUDE, ...partitionIncludes]) conf.addInclude(include);
  // Overrides come last so they win over everything before them.
  if (conf.includes().at(-1) !== OVERRIDES_INCLUDE) {
    conf.removeInclude(OVERRIDES_INCLUDE);
    conf.addInclude(OVERRIDES_INCLUDE);
  }
  return { text: conf.render(), obsolete };
}

function renderPartition(partition: Partition, isDefault: boolean): string {
  const name = partition.name;
  const conf = parseSlurmConf(header(`the slurmd application ${name}`), partitionInclude(name));
  // Dynamic nodes register with Features=<partition>; the NodeSet gathers them.
  conf.setRecord('NodeSet', name, { Feature: name });
  const params = new ParamMap([
    ['Nodes', name],
    ['State', 'UP'],
  ]);
  if (isDefault) params.set('Default', 'YES');
  for (const [key, value] of Object.entries(partition.config)) params.set(key, value);
  conf.setRecord('PartitionName', name, params);
  return conf.render();
}

function renderAccounting(accounting: SlurmdbdAppData | undefined): string {
  const conf = parseSlurmConf(header('the slurmdbd relation (empty when there is none)'), ACCOUNTING_INCLUDE);
  if (accounting) {
    conf.set('AccountingStorageType', 'accounting_storage/slurmdbd');
    conf.set('AccountingStorageHost', accounting.host);
    conf.set('AccountingStoragePort', String(accounting.port));
  }
  return conf.render();
}

function renderOverrides(overrides: readonly ParameterPair[]): string {
  const conf = parseSlurmConf(header('the slurm-conf-parameters option'), OVERRIDES_INCLUDE);
  for (const { key, value } of overrides) conf.set(key, value);
  return conf.render();
}

function renderGres(lines: readonly string[]): string {
  const sorted = [...new Set(lines)].sort(naturalCompare);
  return header('the gres data of slurmd units') + sorted.map((l) => `${l}\n`).join('');
}
