/**
 * The slurmdbd interface, both sides: slurmctld (requirer) asks for accounting,
 * slurmdbd (provider) answers with its address.
 */
import {
  ActiveStatus,
  CharmBase,
  type CollectStatusEvent,
  type Framework,
} from '../../framework/ops/index.js';
import { Context, Relation, Secret, State } from '../../framework/testing/index.js';
import {
  DatabaseGoneEvent,
  DatabaseReadyEvent,
  SlurmdbdControllerGoneEvent,
  SlurmdbdControllerReadyEvent,
  SlurmdbdProvider,
  SlurmdbdRequirer,
} from '../../relations/slurmdbd.js';
import { emitted, noSecretInBags } from './helpers.js';

const KEY = Buffer.alloc(48, 3).toString('base64');

class CtlCharm extends CharmBase {
  readonly dbd = new SlurmdbdRequirer(this);
  published: boolean | undefined;
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.relationJoined('slurmdbd'), this.onJoined);
    this.observe(this.on.collectUnitStatus, this.onCollect);
  }
  onJoined(): void {
    this.published = this.dbd.publishController(this.model.getSecret({ label: 'munge' }));
  }
  onCollect(event: CollectStatusEvent): void {
    event.addStatus(new ActiveStatus());
  }
}

class DbdCharm extends CharmBase {
  readonly ctl = new SlurmdbdProvider(this);
  published: boolean | undefined;
  key: string | undefined;
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.relationJoined('slurmctld'), this.onJoined);
    this.observe(this.ctl.on.controllerReady, this.onController);
    this.observe(this.on.collectUnitStatus, this.onCollect);
  }
  onCollect(event: CollectStatusEvent): void {
    event.addStatus(new ActiveStatus());
  }
  onJoined(): void {
    this.published = this.ctl.publishDatabase({ host: 'dbd-0.example' });
  }
  onController(): void {
    this.key = this.ctl.mungeKey()?.key;
  }
}

const ctl = new Context(CtlCharm, {
  meta: 'name: slurmctld\nrequires:\n  slurmdbd: { interface: slurmdbd }\n',
});
const dbd = new Context(DbdCharm, {
  meta: 'name: slurmdbd\nprovides:\n  slurmctld: { interface: slurmdbd }\n',
});

const dbdRel = (data: Record<string, string> = { host: '"dbd-0"', port: '6819' }, id?: number) =>
  Relation({ endpoint: 'slurmdbd', remoteAppName: 'slurmdbd', remoteAppData: data, id });

describe('slurmctld side (SlurmdbdRequirer)', () => {
  it('relation-created (leader) writes the interface version; relation-joined grants and publishes the key id', async () => {
    const rel = Relation({ endpoint: 'slurmdbd', remoteAppName: 'slurmdbd' });
    const key = Secret({ owner: 'app', label: 'munge', trackedContent: { key: KEY } });
    const created = await ctl.run(ctl.on.relationCreated(rel), State({ leader: true, relations: [rel] }));
    expect(created.getRelation(rel.id).localAppData).toEqual({ 'interface-version': '1' });

    const out = await ctl.run(
      ctl.on.relationJoined(rel),
      State({ leader: true, relations: [rel], secrets: [key] }),
    );
    expect(ctl.charm?.published).toBe(true);
    expect(out.getRelation(rel.id).localAppData).toEqual({
      'munge-key-secret-id': JSON.stringify(key.id),
      'interface-version': '1',
    });
    expect(out.getSecret({ id: key.id }).remoteGrants[rel.id]).toEqual(['slurmdbd']);
    noSecretInBags(out, [KEY]);
  });

  it('a follower publishes nothing', async () => {
    const rel = Relation({ endpoint: 'slurmdbd', remoteAppName: 'slurmdbd' });
    const key = Secret({ owner: 'app', label: 'munge', trackedContent: { key: KEY } });
    const out = await ctl.run(ctl.on.relationJoined(rel), State({ relations: [rel], secrets: [key] }));
    expect(ctl.charm?.published).toBe(false);
    expect(out.getRelation(rel.id).localAppData).toEqual({});
    expect(out.getSecret({ id: key.id }).remoteGrants).toEqual({});
  });

  it.each([true, false])(
    'databaseReady (leader=%s) carries host and port; the port defaults to 6819',
    async (leader) => {
      const rel = dbdRel({ host: '"10.0.0.9"' });
      await ctl.run(ctl.on.relationChanged(rel), State({ leader, relations: [rel] }));
      expect(emitted(ctl, DatabaseReadyEvent).map((e) => e.database)).toEqual([
        { host: '10.0.0.9', port: 6819 },
      ]);
    },
  );

  it('databaseReady fires again only when the address changes', async () => {
    const rel = dbdRel();
    const first = await ctl.run(ctl.on.relationChanged(rel), State({ relations: [rel] }));
    await ctl.run(ctl.on.relationChanged(rel, { remoteUnit: 0 }), first);
    expect(emitted(ctl, DatabaseReadyEvent)).toHaveLength(0);
    const moved = dbdRel({ host: '"dbd-1"', port: '7000' }, rel.id);
    await ctl.run(ctl.on.relationChanged(moved), State({ ...first, relations: [moved] }));
    expect(emitted(ctl, DatabaseReadyEvent).map((e) => e.database)).toEqual([{ host: 'dbd-1', port: 7000 }]);
  });

  it('departed is quiet; broken emits databaseGone', async () => {
    const rel = dbdRel();
    await ctl.run(ctl.on.relationDeparted(rel, { remoteUnit: 0 }), State({ relations: [rel] }));
    expect(emitted(ctl, DatabaseGoneEvent)).toHaveLength(0);
    await ctl.run(ctl.on.relationBroken(rel), State({ relations: [rel] }));
    expect(emitted(ctl, DatabaseGoneEvent)).toHaveLength(1);
  });

  it.each([
    [{ host: '"bad host"', port: '6819' }, 'host: must be a host name or an IP address'],
    [{ host: '"dbd-0"', port: '70000' }, 'port: Too big'],
    [{ host: '"dbd-0"', port: '"6819"' }, 'port: Invalid input: expected number, received string'],
  ])('bad data %j blocks with the field and reason, and the hook succeeds', async (data, reason) => {
    const rel = dbdRel(data);
    const out = await ctl.run(ctl.on.relationChanged(rel), State({ leader: true, relations: [rel] }));
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toContain(`slurmdbd sent invalid slurmdbd data: ${reason}`);
    expect(out.appStatus).toEqual(out.unitStatus);
    expect(emitted(ctl, DatabaseReadyEvent)).toHaveLength(0);
  });

  it('another interface version is reported', async () => {
    const rel = dbdRel({ host: '"dbd-0"', 'interface-version': '3' });
    const out = await ctl.run(ctl.on.relationChanged(rel), State({ relations: [rel] }));
    expect(out.unitStatus.message).toBe(
      'slurmdbd sent invalid slurmdbd data: interface-version: version 3 is not supported (this charm speaks slurmdbd version 1)',
    );
  });
});

