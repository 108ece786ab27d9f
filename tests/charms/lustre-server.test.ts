/**
 * The lustre-server charm on the machine: the exact command sequence per role through
 * RecordingMachine exec handlers (LNet, tunefs.lustre dry run, mkfs.lustre, mkdir, mount),
 * idempotence, and what it does where the kernel or a command fails.
 */
import { ActiveStatus, BlockedStatus, WaitingStatus } from '../../framework/ops/index.js';
import { RecordingMachine, State, type ExecHandler } from '../../framework/testing/index.js';
import {
  FRESH_LNET,
  execs,
  fixture,
  formatted,
  ok,
  serverContext as context,
  serverMachine,
} from './lustre-fixtures.js';

const NID = '10.0.0.11@tcp';
const RELEASE = '6.1.0-18-amd64';

const unformatted: ExecHandler = {
  argv: ['tunefs.lustre', '--dryrun'],
  result: {
    exitCode: 19,
    stdout: fixture('tunefs-dryrun-unformatted.stdout'),
    stderr: fixture('tunefs-dryrun-unformatted.stderr'),
  },
};

describe('formatting and mounting a new target', () => {
  it.each([
    [
      'mgs-mdt',
      { role: 'mgs-mdt', device: '/dev/sdb' },
      ['mkfs.lustre', '--fsname=lustre', '--mgs', '--mdt', '--index=0', '/dev/sdb'],
      '/lustre/lustre-mgs-mdt0',
      'mgs-mdt lustre-MDT0000',
    ],
    [
      'mgs',
      { role: 'mgs', device: '/dev/sdb' },
      ['mkfs.lustre', '--mgs', '/dev/sdb'],
      '/lustre/lustre-mgs0',
      'mgs MGS',
    ],
    [
      'mdt',
      { role: 'mdt', device: '/dev/sdc', 'fs-name': 'scratch', 'mgs-nids': NID },
      ['mkfs.lustre', '--fsname=scratch', '--mdt', `--mgsnode=${NID}`, '--index=0', '/dev/sdc'],
      '/lustre/scratch-mdt0',
      'mdt scratch-MDT0000',
    ],
    [
      'ost',
      { role: 'ost', device: '/dev/sdd', index: 10, 'mgs-nids': `${NID}  10.0.0.12@tcp0` },
      [
        'mkfs.lustre',
        '--fsname=lustre',
        '--ost',
        `--mgsnode=${NID}`,
        '--mgsnode=10.0.0.12@tcp',
        '--index=10',
        '/dev/sdd',
      ],
      '/lustre/lustre-ost10',
      'ost lustre-OST000a',
    ],
  ])(
    '%s: lnet, tunefs dry run, mkfs, mkdir, mount, in that order',
    async (_, config, mkfs, mountpoint, target) => {
      const ctx = context([unformatted, ...ok('mkfs.lustre', 'mkdir', 'mount')]);
      const out = await ctx.run(ctx.on.install(), State({ config, machine: serverMachine() }));
      const device = String(config.device);
      expect(execs(ctx)).toEqual([
        ...FRESH_LNET,
        ['tunefs.lustre', '--dryrun', device],
        mkfs,
        ['mkdir', '-p', mountpoint],
        ['mount', '-t', 'lustre', device, mountpoint],
      ]);
      expect(out.unitStatus).toEqual(new ActiveStatus(`${target} mounted at ${mountpoint}`));
    },
  );

  it('an explicit mountpoint and network are used as given', async () => {
    const ctx = context([unformatted, ...ok('mkfs.lustre', 'mkdir', 'mount')]);
    await ctx.run(
      ctx.on.configChanged(),
      State({
        config: { role: 'mgs', device: '/dev/vdb', mountpoint: '/srv/mgs/', 'lnet-interface': 'ens3' },
        machine: serverMachine(),
      }),
    );
    expect(execs(ctx)).toContainEqual(['lnetctl', 'net', 'add', '--net', 'tcp0', '--if', 'ens3']);
    expect(execs(ctx).slice(-2)).toEqual([
      ['mkdir', '-p', '/srv/mgs'],
      ['mount', '-t', 'lustre', '/dev/vdb', '/srv/mgs'],
    ]);
  });
});

