/**
 * Lustre node logic: client mount and unmount (exact commands, idempotence from /proc/mounts),
 * LNet configuration from lnetctl output, and kernel support detection with its reason text.
 */
import { RecordingMachine } from '../../framework/testing/index.js';
import type { ExecHandler } from '../../framework/testing/index.js';
import {
  LustreConfigError,
  clientMountArgvs,
  lustreMountAt,
  parseProcMounts,
} from '../../charms/lib/lustre/commands.js';
import { lustreSupport, modulesDepHas, parseProcFilesystems } from '../../charms/lib/lustre/kernel.js';
import { ensureLnet, lnetArgvs, localNids, parseLnetNetShow } from '../../charms/lib/lustre/lnet.js';
import { ensureClientMount, unmountLustre } from '../../charms/lib/lustre/steps.js';
import { fixture, lnetHandlers, ok } from './lustre-fixtures.js';

const MGS = '10.0.0.11@tcp';
const MGS2 = '10.0.0.12@tcp';

/** The argv of every exec the machine ran, in order. */
const execs = (machine: RecordingMachine): string[][] => machine.ops('exec').map((op) => op.argv);

describe('client mount', () => {
  const client = (mounts: string): RecordingMachine =>
    new RecordingMachine({
      files: { '/proc/mounts': mounts },
      exec: ok('mkdir', 'mount', 'umount'),
    });

  it('mounts with one MGS NID', async () => {
    const m = client(fixture('proc-mounts-plain.txt'));
    expect(await ensureClientMount(m, { mgsNids: [MGS], fsname: 'lustre', mountpoint: '/mnt/lustre' })).toBe(
      true,
    );
    expect(execs(m)).toEqual([
      ['mkdir', '-p', '/mnt/lustre'],
      ['mount', '-t', 'lustre', '10.0.0.11@tcp:/lustre', '/mnt/lustre'],
    ]);
  });

  it('joins two MGS NIDs with ":" and passes options', async () => {
    const m = client(fixture('proc-mounts-plain.txt'));
    await ensureClientMount(m, {
      mgsNids: [MGS, '10.0.0.12@tcp0'],
      fsname: 'lustre',
      mountpoint: '/mnt/lustre',
    });
    expect(execs(m)[1]).toEqual([
      'mount',
      '-t',
      'lustre',
      '10.0.0.11@tcp:10.0.0.12@tcp:/lustre',
      '/mnt/lustre',
    ]);
    expect(
      clientMountArgvs({
        mgsNids: [MGS],
        fsname: 'lustre',
        mountpoint: '/scratch',
        options: ['flock', 'user_xattr'],
      })[1],
    ).toEqual(['mount', '-t', 'lustre', '-o', 'flock,user_xattr', '10.0.0.11@tcp:/lustre', '/scratch']);
  });

  it('does nothing when already mounted, and refuses another filesystem at the mountpoint', async () => {
    const m = client(fixture('proc-mounts-client.txt'));
    expect(
      await ensureClientMount(m, { mgsNids: [MGS, MGS2], fsname: 'lustre', mountpoint: '/mnt/lustre/' }),
    ).toBe(false);
    await expect(
      ensureClientMount(m, { mgsNids: [MGS], fsname: 'scratch', mountpoint: '/mnt/lustre' }),
    ).rejects.toThrow('/mnt/lustre already has Lustre filesystem lustre mounted, not scratch');
    expect(execs(m)).toEqual([]);
  });

  it('unmounts only what is mounted', async () => {
    const mounted = client(fixture('proc-mounts-client.txt'));
    expect(await unmountLustre(mounted, '/mnt/lustre')).toBe(true);
    expect(execs(mounted)).toEqual([['umount', '/mnt/lustre']]);
    const plain = client(fixture('proc-mounts-plain.txt'));
    expect(await unmountLustre(plain, '/mnt/lustre')).toBe(false);
    expect(execs(plain)).toEqual([]);
  });

  it('reads /proc/mounts, unescaping octal', () => {
    const mounts = parseProcMounts(
      `${fixture('proc-mounts-client.txt')}${MGS}:/lustre /mnt/my\\040data lustre rw 0 0\n`,
    );
    expect(lustreMountAt(mounts, '/mnt/my data')?.source).toBe('10.0.0.11@tcp:/lustre');
    expect(lustreMountAt(mounts, '/mnt/lustre')?.options).toContain('flock');
  });
});

