/**
 * The controller daemon's body: token, API server, controller.json, and a clean
 * exit on SIGTERM, SIGINT or an API `shutdown`. What the API does comes from
 * `makeHandlers` (the controller), so this file knows nothing of models.
 */
import { mkdir } from 'node:fs/promises';
import { z } from 'zod';
import { startApiServer } from '../api/server.js';
import type { ApiHandlers, ApiServer, StreamHandlers } from '../api/server.js';
import {
  isDaemonProcess,
  packageRoot,
  readControllerInfo,
  removeControllerInfo,
  writeControllerInfo,
} from './info.js';
import { controllerFiles } from './paths.js';
import { ensureToken } from './token.js';

/** What the controller hands the daemon: the API's implementation and how to stop it. */
export interface DaemonHandlers {
  handlers: ApiHandlers;
  streams: StreamHandlers;
  close(): Promise<void>;
}

/** Builds the controller for a home folder (the registration point between daemon and controller). */
export type MakeHandlers = (home: string) => Promise<DaemonHandlers>;

/** Options of `runDaemon`. */
export interface DaemonOptions {
  /** Default: `$TSOPS_PORT`, else 0 (any free port). */
  port?: number;
  /** Default: timestamped lines on stdout (the daemon's stdout is controller.log). */
  log?: (line: string) => void;
}

const portText = z.coerce.number().int().min(0).max(65535);

function stdoutLog(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

/** Run the daemon until it is told to stop; resolves after it has cleaned up. */
export async function runDaemon(
  home: string,
  makeHandlers: MakeHandlers,
  options: DaemonOptions = {},
): Promise<void> {
  const log = options.log ?? stdoutLog;
  const files = controllerFiles(home);
  await mkdir(home, { recursive: true, mode: 0o700 });

  const other = await readControllerInfo(files.info);
  if (other !== undefined && other.pid !== process.pid && isDaemonProcess(other.pid)) {
    throw new Error(`another controller (pid ${other.pid}, port ${other.port}) already runs from ${home}`);
  }
  const token = await ensureToken(files.token);
  const port = options.port ?? envPort();
  const { version } = packageRoot();

  const controller = await makeHandlers(home);
  let stopRequested!: (reason: string) => void;
  const stopping = new Promise<string>((resolve) => (stopRequested = resolve));
  let server: ApiServer;
  try {
    server = await startApiServer({
      port,
      token,
      handlers: controller.handlers,
      streams: controller.streams,
      log,
      version,
      onShutdown: () => stopRequested('shutdown requested over the API'),
    });
  } catch (err) {
    await controller.close();
    throw err;
  }

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      // A second signal means cleanup is stuck: leave now, but leave no stale info behind.
      log(`${sig} again: exiting without waiting for cleanup`);
      void removeControllerInfo(files.info, process.pid).finally(() => process.exit(1));
      return;
    }
    stopRequested(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  await writeControllerInfo(files.info, {
    pid: process.pid,
    port: server.port,
    startedAt: new Date().toISOString(),
    version,
  });
  log(`controller ${version} ready: pid ${process.pid}, ws://127.0.0.1:${server.port}, home ${home}`);

  const reason = await stopping;
  log(`stopping: ${reason}`);
  try {
    await server.close();
    await controller.close();
  } finally {
    await removeControllerInfo(files.info, process.pid);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    log('stopped');
  }
}

function envPort(): number {
  const text = process.env.TSOPS_PORT;
  if (text === undefined || text === '') return 0;
  const p = portText.safeParse(text);
  if (!p.success) throw new Error(`TSOPS_PORT must be a port number (0-65535), not ${JSON.stringify(text)}`);
  return p.data;
}
