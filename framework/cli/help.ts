/** Shared help text helpers. */

/** An "Examples:" block for `--help`, one `$ command` per line. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