describe('LNet', () => {
  it('parses lnetctl net show', () => {
    expect(parseLnetNetShow(fixture('lnetctl-net-show-tcp.yaml'))).toEqual([
      { net: 'lo', nis: [{ nid: '0@lo', status: 'up', interfaces: [] }] },
      { net: 'tcp', nis: [{ nid: '10.0.0.11@tcp', status: 'up', interfaces: ['eth0'] }] },
    ]);
    const multi = parseLnetNetShow(fixture('lnetctl-net-show-tcp-o2ib1.yaml'));
    expect(localNids(multi)).toEqual(['10.0.0.21@tcp', '192.168.227.21@o2ib1', '192.168.228.21@o2ib1']);
    expect(localNids(multi, 'o2ib1')).toEqual(['192.168.227.21@o2ib1', '192.168.228.21@o2ib1']);
    expect(localNids(multi, 'tcp0')).toEqual(['10.0.0.21@tcp']);
    expect(parseLnetNetShow('')).toEqual([]);
    expect(() => parseLnetNetShow('net:\n    - nid: 1\n')).toThrow(/unexpected YAML at net.0/);
  });

  it('configures LNet on a fresh node with exactly these commands', async () => {
    const m = new RecordingMachine({ exec: lnetHandlers() });
    expect(await ensureLnet(m, { net: 'tcp0', iface: 'eth0' })).toEqual({
      nids: ['10.0.0.11@tcp'],
      added: true,
    });
    expect(execs(m)).toEqual([
      ['modprobe', 'lnet'],
      ['lnetctl', 'lnet', 'configure'],
      ['lnetctl', 'net', 'show'],
      ['lnetctl', 'net', 'add', '--net', 'tcp0', '--if', 'eth0'],
      ['lnetctl', 'net', 'show'],
    ]);
    expect(lnetArgvs({ net: 'tcp0', iface: 'eth0' })).toEqual([
      ['modprobe', 'lnet'],
      ['lnetctl', 'lnet', 'configure'],
      ['lnetctl', 'net', 'add', '--net', 'tcp0', '--if', 'eth0'],
    ]);
  });

  it('adds no network that is already up on the interface', async () => {
    const m = new RecordingMachine({
      exec: [
        { argv: ['modprobe'] },
        { argv: ['lnetctl'] },
        { argv: ['lnetctl', 'net', 'show'], result: { stdout: fixture('lnetctl-net-show-tcp.yaml') } },
      ],
    });
    expect(await ensureLnet(m, { net: 'tcp', iface: 'eth0' })).toEqual({
      nids: ['10.0.0.11@tcp'],
      added: false,
    });
    expect(execs(m).some((argv) => argv.includes('add'))).toBe(false);
  });

  it('refuses bad network and interface names', () => {
    expect(() => lnetArgvs({ net: 'eth0', iface: 'eth0' })).toThrow(LustreConfigError);
    expect(() => lnetArgvs({ net: 'tcp0', iface: 'eth0; reboot' })).toThrow(/invalid network interface name/);
  });
});

