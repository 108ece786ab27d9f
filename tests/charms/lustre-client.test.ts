/**
 * The lustre-client subordinate: the exact LNet and mount argv with one and two MGS NIDs,
 * idempotence from /proc/mounts, unmount when the relation is broken or the mount moves,
 * the kernel check, bad endpoint data (reported by the interface) and the `mounted` flag.
 */
import { ActiveStatus, BlockedStatus, WaitingStatus } from '../../framework/ops/index.js';
import {
  DEFAULT_JUJU_DATABAG,
  RecordingMachine,
  Relation,
  State,
  StoredState,
  SubordinateRelation,
  type Context,
  type ExecHandler,
  type State as StateType,
} from '../../framework/testing/index.js';
import { formatLustreEndpoint, LustreClientUnitSchema } from '../../relations/lustre.js';
import { FRESH_LNET, clientContext as context, clientMachine, execs, fixture } from './lustre-fixtures.js';

const MGS = '10.0.0.11@tcp';
const MGS2 = '10.0.0.12@tcp';
const RELEASE = '6.1.0-18-amd64';

const principal = () =>
  SubordinateRelation({ endpoint: 'juju-info', remoteAppName: 'compute', remoteUnitId: 2 });
const toServer = (mgsNids: string[], fsName = 'lustre') =>
  Relation({
    endpoint: 'lustre',
    remoteAppName: 'lustre-server',
    remoteAppData: { endpoint: JSON.stringify(formatLustreEndpoint({ mgsNids, fsName })) },
  });

const mountExecs = (ctx: Context): string[][] =>
  execs(ctx).filter((argv) => ['mkdir', 'mount', 'umount'].includes(argv[0] ?? ''));

/** The unit databag this client wrote on relation `id`, without the keys Juju puts in every unit bag. */
const published = (out: StateType, id: number): Record<string, string> =>
  Object.fromEntries(
    Object.entries(out.getRelation(id).localUnitData).filter(([k]) => !(k in DEFAULT_JUJU_DATABAG)),
  );

const stored = (fsName: string, mountpoint: string) =>
  StoredState({ ownerPath: 'LustreClientCharm', name: 'stored', content: { fsName, mountpoint } });

describe('mounting', () => {
  it('with one MGS NID: LNet, mkdir, mount -t lustre <nid>:/<fs>; mounted published', async () => {
    const ctx = context();
    const rel = toServer([MGS]);
    const out = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ relations: [principal(), rel], machine: clientMachine() }),
    );
    expect(execs(ctx)).toEqual([
      ...FRESH_LNET,
      ['mkdir', '-p', '/mnt/lustre'],
      ['mount', '-t', 'lustre', '10.0.0.11@tcp:/lustre', '/mnt/lustre'],
    ]);
    expect(published(out, rel.id)).toEqual({ mounted: 'true', mountpoint: '"/mnt/lustre"' });
    expect(out.getRelation(rel.id).load(LustreClientUnitSchema, 'localUnit')).toEqual({
      mounted: true,
      mountpoint: '/mnt/lustre',
    });
    expect(out.unitStatus).toEqual(new ActiveStatus('mounted lustre at /mnt/lustre'));
  });

  it('with two MGS NIDs joins them with ":" (failover), at the configured mountpoint', async () => {
    const ctx = context();
    const rel = toServer([MGS, MGS2], 'scratch');
    const out = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ config: { mountpoint: '/scratch/' }, relations: [rel], machine: clientMachine() }),
    );
    expect(mountExecs(ctx)).toEqual([
      ['mkdir', '-p', '/scratch'],
      ['mount', '-t', 'lustre', '10.0.0.11@tcp:10.0.0.12@tcp:/scratch', '/scratch'],
    ]);
    expect(out.unitStatus).toEqual(new ActiveStatus('mounted scratch at /scratch'));
  });

  it('is idempotent: already mounted and LNet up → no mkdir, mount or net add', async () => {
    const ctx = context([
      { argv: ['lnetctl', 'net', 'show'], result: { stdout: fixture('lnetctl-net-show-tcp.yaml') } },
    ]);
    const rel = toServer([MGS, MGS2]);
    const machine = clientMachine({ '/proc/mounts': fixture('proc-mounts-client.txt') });
    const out = await ctx.run(ctx.on.updateStatus(), State({ relations: [rel], machine }));
    expect(execs(ctx)).toEqual([
      ['modprobe', 'lnet'],
      ['lnetctl', 'lnet', 'configure'],
      ['lnetctl', 'net', 'show'],
    ]);
    expect(published(out, rel.id)).toEqual({ mounted: 'true', mountpoint: '"/mnt/lustre"' });
    expect(out.getStoredState('LustreClientCharm', 'stored').content).toEqual({
      fsName: 'lustre',
      mountpoint: '/mnt/lustre',
    });
  });

  it('a mount that fails (MGS not serving yet) waits and reports not mounted', async () => {
    const ctx = context([
      {
        argv: ['mount'],
        result: {
          exitCode: 5,
          stderr: 'mount.lustre: mount 10.0.0.11@tcp:/lustre at /mnt/lustre failed: Input/output error\n',
        },
      },
    ]);
    const rel = toServer([MGS]);
    const out = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ relations: [rel], machine: clientMachine() }),
    );
    expect(out.unitStatus).toEqual(
      new WaitingStatus(
        'cannot mount 10.0.0.11@tcp:/lustre yet: mount -t lustre 10.0.0.11@tcp:/lustre /mnt/lustre exited 5: ' +
          'mount.lustre: mount 10.0.0.11@tcp:/lustre at /mnt/lustre failed: Input/output error',
      ),
    );
    expect(published(out, rel.id)).toEqual({ mounted: 'false', mountpoint: '"/mnt/lustre"' });
  });
});

