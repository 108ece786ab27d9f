/** Operator-supplied `Key=Value` lines (slurm-conf-parameters, partition-config) and managed keys. */
import {
  ParameterLineError,
  formatParameterLine,
  isManagedKey,
  managedKeysIn,
  parseParameterLine,
  parseSlurmConf,
} from '../../charms/lib/slurm/index.js';

const failure = (text: string): ParameterLineError => {
  try {
    parseParameterLine(text);
  } catch (err) {
    if (err instanceof ParameterLineError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
};

describe('parseParameterLine', () => {
  it('returns ordered pairs, quotes removed and escapes resolved', () => {
    expect(parseParameterLine('MaxTime=60 Reason="planned work"  Default=YES State=UP')).toEqual([
      { key: 'MaxTime', value: '60' },
      { key: 'Reason', value: 'planned work' },
      { key: 'Default', value: 'YES' },
      { key: 'State', value: 'UP' },
    ]);
    expect(parseParameterLine('  SchedulerParameters=bf_interval=30,bf_max_job_test=500 ')).toEqual([
      { key: 'SchedulerParameters', value: 'bf_interval=30,bf_max_job_test=500' },
    ]);
    expect(parseParameterLine('Comment=a\\#b Empty="" Key =v')).toEqual([
      { key: 'Comment', value: 'a#b' },
      { key: 'Empty', value: '' },
      { key: 'Key', value: 'v' },
    ]);
    expect(parseParameterLine('')).toEqual([]);
    expect(parseParameterLine('   ')).toEqual([]);
  });

  it.each([
    ['A=1\nB=2', undefined, 3, /a line break at position 3: parameters must be on one line/],
    ['A=1\r', undefined, 3, /line break/],
    ['A=\0', undefined, 2, /a NUL byte at position 2/],
    ['A=1 # note', undefined, 4, /"#" at position 4 would start a comment/],
    ['A=1 \\', undefined, 4, /trailing "\\" at position 4 would continue the line/],
    ['A=1 junk', undefined, 4, /expected Key=Value at position 4, found "junk"/],
    ['my-key=1', 'my-key', 0, /key "my-key" at position 0 is not an identifier/],
    ['A=1 1B=2', '1B', 4, /key "1B" at position 4 is not an identifier/],
    ['A.b=1', 'A.b', 0, /not an identifier/],
    ['=1', undefined, 0, /key "" at position 0 is not an identifier/],
    ['Reason="half open', 'Reason', 0, /the value of Reason has an unbalanced quote/],
    ['Reason="a b"c', 'Reason', 0, /a quote inside it; quote the whole value/],
    ['Reason=a"b', 'Reason', 0, /unbalanced quote/],
    ['Weight= Features=gpu', 'Weight', 0, /Weight has no value right after "="/],
    ['A=1 Weight=', 'Weight', 4, /Weight has no value/],
    ['Nodes+=n1', 'Nodes', 0, /Nodes\+=: only "=" is allowed/],
    ['MaxTime=1 maxtime=2', 'maxtime', 10, /maxtime is given twice/],
  ])('refuses %j', (text, key, position, message) => {
    const err = failure(text);
    expect(err.message).toMatch(message);
    expect(err.key).toBe(key);
    expect(err.position).toBe(position);
  });

  it('reports positions in the input, escapes counted', () => {
    expect(failure('A=\\#\\# bad').position).toBe(7);
  });

  it('formats pairs back so that both parsers read the same values', () => {
    const pairs = [
      { key: 'Reason', value: 'disk #3 failed' },
      { key: 'Nodes', value: 'n[1-4]' },
      { key: 'Empty', value: '' },
    ];
    const line = formatParameterLine(pairs);
    expect(line).toBe('Reason="disk \\#3 failed" Nodes=n[1-4] Empty=""');
    expect(parseParameterLine(line)).toEqual(pairs);
    const conf = parseSlurmConf(`PartitionName=p ${line}\n`);
    expect(Object.fromEntries(conf.records('PartitionName')[0]?.params ?? [])).toEqual({
      Reason: 'disk #3 failed',
      Nodes: 'n[1-4]',
      Empty: '',
    });
  });
});

describe('managed keys', () => {
  const managed = ['ClusterName', 'SlurmctldHost', 'AuthType', 'MaxNodeCount'] as const;

  it('compares keys case-insensitively', () => {
    expect(isManagedKey('clustername', managed)).toBe(true);
    expect(isManagedKey('CLUSTERNAME', managed)).toBe(true);
    expect(isManagedKey('ClusterNames', managed)).toBe(false);
  });

  it('names the managed keys of a parameter line as the operator spelled them', () => {
    const pairs = parseParameterLine('maxnodecount=5 SchedulerType=sched/backfill AUTHTYPE=auth/none');
    expect(managedKeysIn(pairs, managed)).toEqual(['maxnodecount', 'AUTHTYPE']);
    expect(managedKeysIn(parseParameterLine('SchedulerType=sched/backfill'), managed)).toEqual([]);
  });
});
