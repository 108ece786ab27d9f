/** Borderless, juju-style tables on top of cli-table3. */
import Table from 'cli-table3';

const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '',
};

/** Collapse newlines so one value stays on one row (leading blanks are kept: they indent subordinates). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trimEnd();
}

/**
 * Render a header row and data rows as columns two spaces apart, like juju's
 * tabular output: no borders, no padding after the last column, no colours in
 * the header. Cells may hold ANSI colours; widths ignore them.
 */
export function renderTable(head: string[], rows: string[][]): string {
  const table = new Table({
    head,
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2, compact: true },
  });
  for (const row of rows) table.push(row.map(oneLine));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}
