/**
 * The real `tsops` command, run from source (so no build races with other suites)
 * against a real controller daemon in a temporary TSOPS_HOME.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
const BIN = join(ROOT, 'framework', 'cli', 'bin.ts');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A tsops home of its own, and the command line to drive it. */
export class TsopsHome {
  readonly dir = mkdtempSync(join(tmpdir(), 'tsops-dashboard-'));

  /** `tsops args...` from the project root (fixture paths are relative, as a user types them). */
  run(...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', TSX, BIN, ...args],
        { cwd: ROOT, env: { ...process.env, TSOPS_HOME: this.dir, NO_COLOR: '1' }, timeout: 90_000 },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** Run and expect exit 0; returns stdout. */
  async ok(...args: string[]): Promise<string> {
    const r = await this.run(...args);
    if (r.code !== 0) throw new Error(`tsops ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Stop the daemon (by the CLI, else by its pid) and remove the home. */
  async remove(): Promise<void> {
    await this.run('controller', 'stop');
    const info = join(this.dir, 'controller.json');
    if (existsSync(info)) {
      const pid = z
        .object({ pid: z.number().int().min(1) })
        .safeParse(JSON.parse(readFileSync(info, 'utf8')));
      if (pid.success) {
        try {
          process.kill(pid.data.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
