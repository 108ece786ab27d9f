/**
 * Errors of the Slurm config library. Each message says what was found and what was expected,
 * so a charm can put it in a Blocked status as is.
 */

/** A config file that Slurm itself would refuse; names the file and the (first physical) line. */
export class SlurmConfError extends Error {
  override name = 'SlurmConfError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

/** A malformed hostlist expression (`node[1-4]`) or one that expands past the limit. */
export class HostlistError extends Error {
  override name = 'HostlistError';
}

/** An operator-supplied `Key=Value …` line that is not plain Slurm syntax. */
export class ParameterLineError extends Error {
  override name = 'ParameterLineError';
  constructor(
    message: string,
    /** The key the problem belongs to, when there is one. */
    readonly key?: string,
    /** 0-based character offset in the input where the problem starts. */
    readonly position?: number,
  ) {
    super(message);
  }
}

/** A value that cannot be read as (or written in) the Slurm syntax asked for. */
export class SlurmValueError extends Error {
  override name = 'SlurmValueError';
}
