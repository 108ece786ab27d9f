/**
 * The nvidia-gpu subordinate: GPU detection, driver installation, the juju-reboot request and
 * what it publishes over `gpu`, driven by the nvidia fixtures through a RecordingMachine.
 */
import { readFileSync } from 'node:fs';
import { ActiveStatus, BlockedStatus, MaintenanceStatus } from '../../framework/ops/index.js';
import {
  Context,
  DEFAULT_JUJU_DATABAG,
  RecordingMachine,
  State,
  SubordinateRelation,
  type ExecHandler,
  type State as StateType,
} from '../../framework/testing/index.js';
import { SMI_QUERY_ARGV } from '../../charms/lib/nvidia/smi.js';
import { BOOT_ID_PATH, NvidiaGpuCharm } from '../../charms/nvidia-gpu/src/charm.js';
import { gresType, parseDriverPackages } from '../../charms/nvidia-gpu/src/gpus.js';
import { GpuUnitSchema, gresLines } from '../../relations/gpu.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/nvidia/${name}`, import.meta.url), 'utf8');

const A100_ADDRESSES = ['0000:17:00.0', '0000:31:00.0', '0000:b1:00.0', '0000:ca:00.0'];
const A100_PCI = A100_ADDRESSES.map((pciAddress) => ({
  pciAddress,
  vendorId: '10de',
  deviceId: '20b0',
  model: 'NVIDIA Corporation GA100 [A100 SXM4 40GB]',
}));
const UBUNTU_PACKAGES = [
  'nvidia-headless-no-dkms-535-server',
  'nvidia-utils-535-server',
  'linux-modules-nvidia-535-server-generic',
];
const BOOT_1 = 'a3c1e2d4-0f5b-4c6d-9e8f-1a2b3c4d5e6f\n';
const BOOT_2 = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a\n';

const smiNoDriver: ExecHandler = {
  argv: ['nvidia-smi'],
  result: { exitCode: 9, stdout: fixture('smi-no-driver.txt') },
};
const smiQuery = (csv: string): ExecHandler => ({ argv: SMI_QUERY_ARGV, result: { stdout: fixture(csv) } });
const ubuntuDrivers: ExecHandler = {
  argv: ['ubuntu-drivers', 'list', '--gpgpu'],
  result: { stdout: fixture('ubuntu-drivers-list-gpgpu.txt') },
};
const uname: ExecHandler = { argv: ['uname', '-r'], result: { stdout: '5.15.0-105-generic\n' } };

const context = (exec: ExecHandler[]) => new Context(NvidiaGpuCharm, { meta: 'charms/nvidia-gpu', exec });

const toSlurmd = () => SubordinateRelation({ endpoint: 'gpu', remoteAppName: 'slurmd', remoteUnitId: 3 });
const principal = () =>
  SubordinateRelation({ endpoint: 'juju-info', remoteAppName: 'slurmd', remoteUnitId: 3 });

function ubuntuMachine(files: Record<string, string> = {}): RecordingMachine {
  return new RecordingMachine({
    hardware: { gpus: A100_PCI },
    files: { '/etc/os-release': fixture('os-release-ubuntu-22.04'), [BOOT_ID_PATH]: BOOT_1, ...files },
  });
}

/** The gpu databag this unit wrote on relation `id`, without the keys Juju puts in every unit bag. */
const published = (out: StateType, id: number): Record<string, string> =>
  Object.fromEntries(
    Object.entries(out.getRelation(id).localUnitData).filter(([k]) => !(k in DEFAULT_JUJU_DATABAG)),
  );