describe('unmounting', () => {
  it('relation-broken unmounts what this unit mounted and asks for a server again', async () => {
    const ctx = context();
    const rel = toServer([MGS, MGS2]);
    const machine = clientMachine({ '/proc/mounts': fixture('proc-mounts-client.txt') });
    const out = await ctx.run(
      ctx.on.relationBroken(rel),
      State({ relations: [principal(), rel], machine, storedStates: [stored('lustre', '/mnt/lustre')] }),
    );
    expect(execs(ctx)).toEqual([['umount', '/mnt/lustre']]);
    expect(out.unitStatus).toEqual(new BlockedStatus('relate a lustre-server (MGS) application'));
    expect(out.getStoredState('LustreClientCharm', 'stored').content).toEqual({ fsName: '', mountpoint: '' });
  });

  it('a busy mount stays recorded and blocks saying why; update-status retries', async () => {
    const ctx = context([
      { argv: ['umount'], result: { exitCode: 32, stderr: 'umount: /mnt/lustre: target is busy.\n' } },
    ]);
    const rel = toServer([MGS]);
    const machine = clientMachine({ '/proc/mounts': fixture('proc-mounts-client.txt') });
    const out = await ctx.run(
      ctx.on.relationBroken(rel),
      State({ relations: [rel], machine, storedStates: [stored('lustre', '/mnt/lustre')] }),
    );
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        'cannot unmount lustre from /mnt/lustre: umount /mnt/lustre exited 32: umount: /mnt/lustre: target is busy.',
      ),
    );
    expect(out.getStoredState('LustreClientCharm', 'stored').content).toEqual({
      fsName: 'lustre',
      mountpoint: '/mnt/lustre',
    });
  });

  it('a new mountpoint unmounts the old one first, then mounts and publishes the new one', async () => {
    const ctx = context([
      { argv: ['lnetctl', 'net', 'show'], result: { stdout: fixture('lnetctl-net-show-tcp.yaml') } },
    ]);
    const rel = toServer([MGS, MGS2]);
    const machine = clientMachine({ '/proc/mounts': fixture('proc-mounts-client.txt') });
    const out = await ctx.run(
      ctx.on.configChanged(),
      State({
        config: { mountpoint: '/lustre' },
        relations: [rel],
        machine,
        storedStates: [stored('lustre', '/mnt/lustre')],
      }),
    );
    expect(mountExecs(ctx)).toEqual([
      ['umount', '/mnt/lustre'],
      ['mkdir', '-p', '/lustre'],
      ['mount', '-t', 'lustre', '10.0.0.11@tcp:10.0.0.12@tcp:/lustre', '/lustre'],
    ]);
    expect(published(out, rel.id)).toEqual({ mounted: 'true', mountpoint: '"/lustre"' });
  });
  it('a server that now names another filesystem: the old one is unmounted, then the new one mounted', async () => {
    const lnetUp: ExecHandler = {
      argv: ['lnetctl', 'net', 'show'],
      result: { stdout: fixture('lnetctl-net-show-tcp.yaml') },
    };
    const ctx = context([lnetUp]);
    const rel = toServer([MGS], 'scratch');
    const machine = clientMachine({ '/proc/mounts': fixture('proc-mounts-client.txt') });
    const first = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ relations: [rel], machine, storedStates: [stored('lustre', '/mnt/lustre')] }),
    );
    // A test machine's /proc/mounts does not change when umount runs: nothing is mounted over what it still lists.
    expect(mountExecs(ctx)).toEqual([['umount', '/mnt/lustre']]);
    expect(first.unitStatus).toEqual(
      new BlockedStatus('/mnt/lustre already has Lustre filesystem lustre mounted, not scratch'),
    );
    expect(published(first, rel.id)).toEqual({ mounted: 'false', mountpoint: '"/mnt/lustre"' });

    const unmounted = RecordingMachine.fromSnapshot(first.machine ?? machine.snapshot());
    await unmounted.files.write('/proc/mounts', fixture('proc-mounts-plain.txt'));
    const second = await ctx.run(ctx.on.updateStatus(), State({ ...first, machine: unmounted }));
    expect(mountExecs(ctx).slice(1)).toEqual([
      ['mkdir', '-p', '/mnt/lustre'],
      ['mount', '-t', 'lustre', '10.0.0.11@tcp:/scratch', '/mnt/lustre'],
    ]);
    expect(second.unitStatus).toEqual(new ActiveStatus('mounted scratch at /mnt/lustre'));
  });
});

