/**
 * exec on a sandbox machine: no program really runs (the netns substrate does
 * that). A small, honest set of read-only commands is emulated over the
 * machine's root, so `tsops exec <unit> -- cat /etc/slurm/slurm.conf` works;
 * anything else exits 127 saying so.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ExecResult } from '../../ops/machine.js';
import { Output, UsageError, describe, getopt, locateArg } from './exec-common.js';
import type { ExecContext } from './exec-common.js';
import { emulateLs, emulateStat } from './exec-ls.js';
import { SANDBOX_KERNEL_RELEASE } from './base-system.js';
import { errorCode } from './store.js';

/** The bytes of each operand in turn (`-` or no operands: stdin), errors reported coreutils-style. */
async function eachInput(
  prog: string,
  operands: readonly string[],
  ctx: ExecContext,
  out: Output,
  each: (content: Buffer, name: string) => void,
): Promise<void> {
  for (const arg of operands.length > 0 ? operands : ['-']) {
    if (arg === '-') {
      each(Buffer.from(ctx.input), '-');
      continue;
    }
    try {
      const real = await locateArg(ctx, arg);
      if ((await stat(real)).isDirectory()) out.fail(`${prog}: ${arg}: Is a directory`);
      else each(await readFile(real), arg);
    } catch (error) {
      out.fail(`${prog}: ${arg}: ${describe(error)}`);
    }
  }
}

