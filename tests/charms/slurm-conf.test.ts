/**
 * The slurm.conf model: lossless round trips (real Slurm 22.05 files from Debian 12 and
 * tricky inputs), Slurm's own line rules, edits that leave everything else byte-identical,
 * parse errors with file:line, and Slurm booleans.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  SlurmConfError,
  SlurmValueError,
  formatSlurmBool,
  parseSlurmConf,
  renderSlurmConf,
  resolveIncludePath,
  slurmBool,
} from '../../charms/lib/slurm/index.js';

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../fixtures/slurm/${name}`, import.meta.url)), 'utf8');

/** Lines of `after` that differ from `before` (same line count assumed). */
const changedLines = (before: string, after: string): string[] => {
  const a = before.split('\n');
  return after.split('\n').filter((line, i) => line !== a[i]);
};

describe('round trip', () => {
  it.each(['slurm.conf.netns', 'slurm.conf.loop', 'slurmdbd.conf'])('renders %s byte for byte', (name) => {
    const text = fixture(name);
    expect(renderSlurmConf(parseSlurmConf(text, name))).toBe(text);
  });

  it('reads the real 22.05 netns file as Slurm does', () => {
    const conf = parseSlurmConf(fixture('slurm.conf.netns'));
    expect(conf.get('ClusterName')).toBe('lab');
    expect(conf.get('clustername')).toBe('lab');
    expect(conf.getAll('SlurmctldHost')).toEqual(['ctl(10.213.0.1)']);
    expect(conf.get('SchedulerParameters')).toBe('batch_sched_delay=0');
    expect(conf.get('MaxNodeCount')).toBe('16');
    expect(conf.get('NodeName')).toBeUndefined();
    expect(conf.records('NodeName').map((r) => r.name)).toEqual(['node1', 'node2', 'node3']);
    expect(conf.records('PartitionName')[0]?.params.get('default')).toBe('YES');
    expect(conf.params()).toHaveLength(35);
  });

  it('keeps the inline comments of the real slurmdbd.conf out of the values', () => {
    const conf = parseSlurmConf(fixture('slurmdbd.conf'), 'slurmdbd.conf');
    expect(conf.get('DbdAddr')).toBe('10.213.0.1');
    expect(conf.get('StorageHost')).toBe('localhost');
    const out = conf.set('DbdAddr', '127.0.0.1').render();
    expect(out).toContain('DbdAddr=127.0.0.1          # loopback variant: 127.0.0.1\n');
  });

  it.each([
    ['empty file', ''],
    ['no final newline', 'ClusterName=lab\nSlurmUser=slurm'],
    ['comments and blank lines', '# a\n\n   \n\t# b\nClusterName=lab # trailing\n\n'],
    ['continuations', 'NodeName=n1 \\\n    CPUs=2 \\\n\tRealMemory=1000\nClusterName=lab\n'],
    ['escaped # and backslashes', 'Reason=a\\#b\\\\c\nX=y\\\\# comment\n'],
    ['quoted values with spaces', 'DownNodes=n1 State=DOWN Reason="disk failed  twice"\n'],
    ['mixed-case keys and spacing', 'clusterNAME = lab\nSLURMUSER=slurm\n  MaxNodeCount=16\n'],
    ['operators', 'SchedulerParameters+=bf_max_job_test=100\nX-=1\n'],
    ['Include with %c', 'include /etc/slurm/%c.conf\nINCLUDE\tpartitions.conf  # parts\n'],
    ['DEFAULT records', 'NodeName=DEFAULT CPUs=2\nNodeName=node[1-4] State=UNKNOWN\n'],
    ['CRLF line endings', 'ClusterName=lab\r\nNodeName=n1 \\\r\n CPUs=2\r\n# c\r\n'],
    ['continuation at end of file', 'ClusterName=lab \\'],
    ['comment that ends in a backslash', '# not continued \\\nClusterName=lab\n'],
  ])('round-trips %s', (_name, text) => {
    expect(renderSlurmConf(parseSlurmConf(text))).toBe(text);
  });
});

