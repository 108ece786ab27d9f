/** `tsops run` and `tsops show-task` output. */
import YAML from 'yaml';
import type { TaskView } from '../../controller/api/methods.js';

/** One task as YAML: unit, id, status, message, results, log (in that order). */
export function formatTask(task: TaskView): string {
  const doc = {
    unit: task.unit,
    id: task.id,
    status: task.status,
    message: task.message,
    results: task.results,
    log: task.log,
  };
  return YAML.stringify(doc);
}

/** Several tasks as YAML documents separated by `---`. */
export function formatTasks(tasks: TaskView[]): string {
  return tasks.map(formatTask).join('---\n');
}
