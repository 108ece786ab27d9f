/**
 * lustre-server: one Lustre target per unit (role mgs, mdt, ost or mgs-mdt by config).
 * Every event runs one holistic reconcile: config → kernel support → LNet → format (once)
 * and mount the target → the MGS leader publishes the `lustre://` endpoint → status.
 */
import {
  ActiveStatus,
  BlockedStatus,
  ExecError,
  StatusBase,
  WaitingStatus,
  isEntryPoint,
  main,
  type Framework,
} from '../../../framework/ops/index.js';
import { LustreProvider, type ClientMountChangedEvent } from '../../../relations/lustre.js';
import {
  LustreCharm,
  ensureLnet,
  ensureTarget,
  lustreSupport,
  workloadStep,
} from '../../lib/lustre/index.js';
import { ConfigProblem, parseServerConfig, servesMgs, type ServerConfig } from './config.js';

export class LustreServerCharm extends LustreCharm {
  readonly lustre = new LustreProvider(this, 'lustre');

  constructor(framework: Framework) {
    super(framework);
    this.reconcileOn(
      this.on.leaderElected,
      this.on.relationCreated('lustre'),
      this.on.relationJoined('lustre'),
    );
    this.observe(this.lustre.on.clientMountChanged, this.onClientMountChanged);
  }

  onClientMountChanged(event: ClientMountChangedEvent): void {
    const state = event.mount
      ? `${event.mount.mounted ? 'mounted' : 'not mounted'} at ${event.mount.mountpoint}`
      : 'gone';
    this.framework.logger.info(`lustre client ${event.unit?.name ?? event.app?.name ?? '?'}: ${state}`);
  }

  protected async converge(): Promise<StatusBase> {
    let config: ServerConfig;
    try {
      config = parseServerConfig(this.config);
    } catch (error) {
      if (error instanceof ConfigProblem) return new BlockedStatus(error.message);
      throw error;
    }
    const support = await lustreSupport(this.machine, 'server');
    if (!support.supported) return new BlockedStatus(support.reason);

    const lnet = await workloadStep(
      () => ensureLnet(this.machine, config.lnet),
      (why) => new BlockedStatus(`LNet: ${why}`),
    );
    if (lnet instanceof StatusBase) return lnet;

    const outcome = await workloadStep(
      () => ensureTarget(this.machine, config.target),
      (why, error) =>
        // An MDT or OST mount registers with the MGS, which may not be up yet: retried on update-status.
        error instanceof ExecError && error.argv[0] === 'mount' && !servesMgs(config.role)
          ? new WaitingStatus(`waiting for the MGS (${config.mgsNids.join(' ')}): ${why}`)
          : new BlockedStatus(why),
    );
    if (outcome instanceof StatusBase) return outcome;
    if (outcome.formatted)
      this.framework.logger.info(`formatted ${config.target.device} as ${outcome.target}`);

    if (servesMgs(config.role)) {
      // Configured NIDs name every MGS node of a failover pair; else this node's own.
      const mgsNids = config.mgsNids.length > 0 ? config.mgsNids : lnet.nids;
      this.lustre.publishEndpoint({ mgsNids, fsName: config.fsName });
    }
    return new ActiveStatus(`${config.role} ${outcome.target} mounted at ${config.mountpoint}`);
  }
}

if (isEntryPoint(import.meta.url)) await main(LustreServerCharm);
