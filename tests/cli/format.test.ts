/** Pure formatting of `tsops status`: sections, leader, subordinates, colours, JSON and YAML. */
import YAML from 'yaml';
import type {
  AppStatusView,
  ModelStatusView,
  UnitStatusView,
} from '../../framework/controller/api/status.js';
import { stripAnsi } from '../../framework/cli/format/color.js';
import { app } from '../dashboard/fake-model.js';
import {
  formatStatusJson,
  formatStatusTabular,
  formatStatusYaml,
} from '../../framework/cli/format/status.js';

function unit(name: string, over: Partial<UnitStatusView> = {}): UnitStatusView {
  return {
    name,
    workload: 'active',
    message: '',
    agent: 'idle',
    leader: false,
    machine: name.endsWith('/1') ? '1' : '0',
    address: '10.0.0.1',
    ports: [],
    subordinates: {},
    ...over,
  };
}

function model(apps: AppStatusView[], over: Partial<ModelStatusView['model']> = {}): ModelStatusView {
  return {
    model: {
      name: 'lab',
      uuid: 'u-1',
      substrate: 'sandbox',
      settled: true,
      pendingHooks: 0,
      errors: [],
      timestamp: '2025-01-02T14:05:23.456Z',
      ...over,
    },
    applications: Object.fromEntries(apps.map((a) => [a.name, a])),
    relations: [],
  };
}

const cluster = (): ModelStatusView => {
  const nhc0 = unit('nhc/0', { machine: '0', address: '10.0.0.2' });
  const nhc1 = unit('nhc/1', {
    machine: '1',
    address: '10.0.0.3',
    workload: 'waiting',
    message: 'no controller',
  });
  const s = model(
    [
      app(
        'slurmctld',
        [unit('slurmctld/0', { leader: true, ports: ['6817/tcp', '6818/tcp'], message: 'ready' })],
        {
          version: '22.05.8',
        },
      ),
      app(
        'compute',
        [
          unit('compute/0', { leader: true, subordinates: { 'nhc/0': nhc0 } }),
          unit('compute/1', {
            workload: 'maintenance',
            agent: 'executing',
            activity: 'install',
            message: 'installing slurmd',
            subordinates: { 'nhc/1': nhc1 },
          }),
        ],
        { status: 'maintenance', message: 'installing slurmd', scale: 3 },
      ),
      app('nhc', [], { subordinate: true, scale: 2, status: 'waiting' }),
    ],
    { settled: false, pendingHooks: 12 },
  );
  s.relations = [
    {
      id: 1,
      provider: 'slurmctld:slurmd',
      requirer: 'compute:slurmctld',
      interface: 'slurmd',
      type: 'regular',
    },
    {
      id: 2,
      provider: 'compute:juju-info',
      requirer: 'nhc:juju-info',
      interface: 'juju-info',
      type: 'subordinate',
    },
  ];
  return s;
};

/** Lines of a section whose first line starts with `head`. */
function section(text: string, head: string): string[] {
  const block = text.split('\n\n').find((b) => b.startsWith(head));
  if (!block) throw new Error(`no section ${head} in:\n${text}`);
  return block.trimEnd().split('\n');
}

