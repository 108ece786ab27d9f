/**
 * controller.json (what the running daemon publishes about itself) and the
 * process facts around it: is a pid alive, is it really our daemon, and where
 * the daemon's entry file and the tsx loader are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** The contents of controller.json. */
export const controllerInfo = z
  .object({
    pid: z.number().int().min(1),
    port: z.number().int().min(1).max(65535),
    startedAt: z.string(),
    version: z.string(),
  })
  .strict();
export type ControllerInfo = z.output<typeof controllerInfo>;

/** controller.json's contents, or undefined when it is missing or unreadable (a crash mid-write cannot leave one half-written). */
export async function readControllerInfo(path: string): Promise<ControllerInfo | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const p = controllerInfo.safeParse(JSON.parse(text));
    return p.success ? p.data : undefined;
  } catch {
    return undefined;
  }
}

/** Write controller.json atomically (temp file + rename), mode 0600. */
export async function writeControllerInfo(path: string, info: ControllerInfo): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(info, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/** Remove controller.json if it still describes `pid` (a newer daemon's file is left alone). */
export async function removeControllerInfo(path: string, pid: number): Promise<void> {
  const info = await readControllerInfo(path);
  if (info === undefined || info.pid === pid) await rm(path, { force: true });
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours to signal). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** The `code` of a Node system error (checked structurally: errors may come from another realm, as under jest). */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Whether `pid` is a live tsops controller daemon, so a recycled pid is never
 * signalled. Where /proc is missing (not Linux) a live pid is taken at its word.
 */
export function isDaemonProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a.endsWith(join('daemon', 'main.ts')));
  } catch {
    return false;
  }
}

const packageJson = z.object({ name: z.string(), version: z.string() });

let root: { dir: string; version: string } | undefined;

/** The tsops package folder (found upwards from this file, which may be bundled into dist/). */
export function packageRoot(): { dir: string; version: string } {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const p = packageJson.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (p.success && p.data.name === 'tsops') return (root = { dir, version: p.data.version });
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the tsops package above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** Node arguments that run the daemon: tsx's loader by absolute URL, so the daemon's cwd does not matter. */
export function daemonArgv(): string[] {
  const { dir } = packageRoot();
  const tsx = createRequire(join(dir, 'package.json')).resolve('tsx');
  return ['--import', pathToFileURL(tsx).href, join(dir, 'framework', 'controller', 'daemon', 'main.ts')];
}
