/**
 * `tsops pack` on the demo charm: the validated metadata, the executable dispatch,
 * the bundle and the startup snapshot each run a real update-status with the stub
 * hook tools; the dispatch falls back to the plain bundle when the snapshot is missing
 * or belongs to another node; folders that are not charms fail with one line.
 *
 * The charm is packed into a temp dir (outDir), so this test never races another
 * one packing the fixture.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { packCharm, type PackResult } from '../../framework/controller/pack.js';
import { parseCharmMeta } from '../../framework/ops/meta/load.js';
import { makeStubTools } from '../fixtures/fake-juju/make-tools.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = join(ROOT, 'tests/fixtures/demo-charm');
const EXPECTED_TOOLS = ['is-leader', 'juju-log', 'juju-log', 'status-set'];

const work = mkdtempSync(join(tmpdir(), 'tsops-pack-'));
const charmDir = join(work, 'charm');
let packed: PackResult;
let seq = 0;

beforeAll(async () => {
  packed = await packCharm(FIXTURE, { outDir: charmDir });
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The packed charm as Juju would unpack it, in a fresh dir (timestamps kept). */
function install(): string {
  const dir = join(work, `unit-${++seq}`);
  mkdirSync(dir);
  for (const f of ['dispatch', 'charm.yaml', 'build']) {
    cpSync(join(charmDir, f), join(dir, f), { recursive: true, preserveTimestamps: true });
  }
  return dir;
}

/** Run update-status in `dir` with Juju's environment: cmd defaults to ./dispatch. */
function updateStatus(
  dir: string,
  cmd: string[] = [join(dir, 'dispatch')],
  extraEnv: Record<string, string> = {},
) {
  const stubs = makeStubTools(join(dir, 'tools'));
  const env = {
    PATH: stubs.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    LANG: 'C.UTF-8',
    FAKE_JUJU_LOG: stubs.logPath,
    JUJU_DISPATCH_PATH: 'hooks/update-status',
    JUJU_HOOK_NAME: 'update-status',
    JUJU_UNIT_NAME: 'demo/0',
    JUJU_MODEL_NAME: 'test',
    JUJU_MODEL_UUID: '00000000-0000-4000-8000-000000000000',
    JUJU_CHARM_DIR: dir,
    JUJU_VERSION: '3.6.14',
    ...extraEnv,
  };
  const [exe = '', ...args] = cmd;
  const r = spawnSync(exe, args, { cwd: dir, env, encoding: 'utf8' });
  const calls = stubs.calls();
  return { status: r.status, stderr: r.stderr, calls, tools: calls.map((c) => c[0]).sort() };
}

function expectUpdateStatusRan(r: ReturnType<typeof updateStatus>): void {
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.tools).toEqual(EXPECTED_TOOLS);
  expect(r.calls.find((c) => c[0] === 'status-set')).toContain('waiting');
}

