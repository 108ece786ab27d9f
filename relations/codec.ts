/**
 * How a typed databag maps to Juju's string-to-string databags. tsops interfaces
 * use `jsonCodec`: one key per field holding JSON (ARCHITECTURE, "Relation
 * interfaces"). Interfaces shared with Python charms (mysql_client) use
 * `plainCodec`: strings as they are, only the listed fields as JSON, as
 * data_interfaces writes them.
 *
 *   plainCodec(['requested-secrets']).encode({ database: 'slurm', 'requested-secrets': ['username'] })
 *   // → { database: 'slurm', 'requested-secrets': '["username"]' }
 */

/** Encoding of one databag; `encode` maps an undefined field to '' (delete the key). */
export interface BagCodec {
  /** `json` bags go through the SDK's `relation.load`/`save`; `plain` ones through this codec. */
  readonly kind: 'json' | 'plain';
  decode(raw: Readonly<Record<string, string>>): Record<string, unknown>;
  encode(data: Readonly<Record<string, unknown>>): Record<string, string>;
}

/** One JSON value per key; a value that is not JSON reads as the plain string (as `relation.load` does). */
export const jsonCodec: BagCodec = {
  kind: 'json',
  decode(raw) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = parseOr(v, v);
    return out;
  },
  encode(data) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) out[k] = v === undefined ? '' : JSON.stringify(v);
    return out;
  },
};

/**
 * Plain strings, except `jsonFields`. Reading tolerates a JSON-quoted string
 * (`"\"slurm\""`) so a tsops charm that wrote JSON is still understood.
 */
export function plainCodec(jsonFields: readonly string[]): BagCodec {
  const json = new Set(jsonFields);
  return {
    kind: 'plain',
    decode(raw) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw)) {
        if (json.has(k)) out[k] = parseOr(v, v);
        else out[k] = v.startsWith('"') ? parseOr(v, v) : v;
      }
      return out;
    },
    encode(data) {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(data)) {
        if (v === undefined) out[k] = '';
        else if (json.has(k) || typeof v !== 'string') out[k] = JSON.stringify(v);
        else out[k] = v;
      }
      return out;
    },
  };
}

function parseOr(text: string, fallback: unknown): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    return fallback;
  }
}
