/** The controller daemon's files and lifecycle: real detached daemons (via tsx) in temp homes. */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../framework/controller/api/client.js';
import { isAlive, packageRoot, readControllerInfo } from '../../framework/controller/daemon/info.js';
import { ensureController, stopController } from '../../framework/controller/daemon/lifecycle.js';
import { controllerFiles, tsopsHome } from '../../framework/controller/daemon/paths.js';
import { runDaemon } from '../../framework/controller/daemon/run.js';
import { ensureToken, readToken } from '../../framework/controller/daemon/token.js';

const homes: string[] = [];
const pids = new Set<number>();

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'tsops-daemon-'));
  homes.push(home);
  return home;
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

async function daemonPid(home: string): Promise<number> {
  const info = await readControllerInfo(controllerFiles(home).info);
  if (info === undefined) throw new Error(`no controller.json in ${home}`);
  pids.add(info.pid);
  return info.pid;
}

afterAll(async () => {
  // Whatever a failed test left running is killed here, by pid.
  for (const home of homes) {
    const info = await readControllerInfo(controllerFiles(home).info);
    if (info !== undefined) pids.add(info.pid);
  }
  // (runDaemon's test runs the daemon inside this process: never kill ourselves.)
  for (const pid of pids) if (pid !== process.pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

describe('tsopsHome', () => {
  it('prefers TSOPS_HOME, then XDG_DATA_HOME, then ~/.local/share', () => {
    expect(tsopsHome({ TSOPS_HOME: '/srv/t', XDG_DATA_HOME: '/x', HOME: '/h' })).toBe('/srv/t');
    expect(tsopsHome({ XDG_DATA_HOME: '/x', HOME: '/h' })).toBe('/x/tsops');
    expect(tsopsHome({ XDG_DATA_HOME: 'relative', HOME: '/h' })).toBe('/h/.local/share/tsops');
    expect(controllerFiles('/h')).toMatchObject({ info: '/h/controller.json', token: '/h/controller.token' });
  });
});

describe('token', () => {
  it('is created once with mode 0600, even by concurrent callers', async () => {
    const path = join(newHome(), 'sub', 'controller.token');
    const tokens = await Promise.all([ensureToken(path), ensureToken(path), ensureToken(path)]);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await expect(ensureToken(path)).resolves.toBe(tokens[0]);
  });

  it('is refused when group or others can read it', async () => {
    const path = join(newHome(), 'controller.token');
    await ensureToken(path);
    chmodSync(path, 0o644);
    await expect(readToken(path)).rejects.toThrow(
      `is open to other users (mode 0644); run 'chmod 600 ${path}'`,
    );
  });
});

describe('ensureController / stopController', () => {
  it('starts a detached daemon, reuses it, and stops it', async () => {
    const home = newHome();
    const first = await ensureController({ home });
    const pid = await daemonPid(home);
    expect(first).toMatchObject({ started: true, url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/) });
    expect(isAlive(pid)).toBe(true);
    expect(statSync(controllerFiles(home).token).mode & 0o777).toBe(0o600);
    expect(statSync(controllerFiles(home).info).mode & 0o777).toBe(0o600);

    const client = await ApiClient.connect(first.url, first.token);
    await expect(client.ping()).resolves.toEqual({ version: packageRoot().version });
    await client.close();

    const second = await ensureController({ home });
    expect(second).toEqual({ ...first, started: false });
    expect(await daemonPid(home)).toBe(pid);

    await expect(stopController(home)).resolves.toEqual({
      wasRunning: true,
      pid,
      message: `stopped the controller (pid ${pid}) on request`,
    });
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(controllerFiles(home).info)).toBe(false);
    expect(readFileSync(controllerFiles(home).log, 'utf8')).toMatch(
      /stopping: shutdown requested over the API/,
    );
    await expect(stopController(home)).resolves.toEqual({
      wasRunning: false,
      message: 'the controller is not running',
    });
  });

  it('replaces a stale controller.json and a stale lock left by dead processes', async () => {
    const home = newHome();
    const files = controllerFiles(home);
    const dead = deadPid();
    writeFileSync(files.info, JSON.stringify({ pid: dead, port: 1, startedAt: 'then', version: '0' }));
    writeFileSync(files.lock, `${dead}\n`);
    const r = await ensureController({ home });
    expect(r.started).toBe(true);
    const pid = await daemonPid(home);
    expect(pid).not.toBe(dead);
    expect(existsSync(files.lock)).toBe(false);
    await stopController(home);
  });

  it('starts one daemon when two commands ask at once', async () => {
    const home = newHome();
    const [a, b] = await Promise.all([ensureController({ home }), ensureController({ home })]);
    await daemonPid(home);
    expect(a.url).toBe(b.url);
    expect([a.started, b.started].sort()).toEqual([false, true]);
    const ready = readFileSync(controllerFiles(home).log, 'utf8').match(/ ready: pid/g) ?? [];
    expect(ready).toHaveLength(1);
    await stopController(home);
  });

  it('fails with one line quoting controller.log when the daemon cannot start', async () => {
    const home = newHome();
    const saved = process.env.TSOPS_PORT;
    process.env.TSOPS_PORT = 'eighty';
    try {
      const err = await ensureController({ home }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const message = err instanceof Error ? err.message : '';
      expect(message).toMatch(
        /^the controller exited while starting \(exit code 1\); last lines of .*controller\.log: /,
      );
      expect(message).toContain('TSOPS_PORT must be a port number (0-65535), not "eighty"');
      expect(message).not.toContain('\n');
    } finally {
      if (saved === undefined) delete process.env.TSOPS_PORT;
      else process.env.TSOPS_PORT = saved;
    }
  });
});

describe('runDaemon', () => {
  it('serves the handlers it is given and cleans up on shutdown', async () => {
    const home = newHome();
    let closed = false;
    const logged: string[] = [];
    const running = runDaemon(
      home,
      async () => ({
        handlers: {
          'models.list': async () => [
            {
              name: 'default',
              uuid: 'u',
              substrate: 'sandbox',
              isolation: 'in-process' as const,
              current: true,
            },
          ],
        },
        streams: {},
        close: async () => void (closed = true),
      }),
      { port: 0, log: (l) => logged.push(l) },
    );
    const files = controllerFiles(home);
    while (!existsSync(files.info)) await new Promise((r) => setTimeout(r, 10));
    const info = await readControllerInfo(files.info);
    expect(info?.pid).toBe(process.pid);
    const client = await ApiClient.connect(`ws://127.0.0.1:${info?.port ?? 0}`, await readToken(files.token));
    await expect(client.call('models.list', {})).resolves.toEqual([
      { name: 'default', uuid: 'u', substrate: 'sandbox', isolation: 'in-process', current: true },
    ]);
    await client.shutdown();
    await running;
    expect(closed).toBe(true);
    expect(existsSync(files.info)).toBe(false);
    expect(logged.at(-1)).toBe('stopped');
  });
});