describe('no NVIDIA GPU', () => {
  it('is blocked, says so, publishes ready with no devices, installs nothing', async () => {
    const ctx = context([]);
    const gpu = toSlurmd();
    const out = await ctx.run(
      ctx.on.install(),
      State({ relations: [principal(), gpu], machine: new RecordingMachine() }),
    );
    expect(out.unitStatus).toEqual(new BlockedStatus('no NVIDIA GPU on this machine'));
    expect(published(out, gpu.id)).toEqual({ devices: '[]', ready: 'true' });
    expect(ctx.machine?.ops('install')).toEqual([]);
    expect(ctx.rebootRequested).toBeUndefined();
  });

  it('a non-NVIDIA display adapter with nvidia-smi present is still no GPU', async () => {
    const ctx = context([
      { argv: ['nvidia-smi'], result: { exitCode: 6, stdout: fixture('smi-no-devices.txt') } },
    ]);
    const machine = new RecordingMachine({
      hardware: { gpus: [{ pciAddress: '0000:03:00.0', vendorId: '1a03', deviceId: '2000' }] },
    });
    const out = await ctx.run(ctx.on.updateStatus(), State({ machine }));
    expect(out.unitStatus).toEqual(new BlockedStatus('no NVIDIA GPU on this machine'));
  });
});

