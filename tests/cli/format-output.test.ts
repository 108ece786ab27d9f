/** Pure formatting of the CLI's other outputs: config, tasks, log lines, deploy changes, secrets. */
import YAML from 'yaml';
import type { ConfigOptionView, LogLine, TaskView } from '../../framework/controller/api/methods.js';
import { formatChanges } from '../../framework/cli/format/changes.js';
import { formatConfigTable, formatConfigValue } from '../../framework/cli/format/config.js';
import { formatLogLine } from '../../framework/cli/format/log.js';
import { formatSecrets } from '../../framework/cli/format/secrets.js';
import { formatTask, formatTasks } from '../../framework/cli/format/task.js';

describe('formatConfigTable', () => {
  const options: ConfigOptionView[] = [
    {
      name: 'partition-state',
      type: 'string',
      value: 'DOWN',
      default: 'UP',
      source: 'user',
      description: '',
    },
    { name: 'default', type: 'boolean', value: false, default: false, source: 'default', description: '' },
    { name: 'nodes', type: 'int', value: null, default: null, source: 'unset', description: '' },
    { name: 'extra', type: 'string', value: 'a\nb'.repeat(30), default: '', source: 'user', description: '' },
  ];

  it('shows name, value, source, default and type, sorted by name', () => {
    const lines = formatConfigTable(options, 'compute').trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['Name', 'Value', 'Source', 'Default', 'Type']);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([
      'default',
      'extra',
      'nodes',
      'partition-state',
    ]);
    expect(lines[1]?.split(/\s{2,}/)).toEqual(['default', 'false', 'default', 'false', 'boolean']);
    expect(lines[3]?.split(/\s{2,}/)).toEqual(['nodes', 'unset', 'int']);
    expect(lines[4]?.split(/\s{2,}/)).toEqual(['partition-state', 'DOWN', 'user', 'UP', 'string']);
  });

  it('keeps long and multi-line values on one short row', () => {
    const row = formatConfigTable(options, 'compute').split('\n')[2] ?? '';
    expect(row).toMatch(/^extra\s+a\\nba\\nb.*\.\.\.\s+user\s+string$/);
  });

  it('says when an application has no options, and prints single values plainly', () => {
    expect(formatConfigTable([], 'demo')).toBe("Application 'demo' has no config options.\n");
    expect(formatConfigValue(null)).toBe('');
    expect(formatConfigValue(3)).toBe('3');
    expect(formatConfigValue('a=b')).toBe('a=b');
  });
});

describe('formatTask', () => {
  const task: TaskView = {
    id: 7,
    unit: 'mysql/0',
    action: 'backup',
    status: 'completed',
    message: '',
    results: { path: '/srv/backup/1.sql', size: { bytes: 1024 } },
    log: ['dumping', 'done'],
  };

  it('prints unit, id, status, message, results and log as YAML, in that order', () => {
    const text = formatTask(task);
    expect(Object.keys(YAML.parse(text))).toEqual(['unit', 'id', 'status', 'message', 'results', 'log']);
    expect(text).toContain('results:\n  path: /srv/backup/1.sql\n  size:\n    bytes: 1024\n');
    expect(text).toContain('log:\n  - dumping\n  - done\n');
  });

  it('separates several tasks as YAML documents', () => {
    const docs = YAML.parseAllDocuments(formatTasks([task, { ...task, id: 8, unit: 'mysql/1' }]));
    expect(docs.map((d) => d.get('id'))).toEqual([7, 8]);
  });
});

describe('formatLogLine', () => {
  it('prints <entity> <timestamp> <level> <module> <message>', () => {
    const line: LogLine = {
      id: 1,
      timestamp: '2025-01-02T14:05:23.456Z',
      entity: 'unit-slurmd-0',
      level: 'INFO',
      module: 'charm.slurmd',
      message: 'slurmd started',
    };
    expect(formatLogLine(line)).toBe(
      'unit-slurmd-0 2025-01-02T14:05:23.456Z INFO charm.slurmd slurmd started',
    );
  });
});

describe('formatChanges', () => {
  const changes = [
    { kind: 'addApplication', description: 'deploy application slurmctld from charms/slurmctld' },
    { kind: 'addUnit', description: 'add unit slurmctld/0' },
    { kind: 'addRelation', description: '' },
  ];

  it('lists each change under a heading that says whether it was applied', () => {
    expect(formatChanges(changes, { dryRun: false })).toBe(
      'Changes applied:\n- deploy application slurmctld from charms/slurmctld\n- add unit slurmctld/0\n- addRelation\n',
    );
    expect(formatChanges(changes, { dryRun: true }).split('\n')[0]).toBe(
      'Changes to apply (dry run, nothing changed):',
    );
  });

  it('says when there is nothing to do', () => {
    expect(formatChanges([], { dryRun: true })).toBe('No changes: the model already matches.\n');
  });
});

describe('formatSecrets', () => {
  it('lists metadata only', () => {
    const text = formatSecrets([
      {
        id: 'secret:b',
        owner: 'slurmctld',
        label: 'munge-key',
        description: 'munge',
        revision: 2,
        grants: ['compute', 'slurmdbd'],
      },
    ]);
    expect(text.split('\n')[1]?.split(/\s{2,}/)).toEqual([
      'secret:b',
      'slurmctld',
      'munge-key',
      '2',
      'compute,slurmdbd',
      'munge',
    ]);
    expect(formatSecrets([])).toBe('No secrets.\n');
  });
});
