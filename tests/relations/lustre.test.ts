/**
 * The lustre interface: the lustre:// endpoint format, lustre-server (provider,
 * MGS side) and lustre-client (requirer).
 */
import {
  ActiveStatus,
  CharmBase,
  type CollectStatusEvent,
  type Framework,
} from '../../framework/ops/index.js';
import { Context, Relation, State } from '../../framework/testing/index.js';
import {
  ClientMountChangedEvent,
  EndpointGoneEvent,
  EndpointReadyEvent,
  LustreEndpointError,
  LustreProvider,
  LustreRequirer,
  formatLustreEndpoint,
  lustreMountSource,
  parseLustreEndpoint,
} from '../../relations/lustre.js';
import { emitted } from './helpers.js';

const REFERENCE = 'lustre://(192.168.227.11%40tcp1,192.168.227.12%40tcp1)/?fs-name=lustre';

describe('lustre:// endpoints', () => {
  it('parses the reference example and formats it back byte for byte', () => {
    const parsed = parseLustreEndpoint(REFERENCE);
    expect(parsed).toEqual({ mgsNids: ['192.168.227.11@tcp1', '192.168.227.12@tcp1'], fsName: 'lustre' });
    expect(formatLustreEndpoint(parsed)).toBe(REFERENCE);
    expect(lustreMountSource(parsed)).toBe('192.168.227.11@tcp1:192.168.227.12@tcp1:/lustre');
  });

  it.each([
    ['10.0.0.1@o2ib1', 'x'],
    ['mgs-a.example@tcp', 'scratch_'],
    ['0@lo', 'fs-01'],
  ])('round-trips %s / %s', (nid, fsName) => {
    const text = formatLustreEndpoint({ mgsNids: [nid], fsName });
    expect(text).not.toContain('@');
    expect(parseLustreEndpoint(text)).toEqual({ mgsNids: [nid], fsName });
  });

  it.each([
    ['nfs://(10.0.0.1%40tcp)/?fs-name=x', 'must start with lustre://'],
    ['lustre://10.0.0.1%40tcp/?fs-name=x', 'expected lustre://(<nid>,…)/?fs-name=<name>'],
    ['lustre://()/?fs-name=x', 'names no MGS NID'],
    ['lustre://(10.0.0.1@tcp)/?fs-name=x', `'@' in '10.0.0.1@tcp' must be percent-encoded as %40`],
    ['lustre://(10.0.0.1)/?fs-name=x', `'10.0.0.1' must be <address>%40<network>`],
    ['lustre://(10.0.0.1%40tcp,)/?fs-name=x', `'' must be <address>%40<network>`],
    ['lustre://(10.0.0.1%40TCP)/?fs-name=x', `'10.0.0.1@TCP' is not an LNet NID`],
    ['lustre://(a%40tcp,a%40tcp)/?fs-name=x', 'names an MGS NID twice'],
    ['lustre://(a%40tcp)/?fs-name=x&mount=y', `fs-name 'x&mount=y' must be 1-8`],
    ['lustre://(a%40tcp)/?name=x', 'the query must be exactly fs-name=<name>'],
    ['lustre://(a%40tcp)/?fs-name=toolongname', `fs-name 'toolongname' must be 1-8`],
    ['lustre://(a%40tcp)/path?fs-name=x', 'expected lustre://'],
  ])('refuses %s', (text, why) => {
    expect(() => parseLustreEndpoint(text)).toThrow(LustreEndpointError);
    expect(() => parseLustreEndpoint(text)).toThrow(why);
  });

  it('format refuses bad parts', () => {
    expect(() => formatLustreEndpoint({ mgsNids: [], fsName: 'x' })).toThrow(/mgsNids/);
    expect(() => formatLustreEndpoint({ mgsNids: ['10.0.0.1'], fsName: 'x' })).toThrow(/LNet NID/);
    expect(() => formatLustreEndpoint({ mgsNids: ['a@tcp'], fsName: 'a b' })).toThrow(/fsName/);
  });
});

class ServerCharm extends CharmBase {
  readonly lustre = new LustreProvider(this);
  published: boolean | undefined;
  clients: string[] = [];
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.relationJoined('lustre'), this.onJoined);
    this.observe(this.on.updateStatus, this.onUpdateStatus);
    this.observe(this.on.collectUnitStatus, this.onCollect);
  }
  onJoined(): void {
    this.published = this.lustre.publishEndpoint({
      mgsNids: ['10.0.0.1@tcp', '10.0.0.2@tcp'],
      fsName: 'scratch',
    });
  }
  onUpdateStatus(): void {
    this.clients = this.lustre.clients().map((c) => `${c.unit.name}:${c.mount.mounted}`);
  }
  onCollect(event: CollectStatusEvent): void {
    event.addStatus(new ActiveStatus());
  }
}

class ClientCharm extends CharmBase {
  readonly lustre = new LustreRequirer(this);
  source: string | undefined;
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.lustre.on.endpointReady, this.onReady);
  }
  onReady(event: EndpointReadyEvent): void {
    this.source = lustreMountSource(event.endpoint);
    this.lustre.publishMount({ mounted: true, mountpoint: '/scratch' }, event.relation);
  }
}

const server = new Context(ServerCharm, {
  meta: 'name: lustre-server\nprovides:\n  lustre: { interface: lustre }\n',
});
const client = new Context(ClientCharm, {
  meta: 'name: lustre-client\nrequires:\n  lustre: { interface: lustre }\n',
});

