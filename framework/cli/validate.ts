/**
 * Check request params against the API's own schemas before connecting, so bad
 * arguments fail in one line without starting a controller.
 */
import { methodParams } from '../controller/api/methods.js';
import type { MethodName } from '../controller/api/methods.js';
import { CliError, withAdvice } from './errors.js';

// How each param is named in an error message.
const LABELS: Record<string, string> = {
  app: 'application name',
  unit: 'unit name',
  units: 'unit name',
  a: 'endpoint',
  b: 'endpoint',
  count: 'unit count',
  numUnits: 'unit count',
  name: 'model name',
  model: 'model name',
  targets: 'target',
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || typeof key === 'symbol') return undefined;
    node = Object.getOwnPropertyDescriptor(node, key)?.value;
  }
  return node;
}

/** Throw a one-line CliError when `params` do not fit `method`'s schema. */
export function checkParams(method: MethodName, params: unknown): void {
  const parsed = methodParams[method].safeParse(params);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  if (!issue) throw new CliError(`invalid request for ${method}`);
  const key = [...issue.path].reverse().find((k): k is string => typeof k === 'string') ?? method;
  const value = valueAt(params, issue.path);
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  // The error is one line: a long value is cut, not echoed whole.
  const shown = text === undefined ? '' : ` '${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
  throw new CliError(withAdvice(`invalid ${LABELS[key] ?? key}${shown}: ${issue.message}`));
}
