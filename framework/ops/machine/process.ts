/**
 * Running a program from an argv (never through a shell), collecting its
 * output, with stdin input, a timeout and a "not found" result like a shell's.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { ExecResult } from '../machine.js';

/** What `runProcess` needs; the caller has already merged the environment and wrapped the user. */
export interface ProcessOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL after a timeout. */
  killGraceMs?: number;
}

/** Exit code reported for a command killed by its timeout (as coreutils `timeout` does). */
export const TIMEOUT_EXIT_CODE = 124;

/** Exit status as a shell reports it: the code, or 128 + signal number. */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return 128 + ((signal && numbers[signal]) ?? 0);
}

/** Run argv to completion; never rejects for the program's own failures (see the result's exitCode). */
export async function runProcess(argv: readonly string[], options: ProcessOptions): Promise<ExecResult> {
  const [program, ...args] = argv;
  if (!program) throw new Error('exec needs a program: argv is empty');
  // spawn reports a missing cwd as ENOENT of the program; tell them apart first.
  if (options.cwd !== undefined && !(await stat(options.cwd).catch(() => null))?.isDirectory()) {
    return {
      exitCode: 126,
      stdout: '',
      stderr: `${program}: working directory ${options.cwd} does not exist`,
    };
  }
  return new Promise((resolve) => {
    // A process group of its own, so a timeout also kills the program's children.
    const child = spawn(program, args, { cwd: options.cwd, env: options.env, stdio: 'pipe', detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (result: ExecResult): void => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      resolve(result);
    };
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // The program may exit without reading its input; EPIPE is not our failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');

    child.on('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT';
      const reason = missing ? 'command not found' : error.message;
      finish({ exitCode: missing ? 127 : 126, stdout: '', stderr: `${program}: ${reason}` });
    });
    child.on('close', (code, signal) => {
      const err = Buffer.concat(stderr).toString('utf8');
      finish({
        exitCode: timedOut ? TIMEOUT_EXIT_CODE : exitStatus(code, signal),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: timedOut
          ? `${err}${err && !err.endsWith('\n') ? '\n' : ''}${program}: killed after timeout of ${options.timeoutMs} ms`
          : err,
      });
    });

    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          killGroup('SIGTERM');
          timers.push(setTimeout(() => killGroup('SIGKILL'), options.killGraceMs ?? 2000));
        }, options.timeoutMs),
      );
    }
  });
}
