/**
 * slurmctld: the Slurm controller. Its leader owns the munge key (an application secret
 * granted per relation), renders slurm.conf as a base file plus one include per relation,
 * and restarts slurmctld only when a file changed. Nodes register themselves (dynamic,
 * configless), so adding slurmd units changes no file here.
 *
 * Every event ends in one idempotent reconcile(); statuses come from collect-status.
 */
import { z } from 'zod';
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  MaintenanceStatus,
  WaitingStatus,
  isEntryPoint,
  main,
  type ActionEvent,
  type CollectStatusEvent,
  type Framework,
  type Secret,
} from '../../../framework/ops/index.js';
import { formatHostPort } from '../../../relations/common.js';
import {
  SlurmdRequirer,
  type NodesChangedEvent,
  type PartitionGoneEvent,
} from '../../../relations/slurmd.js';
import { SlurmdbdRequirer } from '../../../relations/slurmdbd.js';
import { installMungeKey, ownMungeKey } from '../../lib/munge/index.js';
import { SlurmConfError, hostlistCount } from '../../lib/slurm/index.js';
import { readSettings } from './config.js';
import {
  ACCOUNTING_INCLUDE,
  RESERVED_PARTITION_NAMES,
  SLURMCTLD_PORT,
  SLURM_CONF,
  gresConfLine,
  renderConfig,
  type ClusterView,
} from './render.js';
import {
  currentConfig,
  installPackages,
  prepareDirectories,
  readConfigFile,
  registerCluster,
  restartSlurmctld,
  scontrol,
  stopSlurmctld,
  writeConfig,
} from './slurmctld.js';

type Memory = {
  installed: boolean;
  /** slurmctld was (re)started by this charm with its current files. */
  running: boolean;
  /** The cluster name the files were first written with: Slurm refuses a change later. */
  clusterName: string;
  /** Fingerprint of the munge key in /etc/munge/munge.key. */
  mungeKey: string;
  /** Why the last reconcile left the files alone ('' when it did not). */
  blocked: string;
  /** gres.conf lines by slurmd unit, from their databags (read once per change, not per hook). */
  gres: Record<string, string[]>;
};

const NOT_HA = 'slurmctld runs on the leader only (no high availability): remove this unit';

const SetNodeStateParams = z.object({
  nodes: z
    .string()
    .regex(/^[A-Za-z0-9_.,[\]-]+$/, { error: 'must be a hostlist such as compute-[0-3],gpu-1' }),
  state: z.enum(['idle', 'down', 'drain', 'resume']),
  reason: z
    .string()
    .regex(/^[^\n\r\0]*$/, { error: 'must be one line' })
    .optional(),
});

