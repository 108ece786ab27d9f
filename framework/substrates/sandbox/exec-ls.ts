/**
 * `ls [-l] [-a]` and `stat -c FORMAT` over a sandbox machine's root, in GNU
 * coreutils' output format, with owners and modes as the sandbox records them.
 */
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { ExecResult } from '../../ops/machine.js';
import { Output, UsageError, describe, getopt } from './exec-common.js';
import type { ExecContext } from './exec-common.js';
import { canonicalPath } from './files.js';
import type { OwnerEntry } from './files.js';
import { TEMP_NAME } from './store.js';

/** One thing to show: its name as displayed, where it is, and its metadata. */
interface Entry {
  name: string;
  canonical: string;
  info: Stats;
  link?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SIX_MONTHS_MS = 182.5 * 24 * 3600 * 1000;

/** C-locale (bytewise) order, as `LC_ALL=C ls` sorts. */
function byName(a: Entry, b: Entry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function typeChar(info: Stats): string {
  if (info.isDirectory()) return 'd';
  if (info.isSymbolicLink()) return 'l';
  return '-';
}

/** `drwxr-xr-x`, with s/S and t/T for the special bits. */
export function modeString(info: Stats, mode: number): string {
  const triple = (bits: number, special: boolean, on: string): string =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${special ? (bits & 1 ? on : on.toUpperCase()) : bits & 1 ? 'x' : '-'}`;
  return (
    typeChar(info) +
    triple(mode >> 6, (mode & 0o4000) !== 0, 's') +
    triple(mode >> 3, (mode & 0o2000) !== 0, 's') +
    triple(mode, (mode & 0o1000) !== 0, 't')
  );
}

/** GNU's default time style: the time for recent files, the year for old or future ones. */
function timeString(date: Date, now = Date.now()): string {
  const day = String(date.getDate()).padStart(2, ' ');
  const recent = date.getTime() <= now && now - date.getTime() < SIX_MONTHS_MS;
  const tail = recent
    ? `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`
    : ` ${date.getFullYear()}`;
  return `${MONTHS[date.getMonth()] ?? '???'} ${day} ${tail}`;
}

/** The mode the sandbox reports: recorded where the real bits could not carry it. */
function reportedMode(entry: Entry, owners: ReadonlyMap<string, OwnerEntry>): number {
  return owners.get(entry.canonical)?.mode ?? entry.info.mode & 0o7777;
}

function format(
  entries: Entry[],
  long: boolean,
  owners: ReadonlyMap<string, OwnerEntry>,
  total: boolean,
): string {
  if (!long) return entries.map((e) => `${e.name}\n`).join('');
  const rows = entries.map((e) => {
    const owner = owners.get(e.canonical);
    return [
      modeString(e.info, reportedMode(e, owners)),
      String(e.info.nlink),
      owner?.owner ?? 'root',
      owner?.group ?? 'root',
      String(e.info.size),
      timeString(e.info.mtime),
      e.link === undefined ? e.name : `${e.name} -> ${e.link}`,
    ];
  });
  const width = (i: number): number => Math.max(0, ...rows.map((row) => (row[i] ?? '').length));
  const [links, user, group, size] = [width(1), width(2), width(3), width(4)];
  const blocks = entries.reduce((sum, e) => sum + Math.ceil(e.info.blocks / 2), 0);
  const lines = rows.map(
    ([mode, n, u, g, s, time, name]) =>
      `${mode} ${(n ?? '').padStart(links)} ${(u ?? '').padEnd(user)} ${(g ?? '').padEnd(group)} ${(s ?? '').padStart(size)} ${time} ${name}\n`,
  );
  return `${total ? `total ${blocks}\n` : ''}${lines.join('')}`;
}

async function entry(name: string, canonical: string, real: string): Promise<Entry> {
  const info = await lstat(real);
  return info.isSymbolicLink()
    ? { name, canonical, info, link: await readlink(real) }
    : { name, canonical, info };
}

/** A directory's entries (with `.` and `..` when `all`), hiding dot files otherwise. */
async function directoryEntries(
  ctx: ExecContext,
  canonical: string,
  real: string,
  all: boolean,
): Promise<Entry[]> {
  const names = (await readdir(real)).filter((n) => !TEMP_NAME.test(n) && (all || !n.startsWith('.')));
  const child = (n: string): string => (canonical === '/' ? `/${n}` : `${canonical}/${n}`);
  const entries = await Promise.all(
    names.map(async (n) => entry(n, child(n), await ctx.files.locate(child(n), false))),
  );
  if (all) {
    const parent = canonicalPath(canonical === '/' ? '/' : `${canonical}/..`);
    entries.push({ name: '.', canonical, info: await stat(real) });
    entries.push({ name: '..', canonical: parent, info: await stat(await ctx.files.locate(parent)) });
  }
  return entries.sort(byName);
}

/** `ls [-l] [-a] [-1] [PATH...]`; exit 2 when an operand cannot be accessed. */
export async function emulateLs(args: string[], ctx: ExecContext): Promise<ExecResult> {
  const { flags, operands } = getopt('ls', args, 'la1');
  const long = flags.has('l');
  const out = new Output();
  const owners = await ctx.files.ownerEntries();
  const files: Entry[] = [];
  const dirs: Array<{ arg: string; canonical: string; real: string }> = [];
  for (const arg of operands.length > 0 ? operands : ['.']) {
    try {
      const canonical = canonicalPath(arg, ctx.cwd);
      const real = await ctx.files.locate(canonical);
      const info = await stat(real); // operands are followed, as GNU ls does without -l
      if (info.isDirectory()) dirs.push({ arg, canonical, real });
      else files.push({ name: arg, canonical, info });
    } catch (error) {
      out.fail(`ls: cannot access '${arg}': ${describe(error)}`, 2);
    }
  }
  const sections: string[] = [];
  if (files.length > 0) sections.push(format(files.sort(byName), long, owners, false));
  const headers = operands.length > 1 || out.exitCode !== 0;
  for (const dir of dirs.sort((a, b) => (a.arg < b.arg ? -1 : a.arg > b.arg ? 1 : 0))) {
    try {
      const listing = format(
        await directoryEntries(ctx, dir.canonical, dir.real, flags.has('a')),
        long,
        owners,
        true,
      );
      sections.push(`${headers ? `${dir.arg}:\n` : ''}${listing}`);
    } catch (error) {
      out.fail(`ls: cannot open directory '${dir.arg}': ${describe(error)}`, 2);
    }
  }
  out.stdout = sections.join('\n');
  return out.result();
}

function fileType(info: Stats): string {
  if (info.isDirectory()) return 'directory';
  if (info.isSymbolicLink()) return 'symbolic link';
  return info.size === 0 ? 'regular empty file' : 'regular file';
}

/** `stat -c FORMAT PATH...` (or `--format=FORMAT`) with %a %A %U %G %s %n %F %%. */
export async function emulateStat(args: string[], ctx: ExecContext): Promise<ExecResult> {
  const normalized = args.flatMap((arg) => (arg.startsWith('--format=') ? ['-c', arg.slice(9)] : [arg]));
  const { values, operands } = getopt('stat', normalized, '', 'c');
  const fmt = values.get('c');
  if (fmt === undefined || operands.length === 0) {
    throw new UsageError('stat: only "stat -c FORMAT PATH..." is emulated by the sandbox substrate');
  }
  const unsupported = /%[^aAUGsnF%]/.exec(fmt);
  if (unsupported) throw new UsageError(`stat: ${unsupported[0]} is not emulated by the sandbox substrate`);
  const out = new Output();
  const owners = await ctx.files.ownerEntries();
  for (const arg of operands) {
    try {
      const canonical = canonicalPath(arg, ctx.cwd);
      const e = await entry(arg, canonical, await ctx.files.locate(canonical, false));
      const mode = reportedMode(e, owners);
      const owner = owners.get(canonical);
      const fields: Record<string, string> = {
        a: mode.toString(8),
        A: modeString(e.info, mode),
        U: owner?.owner ?? 'root',
        G: owner?.group ?? 'root',
        s: String(e.info.size),
        n: arg,
        F: fileType(e.info),
        '%': '%',
      };
      out.stdout += `${fmt.replace(/%(.)/g, (_, c: string) => fields[c] ?? '')}\n`;
    } catch (error) {
      out.fail(`stat: cannot statx '${arg}': ${describe(error)}`);
    }
  }
  return out.result();
}
