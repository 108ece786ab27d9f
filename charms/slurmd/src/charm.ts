/**
 * slurmd: one Slurm compute node per unit; the application is one partition named after
 * it. The node registers itself with slurmctld as a dynamic node in configless mode, with
 * a deterministic name (<app>-<unit number>), so scaling never rewrites slurm.conf. It
 * drains and deletes its node when the unit (or the slurmctld relation) goes away.
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
} from '../../../framework/ops/index.js';
import { GpuRequirer, gresLines } from '../../../relations/gpu.js';
import { SlurmdProvider, type Gres } from '../../../relations/slurmd.js';
import { installMungeKey } from '../../lib/munge/index.js';
import { formatParameterLine, parseParameterLine } from '../../lib/slurm/index.js';
import {
  gresParam,
  nodeConfLine,
  nodeName,
  parseNodeParameters,
  readNodeSettings,
  slurmdCommand,
  type NodeSettings,
} from './node.js';
import {
  NOT_AVAILABLE,
  detectHardware,
  installPackages,
  removeNode,
  runNode,
  scontrol,
  tryScontrol,
} from './slurmd.js';

type Memory = {
  installed: boolean;
  /** The unit is going away (stop/remove): nothing may start slurmd again. */
  stopping: boolean;
  /** Hardware keys of the node line (`slurmd -C`, or the Machine's hardware). */
  hardware: string;
  /** Extra node-line keys from set-node-config. */
  nodeConfig: string;
  /** Fingerprint of the munge key in /etc/munge/munge.key. */
  mungeKey: string;
  /** slurmd runs with `command` (JSON argv) and `conf`, so its node is registered. */
  registered: boolean;
  command: string;
  conf: string;
  /** default-node-state is still to be applied to the freshly registered node. */
  statePending: boolean;
};

/** Where the GPUs stand: their gres for slurmctld and the node line, or why to wait. */
interface GpuState {
  gres: Gres[];
  param: string;
  waiting?: string;
}