describe('idempotence', () => {
  it('an already formatted device is mounted, never formatted again', async () => {
    const ctx = context([formatted('tunefs-dryrun-ost1.txt'), ...ok('mkdir', 'mount')]);
    const out = await ctx.run(
      ctx.on.start(),
      State({
        config: { role: 'ost', device: '/dev/sdd', index: 1, 'mgs-nids': NID },
        machine: serverMachine(),
      }),
    );
    expect(execs(ctx).slice(FRESH_LNET.length)).toEqual([
      ['tunefs.lustre', '--dryrun', '/dev/sdd'],
      ['mkdir', '-p', '/lustre/lustre-ost1'],
      ['mount', '-t', 'lustre', '/dev/sdd', '/lustre/lustre-ost1'],
    ]);
    expect(out.unitStatus).toEqual(new ActiveStatus('ost lustre-OST0001 mounted at /lustre/lustre-ost1'));
  });

  it('a mounted target and an LNet already up run no mkfs, mount or net add', async () => {
    const ctx = context([
      { argv: ['lnetctl', 'net', 'show'], result: { stdout: fixture('lnetctl-net-show-tcp.yaml') } },
      unformatted,
    ]);
    const machine = serverMachine({ '/proc/mounts': fixture('proc-mounts-server-mdt.txt') });
    const out = await ctx.run(
      ctx.on.updateStatus(),
      State({ config: { role: 'mgs-mdt', device: '/dev/sdb', mountpoint: '/mnt/lustre/mdt0' }, machine }),
    );
    expect(execs(ctx)).toEqual([
      ['modprobe', 'lnet'],
      ['lnetctl', 'lnet', 'configure'],
      ['lnetctl', 'net', 'show'],
    ]);
    expect(out.unitStatus).toEqual(new ActiveStatus('mgs-mdt lustre-MDT0000 mounted at /mnt/lustre/mdt0'));
  });

  it('a device holding another target blocks and is not touched', async () => {
    const ctx = context([formatted('tunefs-dryrun-ost1.txt'), ...ok('mkfs.lustre', 'mkdir', 'mount')]);
    const out = await ctx.run(
      ctx.on.configChanged(),
      State({
        config: { role: 'ost', device: '/dev/sdd', index: 0, 'mgs-nids': NID },
        machine: serverMachine(),
      }),
    );
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        '/dev/sdd already holds Lustre target lustre-OST0001 with index 1, not 0: refusing to reformat it',
      ),
    );
    expect(execs(ctx).slice(FRESH_LNET.length)).toEqual([['tunefs.lustre', '--dryrun', '/dev/sdd']]);
  });
});

describe('what the machine cannot do', () => {
  it('a kernel without Lustre blocks with the reason and runs nothing else', async () => {
    const ctx = context([
      {
        argv: ['modprobe', '-n'],
        result: { exitCode: 1, stderr: fixture('modprobe-n-lustre-missing.stderr') },
      },
      { argv: ['uname', '-r'], result: { stdout: `${RELEASE}\n` } },
    ]);
    const machine = new RecordingMachine({
      files: { '/proc/filesystems': fixture('proc-filesystems-debian12.txt') },
    });
    const out = await ctx.run(
      ctx.on.install(),
      State({ config: { role: 'mgs-mdt', device: '/dev/sdb' }, machine }),
    );
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        `the running kernel ${RELEASE} has no Lustre module: install lustre-client-modules-${RELEASE} or a Lustre-patched kernel`,
      ),
    );
    expect(execs(ctx)).toEqual([
      ['modprobe', '-n', 'lustre'],
      ['uname', '-r'],
    ]);
  });

  it('a failing LNet step blocks saying which command failed', async () => {
    const ctx = context([
      {
        argv: ['lnetctl', 'net', 'add'],
        result: {
          exitCode: 1,
          stderr: 'add:\n    errno: -19\n    descr: "cannot add network: No such device"\n',
        },
      },
    ]);
    const out = await ctx.run(
      ctx.on.install(),
      State({ config: { role: 'mgs', device: '/dev/sdb' }, machine: serverMachine() }),
    );
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        'LNet: lnetctl net add --net tcp0 --if eth0 exited 1: descr: "cannot add network: No such device"',
      ),
    );
  });

  it('an OST whose MGS is not up yet waits', async () => {
    const ctx = context([
      formatted('tunefs-dryrun-ost1.txt'),
      ...ok('mkdir'),
      {
        argv: ['mount'],
        result: {
          exitCode: 5,
          stderr: 'mount.lustre: mount /dev/sdd at /lustre/lustre-ost1 failed: Input/output error\n',
        },
      },
    ]);
    const out = await ctx.run(
      ctx.on.updateStatus(),
      State({
        config: { role: 'ost', device: '/dev/sdd', index: 1, 'mgs-nids': NID },
        machine: serverMachine(),
      }),
    );
    expect(out.unitStatus).toEqual(
      new WaitingStatus(
        `waiting for the MGS (${NID}): mount -t lustre /dev/sdd /lustre/lustre-ost1 exited 5: ` +
          'mount.lustre: mount /dev/sdd at /lustre/lustre-ost1 failed: Input/output error',
      ),
    );
  });
});
