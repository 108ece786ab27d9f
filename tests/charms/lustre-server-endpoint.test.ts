/**
 * The lustre-server charm's config and endpoint: config refusals naming the option (nothing
 * run), and the `lustre://` endpoint only the MGS leader publishes, in the reference format.
 */
import { BlockedStatus } from '../../framework/ops/index.js';
import { Relation, State, type ExecHandler } from '../../framework/testing/index.js';
import { parseServerConfig } from '../../charms/lustre-server/src/config.js';
import { LustreServerAppSchema, parseLustreEndpoint } from '../../relations/lustre.js';
import { execs, fixture, formatted, ok, serverContext as context, serverMachine } from './lustre-fixtures.js';

const NID = '10.0.0.11@tcp';

const clients = () =>
  Relation({ endpoint: 'lustre', remoteAppName: 'lustre-client', remoteUnitsData: { 0: {} } });

describe('bad config', () => {
  it.each([
    [{ device: '/dev/sdb' }, 'role: set it to one of mgs, mdt, ost, mgs-mdt'],
    [{ role: 'oss', device: '/dev/sdb' }, 'role: set it to one of mgs, mdt, ost, mgs-mdt, got "oss"'],
    [{ role: 'mdt' }, 'device: set it to the block device that holds the mdt target'],
    [
      { role: 'mdt', device: '/dev/sdc' },
      'mgs-nids: a mdt target needs the MGS NIDs, space-separated (e.g. 10.0.0.11@tcp 10.0.0.12@tcp)',
    ],
    [
      { role: 'ost', device: '/dev/sdd', 'mgs-nids': '10.0.0.11' },
      'mgs-nids: invalid NID "10.0.0.11": missing "@<network>" (e.g. 10.0.0.1@tcp)',
    ],
    [
      { role: 'mgs-mdt', device: '/dev/sdb', 'fs-name': 'toolongname' },
      'fs-name: invalid Lustre filesystem name "toolongname": 1 to 8 letters, digits, "_" or "-"',
    ],
    [
      { role: 'mgs-mdt', device: '/dev/sdb', index: 70000 },
      'index: must be an integer from 0 to 65535, got 70000',
    ],
    [
      { role: 'mgs', device: '/dev/sdb', 'lnet-network': 'eth0' },
      'lnet-network: invalid LNet network "eth0": expected one of tcp, o2ib, gni, kfi, lo with an optional number (e.g. tcp0, o2ib1)',
    ],
    [
      { role: 'mgs', device: '/dev/sdb', 'lnet-interface': 'eth 0' },
      'lnet-interface: invalid network interface name "eth 0"',
    ],
    [
      { role: 'mgs', device: 'sdb' },
      'device: the target device must be an absolute path without "..", got "sdb"',
    ],
    [
      { role: 'mgs', device: '/dev/sdb', mountpoint: 'lustre/mgs' },
      'mountpoint: the target mountpoint must be an absolute path without "..", got "lustre/mgs"',
    ],
  ])('%j → Blocked naming the option, nothing run', async (config, message) => {
    const ctx = context([]);
    const out = await ctx.run(ctx.on.configChanged(), State({ config, machine: serverMachine() }));
    expect(out.unitStatus).toEqual(new BlockedStatus(`Invalid config: ${message}`));
    expect(execs(ctx)).toEqual([]);
  });

  it('parses a good config into the library spec', () => {
    expect(
      parseServerConfig({
        role: 'mgs-mdt',
        device: '/dev/sdb',
        'fs-name': 'lustre',
        index: 0,
        'mgs-nids': '',
        'lnet-network': 'tcp0',
        'lnet-interface': 'eth0',
        mountpoint: '',
      }),
    ).toEqual({
      role: 'mgs-mdt',
      fsName: 'lustre',
      mgsNids: [],
      lnet: { net: 'tcp0', iface: 'eth0' },
      mountpoint: '/lustre/lustre-mgs-mdt0',
      target: {
        role: 'mgs+mdt',
        device: '/dev/sdb',
        mountpoint: '/lustre/lustre-mgs-mdt0',
        fsname: 'lustre',
        index: 0,
      },
    });
  });
});

