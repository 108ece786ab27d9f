/**
 * A model's private network: one namespace holding a bridge (no address, no route out)
 * and, per machine, a namespace with `eth0` on that bridge at the machine's address.
 * Nothing is linked to the host's interfaces, so several models never see each other.
 * Namespaces are made with `ip netns` (files under /run/netns) and entered with
 * `nsenter --net`, never `ip netns exec`, which remounts /sys and hides the cgroup
 * mounts that slurmd needs (real-slurm-one-host.md §6).
 */
import { existsSync } from 'node:fs';
import { runProcess } from '../../ops/machine/process.js';
import { serialize } from '../serialize.js';

/** Where `ip netns` keeps its namespace files. */
export const NETNS_DIR = '/run/netns';
/** Every machine address is in 10.0.0.0/8 (see addressOf in the controller). */
export const PREFIX_LENGTH = 8;

/** A failed `ip` command, with what it said. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

async function ip(args: readonly string[]): Promise<void> {
  const result = await runProcess(['ip', ...args], { env: process.env, timeoutMs: 30_000 });
  if (result.exitCode !== 0) {
    throw new NetworkError(`ip ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
}

/** Names of one model's namespaces and links; `tag` is short and unique per model. */
export class ModelNetwork {
  /** Changes run one at a time: two hooks opening one machine must not both "repair" it. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    return serialize(`${NETNS_DIR}/.tsops-${this.tag}`, task);
  }

  constructor(readonly tag: string) {
    if (!/^[a-z0-9]{1,12}$/.test(tag)) throw new Error(`invalid network tag ${JSON.stringify(tag)}`);
  }

  /** The namespace holding the bridge. */
  get hubNs(): string {
    return `tsops-${this.tag}`;
  }

  machineNs(id: string): string {
    return `tsops-${this.tag}-m${id}`;
  }

  /** The bridge side of machine `id`'s veth (interface names are at most 15 bytes). */
  private hostSide(id: string): string {
    return `m${id}`;
  }

  nsPath(ns: string): string {
    return `${NETNS_DIR}/${ns}`;
  }

  /** The bridge namespace, made once per model (idempotent). */
  ensureHub(): Promise<void> {
    return this.serial(() => this.makeHub());
  }

  private async makeHub(): Promise<void> {
    if (existsSync(this.nsPath(this.hubNs))) return;
    await ip(['netns', 'add', this.hubNs]);
    await ip(['-n', this.hubNs, 'link', 'set', 'lo', 'up']);
    await ip(['-n', this.hubNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', this.hubNs, 'link', 'set', 'br0', 'up']);
  }

  /**
   * Machine `id`'s namespace with `eth0` at `address` on the bridge. Idempotent; a
   * namespace left half-made by a crash is deleted and made again.
   */
  ensureMachine(id: string, address: string): Promise<void> {
    if (id.length > 13) throw new Error(`machine id ${id} is too long for an interface name`);
    return this.serial(() => this.makeMachine(id, address));
  }

  private async makeMachine(id: string, address: string): Promise<void> {
    await this.makeHub();
    const ns = this.machineNs(id);
    if (existsSync(this.nsPath(ns))) {
      if (await this.complete(ns, address)) return;
      await ip(['netns', 'del', ns]);
    }
    await ip(['netns', 'add', ns]);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    await ip([
      '-n',
      this.hubNs,
      'link',
      'add',
      this.hostSide(id),
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      ns,
    ]);
    await ip(['-n', this.hubNs, 'link', 'set', this.hostSide(id), 'master', 'br0', 'up']);
    await ip(['-n', ns, 'addr', 'add', `${address}/${PREFIX_LENGTH}`, 'dev', 'eth0']);
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  }

  /** Whether `ns` has eth0 up at `address`. */
  private async complete(ns: string, address: string): Promise<boolean> {
    const r = await runProcess(['ip', '-n', ns, '-o', '-4', 'addr', 'show', 'dev', 'eth0'], {
      env: process.env,
      timeoutMs: 30_000,
    });
    return r.exitCode === 0 && r.stdout.includes(` ${address}/${PREFIX_LENGTH} `);
  }

  /** Deleting the namespace deletes its veth pair too; an absent one is not an error. */
  deleteMachine(id: string): Promise<void> {
    const ns = this.machineNs(id);
    return this.serial(async () => {
      if (existsSync(this.nsPath(ns))) await ip(['netns', 'del', ns]);
    });
  }

  /** Every namespace of this model (machines and hub), by name. */
  async namespaces(): Promise<string[]> {
    const r = await runProcess(['ip', 'netns', 'list'], { env: process.env, timeoutMs: 30_000 });
    return r.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0] ?? '')
      .filter((n) => n === this.hubNs || n.startsWith(`${this.hubNs}-m`));
  }

  /** Remove every namespace (and so every link and the bridge) of this model. */
  deleteAll(): Promise<void> {
    return this.serial(async () => {
      for (const ns of await this.namespaces()) {
        if (ns !== this.hubNs) await ip(['netns', 'del', ns]);
      }
      if (existsSync(this.nsPath(this.hubNs))) await ip(['netns', 'del', this.hubNs]);
    });
  }
}
