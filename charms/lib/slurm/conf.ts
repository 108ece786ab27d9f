/**
 * A lossless model of Slurm's key=value config files (slurm.conf, gres.conf, cgroup.conf,
 * slurmdbd.conf): parse, read and edit without disturbing anything the edit does not change.
 * `renderSlurmConf(parseSlurmConf(t)) === t` for every text the parser accepts; comments,
 * blank lines, key spelling, spacing, quoting, continuations and line endings stay as written.
 */
import { SlurmValueError } from './errors.js';
import { countNewlines, lexText, readLogical, type Entry } from './lexer.js';
import { ParamMap, applyDefaults, isDefaultRecord, type SlurmRecord } from './records.js';
import { encodeIncludePath, encodeValue } from './values.js';

export { formatSlurmBool, slurmBool } from './values.js';

/** The record kinds (first keys of multi-key lines) of slurm.conf and the files it includes. */
export const SLURM_CONF_RECORD_KINDS: readonly string[] = [
  'NodeName',
  'PartitionName',
  'NodeSet',
  'DownNodes',
  'FrontendName',
];
/** The record kinds of gres.conf. */
export const GRES_CONF_RECORD_KINDS: readonly string[] = ['Name', 'NodeName'];

/** Parser options; by default gres.conf* files get gres.conf's record kinds, others slurm.conf's. */
export interface ParseOptions {
  readonly recordKinds?: readonly string[];
}

/** A top-level `Key=Value` line. */
export interface SlurmParam {
  readonly key: string;
  readonly op: string;
  readonly value: string;
  readonly line: number;
}

/** Key/value input for records: a Map, pairs, or a plain object. */
export type ParamsInput = Iterable<readonly [string, string]> | Readonly<Record<string, string>>;

/** Where addInclude puts a new line: before the first directive, or at the end of the file. */
export interface IncludeOptions {
  readonly position?: 'start' | 'end';
}

/** Parses a config file; throws SlurmConfError (file:line) where Slurm would refuse it. */
export function parseSlurmConf(text: string, file = 'slurm.conf', options: ParseOptions = {}): SlurmConf {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const kinds =
    options.recordKinds ?? (/^gres\.conf/i.test(base) ? GRES_CONF_RECORD_KINDS : SLURM_CONF_RECORD_KINDS);
  return new SlurmConf(text, file, kinds);
}

/** Renders a config file: the original text with the edits made through the model. */
export function renderSlurmConf(conf: SlurmConf): string {
  return conf.render();
}

/**
 * The path Slurm opens for an `Include` line: `%c` becomes the lower-cased cluster name and
 * a relative path is taken from the including file's directory (parse_config.c).
 */
export function resolveIncludePath(include: string, confPath: string, clusterName?: string): string {
  let path = include;
  if (path.includes('%c')) {
    if (clusterName === undefined)
      throw new SlurmValueError(`Include ${include} needs the cluster name for %c`);
    path = path.replaceAll('%c', clusterName.toLowerCase());
  }
  if (path.startsWith('/')) return path;
  const slash = confPath.lastIndexOf('/');
  return `${slash < 0 ? '.' : confPath.slice(0, slash)}/${path}`;
}

/** A parsed config file. Keys compare case-insensitively; node and partition names do not. */
export class SlurmConf {
  private entries: Entry[];
  private readonly kinds: ReadonlySet<string>;
  private readonly eol: string;

  constructor(
    text: string,
    readonly file = 'slurm.conf',
    readonly recordKinds: readonly string[] = SLURM_CONF_RECORD_KINDS,
  ) {
    this.kinds = new Set(recordKinds.map((k) => k.toLowerCase()));
    this.entries = lexText(text, { file, firstLine: 1, recordKinds: this.kinds });
    const nl = text.indexOf('\n');
    this.eol = nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
  }

  /** The file's text. */
  render(): string {
    return this.entries.map((e) => e.raw).join('');
  }

  /** The file's text. */
  toString(): string {
    return this.render();
  }

  /** A top-level key's value (the last one wins, as in Slurm), unquoted and unescaped. */
  get(key: string): string | undefined {
    return this.getAll(key).at(-1);
  }

  /** Every value of a repeatable key (SlurmctldHost), in file order. */
  getAll(key: string): string[] {
    return this.params()
      .filter((p) => sameKey(p.key, key))
      .map((p) => p.value);
  }

