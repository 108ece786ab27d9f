/**
 * What the emulated commands of exec.ts and exec-ls.ts share: their context,
 * output, option parsing and coreutils-style error wording.
 */
import type { ExecResult } from '../../ops/machine.js';
import { canonicalPath } from './files.js';
import type { SandboxFiles } from './files.js';
import { errorCode, message } from './store.js';

/** What an emulated command can see. */
export interface ExecContext {
  files: SandboxFiles;
  hostname: string;
  cpus: number;
  /** Who the command runs as ('root' unless ExecOptions.user says otherwise). */
  user: string;
  /** Canonical working directory. */
  cwd: string;
  /** stdin. */
  input: string;
}

/** A command line the emulation does not support (exit 2, like a usage error). */
export class UsageError extends Error {}

/** Output collected by an emulated command. */
export class Output {
  stdout = '';
  stderr = '';
  exitCode = 0;

  /** An error line on stderr; the exit code is raised to `code` if lower. */
  fail(line: string, code = 1): void {
    this.stderr += `${line}\n`;
    this.exitCode = Math.max(this.exitCode, code);
  }

  result(): ExecResult {
    return { exitCode: this.exitCode, stdout: this.stdout, stderr: this.stderr };
  }
}

/** Parsed short options: flags present, option values, and the remaining operands. */
export interface Options {
  flags: Set<string>;
  values: Map<string, string>;
  operands: string[];
}

/** getopt for short options: `flags` take no value, `valued` take one (`-n 5` or `-n5`); `--` ends options. */
export function getopt(prog: string, args: readonly string[], flags: string, valued = ''): Options {
  const options: Options = { flags: new Set(), values: new Map(), operands: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      options.operands.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      options.operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] ?? '';
      if (valued.includes(letter)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (value === undefined) throw new UsageError(`${prog}: option -${letter} needs a value`);
        options.values.set(letter, value);
        break;
      }
      if (!flags.includes(letter) || letter === '-') {
        throw new UsageError(`${prog}: option ${arg} is not emulated by the sandbox substrate`);
      }
      options.flags.add(letter);
    }
  }
  return options;
}

/** How coreutils words an fs error. */
export function describe(error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EISDIR':
      return 'Is a directory';
    case 'EACCES':
      return 'Permission denied';
    default:
      return message(error);
  }
}

/** The real path of an argument (relative to cwd), escape-checked. */
export async function locateArg(ctx: ExecContext, arg: string, followLast = true): Promise<string> {
  return ctx.files.locate(canonicalPath(arg, ctx.cwd), followLast);
}
