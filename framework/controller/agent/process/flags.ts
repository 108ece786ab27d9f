/**
 * Command lines as Juju's hook tools read them (Go's gnuflag with interspersed
 * flags): flags anywhere, `--name=value` or `--name value`, `-r 3`, booleans as
 * `--app` or `--app=False`, and `--` ending the flags. A bare `-` is an argument.
 */

/** A tool failure: stderr `ERROR <message>`, exit 2 for bad usage and 1 for a refused operation. */
export class ToolError extends Error {
  override name = 'ToolError';
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

export function usage(message: string): ToolError {
  return new ToolError(message, 2);
}

/** A flag takes a value or is boolean; a string names the flag it is an alias of (`-r` for `--relation`). */
export type FlagSpec = Record<string, 'bool' | 'value' | { alias: string }>;

export interface ParsedArgs {
  flags: Map<string, string | boolean>;
  args: string[];
}

const TRUE = /^(1|t|T|TRUE|true|True)$/;
const FALSE = /^(0|f|F|FALSE|false|False)$/;

export function parseFlags(spec: FlagSpec, argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | boolean>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.length < 2 || !a.startsWith('-')) {
      args.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    let name = eq < 0 ? body : body.slice(0, eq);
    let kind = spec[name];
    if (typeof kind === 'object') {
      name = kind.alias;
      kind = spec[name];
    }
    const shown = eq < 0 ? a : a.slice(0, a.indexOf('='));
    if (kind === undefined || typeof kind === 'object')
      throw usage(`option provided but not defined: ${shown}`);
    if (kind === 'bool') {
      const v = eq < 0 ? 'true' : body.slice(eq + 1);
      if (TRUE.test(v)) flags.set(name, true);
      else if (FALSE.test(v)) flags.set(name, false);
      else throw usage(`invalid boolean value "${v}" for flag ${shown}`);
    } else if (eq >= 0) {
      flags.set(name, body.slice(eq + 1));
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw usage(`option needs an argument: ${a}`);
      flags.set(name, next);
      i++;
    }
  }
  return { flags, args };
}

/** A value flag's text, or undefined when absent. */
export function flagText(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagBool(p: ParsedArgs, name: string): boolean {
  return p.flags.get(name) === true;
}

/** Juju refuses surplus positional arguments. */
export function atMost(p: ParsedArgs, n: number): void {
  if (p.args.length > n) throw usage(`unrecognized args: ${JSON.stringify(p.args.slice(n))}`);
}
