/**
 * Bundle files → YAML documents that remember where each value came from, so
 * every later problem can name `<file>:<line>:<col>`. Refuses what YAML itself
 * gets wrong: syntax, duplicate keys, alias bombs, oversized files.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';
import type { Document } from 'yaml';
import { isJson } from '../../ops/meta/json.js';
import { showPath } from '../../ops/meta/problems.js';
import { locate } from '../../ops/meta/yaml-position.js';
import type { Problems } from './errors.js';

/** Largest bundle, overlay or included file read (Juju has no limit; a bundle is a few KiB). */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Alias expansions allowed while building the data: anchors are fine, alias bombs are not. */
export const MAX_ALIAS_COUNT = 100;

/** One YAML document of a bundle or overlay file. */
export interface SourceDoc {
  file: string;
  /** Directory of `file`: includes and charm paths are relative to it. */
  dir: string;
  /** Rank among all documents loaded, for ordering problems. */
  order: number;
  /** False only for the first document of the bundle file. */
  overlay: boolean;
  /** The document as plain data. */
  data: unknown;
  doc: Document;
  lines: LineCounter;
}

/** A value's source: the document and the path to it there. */
export interface Origin {
  src: SourceDoc;
  path: string[];
}

/** `file:line:col` of a source offset. */
function position(file: string, lines: LineCounter, offset: number): string {
  const { line, col } = lines.linePos(offset);
  return `${file}:${line}:${col}`;
}

/** Records a problem about the key (`at: 'key'`) or the value at `origin`. */
export function report(problems: Problems, origin: Origin, at: 'key' | 'value', text: string): void {
  const { src, path } = origin;
  const offset = locate(src.doc, path, at);
  problems.add(src.order, offset, `${position(src.file, src.lines, offset)}: ${displayPath(path)}: ${text}`);
}

/** showPath, with machine ids quoted as bundles write them (`machines."0"`, not `machines[0]`). */
function displayPath(path: readonly string[]): string {
  const [top, id, ...rest] = path;
  return top === 'machines' && id !== undefined ? showPath([top, `"${id}"`, ...rest]) : showPath(path);
}

/** The origin of `path` below `origin`. */
export function below(origin: Origin, ...path: string[]): Origin {
  return { src: origin.src, path: [...origin.path, ...path] };
}

/**
 * Reads a file of at most MAX_FILE_BYTES; throws an Error saying why not.
 * Used for bundle files and for `include-file://` targets.
 */
export function readLimited(file: string): Buffer {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) {
    throw new Error(`the file is ${size} bytes; expected at most ${MAX_FILE_BYTES} (4 MiB)`);
  }
  return readFileSync(file);
}

/** Why a read failed, in a few words (`no such file`, not a stack of errno details). */
export function readFailure(err: unknown): string {
  // Not `instanceof Error`: node:fs errors may come from another realm (vm contexts, jest).
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return errorText(err);
}

/** An error's message, whatever realm threw it. */
export function errorText(err: unknown): string {
  return typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string'
    ? err.message
    : String(err);
}

/**
 * Parses every document of `file`; problems go to `problems` and the file's
 * documents are then left out. `order` is the first document's rank.
 */
export function readBundleFile(
  file: string,
  order: number,
  isBase: boolean,
  problems: Problems,
): SourceDoc[] {
  let text: string;
  try {
    text = readLimited(file).toString('utf8');
  } catch (err) {
    const why = readFailure(err);
    const where = why.startsWith('the file is') ? `${file}:1:1: (top level)` : file;
    problems.add(order, 0, `${where}: cannot read ${isBase ? 'bundle' : 'overlay'}: ${why}`);
    return [];
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: lines,
    prettyErrors: false,
    merge: true,
    uniqueKeys: true,
  });
  const out: SourceDoc[] = [];
  let failed = false;
  docs.forEach((doc, i) => {
    const src: SourceDoc = {
      file,
      dir: dirname(file),
      order: order + i,
      overlay: !(isBase && i === 0),
      data: null,
      doc,
      lines,
    };
    const at = (offset: number, text: string): void => {
      problems.add(
        src.order,
        offset,
        `${position(file, lines, offset)}: ${displayPath(pathAt(doc.contents, offset, []))}: ${text}`,
      );
      failed = true;
    };
    for (const e of doc.errors) {
      const offset = e.pos[0];
      at(
        offset,
        e.code === 'DUPLICATE_KEY'
          ? 'duplicate key (a key may appear once in a mapping)'
          : `YAML syntax error: ${e.message.split('\n')[0] ?? e.code}`,
      );
    }
    if (doc.errors.length) return;
    try {
      src.data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      at(
        firstAlias(doc),
        `aliases from here on expand to too many nodes (more than ${MAX_ALIAS_COUNT} alias expansions: ` +
          `${errorText(err)})`,
      );
      return;
    }
    if (!isJson(src.data)) {
      at(
        doc.contents?.range?.[0] ?? 0,
        'expected plain YAML data (strings, numbers, booleans, lists, mappings; no .inf, .nan or binary)',
      );
      return;
    }
    out.push(src);
  });
  if (isBase && docs.length === 0) {
    problems.add(
      order,
      0,
      `${file}:1:1: (top level): the file is empty; expected a bundle with 'applications'`,
    );
  }
  if (failed) return [];
  // A trailing `---` leaves an empty overlay behind: nothing to apply.
  return out.filter((d) => !d.overlay || d.data !== null);
}

function firstAlias(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/** The path of the deepest key or value that contains `offset` (for errors that carry only an offset). */
function pathAt(node: unknown, offset: number, path: string[]): string[] {
  const inside = (n: unknown): boolean =>
    isNode(n) && !!n.range && offset >= n.range[0] && offset < n.range[2];
  if (isMap(node)) {
    for (const pair of node.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '?';
      if (inside(pair.key)) return [...path, name];
      if (inside(pair.value)) return pathAt(pair.value, offset, [...path, name]);
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      if (inside(item)) return pathAt(item, offset, [...path, String(i)]);
    }
  }
  return path;
}
