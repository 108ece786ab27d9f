/**
 * The slurmd interface, both sides, through framework/testing: slurmctld (requirer)
 * and a slurmd application (provider) as tiny charms defined here.
 */
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  type CollectStatusEvent,
  type Framework,
  type RelationEvent,
} from '../../framework/ops/index.js';
import { Context, Relation, Secret, State, type AnyRelation } from '../../framework/testing/index.js';
import {
  ControllerReadyEvent,
  ControllerGoneEvent,
  NodesChangedEvent,
  PartitionGoneEvent,
  PartitionReadyEvent,
  SlurmdProvider,
  SlurmdRequirer,
} from '../../relations/slurmd.js';
import { emitted, noSecretInBags } from './helpers.js';

const KEY = Buffer.alloc(64, 7).toString('base64');
const munge = () => Secret({ owner: 'app', label: 'munge', trackedContent: { key: KEY } });

class CtlCharm extends CharmBase {
  readonly slurmd = new SlurmdRequirer(this, 'slurmd');
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.relationJoined('slurmd'), this.onJoined);
    this.observe(this.slurmd.on.partitionReady, this.onPartition);
    this.observe(this.on.updateStatus, this.onUpdateStatus);
    this.observe(this.on.collectUnitStatus, this.onCollect);
  }
  seen: { partitions: string[]; nodes: string[] } | undefined;
  onUpdateStatus(): void {
    this.seen = {
      partitions: this.slurmd.partitions().map((p) => p.partition.name),
      nodes: this.slurmd.relations.flatMap((r) =>
        this.slurmd.nodes(r).map((n) => `${n.unit.name}=${n.node.nodename}`),
      ),
    };
  }
  onJoined(_event: RelationEvent): void {
    const key = this.model.getSecret({ label: 'munge' });
    this.slurmd.publishController({ controllers: ['ctl-0:6817'], 'cluster-name': 'hpc' }, key);
  }
  onPartition(event: PartitionReadyEvent): void {
    if (event.partition.config.Defer === 'yes') event.defer();
  }
  onCollect(event: CollectStatusEvent): void {
    event.addStatus(new ActiveStatus());
  }
}

