/**
 * Workload failures as charm statuses, shared by lustre-server and lustre-client: a
 * failure the machine reported (a command's exit, a conflict, a bad spec) becomes the
 * unit's status message; anything else is a bug and still fails the hook.
 *
 *   const lnet = await workloadStep(() => ensureLnet(machine, spec), (why) => new BlockedStatus(`LNet: ${why}`));
 *   if (lnet instanceof StatusBase) return lnet;
 */
import { ExecError, type StatusBase } from '../../../framework/ops/index.js';
import { LustreConfigError } from './commands.js';
import { NidError } from './nid.js';
import { LustreConflictError } from './steps.js';

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

/**
 * A workload step's failure as a status message, or undefined for a bug (which fails the
 * hook). The Lustre library's plain Errors report what the machine answered.
 */
export function workloadProblem(error: unknown): string | undefined {
  if (error instanceof ExecError) {
    const why = lastLine(error.result.stderr || error.result.stdout);
    return `${error.argv.join(' ')} exited ${error.result.exitCode}${why ? `: ${why}` : ''}`;
  }
  if (
    error instanceof LustreConflictError ||
    error instanceof LustreConfigError ||
    error instanceof NidError ||
    (error instanceof Error && error.constructor === Error)
  ) {
    return lastLine(error.message);
  }
  return undefined;
}

/** Run a workload step; its failure becomes the status `status(message, error)` makes. */
export async function workloadStep<T>(
  run: () => Promise<T>,
  status: (why: string, error: unknown) => StatusBase,
): Promise<T | StatusBase> {
  try {
    return await run();
  } catch (error) {
    const why = workloadProblem(error);
    if (why === undefined) throw error;
    return status(why, error);
  }
}