describe('what blocks', () => {
  it('no lustre relation → Blocked, nothing run', async () => {
    const ctx = context();
    const out = await ctx.run(
      ctx.on.install(),
      State({ relations: [principal()], machine: clientMachine() }),
    );
    expect(out.unitStatus).toEqual(new BlockedStatus('relate a lustre-server (MGS) application'));
    expect(execs(ctx)).toEqual([]);
  });

  it('a kernel without Lustre → Blocked with the reason; not mounted is published', async () => {
    const ctx = context([
      {
        argv: ['modprobe', '-n'],
        result: { exitCode: 1, stderr: fixture('modprobe-n-lustre-missing.stderr') },
      },
      { argv: ['uname', '-r'], result: { stdout: `${RELEASE}\n` } },
    ]);
    const rel = toServer([MGS]);
    const machine = new RecordingMachine({
      files: { '/proc/filesystems': fixture('proc-filesystems-debian12.txt') },
    });
    const out = await ctx.run(ctx.on.relationChanged(rel), State({ relations: [rel], machine }));
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        `the running kernel ${RELEASE} has no Lustre module: install lustre-client-modules-${RELEASE} or a Lustre-patched kernel`,
      ),
    );
    expect(mountExecs(ctx)).toEqual([]);
    expect(published(out, rel.id)).toEqual({ mounted: 'false', mountpoint: '"/mnt/lustre"' });
  });

  it('bad endpoint data → Blocked naming the application and field; nothing mounted', async () => {
    const ctx = context();
    const rel = Relation({
      endpoint: 'lustre',
      remoteAppName: 'lustre-server',
      remoteAppData: { endpoint: '"lustre://(10.0.0.11@tcp)/?fs-name=lustre"' },
    });
    const out = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ relations: [rel], machine: clientMachine() }),
    );
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        "lustre-server sent invalid lustre data: endpoint: 'lustre://(10.0.0.11@tcp)/?fs-name=lustre' is not a " +
          "lustre:// endpoint: '@' in '10.0.0.11@tcp' must be percent-encoded as %40",
      ),
    );
    expect(mountExecs(ctx)).toEqual([]);
  });

  it('no endpoint yet → Waiting, not mounted published', async () => {
    const ctx = context();
    const rel = Relation({ endpoint: 'lustre', remoteAppName: 'lustre-server' });
    const out = await ctx.run(
      ctx.on.relationCreated(rel),
      State({ relations: [rel], machine: clientMachine() }),
    );
    expect(out.unitStatus).toEqual(new WaitingStatus('waiting for lustre-server to publish the filesystem'));
    expect(published(out, rel.id)).toEqual({ mounted: 'false', mountpoint: '"/mnt/lustre"' });
  });

  it('an endpoint with host-name NIDs, which mount.lustre here cannot take → Blocked saying so', async () => {
    const ctx = context();
    const rel = toServer(['mgs-a.example@tcp']);
    const out = await ctx.run(
      ctx.on.relationChanged(rel),
      State({ relations: [rel], machine: clientMachine() }),
    );
    expect(out.unitStatus.name).toBe('blocked');
    expect(out.unitStatus.message).toMatch(
      /^lustre-server published a filesystem this client cannot mount: invalid NID "mgs-a.example@tcp"/,
    );
    expect(mountExecs(ctx)).toEqual([]);
  });

  it.each([
    [
      { mountpoint: 'mnt/lustre' },
      'mountpoint: "mnt/lustre" must be an absolute path below / without spaces or ".."',
    ],
    [{ mountpoint: '/' }, 'mountpoint: "/" must be an absolute path below / without spaces or ".."'],
    [
      { 'lnet-network': 'ib0' },
      'lnet-network: invalid LNet network "ib0": expected one of tcp, o2ib, gni, kfi, lo with an optional number (e.g. tcp0, o2ib1)',
    ],
  ])('bad config %j → Blocked naming the option', async (config, message) => {
    const ctx = context();
    const rel = toServer([MGS]);
    const out = await ctx.run(
      ctx.on.configChanged(),
      State({ config, relations: [rel], machine: clientMachine() }),
    );
    expect(out.unitStatus).toEqual(new BlockedStatus(`Invalid config: ${message}`));
    expect(execs(ctx)).toEqual([]);
  });
});
