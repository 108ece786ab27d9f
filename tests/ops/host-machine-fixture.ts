/**
 * The HostMachine test fixture: a fresh machine per test over a temp root, with fake
 * apt-get, dpkg-query and systemctl scripts that log their argv, and fake /proc and /sys.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { HostMachine } from '../../framework/ops/machine/host.js';

// Each fake logs its argv as "prog [arg1] [arg2]" so tests can see argument boundaries.
const LOG = `log() { printf '%s' "$(basename "$0")" >> "$FAKE_DIR/calls"; for a in "$@"; do printf ' [%s]' "$a" >> "$FAKE_DIR/calls"; done; echo >> "$FAKE_DIR/calls"; }`;

const FAKE_APT_GET = `#!/bin/sh
${LOG}
log "$@"
echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND" > "$FAKE_DIR/apt-env"
if [ -f "$FAKE_DIR/slow" ]; then echo begin >> "$FAKE_DIR/order"; sleep 0.3; echo end >> "$FAKE_DIR/order"; fi
cmd=$1; shift
case "$cmd" in
  update) [ -f "$FAKE_DIR/update-fixes" ] && touch "$FAKE_DIR/updated"; exit 0 ;;
  install|remove)
    for a in "$@"; do
      case "$a" in -*|Dpkg::*) continue ;; esac
      if [ "$cmd" = remove ]; then rm -f "$FAKE_DIR/pkg-$a"; continue; fi
      if [ -f "$FAKE_DIR/unknown-$a" ] && [ ! -f "$FAKE_DIR/updated" ]; then
        echo "Reading package lists..."; echo "E: Unable to locate package $a" >&2; exit 100
      fi
      echo "1.0-1" > "$FAKE_DIR/pkg-$a"
    done ;;
esac
`;

const FAKE_DPKG_QUERY = `#!/bin/sh
${LOG}
log "$@"
name=$4
if [ -f "$FAKE_DIR/pkg-$name" ]; then printf 'install ok installed %s\\n' "$(cat "$FAKE_DIR/pkg-$name")"; exit 0; fi
if [ -f "$FAKE_DIR/rc-$name" ]; then printf 'deinstall ok config-files 0.9\\n'; exit 0; fi
echo "dpkg-query: no packages found matching $name" >&2; exit 1
`;

const FAKE_SYSTEMCTL = `#!/bin/sh
${LOG}
log "$@"
case "$1" in
  show)
    if [ -f "$FAKE_DIR/show-$2" ]; then cat "$FAKE_DIR/show-$2"
    else printf 'LoadState=not-found\\nActiveState=inactive\\nSubState=dead\\nUnitFileState=\\nMainPID=0\\n'; fi ;;
  daemon-reload) ;;
  *) if [ -f "$FAKE_DIR/fail-$2" ]; then
       echo "Job for $2.service failed because the control process exited with error code." >&2; exit 1
     fi ;;
esac
`;

/** One test's machine and its directories, made afresh before each test by `useHostMachine`. */
export interface HostFixture {
  /** The temp directory holding root, fake, bin, proc and sys. */
  readonly base: string;
  /** The machine's root directory, with etc/passwd and etc/group. */
  readonly root: string;
  /** The fakes' state directory ($FAKE_DIR): their calls log and the files that steer them. */
  readonly fake: string;
  readonly machine: HostMachine;
  /** The fakes' calls so far, one "prog [arg1] [arg2]" line each. */
  calls(): Promise<string[]>;
  /** Create `name` in the fakes' state directory. */
  touch(name: string, content?: string): Promise<void>;
}

/** Register hooks that build a fresh fixture before each test and remove it after. */
export function useHostMachine(): HostFixture {
  let base: string;
  let root: string;
  let fake: string;
  let machine: HostMachine;

  beforeEach(async () => {
    base = await mkdtemp(join(os.tmpdir(), 'tsops-host-'));
    root = join(base, 'root');
    fake = join(base, 'fake');
    const bin = join(base, 'bin');
    await Promise.all([mkdir(join(root, 'etc'), { recursive: true }), mkdir(fake), mkdir(bin)]);
    await writeFile(
      join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/bash\nslurm:x:64030:64030::/var/lib/slurm:/usr/sbin/nologin\n# comment\nbroken\n',
    );
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nslurm:x:64030:\nmunge:x:64031:slurm\n');
    const scripts = { 'apt-get': FAKE_APT_GET, 'dpkg-query': FAKE_DPKG_QUERY, systemctl: FAKE_SYSTEMCTL };
    for (const [name, text] of Object.entries(scripts))
      await writeFile(join(bin, name), text, { mode: 0o755 });
    machine = new HostMachine({
      root,
      binaries: {
        aptGet: join(bin, 'apt-get'),
        dpkgQuery: join(bin, 'dpkg-query'),
        systemctl: join(bin, 'systemctl'),
      },
      env: { ...process.env, FAKE_DIR: fake },
      procRoot: join(base, 'proc'),
      sysRoot: join(base, 'sys'),
    });
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  return {
    get base() {
      return base;
    },
    get root() {
      return root;
    },
    get fake() {
      return fake;
    },
    get machine() {
      return machine;
    },
    async calls() {
      const text = await readFile(join(fake, 'calls'), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean);
    },
    async touch(name, content = '') {
      await writeFile(join(fake, name), content);
    },
  };
}
