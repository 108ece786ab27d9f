/**
 * What slurmd does to its machine, through Machine only: packages, hardware detection,
 * the slurmd service, and scontrol for node state and removal.
 *
 *   await runNode(machine, nodename, command);
 *   await removeNode(machine, nodename, logger);
 */
import type { ExecResult, Logger, Machine } from '../../../framework/ops/index.js';
import { MUNGE_PACKAGE } from '../../lib/munge/index.js';
import { formatParameterLine, type ParameterPair } from '../../lib/slurm/index.js';
import { hardwarePairs, parseSlurmdC } from './node.js';

export const PACKAGES: readonly string[] = ['slurmd', MUNGE_PACKAGE, 'slurm-client'];
export const SERVICE = 'slurmd';
/** What scontrol exits with where Slurm's tools are not installed (the sandbox substrate). */
export const NOT_AVAILABLE = 127;
const ROOT_DIR = { mode: 0o755, owner: 'root', group: 'root' } as const;
const SLURM_DIR = { mode: 0o755, owner: 'slurm', group: 'slurm' } as const;

/** Install the packages; the packaged slurmd stays stopped (it has no slurm.conf to read). */
export async function installPackages(machine: Machine): Promise<void> {
  await machine.packages.install(PACKAGES);
  await machine.services.stop(SERVICE);
  await machine.services.disable(SERVICE);
}

/** The hardware line: `slurmd -C` where it runs, the Machine's hardware elsewhere. */
export async function detectHardware(machine: Machine, logger: Logger): Promise<string> {
  let pairs: ParameterPair[] | undefined;
  let why = '';
  try {
    const result = await machine.exec(['slurmd', '-C'], { check: false, timeoutMs: 30_000 });
    if (result.exitCode === 0) pairs = parseSlurmdC(result.stdout);
    else why = `exit ${result.exitCode}`;
  } catch (e) {
    why = e instanceof Error ? e.message : String(e);
  }
  if (pairs === undefined) {
    logger.info(`slurmd -C gave no hardware (${why}): using the machine's hardware`);
    pairs = hardwarePairs(await machine.hardware());
  }
  return formatParameterLine(pairs);
}

/** (Re)define slurmd with `command` and restart it; its spool, pid and log directories first. */
export async function runNode(machine: Machine, nodename: string, command: readonly string[]): Promise<void> {
  await machine.files.mkdir(`/var/lib/slurm/slurmd-${nodename}`, ROOT_DIR);
  await machine.files.mkdir('/run/slurm', SLURM_DIR);
  await machine.files.mkdir('/var/log/slurm', SLURM_DIR);
  await machine.services.define({
    name: SERVICE,
    description: `Slurm node ${nodename} (dynamic, configless)`,
    command,
    restart: 'on-failure',
  });
  await machine.services.enable(SERVICE);
  await machine.services.restart(SERVICE);
}

/** Run scontrol; never throws (a program that cannot start reads as exit 127). */
export async function scontrol(machine: Machine, args: readonly string[]): Promise<ExecResult> {
  try {
    return await machine.exec(['scontrol', ...args], { check: false, timeoutMs: 60_000 });
  } catch (e) {
    return { exitCode: NOT_AVAILABLE, stdout: '', stderr: e instanceof Error ? e.message : String(e) };
  }
}

/** scontrol for a step that must not stop the caller: a failure is logged as a warning. */
export async function tryScontrol(
  machine: Machine,
  args: readonly string[],
  logger: Logger,
): Promise<number> {
  const result = await scontrol(machine, args);
  if (result.exitCode === 0) {
    logger.info(`scontrol ${args.join(' ')}`);
  } else if (result.exitCode === NOT_AVAILABLE) {
    logger.warn(`scontrol ${args.join(' ')}: Slurm's tools are not available here (exit 127); carrying on`);
  } else if (result.exitCode !== 0) {
    const why = (result.stderr || result.stdout).trim();
    logger.warn(`scontrol ${args.join(' ')} failed (exit ${result.exitCode}): ${why}; carrying on`);
  }
  return result.exitCode;
}

/**
 * Take the node out of the cluster: drain it (no new jobs), stop slurmd, then delete its
 * record (deleting with slurmd stopped, as verified on 22.05, so it cannot re-register).
 * Never throws: a unit must be removable even where Slurm cannot be reached.
 */
export async function removeNode(machine: Machine, nodename: string, logger: Logger): Promise<void> {
  await tryScontrol(
    machine,
    ['update', `nodename=${nodename}`, 'state=drain', 'reason=unit removed'],
    logger,
  );
  try {
    await machine.services.stop(SERVICE);
    await machine.services.disable(SERVICE);
  } catch (e) {
    logger.warn(`could not stop slurmd: ${e instanceof Error ? e.message : String(e)}; carrying on`);
  }
  await tryScontrol(machine, ['delete', `nodename=${nodename}`], logger);
}
