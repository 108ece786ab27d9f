/**
 * NetnsSubstrate: a model's machines as network namespaces on this host (network.ts),
 * each with real, supervised daemons (services.ts). State lives in
 * `<modelDir>/machines/<id>/` (machine.json, root/, services/, log/), so a controller
 * that crashed and restarted finds its machines, and their processes, again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { addressOf } from '../address.js';
import { serialize } from '../serialize.js';
import type { Substrate } from '../substrate.js';
import { MachineRoot } from './machine-root.js';
import { HostMountpoints } from './mountpoints.js';
import { NetnsMachine } from './machine.js';
import { ModelNetwork } from './network.js';
import { pidsInNetns, terminate, identify } from './processes.js';
import { netnsUnavailable } from './requirements.js';

export type LogSink = (
  entity: string,
  level: 'INFO' | 'WARNING' | 'ERROR',
  module: string,
  message: string,
) => void;

export interface NetnsSubstrateOptions {
  modelDir: string;
  /** Short and unique per model (the model uuid's first hex digits): names its namespaces. */
  tag: string;
  /** Where service output and supervision events go (the model's log). */
  log: LogSink;
  /** How often services are checked and their output copied (default 1 s). */
  superviseMs?: number;
  /** Where packaged services' unit files are read (default systemd's directories). */
  unitDirs?: readonly string[];
}

const MachineRecordSchema = z
  .object({
    id: z.string(),
    hostname: z.string(),
    address: z.string(),
    constraints: z.string(),
    createdAt: z.string(),
  })
  .strict();
type MachineRecord = z.infer<typeof MachineRecordSchema>;

const MACHINE_ID = /^[0-9]{1,12}$/;

export class NetnsSubstrate implements Substrate {
  readonly name = 'netns';
  readonly machinesDir: string;
  readonly network: ModelNetwork;
  private readonly mountpoints: HostMountpoints;
  private readonly stateDir: string;
  private readonly open = new Map<string, NetnsMachine>();
  private readonly offsets = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private supervising = false;
  private closed = false;

  constructor(private readonly options: NetnsSubstrateOptions) {
    this.machinesDir = join(options.modelDir, 'machines');
    this.stateDir = join(options.modelDir, 'netns');
    this.network = new ModelNetwork(options.tag);
    this.mountpoints = new HostMountpoints(options.tag, this.stateDir);
  }

  /** Throws the one-line reason when this host cannot run the substrate. */
  static check(): void {
    const why = netnsUnavailable();
    if (why !== null) throw new Error(why);
  }

