/** `tsops secrets` output: metadata only; secret values are never shown. */
import YAML from 'yaml';
import type { SecretView } from '../../controller/api/methods.js';
import { renderTable } from './table.js';

/** The secrets of a model as a table: ID, Owner, Label, Revision, Grants, Description. */
export function formatSecrets(secrets: SecretView[]): string {
  if (secrets.length === 0) return 'No secrets.\n';
  const rows = [...secrets]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((s) => [s.id, s.owner, s.label, String(s.revision), s.grants.join(','), s.description]);
  return `${renderTable(['ID', 'Owner', 'Label', 'Revision', 'Grants', 'Description'], rows)}\n`;
}

/** One secret's metadata as YAML. */
export function formatSecret(secret: SecretView): string {
  return YAML.stringify(secret);
}
