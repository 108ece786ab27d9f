/** `tsops config <app> [key | key=value ...] [--reset k1,k2]`. */
import type { Command } from 'commander';
import { collect, parseConfigArgs, parseList } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatConfigTable, formatConfigValue } from '../format/config.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

/** Register `config`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('config')
    .summary("show, read or set an application's config")
    .description("show an application's config (value, source, default, type), read one key, or set keys")
    .argument('<app>', 'the application')
    .argument('[settings...]', 'a key to read, or key=value pairs to set (values may contain =)')
    .option('--reset <keys>', 'comma-separated keys to return to their defaults (repeatable)', collect)
    .addHelpText(
      'after',
      examples(
        'tsops config compute',
        'tsops config compute partition-state',
        'tsops config compute partition-state=DOWN default=true',
        'tsops config compute --reset partition-state,default',
      ),
    )
    .action(async (app: string, settings: string[], _opts: unknown, cmd: Command) => {
      const model = ctx.model(cmd);
      const request = parseConfigArgs(settings);
      const reset = parseList(Opts.of(cmd).list('reset'));
      if (request.kind === 'get' && reset.length > 0)
        throw new CliError('--reset cannot be combined with reading a key');
      if (request.kind === 'set' || reset.length > 0) {
        const values = request.kind === 'set' ? request.values : {};
        const { changed } = await ctx.call('config.set', { model, app, values, reset });
        ctx.out(
          changed.length > 0 ? `changed ${changed.join(', ')}` : 'no change: the values were already set',
        );
        return;
      }
      const options = await ctx.call('config.get', { model, app });
      if (request.kind === 'show') return ctx.out(formatConfigTable(options, app));
      const option = options.find((o) => o.name === request.key);
      if (!option)
        throw new CliError(`application '${app}' has no option '${request.key}': see 'tsops config ${app}'`);
      ctx.out(formatConfigValue(option.value));
    });
}
