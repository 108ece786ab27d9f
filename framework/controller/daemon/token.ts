/**
 * The API token: 32 random bytes as hex in a 0600 file. Whoever can read it
 * controls the controller, so a file that others can read is refused, not used.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { errnoCode } from './info.js';

const tokenText = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits');

/** Read the token at `path`; refuses a file readable by group or others. */
export async function readToken(path: string): Promise<string> {
  const st = await stat(path);
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw new Error(`${path} is open to other users (mode ${mode}); run 'chmod 600 ${path}' and try again`);
  }
  const p = tokenText.safeParse((await readFile(path, 'utf8')).trim());
  if (!p.success)
    throw new Error(`${path} does not hold a tsops token (64 hex digits); remove it to get a new one`);
  return p.data;
}

/**
 * The token at `path`, created first if absent. Creation is atomic and never
 * clobbers: the token is written whole to a private temp file, then hard-linked
 * into place, which fails if another process got there first (we then read theirs).
 */
export async function ensureToken(path: string): Promise<string> {
  try {
    return await readToken(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const token = randomBytes(32).toString('hex');
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${token}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
    return token;
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    return readToken(path);
  } finally {
    await rm(tmp, { force: true });
  }
}
