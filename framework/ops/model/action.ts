/** What an action handler can do: results, progress messages, failure. */
import type { ModelBackend } from '../backend.js';
import type { ActionMeta } from '../meta/types.js';

const RESULT_KEY = /^[a-z0-9](?:[a-z0-9-.]*[a-z0-9])?$/;

/** Flatten `{a: {b: 1}}` to `{'a.b': '1'}`; keys must be lowercase Juju result keys. */
export function flattenResults(
  results: Record<string, unknown>,
  prefix = '',
  out: Record<string, string> = {},
): Record<string, string> {
  for (const [k, v] of Object.entries(results)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      flattenResults(v as Record<string, unknown>, key, out);
      continue;
    }
    if (!RESULT_KEY.test(key)) {
      throw new Error(`action result key '${key}' is invalid: use lowercase letters, digits, '-' and '.'`);
    }
    if (key in out) throw new Error(`action result key '${key}' is set twice after flattening`);
    out[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

export class ActionContext {
  private failure: string | undefined;

  constructor(
    private readonly backend: ModelBackend,
    readonly meta: ActionMeta,
    readonly id: string,
    readonly params: Record<string, unknown>,
  ) {}

  setResults(results: Record<string, unknown>): void {
    this.backend.actionSet(flattenResults(results));
  }

  log(message: string): void {
    this.backend.actionLog(message);
  }

  fail(message: string): void {
    this.failure = message;
    this.backend.actionFail(message);
  }

  /** The failure message, if the action failed. */
  get failed(): string | undefined {
    return this.failure;
  }
}