describe('packCharm on the demo charm', () => {
  it('writes build/charm.json equal to the validated charm.yaml', () => {
    const yamlPath = join(FIXTURE, 'charm.yaml');
    const expected: unknown = JSON.parse(
      JSON.stringify(parseCharmMeta(readFileSync(yamlPath, 'utf8'), yamlPath)),
    );
    expect(JSON.parse(readFileSync(packed.metaPath, 'utf8'))).toEqual(expected);
    expect(packed.meta.name).toBe('demo');
  });

  it('writes an executable dispatch script at the charm root', () => {
    expect(packed.charmDir).toBe(FIXTURE);
    expect(packed.outDir).toBe(charmDir);
    expect(packed.dispatchPath).toBe(join(charmDir, 'dispatch'));
    expect(statSync(packed.dispatchPath).mode & 0o111).toBe(0o111);
    expect(readFileSync(packed.dispatchPath, 'utf8')).toMatch(/^#!\/bin\/sh\n/);
  });

  it('builds a startup snapshot beside the bundle', () => {
    expect(packed.snapshotSkipped).toBeUndefined();
    expect(packed.snapshotPath).toBe(join(charmDir, 'build', 'charm.blob'));
    expect(readFileSync(join(charmDir, 'build', 'charm.blob.node'), 'utf8')).toContain(process.version);
  });

  it('runs update-status through ./dispatch, as Juju does', () => {
    expectUpdateStatusRan(updateStatus(install()));
  });

  it('runs update-status as hooks/update-status, a link to dispatch (JUJU_DISPATCH_PATH unset)', () => {
    const dir = install();
    mkdirSync(join(dir, 'hooks'));
    symlinkSync('../dispatch', join(dir, 'hooks', 'update-status'));
    const r = updateStatus(dir, ['hooks/update-status'], { JUJU_DISPATCH_PATH: '' });
    expectUpdateStatusRan(r);
  });

  it('runs update-status from the plain bundle and from the snapshot on their own', () => {
    const dir = install();
    expectUpdateStatusRan(updateStatus(dir, [process.execPath, join(dir, 'build', 'charm.mjs')]));
    const blob = join(dir, 'build', 'charm.blob');
    expectUpdateStatusRan(
      updateStatus(dir, [process.execPath, '--snapshot-blob', blob, join(dir, 'build', 'charm.mjs')]),
    );
  });

  // A garbage blob crashes node (SIGABRT): these pass only if the script skips the snapshot.
  const garbage = (dir: string) =>
    writeFileSync(join(dir, 'build', 'charm.blob'), 'not a snapshot\n'.repeat(100));

  it('keeps the packages loaded on demand (yaml, ajv) out of the snapshot, in charm.vendor.cjs', () => {
    const build = join(charmDir, 'build');
    const snapshotBundle = readFileSync(join(build, 'charm.snapshot.cjs'), 'utf8');
    const vendor = readFileSync(join(build, 'charm.vendor.cjs'), 'utf8');
    for (const pkg of ['yaml', 'ajv']) {
      expect(snapshotBundle).not.toContain(`node_modules/${pkg}/`);
      expect(vendor).toContain(`node_modules/${pkg}/`);
    }
    expect(snapshotBundle).toContain('node_modules/winston/');
  });

  it('validates action params from the snapshot (ajv loaded on demand)', () => {
    // The stub's action-get answers {}: greet's required 'name' is missing.
    const dir = install();
    const action = {
      JUJU_DISPATCH_PATH: 'actions/greet',
      JUJU_HOOK_NAME: '',
      JUJU_ACTION_NAME: 'greet',
      JUJU_ACTION_UUID: '1',
    };
    const modes: Array<Record<string, string>> = [{}, { TSOPS_NO_SNAPSHOT: '1' }];
    for (const extra of modes) {
      const r = updateStatus(dir, undefined, { ...action, ...extra });
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
      const fail = r.calls.find((c) => c[0] === 'action-fail');
      expect(fail?.join(' ')).toMatch(/name/);
    }
  });

  it('runs the plain bundle when the snapshot is disabled or missing', () => {
    const dir = install();
    garbage(dir);
    expectUpdateStatusRan(updateStatus(dir, undefined, { TSOPS_NO_SNAPSHOT: '1' }));
    expectUpdateStatusRan(updateStatus(dir, undefined, { NODE_OPTIONS: '--no-warnings' }));
    rmSync(join(dir, 'build', 'charm.blob'));
    expectUpdateStatusRan(updateStatus(dir));
  });

  it('runs the plain bundle when node is not the binary that built the snapshot', () => {
    // Another node binary has another mtime than the one charm.blob.node records.
    const dir = install();
    garbage(dir);
    utimesSync(join(dir, 'build', 'charm.blob.node'), new Date(0), new Date(0));
    expectUpdateStatusRan(updateStatus(dir));
  });

  it('runs the plain bundle, once, when node refuses the snapshot (exit 14)', () => {
    // Same binary mtime but a blob recorded as another node version: node checks and refuses.
    const dir = install();
    const blobPath = join(dir, 'build', 'charm.blob');
    const blob = readFileSync(blobPath);
    const at = blob.subarray(0, 64).indexOf(process.versions.node);
    expect(at).toBeGreaterThan(0);
    blob[at] = blob[at] === 0x39 ? 0x38 : 0x39; // the first digit of the version
    writeFileSync(blobPath, blob);
    const r = updateStatus(dir);
    expectUpdateStatusRan(r);
    expect(r.stderr).toMatch(/Failed to load the startup snapshot/);
  });
});

describe('the snapshot of a charm that exits 14', () => {
  it('exits 1 instead, so that the dispatch script never runs the hook twice', async () => {
    // 14 is how node says "not my snapshot"; the charm's own 14 must not look like it.
    const src = join(work, 'exit14');
    mkdirSync(join(src, 'src'), { recursive: true });
    writeFileSync(join(src, 'charm.yaml'), 'name: exit14\nsummary: Exits 14 in update-status.\n');
    const ops = JSON.stringify(join(ROOT, 'framework/ops/index.js'));
    writeFileSync(
      join(src, 'src', 'charm.ts'),
      [
        `import { CharmBase, isEntryPoint, main, type Framework } from ${ops};`,
        'export class Exit14Charm extends CharmBase {',
        '  constructor(framework: Framework) {',
        '    super(framework);',
        '    this.observe(this.on.updateStatus, this.onUpdateStatus);',
        '  }',
        '  onUpdateStatus(): void {',
        "    this.framework.logger.info('exiting 14');",
        '    process.exit(14);',
        '  }',
        '}',
        'if (isEntryPoint(import.meta.url)) await main(Exit14Charm);',
        '',
      ].join('\n'),
    );
    const dir = join(work, 'exit14-packed');
    const r = await packCharm(src, { outDir: dir });
    expect(r.snapshotSkipped).toBeUndefined();
    const run = updateStatus(dir);
    expect(run.status).toBe(1);
    expect(run.calls.filter((c) => c.includes('exiting 14'))).toHaveLength(1);
    // The plain bundle keeps the charm's own exit status.
    expect(updateStatus(dir, undefined, { TSOPS_NO_SNAPSHOT: '1' }).status).toBe(14);
  }, 30_000);
});

describe('packCharm without a snapshot', () => {
  it('removes the snapshot of an earlier pack, and the charm still runs', async () => {
    const dir = install();
    const r = await packCharm(FIXTURE, { outDir: dir, snapshot: false });
    expect(r.snapshotPath).toBeUndefined();
    expect(existsSync(join(dir, 'build', 'charm.blob'))).toBe(false);
    expect(existsSync(join(dir, 'build', 'charm.blob.node'))).toBe(false);
    expectUpdateStatusRan(updateStatus(dir));
  });
});

describe('packCharm on a folder that is not a charm', () => {
  it('fails with one line without charm.yaml', async () => {
    const dir = mkdtempSync(join(work, 'empty-'));
    const err = await packCharm(dir).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/has no charm\.yaml/);
    expect(err?.message).not.toContain('\n');
  });

  it('fails with one line without src/charm.ts', async () => {
    const dir = mkdtempSync(join(work, 'no-src-'));
    cpSync(join(FIXTURE, 'charm.yaml'), join(dir, 'charm.yaml'));
    const err = await packCharm(dir).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/has no src\/charm\.ts/);
    expect(err?.message).not.toContain('\n');
  });
});
