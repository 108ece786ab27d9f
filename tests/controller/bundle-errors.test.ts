/** Bad input: each gives one BundleError whose lines read `<file>:<line>:<col>: <path>: <what was expected>`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { BundleError, MAX_FILE_BYTES, loadBundle } from '../../framework/controller/bundle/index.js';
import { CHARMS, resolveCharm } from '../fixtures/bundles/charms.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bundle-bad-'));
  file = join(dir, 'bundle.yaml');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The problem lines of loading `text` (plus overlay files), with the bundle's directory shown as `@`. */
function problems(text: string, overlays: Record<string, string> = {}): string[] {
  writeFileSync(file, text);
  const paths = Object.entries(overlays).map(([name, body]) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  });
  try {
    loadBundle(file, paths, resolveCharm);
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    expect(err.message.split('\n').slice(1)).toEqual(err.problems);
    return err.problems.map((line) => line.split(`${dir}/`).join('@/'));
  }
  throw new Error('expected the bundle to be refused');
}

describe('loadBundle refuses bad YAML', () => {
  it('malformed YAML', () => {
    expect(problems('applications:\n  ctl:\n    charm: slurmctld\n   num_units: 1\n')).toEqual([
      '@/bundle.yaml:4:1: applications: YAML syntax error: All mapping items must start at the same column',
    ]);
  });

  it('an alias bomb', () => {
    const text =
      'a: &a [x, x, x, x, x, x, x, x, x, x]\n' +
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n' +
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n' +
      'applications:\n  ctl: {charm: slurmctld, options: {cluster-name: *c}}\n';
    expect(problems(text)).toEqual([
      '@/bundle.yaml:2:8: b[0]: aliases from here on expand to too many nodes (more than 100 alias expansions: ' +
        'Excessive alias count indicates a resource exhaustion attack)',
    ]);
  });

  it('a duplicate key', () => {
    expect(
      problems('applications:\n  ctl:\n    charm: slurmctld\n    num_units: 1\n    charm: slurmd\n'),
    ).toEqual([
      '@/bundle.yaml:5:5: applications.ctl.charm: duplicate key (a key may appear once in a mapping)',
    ]);
  });

  it('an oversized file', () => {
    const text = `applications:\n  ctl: {charm: slurmctld}\n# ${'x'.repeat(MAX_FILE_BYTES)}\n`;
    expect(problems(text)).toEqual([
      `@/bundle.yaml:1:1: (top level): cannot read bundle: the file is ${text.length} bytes; expected at most 4194304 (4 MiB)`,
    ]);
  });

  it('an empty file', () => {
    expect(problems('')).toEqual([
      "@/bundle.yaml:1:1: (top level): the file is empty; expected a bundle with 'applications'",
    ]);
  });
});