describe('slurmdbd side (SlurmdbdProvider)', () => {
  const ctlRel = (id: string) =>
    Relation({
      endpoint: 'slurmctld',
      remoteAppName: 'slurmctld',
      remoteAppData: { 'munge-key-secret-id': JSON.stringify(id) },
    });

  it('leader publishes host and port as JSON; a follower does not', async () => {
    const rel = Relation({ endpoint: 'slurmctld', remoteAppName: 'slurmctld' });
    const out = await dbd.run(dbd.on.relationJoined(rel), State({ leader: true, relations: [rel] }));
    expect(out.getRelation(rel.id).localAppData).toEqual({
      host: '"dbd-0.example"',
      port: '6819',
      'interface-version': '1',
    });
    const follower = await dbd.run(dbd.on.relationJoined(rel), State({ relations: [rel] }));
    expect(dbd.charm?.published).toBe(false);
    expect(follower.getRelation(rel.id).localAppData).toEqual({});
  });

  it('controllerReady: the munge key is read from the granted secret, never from the bag', async () => {
    const key = Secret({ trackedContent: { key: KEY } });
    const rel = ctlRel(key.id);
    const out = await dbd.run(dbd.on.relationChanged(rel), State({ relations: [rel], secrets: [key] }));
    expect(emitted(dbd, SlurmdbdControllerReadyEvent).map((e) => e.controller)).toEqual([
      { 'munge-key-secret-id': key.id },
    ]);
    expect(dbd.charm?.key).toBe(KEY);
    expect(out.getSecret({ id: key.id }).label).toBe('munge-key');
    noSecretInBags(out, [KEY]);
  });

  it('created (leader) writes the version and may already see the controller; departed is quiet', async () => {
    const key = Secret({ trackedContent: { key: KEY } });
    const rel = ctlRel(key.id);
    const out = await dbd.run(
      dbd.on.relationCreated(rel),
      State({ leader: true, relations: [rel], secrets: [key] }),
    );
    expect(out.getRelation(rel.id).localAppData).toEqual({ 'interface-version': '1' });
    expect(emitted(dbd, SlurmdbdControllerReadyEvent)).toHaveLength(1);
    await dbd.run(dbd.on.relationDeparted(rel), State({ relations: [rel], secrets: [key] }));
    expect(emitted(dbd, SlurmdbdControllerGoneEvent)).toHaveLength(0);
  });

  it('a key in the bag instead of a secret id is refused', async () => {
    const rel = ctlRel(KEY);
    const out = await dbd.run(dbd.on.relationChanged(rel), State({ relations: [rel] }));
    expect(out.unitStatus.message).toBe(
      'slurmctld sent invalid slurmdbd data: munge-key-secret-id: must be a Juju secret id (secret:…)',
    );
    expect(emitted(dbd, SlurmdbdControllerReadyEvent)).toHaveLength(0);
  });

  it('broken: controllerGone, and the problem of that relation is forgotten', async () => {
    const rel = ctlRel('nope');
    const bad = await dbd.run(dbd.on.relationChanged(rel), State({ relations: [rel] }));
    expect(bad.unitStatus.name).toBe('blocked');
    const out = await dbd.run(dbd.on.relationBroken(rel), bad);
    expect(emitted(dbd, SlurmdbdControllerGoneEvent)).toHaveLength(1);
    expect(out.unitStatus).toEqual(new ActiveStatus());
  });
});
