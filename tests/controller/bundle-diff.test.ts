/** diffBundle against model snapshots, and exportBundle round trips. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  BundleError,
  diffBundle,
  exportBundle,
  loadBundle,
} from '../../framework/controller/bundle/index.js';
import type {
  BundleSpec,
  Change,
  ExportSnapshot,
  ModelSnapshot,
} from '../../framework/controller/bundle/index.js';
import { CHARMS, resolveCharm } from '../fixtures/bundles/charms.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bundle-diff-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string, name = 'bundle.yaml'): BundleSpec {
  writeFileSync(join(dir, name), text);
  return loadBundle(join(dir, name), [], resolveCharm);
}

const EMPTY: ModelSnapshot = { applications: {}, relations: [] };

/** What a controller would hold after applying `changes` (the test's stand-in for the store). */
function apply(model: ModelSnapshot, changes: Change[]): ModelSnapshot {
  const m = structuredClone(model);
  for (const c of changes) {
    const app = c.kind === 'addApplication' || c.kind === 'addRelation' ? undefined : m.applications[c.app];
    switch (c.kind) {
      case 'addApplication':
        m.applications[c.app] = {
          charmPath: c.charmPath,
          charmName: c.charmName,
          numUnits: 0,
          options: { ...c.options },
          constraints: c.constraints,
          expose: false,
          annotations: {},
        };
        break;
      case 'upgradeCharm':
        if (app) app.charmPath = c.charmPath;
        break;
      case 'addUnit':
        if (app) app.numUnits += c.count;
        break;
      case 'setOptions':
        if (app) Object.assign(app.options, c.options);
        break;
      case 'setConstraints':
        if (app) app.constraints = c.constraints;
        break;
      case 'expose':
        if (app) app.expose = true;
        break;
      case 'setAnnotations':
        if (app) Object.assign(app.annotations, c.annotations);
        break;
      case 'addRelation':
        m.relations.push({ a: c.a, b: c.b });
        break;
    }
  }
  return m;
}

const BUNDLE = `applications:
  ctl:
    charm: slurmctld
    num_units: 1
    options: {cluster-name: hpc, port: 7000}
    constraints: cores=2
    annotations: {gui-x: "10"}
  compute:
    charm: slurmd
    num_units: 3
    to: ["0"]
    expose: true
  gpu:
    charm: nvidia
machines:
  "0": {}
relations:
  - [ctl, compute]
  - [gpu, compute]
`;

describe('diffBundle', () => {
  it('deploys everything onto an empty model, in dependency order', () => {
    const changes = diffBundle(load(BUNDLE), EMPTY);
    expect(changes.map((c) => c.description)).toEqual([
      `deploy application ctl (charm slurmctld from ${join(CHARMS, 'slurmctld')}) with 2 options`,
      `deploy application compute (charm slurmd from ${join(CHARMS, 'slurmd')})`,
      `deploy application gpu (charm nvidia from ${join(CHARMS, 'nvidia')})`,
      'add unit ctl/… ×1',
      'add unit compute/… ×3',
      'expose compute',
      'set annotations of ctl: gui-x',
      'integrate compute:slurmctld with ctl:slurmd (slurmd)',
      'integrate compute:juju-info with gpu:juju-info (juju-info)',
    ]);
    expect(changes[0]).toEqual({
      kind: 'addApplication',
      app: 'ctl',
      charmPath: join(CHARMS, 'slurmctld'),
      charmName: 'slurmctld',
      options: { 'cluster-name': 'hpc', port: 7000 },
      constraints: 'cores=2',
      trust: false,
      subordinate: false,
      description: expect.any(String),
    });
    expect(changes[4]).toMatchObject({ kind: 'addUnit', app: 'compute', count: 3, to: ['0', '0', '0'] });
    expect(changes[8]).toMatchObject({ kind: 'addRelation', scope: 'container', interface: 'juju-info' });
  });

  it('deploying the same bundle twice changes nothing', () => {
    const bundle = load(BUNDLE);
    const model = apply(EMPTY, diffBundle(bundle, EMPTY));
    // A subordinate gets units from its principals, never from the bundle.
    const gpu = model.applications.gpu;
    if (gpu) gpu.numUnits = 3;
    // Relations compare whichever way round the model holds them.
    model.relations = model.relations.map((r) => ({ a: r.b, b: r.a }));
    expect(diffBundle(bundle, model)).toEqual([]);
  });

  it('applies only the difference to a model that holds part of the bundle', () => {
    const model: ModelSnapshot = {
      applications: {
        ctl: {
          charmPath: join(CHARMS, 'slurmctld'),
          charmName: 'slurmctld',
          numUnits: 2,
          options: { 'cluster-name': 'hpc', port: 6817, debug: true },
          constraints: 'cores=2 ',
          expose: false,
          annotations: { 'gui-x': '10', owner: 'me' },
        },
        compute: {
          charmPath: '/old/slurmd',
          charmName: 'slurmd',
          numUnits: 1,
          options: {},
          constraints: '',
          expose: true,
          annotations: {},
        },
      },
      relations: [{ a: { app: 'ctl', endpoint: 'slurmd' }, b: { app: 'compute', endpoint: 'slurmctld' } }],
    };
    const changes = diffBundle(load(BUNDLE), model);
    expect(changes.map((c) => c.kind)).toEqual([
      'addApplication',
      'upgradeCharm',
      'addUnit',
      'setOptions',
      'addRelation',
    ]);
    expect(changes[1]).toMatchObject({
      app: 'compute',
      charmPath: join(CHARMS, 'slurmd'),
      from: '/old/slurmd',
    });
    // One of three units exists: two more, placed where the bundle puts its second and third.
    expect(changes[2]).toMatchObject({ app: 'compute', count: 2, to: ['0', '0'] });
    // Only the changed key; debug (set in the model, absent from the bundle) is left alone.
    expect(changes[3]).toEqual({
      kind: 'setOptions',
      app: 'ctl',
      options: { port: 7000 },
      description: 'set options of ctl: port',
    });
    expect(changes[4]).toMatchObject({
      a: { app: 'compute', endpoint: 'juju-info' },
      b: { app: 'gpu', endpoint: 'juju-info' },
    });
  });

  it('sets changed options and constraints after an edit of the bundle', () => {
    const model = apply(EMPTY, diffBundle(load(BUNDLE), EMPTY));
    const edited = BUNDLE.replace('port: 7000', 'port: 7001, debug: true').replace('cores=2', 'cores=4');
    expect(diffBundle(load(edited), model)).toEqual([
      {
        kind: 'setOptions',
        app: 'ctl',
        options: { port: 7001, debug: true },
        description: 'set options of ctl: port, debug',
      },
      {
        kind: 'setConstraints',
        app: 'ctl',
        constraints: 'cores=4',
        description: 'set constraints of ctl to "cores=4"',
      },
    ]);
  });

  it('refuses an application that runs another charm', () => {
    const model: ModelSnapshot = {
      applications: {
        ctl: {
          charmPath: '/x',
          charmName: 'mysql',
          numUnits: 1,
          options: {},
          constraints: '',
          expose: false,
          annotations: {},
        },
      },
      relations: [],
    };
    expect(() => diffBundle(load(BUNDLE), model)).toThrow(BundleError);
    expect(() => diffBundle(load(BUNDLE), model)).toThrow(
      "applications.ctl.charm: application 'ctl' already runs charm 'mysql'; the bundle wants charm 'slurmctld'",
    );
  });
});

