/**
 * lustre-server: one Lustre target per unit (role mgs, mdt, ost or mgs-mdt by config).
 * Every event runs one holistic reconcile: config → kernel support → LNet → format (once)
 * and mount the target → the MGS leader publishes the `lustre://` endpoint → status.
 */
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  ExecError,
  WaitingStatus,
  isEntryPoint,
  main,
  type CollectStatusEvent,
  type Framework,
  type StatusBase,
} from '../../../framework/ops/index.js';
import { LustreProvider, type ClientMountChangedEvent } from '../../../relations/lustre.js';
import {
  LustreConfigError,
  LustreConflictError,
  NidError,
  ensureLnet,
  ensureTarget,
  lustreSupport,
  type TargetOutcome,
} from '../../lib/lustre/index.js';
import { ConfigProblem, parseServerConfig, servesMgs, type ServerConfig } from './config.js';

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

/**
 * A workload step's failure as a status message, or undefined for a bug (which fails the
 * hook). The Lustre library's plain Errors report what the machine answered.
 */
export function workloadProblem(error: unknown): string | undefined {
  if (error instanceof ExecError) {
    const why = lastLine(error.result.stderr || error.result.stdout);
    return `${error.argv.join(' ')} exited ${error.result.exitCode}${why ? `: ${why}` : ''}`;
  }
  if (
    error instanceof LustreConflictError ||
    error instanceof LustreConfigError ||
    error instanceof NidError ||
    (error instanceof Error && error.constructor === Error)
  ) {
    return lastLine(error.message);
  }
  return undefined;
}

export class LustreServerCharm extends CharmBase {
  readonly lustre = new LustreProvider(this, 'lustre');
  /** What the last reconcile of this dispatch concluded; collect-status reports it. */
  private status: StatusBase | undefined;

  constructor(framework: Framework) {
    super(framework);
    for (const event of [
      this.on.install,
      this.on.start,
      this.on.configChanged,
      this.on.updateStatus,
      this.on.upgradeCharm,
      this.on.leaderElected,
      this.on.relationCreated('lustre'),
      this.on.relationJoined('lustre'),
    ]) {
      this.observe(event, this.reconcile);
    }
    this.observe(this.lustre.on.clientMountChanged, this.onClientMountChanged);
    this.observe(this.on.collectUnitStatus, this.onCollectUnitStatus);
  }

  async reconcile(): Promise<void> {
    this.status = await this.converge();
  }

  onClientMountChanged(event: ClientMountChangedEvent): void {
    const state = event.mount
      ? `${event.mount.mounted ? 'mounted' : 'not mounted'} at ${event.mount.mountpoint}`
      : 'gone';
    this.framework.logger.info(`lustre client ${event.unit?.name ?? event.app?.name ?? '?'}: ${state}`);
  }

  onCollectUnitStatus(event: CollectStatusEvent): void {
    if (this.status) event.addStatus(this.status);
  }

  private async converge(): Promise<StatusBase> {
    let config: ServerConfig;
    try {
      config = parseServerConfig(this.config);
    } catch (error) {
      if (error instanceof ConfigProblem) return new BlockedStatus(error.message);
      throw error;
    }
    const support = await lustreSupport(this.machine, 'server');
    if (!support.supported) return new BlockedStatus(support.reason);

    let nids: string[];
    try {
      nids = (await ensureLnet(this.machine, config.lnet)).nids;
    } catch (error) {
      const why = workloadProblem(error);
      if (why === undefined) throw error;
      return new BlockedStatus(`LNet: ${why}`);
    }

    let outcome: TargetOutcome;
    try {
      outcome = await ensureTarget(this.machine, config.target);
    } catch (error) {
      const why = workloadProblem(error);
      if (why === undefined) throw error;
      // An MDT or OST mount registers with the MGS, which may not be up yet: retried on update-status.
      if (error instanceof ExecError && error.argv[0] === 'mount' && !servesMgs(config.role)) {
        return new WaitingStatus(`waiting for the MGS (${config.mgsNids.join(' ')}): ${why}`);
      }
      return new BlockedStatus(why);
    }
    if (outcome.formatted)
      this.framework.logger.info(`formatted ${config.target.device} as ${outcome.target}`);

    if (servesMgs(config.role)) {
      // Configured NIDs name every MGS node of a failover pair; else this node's own.
      const mgsNids = config.mgsNids.length > 0 ? config.mgsNids : nids;
      this.lustre.publishEndpoint({ mgsNids, fsName: config.fsName });
    }
    return new ActiveStatus(`${config.role} ${outcome.target} mounted at ${config.mountpoint}`);
  }
}

if (isEntryPoint(import.meta.url)) await main(LustreServerCharm);
