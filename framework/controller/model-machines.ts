/**
 * A model's machines on its substrate, kept in step with the store. The store is the
 * truth and is written first (in the transaction that adds or removes the units); the
 * substrate follows, idempotently, so a controller killed in between is put right when
 * the model opens again: missing machines are created, unknown ones removed.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Machine } from '../ops/machine.js';
import type { Substrate } from '../substrates/substrate.js';
import type { Store } from './store/store.js';

export class ModelMachines {
  /** The reconciliation started at open; machine look-ups wait for it. */
  private reconciled: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    readonly substrate: Substrate,
  ) {}

  /** Start making the substrate match the store (at open); failures are logged, not fatal. */
  reconcile(): void {
    this.reconciled = this.reconcileNow().catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      this.store.addLog('controller', 'ERROR', 'controller', `reconciling machines: ${message}`);
    });
  }

  /** Resolves once the reconciliation started at open is over. */
  ready(): Promise<void> {
    return this.reconciled;
  }

  /**
   * Create the store's machines that are missing (a crash between a unit's commit and its
   * machine's creation) and remove those the store does not know (a crash between a unit's
   * removal and its machine's, or during a destroy).
   */
  private async reconcileNow(): Promise<void> {
    for (const m of this.store.machines()) await this.substrate.createMachine(m.id, m.constraints);
    let names: string[];
    try {
      names = await readdir(this.substrate.machinesDir);
    } catch {
      return; // no machines folder yet
    }
    for (const name of names) {
      // Asked now, not from the list above: a machine added meanwhile belongs to the store.
      if (this.store.machine(name)) continue;
      if (name.startsWith('.'))
        await rm(join(this.substrate.machinesDir, name), { recursive: true, force: true });
      else await this.substrate.destroyMachine(name);
    }
  }

  /** Machine `id`, created if a crash left it out (createMachine is idempotent). */
  async machine(id: string): Promise<Machine> {
    await this.reconciled;
    const row = this.store.machine(id);
    return row ? this.substrate.createMachine(id, row.constraints) : this.substrate.machine(id);
  }

  /** A machine the store no longer has (its last unit was removed). */
  gone(id: string): Promise<void> {
    return this.substrate.destroyMachine(id);
  }
}
