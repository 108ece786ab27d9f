/**
 * Lustre server logic: NIDs and lustre:// endpoints, the exact mkfs.lustre and mount sequences
 * per target role, and idempotence from tunefs.lustre --dryrun and /proc/mounts.
 */
import { readFileSync } from 'node:fs';
import { RecordingMachine } from '../../framework/testing/index.js';
import type { ExecHandler } from '../../framework/testing/index.js';
import {
  LustreConfigError,
  mkfsArgv,
  mountTargetArgvs,
  parseTunefsDryrun,
  targetMismatch,
  targetName,
} from '../../charms/lib/lustre/commands.js';
import type { TargetSpec } from '../../charms/lib/lustre/commands.js';
import {
  NidError,
  formatNid,
  normalizeNid,
  parseNet,
  parseNid,
  sameNet,
} from '../../charms/lib/lustre/nid.js';
import { LustreConflictError, ensureTarget } from '../../charms/lib/lustre/steps.js';
import { formatLustreUri, parseLustreUri } from '../../charms/lib/lustre/uri.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/lustre/${name}`, import.meta.url), 'utf8');

const MGS = '10.0.0.11@tcp';
const MGS2 = '10.0.0.12@tcp';

/** The argv of every exec the machine ran, in order. */
const execs = (machine: RecordingMachine): string[][] => machine.ops('exec').map((op) => op.argv);

