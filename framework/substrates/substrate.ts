/**
 * What the controller needs of a substrate: machines made, re-opened and destroyed by
 * id, and the whole model's leftovers removed at destroy-model. Machines live in
 * `<modelDir>/machines/<id>/` on every substrate, so the controller reconciles the
 * store against that folder the same way for all of them.
 */
import type { Machine } from '../ops/machine.js';

export interface Substrate {
  /** As `--substrate` spells it. */
  readonly name: string;
  /** `<modelDir>/machines`: one folder per machine id. */
  readonly machinesDir: string;
  /** Make machine `id` (idempotent: the same id and constraints return the existing one). */
  createMachine(id: string, constraints: string): Promise<Machine>;
  /** Re-open an existing machine; an error when there is none. */
  machine(id: string): Promise<Machine>;
  /** Every machine, in id order. */
  list(): Promise<Array<{ id: string; hostname: string }>>;
  /** Remove a machine and everything on it; an absent machine is not an error. */
  destroyMachine(id: string): Promise<void>;
  /** Remove everything the substrate made for this model (destroy-model). */
  destroy(): Promise<void>;
  /** Stop background work; the machines (and their processes) stay as they are. */
  close(): void;
}
