/**
 * The controller API's wire protocol: JSON text frames over a WebSocket on
 * 127.0.0.1 (ARCHITECTURE, "Controller API"). The methods and streams themselves
 * are in methods.ts; this file holds the envelopes around them, the protocol's own
 * methods (login, ping, subscribe, unsubscribe, shutdown), the error codes, and the
 * one formatter that turns zod issues into `params.count: must be ≥ 1`.
 */
import { z } from 'zod';

/** The largest frame either side sends or accepts (ws closes the socket with 1009 past it). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** WebSocket close code for a missing or bad token (4000–4999 are the application's). */
export const CLOSE_UNAUTHORIZED = 4401;

/** Error codes a reply can carry. */
export const errorCodes = ['bad-request', 'unauthorized', 'not-found', 'conflict', 'internal'] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** An error with a wire code: thrown by handlers on the server, rejected by `ApiClient.call`. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The connection to the controller closed or could not be opened (no reply will come). */
export class ApiConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiConnectionError';
  }
}

// ---- client → server ----

/** Every request frame: `{id, method, params}`; `params` is checked per method afterwards. */
export const requestFrame = z
  .object({
    id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    method: z.string().min(1).max(100),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type RequestFrame = z.output<typeof requestFrame>;

/** Params of the protocol's own methods (not in methods.ts: they are about the connection). */
export const protocolParams = {
  /** Authenticate a connection that did not send `Authorization: Bearer` (browsers). */
  login: z.object({ token: z.string().min(1).max(1024) }).strict(),
  /** Cheap liveness and auth check; answers the server's version. */
  ping: z.object({}).strict(),
  /** Start a stream; pushes `{subscription, data}` until unsubscribed or closed. */
  subscribe: z
    .object({ stream: z.string().min(1), params: z.record(z.string(), z.unknown()).default({}) })
    .strict(),
  unsubscribe: z.object({ subscription: z.number().int().min(1) }).strict(),
  /** Ask the controller daemon to exit (it replies first). */
  shutdown: z.object({}).strict(),
} as const;
export type ProtocolMethod = keyof typeof protocolParams;

/** Results of the protocol's own methods. */
export interface ProtocolResults {
  login: { version: string };
  ping: { version: string };
  subscribe: { subscription: number };
  unsubscribe: Record<string, never>;
  shutdown: Record<string, never>;
}

// ---- server → client ----

const errorBody = z.object({ code: z.enum(errorCodes), message: z.string() }).strict();

/** `{id, result}`. */
export const resultFrame = z.object({ id: z.number().int().min(0), result: z.unknown() }).strict();
/** `{id, error}`; `id` is null when the request frame was too broken to carry one. */
export const errorFrame = z.object({ id: z.number().int().min(0).nullable(), error: errorBody }).strict();
/** `{subscription, data}`: one item of a stream. */
export const pushFrame = z.object({ subscription: z.number().int().min(1), data: z.unknown() }).strict();
/** Anything the server sends. */
export const serverFrame = z.union([resultFrame, errorFrame, pushFrame]);
export type ServerFrame = z.output<typeof serverFrame>;

// ---- zod issues → one readable line ----

/** `params.units[0]`, `params.bundle.path`. */
function formatPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  return typeof input === 'object' ? 'an object' : typeof input;
}

/** The unit that a length bound counts for this kind of value ('' for numbers and dates). */
function sizeWord(origin: string): string {
  if (origin === 'string') return 'character';
  if (origin === 'array' || origin === 'set') return 'item';
  if (origin === 'object' || origin === 'record') return 'key';
  return '';
}

function count(n: number | bigint, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

type Issue = z.core.$ZodRawIssue;

/**
 * A per-parse zod error map: short reasons in our words. Messages written on a
 * schema itself (methods.ts's regex messages) still win, as zod gives them precedence.
 */
export function reasonFor(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'is required'
        : `expected ${issue.expected}, got ${describeInput(issue.input)}`;
    case 'too_small': {
      const unit = sizeWord(issue.origin);
      if (unit === '') return `must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`;
      return issue.minimum === 1 ? 'must not be empty' : `must have at least ${count(issue.minimum, unit)}`;
    }
    case 'too_big': {
      const unit = sizeWord(issue.origin);
      if (unit === '') return `must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
      return `must have at most ${count(issue.maximum, unit)}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex'
        ? `does not match ${issue.pattern ?? 'the expected pattern'}`
        : `is not a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'does not match any allowed shape';
    default:
      return undefined;
  }
}

/** Parse `value` with `schema`; on failure one line naming each field and why. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: string,
): { ok: true; value: z.output<S> } | { ok: false; message: string } {
  const r = schema.safeParse(value, { error: reasonFor });
  if (r.success) return { ok: true, value: r.data };
  const lines = r.error.issues.map((i) => `${formatPath(prefix, i.path)}: ${i.message}`);
  return { ok: false, message: lines.join('; ') };
}
