/**
 * The gpu interface: the nvidia-gpu subordinate (provider) publishes its machine's
 * GPUs to slurmd (requirer) over a container-scoped relation.
 */
import {
  ActiveStatus,
  CharmBase,
  type CollectStatusEvent,
  type Framework,
  type RelationEvent,
} from '../../framework/ops/index.js';
import { Context, State, SubordinateRelation } from '../../framework/testing/index.js';
import {
  GpuProvider,
  GpuRequirer,
  GpusChangedEvent,
  gresLines,
  gresModel,
  type GpuUnitData,
} from '../../relations/gpu.js';
import { emitted } from './helpers.js';

let machineGpus: GpuUnitData = { devices: [], ready: false };

class NvidiaCharm extends CharmBase {
  readonly principal = new GpuProvider(this, 'gpu');
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.relationJoined('gpu'), this.onJoined);
  }
  onJoined(_event: RelationEvent): void {
    this.principal.publishDevices(machineGpus);
  }
}

class SlurmdCharm extends CharmBase {
  readonly gpu = new GpuRequirer(this, 'gpu');
  seen: GpuUnitData | undefined;
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.updateStatus, this.onUpdateStatus);
    this.observe(this.on.collectUnitStatus, this.onCollect);
  }
  onUpdateStatus(): void {
    this.seen = this.gpu.gpus();
  }
  onCollect(event: CollectStatusEvent): void {
    event.addStatus(new ActiveStatus());
  }
}

const nvidia = new Context(NvidiaCharm, {
  meta: `name: nvidia-gpu
subordinate: true
provides:
  gpu: { interface: gpu, scope: container }
requires:
  juju-info: { interface: juju-info, scope: container }
`,
});
const slurmd = new Context(SlurmdCharm, {
  meta: 'name: compute\nrequires:\n  gpu: { interface: gpu, scope: container, limit: 1 }\n',
  unitId: 4,
});

const t4 = { model: 'tesla_t4', count: 2, files: ['/dev/nvidia0', '/dev/nvidia1'] };
const toSlurmd = (remoteUnitData: Record<string, string>, remoteAppData: Record<string, string> = {}) =>
  SubordinateRelation({
    endpoint: 'gpu',
    remoteAppName: 'nvidia-gpu',
    remoteUnitId: 4,
    remoteUnitData,
    remoteAppData,
  });

