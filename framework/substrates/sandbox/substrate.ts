/**
 * SandboxSubstrate: the default place units live. Each machine is a directory
 * `<modelDir>/machines/<id>/` holding `machine.json` (what it was made as) and
 * the SandboxMachine state; the directory outlives the controller process, so
 * a restarted controller re-opens its machines with `machine(id)`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatConstraints, hardwareFromConstraints, parseConstraints } from './constraints.js';
import { SandboxMachine } from './machine.js';
import { seedBaseSystem } from './base-system.js';
import { errorCode, isObject, message, serialize, text, writeAtomic } from './store.js';
import type { Substrate } from '../substrate.js';

/** Where the substrate keeps its machines. */
export interface SandboxSubstrateOptions {
  /** The model's directory; machines go in its `machines/` folder. */
  modelDir: string;
}

/** The contents of `machine.json`. */
export interface MachineRecord {
  id: string;
  hostname: string;
  /** Canonical constraint text (formatConstraints). */
  constraints: string;
  /** ISO 8601 creation time. */
  createdAt: string;
}

/** Machine ids become directory names: no slashes, no dot files. */
const MACHINE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function checkId(id: string): string {
  if (typeof id !== 'string' || !MACHINE_ID.test(id)) {
    throw new Error(
      `invalid machine id ${JSON.stringify(id)}: use letters, digits, ".", "_" and "-" (e.g. "0")`,
    );
  }
  return id;
}

/** Numbers in numeric order ("2" before "10"), then the rest by name. */
function byId(a: MachineRecord, b: MachineRecord): number {
  return a.id.localeCompare(b.id, 'en', { numeric: true });
}

/** Simulated machines under a model directory; see the module comment. */
export class SandboxSubstrate implements Substrate {
  /** The substrate's name, as `--substrate` spells it. */
  readonly name = 'sandbox';
  /** `<modelDir>/machines`. */
  readonly machinesDir: string;

  constructor(options: SandboxSubstrateOptions) {
    this.machinesDir = join(options.modelDir, 'machines');
  }

  /** The directory of machine `id`. */
  dirOf(id: string): string {
    return join(this.machinesDir, checkId(id));
  }

  /**
   * Makes machine `id` with Juju constraints (`cores=4 mem=8G gpus=1`). Creating
   * it again with the same constraints returns the existing machine, so a
   * controller re-running a step after a crash is safe; different constraints
   * are an error.
   */
  async createMachine(id: string, constraints: string): Promise<SandboxMachine> {
    const dir = this.dirOf(id);
    const canonical = formatConstraints(parseConstraints(constraints));
    return serialize(dir, async () => {
      const existing = await this.readRecord(id);
      if (existing) {
        if (existing.constraints !== canonical) {
          throw new Error(
            `machine ${id} already exists with constraints "${existing.constraints}", not "${canonical}"`,
          );
        }
        return this.open(existing);
      }
      await mkdir(join(dir, 'root'), { recursive: true });
      await seedBaseSystem(join(dir, 'root'), `machine-${id}`);
      const record: MachineRecord = {
        id,
        hostname: `machine-${id}`,
        constraints: canonical,
        createdAt: new Date().toISOString(),
      };
      // Written last: a directory without machine.json is an unfinished creation.
      await writeAtomic(join(dir, 'machine.json'), `${JSON.stringify(record, null, 2)}\n`);
      return this.open(record);
    });
  }

  /** Re-opens an existing machine (e.g. after a controller restart); an error when there is none. */
  async machine(id: string): Promise<SandboxMachine> {
    const record = await this.readRecord(id);
    if (!record) throw new Error(`no sandbox machine ${id} in ${this.machinesDir}`);
    return this.open(record);
  }

  /** Removes a machine and everything on it; an absent machine is not an error. */
  async destroyMachine(id: string): Promise<void> {
    const dir = this.dirOf(id);
    await serialize(dir, async () => {
      // Renamed first, so a crash mid-delete never leaves a half machine that still looks real.
      const doomed = join(this.machinesDir, `.${id}.destroying-${randomBytes(6).toString('hex')}`);
      try {
        await rename(dir, doomed);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return;
        throw error;
      }
      await rm(doomed, { recursive: true, force: true });
    });
  }

  /** destroy-model: the machines are folders under the model, so removing them is all. */
  async destroy(): Promise<void> {
    await rm(this.machinesDir, { recursive: true, force: true });
  }

  /** Nothing runs in the background. */
  close(): void {}

  /** Every machine, in id order (numeric ids numerically). */
  async list(): Promise<MachineRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.machinesDir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
    const records = await Promise.all(names.filter((n) => MACHINE_ID.test(n)).map((n) => this.readRecord(n)));
    return records.filter((r): r is MachineRecord => r !== null).sort(byId);
  }

  private open(record: MachineRecord): SandboxMachine {
    return new SandboxMachine({
      dir: this.dirOf(record.id),
      hostname: record.hostname,
      hardware: hardwareFromConstraints(parseConstraints(record.constraints)),
    });
  }

  /** machine.json of `id`, null when absent; a damaged one is an error naming the file. */
  private async readRecord(id: string): Promise<MachineRecord | null> {
    const path = join(this.dirOf(id), 'machine.json');
    let raw: string;
    try {
      raw = await readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
    try {
      const data: unknown = JSON.parse(raw);
      if (!isObject(data)) throw new Error('expected a JSON object');
      const record: MachineRecord = {
        id: text(data.id, 'id'),
        hostname: text(data.hostname, 'hostname'),
        constraints: text(data.constraints, 'constraints'),
        createdAt: text(data.createdAt, 'createdAt'),
      };
      if (record.id !== id)
        throw new Error(`id is ${JSON.stringify(record.id)}, expected ${JSON.stringify(id)}`);
      parseConstraints(record.constraints);
      return record;
    } catch (error) {
      throw new Error(`damaged sandbox machine file ${path}: ${message(error)}`);
    }
  }
}
