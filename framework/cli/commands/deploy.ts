/** `tsops deploy <bundle-or-charm>`. */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { MethodParams } from '../../controller/api/methods.js';
import { classifyDeployTarget, collect, parseKeyValues, parseList, wholeNumber } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatChanges } from '../format/changes.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

type Substrate = 'sandbox' | 'netns';
type Isolation = 'in-process' | 'process';

function isolationOf(o: Opts): Isolation | undefined {
  const s = o.string('isolation');
  return s === 'in-process' || s === 'process' ? s : undefined;
}

function substrateOf(o: Opts): Substrate | undefined {
  const s = o.string('substrate');
  return s === 'sandbox' || s === 'netns' ? s : undefined;
}

/** Make sure `model` exists (a first deploy creates it) and runs on the requested substrate. */
async function ensureModel(
  ctx: CliContext,
  model: string,
  substrate: Substrate | undefined,
  isolation: Isolation | undefined,
  dryRun: boolean,
) {
  const models = await ctx.call('models.list', {});
  const found = models.find((m) => m.name === model);
  if (found) {
    if (substrate && found.substrate !== substrate)
      throw new CliError(
        `model '${model}' runs on ${found.substrate}, not ${substrate}: ` +
          `add a model with 'tsops models add <name> --substrate ${substrate}'`,
      );
    if (isolation && found.isolation !== isolation)
      throw new CliError(
        `model '${model}' runs hooks ${found.isolation}, not ${isolation}: ` +
          `add a model with 'tsops models add <name> --isolation ${isolation}'`,
      );
    return;
  }
  if (dryRun)
    throw new CliError(`model '${model}' does not exist yet: deploy without --dry-run to create it`);
  await ctx.call('models.add', {
    name: model,
    substrate: substrate ?? 'sandbox',
    isolation: isolation ?? 'in-process',
  });
  ctx.out(
    `added model '${model}' (${substrate ?? 'sandbox'}${isolation === 'process' ? ', hooks in child processes' : ''})`,
  );
}

/** Build the deploy request from the arguments (exported for tests). */
export function deployParams(
  model: string,
  target: string,
  app: string | undefined,
  o: Opts,
  cwd: string,
): MethodParams<'deploy'> {
  const what = classifyDeployTarget(target, cwd);
  const dryRun = o.flag('dryRun');
  if (what.kind === 'bundle') {
    const charmOnly =
      app !== undefined ||
      o.number('numUnits') !== undefined ||
      o.string('constraints') !== undefined ||
      o.list('config').length > 0 ||
      o.list('to').length > 0;
    if (charmOnly)
      throw new CliError(
        '-n, --config, --to, --constraints and an application name apply to a charm, not a bundle',
      );
    return {
      model,
      bundle: { path: what.path, overlays: o.list('overlay').map((p) => resolve(cwd, p)) },
      dryRun,
    };
  }
  if (o.list('overlay').length > 0)
    throw new CliError('--overlay applies to a bundle (a .yaml file), not a charm');
  return {
    model,
    charm: {
      ref: what.ref,
      app,
      numUnits: o.number('numUnits') ?? 1,
      config: parseKeyValues(o.list('config')),
      to: parseList(o.list('to')),
      constraints: o.string('constraints') ?? '',
    },
    dryRun,
  };
}

/** Register `deploy`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('deploy')
    .summary('deploy a bundle or a charm')
    .description('deploy a bundle (a .yaml/.yml file) or a charm (a folder, or a name under charms/)')
    .argument('<bundle-or-charm>', 'bundle file, charm folder or charm name')
    .argument('[app]', 'application name for a charm (default: the charm name)')
    .option('-n, --num-units <count>', 'units of the charm to add (default 1)', wholeNumber(0, 10000))
    .option('--config <key=value>', 'charm config (repeatable)', collect)
    .option('--to <placement>', 'machines for the units, comma-separated (repeatable)', collect)
    .option('--constraints <constraints>', "the charm's hardware, e.g. 'cores=4 mem=8G gpus=1'")
    .option('--overlay <file>', 'bundle overlay applied in order (repeatable)', collect)
    .addOption(
      new Option('--substrate <name>', 'where units live, when the model is new').choices([
        'sandbox',
        'netns',
      ]),
    )
    .addOption(
      new Option(
        '--isolation <mode>',
        'how hooks run, when the model is new: in-process, or process (one dispatch per hook, as under Juju)',
      ).choices(['in-process', 'process']),
    )
    .option('--dry-run', 'print the changes without applying them')
    .addHelpText(
      'after',
      examples(
        'tsops deploy bundles/slurm.yaml --overlay bundles/gpu.yaml',
        'tsops deploy charms/slurmd compute -n 3 --config partition-state=UP',
        'tsops deploy bundles/slurm.yaml --dry-run',
      ),
    )
    .action(async (target: string, app: string | undefined, _opts: unknown, cmd: Command) => {
      const o = Opts.of(cmd);
      const model = ctx.model(cmd);
      const params = deployParams(model, target, app, o, ctx.deps.cwd);
      for (const file of [params.bundle?.path, ...(params.bundle?.overlays ?? [])])
        if (file !== undefined && !existsSync(file)) throw new CliError(`no such bundle file: ${file}`);
      const ref = params.charm?.ref;
      if (ref !== undefined && isAbsolute(ref) && !existsSync(ref))
        throw new CliError(`no such charm folder: ${ref}`);
      await ensureModel(ctx, model, substrateOf(o), isolationOf(o), params.dryRun ?? false);
      const { changes } = await ctx.call('deploy', params);
      ctx.out(formatChanges(changes, { dryRun: params.dryRun ?? false }));
    });
}