  /** True when the file sets the key at top level. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Every top-level `Key=Value` line, in file order, with its line number. */
  params(): SlurmParam[] {
    return this.located()
      .filter(({ entry }) => entry.kind === 'param')
      .map(({ entry, line }) => {
        const pair = entry.pairs[0];
        return { key: pair?.key ?? '', op: pair?.op ?? '=', value: pair?.value ?? '', line };
      });
  }

  /**
   * Sets a top-level key: replaces the value of its last line in place (spelling, spacing and
   * comment kept, operator made `=`), or appends `Key=value` after the last top-level line.
   */
  set(key: string, value: string): this {
    checkKey(key);
    if (sameKey(key, 'include')) throw new SlurmValueError('Include is a directive: use addInclude');
    if (this.kinds.has(key.toLowerCase())) {
      throw new SlurmValueError(`${key} starts a record in ${this.file}: use setRecord`);
    }
    const encoded = encodeValue(value, key);
    const index = this.lastIndex((e) => e.kind === 'param' && sameKey(e.pairs[0]?.key, key));
    const entry = this.entries[index];
    const pair = entry?.pairs[0];
    if (!entry || !pair) {
      const after = this.lastIndex((e) => e.kind === 'param');
      this.insert(after < 0 ? this.entries.length : after + 1, `${key}=${encoded}`);
      return this;
    }
    if (pair.value === value && pair.op === '=') return this;
    const raw = entry.raw;
    this.replace(
      index,
      raw.slice(0, pair.opStart) +
        '=' +
        raw.slice(pair.opEnd, pair.valueStart) +
        encoded +
        raw.slice(pair.end),
    );
    return this;
  }

  /** Removes every top-level line of a key; returns how many were removed. */
  delete(key: string): number {
    return this.removeWhere((e) => e.kind === 'param' && sameKey(e.pairs[0]?.key, key));
  }

  /** The files of the `Include` lines, in order, as written (`%c` kept). */
  includes(): string[] {
    return this.entries.flatMap((e) => (e.kind === 'include' && e.include !== undefined ? [e.include] : []));
  }

  /** Adds `Include <file>` unless present; returns whether the file changed. */
  addInclude(file: string, options: IncludeOptions = {}): boolean {
    if (this.includes().includes(file)) return false;
    const text = `Include ${encodeIncludePath(file)}`;
    const first = this.entries.findIndex((e) => e.kind !== 'trivia');
    const at = options.position === 'start' && first >= 0 ? first : this.entries.length;
    this.insert(at, text);
    return true;
  }

  /** Removes every `Include <file>` line for the file; returns how many were removed. */
  removeInclude(file: string): number {
    return this.removeWhere((e) => e.kind === 'include' && e.include === file);
  }

  /** The record lines of a kind (NodeName, PartitionName, …), `DEFAULT` ones included. */
  records(kind: string): SlurmRecord[] {
    this.checkKind(kind);
    return this.located()
      .filter(({ entry }) => isRecordOf(entry, kind))
      .map(({ entry, line }) => {
        const [head, ...rest] = entry.pairs;
        return {
          kind: head?.key ?? kind,
          name: head?.value ?? '',
          params: new ParamMap(rest.map((p) => [p.key, p.value])),
          line,
        };
      });
  }

  /** The last record of a kind with this name (exact; `DEFAULT` in any case). */
  record(kind: string, name: string): SlurmRecord | undefined {
    return this.records(kind)
      .filter((r) => sameName(kind, r.name, name))
      .at(-1);
  }

  /** Records as Slurm applies them: DEFAULT keys filled in, hostlist names one per host. */
  effectiveRecords(kind: string): SlurmRecord[] {
    return applyDefaults(this.records(kind), this.file);
  }