describe('generated inputs', () => {
  // A fixed-seed generator over the characters that matter to Slurm's line rules.
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pieces = [
    'A',
    '=',
    ' ',
    '\\',
    '#',
    '"',
    '\n',
    '\r\n',
    'NodeName=n[1-2] ',
    'Include x',
    'b',
    '\t',
    'CPUs=2',
  ];
  const texts = Array.from({ length: 3000 }, () =>
    Array.from({ length: next(12) }, () => pieces[next(pieces.length)] ?? '').join(''),
  );

  it('round-trips every accepted text and refuses the rest with SlurmConfError only', () => {
    let accepted = 0;
    for (const text of texts) {
      let conf;
      try {
        conf = parseSlurmConf(text);
      } catch (err) {
        expect(err).toBeInstanceOf(SlurmConfError);
        continue;
      }
      accepted++;
      expect(renderSlurmConf(conf)).toBe(text);
    }
    expect(accepted).toBeGreaterThan(1000);
  });

  it('edits every accepted text without changing what Slurm reads elsewhere', () => {
    for (const text of texts) {
      let conf;
      try {
        conf = parseSlurmConf(text);
      } catch {
        continue;
      }
      const before = conf.params().map((p) => [p.key, p.value]);
      conf.set('Zz', 'v w#\\');
      const node = conf.records('NodeName')[0]?.name;
      if (node !== undefined) conf.setRecord('NodeName', node, { CPUs: '8', Feature: 'a b' });
      const again = parseSlurmConf(conf.render());
      expect(again.get('Zz')).toBe('v w#\\');
      expect(again.params().flatMap((p) => (p.key === 'Zz' ? [] : [[p.key, p.value]]))).toEqual(before);
      if (node !== undefined)
        expect(Object.fromEntries(again.record('NodeName', node)?.params ?? [])).toEqual({
          CPUs: '8',
          Feature: 'a b',
        });
    }
  });
});

describe("Slurm's line rules (parse_config.c)", () => {
  it('joins lines ending in an odd number of backslashes, dropping the last one', () => {
    const conf = parseSlurmConf('NodeName=n1 \\\n  CPUs=2\nA=x\\\\\\\ny\nB=z\\\\\nC=1\n');
    expect(conf.records('NodeName')[0]?.params.get('cpus')).toBe('2');
    expect(conf.get('A')).toBe('x\\y');
    expect(conf.get('B')).toBe('z\\');
    expect(conf.get('C')).toBe('1');
  });

  it('treats # as a comment unless escaped, even inside quotes', () => {
    const conf = parseSlurmConf('A=x\\#y # comment\nB="p q" # c\nC=1#c\n');
    expect(conf.get('A')).toBe('x#y');
    expect(conf.get('B')).toBe('p q');
    expect(conf.get('C')).toBe('1');
  });

  it('strips comments before looking for a continuation, as Slurm does', () => {
    const conf = parseSlurmConf('NodeName=n1 \\ # hardware follows\n CPUs=4\n');
    expect(conf.records('NodeName')[0]?.params.get('CPUs')).toBe('4');
  });

  it('allows whitespace around = and keeps operators', () => {
    const conf = parseSlurmConf('ClusterName = lab\nSchedulerParameters += a=b\n');
    expect(conf.get('ClusterName')).toBe('lab');
    expect(conf.params()[1]).toEqual({ key: 'SchedulerParameters', op: '+=', value: 'a=b', line: 2 });
  });

  it('lets the last value win and keeps every value of a repeated key', () => {
    const conf = parseSlurmConf('SlurmctldHost=a\nslurmctldhost=b\nSLURMCTLDHOST=c\n');
    expect(conf.get('SlurmctldHost')).toBe('c');
    expect(conf.getAll('SlurmctldHost')).toEqual(['a', 'b', 'c']);
  });

  it('reads CRLF files like Slurm (\\r is whitespace) and appends with CRLF', () => {
    const conf = parseSlurmConf('ClusterName=lab\r\nNodeName=n1 \\\r\n CPUs=2\r\n');
    expect(conf.get('ClusterName')).toBe('lab');
    expect(conf.records('NodeName')[0]?.params.get('CPUs')).toBe('2');
    expect(conf.set('MaxNodeCount', '16').render()).toBe(
      'ClusterName=lab\r\nMaxNodeCount=16\r\nNodeName=n1 \\\r\n CPUs=2\r\n',
    );
  });

  it('lists Include lines case-insensitively, %c kept', () => {
    const conf = parseSlurmConf('include /etc/slurm/%c.conf\nClusterName=lab\nINCLUDE\tparts\\#1.conf # c\n');
    expect(conf.includes()).toEqual(['/etc/slurm/%c.conf', 'parts#1.conf']);
  });
});