describe('exportBundle', () => {
  const model: ExportSnapshot = {
    description: 'exported',
    applications: {
      gpu: {
        charmPath: join(CHARMS, 'nvidia'),
        charmName: 'nvidia',
        numUnits: 2,
        options: {},
        constraints: '',
        expose: false,
        annotations: {},
        subordinate: true,
      },
      compute: {
        charmPath: join(CHARMS, 'slurmd'),
        charmName: 'slurmd',
        numUnits: 2,
        options: { 'partition-config': 'a: b\n"quoted"\n', gpus: 2 },
        constraints: 'cores=4 mem=8G',
        expose: true,
        annotations: { 'gui-x': '100' },
        trust: true,
      },
      ctl: {
        charmPath: join(CHARMS, 'slurmctld'),
        charmName: 'slurmctld',
        numUnits: 1,
        options: { 'cluster-name': 'true', port: 7000, weight: 2 },
        constraints: '',
        expose: false,
        annotations: {},
      },
    },
    relations: [
      { a: { app: 'ctl', endpoint: 'slurmctld-peer' }, b: { app: 'ctl', endpoint: 'slurmctld-peer' } },
      { a: { app: 'gpu', endpoint: 'juju-info' }, b: { app: 'compute', endpoint: 'juju-info' } },
      { a: { app: 'compute', endpoint: 'slurmctld' }, b: { app: 'ctl', endpoint: 'slurmd' } },
    ],
  };

  it("writes Juju's key order, user-set options only, no peers, no units for subordinates", () => {
    expect(exportBundle(model)).toBe(`description: exported
applications:
  compute:
    charm: ${join(CHARMS, 'slurmd')}
    num_units: 2
    expose: true
    options:
      gpus: 2
      partition-config: |
        a: b
        "quoted"
    annotations:
      gui-x: "100"
    constraints: cores=4 mem=8G
    trust: true
  ctl:
    charm: ${join(CHARMS, 'slurmctld')}
    num_units: 1
    options:
      cluster-name: "true"
      port: 7000
      weight: 2
  gpu:
    charm: ${join(CHARMS, 'nvidia')}
relations:
  - [compute:slurmctld, ctl:slurmd]
  - [gpu:juju-info, compute:juju-info]
`);
  });

  it('round-trips: the export loads back and diffs to no changes', () => {
    const bundle = load(exportBundle(model), 'exported.yaml');
    expect(bundle.applications.ctl?.options).toEqual({ 'cluster-name': 'true', port: 7000, weight: 2 });
    expect(diffBundle(bundle, model)).toEqual([]);
  });

  it('round-trips a deployed bundle', () => {
    const deployed = apply(EMPTY, diffBundle(load(BUNDLE), EMPTY));
    const again = load(exportBundle(deployed), 'exported.yaml');
    expect(diffBundle(again, deployed)).toEqual([]);
  });

  it('refuses an empty model', () => {
    expect(() => exportBundle({ applications: {}, relations: [] })).toThrow('nothing to export');
  });
});