describe('formatStatusTabular', () => {
  const plain = formatStatusTabular(cluster(), { relations: false, color: false });

  it('starts with the model header: name, substrate, busy with pending hooks, time', () => {
    const [head, row] = section(plain, 'Model');
    expect(head?.split(/\s{2,}/)).toEqual(['Model', 'Substrate', 'Status', 'Timestamp']);
    expect(row?.split(/\s{2,}/)).toEqual(['lab', 'sandbox', 'busy (12 hooks pending)', '14:05:23Z']);
  });

  it('lists applications with version, status, scale, charm and message', () => {
    const lines = section(plain, 'App');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['App', 'Version', 'Status', 'Scale', 'Charm', 'Message']);
    // Sorted by name; compute has 2 of 3 units up; the subordinate counts nested units.
    expect(lines[1]?.split(/\s{2,}/)).toEqual([
      'compute',
      'maintenance',
      '2/3',
      'compute',
      'installing slurmd',
    ]);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['nhc', 'waiting', '2', 'nhc']);
    expect(lines[3]?.split(/\s{2,}/)).toEqual(['slurmctld', '22.05.8', 'active', '1', 'slurmctld']);
  });

  it('marks the leader with *, indents subordinates and prefixes the running hook', () => {
    const lines = section(plain, 'Unit');
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      'Unit',
      'Workload',
      'Agent',
      'Machine',
      'Address',
      'Ports',
      'Message',
    ]);
    expect(lines.slice(1).map((l) => l.split(/(?<=\S)\s{2,}/)[0])).toEqual([
      'compute/0*',
      '  nhc/0',
      'compute/1',
      '  nhc/1',
      'slurmctld/0*',
    ]);
    expect(lines[3]).toMatch(
      /^compute\/1\s+maintenance\s+executing\s+1\s+10\.0\.0\.1\s+\(install\) installing slurmd$/,
    );
    expect(lines[5]).toMatch(/6817\/tcp,6818\/tcp\s+ready$/);
  });

  it('aligns columns: every row of a section starts each column at the same offset', () => {
    const lines = section(plain, 'Unit');
    const col = (line: string | undefined) => line?.indexOf('maintenance') ?? -1;
    expect(lines[0]?.indexOf('Workload')).toBe(col(lines[3]));
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
  });

  it('adds the Integration section only with relations', () => {
    expect(plain).not.toContain('Integration provider');
    const text = formatStatusTabular(cluster(), { relations: true, color: false });
    const lines = section(text, 'Integration provider');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['Integration provider', 'Requirer', 'Interface', 'Type']);
    expect(lines[1]?.split(/\s{2,}/)).toEqual([
      'compute:juju-info',
      'nhc:juju-info',
      'juju-info',
      'subordinate',
    ]);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['slurmctld:slurmd', 'compute:slurmctld', 'slurmd', 'regular']);
  });

  it('paints statuses only when colour is on, and the text is otherwise identical', () => {
    expect(plain).not.toContain('\u001b[');
    const s = cluster();
    const errUnit = s.applications.slurmctld?.units['slurmctld/0'];
    if (errUnit) Object.assign(errUnit, { workload: 'error', message: 'hook failed: "install"' });
    const blockedApp = s.applications.nhc;
    if (blockedApp) blockedApp.status = 'blocked';
    const colored = formatStatusTabular(s, { relations: true, color: true });
    expect(colored).toContain('\u001b[32mactive\u001b[39m');
    expect(colored).toContain('\u001b[33mmaintenance\u001b[39m');
    expect(colored).toContain('\u001b[31mblocked\u001b[39m');
    expect(colored).toContain('\u001b[1m\u001b[31merror\u001b[39m\u001b[22m');
    expect(stripAnsi(colored)).toBe(formatStatusTabular(s, { relations: true, color: false }));
  });

  it('says a settled model is settled and greys unknown workloads', () => {
    const s = model([app('demo', [unit('demo/0', { workload: 'unknown', leader: true })])]);
    expect(section(formatStatusTabular(s, { relations: false, color: false }), 'Model')[1]).toContain(
      'settled',
    );
    expect(formatStatusTabular(s, { relations: false, color: true })).toContain(
      '\u001b[90munknown\u001b[39m',
    );
  });

  it('reports units in error in the header when nothing is pending', () => {
    const s = model([], { settled: false, errors: [{ unit: 'demo/0', message: 'hook failed: "start"' }] });
    expect(formatStatusTabular(s, { relations: false, color: false })).toContain('error (1 unit in error)');
  });

  it('tells how to deploy into an empty model', () => {
    const text = formatStatusTabular(model([], { name: 'x' }), { relations: true, color: false });
    expect(text).toContain(`Model "x" is empty. Deploy something with 'tsops deploy `);
    expect(text).not.toContain('App');
  });
});

describe('formatStatusJson / formatStatusYaml', () => {
  it('print the ModelStatusView as is', () => {
    const s = cluster();
    expect(JSON.parse(formatStatusJson(s))).toEqual(s);
    expect(YAML.parse(formatStatusYaml(s))).toEqual(s);
  });
});
