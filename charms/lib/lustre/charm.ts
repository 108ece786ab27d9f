/**
 * The wiring lustre-server and lustre-client share: both reconcile holistically, so every
 * event they care about runs one `converge()`, and collect-status reports what the last
 * run concluded. A charm writes `converge()` and names its own extra events.
 *
 *   class LustreServerCharm extends LustreCharm {
 *     readonly lustre = new LustreProvider(this, 'lustre');
 *     constructor(framework: Framework) {
 *       super(framework);
 *       this.reconcileOn(this.on.leaderElected, this.on.relationCreated('lustre'));
 *     }
 *     protected async converge(): Promise<StatusBase> { … }
 *   }
 */
import {
  CharmBase,
  type BoundEvent,
  type EventBase,
  type CollectStatusEvent,
  type StatusBase,
} from '../../../framework/ops/index.js';

/** Base of the Lustre charms; see the module comment. */
export abstract class LustreCharm extends CharmBase {
  /** What the last reconcile of this dispatch concluded; collect-status reports it. */
  private status: StatusBase | undefined;

  /** Work out what the unit should be, converge the machine to it, and say how it went. */
  protected abstract converge(): Promise<StatusBase>;

  /**
   * Reconcile on the unit's lifecycle and config events and on `events`, and report at
   * collect-status. Call it in the charm's constructor, not here in the base's: the charm's
   * relation interfaces are built after this constructor, and must observe shared events
   * (relation-created, collect-status) before the charm does, as they did before this base.
   * (`never`: an event of any kind, whatever its `emit` takes.)
   */
  protected reconcileOn(...events: Array<BoundEvent<EventBase, never>>): void {
    for (const event of [
      this.on.install,
      this.on.start,
      this.on.configChanged,
      this.on.updateStatus,
      this.on.upgradeCharm,
      ...events,
    ]) {
      this.observe(event, this.reconcile);
    }
    this.observe(this.on.collectUnitStatus, this.onCollectUnitStatus);
  }

  async reconcile(): Promise<void> {
    this.status = await this.converge();
  }

  onCollectUnitStatus(event: CollectStatusEvent): void {
    if (this.status) event.addStatus(this.status);
  }
}
