/**
 * AgentMachine: a Machine whose every call goes to the unit agent that started this
 * hook, over the agent's socket (JUJU_AGENT_SOCKET_ADDRESS, authenticated by
 * JUJU_CONTEXT_ID and JUJU_AGENT_TOKEN). tsops' controller sets TSOPS_MACHINE=agent
 * when it runs a hook as a child process (`--isolation process`): the unit's machine
 * then stays the controller's (a sandbox directory, a network namespace), exactly as
 * in-process, instead of the host this process happens to run on. Under a real Juju
 * agent the variable is unset and charms get HostMachine.
 *
 * One JSON line per call each way: `{contextId, token, machine: op, args}` →
 * `{ok: true, value}` or `{ok: false, error: {name, message, …}}`.
 */
import { createConnection } from 'node:net';
import type {
  ExecOptions,
  ExecResult,
  FileInfo,
  FileWriteOptions,
  Hardware,
  Machine,
  MachineFiles,
  MachinePackages,
  MachineServices,
  ServiceSpec,
  ServiceStatus,
} from '../machine.js';
import { ExecError, FileNotFoundError, PackageError, ServiceError } from '../machine.js';

/** Where the agent listens and how this hook proves who it is. */
export interface AgentAddress {
  socket: string;
  contextId: string;
  token: string;
}

/** The agent's address when the controller asked for its machine (TSOPS_MACHINE=agent), else undefined. */
export function agentMachineAddress(env: NodeJS.ProcessEnv): AgentAddress | undefined {
  if (env.TSOPS_MACHINE !== 'agent') return undefined;
  const socket = env.JUJU_AGENT_SOCKET_ADDRESS;
  const contextId = env.JUJU_CONTEXT_ID;
  if (!socket || !contextId || env.JUJU_AGENT_SOCKET_NETWORK !== 'unix') {
    throw new Error(
      'TSOPS_MACHINE=agent needs JUJU_AGENT_SOCKET_ADDRESS (a unix socket) and JUJU_CONTEXT_ID: ' +
        'only the tsops controller sets it, for the hooks it runs',
    );
  }
  return { socket, contextId, token: env.JUJU_AGENT_TOKEN ?? '' };
}

type Json = unknown;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(op: string, v: unknown): Error {
  return new Error(`the unit agent answered ${op} with ${JSON.stringify(v)?.slice(0, 200)}`);
}

const str = (op: string, v: unknown): string => {
  if (typeof v === 'string') return v;
  throw bad(op, v);
};
const bool = (op: string, v: unknown): boolean => {
  if (typeof v === 'boolean') return v;
  throw bad(op, v);
};
const none = (): void => undefined;
const strList = (op: string, v: unknown): string[] => {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw bad(op, v);
};

function execResult(op: string, v: unknown): ExecResult {
  if (
    isObject(v) &&
    typeof v.exitCode === 'number' &&
    typeof v.stdout === 'string' &&
    typeof v.stderr === 'string'
  )
    return { exitCode: v.exitCode, stdout: v.stdout, stderr: v.stderr };
  throw bad(op, v);
}

function fileInfo(op: string, v: unknown): FileInfo | null {
  if (v === null) return null;
  if (
    isObject(v) &&
    typeof v.path === 'string' &&
    typeof v.mode === 'number' &&
    typeof v.owner === 'string' &&
    typeof v.group === 'string' &&
    typeof v.size === 'number' &&
    typeof v.isDirectory === 'boolean'
  )
    return {
      path: v.path,
      mode: v.mode,
      owner: v.owner,
      group: v.group,
      size: v.size,
      isDirectory: v.isDirectory,
    };
  throw bad(op, v);
}

function serviceStatus(op: string, v: unknown): ServiceStatus {
  const states = ['running', 'stopped', 'failed', 'unknown'] as const;
  const state = isObject(v) ? states.find((s) => s === v.state) : undefined;
  if (!isObject(v) || typeof v.name !== 'string' || !state || typeof v.enabled !== 'boolean')
    throw bad(op, v);
  const out: ServiceStatus = { name: v.name, state, enabled: v.enabled };
  if (typeof v.pid === 'number') out.pid = v.pid;
  return out;
}

