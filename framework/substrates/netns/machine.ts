/**
 * NetnsMachine: one machine of the netns substrate, a Linux network + UTS namespace on
 * this host with its own address and hostname, private trees for its daemons' files
 * (trees.ts), real processes (services.ts), and the host's packages and hardware.
 */
import { readFile } from 'node:fs/promises';
import { ExecError } from '../../ops/machine.js';
import type { ExecOptions, ExecResult, Hardware, Machine } from '../../ops/machine.js';
import { HostMachine } from '../../ops/machine/host.js';
import { runProcess } from '../../ops/machine/process.js';
import { enterArgv } from './enter.js';
import { NetnsFiles } from './files.js';
import type { MachineRoot } from './machine-root.js';
import { NetnsPackages } from './packages.js';
import { BASE_ENV, NetnsServices } from './services.js';
import { primaryGroup } from './users.js';

export interface NetnsMachineOptions {
  id: string;
  dir: string;
  hostname: string;
  address: string;
  /** The machine's namespace file under /run/netns. */
  netns: string;
  root: MachineRoot;
  unitDirs?: readonly string[];
  log: (service: string, level: 'INFO' | 'WARNING' | 'ERROR', message: string) => void;
}

export class NetnsMachine implements Machine {
  readonly files: NetnsFiles;
  readonly packages: NetnsPackages;
  readonly services: NetnsServices;
  private readonly host = new HostMachine();

  constructor(readonly options: NetnsMachineOptions) {
    this.files = new NetnsFiles(options.root);
    this.packages = new NetnsPackages(options.root);
    this.services = new NetnsServices({
      id: options.id,
      hostname: options.hostname,
      netns: options.netns,
      dir: options.dir,
      root: options.root,
      unitDirs: options.unitDirs,
      readFile: (path) => readFile(options.root.realPath(path), 'utf8'),
      log: options.log,
    });
  }

  /** argv runs inside the machine: its network, its hostname, its private trees. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0 || argv.some((arg) => typeof arg !== 'string')) {
      throw new Error('exec needs a non-empty argv of strings');
    }
    const group = options.user !== undefined ? await primaryGroup(options.user) : undefined;
    const wrapped = enterArgv({
      netns: this.options.netns,
      hostname: this.options.hostname,
      binds: await this.options.root.binds(),
      user: options.user,
      group,
      cwd: options.cwd,
      argv,
    });
    const result = await runProcess(wrapped, {
      env: { ...BASE_ENV, HOME: '/root', ...options.env },
      input: options.input,
      timeoutMs: options.timeoutMs,
    });
    if ((options.check ?? true) && result.exitCode !== 0) throw new ExecError(argv, result);
    return result;
  }

  /** The host's CPUs, memory and GPUs (every machine shares them), under the machine's hostname. */
  async hardware(): Promise<Hardware> {
    return { ...(await this.host.hardware()), hostname: this.options.hostname };
  }
}
