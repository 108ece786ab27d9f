/** Shared plumbing of the hook tools: their context, request and reply, `--format` output, `-r`, file arguments. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import type { ModelBackend } from '../../../ops/backend.js';
import { flagText, usage, type FlagSpec, type ParsedArgs } from './flags.js';

/** What a tool knows besides the backend: the hook's own relation, remote unit, storage. */
export interface HookToolContext {
  backend: ModelBackend;
  relationId?: number;
  remoteUnit?: string;
  remoteApp?: string;
  storageId?: string;
}

export interface ToolRequest {
  argv: readonly string[];
  stdin?: string;
  /** The caller's working directory: relative file arguments are read from there. */
  dir: string;
}

export interface ToolResponse {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Call {
  ctx: HookToolContext;
  p: ParsedArgs;
  req: ToolRequest;
}

export interface Tool {
  flags: FlagSpec;
  run(call: Call): string | void;
}

export const FORMAT: FlagSpec = { format: 'value' };
export const REL: FlagSpec = { relation: 'value', r: { alias: 'relation' } };

/** `--format` json, yaml or smart (Juju's default: strings bare, lists one per line). */
export function out(p: ParsedArgs, value: unknown): string {
  const format = flagText(p, 'format') ?? 'smart';
  if (format === 'json') return `${JSON.stringify(value ?? null)}\n`;
  if (format === 'yaml') return stringifyYaml(value ?? null);
  if (format !== 'smart') throw usage(`invalid value "${format}" for option --format: unknown format`);
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True\n' : 'False\n';
  if (typeof value === 'string' || typeof value === 'number') return `${value}\n`;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    return value.map((v) => `${v}\n`).join('');
  return stringifyYaml(value);
}

/** `-r endpoint:N` (ops 3.x) or `-r N` (ops 2.x), default the hook's relation; Juju checks the endpoint. */
export function relation({ ctx, p }: Call, flag = 'relation'): number {
  const value = flagText(p, flag) ?? (ctx.relationId !== undefined ? String(ctx.relationId) : undefined);
  if (value === undefined) throw usage('no relation id specified');
  const m = /^(?:([a-z][a-z0-9-]*):)?(\d+)$/.exec(value);
  if (!m) throw usage(`invalid value "${value}" for option -r: invalid relation id`);
  const id = Number(m[2]);
  if (m[1] !== undefined && !ctx.backend.relationIds(m[1]).includes(id))
    throw usage(`invalid value "${value}" for option -r: relation not found`);
  return id;
}

/** A file argument, relative to the caller's directory; `-` is stdin. */
export function readArg(req: ToolRequest, path: string): string {
  if (path === '-') return req.stdin ?? '';
  try {
    return readFileSync(resolve(req.dir, path), 'utf8');
  } catch {
    throw usage(`cannot read file "${path}"`);
  }
}