describe('GPUs without a driver', () => {
  it('on Ubuntu installs the recommended packages and asks for a reboot after the hook', async () => {
    const ctx = context([smiNoDriver, ubuntuDrivers, uname]);
    const gpu = toSlurmd();
    const out = await ctx.run(
      ctx.on.install(),
      State({ relations: [principal(), gpu], machine: ubuntuMachine() }),
    );
    expect(ctx.machine?.ops('install')).toEqual([{ kind: 'install', packages: UBUNTU_PACKAGES }]);
    expect(ctx.rebootRequested).toEqual({ now: false });
    expect(ctx.unitStatusHistory).toContainEqual(
      new MaintenanceStatus(`installing ${UBUNTU_PACKAGES.join(' ')}`),
    );
    expect(out.unitStatus).toEqual(new MaintenanceStatus('rebooting to load the NVIDIA driver'));
    expect(published(out, gpu.id)).toEqual({ devices: '[]', ready: 'false' });
  });

  it('after the reboot the driver is loaded: devices published, nothing installed again', async () => {
    const first = context([smiNoDriver, ubuntuDrivers, uname]);
    const gpu = toSlurmd();
    const before = await first.run(first.on.install(), State({ relations: [gpu], machine: ubuntuMachine() }));
    const rebooted = RecordingMachine.fromSnapshot(before.machine ?? ubuntuMachine().snapshot());
    await rebooted.files.write(BOOT_ID_PATH, BOOT_2);
    await rebooted.files.write(
      '/proc/driver/nvidia/gpus/0000:b1:00.0/information',
      fixture('proc-driver-nvidia-gpu-information.txt'),
    );
    const after = context([smiQuery('smi-query-4x-a100-sxm4-40gb.csv'), ubuntuDrivers, uname]);
    const out = await after.run(after.on.start(), State({ ...before, machine: rebooted }));
    expect(out.unitStatus).toEqual(new ActiveStatus('4× NVIDIA A100-SXM4-40GB, driver 535.183.01'));
    expect(published(out, gpu.id)).toEqual({
      devices: JSON.stringify([
        {
          model: 'nvidia_a100-sxm4-40gb',
          count: 4,
          files: ['/dev/nvidia0', '/dev/nvidia1', '/dev/nvidia2', '/dev/nvidia3'],
        },
      ]),
      ready: 'true',
      'driver-version': '"535.183.01"',
    });
    expect(after.machine?.ops('install')).toEqual([{ kind: 'install', packages: UBUNTU_PACKAGES }]);
    expect(after.rebootRequested).toBeUndefined();
  });

  it('a driver that still does not load after the reboot blocks instead of rebooting again', async () => {
    const ctx = context([smiNoDriver, ubuntuDrivers, uname]);
    const before = await ctx.run(ctx.on.install(), State({ machine: ubuntuMachine() }));
    const rebooted = RecordingMachine.fromSnapshot(before.machine ?? ubuntuMachine().snapshot());
    await rebooted.files.write(BOOT_ID_PATH, BOOT_2);
    const out = await ctx.run(ctx.on.updateStatus(), State({ ...before, machine: rebooted }));
    expect(ctx.rebootRequested).toBeUndefined();
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        'the NVIDIA driver is installed but not loaded after a reboot: NVIDIA-SMI has failed because ' +
          "it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
      ),
    );
  });

  it('with auto-reboot off, a pending reboot blocks and nothing reboots', async () => {
    const ctx = context([smiNoDriver, ubuntuDrivers, uname]);
    const machine = ubuntuMachine({ '/var/run/reboot-required': '*** System restart required ***\n' });
    const out = await ctx.run(ctx.on.configChanged(), State({ config: { 'auto-reboot': false }, machine }));
    expect(ctx.machine?.ops('install')).toEqual([{ kind: 'install', packages: UBUNTU_PACKAGES }]);
    expect(ctx.rebootRequested).toBeUndefined();
    expect(out.unitStatus).toEqual(new BlockedStatus('reboot needed to load the NVIDIA driver'));
  });

  it('a reboot-required marker that survives the reboot does not reboot the machine again', async () => {
    const ctx = context([smiNoDriver, ubuntuDrivers, uname]);
    const marker = { '/var/run/reboot-required': '*** System restart required ***\n' };
    const before = await ctx.run(ctx.on.install(), State({ machine: ubuntuMachine(marker) }));
    expect(ctx.rebootRequested).toEqual({ now: false });
    const rebooted = RecordingMachine.fromSnapshot(before.machine ?? ubuntuMachine().snapshot());
    await rebooted.files.write(BOOT_ID_PATH, BOOT_2);
    const out = await ctx.run(ctx.on.updateStatus(), State({ ...before, machine: rebooted }));
    expect(ctx.rebootRequested).toBeUndefined();
    expect(out.unitStatus.message).toMatch(/^the NVIDIA driver is installed but not loaded after a reboot: /);
  });

  it('driver-packages replaces the automatic choice', async () => {
    const ctx = context([smiNoDriver]);
    const out = await ctx.run(
      ctx.on.configChanged(),
      State({
        config: { 'driver-packages': ' cuda-drivers  nvidia-fabricmanager-535 ' },
        machine: ubuntuMachine(),
      }),
    );
    expect(ctx.machine?.ops('install')).toEqual([
      { kind: 'install', packages: ['cuda-drivers', 'nvidia-fabricmanager-535'] },
    ]);
    expect(ctx.rebootRequested).toEqual({ now: false });
    expect(out.unitStatus.name).toBe('maintenance');
  });

  it('a bad driver-packages value blocks naming the option', async () => {
    const ctx = context([smiNoDriver]);
    const out = await ctx.run(
      ctx.on.configChanged(),
      State({ config: { 'driver-packages': 'cuda-drivers; reboot' }, machine: ubuntuMachine() }),
    );
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        'Invalid config: driver-packages: "cuda-drivers;" is not a Debian package name (optionally name=version)',
      ),
    );
    expect(ctx.machine?.ops('install')).toEqual([]);
  });

  it('on Debian 12 without contrib and non-free blocks with what to enable, installing nothing', async () => {
    const ctx = context([smiNoDriver]);
    const gpu = toSlurmd();
    const machine = new RecordingMachine({
      hardware: { gpus: A100_PCI },
      files: {
        '/etc/os-release': fixture('os-release-debian-12'),
        '/etc/apt/sources.list': fixture('debian12-sources.list-installer'),
      },
    });
    const out = await ctx.run(ctx.on.install(), State({ relations: [gpu], machine }));
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        "apt sources lack contrib, non-free (Debian's nvidia-driver needs contrib, non-free, non-free-firmware): " +
          'add contrib non-free to the bookworm components in /etc/apt/sources.list or /etc/apt/sources.list.d',
      ),
    );
    expect(ctx.machine?.ops('install')).toEqual([]);
    expect(ctx.rebootRequested).toBeUndefined();
    expect(published(out, gpu.id)).toEqual({ devices: '[]', ready: 'false' });
  });

  it('on Debian 12 with non-free installs nvidia-driver and reboots once, even without a boot id', async () => {
    const ctx = context([smiNoDriver, uname]);
    const machine = new RecordingMachine({
      hardware: { gpus: A100_PCI },
      files: {
        '/etc/os-release': fixture('os-release-debian-12'),
        '/etc/apt/sources.list.d/debian.sources': fixture('debian12-debian.sources-nonfree'),
      },
    });
    const first = await ctx.run(ctx.on.install(), State({ machine }));
    expect(ctx.machine?.ops('install')).toEqual([
      {
        kind: 'install',
        packages: [
          'linux-headers-5.15.0-105-generic',
          'nvidia-driver',
          'firmware-misc-nonfree',
          'nvidia-smi',
        ],
      },
    ]);
    expect(ctx.rebootRequested).toEqual({ now: false });
    expect(first.unitStatus).toEqual(new MaintenanceStatus('rebooting to load the NVIDIA driver'));
    // Booted again and still no driver: blocked, no second reboot.
    const second = await ctx.run(ctx.on.start(), first);
    expect(ctx.rebootRequested).toBeUndefined();
    expect(second.unitStatus.message).toMatch(
      /^the NVIDIA driver is installed but not loaded after a reboot: /,
    );
  });

  it('on another distribution blocks with the reason', async () => {
    const ctx = context([smiNoDriver]);
    const machine = new RecordingMachine({
      hardware: { gpus: A100_PCI },
      files: { '/etc/os-release': fixture('os-release-rocky-9') },
    });
    const out = await ctx.run(ctx.on.install(), State({ machine }));
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        'NVIDIA driver installation supports Ubuntu and Debian, not Rocky Linux 9.3 (Blue Onyx)',
      ),
    );
  });
});

