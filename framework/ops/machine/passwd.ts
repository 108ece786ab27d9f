/**
 * User and group names ↔ numeric ids, read from a root's /etc/passwd and
 * /etc/group (not from NSS), so a test root or a chroot resolves its own users.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One /etc/passwd entry (the fields tsops needs). */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/** One /etc/group entry (the fields tsops needs). */
export interface GroupEntry {
  name: string;
  gid: number;
}

/** Colon-separated records with a name and integer fields at `idFields`; malformed lines are skipped. */
function parseRecords(text: string, idFields: readonly number[]): Array<{ name: string; ids: number[] }> {
  const records: Array<{ name: string; ids: number[] }> = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(':');
    const name = fields[0];
    const ids = idFields.map((i) => (/^\d+$/.test(fields[i] ?? '') ? Number(fields[i]) : NaN));
    if (!name || !ids.every(Number.isInteger)) continue;
    records.push({ name, ids });
  }
  return records;
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    // Checked structurally: fs errors may come from another realm (e.g. under Jest).
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT') return '';
    throw error;
  }
}

/** The users and groups of one root directory; re-read on every call because apt may add users. */
export class IdDatabase {
  constructor(private readonly root: string) {}

  /** Entries of `<root>/etc/passwd`. */
  async users(): Promise<PasswdEntry[]> {
    const text = await readOptional(join(this.root, 'etc/passwd'));
    // name:x:uid:gid:gecos:home:shell
    return parseRecords(text, [2, 3]).map(({ name, ids: [uid = -1, gid = -1] }) => ({ name, uid, gid }));
  }

  /** Entries of `<root>/etc/group`. */
  async groups(): Promise<GroupEntry[]> {
    const text = await readOptional(join(this.root, 'etc/group'));
    // name:x:gid:members
    return parseRecords(text, [2]).map(({ name, ids: [gid = -1] }) => ({ name, gid }));
  }

  /**
   * uid/gid for an owner and group given by name, for `path` (named in errors).
   * A group defaults to the owner's primary group; -1 leaves an id unchanged.
   */
  async resolve(path: string, owner?: string, group?: string): Promise<{ uid: number; gid: number }> {
    let uid = -1;
    let gid = -1;
    if (owner !== undefined) {
      const user = (await this.users()).find((u) => u.name === owner);
      if (!user) {
        throw new Error(
          `cannot set owner of ${path}: no user "${owner}" in ${join(this.root, 'etc/passwd')}`,
        );
      }
      uid = user.uid;
      gid = user.gid;
    }
    if (group !== undefined) {
      const entry = (await this.groups()).find((g) => g.name === group);
      if (!entry) {
        throw new Error(
          `cannot set group of ${path}: no group "${group}" in ${join(this.root, 'etc/group')}`,
        );
      }
      gid = entry.gid;
    }
    return { uid, gid };
  }

  /** Names for numeric ids; an id without a name comes back as its number. */
  async names(uid: number, gid: number): Promise<{ owner: string; group: string }> {
    const [users, groups] = await Promise.all([this.users(), this.groups()]);
    return {
      owner: users.find((u) => u.uid === uid)?.name ?? String(uid),
      group: groups.find((g) => g.gid === gid)?.name ?? String(gid),
    };
  }
}
