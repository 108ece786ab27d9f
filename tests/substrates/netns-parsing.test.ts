/**
 * The netns substrate's pure parts: systemd command lines and unit files, tmpfiles.d
 * lines, private trees, the namespace-entering argv, the restart policy table, and the
 * one-line refusal on a host that cannot run it.
 */
import { describe, expect, it } from '@jest/globals';
import { enterArgv } from '../../framework/substrates/netns/enter.js';
import {
  parseCommandLine,
  parseEnvironmentFile,
  parseEnvironmentLine,
} from '../../framework/substrates/netns/exec-line.js';
import { netnsUnavailable } from '../../framework/substrates/netns/requirements.js';
import { restartWanted } from '../../framework/substrates/netns/services.js';
import { parseRunTmpfiles } from '../../framework/substrates/netns/tmpfiles.js';
import { packageTrees, treeOf, writeRefusal } from '../../framework/substrates/netns/trees.js';
import { parseTimespan, parseUnit } from '../../framework/substrates/netns/unit-file.js';

describe('systemd command lines', () => {
  it('splits words, keeps quoted spaces, expands $VAR words and ${VAR} anywhere', () => {
    const env = { SLURMCTLD_OPTIONS: '-v  -i', NAME: 'x' };
    expect(parseCommandLine('/usr/sbin/slurmctld -D -s $SLURMCTLD_OPTIONS', env)).toEqual([
      '/usr/sbin/slurmctld',
      '-D',
      '-s',
      '-v',
      '-i',
    ]);
    expect(parseCommandLine('prog --name=${NAME} "a b" \'c d\'', env)).toEqual([
      'prog',
      '--name=x',
      'a b',
      'c d',
    ]);
    // An unset $VAR word disappears, as in systemd.
    expect(parseCommandLine('/usr/sbin/munged $OPTIONS', {})).toEqual(['/usr/sbin/munged']);
  });

  it("leaves $VAR inside a longer word for the shell (Debian's mariadb unit)", () => {
    const line = '/bin/sh -c "set -f; [ $? -eq 0 ] || exit 1; exec /usr/sbin/mariadbd $MYSQLD_OPTS $$"';
    expect(parseCommandLine(line, { MYSQLD_OPTS: '--skip' })).toEqual([
      '/bin/sh',
      '-c',
      'set -f; [ $? -eq 0 ] || exit 1; exec /usr/sbin/mariadbd $MYSQLD_OPTS $',
    ]);
  });

  it('expands %n and %% and refuses a bad line', () => {
    expect(parseCommandLine('echo %n 100%%', {}, 'munge')).toEqual(['echo', 'munge.service', '100%']);
    expect(() => parseCommandLine('echo "open', {})).toThrow(/unterminated " quote/);
    expect(() => parseCommandLine('   ', {})).toThrow(/empty command line/);
  });

  it('reads environment files and Environment= lines', () => {
    expect(parseEnvironmentFile('# c\nOPTIONS="--force"\nexport A=1\n\nbad line\nB=\'x y\'\n')).toEqual({
      OPTIONS: '--force',
      A: '1',
      B: 'x y',
    });
    expect(parseEnvironmentLine('"A=1 2" B=3')).toEqual({ A: '1 2', B: '3' });
  });
});

describe('unit files', () => {
  const munge = `[Unit]
Description=MUNGE authentication service
[Service]
Type=forking
EnvironmentFile=-/etc/default/munge
ExecStart=/usr/sbin/munged $OPTIONS
PIDFile=/run/munge/munged.pid
RuntimeDirectory=munge
RuntimeDirectoryMode=0755
User=munge
Group=munge
Restart=on-abort
`;

  it("reads what the substrate runs from Debian's munge.service", () => {
    const def = parseUnit('munge', [munge]);
    expect(def).toMatchObject({
      name: 'munge',
      description: 'MUNGE authentication service',
      type: 'forking',
      execStart: '/usr/sbin/munged $OPTIONS',
      environmentFiles: [{ path: '/etc/default/munge', optional: true }],
      pidFile: '/run/munge/munged.pid',
      runtimeDirectories: ['munge'],
      runtimeDirectoryMode: 0o755,
      user: 'munge',
      group: 'munge',
      restart: 'on-abort',
      killMode: 'control-group',
    });
  });

  it('joins continuation lines, and drop-ins reset and override', () => {
    const unit =
      '[Service]\nExecStart=/bin/sh -c "a; \\\n b"\nKillMode=process\n[Unit]\nConditionPathExists=/etc/slurm/slurm.conf\n';
    const dropIn = '[Service]\nExecStart=\nExecStart=/usr/sbin/other\nRestart=always\nRestartSec=5s\n';
    const def = parseUnit('x', [unit, dropIn]);
    expect(def?.execStart).toBe('/usr/sbin/other');
    expect(def?.restart).toBe('always');
    expect(def?.restartSecMs).toBe(5000);
    expect(def?.killMode).toBe('process');
    expect(def?.conditionPathExists).toEqual(['/etc/slurm/slurm.conf']);
    expect(parseUnit('x', [unit])?.execStart).toBe('/bin/sh -c "a;   b"');
  });

  it('a unit without ExecStart is no service; time spans read as systemd writes them', () => {
    expect(parseUnit('x', ['[Unit]\nDescription=x\n'])).toBeNull();
    expect([parseTimespan('100ms'), parseTimespan('2'), parseTimespan('1min')]).toEqual([100, 2000, 60000]);
  });
});

describe('restart policy', () => {
  const clean = { code: 0, signal: null };
  const failed = { code: 1, signal: null };
  const killed = { code: null, signal: 'SIGKILL' };
  it('follows the systemd.service(5) table; an unknown end counts as abnormal', () => {
    expect([clean, failed, killed, undefined].map((e) => restartWanted('on-failure', e))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect([clean, failed, killed, undefined].map((e) => restartWanted('on-abort', e))).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(restartWanted('always', clean)).toBe(true);
    expect(restartWanted('no', killed)).toBe(false);
  });
});

describe('tmpfiles.d', () => {
  it('takes the directories under /run only', () => {
    const text =
      'd /run/mysqld 0755 mysql root -\nd /var/lib/x 0755 - - -\nD /run/lock/subsys 0755 root root -\nL /run/x - - - - /y\n';
    expect(parseRunTmpfiles(text)).toEqual([
      { path: '/run/mysqld', mode: 0o755, user: 'mysql', group: 'root' },
      { path: '/run/lock/subsys', mode: 0o755, user: 'root', group: 'root' },
    ]);
  });
});

describe('private trees', () => {
  it('maps a path to its tree, or to the host', () => {
    expect(treeOf('/etc/slurm/slurm.conf')).toBe('/etc/slurm');
    expect(treeOf('/var/lib/slurm/slurmd-compute-0/x')).toBe('/var/lib/slurm');
    expect(treeOf('/run/munge/munge.socket.2')).toBe('/run');
    expect(treeOf('/run')).toBe('/run');
    expect(treeOf('/etc')).toBeNull();
    expect(treeOf('/usr/sbin/slurmd')).toBeNull();
    expect(treeOf('/etc/slurm/../munge/munge.key')).toBe('/etc/munge');
  });

  it("takes a package's trees from dpkg -L, leaving the host's own", () => {
    const listed = [
      '/.',
      '/etc',
      '/etc/munge',
      '/etc/default/munge',
      '/etc/init.d/munge',
      '/var/lib/munge',
      '/usr/sbin/munged',
      '/run/munge',
    ].join('\n');
    expect(packageTrees(listed)).toEqual(['/etc/default', '/etc/munge', '/var/lib/munge']);
  });

  it('refuses writes that would change the shared host, saying where files may go', () => {
    expect(writeRefusal('/etc/slurm/slurm.conf')).toBeNull();
    expect(writeRefusal('/usr/local/bin/tool')).toMatch(
      /^\/usr\/local\/bin\/tool is outside the machine's private trees \(\/run, \/etc\/\*.*shares$/,
    );
  });
});

describe('entering a machine', () => {
  it('enters only the network namespace, then new UTS and mount namespaces; values stay arguments', () => {
    const argv = enterArgv({
      netns: '/run/netns/tsops-ab-m3',
      hostname: 'machine-3',
      binds: [{ source: '/m/3/root/etc/slurm', target: '/etc/slurm' }],
      user: 'slurm',
      group: '64030',
      cwd: '/tmp',
      argv: ['sh', '-c', 'echo "$1"; rm -rf /', 'x'],
    });
    expect(argv.slice(0, 9)).toEqual([
      'nsenter',
      '--net=/run/netns/tsops-ab-m3',
      '--',
      'unshare',
      '--uts',
      '--mount',
      '--propagation',
      'private',
      '--',
    ]);
    expect(argv.slice(argv.indexOf('tsops-enter'))).toEqual([
      'tsops-enter',
      'machine-3',
      '/tmp',
      '/m/3/root/etc/slurm',
      '/etc/slurm',
      '--',
      'setpriv',
      '--reuid=slurm',
      '--regid=64030',
      '--init-groups',
      '--',
      'sh',
      '-c',
      'echo "$1"; rm -rf /',
      'x',
    ]);
    expect(argv).not.toContain('ip');
    expect(() => enterArgv({ netns: 'x', hostname: 'h', binds: [], argv: [] })).toThrow(/argv is empty/);
  });
});

describe('host requirements', () => {
  it('is one line naming what is missing and what to do', () => {
    expect(netnsUnavailable(0, () => true)).toBeNull();
    const why = netnsUnavailable(1000, (p) => p !== 'ip');
    expect(why).toBe(
      "substrate 'netns' needs root (running as uid 1000) and ip (apt-get install iproute2); " +
        'run the controller as root on a Linux host, or use --substrate sandbox',
    );
    expect(why).not.toContain('\n');
  });
});
