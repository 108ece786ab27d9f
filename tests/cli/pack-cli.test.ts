/** The real `tsops` binary (bin/tsops.mjs → dist/cli/tsops.mjs): `tsops pack` and its errors. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO = join(ROOT, 'tests/fixtures/demo-charm');

function tsops(...args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, 'bin/tsops.mjs'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

beforeAll(() => {
  // `npm test` builds first; build here too so this file also runs on its own.
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
}, 60_000);

describe('tsops pack', () => {
  let out: string;
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'tsops-pack-cli-'));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it('packs a charm into --out: metadata, bundle and an executable dispatch', () => {
    const r = tsops('pack', DEMO, '--out', out, '--no-snapshot');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^packed demo: .*\/dispatch runs .*\/build\/charm\.mjs\n/);
    expect(statSync(join(out, 'dispatch')).mode & 0o111).toBeTruthy();
    expect(existsSync(join(out, 'build/charm.json'))).toBe(true);
    expect(existsSync(join(out, 'build/charm.blob'))).toBe(false);
  });

  it('says in one line what is wrong with a folder that is not a charm', () => {
    const r = tsops('pack', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tsops: .* has no charm\.yaml: is this a charm folder\?\n$/);
  });

  it('has help for the command', () => {
    const r = tsops('pack', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--out <dir>/);
  });
});
