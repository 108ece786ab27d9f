/** Slurm hostlists: expansion with padding and several ranges, canonical compression, errors. */
import {
  HostlistError,
  MAX_HOSTLIST_NAMES,
  compressHostlist,
  expandHostlist,
  hostlistCount,
} from '../../charms/lib/slurm/index.js';

describe('expandHostlist', () => {
  it.each([
    ['node1', ['node1']],
    ['node[1-4,7]', ['node1', 'node2', 'node3', 'node4', 'node7']],
    ['node[1-4,7],gpu-[01-03]', ['node1', 'node2', 'node3', 'node4', 'node7', 'gpu-01', 'gpu-02', 'gpu-03']],
    ['n[8-10]', ['n8', 'n9', 'n10']],
    ['n[08-10]', ['n08', 'n09', 'n10']],
    ['n[098-101]', ['n098', 'n099', 'n100', 'n101']],
    ['[1-2]', ['1', '2']],
    ['node[1-2]-ib', ['node1-ib', 'node2-ib']],
    ['rack[1-2]-n[1-2]', ['rack1-n1', 'rack1-n2', 'rack2-n1', 'rack2-n2']],
    ['10.0.0.[11-12]', ['10.0.0.11', '10.0.0.12']],
    ['a b,,c', ['a', 'b', 'c']],
    ['n[1,1]', ['n1', 'n1']],
    ['', []],
  ])('%j', (expr, names) => {
    expect(expandHostlist(expr)).toEqual(names);
  });

  it.each([
    ['node[1-', /missing "\]"/],
    ['node1-4]', /"\]" without "\["/],
    ['node[[1-2]]', /nested "\["/],
    ['node[]', /empty "\[\]"/],
    ['node[4-1]', /range "4-1" runs backwards/],
    ['node[a-b]', /"a-b" is not a number or a lo-hi range/],
    ['node[1-2-3]', /not a number or a lo-hi range/],
    ['node[1-]', /not a number or a lo-hi range/],
    ['node[1234567890123456]', /more than 15 digits/],
  ])('refuses %j', (expr, message) => {
    expect(() => expandHostlist(expr)).toThrow(HostlistError);
    expect(() => expandHostlist(expr)).toThrow(message);
  });

  it('refuses expansions past the limit before building them', () => {
    expect(MAX_HOSTLIST_NAMES).toBe(100_000);
    expect(expandHostlist('n[1-100000]')).toHaveLength(100_000);
    expect(() => expandHostlist('n[1-100000],x')).toThrow(
      'hostlist "n[1-100000],x" expands to 100001 names; the limit is 100000',
    );
    expect(() => expandHostlist('r[1-1000]n[1-1000]')).toThrow(/expands to 1000000 names/);
    expect(() => expandHostlist('n[1-3]', 2)).toThrow(/the limit is 2/);
    expect(hostlistCount('r[1-1000]n[1-1000],x')).toBe(1_000_001);
  });
});

describe('compressHostlist', () => {
  it.each([
    [['node1', 'node2', 'node3', 'node4', 'node7'], 'node[1-4,7]'],
    [['node7', 'node3', 'node1', 'node2', 'node4', 'node2'], 'node[1-4,7]'],
    [['gpu-01', 'gpu-02', 'gpu-03', 'node1'], 'gpu-[01-03],node1'],
    [['n8', 'n9', 'n10'], 'n[8-10]'],
    [['n08', 'n09', 'n10'], 'n[08-10]'],
    [['n1', 'n01'], 'n[1,01]'],
    [['n9', 'n010'], 'n[9,010]'],
    [['rack10', 'rack2', 'rack1'], 'rack[1-2,10]'],
    [['login', 'node5'], 'login,node5'],
    [['node', 'node1'], 'node,node1'],
    [['n007'], 'n007'],
    [[], ''],
  ])('%j → %s', (names, expected) => {
    expect(compressHostlist(names)).toBe(expected);
  });

  it('round-trips with expandHostlist', () => {
    const names = ['c-10', 'c-9', 'c-11', 'gpu001', 'gpu002', 'gpu004', 'x', 'n1', 'n01', 'n02', 'n3'];
    const compressed = compressHostlist(names);
    expect(compressed).toBe('c-[9-11],gpu[001-002,004],n[1,01-02,3],x');
    expect(new Set(expandHostlist(compressed))).toEqual(new Set(names));
  });

  it('expands back to the same set for generated names', () => {
    let seed = 3;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const names = Array.from({ length: next(20) }, () => {
        const digits = String(next(120)).padStart(next(4), '0');
        return `${['n', 'gpu-', 'r1n', ''][next(4)] ?? ''}${next(5) === 0 ? '' : digits}` || 'x';
      });
      const compressed = compressHostlist(names);
      expect(new Set(expandHostlist(compressed))).toEqual(new Set(names));
      expect(compressHostlist(expandHostlist(compressed))).toBe(compressed);
    }
  });

  it('refuses names that cannot sit in a hostlist', () => {
    expect(() => compressHostlist(['a b'])).toThrow(HostlistError);
    expect(() => compressHostlist(['n[1]'])).toThrow(/is not a host name/);
    expect(() => compressHostlist([''])).toThrow(HostlistError);
  });
});
