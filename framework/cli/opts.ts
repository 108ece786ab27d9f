/** Typed reads of commander's option values (checked at run time, not cast). */
import type { Command } from 'commander';

/** The options of a command, its parents' included (`-m/--model`). */
export class Opts {
  constructor(private readonly values: Record<string, unknown>) {}

  /** Options of `cmd` and of the commands above it. */
  static of(cmd: Command): Opts {
    return new Opts(cmd.optsWithGlobals());
  }

  private wrong(key: string, what: string): Error {
    return new Error(`option ${key} should be ${what}`);
  }

  /** A text option, or undefined when not given. */
  string(key: string): string | undefined {
    const v = this.values[key];
    if (v === undefined || typeof v === 'string') return v;
    throw this.wrong(key, 'text');
  }

  /** A number option (parsed by its commander parser), or undefined. */
  number(key: string): number | undefined {
    const v = this.values[key];
    if (v === undefined || typeof v === 'number') return v;
    throw this.wrong(key, 'a number');
  }

  /** A boolean flag; absent is false. */
  flag(key: string): boolean {
    const v = this.values[key];
    if (v === undefined || typeof v === 'boolean') return v ?? false;
    throw this.wrong(key, 'a flag');
  }

  /** A repeatable option; absent is empty. */
  list(key: string): string[] {
    const v = this.values[key];
    if (v === undefined) return [];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    throw this.wrong(key, 'a list of text');
  }

  /** An option that may be a flag or carry a value (`--watch [seconds]`). */
  flagOrNumber(key: string): boolean | number {
    const v = this.values[key];
    if (v === undefined) return false;
    if (typeof v === 'boolean' || typeof v === 'number') return v;
    throw this.wrong(key, 'a flag or a number');
  }
}