/** Lines with their terminators, so head/tail keep a missing final newline missing. */
function lines(content: Buffer): string[] {
  return content.toString('utf8').match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function lineCount(
  prog: string,
  value: string | undefined,
  allowPlus: boolean,
): { n: number; fromStart: boolean } {
  if (value === undefined) return { n: 10, fromStart: false };
  const match = /^(\+?)(\d+)$/.exec(value);
  if (!match?.[2] || (match[1] && !allowPlus))
    throw new UsageError(`${prog}: invalid number of lines: '${value}'`);
  return { n: Number(match[2]), fromStart: match[1] === '+' };
}

async function headOrTail(prog: 'head' | 'tail', args: string[], ctx: ExecContext): Promise<ExecResult> {
  const { values, operands } = getopt(prog, args, '', 'n');
  const { n, fromStart } = lineCount(prog, values.get('n'), prog === 'tail');
  const out = new Output();
  let first = true;
  await eachInput(prog, operands, ctx, out, (content, name) => {
    if (operands.length > 1)
      out.stdout += `${first ? '' : '\n'}==> ${name === '-' ? 'standard input' : name} <==\n`;
    first = false;
    const all = lines(content);
    const picked =
      prog === 'head'
        ? all.slice(0, n)
        : fromStart
          ? all.slice(Math.max(0, n - 1))
          : all.slice(all.length - n);
    out.stdout += picked.join('');
  });
  return out.result();
}

/** Fixed-string grep (like `grep -F`): exit 0 when a line matched, 1 when none, 2 on an error. */
async function grep(args: string[], ctx: ExecContext): Promise<ExecResult> {
  const { flags, operands } = getopt('grep', args, 'cqF');
  const [pattern, ...files] = operands;
  if (pattern === undefined)
    throw new UsageError('grep: usage: grep [-c] [-q] PATTERN [FILE...] (a fixed string)');
  const out = new Output();
  let matched = false;
  await eachInput('grep', files, ctx, out, (content, name) => {
    const text = content.toString('utf8');
    const all = text === '' ? [] : text.replace(/\n$/, '').split('\n');
    const hits = all.filter((line) => line.includes(pattern));
    matched ||= hits.length > 0;
    if (flags.has('q')) return;
    const prefix = files.length > 1 ? `${name === '-' ? '(standard input)' : name}:` : '';
    if (flags.has('c')) out.stdout += `${prefix}${hits.length}\n`;
    else out.stdout += hits.map((line) => `${prefix}${line}\n`).join('');
  });
  const errored = out.exitCode !== 0;
  out.exitCode = errored && !(flags.has('q') && matched) ? 2 : matched ? 0 : 1;
  return out.result();
}

async function testPath(args: string[], ctx: ExecContext): Promise<ExecResult> {
  const [op, path, ...rest] = args;
  if (op === undefined || !['-e', '-f', '-d'].includes(op) || path === undefined || rest.length > 0) {
    throw new UsageError('test: only "test -e|-f|-d PATH" is emulated by the sandbox substrate');
  }
  const out = new Output();
  try {
    const info = await stat(await locateArg(ctx, path));
    out.exitCode = op === '-e' || (op === '-f' ? info.isFile() : info.isDirectory()) ? 0 : 1;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') out.exitCode = 1;
    else out.fail(`test: ${path}: ${describe(error)}`, 2);
  }
  return out.result();
}

function id(args: string[], ctx: ExecContext): ExecResult {
  const { flags, operands } = getopt('id', args, 'un');
  if (operands.length > 0 || (flags.has('n') && !flags.has('u'))) {
    throw new UsageError('id: only "id", "id -u" and "id -un" are emulated by the sandbox substrate');
  }
  const out = new Output();
  // The sandbox has no user database: root is uid 0, other users have a name only.
  const uid = ctx.user === 'root' ? '0' : undefined;
  if (flags.has('n')) out.stdout = `${ctx.user}\n`;
  else if (uid === undefined) out.fail(`id: the uid of ${ctx.user} is not known in the sandbox substrate`);
  else out.stdout = flags.has('u') ? `${uid}\n` : `uid=0(root) gid=0(root) groups=0(root)\n`;
  return out.result();
}

function noArgs(prog: string, args: readonly string[], stdout: string): ExecResult {
  if (args.length > 0) throw new UsageError(`${prog}: arguments are not emulated by the sandbox substrate`);
  return { exitCode: 0, stdout, stderr: '' };
}

type Emulation = (args: string[], ctx: ExecContext) => ExecResult | Promise<ExecResult>;

/** The emulated programs, by name. */
const PROGRAMS: Record<string, Emulation> = {
  true: () => ({ exitCode: 0, stdout: '', stderr: '' }),
  false: () => ({ exitCode: 1, stdout: '', stderr: '' }),
  hostname: (args, ctx) => noArgs('hostname', args, `${ctx.hostname}\n`),
  nproc: (args, ctx) => noArgs('nproc', args, `${ctx.cpus}\n`),
  uname: (args, ctx) => {
    const fields: Record<string, string> = {
      '-s': 'Linux',
      '-n': ctx.hostname,
      '-r': SANDBOX_KERNEL_RELEASE,
      '-m': 'x86_64',
      '-o': 'GNU/Linux',
    };
    const wanted = args.length === 0 ? ['-s'] : args;
    const bad = wanted.find((a) => !(a in fields));
    if (bad)
      return {
        exitCode: 2,
        stdout: '',
        stderr: `uname: unsupported option '${bad}' in the sandbox (use -s, -n, -r, -m or -o)\n`,
      };
    return { exitCode: 0, stdout: `${wanted.map((a) => fields[a]).join(' ')}\n`, stderr: '' };
  },
  id,
  echo: (args) => {
    const newline = args[0] !== '-n';
    return {
      exitCode: 0,
      stdout: `${(newline ? args : args.slice(1)).join(' ')}${newline ? '\n' : ''}`,
      stderr: '',
    };
  },
  cat: async (args, ctx) => {
    const { operands } = getopt('cat', args, '');
    const out = new Output();
    await eachInput('cat', operands, ctx, out, (content) => (out.stdout += content.toString('utf8')));
    return out.result();
  },
  head: (args, ctx) => headOrTail('head', args, ctx),
  tail: (args, ctx) => headOrTail('tail', args, ctx),
  grep,
  test: testPath,
  sha256sum: async (args, ctx) => {
    const { operands } = getopt('sha256sum', args, '');
    const out = new Output();
    await eachInput('sha256sum', operands, ctx, out, (content, name) => {
      out.stdout += `${createHash('sha256').update(content).digest('hex')}  ${name}\n`;
    });
    return out.result();
  },
  ls: emulateLs,
  stat: emulateStat,
};

/** Standard program directories: `/usr/bin/cat` is `cat`. */
const BIN_DIRS = new Set(['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin']);

/** Runs one emulated command; the caller applies `check`. */
export async function emulate(argv: readonly string[], ctx: ExecContext): Promise<ExecResult> {
  const [program = '', ...args] = argv;
  const name = BIN_DIRS.has(dirname(program)) ? basename(program) : program;
  const emulation = Object.hasOwn(PROGRAMS, name) ? PROGRAMS[name] : undefined;
  if (!emulation) {
    return {
      exitCode: 127,
      stdout: '',
      stderr: `${program}: not available in the sandbox substrate (it simulates machines; use --substrate netns to run real programs)\n`,
    };
  }
  try {
    return await emulation(args, ctx);
  } catch (error) {
    if (error instanceof UsageError) return { exitCode: 2, stdout: '', stderr: `${error.message}\n` };
    throw error;
  }
}
