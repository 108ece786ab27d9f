/**
 * The files a fresh Debian 12 machine has that charms read to learn where they are:
 * the distribution, apt's sources (the installer's default: main only), the
 * filesystems the kernel knows and the hostname. Written once, when a sandbox machine
 * is made; charms may change them like any other file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The kernel release `uname -r` reports on a sandbox machine. */
export const SANDBOX_KERNEL_RELEASE = '6.1.0-18-amd64';

const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

const SOURCES = `deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian-security bookworm-security main
deb http://deb.debian.org/debian bookworm-updates main
`;

// What /proc/filesystems lists on a stock Debian 12 kernel: no lustre.
const FILESYSTEMS = [
  'nodev\tsysfs',
  'nodev\ttmpfs',
  'nodev\tproc',
  'nodev\tcgroup2',
  'nodev\tdevpts',
  '\text3',
  '\text4',
  '\tvfat',
  'nodev\tnfs',
  'nodev\tnfs4',
  '',
].join('\n');

/** Write the base files under a machine's root (an existing file is left alone). */
export async function seedBaseSystem(root: string, hostname: string): Promise<void> {
  const files: Record<string, string> = {
    'etc/os-release': OS_RELEASE,
    'etc/apt/sources.list': SOURCES,
    'etc/hostname': `${hostname}\n`,
    'proc/filesystems': FILESYSTEMS,
  };
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
}
