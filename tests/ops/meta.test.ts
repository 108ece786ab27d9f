import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetadataError } from '../../framework/ops/errors.js';
import { loadCharmMeta, metaFromJson, parseCharmMeta } from '../../framework/ops/meta/index.js';
import type { CharmMeta } from '../../framework/ops/meta/index.js';

const FULL = `name: slurmctld
title: Slurm controller
summary: Slurm's central management daemon
description: |
  Runs slurmctld.
type: charm
base: ubuntu@24.04
platforms:
  amd64:
parts:
  charm:
    plugin: uv
assumes: [juju]
links:
  source: https://example.org/slurm
provides:
  cos-agent: {interface: cos_agent, limit: 1}
  mount:
    interface: mount
    scope: container
requires:
  slurmd: {interface: slurmd}
  smtp: {interface: smtp, limit: 1, optional: true}
peers:
  slurmctld-peer: {interface: slurmctld-peer}
storage:
  state:
    type: filesystem
    description: StateSaveLocation
    location: /var/lib/slurm
    multiple: {range: 1-3}
    minimum-size: 1G
  scratch:
    type: block
    read-only: true
    properties: [transient]
extra-bindings:
  cluster:
config:
  options:
    cluster-name: {type: string, default: osd-cluster, description: Name of the cluster}
    port: {type: int, default: 6817}
    weight: {type: float, default: 1.5}
    debug: {type: boolean, default: false}
    munge-key: {type: secret}
    nothing: {type: string, default: null}
actions:
  resume:
  node-config:
    description: Set node state
    params:
      nodes: {type: string}
      state: {type: string, enum: [idle, down, drain, resume], default: idle}
      reason: {type: string}
    required: [nodes]
    additionalProperties: false
    execution-group: nodes
    parallel: true
`;

const EXPECTED: CharmMeta = {
  name: 'slurmctld',
  summary: "Slurm's central management daemon",
  description: 'Runs slurmctld.\n',
  subordinate: false,
  endpoints: {
    'cos-agent': {
      name: 'cos-agent',
      role: 'provides',
      interface: 'cos_agent',
      limit: 1,
      optional: false,
      scope: 'global',
    },
    mount: { name: 'mount', role: 'provides', interface: 'mount', optional: false, scope: 'container' },
    slurmd: { name: 'slurmd', role: 'requires', interface: 'slurmd', optional: false, scope: 'global' },
    smtp: { name: 'smtp', role: 'requires', interface: 'smtp', limit: 1, optional: true, scope: 'global' },
    'slurmctld-peer': {
      name: 'slurmctld-peer',
      role: 'peers',
      interface: 'slurmctld-peer',
      optional: false,
      scope: 'global',
    },
  },
  storage: {
    state: {
      name: 'state',
      type: 'filesystem',
      description: 'StateSaveLocation',
      location: '/var/lib/slurm',
      shared: false,
      readOnly: false,
      properties: [],
      count: { min: 1, max: 3 },
      minimumSize: '1G',
    },
    scratch: {
      name: 'scratch',
      type: 'block',
      description: '',
      shared: false,
      readOnly: true,
      properties: ['transient'],
      count: { min: 1, max: 1 },
    },
  },
  config: {
    'cluster-name': {
      name: 'cluster-name',
      type: 'string',
      default: 'osd-cluster',
      description: 'Name of the cluster',
    },
    port: { name: 'port', type: 'int', default: 6817, description: '' },
    weight: { name: 'weight', type: 'float', default: 1.5, description: '' },
    debug: { name: 'debug', type: 'boolean', default: false, description: '' },
    'munge-key': { name: 'munge-key', type: 'secret', description: '' },
    nothing: { name: 'nothing', type: 'string', description: '' },
  },
  actions: {
    resume: {
      name: 'resume',
      description: '',
      params: {},
      required: [],
      additionalProperties: true,
      executionGroup: '',
      parallel: false,
    },
    'node-config': {
      name: 'node-config',
      description: 'Set node state',
      params: {
        nodes: { type: 'string' },
        state: { type: 'string', enum: ['idle', 'down', 'drain', 'resume'], default: 'idle' },
        reason: { type: 'string' },
      },
      required: ['nodes'],
      additionalProperties: false,
      executionGroup: 'nodes',
      parallel: true,
    },
  },
  extraBindings: ['cluster'],
};