export class SlurmdCharm extends CharmBase {
  readonly slurmctld = new SlurmdProvider(this, 'slurmctld');
  readonly gpu = new GpuRequirer(this, 'gpu');
  readonly stored = this.storedState<Memory>('stored', {
    installed: false,
    stopping: false,
    hardware: '',
    nodeConfig: '',
    mungeKey: '',
    registered: false,
    command: '',
    conf: '',
    statePending: false,
  });
  /** set-node-config has just deleted the node, so reconcile need not. */
  private nodeDeleted = false;

  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.install, this.onInstall);
    for (const event of [this.on.start, this.on.configChanged, this.on.upgradeCharm]) {
      this.observe(event, this.reconcile);
    }
    this.observe(this.on.leaderElected, this.reconcile);
    this.observe(this.on.updateStatus, this.reconcile);
    // The munge key changed (slurmctld rotated it).
    this.observe(this.on.secretChanged, this.reconcile);
    // The partition and the node name go out as soon as the relation exists.
    this.observe(this.on.relationCreated('slurmctld'), this.reconcile);
    this.observe(this.on.relationJoined('slurmctld'), this.reconcile);
    // Also on unchanged data (controllerReady fires once per content): a retry point.
    this.observe(this.on.relationChanged('slurmctld'), this.reconcile);
    this.observe(this.slurmctld.on.controllerReady, this.reconcile);
    this.observe(this.slurmctld.on.controllerGone, this.onControllerGone);
    this.observe(this.gpu.on.gpusChanged, this.reconcile);
    this.observe(this.on.stop, this.onStop);
    this.observe(this.on.remove, this.onStop);
    this.observe(this.on.action('set-node-config'), this.onSetNodeConfig);
    this.observe(this.on.collectUnitStatus, this.onCollectStatus);
  }

  /** This unit's Slurm node name. */
  get nodename(): string {
    return nodeName(this.unit.name);
  }

  async onInstall(): Promise<void> {
    this.unit.status = new MaintenanceStatus('installing slurmd and munge');
    await installPackages(this.machine);
    this.stored.hardware = await detectHardware(this.machine, this.framework.logger);
    this.stored.installed = true;
    await this.reconcile();
  }

  /** The unit is being removed: take the node out for good. */
  async onStop(): Promise<void> {
    this.stored.stopping = true;
    await this.leaveCluster();
  }

  /** slurmctld went away: take the node out; a new relation brings it back. */
  async onControllerGone(): Promise<void> {
    await this.leaveCluster();
  }

  private async leaveCluster(): Promise<void> {
    if (!this.stored.registered) return;
    await removeNode(this.machine, this.nodename, this.framework.logger);
    this.stored.registered = false;
    this.stored.command = '';
    this.stored.conf = '';
    this.stored.statePending = false;
  }

  /** Converge the machine and the relation data to what the model says. */
  async reconcile(): Promise<void> {
    if (!this.stored.installed || this.stored.stopping) return;
    const check = readNodeSettings(this.config);
    const settings = 'settings' in check ? check.settings : undefined;
    // Bad partition-config: the partition slurmctld has stays as it is.
    if (settings) this.slurmctld.publishPartition(settings.partitionConfig);
    const gpus = this.gpus();
    const nodename = this.nodename;
    this.slurmctld.publishNode(gpus.gres.length > 0 ? { nodename, gres: gpus.gres } : { nodename });

    const controller = this.slurmctld.controller()?.controller;
    const key = controller && this.slurmctld.mungeKey();
    if (!controller || !key) return;
    this.stored.mungeKey = await installMungeKey(this.machine, key, this.stored.mungeKey);
    // A GPU node registers with its GPUs, so it waits for them.
    if (gpus.waiting) return;
    if (!this.stored.hardware)
      this.stored.hardware = await detectHardware(this.machine, this.framework.logger);
    const conf = nodeConfLine({
      hardware: parseParameterLine(this.stored.hardware),
      partition: this.app.name,
      gres: gpus.param,
      extra: parseParameterLine(this.stored.nodeConfig),
    });
    const command = slurmdCommand({ nodename, controllers: controller.controllers, conf });
    if (!this.stored.registered || JSON.stringify(command) !== this.stored.command) {
      // A registered dynamic node keeps its old line until deleted.
      if (this.stored.registered && conf !== this.stored.conf && !this.nodeDeleted) {
        await tryScontrol(this.machine, ['delete', `nodename=${nodename}`], this.framework.logger);
      }
      this.framework.logger.info(`starting slurmd for node ${nodename}: ${conf}`);
      await runNode(this.machine, nodename, command);
      if (!this.stored.registered) this.stored.statePending = true;
      this.stored.registered = true;
      this.stored.command = JSON.stringify(command);
      this.stored.conf = conf;
    }
    if (this.stored.statePending && settings) await this.applyDefaultState(settings);
  }

  /** After the first registration: put the node down if so configured (retried until scontrol answers). */
  private async applyDefaultState(settings: NodeSettings): Promise<void> {
    if (settings.defaultState === 'down') {
      const reason = settings.defaultReason || 'n/a';
      const args = ['update', `nodename=${this.nodename}`, 'state=down', `reason=${reason}`];
      const code = await tryScontrol(this.machine, args, this.framework.logger);
      if (code !== 0 && code !== NOT_AVAILABLE) return;
    }
    this.stored.statePending = false;
  }

  private gpus(): GpuState {
    if (this.gpu.relations.length === 0) return { gres: [], param: '' };
    const data = this.gpu.gpus();
    const app = this.gpu.relations[0]?.app.name ?? 'the gpu subordinate';
    if (!data) return { gres: [], param: '', waiting: `waiting for GPU data from ${app}` };
    if (data.devices.length === 0) return { gres: [], param: '' };
    if (!data.ready)
      return { gres: [], param: '', waiting: `waiting for the GPU driver (${app} is not ready)` };
    return { gres: gresLines(data), param: gresParam(data) };
  }

  async onSetNodeConfig(event: ActionEvent): Promise<void> {
    const params = event.loadParams(z.object({ parameters: z.string() }), { errors: 'fail' });
    if (!params) return;
    let text: string;
    try {
      text = formatParameterLine(parseNodeParameters(params.parameters));
    } catch (e) {
      event.fail(`parameters: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (this.stored.stopping) {
      event.fail('this unit is being removed');
      return;
    }
    const nodename = this.nodename;
    if (this.stored.registered) {
      // Delete first: a dynamic node re-registers with a new line only once its record is gone.
      const result = await scontrol(this.machine, ['delete', `nodename=${nodename}`]);
      if (result.exitCode !== 0 && result.exitCode !== NOT_AVAILABLE) {
        const why = (result.stderr || result.stdout).trim();
        event.fail(`scontrol delete nodename=${nodename} failed (exit ${result.exitCode}): ${why}`);
        return;
      }
      this.nodeDeleted = true;
    }
    this.stored.nodeConfig = text;
    await this.reconcile();
    event.setResults({
      node: nodename,
      parameters: text,
      conf: this.stored.registered ? this.stored.conf : '(applied when the node registers)',
    });
  }

  onCollectStatus(event: CollectStatusEvent): void {
    if (!this.stored.installed) {
      event.addStatus(new MaintenanceStatus('installing slurmd and munge'));
      return;
    }
    if (this.stored.stopping) {
      event.addStatus(new MaintenanceStatus(`removing node ${this.nodename}`));
      return;
    }
    const check = readNodeSettings(this.config);
    if ('problems' in check) for (const p of check.problems) event.addStatus(new BlockedStatus(p));
    if (!this.slurmctld.controller() || !this.slurmctld.mungeKey()) {
      event.addStatus(new WaitingStatus('waiting for slurmctld'));
      return;
    }
    const waiting = this.gpus().waiting;
    if (waiting) event.addStatus(new WaitingStatus(waiting));
    else if (!this.stored.registered) event.addStatus(new WaitingStatus(`starting node ${this.nodename}`));
    else event.addStatus(new ActiveStatus(`node ${this.nodename} in partition ${this.app.name}`));
  }
}

if (isEntryPoint(import.meta.url)) await main(SlurmdCharm);
