/**
 * What slurmctld does to its machine, through Machine only: packages, the config files,
 * the daemon, and scontrol.
 *
 *   const changed = await writeConfig(machine, renderConfig(view, await readBase(machine)));
 *   if (changed.length > 0) await restartSlurmctld(machine);
 */
import {
  FileNotFoundError,
  type ExecResult,
  type Logger,
  type Machine,
} from '../../../framework/ops/index.js';
import { MUNGE_PACKAGE } from '../../lib/munge/index.js';
import { parseSlurmConf } from '../../lib/slurm/index.js';
import {
  CONF_DIR,
  GRES_CONF,
  LOG_DIR,
  RUN_DIR,
  SLURM_CONF,
  STATE_SAVE_LOCATION,
  type RenderedConfig,
} from './render.js';

export const PACKAGES: readonly string[] = ['slurmctld', MUNGE_PACKAGE, 'slurm-client'];
export const SERVICE = 'slurmctld';
const SLURM_FILE = { mode: 0o644, owner: 'slurm', group: 'slurm' } as const;
const SLURM_DIR = { mode: 0o755, owner: 'slurm', group: 'slurm' } as const;

/** Install the packages; slurmctld stays stopped until the charm has written its config. */
export async function installPackages(machine: Machine): Promise<void> {
  await machine.packages.install(PACKAGES);
  await stopSlurmctld(machine);
}

/** A config file's content, or undefined when it does not exist. */
export async function readConfigFile(machine: Machine, name: string): Promise<string | undefined> {
  try {
    return await machine.files.read(`${CONF_DIR}/${name}`);
  } catch (e) {
    if (e instanceof FileNotFoundError) return undefined;
    throw e;
  }
}

/**
 * Write the files whose content differs (includes first, so slurm.conf never names a
 * missing one), then delete obsolete includes. Returns the names of the files changed.
 */
export async function writeConfig(machine: Machine, config: RenderedConfig): Promise<string[]> {
  const changed: string[] = [];
  for (const [name, content] of config.files) {
    if ((await readConfigFile(machine, name)) === content) continue;
    await machine.files.write(`${CONF_DIR}/${name}`, content, SLURM_FILE);
    changed.push(name);
  }
  for (const name of config.obsolete) {
    const path = `${CONF_DIR}/${name}`;
    if (!(await machine.files.exists(path))) continue;
    await machine.files.remove(path);
    changed.push(name);
  }
  return changed;
}

/** The directories slurm.conf names; /run is emptied at boot, so this runs before each (re)start. */
export async function prepareDirectories(machine: Machine): Promise<void> {
  for (const dir of [STATE_SAVE_LOCATION, RUN_DIR, LOG_DIR]) await machine.files.mkdir(dir, SLURM_DIR);
}

/** Restart, never `scontrol reconfigure`: 22.05's slurmctld dies on a node-list change then. */
export async function restartSlurmctld(machine: Machine): Promise<void> {
  await prepareDirectories(machine);
  await machine.services.enable(SERVICE);
  await machine.services.restart(SERVICE);
}

export async function stopSlurmctld(machine: Machine): Promise<void> {
  await machine.services.stop(SERVICE);
  await machine.services.disable(SERVICE);
}

/** slurm.conf and every file it includes, plus gres.conf: name → content (present files only). */
export async function currentConfig(machine: Machine): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const base = await readConfigFile(machine, SLURM_CONF);
  if (base === undefined) return out;
  out.set(SLURM_CONF, base);
  for (const name of parseSlurmConf(base, `${CONF_DIR}/${SLURM_CONF}`).includes()) {
    const text = await readConfigFile(machine, name);
    if (text !== undefined) out.set(name, text);
  }
  const gres = await readConfigFile(machine, GRES_CONF);
  if (gres !== undefined) out.set(GRES_CONF, gres);
  return out;
}

/** Run a Slurm client; never throws for its exit status (127: Slurm's tools are not on this machine). */
async function client(machine: Machine, argv: readonly string[]): Promise<ExecResult> {
  try {
    return await machine.exec(argv, { check: false, timeoutMs: 60_000 });
  } catch (e) {
    return { exitCode: 127, stdout: '', stderr: e instanceof Error ? e.message : String(e) };
  }
}

/** Run scontrol; never throws for its exit status (127: Slurm's tools are not on this machine). */
export function scontrol(machine: Machine, args: readonly string[]): Promise<ExecResult> {
  return client(machine, ['scontrol', ...args]);
}

/**
 * Register the cluster with slurmdbd before slurmctld (re)starts with accounting. 22.05's
 * slurmctld registers itself only when slurmdbd answers at its start, and a slurmdbd
 * creating its tables takes seconds: without this, jobs are never recorded. Waits for
 * slurmdbd up to `timeoutMs`, then throws (the hook is retried).
 */
export async function registerCluster(
  machine: Machine,
  clusterName: string,
  logger: Logger,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client(machine, ['sacctmgr', '-i', 'add', 'cluster', clusterName]);
    const said = `${r.stdout}\n${r.stderr}`;
    if (r.exitCode === 0 || /already exists/.test(said)) {
      logger.info(`cluster ${clusterName} is registered with slurmdbd`);
      return;
    }
    if (r.exitCode === 127) {
      logger.warn(
        `sacctmgr is not available here (exit 127): cluster ${clusterName} not registered; carrying on`,
      );
      return;
    }
    if (Date.now() >= deadline) {
      const why = said.trim().split('\n').slice(-2).join(' ');
      throw new Error(`slurmdbd did not answer within ${timeoutMs / 1000} s (sacctmgr: ${why})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
