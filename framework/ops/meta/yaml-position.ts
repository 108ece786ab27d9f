/**
 * Where a path inside a YAML document is in its source, so that an error can name
 * the line and column (charm.yaml and bundles share this).
 */
import { isAlias, isMap, isNode, isScalar, isSeq } from 'yaml';
import type { Document } from 'yaml';

/** Source offset of the key or value at `path`; the deepest existing ancestor when the path runs out. */
export function locate(doc: Document, path: readonly string[], at: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let key: unknown = null;
  let complete = true;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    const pair = isMap(node)
      ? node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg)
      : undefined;
    if (pair) {
      key = pair.key;
      node = pair.value;
    } else if (isSeq(node) && node.items[Number(seg)] !== undefined) {
      key = null;
      node = node.items[Number(seg)];
    } else {
      complete = false;
      break;
    }
  }
  const emptyValue = node === null || (isScalar(node) && node.value === null);
  const target = (at === 'key' || !complete || emptyValue) && key !== null ? key : node;
  const start = (n: unknown): number | undefined => (isNode(n) && n.range ? n.range[0] : undefined);
  return start(target) ?? start(key) ?? 0;
}