  /**
   * Makes the last record `kind=name` carry exactly `params`: values change in place, missing
   * keys go, new keys are appended to the line; without such a record, a line is added after
   * the last record of the kind (or at the end).
   */
  setRecord(kind: string, name: string, params: ParamsInput): this {
    this.checkKind(kind);
    const wanted = new ParamMap();
    for (const [key, value] of pairsOf(params)) {
      checkKey(key);
      if (sameKey(key, kind))
        throw new SlurmValueError(`${key} names the record; it cannot also be one of its keys`);
      wanted.set(key, value);
    }
    const encoded = new Map([...wanted].map(([k, v]) => [k.toLowerCase(), encodeValue(v, k)]));
    const index = this.lastIndex((e) => isRecordOf(e, kind) && sameName(kind, e.pairs[0]?.value ?? '', name));
    const entry = this.entries[index];
    if (!entry) {
      const head = `${kind}=${encodeValue(name, kind)}`;
      const line = [
        head,
        ...[...wanted.keys()].map((k) => `${k}=${encoded.get(k.toLowerCase()) ?? ''}`),
      ].join(' ');
      const after = this.lastIndex((e) => isRecordOf(e, kind));
      this.insert(after < 0 ? this.entries.length : after + 1, line);
      return this;
    }
    const raw = entry.raw;
    const edits: Edit[] = [];
    const kept = new Set<string>();
    entry.pairs.forEach((pair, i) => {
      const previous = entry.pairs[i - 1];
      if (i === 0 || !previous) return;
      const lower = pair.key.toLowerCase();
      const value = wanted.get(lower);
      if (value === undefined || kept.has(lower)) {
        edits.push({ start: previous.end, end: pair.end, text: '' });
        return;
      }
      kept.add(lower);
      if (value === pair.value && pair.op === '=') return;
      const op = pair.op === '=' ? raw.slice(pair.opStart, pair.opEnd) : '=';
      const text = op + raw.slice(pair.opEnd, pair.valueStart) + (encoded.get(lower) ?? '');
      edits.push({ start: pair.opStart, end: pair.end, text });
    });
    const added = [...wanted.keys()].filter((k) => !kept.has(k.toLowerCase()));
    const lastEnd = entry.pairs.at(-1)?.end ?? raw.length;
    if (added.length > 0) {
      edits.push({
        start: lastEnd,
        end: lastEnd,
        text: added.map((k) => ` ${k}=${encoded.get(k.toLowerCase()) ?? ''}`).join(''),
      });
    }
    if (edits.length > 0) this.replace(index, applyEdits(raw, edits));
    return this;
  }

  /** Removes every record `kind=name`; returns how many lines went. */
  removeRecord(kind: string, name: string): number {
    this.checkKind(kind);
    return this.removeWhere((e) => isRecordOf(e, kind) && sameName(kind, e.pairs[0]?.value ?? '', name));
  }

  private located(): { entry: Entry; line: number }[] {
    let line = 1;
    return this.entries.map((entry) => {
      const at = { entry, line };
      line += countNewlines(entry.raw);
      return at;
    });
  }

  private lineOf(index: number): number {
    return this.located()[index]?.line ?? countNewlines(this.render()) + 1;
  }

  private lastIndex(test: (e: Entry) => boolean): number {
    return this.entries.findLastIndex(test);
  }

  private removeWhere(test: (e: Entry) => boolean): number {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !test(e));
    return before - this.entries.length;
  }

  private lex(text: string, index: number): Entry[] {
    return lexText(text, { file: this.file, firstLine: this.lineOf(index), recordKinds: this.kinds });
  }

  // Returns how many entries the new text became (one, unless an edit split a line).
  private replace(index: number, raw: string): number {
    const lexed = this.lex(raw, index);
    this.entries.splice(index, 1, ...lexed);
    return lexed.length;
  }

  // Inserts one new line before entries[index]; the line before it must end its logical line.
  private insert(index: number, line: string): void {
    let at = index;
    const previous = this.entries[at - 1];
    if (previous) {
      let raw = previous.raw.endsWith('\n') ? previous.raw : previous.raw + this.eol;
      // A continuation left open at end of file would swallow the new line: close it with a blank line.
      if (readLogical(raw + 'X=1\n', 0).end > raw.length) raw += this.eol;
      if (raw !== previous.raw) at += this.replace(at - 1, raw) - 1;
    }
    this.entries.splice(at, 0, ...this.lex(line + this.eol, at));
  }

  private checkKind(kind: string): void {
    if (!this.kinds.has(kind.toLowerCase())) {
      throw new SlurmValueError(
        `${kind} is not a record kind of ${this.file} (${this.recordKinds.join(', ')})`,
      );
    }
  }
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function applyEdits(raw: string, edits: readonly Edit[]): string {
  let out = raw;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return out;
}

function pairsOf(params: ParamsInput): [string, string][] {
  if (Symbol.iterator in params) return Array.from(params, ([k, v]) => [k, v]);
  return Object.entries(params);
}

function checkKey(key: string): void {
  if (!/^[A-Za-z0-9_.]+$/.test(key)) throw new SlurmValueError(`"${key}" is not a Slurm key`);
}

function sameKey(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

function sameName(kind: string, a: string, b: string): boolean {
  return isDefaultRecord(kind, a) ? isDefaultRecord(kind, b) : a === b;
}

function isRecordOf(entry: Entry, kind: string): boolean {
  return entry.kind === 'record' && sameKey(entry.pairs[0]?.key, kind);
}