describe('loadBundle refuses what the schema does not allow', () => {
  it('unknown keys, with a hint', () => {
    expect(
      problems('applications:\n  ctl:\n    charm: slurmctld\n    num_unit: 1\nrelation: []\nsaas: {}\n'),
    ).toEqual([
      "@/bundle.yaml:4:5: applications.ctl.num_unit: unknown key (did you mean 'num_units'?)",
      "@/bundle.yaml:5:1: relation: unknown key (did you mean 'relations'?)",
      '@/bundle.yaml:6:1: saas: unknown key (allowed here: applications, default-base, description, machines, relations, series)',
    ]);
  });

  it('num_units together with scale', () => {
    expect(problems('applications:\n  ctl:\n    charm: slurmctld\n    num_units: 1\n    scale: 2\n')).toEqual(
      [
        '@/bundle.yaml:5:5: applications.ctl.scale: expected num_units or scale, not both (scale is the Kubernetes name of num_units)',
      ],
    );
  });

  it('wrong value types and names', () => {
    const text =
      'applications:\n  Ctl: {charm: slurmctld}\n  db: {charm: mysql, num_units: -1, expose: "yes"}\nrelations: [[db, Ctl, x]]\n';
    expect(problems(text)).toEqual([
      '@/bundle.yaml:2:3: applications.Ctl: invalid name: expected an application name (lowercase letters and digits, words joined by \'-\', starting with a letter), got "Ctl"',
      '@/bundle.yaml:3:33: applications.db.num_units: expected an integer >= 0, got -1',
      '@/bundle.yaml:3:45: applications.db.expose: expected a boolean (true or false), got "yes"',
      '@/bundle.yaml:4:18: relations[0][1]: expected an application, optionally with \':endpoint\' (slurmd:slurmctld), got "Ctl"',
    ]);
  });

  it('overlay-only keys in the base, and a relation that is not a pair', () => {
    expect(problems('applications:\n  ctl: {charm: slurmctld, offers: {}}\nrelations:\n  - [ctl]\n')).toEqual(
      [
        '@/bundle.yaml:2:27: applications.ctl.offers: allowed only in an overlay (a later document or an --overlay file)',
        '@/bundle.yaml:4:5: relations[0]: expected a pair [app:endpoint, app:endpoint], got ["ctl"]',
      ],
    );
  });

  it('a new application in an overlay without a charm, naming the overlay file', () => {
    expect(
      problems('applications:\n  ctl: {charm: slurmctld}\n', {
        'o.yaml': 'applications:\n  extra: {num_units: 1}\n',
      }),
    ).toEqual([
      '@/o.yaml:2:3: applications.extra.charm: required key missing; expected a charm reference (a path, or a name under charms/)',
    ]);
  });

  it('an include file that does not exist', () => {
    const text =
      'applications:\n  compute:\n    charm: slurmd\n    options:\n      node-key: include-file://keys/nope.txt\n';
    expect(problems(text)).toEqual([
      '@/bundle.yaml:5:17: applications.compute.options.node-key: cannot read include-file://keys/nope.txt ' +
        '(looked for @/keys/nope.txt): no such file',
    ]);
  });
});