describe('gres helpers', () => {
  it('gresModel turns product names into gres types', () => {
    expect(gresModel('Tesla T4')).toBe('tesla_t4');
    expect(gresModel('NVIDIA A100-SXM4-40GB')).toBe('nvidia_a100-sxm4-40gb');
    expect(gresModel(' ?? ')).toBe('gpu');
  });

  it('gresLines: one line per device file, or one counted line when files are unknown', () => {
    const data = { devices: [t4, { model: 'h100', count: 8, files: [] }], ready: true };
    expect(gresLines(data)).toEqual([
      { name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia0', count: 1 },
      { name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia1', count: 1 },
      { name: 'gpu', type: 'h100', count: 8 },
    ]);
  });
});

describe('provider (nvidia-gpu subordinate)', () => {
  it.each([true, false])(
    'publishes its devices in its unit bag as JSON per key (leader=%s)',
    async (leader) => {
      machineGpus = { devices: [t4], ready: true, 'driver-version': '535.183.01' };
      const rel = SubordinateRelation({ endpoint: 'gpu', remoteAppName: 'compute' });
      const out = await nvidia.run(nvidia.on.relationJoined(rel), State({ leader, relations: [rel] }));
      expect(out.getRelation(rel.id).localUnitData).toMatchObject({
        devices: '[{"model":"tesla_t4","count":2,"files":["/dev/nvidia0","/dev/nvidia1"]}]',
        ready: 'true',
        'driver-version': '"535.183.01"',
      });
    },
  );

  it('a machine without GPUs says so; a stale driver-version key is removed', async () => {
    machineGpus = { devices: [], ready: false };
    const rel = SubordinateRelation({
      endpoint: 'gpu',
      remoteAppName: 'compute',
      localUnitData: { devices: '[]', ready: 'true', 'driver-version': '"535.183.01"' },
    });
    const out = await nvidia.run(nvidia.on.relationJoined(rel), State({ relations: [rel] }));
    expect(out.getRelation(rel.id).localUnitData).toEqual({ devices: '[]', ready: 'false' });
  });

  it('relation-created: the leader writes the interface version, a follower nothing', async () => {
    const rel = SubordinateRelation({ endpoint: 'gpu', remoteAppName: 'compute' });
    const leader = await nvidia.run(
      nvidia.on.relationCreated(rel),
      State({ leader: true, relations: [rel] }),
    );
    expect(leader.getRelation(rel.id).localAppData).toEqual({ 'interface-version': '1' });
    const follower = await nvidia.run(nvidia.on.relationCreated(rel), State({ relations: [rel] }));
    expect(follower.getRelation(rel.id).localAppData).toEqual({});
  });

  it('departed and broken do not fail and publish nothing new', async () => {
    const rel = SubordinateRelation({ endpoint: 'gpu', remoteAppName: 'compute' });
    for (const ev of [
      nvidia.on.relationChanged(rel),
      nvidia.on.relationDeparted(rel),
      nvidia.on.relationBroken(rel),
    ]) {
      const out = await nvidia.run(ev, State({ leader: true, relations: [rel] }));
      expect(out.getRelation(rel.id).localUnitData).toEqual(rel.localUnitData);
    }
  });

  it('refuses to publish data that breaks the schema (a bug in the charm, so the hook fails)', async () => {
    machineGpus = { devices: [{ model: 'Tesla T4', count: 1, files: [] }], ready: true };
    const rel = SubordinateRelation({ endpoint: 'gpu', remoteAppName: 'compute' });
    await expect(nvidia.run(nvidia.on.relationJoined(rel), State({ relations: [rel] }))).rejects.toThrow(
      /devices\.0\.model: must be a gres type/,
    );
  });
});

describe('requirer (slurmd)', () => {
  const bag = { devices: JSON.stringify([t4]), ready: 'true', 'driver-version': '"535.183.01"' };

  it.each([true, false])('joined/changed: gpusChanged with the devices (leader=%s)', async (leader) => {
    const rel = toSlurmd(bag);
    for (const ev of [slurmd.on.relationJoined(rel), slurmd.on.relationChanged(rel, { remoteUnit: 4 })]) {
      await slurmd.run(ev, State({ leader, relations: [rel] }));
      const [changed] = emitted(slurmd, GpusChangedEvent);
      expect(changed?.gpus).toEqual({ devices: [t4], ready: true, 'driver-version': '535.183.01' });
      expect(changed?.unit?.name).toBe('nvidia-gpu/4');
    }
  });

  it('departed: gpusChanged(null); created and broken emit nothing and do not fail', async () => {
    const rel = toSlurmd(bag);
    await slurmd.run(slurmd.on.relationDeparted(rel), State({ relations: [rel] }));
    expect(emitted(slurmd, GpusChangedEvent).map((e) => e.gpus)).toEqual([null]);
    for (const ev of [slurmd.on.relationCreated(rel), slurmd.on.relationBroken(rel)]) {
      await slurmd.run(ev, State({ relations: [rel] }));
      expect(emitted(slurmd, GpusChangedEvent)).toHaveLength(0);
    }
  });

  it('gpus() reads the subordinate on this machine', async () => {
    const rel = toSlurmd(bag);
    await slurmd.run(slurmd.on.updateStatus(), State({ relations: [rel] }));
    expect(slurmd.charm?.seen?.devices).toEqual([t4]);
  });

  it.each([
    [
      { ...bag, devices: '[{"model":"tesla_t4","count":2,"files":["/dev/nvidia0"]}]' },
      'devices.0.files: must name one device file per GPU, or none',
    ],
    [{ ...bag, devices: JSON.stringify([t4, t4]) }, 'devices: must list each model once'],
    [{ ...bag, ready: '"yes"' }, 'ready: Invalid input: expected boolean, received string'],
    [{ devices: '[]' }, 'ready: Invalid input: expected boolean, received undefined'],
  ])('bad data %j: Blocked naming the unit, field and reason', async (data, reason) => {
    const rel = toSlurmd(data);
    const out = await slurmd.run(
      slurmd.on.relationChanged(rel, { remoteUnit: 4 }),
      State({ relations: [rel] }),
    );
    expect(out.unitStatus.message).toBe(`nvidia-gpu/4 sent invalid gpu data: ${reason}`);
    expect(emitted(slurmd, GpusChangedEvent)).toHaveLength(0);
  });

  it('another interface version is reported', async () => {
    const rel = toSlurmd(bag, { 'interface-version': '2' });
    const out = await slurmd.run(
      slurmd.on.relationChanged(rel, { remoteUnit: 4 }),
      State({ relations: [rel] }),
    );
    expect(out.unitStatus.message).toBe(
      'nvidia-gpu sent invalid gpu data: interface-version: version 2 is not supported (this charm speaks gpu version 1)',
    );
  });
});
