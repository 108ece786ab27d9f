/** `tsops run <unit|app/leader> <action> [k=v ...]` and `tsops show-task <id>`. */
import type { Command } from 'commander';
import type { TaskView } from '../../controller/api/methods.js';
import { parseRunParams, seconds, wholeNumber } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatTask, formatTasks } from '../format/task.js';
import { examples } from '../help.js';
import { Opts } from '../opts.js';

const TARGET = /^[a-z][a-z0-9-]*\/(\d+|leader)$/;

/** Exit codes of `tsops run`: the task's outcome. */
export const RUN_EXIT = { completed: 0, failed: 1, timedOut: 2 } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const done = (t: TaskView) => t.status === 'completed' || t.status === 'failed';

/** Poll the tasks until all are done or `waitS` seconds pass. */
async function waitForTasks(ctx: CliContext, model: string, tasks: TaskView[], waitS: number) {
  const deadline = Date.now() + waitS * 1000;
  let current = tasks;
  for (let delay = 100; !current.every(done) && Date.now() < deadline; delay = Math.min(delay * 2, 1000)) {
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    current = await Promise.all(
      current.map((t) => (done(t) ? t : ctx.call('task.get', { model, id: t.id }))),
    );
  }
  return current;
}

/** Register `run` and `show-task`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .summary('run an action and print its results')
    .description("run an action on a unit or on an application's leader, wait for it and print its results")
    .argument('<target>', 'a unit (compute/0) or an application leader (compute/leader)')
    .argument('<action>', 'the action, as named in the charm')
    .argument('[params...]', 'key=value params; nested.key=value nests; values are YAML scalars')
    .option('--wait <seconds>', 'how long to wait for the result; 0 queues it and returns', seconds, 60)
    .option('--string-args', 'keep every value a string (no YAML parsing)')
    .addHelpText(
      'after',
      `${examples(
        'tsops run slurmctld/leader resume nodes=compute-[0-9]',
        'tsops run mysql/0 backup target.dir=/srv/backup target.compress=true --wait 300',
      )}\nExit code: 0 completed, 1 failed, 2 still running when --wait ran out.\n`,
    )
    .action(async (target: string, action: string, params: string[], _opts: unknown, cmd: Command) => {
      const o = Opts.of(cmd);
      const model = ctx.model(cmd);
      if (!TARGET.test(target))
        throw new CliError(
          `'${target}' is not a unit (app/0) or an application leader (app/leader): see 'tsops status'`,
        );
      const parsed = parseRunParams(params, { stringArgs: o.flag('stringArgs') });
      const { tasks } = await ctx.call('run', { model, targets: [target], action, params: parsed });
      const waitS = o.number('wait') ?? 60;
      if (waitS === 0) {
        for (const t of tasks) ctx.out(`queued task ${t.id} on ${t.unit}: see 'tsops show-task ${t.id}'`);
        return;
      }
      const final = await waitForTasks(ctx, model, tasks, waitS);
      ctx.out(formatTasks(final));
      const failed = final.find((t) => t.status === 'failed');
      const pending = final.find((t) => !done(t));
      if (pending)
        throw new CliError(
          `task ${pending.id} on ${pending.unit} is still ${pending.status} after ${waitS}s: ` +
            `see 'tsops show-task ${pending.id}'`,
          RUN_EXIT.timedOut,
        );
      if (failed)
        throw new CliError(
          `task ${failed.id} (${action}) failed on ${failed.unit}${failed.message ? `: ${failed.message}` : ''}`,
          RUN_EXIT.failed,
        );
    });

  program
    .command('show-task')
    .summary('show an action task')
    .description('show an action task: its status, message, results and log, as YAML')
    .argument('<id>', 'the task id printed by tsops run', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .addHelpText('after', examples('tsops show-task 12'))
    .action(async (id: number, _opts: unknown, cmd: Command) => {
      ctx.out(formatTask(await ctx.call('task.get', { model: ctx.model(cmd), id })));
    });
}
