/**
 * Starting and stopping the controller daemon from the CLI. `ensureController`
 * reuses a live daemon or starts one detached (it outlives the CLI), under a lock
 * file so that two commands started together start one daemon. `stopController`
 * asks it to exit over the API and falls back to signals.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ApiClient } from '../api/client.js';
import { controllerFiles } from './paths.js';
import {
  daemonArgv,
  errnoCode,
  isAlive,
  isDaemonProcess,
  readControllerInfo,
  removeControllerInfo,
} from './info.js';
import type { ControllerInfo } from './info.js';
import { ensureToken, readToken } from './token.js';

/** How to reach a running controller. */
export interface ControllerEndpoint {
  url: string;
  token: string;
}

/** Options of `ensureController`. */
export interface EnsureOptions {
  home: string;
  /** How long starting (or waiting for another command to start) may take (default 20 s). */
  startTimeoutMs?: number;
}

/** Options of `stopController`. */
export interface StopOptions {
  /** How long to wait for each step: the shutdown request, then SIGTERM (default 5 s each). */
  stepTimeoutMs?: number;
}

/** What `stopController` did. */
export interface StopResult {
  /** False when no controller was running; that is not an error. */
  wasRunning: boolean;
  pid?: number;
  /** One line for the user. */
  message: string;
}

const PROBE_TIMEOUT_MS = 3000;
const POLL_MS = 100;

/** The controller's ws URL for a port. */
export function controllerUrl(port: number): string {
  return `ws://127.0.0.1:${port}`;
}

/** The live controller of `home` that answers an authenticated ping, if any. */
async function liveController(home: string): Promise<ControllerEndpoint | undefined> {
  const files = controllerFiles(home);
  const info = await readControllerInfo(files.info);
  if (info === undefined || !isAlive(info.pid)) return undefined;
  return probe(info, await readToken(files.token).catch(() => undefined));
}

async function probe(
  info: ControllerInfo,
  token: string | undefined,
): Promise<ControllerEndpoint | undefined> {
  if (token === undefined) return undefined;
  const url = controllerUrl(info.port);
  try {
    const client = await ApiClient.connect(url, token, { timeoutMs: PROBE_TIMEOUT_MS });
    await client.close();
    return { url, token };
  } catch {
    return undefined;
  }
}

/**
 * A running controller for `home`: the live one, or a newly started detached
 * daemon (`started: true`). Fails with one line pointing at controller.log.
 */
export async function ensureController(
  options: EnsureOptions,
): Promise<ControllerEndpoint & { started: boolean }> {
  const { home } = options;
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  const files = controllerFiles(home);
  await mkdir(home, { recursive: true, mode: 0o700 });
  for (;;) {
    const live = await liveController(home);
    if (live !== undefined) return { ...live, started: false };
    const release = await tryLock(files.lock);
    if (release !== undefined) {
      try {
        // Another command may have finished starting one while we took the lock.
        const again = await liveController(home);
        if (again !== undefined) return { ...again, started: false };
        return { ...(await startDaemon(home, deadline, timeoutMs)), started: true };
      } finally {
        await release();
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for another tsops command to start the controller; ` +
          `if none is running, remove ${files.lock}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Take the start lock, or undefined when a live process holds it. A dead holder's lock is removed. */
async function tryLock(path: string): Promise<(() => Promise<void>) | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      return async () => {
        const holder = await lockHolder(path);
        if (holder === process.pid) await rm(path, { force: true });
      };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const holder = await lockHolder(path);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) return undefined;
    if (holder === process.pid) return undefined; // another call in this process is starting it
    if (holder === undefined && (await youngerThan(path, 2000))) return undefined; // being written
    await rm(path, { force: true });
  }
  return undefined;
}

const lockContents = z.coerce.number().int().min(1);

async function lockHolder(path: string): Promise<number | undefined> {
  try {
    const p = lockContents.safeParse((await readFile(path, 'utf8')).trim());
    return p.success ? p.data : undefined;
  } catch {
    return undefined;
  }
}

async function youngerThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs < ms;
  } catch {
    return false;
  }
}

