/**
 * The munge key's trip from slurmctld to slurmd and slurmdbd, shared by the `slurmd`
 * and `slurmdbd` interfaces: slurmctld grants its munge key secret to each relation
 * and publishes the id in its app bag as `munge-key-secret-id`; the other side reads
 * the key through that id. Written once here so both interfaces grant and read alike.
 *
 *   this.publishApp(ControllerAppSchema, grantingMungeKey(data, key), relation); // slurmctld's side
 *   class SlurmdProvider extends MungeKeyRecipient<typeof ControllerAppSchema> { … }
 */
import type { z } from 'zod';
import type { CharmBase, Relation, Secret } from '../framework/ops/index.js';
import { MUNGE_KEY_LABEL, MungeKeyContentSchema, type MungeKeyContent } from './common.js';
import { RelationInterface, grantedId, type BagSchema, type InterfaceSpec } from './interface.js';

/** slurmctld's app-bag key holding the munge key's secret id (granted per relation). */
export const MUNGE_KEY_FIELD = 'munge-key-secret-id';

/** A slurmctld app-bag schema: whatever fields the interface needs, the munge key's secret id among them. */
export type MungeKeyBagSchema = BagSchema & z.ZodType<{ [MUNGE_KEY_FIELD]: string }>;

/**
 * slurmctld's app data for each relation: `data` plus the munge key's secret id, granted to
 * that relation's application first (pass it to `publishApp`).
 */
export function grantingMungeKey<T extends object>(
  data: T,
  mungeKey: Secret,
): (relation: Relation) => T & { [MUNGE_KEY_FIELD]: string } {
  return (relation) => ({ ...data, [MUNGE_KEY_FIELD]: grantedId(mungeKey, relation) });
}

/**
 * Base of the sides slurmctld grants its munge key to (`SlurmdProvider`, `SlurmdbdProvider`):
 * read slurmctld's app data, `S`, and the key its secret id names.
 */
export abstract class MungeKeyRecipient<S extends MungeKeyBagSchema> extends RelationInterface {
  constructor(
    charm: CharmBase,
    endpoint: string,
    spec: InterfaceSpec,
    private readonly controllerSchema: S,
  ) {
    super(charm, endpoint, spec);
  }

  /** slurmctld's data from the first relation that has valid data. */
  controller(): { relation: Relation; controller: z.output<S> } | undefined {
    const found = this.firstRemoteApp(this.controllerSchema);
    return found && { relation: found.relation, controller: found.data };
  }

  /** The munge key slurmctld granted, read under `label` so secret-changed names it. */
  mungeKey(label: string = MUNGE_KEY_LABEL): MungeKeyContent | undefined {
    const found = this.controller();
    if (!found) return undefined;
    const id = found.controller[MUNGE_KEY_FIELD];
    return this.readSecret(found.relation, MUNGE_KEY_FIELD, id, MungeKeyContentSchema, label);
  }
}
