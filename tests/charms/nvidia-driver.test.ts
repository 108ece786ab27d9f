/**
 * NVIDIA machine steps through a RecordingMachine: driver package choice on Ubuntu and Debian,
 * GPU detection (driver loaded, no driver, none) and the pending-reboot check.
 */
import { readFileSync } from 'node:fs';
import { RecordingMachine } from '../../framework/testing/index.js';
import type { ExecHandler } from '../../framework/testing/index.js';
import {
  enabledComponents,
  parseDeb822Sources,
  parseOneLineSources,
} from '../../charms/lib/nvidia/apt-sources.js';
import {
  chooseDriverPackages,
  detectGpus,
  needsReboot,
  parseOsRelease,
  parseUbuntuDriversList,
  pickUbuntuDriver,
  ubuntuDriverPackages,
} from '../../charms/lib/nvidia/driver.js';
import { gresConfLines } from '../../charms/lib/nvidia/gres.js';
import { SMI_QUERY_ARGV } from '../../charms/lib/nvidia/smi.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/nvidia/${name}`, import.meta.url), 'utf8');

const A100_QUERY = fixture('smi-query-4x-a100-sxm4-40gb.csv');
const A100_ADDRESSES = ['0000:17:00.0', '0000:31:00.0', '0000:b1:00.0', '0000:ca:00.0'];

