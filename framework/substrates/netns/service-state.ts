/**
 * What the substrate remembers of each service of a machine, one JSON file per service
 * under `<machine>/services/`, written atomically: a controller killed at any instant
 * finds its services (and their pids) again when it restarts.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ServiceSpec } from '../../ops/machine.js';
import { ServiceSpecSchema } from '../service-spec.js';

const Identity = z.object({ pid: z.number().int().positive(), startTime: z.number() }).strict();

const Spec = ServiceSpecSchema.extend({ command: z.array(z.string()).min(1) });

export const ServiceStateSchema = z
  .object({
    name: z.string(),
    /** Set when the charm defined the service (it then wins over a packaged unit). */
    defined: Spec.optional(),
    enabled: z.boolean(),
    /** What the charm last asked for; the supervisor keeps a wanted service running. */
    wanted: z.enum(['running', 'stopped']),
    main: Identity.optional(),
    /** How the last run ended, when known. */
    lastExit: z.object({ code: z.number().nullable(), signal: z.string().nullable() }).strict().optional(),
    /** Restart times (ms) within the rate-limit window. */
    restarts: z.array(z.number()),
    /** The supervisor gave up (start limit hit, or the start failed). */
    failed: z.boolean(),
    /** The host's boot id when it last started (a different one means the host rebooted). */
    bootId: z.string().optional(),
  })
  .strict();

export type ServiceState = z.infer<typeof ServiceStateSchema>;

export function initialState(name: string): ServiceState {
  return { name, enabled: false, wanted: 'stopped', restarts: [], failed: false };
}

/** A ServiceSpec as the state keeps it (a plain copy; validated on read). */
export function specRecord(spec: ServiceSpec): NonNullable<ServiceState['defined']> {
  return Spec.parse(JSON.parse(JSON.stringify(spec)));
}

export class ServiceStates {
  constructor(readonly dir: string) {}

  private path(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  /** The state of `name`; a fresh one when none was saved. A damaged file is an error naming it. */
  async read(name: string): Promise<ServiceState> {
    let text: string;
    try {
      text = await readFile(this.path(name), 'utf8');
    } catch {
      return initialState(name);
    }
    const parsed = ServiceStateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`damaged service state ${this.path(name)}: ${parsed.error.message}`);
    return parsed.data;
  }

  async write(state: ServiceState): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temp = `${this.path(state.name)}.tmp`;
    await writeFile(temp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    await rename(temp, this.path(state.name));
  }

  /** Names of every service with a saved state. */
  async names(): Promise<string[]> {
    const files = await readdir(this.dir).catch(() => [] as string[]);
    return files
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  }
}
