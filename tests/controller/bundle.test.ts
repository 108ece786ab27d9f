import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { BundleError, loadBundle, parsePlacement } from '../../framework/controller/bundle/index.js';
import type { BundleSpec } from '../../framework/controller/bundle/index.js';
import { CHARMS, resolveCharm } from '../fixtures/bundles/charms.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bundle-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function load(text: string, overlays: Record<string, string> = {}): BundleSpec {
  const files = Object.entries(overlays).map(([name, body]) => write(name, body));
  return loadBundle(write('bundle.yaml', text), files, resolveCharm);
}

const BASE = `description: test cluster
applications:
  ctl:
    charm: slurmctld
    num_units: 1
    to: ["0"]
    options:
      cluster-name: hpc
      port: 7000
      debug: true
      weight: 1.5
    constraints: cores=2   mem=4G
    annotations: {gui-x: 100, gui-y: "20"}
    trust: true
    base: ubuntu@24.04
    channel: latest/stable
  compute:
    charm: slurmd
    scale: 2
    expose: true
    bindings: {"": alpha}
  db:
    charm: mysql
    num_units: 1
    to: [lxd:0]
  gpu:
    charm: nvidia
machines:
  "0": {constraints: cores=8}
relations:
  - [ctl, compute]
  - [ctl:database, db:database]
  - [gpu, compute]
`;

describe('loadBundle: a valid bundle', () => {
  it('resolves charms, types options, normalises and infers relations (provider first)', () => {
    const b = load(BASE);
    expect(Object.keys(b.applications)).toEqual(['ctl', 'compute', 'db', 'gpu']);
    expect(b.description).toBe('test cluster');
    const ctl = b.applications.ctl;
    expect(ctl).toMatchObject({
      name: 'ctl',
      charmRef: 'slurmctld',
      charmPath: join(CHARMS, 'slurmctld'),
      numUnits: 1,
      options: { 'cluster-name': 'hpc', port: 7000, debug: true, weight: 1.5 },
      constraints: 'cores=2 mem=4G',
      to: ['0'],
      expose: false,
      trust: true,
      annotations: { 'gui-x': '100', 'gui-y': '20' },
      subordinate: false,
    });
    expect(ctl?.meta.name).toBe('slurmctld');
    expect(b.applications.compute).toMatchObject({ numUnits: 2, to: ['new', 'new'], expose: true });
    expect(b.applications.db?.to).toEqual(['lxd:0']);
    expect(b.applications.gpu).toMatchObject({ numUnits: 0, to: [], subordinate: true });
    expect(b.machines).toEqual({ '0': { constraints: 'cores=8', annotations: {} } });
    expect(b.relations).toEqual([
      {
        a: { app: 'compute', endpoint: 'slurmctld' },
        b: { app: 'ctl', endpoint: 'slurmd' },
        interface: 'slurmd',
        scope: 'global',
      },
      {
        a: { app: 'db', endpoint: 'database' },
        b: { app: 'ctl', endpoint: 'database' },
        interface: 'mysql_client',
        scope: 'global',
      },
      // The subordinate's container-scoped requirer meets the implicit juju-info provider.
      {
        a: { app: 'compute', endpoint: 'juju-info' },
        b: { app: 'gpu', endpoint: 'juju-info' },
        interface: 'juju-info',
        scope: 'container',
      },
    ]);
  });

  it('applies later documents, then --overlay files, in order', () => {
    const doc2 = `---
applications:
  compute:
    num_units: 3
    options: {gpus: 2}
  ctl:
    options: {port: 7001, debug: null}
  home:
    charm: nfs
    num_units: 1
relations:
  - [gpu, home]
`;
    const b = load(BASE + doc2, {
      'o1.yaml': `applications:
  db:
  compute:
    expose: false
    annotations: {owner: hpc}
machines:
  "0": {}
  "1": {constraints: mem=8G}
relations:
  - [ctl:database, db2:database]
`,
      'o2.yaml': `applications:
  db2:
    charm: mysql
    num_units: 1
    to: ["1"]
relations: []
`,
    });
    expect(Object.keys(b.applications)).toEqual(['ctl', 'compute', 'gpu', 'home', 'db2']);
    // Fields present in an overlay win; the rest stay; a null option is unset.
    expect(b.applications.ctl?.options).toEqual({ 'cluster-name': 'hpc', port: 7001, weight: 1.5 });
    expect(b.applications.compute).toMatchObject({
      numUnits: 3,
      options: { gpus: 2 },
      expose: false,
      annotations: { owner: 'hpc' },
    });
    // Machines are replaced wholesale.
    expect(b.machines).toEqual({
      '0': { constraints: '', annotations: {} },
      '1': { constraints: 'mem=8G', annotations: {} },
    });
    const rels = b.relations.map((r) => `${r.a.app}:${r.a.endpoint} ${r.b.app}:${r.b.endpoint}`);
    // Removing db removed its relation; the others were appended in order.
    expect(rels).toEqual([
      'compute:slurmctld ctl:slurmd',
      'compute:juju-info gpu:juju-info',
      'home:juju-info gpu:juju-info',
      'db2:database ctl:database',
    ]);
  });

  it('inlines include-file:// and include-base64:// relative to the declaring file', () => {
    write('part.conf', 'Nodes=ALL\nMaxTime=1h\n');
    writeFileSync(join(dir, 'key.bin'), Buffer.from([0, 1, 2, 250, 255]));
    const b = load(`applications:
  compute:
    charm: slurmd
    options:
      partition-config: include-file://part.conf
      node-key: include-base64://./key.bin
`);
    expect(b.applications.compute?.options).toEqual({
      'partition-config': 'Nodes=ALL\nMaxTime=1h\n',
      'node-key': Buffer.from([0, 1, 2, 250, 255]).toString('base64'),
    });
  });

  it('resolves charm paths against the declaring file and accepts YAML anchors', () => {
    const b = load(`applications:
  a:
    charm: ${join(CHARMS, 'slurmd')}
    num_units: 1
    options: &opts {gpus: 4}
  b:
    charm: slurmd
    num_units: 1
    options: *opts
`);
    expect(b.applications.a?.charmPath).toBe(join(CHARMS, 'slurmd'));
    expect(b.applications.b?.options).toEqual({ gpus: 4 });
  });

  it('expands placements: the last repeats, an application means its units in order, then new', () => {
    const b = load(`applications:
  ctl:
    charm: slurmctld
    num_units: 2
  compute:
    charm: slurmd
    num_units: 4
    to: [ctl, ctl, ctl]
  db:
    charm: mysql
    num_units: 3
    to: [kvm:compute/1, lxd]
machines:
`);
    expect(b.applications.ctl?.to).toEqual(['new', 'new']);
    expect(b.applications.compute?.to).toEqual(['ctl/0', 'ctl/1', 'new', 'new']);
    expect(b.applications.db?.to).toEqual(['kvm:compute/1', 'lxd:new', 'lxd:new']);
    expect(parsePlacement('lxd:0')).toEqual({ container: 'lxd', kind: 'machine', machine: '0' });
    expect(parsePlacement('docker:0')).toBeUndefined();
  });
});

