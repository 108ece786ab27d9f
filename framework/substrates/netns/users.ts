/** Host users, as setpriv needs them (every netns machine shares the host's /etc/passwd). */
import { readFile } from 'node:fs/promises';

/** The primary gid of `user`; an error naming the user when the host has none. */
export async function primaryGroup(user: string): Promise<string> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === user && f[3]) return f[3];
  }
  throw new Error(`no user ${user} on this host (is the package that adds it installed?)`);
}
