/** `tsops debug-log`: the model's log, filtered, following new lines by default. */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { LogLine } from '../../controller/api/methods.js';
import type { StreamParams } from '../api.js';
import { collect, wholeNumber } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatLogLine } from '../format/log.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;

/** How many recent lines to show first when neither --replay nor --lines is given (juju's default). */
export const DEFAULT_LINES = 10;

/** The `log` stream request for the given options (exported for tests). */
export function logParams(model: string, o: Opts): StreamParams<'log'> {
  const replay = o.flag('replay');
  const lines = o.number('lines');
  if (replay && lines !== undefined)
    throw new CliError('use either --replay (all history) or --lines <n>, not both');
  const level = o.string('level')?.toUpperCase() ?? 'DEBUG';
  const known = LEVELS.find((l) => l === level);
  if (!known) throw new CliError(`unknown level '${level}': use one of ${LEVELS.join(', ')}`);
  return {
    model,
    include: o.list('include'),
    exclude: o.list('exclude'),
    level: known,
    replay,
    lines: replay ? undefined : (lines ?? DEFAULT_LINES),
  };
}

/** Register `debug-log`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('debug-log')
    .summary("print and follow the model's log")
    .description("print the model's log (<entity> <timestamp> <level> <module> <message>) and follow it")
    .option('-i, --include <entity>', 'only these units or applications (repeatable)', collect)
    .option('-x, --exclude <entity>', 'not these units or applications (repeatable)', collect)
    .addOption(new Option('-l, --level <level>', 'lowest level shown: DEBUG, INFO, WARNING or ERROR'))
    .option('--replay', 'start from the beginning of the log')
    .option(
      '-n, --lines <count>',
      `start with the last <count> lines (default ${DEFAULT_LINES})`,
      wholeNumber(0, 100000),
    )
    .option('--no-tail', 'stop after the history instead of following new lines')
    .addHelpText(
      'after',
      examples(
        'tsops debug-log --include slurmctld/0 --level INFO',
        'tsops debug-log --replay --no-tail --exclude compute',
        'tsops debug-log -n 100',
      ),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const o = Opts.of(cmd);
      const params = logParams(ctx.model(cmd), o);
      const api = await ctx.connect();
      const print = (line: LogLine) => ctx.out(formatLogLine(line));
      const unsubscribe = await api.subscribe('log', params, print);
      if (!o.flag('tail')) {
        // The server sends the history right after the subscribe reply: one more
        // round trip guarantees all of it has arrived before we stop.
        await ctx.call('models.list', {});
        return void (await unsubscribe());
      }
      const interrupt = ctx.interrupted();
      try {
        await interrupt.promise;
      } finally {
        interrupt.stop();
        await unsubscribe();
      }
    });
}