describe('parse errors name file:line and what was expected', () => {
  const error = (text: string, file?: string): SlurmConfError => {
    try {
      parseSlurmConf(text, file);
    } catch (err) {
      if (err instanceof SlurmConfError) return err;
      throw err;
    }
    throw new Error('expected a SlurmConfError');
  };

  it('refuses a second key on a non-record line', () => {
    const err = error('# head\nClusterName=lab SlurmUser=slurm\n', '/etc/slurm/slurm.conf');
    expect(err).toMatchObject({ file: '/etc/slurm/slurm.conf', line: 2 });
    expect(err.message).toBe(
      '/etc/slurm/slurm.conf:2: expected end of line after "ClusterName=lab", found "SlurmUser=slurm" ' +
        '(only records such as NodeName= take several keys on one line)',
    );
  });

  it.each([
    ['garbage', 'ClusterName=lab\nthis is not slurm\n', 2, 'expected Key=Value, found "this is not slurm"'],
    ['a key without value', 'A=1\n\nMaxNodeCount=\n', 3, 'expected Key=Value, found "MaxNodeCount="'],
    ['leftovers on a record', 'NodeName=n1 CPUs=2 oops\n', 1, 'expected Key=Value, found "oops"'],
    ['an unterminated quote', 'NodeName=n1 Reason="a b\n', 1, 'expected Key=Value, found "b"'],
    ['Include without a file', 'Include   \n', 1, 'expected a file name after "Include"'],
    ['Include with two files', 'Include a b\n', 1, 'expected end of line after "Include a", found "b"'],
    ['an indented Include', '  Include a\n', 1, 'expected Key=Value, found "Include a"'],
    ['a NUL byte', 'A=1\nB=\0\n', 2, 'NUL byte in the line'],
  ])('refuses %s', (_name, text, line, detail) => {
    expect(error(text)).toMatchObject({ file: 'slurm.conf', line, detail });
  });

  it('reports the first physical line of a continued line', () => {
    expect(error('A=1\nNodeName=n1 \\\n CPUs=2 \\\n junk\n')).toMatchObject({
      line: 2,
      detail: expect.stringContaining('junk'),
    });
  });
});