describe('the lustre endpoint', () => {
  const mgsMdt = { role: 'mgs-mdt', device: '/dev/sdb', mountpoint: '/mnt/lustre/mdt0' };
  const mounted = () => serverMachine({ '/proc/mounts': fixture('proc-mounts-server-mdt.txt') });
  const lnetUp: ExecHandler = {
    argv: ['lnetctl', 'net', 'show'],
    result: { stdout: fixture('lnetctl-net-show-tcp.yaml') },
  };

  it('the MGS leader publishes its own NIDs in the reference format', async () => {
    const ctx = context([lnetUp]);
    const rel = clients();
    const out = await ctx.run(
      ctx.on.relationJoined(rel, { remoteUnit: 0 }),
      State({ leader: true, config: mgsMdt, relations: [rel], machine: mounted() }),
    );
    expect(out.getRelation(rel.id).localAppData).toEqual({
      endpoint: '"lustre://(10.0.0.11%40tcp)/?fs-name=lustre"',
      'interface-version': '1',
    });
    const endpoint = out.getRelation(rel.id).load(LustreServerAppSchema, 'localApp').endpoint;
    expect(parseLustreEndpoint(endpoint)).toEqual({ mgsNids: [NID], fsName: 'lustre' });
  });

  it('configured mgs-nids name a failover pair', async () => {
    const ctx = context([lnetUp]);
    const rel = clients();
    const config = { ...mgsMdt, 'mgs-nids': '192.168.227.11@tcp1 192.168.227.12@tcp1' };
    const out = await ctx.run(
      ctx.on.leaderElected(),
      State({ leader: true, config, relations: [rel], machine: mounted() }),
    );
    expect(out.getRelation(rel.id).localAppData.endpoint).toBe(
      JSON.stringify('lustre://(192.168.227.11%40tcp1,192.168.227.12%40tcp1)/?fs-name=lustre'),
    );
  });

  it('a follower, an OST leader and a target that is not mounted publish nothing', async () => {
    const rel = clients();
    const follower = context([lnetUp]);
    const out = await follower.run(
      follower.on.updateStatus(),
      State({ config: mgsMdt, relations: [rel], machine: mounted() }),
    );
    expect(out.getRelation(rel.id).localAppData).toEqual({});

    const ost = context([lnetUp, formatted('tunefs-dryrun-ost1.txt'), ...ok('mkdir', 'mount')]);
    const config = { role: 'ost', device: '/dev/sdd', index: 1, 'mgs-nids': NID };
    const ostOut = await ost.run(
      ost.on.updateStatus(),
      State({ leader: true, config, relations: [rel], machine: serverMachine() }),
    );
    expect(ostOut.getRelation(rel.id).localAppData).toEqual({});

    const blocked = context([lnetUp, formatted('tunefs-dryrun-ost1.txt')]);
    const blockedOut = await blocked.run(
      blocked.on.updateStatus(),
      State({
        leader: true,
        config: { ...mgsMdt, mountpoint: '' },
        relations: [rel],
        machine: serverMachine(),
      }),
    );
    expect(blockedOut.unitStatus.name).toBe('blocked');
    expect(blockedOut.getRelation(rel.id).localAppData).toEqual({});
  });

  it('a client reporting bad mount data blocks naming the unit; the hook succeeds', async () => {
    const ctx = context([lnetUp]);
    const rel = Relation({
      endpoint: 'lustre',
      remoteAppName: 'lustre-client',
      remoteUnitsData: { 2: { mounted: '"yes"', mountpoint: '"/mnt/lustre"' } },
    });
    const out = await ctx.run(
      ctx.on.relationChanged(rel, { remoteUnit: 2 }),
      State({ leader: true, config: mgsMdt, relations: [rel], machine: mounted() }),
    );
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        'lustre-client/2 sent invalid lustre data: mounted: Invalid input: expected boolean, received string',
      ),
    );
  });
});
