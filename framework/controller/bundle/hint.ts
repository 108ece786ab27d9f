/** "Did you mean" hints for unknown names, worded by ops/meta's ajv error wording (one Levenshtein, one style). */
import { schemaProblems } from '../../ops/meta/problems.js';

/**
 * `(did you mean 'port'?)` when `name` is close to one of `known`, else
 * `(allowed here: a, b)`: what meta/problems.ts says for an unknown key.
 */
export function nameHint(name: string, known: readonly string[]): string {
  const [problem] = schemaProblems(
    [
      {
        keyword: 'additionalProperties',
        instancePath: '',
        schemaPath: '#/additionalProperties',
        params: { additionalProperty: name },
        parentSchema: { properties: Object.fromEntries(known.map((k) => [k, {}])) },
      },
    ],
    // Non-empty base: the nested wording, not charm.yaml's top-level one.
    ['-'],
  );
  const text = problem?.text ?? '';
  const open = text.indexOf('(');
  return open < 0 ? `(allowed here: ${known.join(', ') || 'none'})` : text.slice(open);
}
