/**
 * The `tsops` command. Each subcommand is one small module under commands/;
 * every error is one line on stderr saying what to do, and the exit code is non-zero.
 */
import { Command, CommanderError } from 'commander';
import * as addUnit from './commands/add-unit.js';
import * as bootstrap from './commands/bootstrap.js';
import * as config from './commands/config.js';
import * as controller from './commands/controller.js';
import * as dashboard from './commands/dashboard.js';
import * as debugLog from './commands/debug-log.js';
import * as deploy from './commands/deploy.js';
import * as exec from './commands/exec.js';
import * as exportBundle from './commands/export-bundle.js';
import * as integrate from './commands/integrate.js';
import * as models from './commands/models.js';
import * as pack from './commands/pack.js';
import * as removeApplication from './commands/remove-application.js';
import * as removeRelation from './commands/remove-relation.js';
import * as removeUnit from './commands/remove-unit.js';
import * as resolve from './commands/resolve.js';
import * as runAction from './commands/run.js';
import * as secrets from './commands/secrets.js';
import * as showUnit from './commands/show-unit.js';
import * as status from './commands/status.js';
import * as wait from './commands/wait.js';
import { CliContext } from './context.js';
import type { CliDeps } from './context.js';
import { CliError, commanderErrorLine, errorLine } from './errors.js';
import { examples } from './help.js';

// In `tsops --help` order: set-up, deploy and scale, configure and operate, observe, models.
const COMMANDS = [
  bootstrap,
  controller,
  deploy,
  addUnit,
  removeUnit,
  removeApplication,
  integrate,
  removeRelation,
  config,
  runAction,
  exec,
  resolve,
  status,
  wait,
  debugLog,
  dashboard,
  showUnit,
  secrets,
  exportBundle,
  models,
  pack,
];

/** The commander program, writing through `ctx` (errors are thrown, never printed or exited on). */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command();
  program
    .name('tsops')
    .description('Run charms: a Juju-style operator framework and controller in TypeScript')
    .version('0.1.0')
    .option('-m, --model <name>', 'the model to act on (default: the current model, else "default")')
    // Settings made before .command() are inherited by every subcommand.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.deps.stdout.write(s),
      // Parse errors come back as CommanderError and are printed as one line by run().
      writeErr: () => {},
      outputError: () => {},
    })
    .showSuggestionAfterError(true);
  for (const command of COMMANDS) command.register(program, ctx);
  program.addHelpText(
    'after',
    examples(
      'tsops deploy bundles/slurm.yaml',
      'tsops wait',
      'tsops status --relations',
      'tsops add-unit compute -n 10',
    ),
  );
  return program;
}

/** `tsops controller stop` for argv `['-m', 'x', 'controller', 'stop', ...]`: the command that failed to parse. */
export function commandPath(program: Command, args: string[]): string {
  const names = [program.name()];
  let cmd = program;
  for (const arg of args) {
    if (arg === '--') break;
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub) {
      names.push(sub.name());
      cmd = sub;
    } else if (cmd !== program && !arg.startsWith('-')) break;
  }
  return names.join(' ');
}

/** Run `tsops` with `argv` (node, script, ...args); returns the exit code. */
export async function run(argv: string[], deps: CliDeps): Promise<number> {
  const ctx = new CliContext(deps);
  const program = buildProgram(ctx);
  const args = argv.slice(2);
  try {
    if (args.length === 0) {
      deps.stdout.write(program.helpInformation());
      return 0;
    }
    await program.parseAsync(args, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      const path = commandPath(program, args);
      const line =
        e.code === 'commander.help'
          ? `'${path}' needs a subcommand: see '${path} --help'`
          : commanderErrorLine(e, path);
      deps.stderr.write(`tsops: ${line}\n`);
      return e.exitCode;
    }
    deps.stderr.write(`tsops: ${errorLine(e)}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  } finally {
    await ctx.close();
  }
}
