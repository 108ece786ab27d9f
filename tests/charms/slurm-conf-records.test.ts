/**
 * Record lines of the slurm.conf model (NodeName=, PartitionName=, gres.conf's Name=):
 * reading, minimal edits, DEFAULT records and hostlist expansion as Slurm applies them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ParamMap, SlurmConfError, SlurmValueError, parseSlurmConf } from '../../charms/lib/slurm/index.js';

const netns = readFileSync(
  fileURLToPath(new URL('../fixtures/slurm/slurm.conf.netns', import.meta.url)),
  'utf8',
);
const loop = readFileSync(
  fileURLToPath(new URL('../fixtures/slurm/slurm.conf.loop', import.meta.url)),
  'utf8',
);

const plain = (params: ReadonlyMap<string, string>): Record<string, string> => Object.fromEntries(params);

describe('records', () => {
  it('reads node and partition lines of the real file with case-insensitive keys', () => {
    const conf = parseSlurmConf(loop);
    const nodes = conf.records('nodename');
    expect(nodes.map((n) => [n.kind, n.name, n.line])).toEqual([
      ['NodeName', 'node1', 43],
      ['NodeName', 'node2', 44],
      ['NodeName', 'node3', 45],
    ]);
    expect(nodes[1]?.params.get('port')).toBe('17002');
    expect(nodes[1]?.params.get('REALMEMORY')).toBe('1000');
    expect([...(nodes[1]?.params.keys() ?? [])].slice(0, 2)).toEqual(['NodeAddr', 'Port']);
    expect(conf.record('PartitionName', 'debug')?.params.get('Nodes')).toBe('ALL');
    expect(conf.record('PartitionName', 'DEBUG')).toBeUndefined();
    expect(conf.records('NodeSet')).toEqual([]);
  });

  it('refuses kinds the file does not have', () => {
    expect(() => parseSlurmConf('').records('Name')).toThrow(/not a record kind of slurm.conf/);
    expect(() => parseSlurmConf('', 'gres.conf').records('PartitionName')).toThrow(SlurmValueError);
  });

  it('setRecord changes values in place and leaves other lines alone', () => {
    const conf = parseSlurmConf(netns);
    conf.setRecord('PartitionName', 'debug', {
      Nodes: 'ALL',
      Default: 'NO',
      MaxTime: 'INFINITE',
      State: 'UP',
    });
    expect(conf.render()).toBe(netns.replace('Default=YES', 'Default=NO'));
  });

  it('setRecord drops keys not given, appends new ones, keeps spelling and comments', () => {
    const text = 'nodename=n1   cpus=2 Weight=5 \\\n   realmemory=100 # hw\nNodeName=n2 CPUs=2\n';
    const conf = parseSlurmConf(text);
    conf.setRecord(
      'NodeName',
      'n1',
      new Map([
        ['CPUs', '4'],
        ['RealMemory', '100'],
        ['Features', 'gpu a100'],
      ]),
    );
    expect(conf.render()).toBe(
      'nodename=n1   cpus=4 \\\n   realmemory=100 Features="gpu a100" # hw\nNodeName=n2 CPUs=2\n',
    );
    expect(plain(conf.record('NodeName', 'n1')?.params ?? new Map())).toEqual({
      cpus: '4',
      realmemory: '100',
      Features: 'gpu a100',
    });
  });

  it('setRecord with the same params is a no-op, and dropping every key keeps the name', () => {
    const text = 'NodeName=n1 CPUs=2 State=UNKNOWN # c\n';
    const conf = parseSlurmConf(text);
    conf.setRecord('NodeName', 'n1', [
      ['cpus', '2'],
      ['STATE', 'UNKNOWN'],
    ]);
    expect(conf.render()).toBe(text);
    conf.setRecord('NodeName', 'n1', {});
    expect(conf.render()).toBe('NodeName=n1 # c\n');
  });

  it('setRecord appends a new record after the last of its kind, or at the end', () => {
    const conf = parseSlurmConf(netns);
    conf.setRecord('NodeName', 'node4', { NodeAddr: '10.213.0.14', CPUs: '2' });
    conf.setRecord('PartitionName', 'gpu', { Nodes: 'node4' });
    conf.setRecord('NodeSet', 'compute', { Feature: 'compute' });
    const lines = conf.render().split('\n');
    expect(lines.slice(44, 49)).toEqual([
      lines[44],
      'NodeName=node4 NodeAddr=10.213.0.14 CPUs=2',
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      'PartitionName=gpu Nodes=node4',
      'NodeSet=compute Feature=compute',
    ]);
    expect(lines[44]).toMatch(/^NodeName=node3 /);
  });

  it('setRecord refuses the kind key among the params and bad keys', () => {
    const conf = parseSlurmConf('');
    expect(() => conf.setRecord('NodeName', 'n1', { NodeName: 'n2' })).toThrow(/names the record/);
    expect(() => conf.setRecord('NodeName', 'n1', { 'a b': '1' })).toThrow(/not a Slurm key/);
    expect(() => conf.setRecord('NodeName', 'n1', { Reason: 'a\nb' })).toThrow(SlurmValueError);
  });

  it('removeRecord removes every line of that name, names being case-sensitive', () => {
    const conf = parseSlurmConf(netns);
    expect(conf.removeRecord('NodeName', 'Node2')).toBe(0);
    expect(conf.removeRecord('NodeName', 'node2')).toBe(1);
    expect(conf.render()).toBe(netns.replace(/^NodeName=node2 .*\n/m, ''));
  });

  it('ParamMap compares keys case-insensitively and keeps the first spelling', () => {
    const map = new ParamMap([['CPUs', '2']]);
    map.set('cpus', '4');
    expect(map.get('CPUS')).toBe('4');
    expect([...map]).toEqual([['CPUs', '4']]);
    expect(map.delete('cPuS')).toBe(true);
    expect(map.size).toBe(0);
  });
});

describe('DEFAULT records and effective records', () => {
  const text = [
    'NodeName=DEFAULT CPUs=2 RealMemory=1000 State=UNKNOWN',
    'NodeName=login CPUs=1',
    'NodeName=DEFAULT RealMemory=2000',
    'NodeName=node[1-3] NodeAddr=10.0.0.[11-13] Port=17001',
    'nodename=default Weight=9',
    'NodeName=gpu[01-02] Gres=gpu:a100:4',
    'PartitionName=DEFAULT MaxTime=INFINITE State=UP',
    'PartitionName=compute Nodes=node[1-3] Default=YES',
    'PartitionName=gpu Nodes=gpu[01-02] State=DOWN',
    'DownNodes=node[2-3] State=DOWN Reason="bad disk"',
    '',
  ].join('\n');
  const conf = parseSlurmConf(text);

  it('keeps DEFAULT records as records', () => {
    expect(conf.records('NodeName').map((r) => r.name)).toEqual([
      'DEFAULT',
      'login',
      'DEFAULT',
      'node[1-3]',
      'default',
      'gpu[01-02]',
    ]);
    expect(conf.record('NodeName', 'default')?.line).toBe(5);
  });

  it('applies accumulated defaults to later records and expands hostlists with zipped addresses', () => {
    const nodes = conf.effectiveRecords('NodeName');
    expect(nodes.map((n) => [n.name, plain(n.params), n.line])).toEqual([
      ['login', { CPUs: '1', RealMemory: '1000', State: 'UNKNOWN' }, 2],
      ['node1', { CPUs: '2', RealMemory: '2000', State: 'UNKNOWN', NodeAddr: '10.0.0.11', Port: '17001' }, 4],
      ['node2', { CPUs: '2', RealMemory: '2000', State: 'UNKNOWN', NodeAddr: '10.0.0.12', Port: '17001' }, 4],
      ['node3', { CPUs: '2', RealMemory: '2000', State: 'UNKNOWN', NodeAddr: '10.0.0.13', Port: '17001' }, 4],
      ['gpu01', { CPUs: '2', RealMemory: '2000', State: 'UNKNOWN', Weight: '9', Gres: 'gpu:a100:4' }, 6],
      ['gpu02', { CPUs: '2', RealMemory: '2000', State: 'UNKNOWN', Weight: '9', Gres: 'gpu:a100:4' }, 6],
    ]);
  });

  it('applies partition defaults without expanding partition names', () => {
    const parts = conf.effectiveRecords('PartitionName');
    expect(
      parts.map((p) => [p.name, p.params.get('State'), p.params.get('MaxTime'), p.params.get('Nodes')]),
    ).toEqual([
      ['compute', 'UP', 'INFINITE', 'node[1-3]'],
      ['gpu', 'DOWN', 'INFINITE', 'gpu[01-02]'],
    ]);
  });

  it('expands DownNodes, which has no DEFAULT', () => {
    expect(conf.effectiveRecords('DownNodes').map((d) => [d.name, d.params.get('reason')])).toEqual([
      ['node2', 'bad disk'],
      ['node3', 'bad disk'],
    ]);
  });

  it('refuses NodeAddr lists that do not match the node count, naming file:line', () => {
    const bad = parseSlurmConf('A=1\nNodeName=n[1-3] NodeAddr=10.0.0.[1-2]\n', '/etc/slurm/slurm.conf');
    expect(() => bad.effectiveRecords('NodeName')).toThrow(SlurmConfError);
    expect(() => bad.effectiveRecords('NodeName')).toThrow(
      '/etc/slurm/slurm.conf:2: NodeAddr=10.0.0.[1-2] gives 2 values for 3 hosts in NodeName=n[1-3]; give one value or exactly 3',
    );
    const malformed = parseSlurmConf('NodeName=n[3-1]\n');
    expect(() => malformed.effectiveRecords('NodeName')).toThrow(
      /slurm.conf:1: NodeName: hostlist "n\[3-1\]"/,
    );
  });
});

describe('gres.conf', () => {
  const text =
    'AutoDetect=off\nName=gpu Type=a100 File=/dev/nvidia[0-3]\nNodeName=gpu[01-02] Name=gpu File=/dev/nvidia0\n';

  it('uses gres.conf record kinds and round-trips', () => {
    const conf = parseSlurmConf(text, '/etc/slurm/gres.conf');
    expect(conf.render()).toBe(text);
    expect(conf.get('AutoDetect')).toBe('off');
    expect(conf.records('Name')[0]?.params.get('file')).toBe('/dev/nvidia[0-3]');
    expect(conf.effectiveRecords('NodeName').map((r) => [r.name, r.params.get('Name')])).toEqual([
      ['gpu01', 'gpu'],
      ['gpu02', 'gpu'],
    ]);
  });

  it('edits gres lines, whose keys include the other record kind', () => {
    const conf = parseSlurmConf(text, 'gres.conf');
    conf.setRecord('NodeName', 'gpu[03-04]', { Name: 'gpu', Type: 'h100', File: '/dev/nvidia[0-7]' });
    conf.removeRecord('Name', 'gpu');
    expect(conf.render()).toBe(
      'AutoDetect=off\nNodeName=gpu[01-02] Name=gpu File=/dev/nvidia0\n' +
        'NodeName=gpu[03-04] Name=gpu Type=h100 File=/dev/nvidia[0-7]\n',
    );
    expect(() => conf.set('Name', 'x')).toThrow(/Name starts a record in gres.conf: use setRecord/);
  });

  it('would refuse a gres line in slurm.conf, where Name does not start a record', () => {
    expect(() => parseSlurmConf(text)).toThrow(/slurm.conf:2: expected end of line after "Name=gpu"/);
    expect(parseSlurmConf(text, 'x.conf', { recordKinds: ['Name', 'NodeName'] }).render()).toBe(text);
  });
});
