/**
 * `--isolation process`: each event runs as a child process through the packed charm's
 * `dispatch`, with Juju's hook environment (juju-contract.md §2), the hook tools first
 * on PATH and a hook-tool server for this one dispatch. The unit's charm directory
 * (`<dir>/agents/unit-<app>-<n>/charm`) links to the packed charm and holds only the
 * unit's `.unit-state.json`, which is written from the store before the hook and read
 * back after it, so the store stays the source of truth and the commit stays one
 * transaction. The hook's Machine is the controller's (TSOPS_MACHINE=agent: its calls
 * come back over the same socket), so files, packages and services land where they
 * do in-process.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ModelBackend } from '../../../ops/backend.js';
import type { DispatchEvent } from '../../../ops/dispatch/types.js';
import { unitStateProblem } from '../../../ops/framework/storage.js';
import type { Machine } from '../../../ops/machine.js';
import { CharmCache } from './charm-cache.js';
import { startHookServer } from './hook-server.js';
import { ensureToolsDir } from './tools-dir.js';

/** The agent version hooks are told (JUJU_VERSION), the Juju release whose contract we follow. */
export const JUJU_VERSION = '3.6.14';
const UNIT_STATE_FILE = '.unit-state.json';
/** Hook output kept for the log; a chatty hook's earlier output is dropped. */
const MAX_OUTPUT_BYTES = 1024 * 1024;
/** Passed through from the controller's environment; everything else a hook sees is Juju's. */
const PASS_THROUGH = ['HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'TSOPS_NO_SNAPSHOT'];

export interface ProcessDispatch {
  unit: { name: string; machine: string; principal: string | null };
  charmPath: string;
  event: DispatchEvent;
  backend: ModelBackend;
  machine: Machine;
  /** The unit's framework state from the store (JSON), or null before its first hook. */
  unitState: string | null;
}

export interface ProcessResult {
  exitCode: number;
  /** The unit state the hook committed (JSON), when it exited 0 and saved one. */
  unitState?: string;
  stdout: string;
  stderr: string;
  /** Hook tool and machine calls the hook made. */
  calls: number;
}

/** Juju's variables for one event (juju-contract.md §2). */
export function hookEnvironment(d: ProcessDispatch, charmDir: string): Record<string, string> {
  const e = d.event;
  const env: Record<string, string> = {
    JUJU_CHARM_DIR: charmDir,
    CHARM_DIR: charmDir,
    JUJU_UNIT_NAME: d.unit.name,
    JUJU_MODEL_NAME: d.backend.modelName,
    JUJU_MODEL_UUID: d.backend.modelUuid,
    JUJU_VERSION,
    JUJU_MACHINE_ID: d.unit.machine,
    JUJU_PRINCIPAL_UNIT: d.unit.principal ?? '',
    JUJU_AVAILABILITY_ZONE: '',
    JUJU_API_ADDRESSES: '',
  };
  if (e.kind === 'action') {
    Object.assign(env, {
      JUJU_HOOK_NAME: '',
      JUJU_ACTION_NAME: e.name,
      JUJU_ACTION_UUID: e.id,
      JUJU_ACTION_TAG: `action-${e.id}`,
      JUJU_DISPATCH_PATH: `actions/${e.name}`,
    });
    return env;
  }
  env.JUJU_HOOK_NAME = e.name;
  if (e.relation) {
    env.JUJU_RELATION = e.relation.endpoint;
    env.JUJU_RELATION_ID = `${e.relation.endpoint}:${e.relation.id}`;
    env.JUJU_REMOTE_APP = e.remoteApp ?? '';
    env.JUJU_REMOTE_UNIT = e.remoteUnit ?? '';
    if (e.departingUnit) env.JUJU_DEPARTING_UNIT = e.departingUnit;
  }
  if (e.secret) {
    env.JUJU_SECRET_ID = e.secret.id;
    if (e.secret.label) env.JUJU_SECRET_LABEL = e.secret.label;
    if (e.secret.revision) env.JUJU_SECRET_REVISION = String(e.secret.revision);
  }
  if (e.storage) env.JUJU_STORAGE_ID = `${e.storage.name}/${e.storage.index}`;
  // Juju appends the dispatch path after the other hook variables.
  env.JUJU_DISPATCH_PATH = `hooks/${e.name}`;
  return env;
}

/** Keep the last `max` bytes of a stream. */
function collect(stream: NodeJS.ReadableStream, max: number): () => string {
  let chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (c: Buffer) => {
    chunks.push(c);
    size += c.length;
    while (size > max && chunks.length > 1) size -= chunks.shift()?.length ?? 0;
  });
  return () => {
    const text = Buffer.concat(chunks).toString('utf8');
    chunks = [];
    return text;
  };
}

