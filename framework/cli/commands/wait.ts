/** `tsops wait`: return when the model has settled; exit 1 on a unit in error, 2 on timeout. */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { ModelStatusView, UnitStatusView } from '../../controller/api/status.js';
import { seconds } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { plural } from '../format/status.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

/** Exit codes of `tsops wait`. */
export const WAIT_EXIT = { settled: 0, error: 1, timedOut: 2 } as const;

/** Every unit of the model, subordinates included. */
export function allUnits(status: ModelStatusView): UnitStatusView[] {
  const out: UnitStatusView[] = [];
  const visit = (u: UnitStatusView) => {
    out.push(u);
    Object.values(u.subordinates).forEach(visit);
  };
  for (const app of Object.values(status.applications)) Object.values(app.units).forEach(visit);
  return out;
}

/** The one line naming each unit in error and its message. */
export function errorSummary(status: ModelStatusView): string {
  const list = status.model.errors.map((e) => `${e.unit} (${e.message})`).join(', ');
  const first = status.model.errors[0]?.unit ?? '<unit>';
  return (
    `model '${status.model.name}' has ${plural(status.model.errors.length, 'unit')} in error: ${list}: ` +
    `see 'tsops debug-log --include ${first}', then 'tsops resolve ${first}'`
  );
}

/** The one line naming the units still busy when the timeout ran out. */
export function busySummary(status: ModelStatusView, timeoutS: number): string {
  const busy = allUnits(status)
    .filter((u) => u.agent !== 'idle' && u.agent !== 'error')
    .map((u) => `${u.name} (${u.agent}${u.activity ? ` ${u.activity}` : ''})`);
  const shown = busy.length > 20 ? [...busy.slice(0, 20), `and ${busy.length - 20} more`] : busy;
  const hooks = `${plural(status.model.pendingHooks, 'hook')} pending`;
  const what = shown.length > 0 ? `still busy: ${shown.join(', ')}; ${hooks}` : hooks;
  return `model '${status.model.name}' did not settle within ${timeoutS}s: ${what}: see 'tsops status'`;
}

interface Bar {
  update(s: ModelStatusView): void;
  stop(): void;
}

/** A progress bar of idle units over all units, on a terminal only. */
function progressBar(ctx: CliContext, model: string): Bar | undefined {
  const stream = ctx.deps.progressStream();
  if (!stream) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `waiting for ${model} [{bar}] {value}/{total} units idle | {hooks} hooks pending | {duration}s`,
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(s) {
      const units = allUnits(s);
      const idle = units.filter((u) => u.agent === 'idle').length;
      const payload = { hooks: s.model.pendingHooks };
      // Started on the first status, so the bar never shows a meaningless 0/0.
      if (!started) bar.start(units.length, idle, payload);
      else {
        bar.setTotal(units.length);
        bar.update(idle, payload);
      }
      started = true;
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** Watch the status stream until settled, an error, the timeout or Ctrl-C. */
async function waitForSettled(ctx: CliContext, model: string, timeoutS: number): Promise<number> {
  const started = Date.now();
  let latest: ModelStatusView | undefined;
  let finish: (outcome: number | CliError) => void = () => {};
  const outcome = new Promise<number | CliError>((resolve) => (finish = resolve));
  let bar: Bar | undefined;
  const check = (s: ModelStatusView) => {
    latest = s;
    bar?.update(s);
    if (s.model.settled) finish(WAIT_EXIT.settled);
    else if (s.model.errors.length > 0) finish(new CliError(errorSummary(s), WAIT_EXIT.error));
  };
  const api = await ctx.connect();
  const unsubscribe = await api.subscribe('status', { model }, check);
  const timer = setTimeout(() => {
    const text = latest
      ? busySummary(latest, timeoutS)
      : `no status from model '${model}' within ${timeoutS}s`;
    finish(new CliError(text, WAIT_EXIT.timedOut));
  }, timeoutS * 1000);
  const interrupt = ctx.interrupted();
  void interrupt.promise.then(() => finish(new CliError('interrupted', 130)));
  let result: number | CliError;
  try {
    bar = progressBar(ctx, model);
    // The stream may push only changes: read the status once too.
    check(await ctx.call('status', { model }));
    result = await outcome;
  } finally {
    bar?.stop();
    clearTimeout(timer);
    interrupt.stop();
    await unsubscribe();
  }
  if (result instanceof CliError) throw result;
  const n = latest ? allUnits(latest).length : 0;
  ctx.out(
    `model '${model}' settled in ${((Date.now() - started) / 1000).toFixed(1)}s (${plural(n, 'unit')})`,
  );
  return result;
}

/** Register `wait`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('wait')
    .summary('wait until the model has settled')
    .description('wait until the model has settled: no hook pending or running anywhere and no unit in error')
    .option('--timeout <seconds>', 'give up after this long (default 600)', seconds, 600)
    .addHelpText(
      'after',
      `${examples('tsops deploy bundles/slurm.yaml && tsops wait', 'tsops wait --timeout 5m')}\n` +
        'Exit code: 0 settled, 1 a unit is in error (named with its message), 2 timed out (busy units named).\n',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      ctx.exitCode = await waitForSettled(ctx, ctx.model(cmd), Opts.of(cmd).number('timeout') ?? 600);
    });
}
