/**
 * lustre-client: a subordinate that mounts the filesystem a lustre-server (MGS) application
 * publishes. Every event runs one holistic reconcile: relation → config → kernel support →
 * endpoint → LNet → mount → report `mounted` over `lustre` → status. Without the relation,
 * what this unit mounted is unmounted.
 */
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  ExecError,
  StatusBase,
  WaitingStatus,
  isEntryPoint,
  main,
  type CollectStatusEvent,
  type Framework,
} from '../../../framework/ops/index.js';
import { LustreRequirer, type LustreEndpoint } from '../../../relations/lustre.js';
import {
  LustreConfigError,
  LustreConflictError,
  NidError,
  clientMountSource,
  ensureClientMount,
  ensureLnet,
  lustreSupport,
  unmountLustre,
} from '../../lib/lustre/index.js';
import { ConfigProblem, parseClientConfig, type ClientConfig } from './config.js';

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

/** Run a workload step; its failure becomes the status `status(message, error)` makes. */
async function step<T>(
  run: () => Promise<T>,
  status: (why: string, error: unknown) => StatusBase,
): Promise<T | StatusBase> {
  try {
    return await run();
  } catch (error) {
    const why = workloadProblem(error);
    if (why === undefined) throw error;
    return status(why, error);
  }
}

export class LustreClientCharm extends CharmBase {
  readonly lustre = new LustreRequirer(this, 'lustre');
  /** What this unit mounted ('' when nothing), so it can unmount it when the relation or config moves on. */
  readonly stored = this.storedState('stored', { fsName: '', mountpoint: '' });
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
      this.on.relationCreated('lustre'),
    ]) {
      this.observe(event, this.reconcile);
    }
    // The interface emits these only for valid, new endpoint data, and when the relation is broken.
    this.observe(this.lustre.on.endpointReady, this.reconcile);
    this.observe(this.lustre.on.endpointGone, this.reconcile);
    this.observe(this.on.collectUnitStatus, this.onCollectUnitStatus);
  }

  async reconcile(): Promise<void> {
    this.status = await this.converge();
  }

  onCollectUnitStatus(event: CollectStatusEvent): void {
    if (this.status) event.addStatus(this.status);
  }

  private async converge(): Promise<StatusBase> {
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
    const lnet = await step(
      () => ensureLnet(this.machine, config.lnet),
      (why) => new BlockedStatus(`LNet: ${why}`),
    );
    if (lnet instanceof StatusBase) {
      this.publishMounted(config);
      return lnet;
    }
    const mounted = await step(
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
    const done = await step(
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
