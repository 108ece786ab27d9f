/** `tsops deploy` output: the changes a deploy made or, with --dry-run, would make. */
import type { ChangeView } from '../../controller/api/methods.js';

/** A heading and one `- <change>` line per change; says so when there is nothing to do. */
export function formatChanges(changes: ChangeView[], opts: { dryRun: boolean }): string {
  if (changes.length === 0) return 'No changes: the model already matches.\n';
  const heading = opts.dryRun ? 'Changes to apply (dry run, nothing changed):' : 'Changes applied:';
  const lines = changes.map((c) => `- ${c.description || c.kind}`);
  return `${[heading, ...lines].join('\n')}\n`;
}
