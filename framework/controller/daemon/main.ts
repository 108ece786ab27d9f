/**
 * Entry of the controller daemon: `node --import tsx framework/controller/daemon/main.ts`,
 * started detached by `ensureController` with TSOPS_HOME set; stdout and stderr are
 * controller.log. The controller proper plugs in through `createControllerHandlers`.
 */
import { createControllerHandlers } from '../controller-handlers.js';
import { tsopsHome } from './paths.js';
import { runDaemon } from './run.js';

try {
  await runDaemon(tsopsHome(), createControllerHandlers);
  // Controller timers or sockets may linger after close(); the daemon's work is done.
  process.exit(0);
} catch (err) {
  // The stack first, for whoever reads the log; the reason last, where ensureController's tail looks.
  const stamp = new Date().toISOString();
  if (err instanceof Error && err.stack !== undefined) process.stderr.write(`${stamp} ${err.stack}\n`);
  process.stderr.write(`${stamp} controller failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
