/** One-line errors: every failure of `tsops` is one line on stderr saying what to do. */
import type { CommanderError } from 'commander';
import { ApiConnectionError } from '../controller/api/protocol.js';

/** An error the CLI reports as is, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** An error from the controller API: `{ code, message }`. */
export interface ApiErrorLike {
  code: string;
  message: string;
}

/** True for errors the API client rejects with. */
export function isApiError(e: unknown): e is ApiErrorLike {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' && 'message' in e;
}

/** Collapse a multi-line message into one line. */
export function flatten(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Does the message already tell the user what to run? */
function hasAdvice(message: string): boolean {
  return /\b(see|run|use|try) '/.test(message);
}

// Advice for API errors that do not carry their own, by what they are about.
const API_ADVICE: Array<[RegExp, string]> = [
  [/\b(option|config)\b/i, "see 'tsops config <app>'"],
  [/\bsecret\b/i, "see 'tsops secrets'"],
  [/\btask\b/i, "check the task id that 'tsops run' printed"],
  [/\b(unit|application|relation|endpoint|app)\b/i, "see 'tsops status'"],
  [/\bmodel\b/i, "see 'tsops models'"],
];

/** `message`, plus where to look when it does not say already. */
export function withAdvice(text: string): string {
  const message = flatten(text);
  // A bundle error points at file:line:column and says what was expected there.
  if (hasAdvice(message) || message.startsWith('invalid bundle ')) return message;
  const advice = API_ADVICE.find(([re]) => re.test(message))?.[1];
  return advice ? `${message}: ${advice}` : message;
}

/** The one line printed for an API error. */
export function apiErrorLine(e: ApiErrorLike): string {
  if (e.code === 'unauthorized') return `${flatten(e.message)}: run 'tsops controller stop' and try again`;
  return withAdvice(e.message);
}

/** The one line printed for any error a command throws. */
export function errorLine(e: unknown): string {
  if (e instanceof CliError) return flatten(e.message);
  if (isApiError(e)) return apiErrorLine(e);
  if (e instanceof Error) {
    if (e instanceof ApiConnectionError) return `${flatten(e.message)}: run 'tsops bootstrap' and try again`;
    return flatten(e.message);
  }
  return flatten(String(e));
}

/**
 * The one line printed for a commander parse error, e.g.
 * `missing required argument 'app': see 'tsops add-unit --help'`.
 */
export function commanderErrorLine(e: CommanderError, commandPath: string): string {
  const message = flatten(e.message.replace(/^error: /, '')).replace(/\(Did you mean/, '(did you mean');
  return `${message}: see '${commandPath} --help'`;
}