class NodeCharm extends CharmBase {
  readonly slurmctld = new SlurmdProvider(this, 'slurmctld');
  published: boolean | undefined;
  key: string | undefined;
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.relationJoined('slurmctld'), this.onJoined);
    this.observe(this.slurmctld.on.controllerReady, this.onController);
  }
  onJoined(_event: RelationEvent): void {
    this.published = this.slurmctld.publishPartition({ MaxTime: '1-00:00:00' });
    this.slurmctld.publishNode({
      nodename: 'compute-0',
      gres: [{ name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia[0-1]', count: 2 }],
    });
  }
  onController(_event: ControllerReadyEvent): void {
    this.key = this.slurmctld.mungeKey()?.key;
  }
}

const ctl = new Context(CtlCharm, {
  meta: 'name: slurmctld\nrequires:\n  slurmd: { interface: slurmd }\n',
});
const node = new Context(NodeCharm, {
  meta: 'name: compute\nprovides:\n  slurmctld: { interface: slurmd, limit: 1 }\n',
});

/** A slurmctld unit's State: the munge key secret is always there. */
const ctlState = (init: Parameters<typeof State>[0] = {}) => State({ secrets: [munge()], ...init });

const partitionBag = (name = 'compute', config: Record<string, string> = { MaxTime: '2:00:00' }) => ({
  partition: JSON.stringify({ name, config }),
  'interface-version': '1',
});
const computeRel = (init: Partial<Parameters<typeof Relation>[0]> = {}) =>
  Relation({ endpoint: 'slurmd', remoteAppName: 'compute', remoteAppData: partitionBag(), ...init });

describe('slurmctld side (SlurmdRequirer)', () => {
  it('relation-created: the leader announces the interface version; a follower writes nothing', async () => {
    const rel = Relation({ endpoint: 'slurmd', remoteAppName: 'compute' });
    const leader = await ctl.run(ctl.on.relationCreated(rel), State({ leader: true, relations: [rel] }));
    expect(leader.getRelation(rel.id).localAppData).toEqual({ 'interface-version': '1' });
    const follower = await ctl.run(ctl.on.relationCreated(rel), State({ relations: [rel] }));
    expect(follower.getRelation(rel.id).localAppData).toEqual({});
  });

  it('relation-joined: the leader grants the munge key and publishes exactly these keys', async () => {
    const rel = Relation({ endpoint: 'slurmd', remoteAppName: 'compute' });
    const key = munge();
    const out = await ctl.run(
      ctl.on.relationJoined(rel),
      State({ leader: true, relations: [rel], secrets: [key] }),
    );
    expect(out.getRelation(rel.id).localAppData).toEqual({
      controllers: '["ctl-0:6817"]',
      'cluster-name': '"hpc"',
      'munge-key-secret-id': JSON.stringify(key.id),
      'interface-version': '1',
    });
    expect(out.getSecret({ label: 'munge' }).remoteGrants[rel.id]).toEqual(['compute']);
    noSecretInBags(out, [KEY]);
  });

  it('relation-joined on a follower publishes nothing and does not fail', async () => {
    const rel = Relation({ endpoint: 'slurmd', remoteAppName: 'compute' });
    const out = await ctl.run(ctl.on.relationJoined(rel), ctlState({ relations: [rel] }));
    expect(out.getRelation(rel.id).localAppData).toEqual({});
  });

  it('relation-changed: partitionReady carries the partition, once per new content', async () => {
    const rel = computeRel();
    const first = await ctl.run(ctl.on.relationChanged(rel), State({ relations: [rel] }));
    const [ready] = emitted(ctl, PartitionReadyEvent);
    expect(ready?.partition).toEqual({ name: 'compute', config: { MaxTime: '2:00:00' } });
    expect(ready?.app?.name).toBe('compute');

    await ctl.run(ctl.on.relationChanged(rel, { remoteUnit: 0 }), first);
    expect(emitted(ctl, PartitionReadyEvent)).toHaveLength(0);

    const changed = computeRel({
      id: rel.id,
      remoteAppData: partitionBag('compute', { MaxTime: '1:00:00' }),
    });
    await ctl.run(ctl.on.relationChanged(changed), State({ ...first, relations: [changed] }));
    expect(emitted(ctl, PartitionReadyEvent).map((e) => e.partition.config)).toEqual([
      { MaxTime: '1:00:00' },
    ]);
  });

  it('relation-joined/changed of a unit: nodesChanged with its node; departed: null', async () => {
    const gres = [{ name: 'gpu', type: 'tesla_t4', file: '/dev/nvidia0', count: 1 }];
    const rel = computeRel({
      remoteUnitsData: { 0: { nodename: '"compute-0"', gres: JSON.stringify(gres) } },
    });
    await ctl.run(ctl.on.relationJoined(rel, { remoteUnit: 0 }), ctlState({ relations: [rel] }));
    const [joined] = emitted(ctl, NodesChangedEvent);
    expect(joined?.unit?.name).toBe('compute/0');
    expect(joined?.node).toEqual({ nodename: 'compute-0', gres });

    await ctl.run(ctl.on.relationChanged(rel, { remoteUnit: 0 }), State({ relations: [rel] }));
    expect(emitted(ctl, NodesChangedEvent)).toHaveLength(1);

    await ctl.run(ctl.on.relationDeparted(rel, { remoteUnit: 0 }), State({ relations: [rel] }));
    expect(emitted(ctl, NodesChangedEvent).map((e) => e.node)).toEqual([null]);
  });

  it('a unit that has published nothing yet is not an error', async () => {
    const rel = computeRel();
    const out = await ctl.run(ctl.on.relationJoined(rel, { remoteUnit: 0 }), ctlState({ relations: [rel] }));
    expect(emitted(ctl, NodesChangedEvent)).toHaveLength(0);
    expect(out.unitStatus).toEqual(new ActiveStatus());
  });

  it('relation-broken: partitionGone', async () => {
    const rel = computeRel();
    await ctl.run(ctl.on.relationBroken(rel), State({ relations: [rel] }));
    expect(emitted(ctl, PartitionGoneEvent).map((e) => e.relation.id)).toEqual([rel.id]);
  });

  it('bad partition data: Blocked naming app, field and reason, remembered until fixed', async () => {
    const rel = computeRel({ remoteAppData: partitionBag('compute', { MaxTime: 'a b', Nodes: 'x' }) });
    const out = await ctl.run(ctl.on.relationChanged(rel), State({ relations: [rel] }));
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toMatch(
      /^compute sent invalid slurmd data: partition\.config\.MaxTime: .*spaces/,
    );
    expect(emitted(ctl, PartitionReadyEvent)).toHaveLength(0);
    expect(ctl.charm?.slurmd.problems().map((p) => p.field)).toEqual([
      'partition.config.MaxTime',
      'partition.config.Nodes',
    ]);

    const later = await ctl.run(ctl.on.updateStatus(), out);
    expect(later.unitStatus).toEqual(out.unitStatus);

    const fixed = computeRel({ id: rel.id });
    const ok = await ctl.run(ctl.on.relationChanged(fixed), State({ ...later, relations: [fixed] }));
    expect(ok.unitStatus).toEqual(new ActiveStatus());
  });

  it('a partition not named after its application is refused', async () => {
    const rel = computeRel({ remoteAppData: partitionBag('other') });
    const out = await ctl.run(ctl.on.relationChanged(rel), State({ relations: [rel] }));
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        `compute sent invalid slurmd data: partition.name: must be the application's name 'compute'`,
      ),
    );
  });

  it('bad unit data names the unit; the problem goes when the unit departs', async () => {
    const rel = computeRel({
      remoteUnitsData: { 3: { nodename: '"compute-3"', gres: '[{"name":"gpu","count":0}]' } },
    });
    const out = await ctl.run(ctl.on.relationChanged(rel, { remoteUnit: 3 }), State({ relations: [rel] }));
    expect(out.unitStatus.message).toMatch(/^compute\/3 sent invalid slurmd data: gres\.0\.count: /);
    const gone = await ctl.run(ctl.on.relationDeparted(rel, { remoteUnit: 3 }), out);
    expect(gone.unitStatus).toEqual(new ActiveStatus());
  });

  it('another interface version is reported and its data ignored', async () => {
    const rel = computeRel({ remoteAppData: { ...partitionBag(), 'interface-version': '2' } });
    const out = await ctl.run(ctl.on.relationChanged(rel), State({ relations: [rel] }));
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        'compute sent invalid slurmd data: interface-version: version 2 is not supported (this charm speaks slurmd version 1)',
      ),
    );
    expect(emitted(ctl, PartitionReadyEvent)).toHaveLength(0);
  });

  it('a deferred partitionReady is restored from its snapshot in the next dispatch', async () => {
    const rel = computeRel({ remoteAppData: partitionBag('compute', { Defer: 'yes' }) });
    const out = await ctl.run(ctl.on.relationChanged(rel), State({ relations: [rel] }));
    expect(out.deferred).toHaveLength(1);
    expect(out.deferred[0]?.snapshot).toMatchObject({ relation_id: rel.id, data: { name: 'compute' } });
    const again = await ctl.run(ctl.on.updateStatus(), out);
    expect(again.deferred).toHaveLength(1);
  });

  it('accessors: partitions() and nodes() read valid data only', async () => {
    const rel = computeRel({
      remoteUnitsData: { 0: { nodename: '"compute-0"' }, 1: { nodename: '"bad name"' }, 2: {} },
    });
    const out = await ctl.run(ctl.on.updateStatus(), State({ relations: [rel] }));
    expect(ctl.charm?.seen).toEqual({ partitions: ['compute'], nodes: ['compute/0=compute-0'] });
    expect(out.unitStatus.message).toMatch(/^compute\/1 sent invalid slurmd data: nodename: /);
  });
});

