/**
 * The sandbox's on-disk state: atomic file replacement, JSON record files
 * whose shape is checked on every read, and one queue per machine directory.
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The errno code of a Node fs error (no instanceof: under Jest errors come from another realm). */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** An Error's message, or the value as text. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Names of the temp files `writeAtomic` makes; listings hide leftovers of a killed process. */
export const TEMP_NAME = /^\..+\.tsops-\d+-[0-9a-f]{12}$/;

/**
 * Replace `path` by writing a temp file beside it and renaming it over. No
 * fsync: a killed process (the controller's crash model) never leaves a torn
 * file, and a simulated machine need not survive power loss at fsync's cost.
 */
export async function writeAtomic(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = join(
    dirname(path),
    `.${basename(path)}.tsops-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', 0o600);
    await handle.writeFile(content);
    await handle.close();
    handle = undefined;
    await chmod(temp, mode); // after writing, so a read-only mode cannot stop the write
    await rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

/** A plain JSON object (not an array or null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON object of records, `key → V`, kept as a Map (so keys such as
 * `__proto__` are harmless). `check` validates one record or throws saying why.
 */
export class RecordFile<V> {
  constructor(
    readonly path: string,
    private readonly check: (value: unknown, key: string) => V,
  ) {}

  /** All records; an absent file is empty, a damaged one an error naming the file. */
  async read(): Promise<Map<string, V>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return new Map();
      throw error;
    }
    try {
      const data: unknown = JSON.parse(text);
      if (!isObject(data)) throw new Error('expected a JSON object');
      return new Map(Object.entries(data).map(([key, value]) => [key, this.check(value, key)]));
    } catch (error) {
      throw new Error(`damaged sandbox state file ${this.path}: ${message(error)}`);
    }
  }

  /** Replace the whole file atomically, keys sorted so diffs stay readable. */
  async write(records: ReadonlyMap<string, V>): Promise<void> {
    const sorted = [...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    await writeAtomic(this.path, `${JSON.stringify(Object.fromEntries(sorted), null, 2)}\n`);
  }

  /** Read, change, write back; `change` returns false to skip the write. The caller holds the machine's lock. */
  async update(change: (records: Map<string, V>) => boolean | void): Promise<void> {
    const records = await this.read();
    if (change(records) !== false) await this.write(records);
  }
}

// One promise chain per machine directory (module-level, so every SandboxMachine
// over the same directory in this process shares it): read-modify-write of the
// state files never interleaves, so no update is lost.
export { serialize } from '../serialize.js';

/** A whole number ≥ 0, or throws naming the field. */
export function counter(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${field} must be a whole number ≥ 0`);
  }
  return value;
}

/** A string, or throws naming the field. */
export function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new Error(`${field} must be a string`);
  return value;
}
