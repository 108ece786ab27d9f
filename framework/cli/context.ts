/**
 * What every command shares: the streams, the tsops home and current model,
 * one lazily opened API connection, and the exit code to return.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { MethodName, MethodParams, MethodResults } from '../controller/api/methods.js';
import type { CliApi, ControllerInfo } from './api.js';
import { CliError } from './errors.js';
import { Opts } from './opts.js';
import { checkParams } from './validate.js';

/** An output stream (process.stdout, or a buffer in tests). */
export interface CliStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Everything the CLI touches outside itself; tests pass fakes. */
export interface CliDeps {
  stdout: CliStream;
  stderr: CliStream;
  stdinIsTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The tsops home (models, controller state, `current-model`). */
  home(): string;
  /** Start the controller unless it runs. */
  ensureController(home: string): Promise<ControllerInfo>;
  /** Stop the controller; `message` is one line for the user. */
  stopController(home: string): Promise<{ wasRunning: boolean; message: string }>;
  /** Start the controller if needed and connect to it. */
  connect(home: string): Promise<CliApi>;
  /** Call `cb` on Ctrl-C (SIGINT) or SIGTERM; returns a function that stops listening. */
  onInterrupt(cb: () => void): () => void;
  /** Ask a question on the terminal and return the answer. */
  ask(question: string): Promise<string>;
  /** The terminal stream for progress bars, or undefined when not a TTY. */
  progressStream(): NodeJS.WritableStream | undefined;
}

/** The model used when none is given and none is current. */
export const DEFAULT_MODEL = 'default';

/** Model names as the CLI stores them: 1-63 characters, no blanks or slashes. */
const MODEL_NAME = /^[^\s/]{1,63}$/;

/** Throw unless `name` can be a model name. */
export function checkModelName(name: string): string {
  if (!MODEL_NAME.test(name))
    throw new CliError(`'${name}' is not a model name: use 1-63 characters, no spaces`);
  return name;
}

/** State shared by the commands of one `tsops` invocation. */
export class CliContext {
  /** Returned by `run()` when no error is thrown. */
  exitCode = 0;
  private api: Promise<CliApi> | undefined;
  private homeDir: string | undefined;

  constructor(readonly deps: CliDeps) {}

  /** The tsops home folder. */
  get home(): string {
    this.homeDir ??= this.deps.home();
    return this.homeDir;
  }

  /** Colour on a terminal only, and never when NO_COLOR is set (no-color.org). */
  get color(): boolean {
    return this.deps.stdout.isTTY === true && !this.deps.env.NO_COLOR;
  }

  /** Write text to stdout, ending it with a newline. */
  out(text: string): void {
    this.deps.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  /** Write text to stderr as is. */
  errRaw(text: string): void {
    this.deps.stderr.write(text);
  }

  private get currentModelFile(): string {
    return join(this.home, 'current-model');
  }

  /** The model recorded by `models switch`/`models add`, else `default`. */
  currentModel(): string {
    let text: string;
    try {
      text = readFileSync(this.currentModelFile, 'utf8').trim();
    } catch (e) {
      // Structural check: errors from node's fs are not instances of a test realm's Error.
      if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'ENOENT') return DEFAULT_MODEL;
      throw e;
    }
    if (!MODEL_NAME.test(text))
      throw new CliError(
        `${this.currentModelFile} does not hold a model name: run 'tsops models switch <name>'`,
      );
    return text;
  }

  /** Record `name` as the current model. */
  setCurrentModel(name: string): void {
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    writeFileSync(this.currentModelFile, `${checkModelName(name)}\n`);
  }

  /** Forget the current model (it falls back to `default`). */
  clearCurrentModel(): void {
    rmSync(this.currentModelFile, { force: true });
  }

  /** The model a command acts on: `-m/--model`, else the current model. */
  model(cmd: Command): string {
    const given = Opts.of(cmd).string('model');
    return given === undefined ? this.currentModel() : checkModelName(given);
  }

  /** The API connection, opened (and the controller started) on first use. */
  connect(): Promise<CliApi> {
    this.api ??= this.deps.connect(this.home);
    return this.api;
  }

  /** Validate `params` locally, then call `method` on the controller. */
  async call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResults[M]> {
    checkParams(method, params);
    const api = await this.connect();
    return api.call(method, params);
  }

  /** Resolve on Ctrl-C; `stop()` the listener when done. */
  interrupted(): { promise: Promise<void>; stop: () => void } {
    let stop = (): void => {};
    const promise = new Promise<void>((resolve) => {
      stop = this.deps.onInterrupt(resolve);
    });
    return { promise, stop };
  }

  /** Close the API connection if one was opened. */
  async close(): Promise<void> {
    const api = this.api;
    this.api = undefined;
    if (!api) return;
    try {
      await (await api).close();
    } catch {
      // The connection failed to open or is already gone: nothing to close.
    }
  }
}