function hardware(op: string, v: unknown): Hardware {
  const nums = ['cpus', 'sockets', 'coresPerSocket', 'threadsPerCore', 'memoryMb'] as const;
  if (
    !isObject(v) ||
    typeof v.hostname !== 'string' ||
    typeof v.architecture !== 'string' ||
    nums.some((k) => typeof v[k] !== 'number') ||
    !Array.isArray(v.gpus)
  )
    throw bad(op, v);
  const gpus = v.gpus.map((g: unknown) => {
    if (
      !isObject(g) ||
      typeof g.pciAddress !== 'string' ||
      typeof g.vendorId !== 'string' ||
      typeof g.deviceId !== 'string'
    )
      throw bad(op, v);
    return {
      pciAddress: g.pciAddress,
      vendorId: g.vendorId,
      deviceId: g.deviceId,
      ...(typeof g.model === 'string' ? { model: g.model } : {}),
    };
  });
  return {
    hostname: v.hostname,
    architecture: v.architecture,
    cpus: Number(v.cpus),
    sockets: Number(v.sockets),
    coresPerSocket: Number(v.coresPerSocket),
    threadsPerCore: Number(v.threadsPerCore),
    memoryMb: Number(v.memoryMb),
    gpus,
  };
}

/** The agent's error, as the class the in-process machine would have thrown. */
function remoteError(v: unknown): Error {
  if (!isObject(v) || typeof v.message !== 'string') return bad('a failed call', v);
  if (v.name === 'FileNotFoundError' && typeof v.path === 'string') return new FileNotFoundError(v.path);
  if (v.name === 'ExecError' && Array.isArray(v.argv))
    return new ExecError(v.argv.map(String), execResult('exec', v.result));
  if (v.name === 'PackageError') return new PackageError(v.message);
  if (v.name === 'ServiceError') return new ServiceError(v.message);
  const e = new Error(v.message);
  if (typeof v.name === 'string') e.name = v.name;
  return e;
}

export class AgentMachine implements Machine {
  readonly files: MachineFiles;
  readonly packages: MachinePackages;
  readonly services: MachineServices;

  constructor(private readonly address: AgentAddress) {
    const call = <T>(op: string, args: Json[], parse: (op: string, v: unknown) => T): Promise<T> =>
      this.call(op, args).then((v) => parse(op, v));
    this.files = {
      read: (path) => call('files.read', [path], str),
      write: (path: string, content: string | Uint8Array, options?: FileWriteOptions) =>
        call(
          'files.write',
          [
            path,
            typeof content === 'string'
              ? { text: content }
              : {
                  base64: Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString(
                    'base64',
                  ),
                },
            options ?? {},
          ],
          none,
        ),
      remove: (path) => call('files.remove', [path], none),
      exists: (path) => call('files.exists', [path], bool),
      stat: (path) => call('files.stat', [path], fileInfo),
      list: (dir) => call('files.list', [dir], strList),
      mkdir: (path, options) => call('files.mkdir', [path, options ?? {}], none),
    };
    this.packages = {
      install: (names) => call('packages.install', [[...names]], none),
      remove: (names) => call('packages.remove', [[...names]], none),
      version: (name) => call('packages.version', [name], (op, v) => (v === null ? null : str(op, v))),
    };
    const service = (verb: string) => (name: string) => call(`services.${verb}`, [name], none);
    this.services = {
      define: (spec: ServiceSpec) => call('services.define', [spec], none),
      start: service('start'),
      stop: service('stop'),
      restart: service('restart'),
      reload: service('reload'),
      enable: service('enable'),
      disable: service('disable'),
      status: (name) => call('services.status', [name], serviceStatus),
    };
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.call('exec', [[...argv], options]).then((v) => execResult('exec', v));
  }

  hardware(): Promise<Hardware> {
    return this.call('hardware', []).then((v) => hardware('hardware', v));
  }

  /** One request on its own connection; the agent answers one line and closes. */
  private call(op: string, args: Json[]): Promise<unknown> {
    const { socket, contextId, token } = this.address;
    return new Promise((resolve, reject) => {
      const conn = createConnection(socket);
      let reply = '';
      conn.setEncoding('utf8');
      conn.on('connect', () => conn.write(`${JSON.stringify({ contextId, token, machine: op, args })}\n`));
      conn.on('data', (d: string) => (reply += d));
      conn.on('error', (e) => reject(new Error(`cannot reach the unit agent for ${op}: ${e.message}`)));
      conn.on('close', () => {
        let v: unknown;
        try {
          v = JSON.parse(reply);
        } catch {
          reject(bad(op, reply));
          return;
        }
        if (isObject(v) && v.ok === true) resolve(v.value ?? null);
        else reject(isObject(v) && v.ok === false ? remoteError(v.error) : bad(op, v));
      });
    });
  }
}
