/** Reading the JSON columns of the model store back, with shape checks (the store is ours, but a damaged file must say so). */

/** A JSON object read back from a column; anything else is a damaged store. */
export function parseObject(text: string, what: string): Record<string, unknown> {
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`model store: ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** A string map read back from the store (databags, annotations). */
export function parseStringMap(text: string, what: string): Record<string, string> {
  const o = parseObject(text, what);
  for (const [k, v] of Object.entries(o))
    if (typeof v !== 'string') throw new Error(`model store: ${what}.${k} is not a string`);
  return o as Record<string, string>;
}

/** A string map with its keys sorted, so equal maps have equal JSON text. */
export function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
