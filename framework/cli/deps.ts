/** The real outside world of the CLI: process streams, the controller daemon, the API client. */
import { createInterface } from 'node:readline/promises';
import { ApiClient } from '../controller/api/client.js';
import { ensureController, stopController } from '../controller/daemon/lifecycle.js';
import { tsopsHome } from '../controller/daemon/paths.js';
import type { CliDeps } from './context.js';

/** Deps for a `tsops` process. */
export function processDeps(): CliDeps {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    home: () => tsopsHome(process.env),
    ensureController: (home) => ensureController({ home }),
    stopController: (home) => stopController(home),
    async connect(home) {
      const { url, token } = await ensureController({ home });
      return ApiClient.connect(url, token);
    },
    onInterrupt(cb) {
      const handler = () => cb();
      process.once('SIGINT', handler);
      process.once('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    progressStream: () => (process.stderr.isTTY ? process.stderr : undefined),
  };
}
