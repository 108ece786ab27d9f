/**
 * Record lines (`NodeName=…`, `PartitionName=…`) and what Slurm makes of them: `DEFAULT`
 * records feed later records of the same kind (read_config.c), and node names that are
 * hostlists expand to one node each, with NodeAddr/NodeHostname/Port zipped along.
 */
import { SlurmConfError } from './errors.js';
import { expandHostlist } from './hostlist.js';

/** A Map whose keys compare case-insensitively, as Slurm's keys do; keeps the first spelling. */
export class ParamMap extends Map<string, string> {
  private readonly spelling = new Map<string, string>();

  constructor(entries?: Iterable<readonly [string, string]>) {
    // No entries to super: Map's constructor would call set before `spelling` exists.
    super();
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  override get(key: string): string | undefined {
    const spelled = this.spelling.get(key.toLowerCase());
    return spelled === undefined ? undefined : super.get(spelled);
  }

  override has(key: string): boolean {
    return this.spelling.has(key.toLowerCase());
  }

  override set(key: string, value: string): this {
    const lower = key.toLowerCase();
    const spelled = this.spelling.get(lower) ?? key;
    this.spelling.set(lower, spelled);
    return super.set(spelled, value);
  }

  override delete(key: string): boolean {
    const lower = key.toLowerCase();
    const spelled = this.spelling.get(lower);
    if (spelled === undefined) return false;
    this.spelling.delete(lower);
    return super.delete(spelled);
  }

  override clear(): void {
    this.spelling.clear();
    super.clear();
  }
}

/** One record line: its kind key as written, its name (the kind key's value) and other keys. */
export interface SlurmRecord {
  readonly kind: string;
  readonly name: string;
  readonly params: ParamMap;
  /** 1-based line where the record starts. */
  readonly line: number;
}

// read_config.c keeps DEFAULT tables for these kinds only.
const DEFAULT_KINDS = new Set(['nodename', 'partitionname', 'frontendname']);
// Kinds whose name is a hostlist, each with the keys expanded alongside it.
const EXPANDED: Readonly<Record<string, readonly string[]>> = {
  nodename: ['NodeAddr', 'NodeHostname', 'Port', 'BcastAddr'],
  frontendname: ['FrontendAddr'],
  downnodes: [],
};

/** True when `name` is the `DEFAULT` name of a kind that has defaults. */
export function isDefaultRecord(kind: string, name: string): boolean {
  return DEFAULT_KINDS.has(kind.toLowerCase()) && name.toUpperCase() === 'DEFAULT';
}

/**
 * The records as Slurm applies them: every `DEFAULT` record's keys (accumulated, later ones
 * winning) fill in the keys later records leave out; `DEFAULT` records themselves are not
 * returned; hostlist names expand into one record per host.
 */
export function applyDefaults(records: readonly SlurmRecord[], file: string): SlurmRecord[] {
  const out: SlurmRecord[] = [];
  let defaults = new ParamMap();
  for (const record of records) {
    if (isDefaultRecord(record.kind, record.name)) {
      defaults = new ParamMap([...defaults, ...record.params]);
      continue;
    }
    const params = new ParamMap([...defaults, ...record.params]);
    const zipped = EXPANDED[record.kind.toLowerCase()];
    if (zipped === undefined) {
      out.push({ ...record, params });
      continue;
    }
    out.push(...expandRecord({ ...record, params }, zipped, file));
  }
  return out;
}

function expandRecord(record: SlurmRecord, zipped: readonly string[], file: string): SlurmRecord[] {
  const hosts = hostnames(record, record.name, file, record.kind);
  if (hosts.length === 1 && hosts[0] === record.name) return [record];
  const columns = new Map<string, string[]>();
  for (const key of zipped) {
    const value = record.params.get(key);
    if (value === undefined) continue;
    const values = hostnames(record, value, file, key);
    if (values.length !== 1 && values.length !== hosts.length) {
      throw new SlurmConfError(
        file,
        record.line,
        `${key}=${value} gives ${values.length} values for ${hosts.length} hosts in ${record.kind}=${record.name}; ` +
          `give one value or exactly ${hosts.length}`,
      );
    }
    columns.set(key, values);
  }
  return hosts.map((host, i) => {
    const params = new ParamMap(record.params);
    for (const [key, values] of columns)
      params.set(key, values.length === 1 ? (values[0] ?? '') : (values[i] ?? ''));
    return { kind: record.kind, name: host, params, line: record.line };
  });
}

function hostnames(record: SlurmRecord, value: string, file: string, what: string): string[] {
  try {
    return expandHostlist(value);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new SlurmConfError(file, record.line, `${what}: ${detail}`);
  }
}