describe('server (LustreProvider)', () => {
  const clientsRel = (units: Record<number, Record<string, string>>) =>
    Relation({ endpoint: 'lustre', remoteAppName: 'lustre-client', remoteUnitsData: units });

  it('leader publishes the endpoint as one JSON string; a follower does not', async () => {
    const rel = clientsRel({ 0: {} });
    const out = await server.run(server.on.relationJoined(rel), State({ leader: true, relations: [rel] }));
    expect(out.getRelation(rel.id).localAppData).toEqual({
      endpoint: '"lustre://(10.0.0.1%40tcp,10.0.0.2%40tcp)/?fs-name=scratch"',
      'interface-version': '1',
    });
    const follower = await server.run(server.on.relationJoined(rel), State({ relations: [rel] }));
    expect(server.charm?.published).toBe(false);
    expect(follower.getRelation(rel.id).localAppData).toEqual({});
  });

  it('clientMountChanged on joined/changed with the mount; departed with null', async () => {
    const rel = clientsRel({ 0: { mounted: 'true', mountpoint: '"/scratch"' }, 1: {} });
    await server.run(server.on.relationChanged(rel, { remoteUnit: 0 }), State({ relations: [rel] }));
    expect(emitted(server, ClientMountChangedEvent).map((e) => [e.unit?.name, e.mount])).toEqual([
      ['lustre-client/0', { mounted: true, mountpoint: '/scratch' }],
    ]);
    await server.run(server.on.relationJoined(rel, { remoteUnit: 1 }), State({ relations: [rel] }));
    expect(emitted(server, ClientMountChangedEvent)).toHaveLength(0);
    await server.run(server.on.relationDeparted(rel, { remoteUnit: 0 }), State({ relations: [rel] }));
    expect(emitted(server, ClientMountChangedEvent).map((e) => e.mount)).toEqual([null]);
    await server.run(server.on.updateStatus(), State({ relations: [rel] }));
    expect(server.charm?.clients).toEqual(['lustre-client/0:true']);
  });

  it('a bad client mount blocks naming the unit; the hook succeeds', async () => {
    const rel = clientsRel({ 2: { mounted: '"yes"', mountpoint: '"scratch"' } });
    const out = await server.run(
      server.on.relationChanged(rel, { remoteUnit: 2 }),
      State({ relations: [rel] }),
    );
    expect(out.unitStatus.message).toBe(
      'lustre-client/2 sent invalid lustre data: mounted: Invalid input: expected boolean, received string',
    );
    expect(emitted(server, ClientMountChangedEvent)).toHaveLength(0);
  });

  it('created and broken do not fail', async () => {
    const rel = clientsRel({ 0: {} });
    await server.run(server.on.relationCreated(rel), State({ relations: [rel] }));
    await server.run(server.on.relationBroken(rel), State({ relations: [rel] }));
  });
});

describe('client (LustreRequirer)', () => {
  const serverRel = (data: Record<string, string>) =>
    Relation({ endpoint: 'lustre', remoteAppName: 'lustre-server', remoteAppData: data });

  it.each([true, false])(
    'endpointReady carries the parsed endpoint; the mount is reported (leader=%s)',
    async (leader) => {
      const rel = serverRel({ endpoint: JSON.stringify(REFERENCE) });
      const out = await client.run(client.on.relationChanged(rel), State({ leader, relations: [rel] }));
      expect(emitted(client, EndpointReadyEvent).map((e) => e.endpoint.fsName)).toEqual(['lustre']);
      expect(client.charm?.source).toBe('192.168.227.11@tcp1:192.168.227.12@tcp1:/lustre');
      expect(out.getRelation(rel.id).localUnitData).toMatchObject({
        mounted: 'true',
        mountpoint: '"/scratch"',
      });
    },
  );

  it('a bad endpoint blocks with the parser reason and emits nothing', async () => {
    const rel = serverRel({ endpoint: '"lustre://(10.0.0.1@tcp)/?fs-name=x"' });
    const out = await client.run(client.on.relationChanged(rel), State({ relations: [rel] }));
    expect(out.unitStatus).toEqual(
      expect.objectContaining({
        name: 'blocked',
        message: expect.stringMatching(
          /^lustre-server sent invalid lustre data: endpoint: .*must be percent-encoded as %40$/,
        ),
      }),
    );
    expect(emitted(client, EndpointReadyEvent)).toHaveLength(0);
  });

  it('another interface version is reported; joined and departed are quiet; broken emits endpointGone', async () => {
    const rel = serverRel({ endpoint: JSON.stringify(REFERENCE), 'interface-version': '9' });
    const out = await client.run(client.on.relationChanged(rel), State({ relations: [rel] }));
    expect(out.unitStatus.message).toContain('interface-version: version 9 is not supported');
    for (const ev of [
      client.on.relationCreated(rel),
      client.on.relationJoined(rel),
      client.on.relationDeparted(rel),
    ]) {
      await client.run(ev, State({ relations: [rel] }));
      expect(emitted(client, EndpointGoneEvent)).toHaveLength(0);
    }
    await client.run(client.on.relationBroken(rel), State({ relations: [rel] }));
    expect(emitted(client, EndpointGoneEvent)).toHaveLength(1);
  });
});
