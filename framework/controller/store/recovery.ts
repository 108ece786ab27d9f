/** What a controller puts right in its store when it opens a model a killed controller left. */
import type { Store } from './store.js';

/**
 * After a restart nothing is running: a unit left 'executing' by a killed dispatch goes
 * back to idle (or error) and re-runs its hooks from its markers, and a task left
 * 'running' goes back to pending and runs again (at-least-once, like Juju).
 */
export function resetInFlight(store: Store): void {
  store.transaction(() => {
    store
      .sql(
        `UPDATE units SET agent = CASE WHEN failed IS NULL THEN 'idle' ELSE 'error' END, activity = NULL
         WHERE agent = 'executing'`,
      )
      .run();
    store.sql("UPDATE tasks SET status = 'pending' WHERE status = 'running'").run();
  });
}