describe('loadBundle refuses what the charms do not allow', () => {
  it('an unknown charm, saying what was tried (and nothing that follows from it)', () => {
    expect(
      problems(
        'applications:\n  ctl:\n    charm: slurmctl\n    num_units: 1\n    to: ["0"]\nmachines:\n  "0": {}\n',
      ),
    ).toEqual([
      `@/bundle.yaml:3:12: applications.ctl.charm: unknown charm 'slurmctl' for application 'ctl': no charm.yaml in ${join(CHARMS, 'slurmctl')}`,
    ]);
  });

  it('a wrong option type', () => {
    expect(
      problems(
        'applications:\n  ctl:\n    charm: slurmctld\n    options:\n      port: eighty\n      munge-key: abc\n',
      ),
    ).toEqual([
      "@/bundle.yaml:5:13: applications.ctl.options.port: expected an int (the type of option 'port' of charm 'slurmctld'), got \"eighty\"",
      "@/bundle.yaml:6:18: applications.ctl.options.munge-key: expected a secret id (secret:...) (the type of option 'munge-key' of charm 'slurmctld'), got \"abc\"",
    ]);
  });

  it('an unknown option, with a hint', () => {
    expect(problems('applications:\n  ctl:\n    charm: slurmctld\n    options:\n      prot: 80\n')).toEqual([
      "@/bundle.yaml:5:7: applications.ctl.options.prot: unknown option of charm 'slurmctld' (did you mean 'port'?)",
    ]);
  });

  it('a bad endpoint, and a peer endpoint', () => {
    const text =
      'applications:\n  ctl: {charm: slurmctld}\n  compute: {charm: slurmd}\nrelations:\n  - [ctl:slurm, compute]\n  - [ctl:slurmctld-peer, compute]\n';
    expect(problems(text)).toEqual([
      "@/bundle.yaml:5:6: relations[0][0]: charm 'slurmctld' of application 'ctl' has no endpoint 'slurm' (did you mean 'slurmd'?)",
      "@/bundle.yaml:6:6: relations[1][0]: 'slurmctld-peer' is a peer endpoint of 'ctl'; peers relate automatically and are never listed in relations",
    ]);
  });

  it('an ambiguous relation, in an overlay', () => {
    const base = 'applications:\n  ctl: {charm: slurmctld}\n  db: {charm: mysql}\n';
    expect(problems(base, { 'o.yaml': 'relations:\n  - [db, ctl]\n' })).toEqual([
      '@/o.yaml:2:5: relations[0]: cannot infer endpoint between db and ctl: candidates "db:database ctl:database", ' +
        '"db:db-admin ctl:database"; name the endpoints to choose one',
    ]);
  });

  it('a relation to a missing application, to itself, twice, or past a limit', () => {
    const text =
      'applications:\n  ctl: {charm: slurmctld}\n  compute: {charm: slurmd}\n  db: {charm: mysql}\n  db2: {charm: mysql}\n' +
      'relations:\n  - [ctl, slurmd]\n  - [ctl, ctl]\n  - [ctl, compute]\n  - [compute:slurmctld, ctl:slurmd]\n' +
      '  - [ctl:database, db:database]\n  - [ctl:database, db2:database]\n';
    expect(problems(text)).toEqual([
      "@/bundle.yaml:7:11: relations[0][1]: application 'slurmd' is not in the bundle (applications: ctl, compute, db, db2)",
      "@/bundle.yaml:8:5: relations[1]: relates 'ctl' to itself; expected two different applications (peer relations are automatic)",
      '@/bundle.yaml:10:5: relations[3]: duplicate relation compute:slurmctld ctl:slurmd (each relation may appear once)',
      '@/bundle.yaml:12:5: relations[5]: endpoint ctl:database accepts at most 1 relation (its limit); this is relation 2',
    ]);
  });

  it('a relation to an application an overlay removed', () => {
    const base =
      'applications:\n  ctl: {charm: slurmctld}\n  compute: {charm: slurmd}\nrelations:\n  - [ctl, compute]\n';
    expect(
      problems(base, { 'o.yaml': 'applications:\n  compute: {}\nrelations:\n  - [compute, ctl]\n' }),
    ).toEqual([
      "@/o.yaml:4:6: relations[0][0]: application 'compute' is not in the bundle (applications: ctl)",
    ]);
  });

  it('bad placements and unused machines', () => {
    const text =
      'applications:\n  ctl:\n    charm: slurmctld\n    num_units: 2\n    to: ["3", docker:0, db/2, ctl]\n' +
      '  db: {charm: mysql, num_units: 1}\n  gpu: {charm: nvidia, num_units: 2}\nmachines:\n  "0": {}\n';
    expect(problems(text)).toEqual([
      '@/bundle.yaml:5:5: applications.ctl.to: 4 placements for 2 units; expected at most num_units entries',
      "@/bundle.yaml:5:10: applications.ctl.to[0]: machine '3' is not declared under machines: (declared: 0)",
      "@/bundle.yaml:5:15: applications.ctl.to[1]: expected a placement (new, a machine id, <app> or <app>/<unit>, optionally prefixed 'lxd:' or 'kvm:'), got \"docker:0\"",
      '@/bundle.yaml:5:25: applications.ctl.to[2]: unit db/2 is not in the bundle: db has 1 unit (num_units)',
      "@/bundle.yaml:5:31: applications.ctl.to[3]: application 'ctl' cannot be placed on its own units",
      "@/bundle.yaml:7:35: applications.gpu.num_units: expected no units: charm 'nvidia' is a subordinate (it gets one unit per unit of each principal it relates to), got 2",
      '@/bundle.yaml:9:3: machines."0": machine \'0\' is not used by any placement (to:); expected every machine to be used',
    ]);
  });
});
