/** `tsops models` output. */
import type { ModelInfo } from '../../controller/api/methods.js';
import { renderTable } from './table.js';

/** The models as a table, the current one marked `*` as juju does. */
export function formatModels(models: ModelInfo[], current: string): string {
  if (models.length === 0) return "No models. Add one with 'tsops models add <name>'.\n";
  const rows = [...models]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => [`${m.name}${m.name === current ? '*' : ''}`, m.substrate, m.uuid]);
  return `${renderTable(['Model', 'Substrate', 'UUID'], rows)}\n`;
}