describe('NIDs', () => {
  it('parses and canonicalizes NIDs', () => {
    expect(parseNid('10.0.0.1@tcp')).toEqual({ address: '10.0.0.1', net: { lnd: 'tcp', number: 0 } });
    expect(parseNid('192.168.1.2@o2ib1')).toEqual({
      address: '192.168.1.2',
      net: { lnd: 'o2ib', number: 1 },
    });
    expect(normalizeNid('10.0.0.1@tcp0')).toBe('10.0.0.1@tcp');
    expect(formatNid(parseNid('0@lo'))).toBe('0@lo');
    expect(parseNet('o2ib')).toEqual({ lnd: 'o2ib', number: 0 });
    expect(sameNet('tcp0', 'tcp')).toBe(true);
    expect(sameNet('tcp1', 'tcp')).toBe(false);
  });

  it.each([
    ['10.0.0.1', /missing "@<network>"/],
    ['@tcp', /no address before "@"/],
    ['300.0.0.1@tcp', /300 is not an IPv4 octet/],
    ['10.0.1@tcp', /"10.0.1" is not an IPv4 address/],
    ['10.0.0.1@eth0', /invalid LNet network "eth0"/],
    ['1@lo', /the loopback NID is 0@lo/],
  ])('rejects %s saying why', (text, message) => {
    expect(() => parseNid(text)).toThrow(NidError);
    expect(() => parseNid(text)).toThrow(message);
  });

  it("reads and writes the reference's lustre:// endpoint", () => {
    const uri = 'lustre://(192.168.227.11%40tcp1,192.168.227.12%40tcp1)/?fs-name=lustre';
    expect(parseLustreUri(uri)).toEqual({
      mgsNids: ['192.168.227.11@tcp1', '192.168.227.12@tcp1'],
      fsname: 'lustre',
    });
    expect(formatLustreUri(parseLustreUri(uri))).toBe(uri);
    expect(() => parseLustreUri('lustre://()/?fs-name=x')).toThrow(/no MGS NID/);
    expect(() => parseLustreUri('nfs://(10.0.0.1:2049)/export')).toThrow(/expected lustre:\/\//);
    expect(() => formatLustreUri({ mgsNids: [MGS], fsname: 'waytoolongname' })).toThrow(/1 to 8 letters/);
  });
});

describe('server target commands', () => {
  const specs = {
    mgs: { role: 'mgs', device: '/dev/sdb', mountpoint: '/mnt/lustre/mgs' },
    mdt: {
      role: 'mdt',
      device: '/dev/sdc',
      mountpoint: '/mnt/lustre/mdt0',
      fsname: 'lustre',
      index: 0,
      mgsNids: [MGS],
    },
    ost: {
      role: 'ost',
      device: '/dev/sdd',
      mountpoint: '/mnt/lustre/ost1',
      fsname: 'lustre',
      index: 1,
      mgsNids: [MGS],
    },
    combined: {
      role: 'mgs+mdt',
      device: '/dev/sdb',
      mountpoint: '/mnt/lustre/mdt0',
      fsname: 'lustre',
      index: 0,
    },
  } satisfies Record<string, TargetSpec>;

  it.each<[string, TargetSpec, string[]]>([
    ['mgs', specs.mgs, ['mkfs.lustre', '--mgs', '/dev/sdb']],
    [
      'mdt',
      specs.mdt,
      ['mkfs.lustre', '--fsname=lustre', '--mdt', `--mgsnode=${MGS}`, '--index=0', '/dev/sdc'],
    ],
    [
      'ost',
      specs.ost,
      ['mkfs.lustre', '--fsname=lustre', '--ost', `--mgsnode=${MGS}`, '--index=1', '/dev/sdd'],
    ],
    [
      'mgs+mdt',
      specs.combined,
      ['mkfs.lustre', '--fsname=lustre', '--mgs', '--mdt', '--index=0', '/dev/sdb'],
    ],
  ])('formats a %s target as the manual does', (_, spec, argv) => {
    expect(mkfsArgv(spec)).toEqual(argv);
  });

  it('gives one --mgsnode per MGS node and names targets with a hex index', () => {
    const ost: TargetSpec = {
      role: 'ost',
      device: '/dev/sdd',
      mountpoint: '/mnt/ost10',
      fsname: 'scratch',
      index: 10,
      mgsNids: [MGS, `${MGS2.replace('@tcp', '@tcp0')}`],
    };
    expect(mkfsArgv(ost)).toEqual([
      'mkfs.lustre',
      '--fsname=scratch',
      '--ost',
      `--mgsnode=${MGS}`,
      `--mgsnode=${MGS2}`,
      '--index=10',
      '/dev/sdd',
    ]);
    expect(targetName(ost)).toBe('scratch-OST000a');
    expect(targetName({ role: 'mgs', device: '/dev/sdb', mountpoint: '/mnt/mgs' })).toBe('MGS');
    expect(mountTargetArgvs(ost)).toEqual([
      ['mkdir', '-p', '/mnt/ost10'],
      ['mount', '-t', 'lustre', '/dev/sdd', '/mnt/ost10'],
    ]);
  });

  it.each<[string, TargetSpec, RegExp]>([
    [
      'a long fsname',
      { role: 'mdt', device: '/dev/sdc', mountpoint: '/m', fsname: 'toolongname', index: 0, mgsNids: [MGS] },
      /1 to 8 letters/,
    ],
    [
      'no index',
      { role: 'ost', device: '/dev/sdc', mountpoint: '/m', fsname: 'lustre', mgsNids: [MGS] },
      /needs an index/,
    ],
    [
      'no MGS',
      { role: 'ost', device: '/dev/sdc', mountpoint: '/m', fsname: 'lustre', index: 0 },
      /needs the MGS NIDs/,
    ],
    [
      'MGS NIDs on mgs+mdt',
      { role: 'mgs+mdt', device: '/dev/sdc', mountpoint: '/m', fsname: 'lustre', index: 0, mgsNids: [MGS] },
      /its own MGS/,
    ],
    ['a relative device', { role: 'mgs', device: 'sdb', mountpoint: '/m' }, /absolute path/],
    [
      'a bad NID',
      {
        role: 'ost',
        device: '/dev/sdc',
        mountpoint: '/m',
        fsname: 'lustre',
        index: 0,
        mgsNids: ['10.0.0.1'],
      },
      /missing "@<network>"/,
    ],
  ])('refuses %s', (_, spec, message) => {
    expect(() => mkfsArgv(spec)).toThrow(LustreConfigError);
    expect(() => mkfsArgv(spec)).toThrow(message);
  });

  it('reads tunefs.lustre --dryrun', () => {
    expect(parseTunefsDryrun(fixture('tunefs-dryrun-mgs-mdt-first-time.txt'))).toEqual({
      target: 'lustre:MDT0000',
      index: 0,
      fsname: 'lustre',
      mountType: 'ldiskfs',
      flags: 0x65,
      mgs: true,
      mdt: true,
      ost: false,
      firstTime: true,
      parameters: '',
    });
    expect(parseTunefsDryrun(fixture('tunefs-dryrun-ost1.txt'))).toMatchObject({
      target: 'lustre-OST0001',
      index: 1,
      ost: true,
      firstTime: false,
      parameters: `mgsnode=${MGS}`,
    });
    expect(parseTunefsDryrun(fixture('tunefs-dryrun-mgs.txt'))).toMatchObject({
      target: 'MGS',
      index: null,
      mgs: true,
      mdt: false,
    });
    expect(parseTunefsDryrun(fixture('tunefs-dryrun-unformatted.stdout'))).toBeNull();
  });

  it('says why a formatted device is not the wanted target', () => {
    const ost1 = parseTunefsDryrun(fixture('tunefs-dryrun-ost1.txt'));
    if (!ost1) throw new Error('fixture not parsed');
    const ost = specs.ost;
    expect(targetMismatch(ost, ost1)).toBeNull();
    expect(targetMismatch({ ...ost, index: 0 }, ost1)).toBe(
      '/dev/sdd already holds Lustre target lustre-OST0001 with index 1, not 0: refusing to reformat it',
    );
    expect(targetMismatch({ ...ost, fsname: 'scratch' }, ost1)).toMatch(/of filesystem lustre, not scratch/);
    expect(targetMismatch(specs.mdt, ost1)).toMatch(/\(OST\), not an MDT: refusing to reformat it$/);
  });
});

describe('ensureTarget', () => {
  const unformatted: ExecHandler = {
    argv: ['tunefs.lustre', '--dryrun'],
    result: {
      exitCode: 19,
      stdout: fixture('tunefs-dryrun-unformatted.stdout'),
      stderr: fixture('tunefs-dryrun-unformatted.stderr'),
    },
  };
  const ok = (...programs: string[]): ExecHandler[] => programs.map((p) => ({ argv: [p] }));
  const machine = (tunefs: ExecHandler, mounts = fixture('proc-mounts-plain.txt')): RecordingMachine =>
    new RecordingMachine({
      files: { '/proc/mounts': mounts },
      exec: [tunefs, ...ok('mkfs.lustre', 'mkdir', 'mount')],
    });

  it.each<[string, TargetSpec, string[]]>([
    [
      'MGS',
      { role: 'mgs', device: '/dev/sdb', mountpoint: '/mnt/lustre/mgs' },
      ['mkfs.lustre', '--mgs', '/dev/sdb'],
    ],
    [
      'MDT',
      {
        role: 'mdt',
        device: '/dev/sdc',
        mountpoint: '/mnt/lustre/mdt0',
        fsname: 'lustre',
        index: 0,
        mgsNids: [MGS, MGS2],
      },
      [
        'mkfs.lustre',
        '--fsname=lustre',
        '--mdt',
        `--mgsnode=${MGS}`,
        `--mgsnode=${MGS2}`,
        '--index=0',
        '/dev/sdc',
      ],
    ],
    [
      'OST',
      {
        role: 'ost',
        device: '/dev/sdd',
        mountpoint: '/mnt/lustre/ost0',
        fsname: 'lustre',
        index: 0,
        mgsNids: [MGS],
      },
      ['mkfs.lustre', '--fsname=lustre', '--ost', `--mgsnode=${MGS}`, '--index=0', '/dev/sdd'],
    ],
    [
      'combined MGS/MDT',
      { role: 'mgs+mdt', device: '/dev/sdb', mountpoint: '/mnt/lustre/mdt0', fsname: 'lustre', index: 0 },
      ['mkfs.lustre', '--fsname=lustre', '--mgs', '--mdt', '--index=0', '/dev/sdb'],
    ],
  ])('formats and mounts a new %s target with exactly these commands', async (_, spec, mkfs) => {
    const m = machine(unformatted);
    expect(await ensureTarget(m, spec)).toEqual({ target: targetName(spec), formatted: true, mounted: true });
    expect(execs(m)).toEqual([
      ['tunefs.lustre', '--dryrun', spec.device],
      mkfs,
      ['mkdir', '-p', spec.mountpoint],
      ['mount', '-t', 'lustre', spec.device, spec.mountpoint],
    ]);
  });

  const ost1: TargetSpec = {
    role: 'ost',
    device: '/dev/sdd',
    mountpoint: '/mnt/lustre/ost1',
    fsname: 'lustre',
    index: 1,
    mgsNids: [MGS],
  };
  const formattedOst1: ExecHandler = {
    argv: ['tunefs.lustre'],
    result: { stdout: fixture('tunefs-dryrun-ost1.txt') },
  };

  it('does not format an already formatted device, only mounts it', async () => {
    const m = machine(formattedOst1);
    expect(await ensureTarget(m, ost1)).toEqual({
      target: 'lustre-OST0001',
      formatted: false,
      mounted: true,
    });
    expect(execs(m)).toEqual([
      ['tunefs.lustre', '--dryrun', '/dev/sdd'],
      ['mkdir', '-p', '/mnt/lustre/ost1'],
      ['mount', '-t', 'lustre', '/dev/sdd', '/mnt/lustre/ost1'],
    ]);
  });

  it('runs nothing when the target is already mounted', async () => {
    const m = machine(unformatted, fixture('proc-mounts-server-mdt.txt'));
    const spec: TargetSpec = {
      role: 'mgs+mdt',
      device: '/dev/sdb',
      mountpoint: '/mnt/lustre/mdt0',
      fsname: 'lustre',
      index: 0,
    };
    expect(await ensureTarget(m, spec)).toEqual({
      target: 'lustre-MDT0000',
      formatted: false,
      mounted: false,
    });
    expect(execs(m)).toEqual([]);
  });

  it('refuses to reformat a device holding another target', async () => {
    const m = machine(formattedOst1);
    await expect(ensureTarget(m, { ...ost1, index: 0 })).rejects.toThrow(LustreConflictError);
    expect(execs(m)).toEqual([['tunefs.lustre', '--dryrun', '/dev/sdd']]);
  });

  it('refuses a mountpoint where another target is mounted', async () => {
    const m = machine(unformatted, fixture('proc-mounts-server-mdt.txt'));
    const other: TargetSpec = { ...ost1, device: '/dev/sdc', mountpoint: '/mnt/lustre/mdt0' };
    await expect(ensureTarget(m, other)).rejects.toThrow(
      '/mnt/lustre/mdt0 already has Lustre lustre-MDT0000 mounted, not lustre-OST0001',
    );
    expect(execs(m)).toEqual([]);
  });

  it('formats nothing when tunefs.lustre cannot inspect the device', async () => {
    const m = new RecordingMachine({ exec: ok('mkfs.lustre') }); // no tunefs.lustre: exit 127
    await expect(ensureTarget(m, ost1)).rejects.toThrow(/tunefs.lustre --dryrun \/dev\/sdd exited 127/);
    expect(execs(m)).toEqual([['tunefs.lustre', '--dryrun', '/dev/sdd']]);
  });
});