describe('slurmd side (SlurmdProvider)', () => {
  const ctlData = (key: Secret) => ({
    controllers: '["ctl-0:6817","ctl-1:6817"]',
    'cluster-name': '"hpc"',
    'munge-key-secret-id': JSON.stringify(key.id),
  });
  const granted = () => Secret({ label: 'munge-key', trackedContent: { key: KEY } });
  const ctlRel = (key: Secret, data?: Record<string, string>): AnyRelation =>
    Relation({ endpoint: 'slurmctld', remoteAppName: 'slurmctld', remoteAppData: data ?? ctlData(key) });

  it('leader: publishes the partition (named after the app) and its node, exactly as JSON', async () => {
    const rel = Relation({ endpoint: 'slurmctld', remoteAppName: 'slurmctld' });
    const out = await node.run(node.on.relationJoined(rel), State({ leader: true, relations: [rel] }));
    expect(node.charm?.published).toBe(true);
    expect(out.getRelation(rel.id).localAppData).toEqual({
      partition: '{"name":"compute","config":{"MaxTime":"1-00:00:00"}}',
      'interface-version': '1',
    });
    expect(out.getRelation(rel.id).localUnitData).toMatchObject({
      nodename: '"compute-0"',
      gres: '[{"name":"gpu","type":"tesla_t4","file":"/dev/nvidia[0-1]","count":2}]',
    });
  });

  it('follower: publishPartition returns false; the node is still published', async () => {
    const rel = Relation({ endpoint: 'slurmctld', remoteAppName: 'slurmctld' });
    const out = await node.run(node.on.relationJoined(rel), State({ relations: [rel] }));
    expect(node.charm?.published).toBe(false);
    expect(out.getRelation(rel.id).localAppData).toEqual({});
    expect(out.getRelation(rel.id).localUnitData.nodename).toBe('"compute-0"');
  });

  it.each([true, false])(
    'controllerReady (leader=%s) gives the data; the munge key comes from the secret',
    async (leader) => {
      const key = granted();
      const rel = ctlRel(key);
      const out = await node.run(
        node.on.relationChanged(rel),
        State({ leader, relations: [rel], secrets: [key] }),
      );
      const [ready] = emitted(node, ControllerReadyEvent);
      expect(ready?.controller.controllers).toEqual(['ctl-0:6817', 'ctl-1:6817']);
      expect(node.charm?.key).toBe(KEY);
      noSecretInBags(out, [KEY]);
    },
  );

  it('a munge key that is not granted, or is not a key, blocks without showing the content', async () => {
    const key = granted();
    const unseen = ctlRel(key);
    const missing = await node.run(node.on.relationChanged(unseen), State({ relations: [unseen] }));
    expect(missing.unitStatus.message).toMatch(
      /^slurmctld sent invalid slurmd data: munge-key-secret-id: secret .* not granted/,
    );

    const bad = Secret({ trackedContent: { key: 'short' } });
    const rel = ctlRel(bad);
    const out = await node.run(node.on.relationChanged(rel), State({ relations: [rel], secrets: [bad] }));
    expect(out.unitStatus.message).toMatch(
      /munge-key-secret-id: secret content key: must hold at least 32 bytes/,
    );
    expect(out.unitStatus.message).not.toContain('short');
  });

  it('created (leader) writes only the version; departed is quiet', async () => {
    const key = granted();
    const rel = ctlRel(key);
    const created = await node.run(
      node.on.relationCreated(rel),
      State({ leader: true, relations: [rel], secrets: [key] }),
    );
    expect(created.getRelation(rel.id).localAppData).toEqual({ 'interface-version': '1' });
    expect(emitted(node, ControllerReadyEvent)).toHaveLength(1);
    await node.run(node.on.relationDeparted(rel), State({ relations: [rel], secrets: [key] }));
    expect(emitted(node, ControllerReadyEvent)).toHaveLength(0);
    expect(emitted(node, ControllerGoneEvent)).toHaveLength(0);
  });

  it('bad controller data blocks and emits nothing; broken emits controllerGone', async () => {
    const key = granted();
    const rel = ctlRel(key, {
      ...ctlData(key),
      controllers: '["ctl-0"]',
      'munge-key-secret-id': '"hunter2"',
    });
    const out = await node.run(node.on.relationChanged(rel), State({ relations: [rel] }));
    expect(out.unitStatus.message).toMatch(
      /^slurmctld sent invalid slurmd data: controllers\.0: 'ctl-0' is not host:port/,
    );
    expect(ctlProblems(node.charm)).toEqual(['controllers.0', 'munge-key-secret-id']);
    expect(emitted(node, ControllerReadyEvent)).toHaveLength(0);

    await node.run(node.on.relationBroken(rel), out);
    expect(emitted(node, ControllerGoneEvent)).toHaveLength(1);
  });
});

function ctlProblems(charm: NodeCharm | undefined): string[] {
  return charm?.slurmctld.problems().map((p) => p.field) ?? [];
}