describe('lustreSupport', () => {
  const RELEASE = '6.1.0-18-amd64';
  const uname: ExecHandler = { argv: ['uname', '-r'], result: { stdout: `${RELEASE}\n` } };
  const noModprobe: ExecHandler = {
    argv: ['modprobe', '-n'],
    result: { exitCode: 1, stderr: fixture('modprobe-n-lustre-missing.stderr') },
  };

  it('is supported when the filesystem is registered, without running anything', async () => {
    const m = new RecordingMachine({
      files: { '/proc/filesystems': fixture('proc-filesystems-lustre-client.txt') },
    });
    expect(await lustreSupport(m)).toEqual({
      supported: true,
      reason: 'lustre is registered in /proc/filesystems',
      kernelRelease: null,
    });
    expect(execs(m)).toEqual([]);
  });

  it('is supported when modprobe can load the module', async () => {
    const m = new RecordingMachine({
      files: { '/proc/filesystems': fixture('proc-filesystems-debian12.txt') },
      exec: [{ argv: ['modprobe', '-n', 'lustre'] }],
    });
    expect(await lustreSupport(m)).toMatchObject({ supported: true, reason: 'modprobe -n lustre succeeds' });
  });

  it('finds the module under /lib/modules/<release>', async () => {
    const indexed = new RecordingMachine({
      files: { [`/lib/modules/${RELEASE}/modules.dep`]: fixture('modules.dep-lustre-client') },
      exec: [noModprobe, uname],
    });
    expect(await lustreSupport(indexed)).toEqual({
      supported: true,
      reason: `/lib/modules/${RELEASE}/extra/lustre-client/fs/lustre.ko is in modules.dep`,
      kernelRelease: RELEASE,
    });
    const unindexed = new RecordingMachine({
      files: { [`/lib/modules/${RELEASE}/updates/dkms/lustre.ko.xz`]: '' },
      exec: [noModprobe, uname],
    });
    expect((await lustreSupport(unindexed)).reason).toMatch(
      /updates\/dkms\/lustre.ko.xz exists \(run depmod -a/,
    );
  });

  it('says exactly what is missing on a stock Debian kernel', async () => {
    const m = new RecordingMachine({
      files: {
        '/proc/filesystems': fixture('proc-filesystems-debian12.txt'),
        [`/lib/modules/${RELEASE}/modules.dep`]: 'kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko\n',
      },
      exec: [noModprobe, uname],
    });
    expect(await lustreSupport(m)).toEqual({
      supported: false,
      reason: `the running kernel ${RELEASE} has no Lustre module: install lustre-client-modules-${RELEASE} or a Lustre-patched kernel`,
      kernelRelease: RELEASE,
    });
  });

  it('asks a server for the ldiskfs OSD too', async () => {
    const clientOnly = new RecordingMachine({
      files: { '/proc/filesystems': fixture('proc-filesystems-lustre-client.txt') },
      exec: [noModprobe, uname],
    });
    expect((await lustreSupport(clientOnly, 'server')).reason).toBe(
      `the running kernel ${RELEASE} has no Lustre server (osd_ldiskfs) module: install the Lustre server modules for ${RELEASE} or a Lustre-patched kernel`,
    );
    const server = new RecordingMachine({
      files: { '/proc/filesystems': fixture('proc-filesystems-lustre-server.txt') },
    });
    expect(await lustreSupport(server, 'server')).toMatchObject({ supported: true });
  });

  it('reads /proc/filesystems and modules.dep', () => {
    const server = parseProcFilesystems(fixture('proc-filesystems-lustre-server.txt'));
    expect(['ext4', 'ldiskfs', 'lustre', 'sysfs'].every((fs) => server.has(fs))).toBe(true);
    expect(server.has('nodev')).toBe(false);
    expect(parseProcFilesystems(fixture('proc-filesystems-debian12.txt')).has('lustre')).toBe(false);
    expect(modulesDepHas(fixture('modules.dep-lustre-client'), 'lnet')).toBe(
      'extra/lustre-client/net/lnet.ko',
    );
    expect(modulesDepHas(fixture('modules.dep-lustre-client'), 'osd_ldiskfs')).toBeNull();
  });
});