export class SlurmctldCharm extends CharmBase {
  readonly slurmd = new SlurmdRequirer(this, 'slurmd');
  readonly slurmdbd = new SlurmdbdRequirer(this, 'slurmdbd');
  readonly stored = this.storedState<Memory>('stored', {
    installed: false,
    running: false,
    clusterName: '',
    mungeKey: '',
    blocked: '',
    gres: {},
  });

  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.install, this.onInstall);
    this.observe(this.on.start, this.onStart);
    for (const event of [this.on.configChanged, this.on.updateStatus, this.on.leaderSettingsChanged]) {
      this.observe(event, this.reconcile);
    }
    this.observe(this.on.upgradeCharm, this.onRescan);
    this.observe(this.on.leaderElected, this.onRescan);
    // Publish the controller data and the key's id as soon as a relation exists.
    this.observe(this.on.relationCreated('slurmd'), this.reconcile);
    this.observe(this.on.relationCreated('slurmdbd'), this.reconcile);
    this.observe(this.slurmd.on.partitionReady, this.reconcile);
    this.observe(this.slurmd.on.partitionGone, this.onPartitionGone);
    this.observe(this.slurmd.on.nodesChanged, this.onNodesChanged);
    this.observe(this.slurmdbd.on.databaseReady, this.reconcile);
    this.observe(this.slurmdbd.on.databaseGone, this.reconcile);
    this.observe(this.on.action('show-current-config'), this.onShowCurrentConfig);
    this.observe(this.on.action('set-node-state'), this.onSetNodeState);
    this.observe(this.on.collectUnitStatus, this.onCollectStatus);
  }

  async onInstall(): Promise<void> {
    this.unit.status = new MaintenanceStatus('installing slurmctld and munge');
    await installPackages(this.machine);
    this.stored.installed = true;
    this.stored.running = false;
    await this.reconcile();
  }

  async onStart(): Promise<void> {
    // /run is emptied by a reboot.
    if (this.stored.installed && this.stored.running) await prepareDirectories(this.machine);
    await this.reconcile();
  }

  /** A new leader, or a new charm version, reads every slurmd unit's gres afresh. */
  async onRescan(): Promise<void> {
    const gres: Record<string, string[]> = {};
    for (const relation of this.slurmd.relations) {
      for (const { unit, node } of this.slurmd.nodes(relation)) {
        if (node.gres?.length) gres[unit.name] = node.gres.map((g) => gresConfLine(node.nodename, g));
      }
    }
    this.stored.gres = gres;
    await this.reconcile();
  }

  async onNodesChanged(event: NodesChangedEvent): Promise<void> {
    const unit = event.unit?.name;
    if (unit !== undefined) {
      const node = event.node;
      const gres = { ...this.stored.gres };
      if (node?.gres?.length) gres[unit] = node.gres.map((g) => gresConfLine(node.nodename, g));
      else delete gres[unit];
      this.stored.gres = gres;
    }
    await this.reconcile();
  }

  async onPartitionGone(event: PartitionGoneEvent): Promise<void> {
    const prefix = `${event.app?.name ?? event.relation.app.name}/`;
    this.stored.gres = Object.fromEntries(
      Object.entries(this.stored.gres).filter(([unit]) => !unit.startsWith(prefix)),
    );
    await this.reconcile();
  }

  /** Converge the machine and the relation data to what the model says. */
  async reconcile(): Promise<void> {
    if (!this.stored.installed) return;
    const key = ownMungeKey(this.model, this.framework.logger);
    if (key) this.stored.mungeKey = await installMungeKey(this.machine, key.content, this.stored.mungeKey);
    if (!this.unit.isLeader()) {
      if (this.stored.running) await stopSlurmctld(this.machine);
      this.stored.running = false;
      return;
    }
    const address = this.address();
    if (address === undefined) return;
    const check = readSettings(this.config);
    let clusterName = this.stored.clusterName;
    if ('problem' in check) {
      this.stored.blocked = check.problem;
    } else if (clusterName !== '' && clusterName !== check.settings.clusterName) {
      this.stored.blocked =
        `cluster-name cannot change once slurmctld has run (Slurm refuses a new name ` +
        `for its saved state): set it back to '${clusterName}'`;
    } else {
      const hostname = (await this.machine.hardware()).hostname.split('.')[0] ?? 'localhost';
      const view: ClusterView = {
        settings: check.settings,
        hostname,
        address,
        partitions: this.partitions().usable,
        accounting: this.slurmdbd.database(),
        gresLines: Object.values(this.stored.gres).flat(),
      };
      this.stored.blocked = (await this.converge(view)) ?? '';
      if (this.stored.blocked === '') clusterName = this.stored.clusterName = check.settings.clusterName;
    }
    if (key && clusterName !== '') this.publish(key.secret, clusterName, address);
  }

  /** Write the files and restart slurmctld if one changed; a message when the files cannot be edited. */
  private async converge(view: ClusterView): Promise<string | undefined> {
    let rendered;
    try {
      rendered = renderConfig(view, await readConfigFile(this.machine, SLURM_CONF));
    } catch (e) {
      if (!(e instanceof SlurmConfError)) throw e;
      return `cannot edit ${e.message}: fix or remove the file`;
    }
    const changed = await writeConfig(this.machine, rendered);
    if (changed.length > 0 || !this.stored.running) {
      this.framework.logger.info(
        `restarting slurmctld: ${changed.length > 0 ? `changed ${changed.join(', ')}` : 'first start'}`,
      );
      if (view.accounting !== undefined && (changed.includes(ACCOUNTING_INCLUDE) || !this.stored.running)) {
        await registerCluster(this.machine, view.settings.clusterName, this.framework.logger);
      }
      await restartSlurmctld(this.machine);
      this.stored.running = true;
    }
    return undefined;
  }

  private publish(key: Secret, clusterName: string, address: string): void {
    const controllers = [formatHostPort({ host: address, port: SLURMCTLD_PORT })];
    this.slurmd.publishController({ controllers, 'cluster-name': clusterName }, key);
    this.slurmdbd.publishController(key);
  }

  /** The address slurmd units reach this unit at. */
  private address(): string | undefined {
    const network = this.model.getBinding('slurmd').network;
    return network.ingressAddress ?? network.bindAddress;
  }

  /** Valid partitions, less those whose name would overwrite another include file. */
  private partitions(): { usable: ClusterView['partitions']; reserved: string[] } {
    const all = this.slurmd.partitions().map((p) => p.partition);
    return {
      usable: all.filter((p) => !RESERVED_PARTITION_NAMES.includes(p.name)),
      reserved: all.filter((p) => RESERVED_PARTITION_NAMES.includes(p.name)).map((p) => p.name),
    };
  }

  async onShowCurrentConfig(event: ActionEvent): Promise<void> {
    let files: Map<string, string>;
    try {
      files = await currentConfig(this.machine);
    } catch (e) {
      event.fail(`cannot read the config: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (files.size === 0) {
      event.fail('slurmctld has no config yet (/etc/slurm/slurm.conf does not exist)');
      return;
    }
    // Result keys may not hold dots: slurm.conf.compute → slurm-conf-compute.
    event.setResults(Object.fromEntries([...files].map(([name, text]) => [name.replaceAll('.', '-'), text])));
  }

  async onSetNodeState(event: ActionEvent): Promise<void> {
    const params = event.loadParams(SetNodeStateParams, { errors: 'fail' });
    if (!params) return;
    const { nodes, state, reason } = params;
    try {
      hostlistCount(nodes);
    } catch (e) {
      event.fail(`nodes '${nodes}' is not a hostlist: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if ((state === 'down' || state === 'drain') && !reason) {
      event.fail(`a reason is required to set nodes ${state}`);
      return;
    }
    const args = ['update', `nodename=${nodes}`, `state=${state}`];
    if (reason) args.push(`reason=${reason}`);
    const result = await scontrol(this.machine, args);
    if (result.exitCode !== 0) {
      const why = (result.stderr || result.stdout).trim();
      event.fail(`scontrol ${args.join(' ')} failed (exit ${result.exitCode}): ${why}`);
      return;
    }
    event.setResults({ nodes, state, ...(reason ? { reason } : {}) });
  }

  onCollectStatus(event: CollectStatusEvent): void {
    if (!this.stored.installed) {
      event.addStatus(new MaintenanceStatus('installing slurmctld and munge'));
      return;
    }
    if (!this.unit.isLeader()) {
      event.addStatus(new BlockedStatus(NOT_HA));
      return;
    }
    if (this.stored.blocked) event.addStatus(new BlockedStatus(this.stored.blocked));
    const { usable, reserved } = this.partitions();
    for (const name of reserved) {
      event.addStatus(
        new BlockedStatus(`slurmd application '${name}' cannot be a partition: deploy it under another name`),
      );
    }
    if (!this.stored.mungeKey) event.addStatus(new WaitingStatus('waiting for the munge key'));
    if (this.address() === undefined) event.addStatus(new WaitingStatus('waiting for a network address'));
    if (usable.length === 0) {
      event.addStatus(new WaitingStatus('waiting for a partition (relate a slurmd application)'));
      return;
    }
    const preferred = String(this.config['default-partition'] ?? '');
    const missing =
      preferred !== '' && !usable.some((p) => p.name === preferred)
        ? `; default-partition '${preferred}' is not related`
        : '';
    event.addStatus(
      new ActiveStatus(`${usable.length} partition${usable.length === 1 ? '' : 's'}${missing}`),
    );
  }
}

if (isEntryPoint(import.meta.url)) await main(SlurmctldCharm);