/** The MetadataError message parseCharmMeta throws for `text`. */
function errorOf(text: string): string {
  try {
    parseCharmMeta(text, 'charm.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(MetadataError);
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('expected a MetadataError');
}

/** Asserts the error has exactly this problem line (file:line:col: path: expectation). */
function expectProblem(text: string, line: string): void {
  expect(errorOf(text).split('\n')).toContain(line);
}

describe('parseCharmMeta: valid metadata', () => {
  test('a full charm.yaml normalises with Juju defaults filled in', () => {
    expect(parseCharmMeta(FULL, 'charm.yaml')).toEqual(EXPECTED);
  });

  test('the result survives JSON and metaFromJson unchanged', () => {
    const meta = parseCharmMeta(FULL, 'charm.yaml');
    expect(metaFromJson(JSON.parse(JSON.stringify(meta)), 'build/meta.json')).toEqual(meta);
  });

  test('storage ranges n, n- and n+', () => {
    const meta = parseCharmMeta(
      `name: s\nstorage:\n  a: {type: block, multiple: {range: 2}}\n  b: {type: block, multiple: {range: 1-}}\n  c: {type: block, multiple: {range: 0+}}\n`,
      'charm.yaml',
    );
    expect([meta.storage.a?.count, meta.storage.b?.count, meta.storage.c?.count]).toEqual([
      { min: 2, max: 2 },
      { min: 1 },
      { min: 0 },
    ]);
  });

  test('a subordinate with a container-scoped requires may use juju-info', () => {
    const meta = parseCharmMeta(
      `name: telegraf\nsubordinate: true\nrequires:\n  juju-info: {interface: juju-info, scope: container}\n`,
      'charm.yaml',
    );
    expect(meta.subordinate).toBe(true);
    expect(meta.endpoints['juju-info']?.scope).toBe('container');
  });

  test('anchors and merge keys within the alias limit are fine', () => {
    const meta = parseCharmMeta(
      `name: a\nlinks: &ep {interface: slurmd, limit: 1}\nrequires:\n  one: *ep\n  two:\n    <<: *ep\n    optional: true\n`,
      'charm.yaml',
    );
    expect(meta.endpoints.one).toMatchObject({ interface: 'slurmd', limit: 1, optional: false });
    expect(meta.endpoints.two).toMatchObject({ interface: 'slurmd', limit: 1, optional: true });
  });

  test('loadCharmMeta reads <dir>/charm.yaml and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meta-'));
    try {
      writeFileSync(join(dir, 'charm.yaml'), FULL);
      expect(loadCharmMeta(dir)).toEqual(EXPECTED);
      writeFileSync(join(dir, 'charm.yaml'), 'name: 9lives\n');
      expect(() => loadCharmMeta(dir)).toThrow(`${join(dir, 'charm.yaml')}:1:7: name: expected a charm name`);
      rmSync(join(dir, 'charm.yaml'));
      expect(() => loadCharmMeta(dir)).toThrow(/cannot read charm metadata/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseCharmMeta: each problem names file, line:column, path and expectation', () => {
  test('missing name', () => {
    expectProblem(
      'summary: x\n',
      'charm.yaml:1:1: name: required key missing; expected a charm name (lowercase letters, digits and single hyphens, starting with a letter)',
    );
  });

  test('bad name', () => {
    expectProblem(
      'name: Slurm_d\n',
      'charm.yaml:1:7: name: expected a charm name (lowercase letters, digits and single hyphens, starting with a letter), got "Slurm_d"',
    );
  });

  test('unknown top-level key, with a suggestion when one is close', () => {
    expectProblem(
      'name: a\nsumary: x\n',
      "charm.yaml:2:1: sumary: unknown top-level key (did you mean 'summary'?)",
    );
    expect(errorOf('name: a\nfrobnicate: 1\n')).toMatch(
      /charm\.yaml:2:1: frobnicate: unknown top-level key \(charm\.yaml takes charmcraft\.yaml's keys: actions, analysis, .*website\)/,
    );
  });

  test('interface missing', () => {
    expectProblem(
      'name: a\nprovides:\n  db:\n    limit: 1\n',
      "charm.yaml:3:3: provides.db.interface: required key missing; expected an interface name (lowercase letters, digits, '-' and '_', starting with a letter)",
    );
  });

  test('bad scope', () => {
    expectProblem(
      'name: a\nrequires:\n  db: {interface: mysql, scope: galaxy}\n',
      'charm.yaml:3:33: requires.db.scope: expected one of global, container, got "galaxy"',
    );
  });

  test('limit 0', () => {
    expectProblem(
      'name: a\nrequires:\n  db:\n    interface: mysql\n    limit: 0\n',
      'charm.yaml:5:12: requires.db.limit: expected an integer >= 1, got 0',
    );
  });

  test('unknown key inside an endpoint', () => {
    expectProblem(
      'name: a\nrequires:\n  db: {interface: mysql, scop: container}\n',
      "charm.yaml:3:26: requires.db.scop: unknown key (did you mean 'scope'?)",
    );
  });

  test('duplicate endpoint across provides and peers', () => {
    expectProblem(
      'name: a\nprovides:\n  db: {interface: mysql}\npeers:\n  db: {interface: mysql-peer}\n',
      'charm.yaml:5:3: peers.db: endpoint name already used in provides (endpoint names must be unique across provides, requires and peers)',
    );
  });

  test('bad config type', () => {
    expectProblem(
      'name: a\nconfig:\n  options:\n    port: {type: integer}\n',
      'charm.yaml:4:18: config.options.port.type: expected one of string, int, float, boolean, secret, got "integer"',
    );
  });

  test('default of the wrong type', () => {
    const text =
      'name: a\nconfig:\n  options:\n    port:\n      type: int\n      description: TCP port\n      default: eighty\n';
    expectProblem(
      text,
      'charm.yaml:7:16: config.options.port.default: expected an int (the option\'s type), got "eighty"',
    );
    expectProblem(
      'name: a\nconfig:\n  options:\n    n: {type: int, default: 1.5}\n',
      "charm.yaml:4:29: config.options.n.default: expected an int (the option's type), got 1.5",
    );
    expectProblem(
      'name: a\nconfig:\n  options:\n    b: {type: boolean, default: yes}\n',
      'charm.yaml:4:33: config.options.b.default: expected a boolean (the option\'s type), got "yes"',
    );
  });

  test('subordinate without a container-scoped requires', () => {
    expectProblem(
      'name: a\nsubordinate: true\nrequires:\n  host: {interface: juju-info}\n',
      'charm.yaml:2:14: subordinate: a subordinate charm needs at least one requires endpoint with scope: container',
    );
  });

  test('the juju- prefix is reserved', () => {
    expectProblem(
      'name: a\nprovides:\n  juju-db: {interface: mysql}\n',
      "charm.yaml:3:3: provides.juju-db: expected a name without the 'juju-' prefix (reserved for Juju)",
    );
  });

  test('malformed YAML', () => {
    const msg = errorOf('name: a\nprovides: [\n');
    expect(msg).toMatch(/^charm\.yaml: not valid YAML:\ncharm\.yaml:\d+:\d+: YAML syntax error: /);
  });

  test('duplicate key', () => {
    expectProblem(
      'name: a\nsummary: x\nname: b\n',
      "charm.yaml:3:1: duplicate key 'name' (a key may appear once in a mapping)",
    );
  });

  test('alias bomb', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(errorOf(bomb)).toMatch(
      /^charm\.yaml: not valid YAML:\ncharm\.yaml:2:8: aliases from here on expand to too many nodes/,
    );
  });

  test('action params that are not valid JSON Schema', () => {
    const head = 'name: a\nactions:\n  do:\n    params:\n';
    expectProblem(
      `${head}      n: {type: strin}\n`,
      'charm.yaml:5:17: actions.do.params.n.type: not valid JSON Schema: expected one of array, boolean, integer, null, number, object, string or a list, got "strin"',
    );
    expectProblem(
      `${head}      n: {type: string, requried: true}\n`,
      'charm.yaml:5:7: actions.do.params.n: not valid JSON Schema: strict mode: unknown keyword: "requried"',
    );
    expectProblem(
      `${head}      n: {type: string, pattern: "(("}\n`,
      'charm.yaml:5:7: actions.do.params.n: not valid JSON Schema: Invalid regular expression: /((/u: Unterminated group',
    );
    expectProblem(
      `${head}      n: {type: string, default: 3}\n`,
      "charm.yaml:5:34: actions.do.params.n.default: expected a default that fits the parameter's schema (it must be string), got 3",
    );
    expectProblem(
      `${head}      n: {type: string}\n    required: [m]\n`,
      'charm.yaml:6:16: actions.do.required[0]: expected a declared parameter (params: n), got "m"',
    );
  });

  test('every problem is reported at once, in source order', () => {
    const msg = errorOf('name: A\nprovides:\n  db: {limit: 0}\nfoo: 1\n');
    expect(msg.split('\n')).toEqual([
      'charm.yaml: invalid charm metadata (4 problems):',
      'charm.yaml:1:7: name: expected a charm name (lowercase letters, digits and single hyphens, starting with a letter), got "A"',
      "charm.yaml:3:3: provides.db.interface: required key missing; expected an interface name (lowercase letters, digits, '-' and '_', starting with a letter)",
      'charm.yaml:3:15: provides.db.limit: expected an integer >= 1, got 0',
      expect.stringMatching(/^charm\.yaml:4:1: foo: unknown top-level key/),
    ]);
  });

  test('an empty file or a non-mapping', () => {
    expectProblem(
      '',
      "charm.yaml:1:1: (top level): the file is empty; expected a mapping with at least 'name'",
    );
    expectProblem('- a\n', 'charm.yaml:1:1: (top level): expected a mapping, got ["a"]');
  });
});
