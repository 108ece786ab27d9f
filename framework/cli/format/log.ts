/** `tsops debug-log` output. */
import type { LogLine } from '../../controller/api/methods.js';

/** `<entity> <timestamp> <level> <module> <message>`, like juju's debug-log (one line, no newline). */
export function formatLogLine(line: LogLine): string {
  return `${line.entity} ${line.timestamp} ${line.level} ${line.module} ${line.message}`;
}