describe('loadBundle: endpoint inference', () => {
  const infer = (a: string, b: string): string[] | string => {
    try {
      const spec = load(`applications:
  ctl: {charm: slurmctld, num_units: 1}
  compute: {charm: slurmd, num_units: 1}
  db: {charm: mysql, num_units: 1}
  home: {charm: nfs, num_units: 1}
relations:
  - [${a}, ${b}]
`);
      return spec.relations.map((r) => `${r.a.app}:${r.a.endpoint} ${r.b.app}:${r.b.endpoint}`)[0] ?? '';
    } catch (err) {
      if (err instanceof BundleError) return err.problems;
      throw err;
    }
  };
  const at = (): string => `${join(dir, 'bundle.yaml')}:7:5: relations[0]`;

  it('infers the one matching pair, from either side', () => {
    expect(infer('compute', 'ctl')).toBe('compute:slurmctld ctl:slurmd');
    expect(infer('ctl:database', 'db:db-admin')).toBe('db:db-admin ctl:database');
  });

  it('refuses several candidates, naming them', () => {
    expect(infer('ctl', 'db')).toEqual([
      `${at()}: cannot infer endpoint between ctl and db: candidates "ctl:database db:database", ` +
        `"ctl:database db:db-admin"; name the endpoints to choose one`,
    ]);
  });

  it('refuses when nothing matches', () => {
    expect(infer('compute', 'db')).toEqual([
      `${at()}: cannot infer endpoint between compute and db: no matching endpoints ` +
        '(expected one to provide and the other to require the same interface)',
    ]);
    expect(infer('ctl:home', 'home:export')).toEqual([
      `${at()}: cannot relate ctl:home (requires nfs-mount) and home:export (provides nfs): expected the same interface on both sides`,
    ]);
  });
});
