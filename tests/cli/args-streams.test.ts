/** `wait`, `debug-log` and `status --watch` against a fake API and fake streams. No controller is started. */
import type { ModelStatusView } from '../../framework/controller/api/status.js';
import { tsops } from './fake-cli.js';

const paramsOf = (calls: Array<{ method: string; params: unknown }>, method: string) =>
  calls.find((c) => c.method === method)?.params;

describe('wait', () => {
  const status = (over: Partial<ModelStatusView['model']>): ModelStatusView => ({
    model: {
      name: 'default',
      uuid: 'u',
      substrate: 'sandbox',
      settled: false,
      pendingHooks: 2,
      errors: [],
      timestamp: '',
      ...over,
    },
    applications: {},
    relations: [],
  });

  it('wait: 0 once settled, 1 naming units in error, 2 on timeout', async () => {
    const settled = await tsops(
      ['wait'],
      { status: () => status({}) },
      { status: (_p, push) => push(status({ settled: true, pendingHooks: 0 })) },
    );
    expect(settled.code).toBe(0);
    expect(settled.out).toMatch(/^model 'default' settled in \d+\.\ds \(0 units\)\n$/);

    const errors = [{ unit: 'demo/0', message: 'hook failed: "install"' }];
    const failed = await tsops(['wait'], { status: () => status({ errors }) });
    expect(failed.code).toBe(1);
    expect(failed.err).toBe(
      `tsops: model 'default' has 1 unit in error: demo/0 (hook failed: "install"): see 'tsops debug-log --include demo/0', then 'tsops resolve demo/0'\n`,
    );

    const late = await tsops(['wait', '--timeout', '0.02'], { status: () => status({}) });
    expect(late.code).toBe(2);
    expect(late.err).toBe(
      "tsops: model 'default' did not settle within 0.02s: 2 hooks pending: see 'tsops status'\n",
    );
  });
});

describe('streams', () => {
  const line = {
    id: 1,
    timestamp: 't',
    entity: 'unit-demo-0',
    level: 'INFO' as const,
    module: 'charm',
    message: 'hi',
  };

  it('debug-log sends its filters and prints lines until interrupted', async () => {
    const r = await tsops(
      ['debug-log', '-i', 'demo/0', '-i', 'db', '-x', 'x', '-l', 'info'],
      {},
      { log: (_p, push) => push(line) },
    );
    expect(paramsOf(r.calls, 'subscribe:log')).toEqual({
      model: 'default',
      include: ['demo/0', 'db'],
      exclude: ['x'],
      level: 'INFO',
      replay: false,
      lines: 10,
    });
    expect(r.out).toBe('unit-demo-0 t INFO charm hi\n');
    expect(r.code).toBe(0);
  });

  it('debug-log --replay --no-tail prints the history and stops without waiting for Ctrl-C', async () => {
    const r = await tsops(
      ['debug-log', '--replay', '--no-tail'],
      { 'models.list': () => [] },
      {
        log: (_p, push) => push(line),
      },
    );
    expect(paramsOf(r.calls, 'subscribe:log')).toMatchObject({ replay: true, lines: undefined });
    // The round trip after subscribing is what lets the history arrive first.
    expect(r.calls.map((c) => c.method)).toEqual(['subscribe:log', 'models.list']);
    expect(r.code).toBe(0);
  });

  it('status --format json prints the view; --watch redraws from the stream', async () => {
    const s: ModelStatusView = {
      model: {
        name: 'default',
        uuid: 'u',
        substrate: 'sandbox',
        settled: true,
        pendingHooks: 0,
        errors: [],
        timestamp: '',
      },
      applications: {},
      relations: [],
    };
    const json = await tsops(['status', '--format', 'json'], { status: () => s });
    expect(JSON.parse(json.out)).toEqual(s);
    const watched = await tsops(
      ['status', '--watch', '0.01'],
      { status: () => s },
      { status: (_p, push) => push(s) },
    );
    expect(watched.code).toBe(0);
    expect(watched.out.match(/Model "default" is empty/g)?.length).toBe(2);
  });
});
