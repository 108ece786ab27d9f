/**
 * The agent's side of AgentMachine (framework/ops/machine/agent.ts): a hook process's
 * Machine calls, checked with zod and run on the unit's real Machine (the sandbox
 * directory, a namespace), so files, packages and services land exactly where they
 * do in-process.
 */
import { z } from 'zod';
import type { Machine } from '../../../ops/machine.js';
import { ExecError, FileNotFoundError } from '../../../ops/machine.js';
import { ServiceSpecSchema } from '../../../substrates/service-spec.js';

const path = z.string();
const writeOptions = z
  .object({ mode: z.number().int().optional(), owner: z.string().optional(), group: z.string().optional() })
  .strict();
const names = z.array(z.string());
const content = z.union([z.object({ text: z.string() }).strict(), z.object({ base64: z.string() }).strict()]);
const serviceSpec = ServiceSpecSchema;
const execOptions = z
  .object({
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    input: z.string().optional(),
    user: z.string().optional(),
    timeoutMs: z.number().optional(),
    check: z.boolean().optional(),
  })
  .strict();

/** Each operation: its arguments' schema and what it does with them. */
const OPS = {
  'files.read': op(z.tuple([path]), (m, [p]) => m.files.read(p)),
  'files.write': op(z.tuple([path, content, writeOptions]), (m, [p, c, o]) =>
    m.files.write(p, 'text' in c ? c.text : Buffer.from(c.base64, 'base64'), o),
  ),
  'files.remove': op(z.tuple([path]), (m, [p]) => m.files.remove(p)),
  'files.exists': op(z.tuple([path]), (m, [p]) => m.files.exists(p)),
  'files.stat': op(z.tuple([path]), (m, [p]) => m.files.stat(p)),
  'files.list': op(z.tuple([path]), (m, [p]) => m.files.list(p)),
  'files.mkdir': op(z.tuple([path, writeOptions]), (m, [p, o]) => m.files.mkdir(p, o)),
  'packages.install': op(z.tuple([names]), (m, [n]) => m.packages.install(n)),
  'packages.remove': op(z.tuple([names]), (m, [n]) => m.packages.remove(n)),
  'packages.version': op(z.tuple([z.string()]), (m, [n]) => m.packages.version(n)),
  'services.define': op(z.tuple([serviceSpec]), (m, [s]) => m.services.define(s)),
  'services.start': op(z.tuple([z.string()]), (m, [n]) => m.services.start(n)),
  'services.stop': op(z.tuple([z.string()]), (m, [n]) => m.services.stop(n)),
  'services.restart': op(z.tuple([z.string()]), (m, [n]) => m.services.restart(n)),
  'services.reload': op(z.tuple([z.string()]), (m, [n]) => m.services.reload(n)),
  'services.enable': op(z.tuple([z.string()]), (m, [n]) => m.services.enable(n)),
  'services.disable': op(z.tuple([z.string()]), (m, [n]) => m.services.disable(n)),
  'services.status': op(z.tuple([z.string()]), (m, [n]) => m.services.status(n)),
  exec: op(z.tuple([z.array(z.string()).min(1), execOptions]), (m, [argv, o]) => m.exec(argv, o)),
  hardware: op(z.tuple([]), (m) => m.hardware()),
};

function op<S extends z.ZodType>(
  schema: S,
  run: (machine: Machine, args: z.infer<S>) => Promise<unknown>,
): (machine: Machine, args: unknown) => Promise<unknown> {
  return (machine, args) => {
    const parsed = schema.safeParse(args);
    if (!parsed.success) throw new Error(`bad arguments: ${z.prettifyError(parsed.error)}`);
    return run(machine, parsed.data);
  };
}

export const MACHINE_OPS = Object.keys(OPS);

function isOp(name: string): name is keyof typeof OPS {
  return Object.hasOwn(OPS, name);
}

/** The reply line for one call: `{ok: true, value}` or `{ok: false, error}`, never a throw. */
export async function callMachine(
  machine: Machine,
  name: string,
  args: unknown,
): Promise<{ ok: true; value: unknown } | { ok: false; error: Record<string, unknown> }> {
  try {
    if (!isOp(name)) throw new Error(`unknown machine operation '${name}'`);
    const value = await OPS[name](machine, args);
    return { ok: true, value: value ?? null };
  } catch (e) {
    if (e instanceof FileNotFoundError)
      return { ok: false, error: { name: e.name, message: e.message, path: e.path } };
    if (e instanceof ExecError)
      return { ok: false, error: { name: e.name, message: e.message, argv: [...e.argv], result: e.result } };
    const err = e instanceof Error ? e : new Error(String(e));
    return { ok: false, error: { name: err.name, message: err.message } };
  }
}
