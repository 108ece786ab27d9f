/**
 * The shared base of relation interfaces: databag codecs, shared schema pieces,
 * endpoint checks, per-endpoint objects and how data problems are kept.
 */
import { CharmBase, type Framework } from '../../framework/ops/index.js';
import { Context, Relation, State } from '../../framework/testing/index.js';
import {
  HostPortSchema,
  SecretIdSchema,
  formatHostPort,
  jsonCodec,
  parseHostPort,
  plainCodec,
  type DataProblem,
} from '../../relations/index.js';
import { SlurmdRequirer } from '../../relations/slurmd.js';
import { SlurmdbdRequirer } from '../../relations/slurmdbd.js';

describe('codecs', () => {
  it('jsonCodec: one JSON value per key; undefined deletes; non-JSON reads as the string', () => {
    expect(jsonCodec.encode({ a: 'x', b: 2, c: [1], d: undefined })).toEqual({
      a: '"x"',
      b: '2',
      c: '[1]',
      d: '',
    });
    expect(jsonCodec.decode({ a: '"x"', b: '2', c: 'plain text' })).toEqual({
      a: 'x',
      b: 2,
      c: 'plain text',
    });
  });

  it('plainCodec: strings as they are, listed fields as JSON, JSON-quoted strings tolerated', () => {
    const codec = plainCodec(['list']);
    expect(codec.encode({ s: 'a:1', n: 3, list: ['u'], gone: undefined })).toEqual({
      s: 'a:1',
      n: '3',
      list: '["u"]',
      gone: '',
    });
    expect(codec.decode({ s: '8.0', q: '"quoted"', list: '["u"]', bad: '[' })).toEqual({
      s: '8.0',
      q: 'quoted',
      list: ['u'],
      bad: '[',
    });
  });
});

describe('shared schema pieces', () => {
  it('host:port parses names, IPv4 and bracketed IPv6, and formats back', () => {
    expect(parseHostPort('ctl-0.example:6817')).toEqual({ host: 'ctl-0.example', port: 6817 });
    expect(parseHostPort('[fd00::1]:6819')).toEqual({ host: 'fd00::1', port: 6819 });
    expect(formatHostPort({ host: 'fd00::1', port: 6819 })).toBe('[fd00::1]:6819');
    for (const bad of ['ctl', 'ctl:', ':6817', 'ctl:99999', 'bad host:1', 'fd00::1:6819'])
      expect(HostPortSchema.safeParse(bad).success).toBe(false);
  });

  it('secret ids are ids, not content', () => {
    expect(SecretIdSchema.safeParse('secret:cvh7kruupa1s46bqvuig').success).toBe(true);
    expect(
      SecretIdSchema.safeParse('secret://0a1b2c3d-0000-4000-8000-000000000000/cvh7kruupa1s46bqvuig').success,
    ).toBe(true);
    expect(SecretIdSchema.safeParse('hunter2').success).toBe(false);
  });
});

const meta = `name: ctl
requires:
  slurmd: { interface: slurmd }
  gpu-nodes: { interface: slurmd }
  slurmdbd: { interface: slurmdbd }
`;

let found: Record<string, DataProblem[]> = {};

class TwoPartitions extends CharmBase {
  readonly cpu = new SlurmdRequirer(this, 'slurmd');
  readonly gpu = new SlurmdRequirer(this, 'gpu-nodes');
  constructor(framework: Framework) {
    super(framework);
    this.observe(this.on.updateStatus, this.onUpdateStatus);
  }
  onUpdateStatus(): void {
    found = { cpu: this.cpu.problems(), gpu: this.gpu.problems() };
  }
}

describe('RelationInterface', () => {
  it('refuses an endpoint charm.yaml lacks, or one of another interface', async () => {
    class Missing extends CharmBase {
      readonly x = new SlurmdRequirer(this, 'nope');
    }
    class Wrong extends CharmBase {
      readonly x = new SlurmdbdRequirer(this, 'slurmd');
    }
    const missing = new Context(Missing, { meta });
    await expect(missing.run(missing.on.install(), State())).rejects.toThrow(/declares no endpoint 'nope'/);
    const wrong = new Context(Wrong, { meta });
    await expect(wrong.run(wrong.on.install(), State())).rejects.toThrow(
      /endpoint 'slurmd' has interface 'slurmd' in charm.yaml, not 'slurmdbd'/,
    );
  });

  it('one object per endpoint: problems and memory are kept apart, under the endpoint key', async () => {
    const ctx = new Context(TwoPartitions, { meta });
    const bad = Relation({
      endpoint: 'gpu-nodes',
      remoteAppName: 'gpu',
      remoteAppData: { partition: '{"name":"gpu","config":{"Max Time":"1"}}' },
    });
    const good = Relation({
      endpoint: 'slurmd',
      remoteAppName: 'compute',
      remoteAppData: { partition: '{"name":"compute"}' },
    });
    const out = await ctx.run(ctx.on.relationChanged(bad), State({ relations: [bad, good] }));
    expect(out.unitStatus.message).toBe(
      'gpu sent invalid slurmd data: partition.config.Max Time: must be a Slurm key (letters, digits, _)',
    );
    expect(out.getStoredState('TwoPartitions/SlurmdRequirer[gpu-nodes]', 'interface').content).toMatchObject({
      problems: [{ relationId: bad.id, app: 'gpu', unit: null, field: 'partition.config.Max Time' }],
    });

    await ctx.run(ctx.on.updateStatus(), out);
    expect(found.cpu).toEqual([]);
    expect(found.gpu).toEqual([
      {
        relationId: bad.id,
        app: 'gpu',
        unit: null,
        field: 'partition.config.Max Time',
        reason: 'must be a Slurm key (letters, digits, _)',
      },
    ]);

    // The relation left the model without a broken hook reaching us: the problem is dropped.
    await ctx.run(ctx.on.updateStatus(), State({ ...out, relations: [good] }));
    expect(found.gpu).toEqual([]);
  });
});