describe('driver choice', () => {
  const ubuntuDrivers = (stdout: string): ExecHandler => ({
    argv: ['ubuntu-drivers', 'list', '--gpgpu'],
    result: { stdout },
  });
  const uname = (release: string): ExecHandler => ({
    argv: ['uname', '-r'],
    result: { stdout: `${release}\n` },
  });

  it('reads os-release', () => {
    expect(parseOsRelease(fixture('os-release-ubuntu-22.04'))).toEqual({
      id: 'ubuntu',
      versionId: '22.04',
      versionCodename: 'jammy',
      prettyName: 'Ubuntu 22.04.4 LTS',
    });
    expect(parseOsRelease(fixture('os-release-debian-12'))).toMatchObject({ id: 'debian', versionId: '12' });
  });

  it('parses ubuntu-drivers and prefers the newest proprietary server branch', () => {
    const candidates = parseUbuntuDriversList(fixture('ubuntu-drivers-list-gpgpu.txt'));
    expect(candidates.map((c) => c.branch)).toEqual(['470-server', '535-server-open', '535-server', '545']);
    expect(pickUbuntuDriver(candidates)).toEqual({
      package: 'nvidia-driver-535-server',
      branch: '535-server',
      version: 535,
      server: true,
      open: false,
      modulesPackage: 'linux-modules-nvidia-535-server-generic',
    });
    expect(pickUbuntuDriver([])).toBeNull();
    const headless = parseUbuntuDriversList(
      'W: some apt warning\nnvidia-headless-no-dkms-550-server-open, (kernel modules provided by None)\n',
    );
    expect(headless).toEqual([
      expect.objectContaining({ branch: '550-server-open', open: true, modulesPackage: null }),
    ]);
    const [first] = headless;
    if (!first) throw new Error('no candidate parsed');
    expect(ubuntuDriverPackages(first, '6.8.0-1009-custom')).toEqual([
      'nvidia-headless-550-server-open',
      'nvidia-utils-550-server',
      'linux-headers-6.8.0-1009-custom',
    ]);
  });

  it('on Ubuntu installs the headless driver, nvidia-utils and the prebuilt modules', async () => {
    const machine = new RecordingMachine({
      files: { '/etc/os-release': fixture('os-release-ubuntu-22.04') },
      exec: [ubuntuDrivers(fixture('ubuntu-drivers-list-gpgpu.txt')), uname('5.15.0-105-generic')],
    });
    expect(await chooseDriverPackages(machine)).toEqual({
      ok: true,
      distro: 'ubuntu',
      packages: [
        'nvidia-headless-no-dkms-535-server',
        'nvidia-utils-535-server',
        'linux-modules-nvidia-535-server-generic',
      ],
    });
  });

  it('installs ubuntu-drivers-common first when ubuntu-drivers is missing', async () => {
    const machine: RecordingMachine = new RecordingMachine({
      files: { '/etc/os-release': fixture('os-release-ubuntu-22.04') },
      exec: [
        {
          argv: ['ubuntu-drivers'],
          result: async () =>
            (await machine.packages.version('ubuntu-drivers-common'))
              ? { stdout: fixture('ubuntu-drivers-list-gpgpu.txt') }
              : { exitCode: 127, stderr: 'ubuntu-drivers: command not found' },
        },
        uname('5.15.0-105-generic'),
      ],
    });
    const choice = await chooseDriverPackages(machine);
    expect(choice.ok).toBe(true);
    expect(machine.ops('install')).toEqual([{ kind: 'install', packages: ['ubuntu-drivers-common'] }]);
  });

  it('says so when ubuntu-drivers recommends nothing', async () => {
    const machine = new RecordingMachine({
      files: { '/etc/os-release': fixture('os-release-ubuntu-22.04') },
      exec: [ubuntuDrivers('')],
    });
    expect(await chooseDriverPackages(machine)).toEqual({
      ok: false,
      reason: 'ubuntu-drivers recommends no NVIDIA GPGPU driver for this machine',
    });
  });

  it('on Debian 12 with non-free enabled installs nvidia-driver and firmware-misc-nonfree', async () => {
    const machine = new RecordingMachine({
      files: {
        '/etc/os-release': fixture('os-release-debian-12'),
        '/etc/apt/sources.list.d/debian.sources': fixture('debian12-debian.sources-nonfree'),
      },
      exec: [uname('6.1.0-18-amd64')],
    });
    expect(await chooseDriverPackages(machine)).toEqual({
      ok: true,
      distro: 'debian',
      packages: ['linux-headers-6.1.0-18-amd64', 'nvidia-driver', 'firmware-misc-nonfree', 'nvidia-smi'],
    });
  });

  it("on Debian 12 without contrib and non-free explains what to enable (the installer's default)", async () => {
    const machine = new RecordingMachine({
      files: {
        '/etc/os-release': fixture('os-release-debian-12'),
        '/etc/apt/sources.list': fixture('debian12-sources.list-installer'),
      },
    });
    expect(await chooseDriverPackages(machine)).toEqual({
      ok: false,
      reason:
        "apt sources lack contrib, non-free (Debian's nvidia-driver needs contrib, non-free, non-free-firmware): " +
        'add contrib non-free to the bookworm components in /etc/apt/sources.list or /etc/apt/sources.list.d',
    });
    const cloud = new RecordingMachine({
      files: {
        '/etc/os-release': fixture('os-release-debian-12'),
        '/etc/apt/sources.list.d/debian.sources': fixture('debian12-debian.sources-cloud'),
      },
    });
    const choice = await chooseDriverPackages(cloud);
    expect(choice.ok ? '' : choice.reason).toMatch(/^apt sources lack contrib, non-free, non-free-firmware /);
    expect(machine.ops('install')).toEqual([]);
  });

  it('reads both apt source formats', () => {
    const oneLine = parseOneLineSources(
      '/etc/apt/sources.list.d/x.list',
      '# deb http://x bookworm non-free\ndeb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://x bookworm main contrib\n',
    );
    expect(oneLine).toEqual([
      { file: '/etc/apt/sources.list.d/x.list', suites: ['bookworm'], components: ['main', 'contrib'] },
    ]);
    const deb822 = parseDeb822Sources(
      '/d.sources',
      `${fixture('debian12-debian.sources-nonfree')}\nTypes: deb\nSuites: bookworm\nComponents: extra\nEnabled: no\n`,
    );
    expect([...enabledComponents(deb822, 'bookworm')]).toEqual([
      'main',
      'contrib',
      'non-free',
      'non-free-firmware',
    ]);
  });

  it('refuses other distributions', async () => {
    const machine = new RecordingMachine({ files: { '/etc/os-release': fixture('os-release-rocky-9') } });
    expect(await chooseDriverPackages(machine)).toEqual({
      ok: false,
      reason: 'NVIDIA driver installation supports Ubuntu and Debian, not Rocky Linux 9.3 (Blue Onyx)',
    });
  });
});

