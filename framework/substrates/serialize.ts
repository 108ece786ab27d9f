/**
 * One operation at a time per key (a machine's folder, a service): the controller may
 * touch one machine from several hooks at once (a principal and its subordinates).
 */
import { resolve } from 'node:path';

const queues = new Map<string, Promise<unknown>>();

/** Run `task` after every earlier task queued for `dir`; its result or error is passed through. */
export function serialize<T>(dir: string, task: () => Promise<T>): Promise<T> {
  const key = resolve(dir);
  const run = (queues.get(key) ?? Promise.resolve()).then(task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}
