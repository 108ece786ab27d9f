/** `tsops status`: juju-like tabular status, JSON or YAML; `--watch` redraws from the status stream. */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { ModelStatusView } from '../../controller/api/status.js';
import { seconds } from '../args.js';
import type { CliContext } from '../context.js';
import { formatStatusJson, formatStatusTabular, formatStatusYaml } from '../format/status.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

/** The output formats of `tsops status`. */
export type StatusFormat = 'tabular' | 'json' | 'yaml';

/** Render a status in one of the formats. */
export function renderStatus(
  status: ModelStatusView,
  format: StatusFormat,
  opts: { relations: boolean; color: boolean },
): string {
  if (format === 'json') return formatStatusJson(status);
  if (format === 'yaml') return formatStatusYaml(status);
  return formatStatusTabular(status, opts);
}

function formatOf(o: Opts): StatusFormat {
  const f = o.string('format');
  return f === 'json' || f === 'yaml' ? f : 'tabular';
}

// Clear the screen and home the cursor before each redraw on a terminal.
const CLEAR = '\u001b[2J\u001b[H';

/** Redraw on every pushed status, at most once per `intervalS`, until Ctrl-C. */
async function watch(
  ctx: CliContext,
  model: string,
  intervalS: number,
  draw: (s: ModelStatusView) => string,
) {
  const tty = ctx.deps.stdout.isTTY === true;
  let last = 0;
  let pending: ModelStatusView | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const show = (s: ModelStatusView) => {
    last = Date.now();
    pending = undefined;
    const footer = tty ? `\nEvery ${intervalS}s: tsops status --watch (Ctrl-C to stop)\n` : '';
    ctx.deps.stdout.write(tty ? `${CLEAR}${draw(s)}${footer}` : `${draw(s)}\n`);
  };
  const onStatus = (s: ModelStatusView) => {
    pending = s;
    const wait = last + intervalS * 1000 - Date.now();
    if (wait <= 0) return show(s);
    timer ??= setTimeout(() => {
      timer = undefined;
      if (pending) show(pending);
    }, wait);
  };
  const api = await ctx.connect();
  const unsubscribe = await api.subscribe('status', { model }, onStatus);
  const interrupt = ctx.interrupted();
  try {
    onStatus(await ctx.call('status', { model }));
    await interrupt.promise;
  } finally {
    interrupt.stop();
    if (timer) clearTimeout(timer);
    await unsubscribe();
  }
}

/** Register `status`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .summary("show the model's applications, units and integrations")
    .description(
      'show the model: applications, units (leader *, subordinates indented) and, with --relations, integrations',
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['tabular', 'json', 'yaml'])
        .default('tabular'),
    )
    .option('--relations', 'add the Integration section')
    .option('--integrations', 'the same as --relations')
    .option(
      '--watch [seconds]',
      'keep redrawing as the model changes, at most every <seconds> (default 1)',
      seconds,
    )
    .addHelpText(
      'after',
      examples(
        'tsops status',
        'tsops status --relations',
        'tsops status --format json',
        'tsops status --watch 2',
      ),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const o = Opts.of(cmd);
      const model = ctx.model(cmd);
      const format = formatOf(o);
      const opts = { relations: o.flag('relations') || o.flag('integrations'), color: ctx.color };
      const draw = (s: ModelStatusView) => renderStatus(s, format, opts);
      const w = o.flagOrNumber('watch');
      if (w === false) return ctx.out(draw(await ctx.call('status', { model })));
      await watch(ctx, model, w === true ? 1 : w, draw);
    });
}
