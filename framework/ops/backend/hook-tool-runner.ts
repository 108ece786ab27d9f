/**
 * Running Juju hook tools: one synchronous subprocess per call, argv only (never a
 * shell); ops' mapping of their failures to typed errors; and the private temp files
 * and flags that carry secrets (content never in argv).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretRotatePolicy } from '../backend.js';
import { HookToolError, ModelError, RelationNotFoundError, SecretNotFoundError } from '../errors.js';

/** What one hook-tool run returned. */
export interface HookToolResult {
  /** Exit status; 127 when the tool could not be started. */
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the executable is not on PATH (or is not executable). */
  notFound?: boolean;
}

/**
 * Runs one hook tool synchronously; `argv[0]` is the tool's name, `input` its stdin.
 * JujuBackend's default is {@link spawnHookTools}; tests pass a recording or canned one.
 */
export type HookToolRunner = (argv: readonly string[], input?: string) => HookToolResult;

/** Output bigger than this is a bug on the other side, not data worth buffering. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * The real runner: `spawnSync(argv[0], argv.slice(1))` with `env` (whose PATH finds the
 * tools) and no shell.
 */
export function spawnHookTools(env: NodeJS.ProcessEnv): HookToolRunner {
  return (argv, input) => {
    const [tool, ...args] = argv;
    if (tool === undefined) throw new Error('spawnHookTools: empty argv');
    const r = spawnSync(tool, args, {
      env,
      input: input ?? '',
      encoding: 'utf8',
      maxBuffer: MAX_OUTPUT_BYTES,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    if (r.error) {
      const code = 'code' in r.error ? r.error.code : undefined;
      if (code === 'ENOENT' || code === 'EACCES') {
        return { exitCode: 127, stdout: '', stderr: r.error.message, notFound: true };
      }
      return {
        exitCode: r.status ?? 1,
        stdout: r.stdout ?? '',
        stderr: `${r.stderr ?? ''}${r.error.message}`,
      };
    }
    if (r.status === null) {
      return { exitCode: 128, stdout: r.stdout, stderr: `${r.stderr}killed by ${r.signal ?? 'a signal'}` };
    }
    return { exitCode: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/**
 * Write each value of `content` to its own 0600 file in a fresh 0700 directory, call
 * `use` with the `key#file=<path>` arguments, and remove the directory afterwards
 * whatever happens. This keeps secret values out of argv (visible in /proc and logs).
 */
export function withSecretFiles<T>(content: Record<string, string>, use: (fileArgs: string[]) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'tsops-secret-'));
  try {
    chmodSync(dir, 0o700);
    const fileArgs: string[] = [];
    for (const [key, value] of Object.entries(content)) {
      // Keys are validated before this point (^[a-z](-?[a-z0-9]){2,}$), so safe as names.
      const path = join(dir, key);
      writeFileSync(path, value, { encoding: 'utf8', mode: 0o600 });
      fileArgs.push(`${key}#file=${path}`);
    }
    return use(fileArgs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ops' `_wrap_hookcmd` mapping (contract §3.4). */
export function mapHookToolFailure(tool: string, argv: readonly string[], r: HookToolResult): ModelError {
  const failure = new HookToolError(argv, r.exitCode, r.stderr);
  const stderr = r.stderr.trim();
  if (
    (tool.startsWith('relation-') || tool.startsWith('network-')) &&
    stderr.includes('relation not found')
  ) {
    return new RelationNotFoundError(`${tool}: ${stderr}`, { cause: failure });
  }
  if (tool.startsWith('secret-') && stderr.includes('not found')) {
    return new SecretNotFoundError(`${tool}: ${stderr}`, { cause: failure });
  }
  return failure;
}

/** The metadata flags of secret-add and secret-set, in ops 3.x's order. */
export function secretMetaArgs(o: {
  label?: string;
  description?: string;
  expire?: Date;
  rotate?: SecretRotatePolicy;
}): string[] {
  const args: string[] = [];
  if (o.label !== undefined) args.push('--label', o.label);
  if (o.description !== undefined) args.push('--description', o.description);
  if (o.expire !== undefined) {
    if (Number.isNaN(o.expire.getTime())) throw new ModelError('secret expiry is an invalid Date');
    args.push('--expire', o.expire.toISOString().replace(/\.000Z$/, 'Z'));
  }
  if (o.rotate !== undefined) args.push('--rotate', o.rotate);
  return args;
}
