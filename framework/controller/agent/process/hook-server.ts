/**
 * The hook-tool server of one dispatch (Juju's jujuc server, juju-contract.md §3.1):
 * a unix socket in a private 0700 directory, authenticated by a random context id and
 * token that only the hook's environment carries. Each connection carries one JSON
 * line and gets one back:
 *   hook tool  {contextId, token, dir, argv, stdin?}  →  {code, stdout, stderr}
 *   machine    {contextId, token, machine, args}       →  {ok, value | error}
 * Requests run one at a time, in arrival order, like Juju's one command per context.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { Machine } from '../../../ops/machine.js';
import { runHookTool, type HookToolContext } from './hook-tools.js';
import { callMachine } from './machine-rpc.js';

/** A request bigger than this is not a hook tool call (secret content travels in files). */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

const auth = { contextId: z.string(), token: z.string() };
const ToolRequestSchema = z
  .object({
    ...auth,
    // Juju refuses a relative Dir: file arguments are read relative to it.
    dir: z.string().refine(isAbsolute, 'dir must be an absolute path'),
    argv: z.array(z.string()).min(1),
    stdin: z.string().optional(),
  })
  .strict();
const MachineRequestSchema = z.object({ ...auth, machine: z.string(), args: z.array(z.unknown()) }).strict();
const RequestSchema = z.union([ToolRequestSchema, MachineRequestSchema]);

export interface HookServer {
  /** JUJU_CONTEXT_ID, JUJU_AGENT_SOCKET_ADDRESS, JUJU_AGENT_SOCKET_NETWORK and JUJU_AGENT_TOKEN. */
  env: Record<string, string>;
  /** Tool calls and machine calls served so far. */
  readonly calls: number;
  /** Stop listening, wait for the request in progress, remove the socket's directory. */
  close(): Promise<void>;
}

export interface HookServerOptions {
  context: HookToolContext;
  machine: Machine;
  /** Names the context (`app/0-install-…`), as Juju's context ids do. */
  label: string;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startHookServer(opts: HookServerOptions): Promise<HookServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tsops-agent-'));
  await chmod(dir, 0o700);
  const socketPath = join(dir, 'agent.sock');
  const contextId = `${opts.label}-${randomBytes(6).toString('hex')}`;
  const token = randomBytes(24).toString('hex');
  let calls = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const sockets = new Set<Socket>();

  async function answer(line: string): Promise<string> {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return reply({ code: 2, stdout: '', stderr: 'ERROR bad request: not JSON\n' });
    }
    const parsed = RequestSchema.safeParse(raw);
    if (!parsed.success)
      return reply({ code: 2, stdout: '', stderr: `ERROR bad request: ${z.prettifyError(parsed.error)}\n` });
    const req = parsed.data;
    const authentic = req.contextId === contextId && sameSecret(req.token, token);
    if ('machine' in req) {
      if (!authentic)
        return reply({ ok: false, error: { name: 'Error', message: 'bad request: bad context' } });
      calls++;
      return reply(await callMachine(opts.machine, req.machine, req.args));
    }
    if (!authentic) return reply({ code: 2, stdout: '', stderr: 'ERROR bad request: bad context\n' });
    calls++;
    return reply(runHookTool(opts.context, req));
  }

  const server = createServer({ allowHalfOpen: true }, (conn) => {
    sockets.add(conn);
    conn.on('close', () => sockets.delete(conn));
    conn.on('error', () => conn.destroy());
    const chunks: Buffer[] = [];
    let size = 0;
    let taken = false;
    const take = () => {
      taken = true;
      const line = Buffer.concat(chunks).toString('utf8');
      const next = queue.then(() => answer(line));
      queue = next.catch(() => undefined);
      next.then(
        (text) => conn.end(text),
        () => conn.destroy(),
      );
    };
    conn.on('data', (chunk: Buffer) => {
      if (taken) return;
      const nl = chunk.indexOf(0x0a);
      chunks.push(nl < 0 ? chunk : chunk.subarray(0, nl));
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) conn.destroy();
      else if (nl >= 0) take();
    });
    // A client that ends without a newline still gets its answer.
    conn.on('end', () => {
      if (!taken) take();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);

  return {
    env: {
      JUJU_CONTEXT_ID: contextId,
      JUJU_AGENT_SOCKET_ADDRESS: socketPath,
      JUJU_AGENT_SOCKET_NETWORK: 'unix',
      JUJU_AGENT_TOKEN: token,
    },
    get calls() {
      return calls;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A background process the hook left behind gets no more answers from this context.
      await queue;
      for (const s of sockets) s.destroy();
      await closed;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function reply(v: unknown): string {
  return `${JSON.stringify(v)}\n`;
}
