/**
 * NVIDIA parsers and gres: nvidia-smi and lspci outputs kept as fixtures, Slurm gres rendering.
 */
import { readFileSync } from 'node:fs';
import { compressRanges, gresConfLines, gresModelName, gresNodeParam } from '../../charms/lib/nvidia/gres.js';
import {
  LspciParseError,
  normalizePciAddress,
  nvidiaGpus,
  nvidiaGpusFromHardware,
  parseLspciNn,
  parseLspciVmm,
} from '../../charms/lib/nvidia/pci.js';
import {
  SmiParseError,
  isDriverNotLoaded,
  isNoDevicesFound,
  parseDeviceMinor,
  parseNvrmVersion,
  parseSmiList,
  parseSmiQuery,
} from '../../charms/lib/nvidia/smi.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/nvidia/${name}`, import.meta.url), 'utf8');

const A100_QUERY = fixture('smi-query-4x-a100-sxm4-40gb.csv');
const A100_ADDRESSES = ['0000:17:00.0', '0000:31:00.0', '0000:b1:00.0', '0000:ca:00.0'];

describe('nvidia-smi parsers', () => {
  it('reads the CSV query of four A100s', () => {
    const gpus = parseSmiQuery(A100_QUERY);
    expect(gpus).toHaveLength(4);
    expect(gpus[0]).toEqual({
      index: 0,
      name: 'NVIDIA A100-SXM4-40GB',
      pciBusId: '0000:17:00.0',
      driverVersion: '535.183.01',
      memoryMiB: 40960,
      uuid: 'GPU-8f3b2c6e-41a7-9d0e-5c12-7e4b9a0d3f61',
    });
    expect(gpus.map((g) => g.pciBusId)).toEqual(A100_ADDRESSES);
  });

  it('reads eight H100s and two T4s', () => {
    const h100 = parseSmiQuery(fixture('smi-query-8x-h100-80gb-hbm3.csv'));
    expect(h100.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(h100.map((g) => g.name))).toEqual(new Set(['NVIDIA H100 80GB HBM3']));
    expect(h100[7]).toMatchObject({ pciBusId: '0000:db:00.0', memoryMiB: 81559 });
    const t4 = parseSmiQuery(fixture('smi-query-2x-tesla-t4.csv'));
    expect(t4.map((g) => [g.name, g.pciBusId, g.memoryMiB])).toEqual([
      ['Tesla T4', '0000:3b:00.0', 15360],
      ['Tesla T4', '0000:d8:00.0', 15360],
    ]);
  });

  it("accepts nvidia-smi's [N/A] memory as null", () => {
    const [gpu] = parseSmiQuery(
      '0, Tesla T4, 00000000:3B:00.0, 535.183.01, [N/A], GPU-6d2a9f40-8e15-c3b7-12fa-0d5e9c4b7a82',
    );
    expect(gpu?.memoryMiB).toBeNull();
  });

  it.each([
    ['0, Tesla T4, 00000000:3B:00.0, 535.183.01', /line 2 is malformed \(expected 6 fields/],
    [
      'x, Tesla T4, 00000000:3B:00.0, 535.183.01, 15360, GPU-6d2a9f40-8e15-c3b7-12fa-0d5e9c4b7a82',
      /index "x"/,
    ],
    ['1, Tesla T4, 3B-00, 535.183.01, 15360, GPU-6d2a9f40-8e15-c3b7-12fa-0d5e9c4b7a82', /pci.bus_id "3B-00"/],
    [
      '1, Tesla T4, 00000000:3B:00.0, 535.183.01, 15 GiB, GPU-6d2a9f40-8e15-c3b7-12fa-0d5e9c4b7a82',
      /memory.total/,
    ],
    ['1, Tesla T4, 00000000:3B:00.0, 535.183.01, 15360, 6d2a9f40', /uuid "6d2a9f40"/],
  ])('names the malformed line: %s', (bad, message) => {
    const text = `${A100_QUERY.split('\n')[0]}\n${bad}\n`;
    expect(() => parseSmiQuery(text)).toThrow(SmiParseError);
    expect(() => parseSmiQuery(text)).toThrow(message);
    expect(() => parseSmiQuery(text)).toThrow(JSON.stringify(bad));
  });

  it('reads nvidia-smi -L, with MIG devices under their GPU', () => {
    expect(parseSmiList(fixture('smi-L-4x-a100-sxm4-40gb.txt')).map((g) => g.uuid)).toEqual(
      parseSmiQuery(A100_QUERY).map((g) => g.uuid),
    );
    expect(parseSmiList(fixture('smi-L-2x-tesla-t4.txt'))[1]).toEqual({
      index: 1,
      name: 'Tesla T4',
      uuid: 'GPU-b81e4c07-3f6d-92a5-e0c4-7a2d1f8b5e39',
      migUuids: [],
    });
    const mig = parseSmiList(fixture('smi-L-a100-mig.txt'));
    expect(mig.map((g) => g.migUuids.length)).toEqual([2, 0]);
    expect(mig[0]?.migUuids[0]).toBe('MIG-1c4f7a2e-90b3-5d68-a1e7-3f0b6c9d2e54');
    expect(() => parseSmiList('GPU 0: Tesla T4\n')).toThrow(/line 1 is malformed.*"GPU 0: Tesla T4"/);
  });

  it('recognizes the no-driver and no-device messages and reads /proc/driver/nvidia', () => {
    expect(isDriverNotLoaded(fixture('smi-no-driver.txt'))).toBe(true);
    expect(isNoDevicesFound(fixture('smi-no-devices.txt'))).toBe(true);
    expect(isDriverNotLoaded(A100_QUERY)).toBe(false);
    expect(parseNvrmVersion(fixture('proc-driver-nvidia-version.txt'))).toBe('535.183.01');
    const open =
      'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.90.07  Release Build  (dvs-builder@U16-I3-B03-4-3)  Fri May 31 09:35:42 UTC 2024\n';
    expect(parseNvrmVersion(open)).toBe('550.90.07');
    expect(parseDeviceMinor(fixture('proc-driver-nvidia-gpu-information.txt'))).toBe(2);
  });
});

describe('PCI detection', () => {
  it('normalizes addresses from nvidia-smi, lspci and sysfs', () => {
    expect(normalizePciAddress('00000000:3B:00.0')).toBe('0000:3b:00.0');
    expect(normalizePciAddress('3b:00.0')).toBe('0000:3b:00.0');
    expect(normalizePciAddress('10000:E0:00.0')).toBe('10000:e0:00.0');
    expect(() => normalizePciAddress('3b:00')).toThrow(/not a PCI address/);
  });

  it('finds the four A100s in lspci -Dnn and nothing else', () => {
    const all = parseLspciNn(fixture('lspci-Dnn-4x-a100-sxm4-40gb.txt'));
    expect(all).toHaveLength(41);
    expect(all.find((d) => d.pciAddress === '0000:00:17.0')?.description).toBe(
      'Intel Corporation C620 Series Chipset Family SATA Controller [AHCI mode]',
    );
    const gpus = nvidiaGpus(all);
    expect(gpus.map((g) => g.pciAddress)).toEqual(A100_ADDRESSES);
    expect(gpus[0]).toEqual({
      pciAddress: '0000:17:00.0',
      classId: '0302',
      vendorId: '10de',
      deviceId: '20b0',
      description: 'NVIDIA Corporation GA100 [A100 SXM4 40GB]',
    });
  });

  it("keeps Quadro VGA functions and drops their audio, USB and UCSI functions and the BMC's VGA", () => {
    const all = parseLspciNn(fixture('lspci-Dnn-4x-quadro-rtx-8000.txt'));
    expect(all.filter((d) => d.vendorId === '10de')).toHaveLength(16);
    const gpus = nvidiaGpus(all);
    expect(gpus.map((g) => `${g.pciAddress} ${g.classId} ${g.deviceId}`)).toEqual([
      '0000:3b:00.0 0300 1e30',
      '0000:5e:00.0 0300 1e30',
      '0000:86:00.0 0300 1e30',
      '0000:af:00.0 0300 1e30',
    ]);
  });

  it('reads lspci -vmmnn records to the same devices as -Dnn', () => {
    const vmm = parseLspciVmm(fixture('lspci-vmmnn-4x-a100-sxm4-40gb.txt'));
    expect(vmm).toHaveLength(6);
    const dnn = nvidiaGpus(parseLspciNn(fixture('lspci-Dnn-4x-a100-sxm4-40gb.txt')));
    expect(nvidiaGpus(vmm)).toEqual(dnn);
  });

  it('names the malformed lspci line', () => {
    const text = '0000:17:00.0 3D controller [0302]: NVIDIA Corporation GA100 [10de:20b0]\ngarbage here\n';
    expect(() => parseLspciNn(text)).toThrow(LspciParseError);
    expect(() => parseLspciNn(text)).toThrow(/line 2 is malformed.*"garbage here"/);
    expect(() => parseLspciVmm('Slot:\t0000:17:00.0\nClass:\t3D controller [0302]\n')).toThrow(
      /no Vendor field/,
    );
  });

  it('filters Machine.hardware() GPUs by vendor', () => {
    const gpus = nvidiaGpusFromHardware([
      { pciAddress: '0000:03:00.0', vendorId: '1a03', deviceId: '2000', model: 'ASPEED Graphics Family' },
      { pciAddress: '0000:17:00.0', vendorId: '0x10DE', deviceId: '0x20b0' },
    ]);
    expect(gpus).toEqual([
      {
        pciAddress: '0000:17:00.0',
        classId: null,
        vendorId: '10de',
        deviceId: '20b0',
        description: 'NVIDIA device [10de:20b0]',
      },
    ]);
  });
});

describe('gres', () => {
  const a100 = parseSmiQuery(A100_QUERY).map((g) => ({ model: g.name, minor: g.index }));

  it('names gres types as the reference and Slurm autodetect do', () => {
    expect(gresModelName('Tesla T4')).toBe('tesla_t4');
    expect(gresModelName('NVIDIA A100-SXM4-40GB')).toBe('nvidia_a100-sxm4-40gb');
    expect(gresModelName('NVIDIA H100 80GB HBM3')).toBe('nvidia_h100_80gb_hbm3');
    expect(gresModelName('Odd: name, [x]')).toBe('odd__name___x_');
    expect(() => gresModelName('  ')).toThrow(/empty/);
  });

  it('renders the node Gres= value', () => {
    expect(gresNodeParam(a100)).toBe('gpu:nvidia_a100-sxm4-40gb:4');
    const mixed = [
      { model: 'Tesla T4', minor: 0 },
      { model: 'NVIDIA A100-SXM4-40GB', minor: 2 },
      { model: 'Tesla T4', minor: 1 },
    ];
    expect(gresNodeParam(mixed)).toBe('gpu:tesla_t4:2,gpu:nvidia_a100-sxm4-40gb:1');
    expect(gresNodeParam([])).toBe('');
  });

  it('renders gres.conf lines with compressed device ranges', () => {
    expect(gresConfLines('gpu-0', a100)).toEqual([
      'NodeName=gpu-0 Name=gpu Type=nvidia_a100-sxm4-40gb File=/dev/nvidia[0-3]',
    ]);
    const h100 = parseSmiQuery(fixture('smi-query-8x-h100-80gb-hbm3.csv')).map((g) => ({
      model: g.name,
      minor: g.index,
    }));
    expect(gresConfLines('hgx-1', h100)).toEqual([
      'NodeName=hgx-1 Name=gpu Type=nvidia_h100_80gb_hbm3 File=/dev/nvidia[0-7]',
    ]);
    expect(gresConfLines('t4-0', [{ model: 'Tesla T4', minor: 0 }])).toEqual([
      'NodeName=t4-0 Name=gpu Type=tesla_t4 File=/dev/nvidia0',
    ]);
    const mixed = [
      { model: 'NVIDIA A100-SXM4-40GB', minor: 3 },
      { model: 'Tesla T4', minor: 2 },
      { model: 'Tesla T4', minor: 0 },
      { model: 'Tesla T4', minor: 1 },
      { model: 'Tesla T4', minor: 5 },
    ];
    expect(gresConfLines('mix-0', mixed)).toEqual([
      'NodeName=mix-0 Name=gpu Type=tesla_t4 File=/dev/nvidia[0-2,5]',
      'NodeName=mix-0 Name=gpu Type=nvidia_a100-sxm4-40gb File=/dev/nvidia3',
    ]);
    expect(compressRanges([7, 1, 2, 3, 9, 10])).toBe('1-3,7,9-10');
  });

  it('refuses repeated minors and node names gres.conf cannot hold', () => {
    expect(() =>
      gresConfLines('n0', [
        { model: 'Tesla T4', minor: 0 },
        { model: 'Tesla T4', minor: 0 },
      ]),
    ).toThrow(/two GPUs claim \/dev\/nvidia0/);
    expect(() => gresConfLines('bad name', a100)).toThrow(/not a Slurm node name/);
    expect(() => gresNodeParam([{ model: 'Tesla T4', minor: -1 }])).toThrow(/invalid device minor/);
  });
});
