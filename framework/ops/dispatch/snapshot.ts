/**
 * Node startup snapshots. `tsops pack` runs the charm's CommonJS bundle under
 * `node --build-snapshot`: the framework, winston and the charm's own modules are
 * loaded then, and their heap is saved to build/charm.blob, from which every hook
 * starts. `main()` calls {@link runAfterSnapshot} first: while a snapshot is being
 * built it registers the dispatch to run when a hook starts from the blob, so that
 * everything per hook (environment, argv, clock, logger, backend, state) is created
 * afterwards, fresh for that process.
 */
import { startupSnapshot } from 'node:v8';

/**
 * Exit status with which node refuses a snapshot built by another node (or with other
 * V8 flags), before any charm code runs; the dispatch script then runs the plain bundle.
 */
export const SNAPSHOT_REFUSED_EXIT_CODE = 14;

/**
 * When this process is building a startup snapshot, register `run` as the snapshot's
 * main function and return true (the caller returns at once); otherwise return false.
 */
export function runAfterSnapshot(run: () => Promise<unknown>): boolean {
  if (!startupSnapshot.isBuildingSnapshot()) return false;
  // `tsops pack` checks this after the charm's entry ran: without it the blob would do nothing.
  (globalThis as Record<symbol, unknown>)[Symbol.for('tsops.snapshotMain')] = true;
  startupSnapshot.setDeserializeMainFunction(() => {
    // The dispatch script reads 14 as "snapshot refused" and would run the hook again:
    // a charm that exits 14 after starting from the blob exits 1 instead.
    process.on('exit', (code) => {
      if (code === SNAPSHOT_REFUSED_EXIT_CODE) process.exitCode = 1;
    });
    void run();
  });
  return true;
}
