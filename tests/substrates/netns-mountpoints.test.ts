/**
 * Mount points the netns substrate makes on the host are shared by every model that uses
 * them and removed with the last one; directories the host already had are never touched.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { HostMountpoints } from '../../framework/substrates/netns/mountpoints.js';

let base: string;
let registry: string;
const model = (tag: string): HostMountpoints =>
  new HostMountpoints(tag, join(base, `model-${tag}`), registry);

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'tsops-mountpoints-'));
  registry = join(base, 'run', 'tsops', 'mountpoints');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('host mount points', () => {
  it('stay while another model uses them, and go with the last one, registry and all', async () => {
    const target = join(base, 'var', 'spool', 'slurmd');
    const a = model('aaaa');
    const b = model('bbbb');
    await a.ensure(target);
    expect(existsSync(target)).toBe(true);
    await b.ensure(target);
    await a.release();
    expect(existsSync(target)).toBe(true);
    await b.release();
    expect(existsSync(target)).toBe(false);
    expect(existsSync(join(base, 'run', 'tsops'))).toBe(false);
  });

  it('never removes a directory the host had, nor one something else filled', async () => {
    const own = join(base, 'etc', 'slurm');
    mkdirSync(own, { recursive: true });
    const filled = join(base, 'var', 'lib', 'x');
    const a = model('aaaa');
    await a.ensure(own);
    await a.ensure(filled);
    mkdirSync(join(filled, 'something'));
    await a.release();
    expect(existsSync(own)).toBe(true);
    expect(existsSync(filled)).toBe(true);
  });

  it('after a reboot emptied the registry, a model still removes what it made', async () => {
    const target = join(base, 'var', 'cache', 'y');
    const a = model('aaaa');
    await a.ensure(target);
    rmSync(join(base, 'run'), { recursive: true, force: true });
    await model('aaaa').release();
    expect(existsSync(target)).toBe(false);
  });
});
