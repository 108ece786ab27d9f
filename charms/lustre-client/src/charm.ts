/**
 * lustre-client: a subordinate that mounts the filesystem a lustre-server (MGS) application
 * publishes. Every event runs one holistic reconcile: relation → config → kernel support →
 * endpoint → LNet → mount → report `mounted` over `lustre` → status. Without the relation,
 * what this unit mounted is unmounted.
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
import { LustreRequirer, type LustreEndpoint } from '../../../relations/lustre.js';
import {
  LustreCharm,
  LustreConfigError,
  clientMountSource,
  ensureClientMount,
  ensureLnet,
  lustreSupport,
  unmountLustre,
  workloadStep,
} from '../../lib/lustre/index.js';
import { ConfigProblem, parseClientConfig, type ClientConfig } from './config.js';

export class LustreClientCharm extends LustreCharm {
  readonly lustre = new LustreRequirer(this, 'lustre');
  /** What this unit mounted ('' when nothing), so it can unmount it when the relation or config moves on. */
  readonly stored = this.storedState('stored', { fsName: '', mountpoint: '' });

  constructor(framework: Framework) {
    super(framework);
    this.reconcileOn(
      this.on.relationCreated('lustre'),
      // The interface emits these only for valid, new endpoint data, and when the relation is broken.
      this.lustre.on.endpointReady,
      this.lustre.on.endpointGone,
    );
  }

  protected async converge(): Promise<StatusBase> {
    // On relation-broken the relation being broken is already left out.
    const relation = this.lustre.relations[0];
    if (!relation) {
      const unmounted = await this.unmountStored();
      return unmounted ?? new BlockedStatus('relate a lustre-server (MGS) application');
    }

    let config: ClientConfig;
    try {
      config = parseClientConfig(this.config);
    } catch (error) {
      if (error instanceof ConfigProblem) return new BlockedStatus(error.message);
      throw error;
    }
    const support = await lustreSupport(this.machine, 'client');
    if (!support.supported) {
      this.publishMounted(config);
      return new BlockedStatus(support.reason);
    }

    // Bad endpoint data is a problem the interface reports as Blocked (naming app and field).
    const fs = this.lustre.filesystem();
    if (!fs) {
      this.publishMounted(config);
      const keeping = this.stored.mountpoint
        ? ` (keeping ${this.stored.fsName} mounted at ${this.stored.mountpoint})`
        : '';
      return new WaitingStatus(`waiting for ${relation.app.name} to publish the filesystem${keeping}`);
    }
    return this.mount(config, fs, relation.app.name);
  }

  /** LNet, then the mount (moving it first if the filesystem or mountpoint changed). */
  private async mount(config: ClientConfig, fs: LustreEndpoint, server: string): Promise<StatusBase> {
    const spec = { mgsNids: fs.mgsNids, fsname: fs.fsName, mountpoint: config.mountpoint };
    let source: string;
    try {
      // The interface accepts host-name NIDs; mount.lustre here takes only what the library can check.
      source = clientMountSource(spec);
    } catch (error) {
      if (!(error instanceof LustreConfigError)) throw error;
      this.publishMounted(config);
      return new BlockedStatus(`${server} published a filesystem this client cannot mount: ${error.message}`);
    }
    if (
      this.stored.mountpoint &&
      (this.stored.mountpoint !== config.mountpoint || this.stored.fsName !== fs.fsName)
    ) {
      const blocked = await this.unmountStored();
      if (blocked) {
        this.publishMounted(config);
        return blocked;
      }
    }
    const lnet = await workloadStep(
      () => ensureLnet(this.machine, config.lnet),
      (why) => new BlockedStatus(`LNet: ${why}`),
    );
    if (lnet instanceof StatusBase) {
      this.publishMounted(config);
      return lnet;
    }
    const mounted = await workloadStep(
      () => ensureClientMount(this.machine, spec),
      (why, error) =>
        error instanceof ExecError
          ? // The MGS may not be serving yet (the servers format in parallel): retried on update-status.
            new WaitingStatus(`cannot mount ${source} yet: ${why}`)
          : new BlockedStatus(why),
    );
    if (typeof mounted !== 'boolean') {
      this.publishMounted(config);
      return mounted;
    }
    if (mounted) this.framework.logger.info(`mounted ${source} at ${config.mountpoint}`);
    this.stored.fsName = fs.fsName;
    this.stored.mountpoint = config.mountpoint;
    this.publishMounted(config);
    return new ActiveStatus(`mounted ${fs.fsName} at ${config.mountpoint}`);
  }

  /** Report over `lustre` whether this unit has the filesystem mounted. */
  private publishMounted(config: ClientConfig): void {
    const mountpoint = this.stored.mountpoint || config.mountpoint;
    this.lustre.publishMount({ mounted: this.stored.mountpoint !== '', mountpoint });
  }

  /** Unmount what this unit mounted; a status when that fails (a busy mount is retried on update-status). */
  private async unmountStored(): Promise<StatusBase | undefined> {
    const { fsName, mountpoint } = this.stored;
    if (!mountpoint) return undefined;
    const done = await workloadStep(
      () => unmountLustre(this.machine, mountpoint),
      (why) => new BlockedStatus(`cannot unmount ${fsName} from ${mountpoint}: ${why}`),
    );
    if (typeof done !== 'boolean') return done;
    if (done) this.framework.logger.info(`unmounted ${fsName} from ${mountpoint}`);
    this.stored.fsName = '';
    this.stored.mountpoint = '';
    return undefined;
  }
}

if (isEntryPoint(import.meta.url)) await main(LustreClientCharm);