describe('driver loaded', () => {
  it('publishes one entry per model with its device files and the driver version', async () => {
    const ctx = context([smiQuery('smi-query-2x-tesla-t4.csv')]);
    const gpu = toSlurmd();
    const out = await ctx.run(ctx.on.relationJoined(gpu), State({ relations: [principal(), gpu] }));
    expect(published(out, gpu.id)).toEqual({
      devices: '[{"model":"tesla_t4","count":2,"files":["/dev/nvidia0","/dev/nvidia1"]}]',
      ready: 'true',
      'driver-version': '"535.183.01"',
    });
    expect(out.unitStatus).toEqual(new ActiveStatus('2× Tesla T4, driver 535.183.01'));
    // What slurmd reads back: valid data and one gres.conf line per device file.
    const data = out.getRelation(gpu.id).load(GpuUnitSchema, 'localUnit');
    expect(gresLines(data)).toEqual([
      { name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia0', count: 1 },
      { name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia1', count: 1 },
    ]);
    expect(ctx.machine?.ops('install')).toEqual([]);
  });

  it('names gres types as Slurm and the reference do', async () => {
    const ctx = context([smiQuery('smi-query-8x-h100-80gb-hbm3.csv')]);
    const gpu = toSlurmd();
    const out = await ctx.run(ctx.on.updateStatus(), State({ relations: [gpu] }));
    const data = out.getRelation(gpu.id).load(GpuUnitSchema, 'localUnit');
    expect(data.devices).toEqual([
      {
        model: 'nvidia_h100_80gb_hbm3',
        count: 8,
        files: [0, 1, 2, 3, 4, 5, 6, 7].map((n) => `/dev/nvidia${n}`),
      },
    ]);
    expect(out.unitStatus).toEqual(new ActiveStatus('8× NVIDIA H100 80GB HBM3, driver 535.183.01'));
    expect(gresType('Tesla T4')).toBe('tesla_t4');
    expect(gresType('NVIDIA A100-SXM4-40GB')).toBe('nvidia_a100-sxm4-40gb');
    expect(gresType('(prototype) GPU')).toBe('prototype_gpu');
  });

  it('with no gpu relation still reports the GPUs', async () => {
    const ctx = context([smiQuery('smi-query-2x-tesla-t4.csv')]);
    const out = await ctx.run(ctx.on.install(), State({ relations: [principal()] }));
    expect(out.unitStatus).toEqual(new ActiveStatus('2× Tesla T4, driver 535.183.01'));
  });
});

describe('driver-packages parsing', () => {
  it('accepts names and pinned versions, refuses anything else', () => {
    expect(parseDriverPackages('')).toEqual({ packages: [] });
    expect(parseDriverPackages('nvidia-driver=535.183.01-1 firmware-misc-nonfree')).toEqual({
      packages: ['nvidia-driver=535.183.01-1', 'firmware-misc-nonfree'],
    });
    expect(parseDriverPackages('Nvidia')).toEqual({
      error: '"Nvidia" is not a Debian package name (optionally name=version)',
    });
  });
});
