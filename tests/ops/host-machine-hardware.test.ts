/**
 * HostMachine's hardware report against fake /proc and /sys trees and a pci.ids under
 * the root (host-machine-fixture.ts), and parseCpuinfo on cpuinfo text.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseCpuinfo } from '../../framework/ops/machine/hardware.js';
import { useHostMachine } from './host-machine-fixture.js';

const host = useHostMachine();

describe('hardware', () => {
  function cpuinfo(blocks: Array<Record<string, string | number>>): string {
    const lines = blocks.map((b, i) =>
      [
        `processor\t: ${i}`,
        'model name\t: Test CPU',
        ...Object.entries(b).map(([k, v]) => `${k}\t: ${v}`),
      ].join('\n'),
    );
    return `${lines.join('\n\n')}\n\n`;
  }

  async function fakeTree(files: Record<string, string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(host.base, path, '..'), { recursive: true });
      await writeFile(join(host.base, path), content);
    }
  }

  // 2 sockets × 2 cores × 2 threads, numbered the way Linux does (threads of a core are far apart).
  const twoSocketHt = cpuinfo(
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({
      'physical id': i % 4 < 2 ? 0 : 1,
      siblings: 4,
      'core id': i % 2,
      'cpu cores': 2,
    })),
  );

  it('reads a 2-socket hyperthreaded host with an NVIDIA GPU', async () => {
    const pci = 'sys/bus/pci/devices';
    await fakeTree({
      'proc/cpuinfo': twoSocketHt,
      'proc/meminfo': 'MemTotal:       16303412 kB\nMemFree:         1000 kB\n',
      [`${pci}/0000:3b:00.0/vendor`]: '0x10de\n',
      [`${pci}/0000:3b:00.0/device`]: '0x20B0\n',
      [`${pci}/0000:3b:00.0/class`]: '0x030200\n',
      [`${pci}/0000:02:00.0/vendor`]: '0x1a03\n',
      [`${pci}/0000:02:00.0/device`]: '0x2000\n',
      [`${pci}/0000:02:00.0/class`]: '0x030000\n',
      [`${pci}/0000:00:1f.6/vendor`]: '0x8086\n',
      [`${pci}/0000:00:1f.6/device`]: '0x15bc\n',
      [`${pci}/0000:00:1f.6/class`]: '0x020000\n',
      'root/usr/share/misc/pci.ids':
        '# comment\n10de  NVIDIA Corporation\n\t20b0  GA100 [A100 SXM4 40GB]\n1a03  ASPEED Technology, Inc.\nC 00  Unclassified\n',
    });
    const hw = await host.machine.hardware();
    expect(hw).toMatchObject({ cpus: 8, sockets: 2, coresPerSocket: 2, threadsPerCore: 2, memoryMb: 15921 });
    expect(hw.hostname).toBe(os.hostname());
    if (os.arch() === 'x64') expect(hw.architecture).toBe('amd64');
    expect(hw.gpus).toEqual([
      { pciAddress: '0000:02:00.0', vendorId: '1a03', deviceId: '2000' },
      {
        pciAddress: '0000:3b:00.0',
        vendorId: '10de',
        deviceId: '20b0',
        model: 'NVIDIA Corporation GA100 [A100 SXM4 40GB]',
      },
    ]);
  });

  it('falls back sensibly for a VM cpuinfo without topology fields', async () => {
    await fakeTree({ 'proc/cpuinfo': cpuinfo([{}, {}, {}, {}]) });
    const hw = await host.machine.hardware();
    expect(hw).toMatchObject({ cpus: 4, sockets: 1, coresPerSocket: 4, threadsPerCore: 1, gpus: [] });
    expect(hw.memoryMb).toBe(Math.floor(os.totalmem() / 1024 / 1024));
  });

  it('derives what is missing from the fields that are there', () => {
    // siblings and cpu cores but no physical id: 2 threads per core.
    expect(parseCpuinfo(cpuinfo([0, 1, 2, 3].map(() => ({ siblings: 4, 'cpu cores': 2 }))), 1)).toEqual({
      cpus: 4,
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 2,
    });
    // core ids only (no cpu cores): distinct cores count.
    expect(parseCpuinfo(cpuinfo([0, 0, 1, 1].map((c) => ({ 'physical id': 0, 'core id': c }))), 1)).toEqual({
      cpus: 4,
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 2,
    });
    expect(parseCpuinfo('', 3)).toEqual({ cpus: 3, sockets: 1, coresPerSocket: 3, threadsPerCore: 1 });
  });
});