describe('detectGpus', () => {
  const a100Hardware = A100_ADDRESSES.map((pciAddress) => ({
    pciAddress,
    vendorId: '10de',
    deviceId: '20b0',
    model: 'NVIDIA Corporation GA100 [A100 SXM4 40GB]',
  }));

  it('uses nvidia-smi when the driver is loaded, with minors from /proc/driver/nvidia', async () => {
    const info = fixture('proc-driver-nvidia-gpu-information.txt');
    const machine = new RecordingMachine({
      hardware: { gpus: a100Hardware },
      files: {
        '/proc/driver/nvidia/gpus/0000:b1:00.0/information': info,
        // A minor that differs from the index proves it is read from the driver.
        '/proc/driver/nvidia/gpus/0000:ca:00.0/information': info.replace(
          'Device Minor: \t 2',
          'Device Minor: \t 7',
        ),
      },
      exec: [{ argv: SMI_QUERY_ARGV, result: { stdout: A100_QUERY } }],
    });
    const found = await detectGpus(machine);
    expect(found.state).toBe('driver-loaded');
    expect(found.driverVersion).toBe('535.183.01');
    if (found.state !== 'driver-loaded') return;
    expect(found.devices.map((d) => d.minor)).toEqual([0, 1, 2, 7]);
    expect(found.devices[0]).toEqual({
      model: 'NVIDIA A100-SXM4-40GB',
      pciAddress: '0000:17:00.0',
      minor: 0,
      uuid: 'GPU-8f3b2c6e-41a7-9d0e-5c12-7e4b9a0d3f61',
      memoryMiB: 40960,
    });
    expect(gresConfLines('gpu-0', found.devices)).toEqual([
      'NodeName=gpu-0 Name=gpu Type=nvidia_a100-sxm4-40gb File=/dev/nvidia[0-2,7]',
    ]);
  });

  it('falls back to nvidia-smi -L when the query is refused', async () => {
    const machine = new RecordingMachine({
      files: { '/proc/driver/nvidia/version': fixture('proc-driver-nvidia-version.txt') },
      exec: [
        {
          argv: ['nvidia-smi'],
          result: { exitCode: 2, stdout: 'Field "uuid" is not a valid field to query.\n' },
        },
        { argv: ['nvidia-smi', '-L'], result: { stdout: fixture('smi-L-2x-tesla-t4.txt') } },
      ],
    });
    const found = await detectGpus(machine);
    expect(found).toMatchObject({ state: 'driver-loaded', driverVersion: '535.183.01', smiError: null });
    if (found.state !== 'driver-loaded') return;
    expect(found.devices.map((d) => [d.model, d.minor, d.pciAddress])).toEqual([
      ['Tesla T4', 0, null],
      ['Tesla T4', 1, null],
    ]);
  });

  it('reports no-driver from PCI ids when nvidia-smi cannot talk to the driver', async () => {
    const machine = new RecordingMachine({
      hardware: { gpus: a100Hardware },
      exec: [{ argv: ['nvidia-smi'], result: { exitCode: 9, stdout: fixture('smi-no-driver.txt') } }],
    });
    const found = await detectGpus(machine);
    expect(found.state).toBe('no-driver');
    expect(found.devices.map((d) => d.pciAddress)).toEqual(A100_ADDRESSES);
    expect(found.smiError).toMatch(
      /^NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/,
    );
    expect(found.driverVersion).toBeNull();
  });

  it('reads lspci when the hardware view has no GPUs (no sysfs) and nvidia-smi is absent', async () => {
    const machine = new RecordingMachine({
      exec: [{ argv: ['lspci', '-Dnn'], result: { stdout: fixture('lspci-Dnn-4x-quadro-rtx-8000.txt') } }],
    });
    const found = await detectGpus(machine);
    expect(found).toMatchObject({ state: 'no-driver', smiError: 'nvidia-smi is not installed' });
    expect(found.devices[0]).toEqual({
      model: 'NVIDIA Corporation TU102GL [Quadro RTX 6000/8000]',
      pciAddress: '0000:3b:00.0',
      deviceId: '1e30',
    });
  });

  it('answers none on a machine without NVIDIA GPUs', async () => {
    const bare = await detectGpus(new RecordingMachine());
    expect(bare).toEqual({
      state: 'none',
      devices: [],
      driverVersion: null,
      smiError: 'nvidia-smi is not installed',
    });
    const noDevices = new RecordingMachine({
      hardware: { gpus: [{ pciAddress: '0000:03:00.0', vendorId: '1a03', deviceId: '2000' }] },
      exec: [{ argv: ['nvidia-smi'], result: { exitCode: 6, stdout: fixture('smi-no-devices.txt') } }],
    });
    expect(await detectGpus(noDevices)).toMatchObject({ state: 'none', smiError: 'No devices were found' });
  });
});

describe('needsReboot', () => {
  it('follows /var/run/reboot-required', async () => {
    expect(await needsReboot(new RecordingMachine())).toBe(false);
    const pending = new RecordingMachine({
      files: { '/var/run/reboot-required': '*** System restart required ***\n' },
    });
    expect(await needsReboot(pending)).toBe(true);
  });
});
