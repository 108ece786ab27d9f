/**
 * Juju's rules for secret content and ids, shared by the model, the hook-tool
 * backend and the testing backend. Messages name keys, never values.
 */
import { ModelError } from './errors.js';

/** Content keys as Juju checks them: lowercase, single hyphens, 3+ characters, starting with a letter. */
export const SECRET_CONTENT_KEY = /^[a-z](?:-?[a-z0-9]){2,}$/;

/** Throws a ModelError naming the first key Juju would refuse (never a value). */
export function checkSecretContent(content: Record<string, string>): void {
  if (typeof content !== 'object' || content === null)
    throw new ModelError('secret content must be an object of strings');
  const keys = Object.keys(content);
  if (keys.length === 0) throw new ModelError('secret content must not be empty');
  for (const k of keys) {
    if (!SECRET_CONTENT_KEY.test(k)) {
      throw new ModelError(
        `invalid secret content key '${k}': keys are lowercase letters, digits and single hyphens, start with a letter and have at least 3 characters`,
      );
    }
    if (typeof content[k] !== 'string')
      throw new ModelError(`secret content value for '${k}' must be a string`);
  }
}

/** `secret:abc` for a bare id; `secret:…` and `secret://model/abc` ids are kept. */
export function canonicalSecretId(id: string): string {
  const s = id.trim();
  return s.startsWith('secret:') ? s : `secret:${s}`;
}
