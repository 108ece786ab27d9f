/** `tsops models [add|switch]` and `tsops destroy-model <name>`. */
import { Option } from 'commander';
import type { Command } from 'commander';
import { checkModelName } from '../context.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatModels } from '../format/models.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

/** Register `models`, its subcommands, and `destroy-model`. */
export function register(program: Command, ctx: CliContext): void {
  const models = program
    .command('models')
    .summary('list, add and switch models')
    .description('list the models; the current one (used when -m is not given) is marked *')
    .addHelpText(
      'after',
      examples('tsops models', 'tsops models add lab --substrate netns', 'tsops models switch lab'),
    )
    .action(async () => {
      ctx.out(formatModels(await ctx.call('models.list', {}), ctx.currentModel()));
    });

  models
    .command('add')
    .description('add a model and make it the current one')
    .argument('<name>', 'the model name')
    .addOption(
      new Option('--substrate <name>', 'where its units live')
        .choices(['sandbox', 'netns'])
        .default('sandbox'),
    )
    .addOption(
      new Option(
        '--isolation <mode>',
        'how hooks run: in-process, or process (one dispatch per hook, as under Juju)',
      )
        .choices(['in-process', 'process'])
        .default('in-process'),
    )
    .addHelpText(
      'after',
      examples(
        'tsops models add lab',
        'tsops models add cluster --substrate netns',
        'tsops models add strict --isolation process',
      ),
    )
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const o = Opts.of(cmd);
      const substrate = o.string('substrate') === 'netns' ? 'netns' : 'sandbox';
      const isolation = o.string('isolation') === 'process' ? 'process' : 'in-process';
      const info = await ctx.call('models.add', { name: checkModelName(name), substrate, isolation });
      ctx.setCurrentModel(info.name);
      ctx.out(
        `added model '${info.name}' (${info.substrate}, hooks ${info.isolation}); it is now the current model`,
      );
    });

  models
    .command('switch')
    .description('make a model the current one')
    .argument('<name>', 'the model name')
    .addHelpText('after', examples('tsops models switch lab'))
    .action(async (name: string) => {
      const list = await ctx.call('models.list', {});
      if (!list.some((m) => m.name === name))
        throw new CliError(
          `no model '${name}': see 'tsops models', or add it with 'tsops models add ${name}'`,
        );
      const before = ctx.currentModel();
      ctx.setCurrentModel(name);
      ctx.out(`${before} -> ${name}`);
    });

  program
    .command('destroy-model')
    .summary('destroy a model')
    .description('destroy a model and everything in it; asks first on a terminal, needs --yes otherwise')
    .argument('<name>', 'the model name')
    .option('-y, --yes', 'do not ask')
    .addHelpText('after', examples('tsops destroy-model lab', 'tsops destroy-model lab --yes'))
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      if (!Opts.of(cmd).flag('yes')) {
        if (!ctx.deps.stdinIsTTY)
          throw new CliError(`destroying model '${name}' needs --yes when not run from a terminal`);
        const answer = await ctx.deps.ask(`Destroy model '${name}' and everything in it? (y/N) `);
        if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(`model '${name}' was not destroyed`);
      }
      const { destroyed } = await ctx.call('models.destroy', { name });
      if (ctx.currentModel() === destroyed) ctx.clearCurrentModel();
      ctx.out(`destroyed model '${destroyed}'`);
    });
}