  /** Start supervising (restart on failure, output into the model's log). */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.superviseOnce(), this.options.superviseMs ?? 1000);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private dirOf(id: string): string {
    if (!MACHINE_ID.test(id))
      throw new Error(`invalid machine id ${JSON.stringify(id)}: netns machine ids are numbers`);
    return join(this.machinesDir, id);
  }

  createMachine(id: string, constraints: string): Promise<NetnsMachine> {
    return serialize(this.dirOf(id), () => this.makeMachine(id, constraints));
  }

  private async makeMachine(id: string, constraints: string): Promise<NetnsMachine> {
    const dir = this.dirOf(id);
    // Every hook asks for its machine: a made one whose namespace is there is answered at once.
    const cached = this.open.get(id);
    if (cached && existsSync(this.network.nsPath(this.network.machineNs(id)))) return cached;
    const existing = await this.readRecord(id);
    const record: MachineRecord = existing ?? {
      id,
      hostname: `machine-${id}`,
      address: addressOf(id),
      constraints,
      createdAt: new Date().toISOString(),
    };
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Made (again, after a host reboot) before the record is trusted: idempotent.
    await this.network.ensureMachine(id, record.address);
    if (!existing) {
      await writeFile(join(dir, 'machine.json.tmp'), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      await rename(join(dir, 'machine.json.tmp'), join(dir, 'machine.json'));
    }
    const machine = this.openMachine(record);
    await machine.options.root.writeIdentity(record.hostname, record.address);
    return machine;
  }

  async machine(id: string): Promise<NetnsMachine> {
    const record = await this.readRecord(id);
    if (!record) throw new Error(`no netns machine ${id} in ${this.machinesDir}`);
    if (!existsSync(this.network.nsPath(this.network.machineNs(id)))) {
      await this.network.ensureMachine(id, record.address);
    }
    return this.openMachine(record);
  }

  /** Stop its services, kill whatever else still runs in its namespace, delete the namespace and its files. */
  destroyMachine(id: string): Promise<void> {
    return serialize(this.dirOf(id), () => this.removeMachine(id));
  }

  private async removeMachine(id: string): Promise<void> {
    const dir = this.dirOf(id);
    const record = await this.readRecord(id);
    if (record) await (await this.openMachine(record)).services.stopAll();
    const ns = this.network.nsPath(this.network.machineNs(id));
    for (const pid of await pidsInNetns(ns)) {
      const p = await identify(pid);
      if (p) await terminate(p, 5_000);
    }
    await this.network.deleteMachine(id);
    this.open.delete(id);
    const doomed = join(this.machinesDir, `.${id}.destroying-${randomBytes(6).toString('hex')}`);
    try {
      await rename(dir, doomed);
    } catch {
      return;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  /** destroy-model: every machine, the bridge namespace, and the mount points made on the host. */
  async destroy(): Promise<void> {
    this.close();
    const names = await readdir(this.machinesDir).catch(() => [] as string[]);
    for (const name of names) {
      if (MACHINE_ID.test(name)) await this.destroyMachine(name);
      else if (name.startsWith('.')) await rm(join(this.machinesDir, name), { recursive: true, force: true });
    }
    // Machines whose folder a crash already removed still have namespaces: by name, this model's only.
    for (const ns of await this.network.namespaces()) {
      for (const pid of await pidsInNetns(this.network.nsPath(ns))) {
        const p = await identify(pid);
        if (p) await terminate(p, 5_000);
      }
    }
    await this.network.deleteAll();
    await this.mountpoints.release();
    await rm(this.stateDir, { recursive: true, force: true });
  }

  async list(): Promise<MachineRecord[]> {
    const names = await readdir(this.machinesDir).catch(() => [] as string[]);
    const records = await Promise.all(names.filter((n) => MACHINE_ID.test(n)).map((n) => this.readRecord(n)));
    return records.filter((r): r is MachineRecord => r !== null).sort((a, b) => Number(a.id) - Number(b.id));
  }

  // ---- internals ----------------------------------------------------------------

  private openMachine(record: MachineRecord): NetnsMachine {
    const cached = this.open.get(record.id);
    if (cached) return cached;
    const dir = this.dirOf(record.id);
    const machine = new NetnsMachine({
      id: record.id,
      dir,
      hostname: record.hostname,
      address: record.address,
      netns: this.network.nsPath(this.network.machineNs(record.id)),
      root: new MachineRoot(dir, (target) => this.mountpoints.ensure(target)),
      unitDirs: this.options.unitDirs,
      log: (service, level, message) => this.options.log(`machine-${record.id}`, level, service, message),
    });
    this.open.set(record.id, machine);
    this.start();
    return machine;
  }

  private async readRecord(id: string): Promise<MachineRecord | null> {
    const path = join(this.dirOf(id), 'machine.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return null;
    }
    const parsed = MachineRecordSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`damaged netns machine file ${path}: ${parsed.error.message}`);
    return parsed.data;
  }

  /** One pass: restart what died, copy new service output into the model's log. */
  private async superviseOnce(): Promise<void> {
    if (this.supervising || this.closed) return;
    this.supervising = true;
    try {
      const names = await readdir(this.machinesDir).catch(() => [] as string[]);
      for (const id of names.filter((n) => MACHINE_ID.test(n))) {
        if (this.closed) break;
        // machine() makes the namespace again if the host rebooted since; under the machine's
        // lock, so a machine being destroyed is not made again.
        const machine = await serialize(this.dirOf(id), () => this.machine(id)).catch(() => null);
        if (!machine) continue;
        await machine.services.supervise().catch((e: unknown) => {
          this.options.log(
            `machine-${id}`,
            'ERROR',
            'supervisor',
            e instanceof Error ? e.message : String(e),
          );
        });
        await this.copyOutput(id);
      }
    } finally {
      this.supervising = false;
    }
  }

  /** New lines of each service log of machine `id` into the model's log (from where the last pass stopped). */
  private async copyOutput(id: string): Promise<void> {
    const logDir = join(this.dirOf(id), 'log');
    for (const file of await readdir(logDir).catch(() => [] as string[])) {
      if (!file.endsWith('.log')) continue;
      const path = join(logDir, file);
      const handle = await open(path, 'r').catch(() => null);
      if (!handle) continue;
      try {
        const size = (await handle.stat()).size;
        const from = Math.min(this.offsets.get(path) ?? 0, size);
        if (size <= from) continue;
        const length = Math.min(size - from, 256 * 1024);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, from);
        const text = buffer.toString('utf8');
        const end = text.lastIndexOf('\n');
        if (end < 0 && length < 256 * 1024) continue; // wait for the rest of the line
        const complete = end < 0 ? text : text.slice(0, end);
        this.offsets.set(path, from + Buffer.byteLength(end < 0 ? text : text.slice(0, end + 1)));
        for (const line of complete.split('\n')) {
          if (line.trim() !== '') this.options.log(`machine-${id}`, 'INFO', file.slice(0, -4), line);
        }
      } finally {
        await handle.close();
      }
    }
  }
}
