/**
 * The entry point of a charm under Juju: `await main(MyCharm)` at the end of the
 * charm's module. It reads Juju's environment, runs one dispatch with the hook-tool
 * backend and the host machine, and sets the process exit code.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JujuBackend } from './backend/juju.js';
import type { CharmBase } from './charm.js';
import { dispatchFromEnv } from './dispatch/juju-env.js';
import { loadDispatchMeta } from './dispatch/meta-file.js';
import { runAfterSnapshot } from './dispatch/snapshot.js';
import { runDispatch, type CharmClass, type DispatchResult } from './dispatch/run.js';
import { JsonFileStateStore } from './framework/storage.js';
import { Redactor, createLogger } from './log.js';
import { AgentMachine, agentMachineAddress } from './machine/agent.js';
import { HostMachine } from './machine/host.js';
import type { Machine } from './machine.js';
import type { CharmMeta } from './meta/types.js';

/** File beside the charm that holds StoredState and deferred notices between hooks. */
export const UNIT_STATE_FILE = '.unit-state.json';

export interface MainOptions {
  /** Metadata; default: the charm directory's build/charm.json or charm.yaml. */
  meta?: CharmMeta;
  env?: NodeJS.ProcessEnv;
  /**
   * The machine; default: the real host (apt, systemd), or the unit's machine at the
   * tsops controller that runs this hook when it sets TSOPS_MACHINE=agent (machine/agent.ts).
   */
  machine?: Machine;
}

/** Run the event Juju asked for; resolves with the exit code (also set on process.exitCode). */
export async function main<C extends CharmBase>(
  charmClass: CharmClass<C>,
  options: MainOptions = {},
): Promise<number> {
  // Building a startup snapshot (`tsops pack`): dispatch when a hook starts from it.
  if (runAfterSnapshot(() => main(charmClass, options))) return 0;
  const env = options.env ?? process.env;
  const charmDir = env.JUJU_CHARM_DIR ?? process.cwd();
  let result: DispatchResult<C>;
  try {
    const event = dispatchFromEnv(env);
    const meta = options.meta ?? (await loadDispatchMeta(charmDir));
    const backend = new JujuBackend(env);
    const redactor = new Redactor();
    const logger = createLogger({
      sink: (level, message) => backend.jujuLog(level, message),
      redactor,
      mirrorToStderr: Boolean(env.JUJU_DEBUG),
    });
    result = await runDispatch({
      charmClass,
      meta,
      backend,
      machine: options.machine ?? defaultMachine(env),
      store: new JsonFileStateStore(join(charmDir, UNIT_STATE_FILE)),
      event,
      logger,
      redactor,
    });
    if (result.exitCode !== 0 && result.error !== undefined) {
      // Juju records stderr at WARNING; keep the first line short and clear.
      const err = result.error;
      process.stderr.write(`${charmClass.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  } catch (e) {
    process.stderr.write(`${charmClass.name}: ${(e as Error).message}\n`);
    process.exitCode = 1;
    return 1;
  }
  process.exitCode = result.exitCode;
  return result.exitCode;
}

function defaultMachine(env: NodeJS.ProcessEnv): Machine {
  const agent = agentMachineAddress(env);
  return agent ? new AgentMachine(agent) : new HostMachine({ env });
}

/**
 * Whether the module with this `import.meta.url` is the program being run (the
 * bundle Juju's dispatch starts), so that importing a charm class in a test does
 * not dispatch: `if (isEntryPoint(import.meta.url)) await main(MyCharm);`
 */
export function isEntryPoint(importMetaUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(fileURLToPath(importMetaUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}
