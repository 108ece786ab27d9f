/**
 * The hook tools a charm process runs, answered from a ModelBackend: Juju's argv
 * (reference/juju-contract.md §3.3, every form JujuBackend passes and ops 2.x's), Juju's
 * JSON on stdout, and Juju-like `ERROR …` stderr with exit 2 (usage) or 1 (refused),
 * worded so that JujuBackend maps failures back to the same errors the in-process
 * backend throws ("relation not found", secret "not found", "cannot write relation settings").
 */
import { RelationNotFoundError, SecretNotFoundError } from '../../../ops/errors.js';
import { ToolError, parseFlags, usage } from './flags.js';
import type { HookToolContext, Tool, ToolRequest, ToolResponse } from './tool-support.js';
import { RELATION_TOOLS } from './tools-relations.js';
import { SECRET_TOOLS } from './tools-secrets.js';
import { UNIT_TOOLS } from './tools-unit.js';

export type { HookToolContext, ToolRequest, ToolResponse } from './tool-support.js';

const TOOLS: Record<string, Tool> = { ...RELATION_TOOLS, ...SECRET_TOOLS, ...UNIT_TOOLS };

/** The names of the tools served: one shim each on the hook's PATH. */
export const HOOK_TOOL_NAMES: readonly string[] = Object.keys(TOOLS);

/** Run one tool invocation against the context's backend; never throws. */
export function runHookTool(ctx: HookToolContext, req: ToolRequest): ToolResponse {
  const [name = '', ...argv] = req.argv;
  const tool = TOOLS[name];
  try {
    if (!tool) throw usage(`unknown hook tool "${name}"`);
    const stdout = tool.run({ ctx, p: parseFlags(tool.flags, argv), req }) ?? '';
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    if (e instanceof ToolError) return { code: e.code, stdout: '', stderr: `ERROR ${e.message}\n` };
    // Backend refusals (ModelError and kin) are the operation failing, as in Juju: exit 1.
    return { code: 1, stdout: '', stderr: `ERROR ${describe(e)}\n` };
  }
}

/** The error's message, worded so JujuBackend (like ops) maps it back to the same class. */
function describe(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof RelationNotFoundError && !message.includes('relation not found'))
    return `relation not found: ${message}`;
  if (e instanceof SecretNotFoundError && !message.includes('not found'))
    return `secret not found: ${message}`;
  return message;
}
