/**
 * Commands against a fake API: the requests built from arguments, the current
 * model, and exit codes of run, wait and exec. No controller is started.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskView } from '../../framework/controller/api/methods.js';
import { dir, tsops } from './fake-cli.js';

const paramsOf = (calls: Array<{ method: string; params: unknown }>, method: string) =>
  calls.find((c) => c.method === method)?.params;

describe('requests built from arguments', () => {
  it('config k=v sends text values split at the first =, and --reset lists', async () => {
    const r = await tsops(['config', 'demo', 'flags=--a=1', 'port=80', '--reset', 'x,y', '--reset', 'z'], {
      'config.set': () => ({ changed: ['flags', 'port'] }),
    });
    expect(r.code).toBe(0);
    expect(paramsOf(r.calls, 'config.set')).toEqual({
      model: 'default',
      app: 'demo',
      values: { flags: '--a=1', port: '80' },
      reset: ['x', 'y', 'z'],
    });
    expect(r.out).toBe('changed flags, port\n');
  });

  it('config <key> prints the plain value; an unknown key is one line', async () => {
    const config = () => [
      { name: 'port', type: 'int', value: 80, default: 8080, source: 'user' as const, description: '' },
    ];
    expect((await tsops(['config', 'demo', 'port'], { 'config.get': config })).out).toBe('80\n');
    const bad = await tsops(['config', 'demo', 'nope'], { 'config.get': config });
    expect(bad.code).toBe(1);
    expect(bad.err).toBe("tsops: application 'demo' has no option 'nope': see 'tsops config demo'\n");
  });

  it('deploy sends a bundle as an absolute path with its overlays, creating the model first', async () => {
    writeFileSync(join(dir, 'b.yaml'), 'applications: {}\n');
    writeFileSync(join(dir, 'o.yaml'), 'applications: {}\n');
    const r = await tsops(['-m', 'lab', 'deploy', 'b.yaml', '--overlay', 'o.yaml', '--substrate', 'netns'], {
      'models.list': () => [],
      'models.add': (p) => ({
        name: p.name,
        uuid: 'u',
        substrate: p.substrate ?? 'sandbox',
        isolation: p.isolation ?? 'in-process',
        current: false,
      }),
      deploy: () => ({ changes: [{ kind: 'addApplication', description: 'deploy application demo' }] }),
    });
    expect(r.err).toBe('');
    expect(paramsOf(r.calls, 'models.add')).toEqual({
      name: 'lab',
      substrate: 'netns',
      isolation: 'in-process',
    });
    expect(paramsOf(r.calls, 'deploy')).toEqual({
      model: 'lab',
      bundle: { path: join(dir, 'b.yaml'), overlays: [join(dir, 'o.yaml')] },
      dryRun: false,
    });
    expect(r.out).toBe("added model 'lab' (netns)\nChanges applied:\n- deploy application demo\n");
  });

  it('deploy sends a charm by name with units, config and placement', async () => {
    const r = await tsops(
      ['deploy', 'slurmd', 'compute', '-n', '3', '--config', 'a=b=c', '--to', '0,1', '--dry-run'],
      {
        'models.list': () => [
          {
            name: 'default',
            uuid: 'u',
            substrate: 'sandbox',
            isolation: 'in-process' as const,
            current: true,
          },
        ],
        deploy: () => ({ changes: [] }),
      },
    );
    expect(paramsOf(r.calls, 'deploy')).toEqual({
      model: 'default',
      charm: {
        ref: 'slurmd',
        app: 'compute',
        numUnits: 3,
        config: { a: 'b=c' },
        to: ['0', '1'],
        constraints: '',
      },
      dryRun: true,
    });
  });

  it('run sends nested, typed params', async () => {
    const task: TaskView = {
      id: 3,
      unit: 'demo/0',
      action: 'go',
      status: 'completed',
      message: '',
      results: { ok: true },
      log: [],
    };
    const r = await tsops(['run', 'demo/leader', 'go', 'a.b=1', 'c=true', 'd=x'], {
      run: () => ({ tasks: [task] }),
    });
    expect(paramsOf(r.calls, 'run')).toEqual({
      model: 'default',
      targets: ['demo/leader'],
      action: 'go',
      params: { a: { b: 1 }, c: true, d: 'x' },
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('results:\n  ok: true\n');
  });
});

describe('API errors', () => {
  it('print the server message with advice, in one line', async () => {
    const r = await tsops(['show-unit', 'x/9'], {});
    expect([r.code, r.out, r.err]).toEqual([1, '', "tsops: unknown unit 'x/9': see 'tsops status'\n"]);
  });
});

describe('current model', () => {
  it('models switch records it, and later commands use it unless -m is given', async () => {
    const list = () => [
      { name: 'lab', uuid: 'u', substrate: 'sandbox', isolation: 'in-process' as const, current: false },
    ];
    const sw = await tsops(['models', 'switch', 'lab'], { 'models.list': list });
    expect(sw.out).toBe('default -> lab\n');
    expect(readFileSync(join(dir, 'current-model'), 'utf8')).toBe('lab\n');
    const units = () => ({ units: ['demo/1'] });
    expect(
      paramsOf((await tsops(['add-unit', 'demo'], { 'add-unit': units })).calls, 'add-unit'),
    ).toMatchObject({ model: 'lab' });
    expect(
      paramsOf((await tsops(['add-unit', 'demo', '-m', 'x'], { 'add-unit': units })).calls, 'add-unit'),
    ).toMatchObject({
      model: 'x',
    });
    const models = await tsops(['models'], { 'models.list': list });
    expect(models.out.split('\n')[1]).toMatch(/^lab\*\s+sandbox\s+u$/);
  });

  it('switching to an unknown model is one line', async () => {
    const r = await tsops(['models', 'switch', 'nope'], { 'models.list': () => [] });
    expect(r.err).toBe(
      "tsops: no model 'nope': see 'tsops models', or add it with 'tsops models add nope'\n",
    );
  });
});

describe('exit codes', () => {
  const task = (status: TaskView['status'], message = ''): TaskView => ({
    id: 5,
    unit: 'demo/0',
    action: 'go',
    status,
    message,
    results: {},
    log: [],
  });

  it('run: 1 when the task failed, 2 when it is still running after --wait', async () => {
    const failed = await tsops(['run', 'demo/0', 'go'], {
      run: () => ({ tasks: [task('failed', 'disk full')] }),
    });
    expect(failed.code).toBe(1);
    expect(failed.err).toBe('tsops: task 5 (go) failed on demo/0: disk full\n');
    const slow = await tsops(['run', 'demo/0', 'go', '--wait', '0.3'], {
      run: () => ({ tasks: [task('pending')] }),
      'task.get': () => task('running'),
    });
    expect(slow.code).toBe(2);
    expect(slow.out).toContain('status: running');
    expect(slow.err).toBe("tsops: task 5 on demo/0 is still running after 0.3s: see 'tsops show-task 5'\n");
  });

  it('exec passes output through and exits with the command code', async () => {
    const r = await tsops(['exec', 'demo/0', '--', 'ls', '-la'], {
      exec: () => ({ exitCode: 3, stdout: 'a\n', stderr: 'b\n' }),
    });
    expect(paramsOf(r.calls, 'exec')).toEqual({ model: 'default', unit: 'demo/0', argv: ['ls', '-la'] });
    expect([r.code, r.out, r.err]).toEqual([3, 'a\n', 'b\n']);
  });
});