function stateProblem(text: string): string | undefined {
  try {
    return unitStateProblem(JSON.parse(text)) ?? undefined;
  } catch {
    return 'not JSON';
  }
}

export class ProcessIsolation {
  private readonly charms: CharmCache;
  private readonly linked = new Map<string, string>();

  /** `dir` holds the packed charms, the tools and the units' charm directories. */
  constructor(readonly dir: string) {
    this.charms = new CharmCache(join(dir, 'charms'));
  }

  /** Pack (when needed) and prepare; called before the hook, outside its timing. */
  async prepare(charmPath: string): Promise<{ packed: string; tools: string }> {
    const [packed, tools] = await Promise.all([
      this.charms.packed(charmPath),
      ensureToolsDir(join(this.dir, 'tools')),
    ]);
    return { packed, tools };
  }

  /** Run one event as a child process; resolves when it has exited. */
  async run(d: ProcessDispatch): Promise<ProcessResult> {
    const { packed, tools } = await this.prepare(d.charmPath);
    const charmDir = join(this.dir, 'agents', `unit-${d.unit.name.replace('/', '-')}`, 'charm');
    await this.link(charmDir, packed);
    const statePath = join(charmDir, UNIT_STATE_FILE);
    if (d.unitState === null) await rm(statePath, { force: true });
    else await writeFile(statePath, d.unitState, { mode: 0o600 });

    const e = d.event;
    const server = await startHookServer({
      context: {
        backend: d.backend,
        ...(e.kind === 'hook' && e.relation ? { relationId: e.relation.id } : {}),
        ...(e.kind === 'hook' && e.remoteUnit ? { remoteUnit: e.remoteUnit } : {}),
        ...(e.kind === 'hook' && e.remoteApp ? { remoteApp: e.remoteApp } : {}),
        ...(e.kind === 'hook' && e.storage ? { storageId: `${e.storage.name}/${e.storage.index}` } : {}),
      },
      machine: d.machine,
      label: `${d.unit.name}-${e.kind === 'action' ? `${e.name}-action` : e.name}`,
    });
    try {
      const env: Record<string, string> = {};
      for (const k of PASS_THROUGH) {
        const v = process.env[k];
        if (v !== undefined) env[k] = v;
      }
      // The shims first, then this node (the one the snapshot was built with).
      env.PATH = [tools, dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':');
      Object.assign(env, hookEnvironment(d, charmDir), server.env, { TSOPS_MACHINE: 'agent' });
      const child = spawn(join(charmDir, 'dispatch'), [], {
        cwd: charmDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout = collect(child.stdout, MAX_OUTPUT_BYTES);
      const stderr = collect(child.stderr, MAX_OUTPUT_BYTES);
      const exitCode = await new Promise<number>((resolve) => {
        child.on('error', () => resolve(127));
        child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      });
      const result: ProcessResult = { exitCode, stdout: stdout(), stderr: stderr(), calls: server.calls };
      if (exitCode === 0) {
        const saved = await readFile(statePath, 'utf8').catch(() => undefined);
        if (saved !== undefined && saved !== d.unitState) {
          const problem = stateProblem(saved);
          if (problem)
            return { ...result, exitCode: 1, stderr: `${result.stderr}unit state is damaged: ${problem}\n` };
          result.unitState = saved;
        }
      }
      return result;
    } finally {
      await server.close();
    }
  }

  /** The unit's charm directory: links to the packed charm's files beside its own unit state. */
  private async link(charmDir: string, packed: string): Promise<void> {
    if (this.linked.get(charmDir) === packed) return;
    await mkdir(charmDir, { recursive: true, mode: 0o700 });
    for (const name of ['dispatch', 'charm.yaml', 'build']) {
      const link = join(charmDir, name);
      const target = join(packed, name);
      if ((await readlink(link).catch(() => undefined)) === target) continue;
      await rm(link, { recursive: true, force: true });
      await symlink(target, link);
    }
    this.linked.set(charmDir, packed);
  }
}
