/**
 * Charm logging through winston. Under Juju every record goes to `juju-log` (as
 * ops does); in tests and in the controller it goes wherever the caller's
 * transport sends it. Secret values that this dispatch has seen are masked in
 * every record, so a careless `logger.info(content)` never leaks them.
 */
import winston from 'winston';
import Transport from 'winston-transport';
import type { LogLevel } from './backend.js';

/** The logging surface the framework and charms use; a winston Logger satisfies it. */
export interface Logger {
  debug(message: string): unknown;
  info(message: string): unknown;
  warn(message: string): unknown;
  error(message: string): unknown;
}

/** Values to mask in log records (secret contents seen in this dispatch). */
export class Redactor {
  private readonly values = new Set<string>();

  /** Remember secret values; very short values are not masked (they would garble ordinary text). */
  add(values: Iterable<string>): void {
    for (const v of values) if (v.length >= 4) this.values.add(v);
  }

  redact(text: string): string {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join('***');
    return out;
  }
}

const JUJU_LEVEL: Record<string, LogLevel> = {
  error: 'ERROR',
  warn: 'WARNING',
  info: 'INFO',
  debug: 'DEBUG',
};

/** Sends each record to a `(level, message)` sink, e.g. the backend's juju-log. */
class SinkTransport extends Transport {
  constructor(private readonly sink: (level: LogLevel, message: string) => void) {
    super();
  }
  override log(info: { level: string; message: unknown }, next: () => void): void {
    this.sink(JUJU_LEVEL[info.level] ?? 'INFO', String(info.message));
    next();
  }
}

export interface CreateLoggerOptions {
  /** Where records go: `backend.jujuLog` under Juju. */
  sink: (level: LogLevel, message: string) => void;
  redactor?: Redactor;
  /** Also print to stderr (JUJU_DEBUG). */
  mirrorToStderr?: boolean;
  level?: 'error' | 'warn' | 'info' | 'debug';
}

/** A winston logger whose records go to `sink`, masked by `redactor`. */
export function createLogger(options: CreateLoggerOptions): winston.Logger {
  const redactor = options.redactor ?? new Redactor();
  const mask = winston.format((info) => {
    info.message = redactor.redact(String(info.message));
    return info;
  });
  const transports: Transport[] = [new SinkTransport(options.sink)];
  if (options.mirrorToStderr) {
    transports.push(new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] }));
  }
  return winston.createLogger({
    level: options.level ?? 'debug',
    format: winston.format.combine(mask(), winston.format.simple()),
    transports,
  });
}

/**
 * A synchronous logger whose records go straight to `sink`, masked by `redactor`: for
 * in-process dispatch (the controller, framework/testing), where every line must be
 * recorded by the time the dispatch returns.
 */
export function directLogger(sink: (level: LogLevel, message: string) => void, redactor: Redactor): Logger {
  const at = (level: LogLevel) => (message: string) => sink(level, redactor.redact(message));
  return { debug: at('DEBUG'), info: at('INFO'), warn: at('WARNING'), error: at('ERROR') };
}
