/** `tsops add-unit <app>`. */
import type { Command } from 'commander';
import { collect, parseList, wholeNumber } from '../args.js';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

/** Register `add-unit`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('add-unit')
    .summary('add units to an application')
    .description('add units to an application')
    .argument('<app>', 'the application')
    .option('-n, --num-units <count>', 'how many units (default 1)', wholeNumber(1, 10000))
    .option('--to <placement>', 'machines for the new units, comma-separated (repeatable)', collect)
    .addHelpText('after', examples('tsops add-unit compute -n 100', 'tsops add-unit compute --to 3'))
    .action(async (app: string, _opts: unknown, cmd: Command) => {
      const o = Opts.of(cmd);
      const { units } = await ctx.call('add-unit', {
        model: ctx.model(cmd),
        app,
        count: o.number('numUnits') ?? 1,
        to: parseList(o.list('to')),
      });
      ctx.out(units.length <= 10 ? `added ${units.join(', ')}` : `added ${units.length} units of ${app}`);
    });
}