/** Spawn the daemon detached and wait until it publishes controller.json and answers. */
async function startDaemon(home: string, deadline: number, timeoutMs: number): Promise<ControllerEndpoint> {
  const files = controllerFiles(home);
  // First, so that a token file with bad permissions is reported as such.
  const token = await ensureToken(files.token);
  const stale = await readControllerInfo(files.info);
  if (stale !== undefined && isDaemonProcess(stale.pid)) {
    throw new Error(
      `the controller (pid ${stale.pid}) is running but does not answer on port ${stale.port}; ` +
        `stop it with 'tsops controller stop' (log: ${files.log})`,
    );
  }
  await rm(files.info, { force: true });
  const logFd = openSync(files.log, 'a', 0o600);
  let exited: string | undefined;
  let pid: number | undefined;
  try {
    const child = spawn(process.execPath, daemonArgv(), {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, TSOPS_HOME: home },
      cwd: home,
    });
    child.once('error', (err) => (exited = err.message));
    child.once(
      'exit',
      (code, signal) => (exited = signal !== null ? `killed by ${signal}` : `exit code ${code}`),
    );
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(logFd);
  }
  while (Date.now() < deadline) {
    if (exited !== undefined || pid === undefined) {
      throw new Error(
        await withLogTail(`the controller exited while starting (${exited ?? 'spawn failed'})`, files.log),
      );
    }
    const info = await readControllerInfo(files.info);
    if (info !== undefined && info.pid === pid) {
      const live = await probe(info, token);
      if (live !== undefined) return live;
    }
    await sleep(POLL_MS);
  }
  if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGTERM');
  throw new Error(await withLogTail(`the controller did not start within ${timeoutMs / 1000} s`, files.log));
}

/** `what; last lines of <log>: a | b | c`, on one line. */
async function withLogTail(what: string, log: string): Promise<string> {
  let tail = '';
  try {
    const text = await readFile(log, 'utf8');
    tail = text
      .slice(-4096)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('at '))
      .slice(-3)
      .join(' | ');
  } catch {
    // No log yet: the message still names the file.
  }
  return tail === '' ? `${what}; see ${log}` : `${what}; last lines of ${log}: ${tail}`;
}

/**
 * Stop the controller of `home`: ask it over the API, then SIGTERM, then SIGKILL,
 * and remove controller.json. A controller that is not running is not an error.
 */
export async function stopController(home: string, options: StopOptions = {}): Promise<StopResult> {
  const step = options.stepTimeoutMs ?? 5000;
  const files = controllerFiles(home);
  const info = await readControllerInfo(files.info);
  if (info === undefined) return { wasRunning: false, message: 'the controller is not running' };
  if (!isDaemonProcess(info.pid)) {
    await removeControllerInfo(files.info, info.pid);
    return { wasRunning: false, message: `the controller is not running (removed a stale ${files.info})` };
  }
  const { pid } = info;
  try {
    const token = await readToken(files.token);
    const client = await ApiClient.connect(controllerUrl(info.port), token, { timeoutMs: PROBE_TIMEOUT_MS });
    await client.shutdown();
    await client.close();
  } catch {
    // Hung or half-dead: the signals below still stop it.
  }
  let how = 'on request';
  if (!(await waitForExit(pid, step))) {
    how = 'with SIGTERM';
    signal(pid, 'SIGTERM');
    if (!(await waitForExit(pid, step))) {
      how = 'with SIGKILL';
      signal(pid, 'SIGKILL');
      await waitForExit(pid, step);
    }
  }
  await removeControllerInfo(files.info, pid);
  return { wasRunning: true, pid, message: `stopped the controller (pid ${pid}) ${how}` };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Exited in between.
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > until) return false;
    await sleep(50);
  }
  return true;
}