describe('editing keeps everything else byte-identical', () => {
  const base = fixture('slurm.conf.netns');

  it('set replaces the last occurrence in place, keeping spelling, spacing and comment', () => {
    const text = 'clustername = old # the name\nSlurmUser=slurm\nCLUSTERNAME = lab # again\n';
    expect(parseSlurmConf(text).set('ClusterName', 'new').render()).toBe(
      'clustername = old # the name\nSlurmUser=slurm\nCLUSTERNAME = new # again\n',
    );
  });

  it('set on the real file changes one line only', () => {
    const out = parseSlurmConf(base).set('MaxNodeCount', '64').render();
    expect(changedLines(base, out)).toEqual(['MaxNodeCount=64']);
  });

  it('set with the current value changes nothing, quoting style included', () => {
    const text = 'Reason="down"\n';
    expect(parseSlurmConf(text).set('Reason', 'down').render()).toBe(text);
  });

  it('set appends with the spelling given, after the last top-level line', () => {
    const out = parseSlurmConf(base).set('SlurmctldParameters', 'enable_configless').render();
    expect(out).toBe(
      base.replace(
        'JobCompType=jobcomp/none\n',
        'JobCompType=jobcomp/none\nSlurmctldParameters=enable_configless\n',
      ),
    );
    expect(parseSlurmConf('ClusterName=lab').set('A', 'b').render()).toBe('ClusterName=lab\nA=b\n');
  });

  it('set quotes whitespace, escapes # and \\, and reads back the same value', () => {
    const conf = parseSlurmConf('');
    conf.set('Reason', 'disk failed #2').set('Path', 'C:\\x').set('Empty', '');
    expect(conf.render()).toBe('Reason="disk failed \\#2"\nPath=C:\\\\x\nEmpty=""\n');
    const again = parseSlurmConf(conf.render());
    expect([again.get('Reason'), again.get('Path'), again.get('Empty')]).toEqual([
      'disk failed #2',
      'C:\\x',
      '',
    ]);
  });

  it('set turns an operator into = and rewrites a value split by a continuation', () => {
    expect(parseSlurmConf('A += x\nB=ab\\\ncd # c\n').set('A', 'y').set('B', 'z').render()).toBe(
      'A = y\nB=z # c\n',
    );
  });

  it('set refuses what Slurm could not read back', () => {
    const conf = parseSlurmConf('');
    expect(() => conf.set('A', 'x\ny')).toThrow(SlurmValueError);
    expect(() => conf.set('A', 'say "hi" there')).toThrow(/cannot quote/);
    expect(() => conf.set('A', '"x"')).toThrow(/starts with/);
    expect(() => conf.set('bad key', 'x')).toThrow(/not a Slurm key/);
    expect(() => conf.set('NodeName', 'x')).toThrow(/use setRecord/);
    expect(() => conf.set('include', 'x')).toThrow(/addInclude/);
  });

  it('delete removes every occurrence and nothing else', () => {
    const conf = parseSlurmConf('A=1 # one\nB=2\na=3\n');
    expect(conf.delete('A')).toBe(2);
    expect(conf.render()).toBe('B=2\n');
    expect(conf.delete('A')).toBe(0);
    const real = parseSlurmConf(base);
    real.delete('MailProg');
    expect(real.render()).toBe(base.replace('MailProg=/bin/true\n', ''));
  });

  it('adds includes at the start (after the header comment) or the end, once', () => {
    const conf = parseSlurmConf(base);
    expect(conf.addInclude('/etc/slurm/slurm.conf.%c', { position: 'start' })).toBe(true);
    expect(conf.addInclude('slurm.conf.compute')).toBe(true);
    expect(conf.addInclude('slurm.conf.compute')).toBe(false);
    const lines = conf.render().split('\n');
    expect(lines.slice(1, 4)).toEqual([lines[1], 'Include /etc/slurm/slurm.conf.%c', 'ClusterName=lab']);
    expect(lines.at(-2)).toBe('Include slurm.conf.compute');
    expect(conf.includes()).toEqual(['/etc/slurm/slurm.conf.%c', 'slurm.conf.compute']);
    expect(conf.removeInclude('slurm.conf.compute')).toBe(1);
    expect(conf.removeInclude('/etc/slurm/slurm.conf.%c')).toBe(1);
    expect(conf.render()).toBe(base);
  });

  it('refuses include files Slurm cannot name and escapes #', () => {
    const conf = parseSlurmConf('');
    expect(() => conf.addInclude('a b')).toThrow(SlurmValueError);
    conf.addInclude('x#y.conf');
    expect(conf.render()).toBe('Include x\\#y.conf\n');
    expect(parseSlurmConf(conf.render()).includes()).toEqual(['x#y.conf']);
  });

  it('resolves include paths as Slurm opens them', () => {
    expect(resolveIncludePath('slurm.conf.%c', '/etc/slurm/slurm.conf', 'Lab')).toBe(
      '/etc/slurm/slurm.conf.lab',
    );
    expect(resolveIncludePath('/abs/%c/%c.conf', '/etc/slurm/slurm.conf', 'x')).toBe('/abs/x/x.conf');
    expect(resolveIncludePath('parts.conf', 'slurm.conf')).toBe('./parts.conf');
    expect(() => resolveIncludePath('a.%c', '/etc/slurm/slurm.conf')).toThrow(/needs the cluster name/);
  });

  it('appends after a continuation left open at end of file without joining it', () => {
    const conf = parseSlurmConf('A=1 \\');
    conf.set('B', '2');
    expect(conf.get('A')).toBe('1');
    expect(conf.get('B')).toBe('2');
  });
});

describe('Slurm booleans', () => {
  it.each(['yes', 'YES', 'Up', 'true', 'TRUE', '1'])('%s is true', (word) =>
    expect(slurmBool(word)).toBe(true),
  );
  it.each(['no', 'No', 'DOWN', 'false', '0'])('%s is false', (word) => expect(slurmBool(word)).toBe(false));
  it.each(['', 'y', 'on', ' yes', '2'])('%j is refused', (word) => {
    expect(() => slurmBool(word)).toThrow(SlurmValueError);
  });

  it('formats in the family and case of a sample', () => {
    expect(formatSlurmBool(true)).toBe('YES');
    expect(formatSlurmBool(false)).toBe('NO');
    expect(formatSlurmBool(false, 'true')).toBe('false');
    expect(formatSlurmBool(true, 'Down')).toBe('Up');
    expect(formatSlurmBool(false, '1')).toBe('0');
    expect(() => formatSlurmBool(true, 'on')).toThrow(SlurmValueError);
  });
});
