/** Placement: `--to` on deploy and add-unit, and a bundle's `to:` with its `machines:`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployBundle } from '../../framework/controller/model-bundle.js';
import { ModelController } from '../../framework/controller/model-controller.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
let dir: string;
let mc: ModelController;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsops-place-'));
  mc = ModelController.open('place', dir);
});
afterEach(() => {
  mc.close();
  rmSync(dir, { recursive: true, force: true });
});

const machineOf = (unit: string) => mc.store.unit(unit)?.machine;

describe('placement', () => {
  it('--to puts units on a machine id or beside another unit; the rest get new machines', async () => {
    await mc.deployCharm({
      ref: join(FIXTURES, 'charms/hub'),
      numUnits: 1,
      config: {},
      constraints: '',
      baseDir: FIXTURES,
    });
    await mc.deployCharm({
      ref: join(FIXTURES, 'charms/spoke'),
      numUnits: 3,
      config: {},
      constraints: '',
      baseDir: FIXTURES,
      to: ['0', 'hub/0'],
    });
    expect([machineOf('spoke/0'), machineOf('spoke/1')]).toEqual(['0', '0']);
    expect(machineOf('spoke/2')).not.toBe('0');
    await mc.addUnits('hub', 1, ['spoke/2']);
    expect(machineOf('hub/1')).toBe(machineOf('spoke/2'));
    await mc.idle();
    // Co-located units share the machine's address.
    expect(mc.store.unit('spoke/0')?.address).toBe(mc.store.unit('hub/0')?.address);
  });

  it('refuses unknown targets before writing anything', async () => {
    await mc.deployCharm({
      ref: join(FIXTURES, 'charms/hub'),
      numUnits: 1,
      config: {},
      constraints: '',
      baseDir: FIXTURES,
    });
    const units = mc.store.units().length;
    await expect(mc.addUnits('hub', 1, ['9'])).rejects.toThrow(/there is no machine 9/);
    await expect(mc.addUnits('hub', 1, ['nope/3'])).rejects.toThrow(/there is no unit nope\/3/);
    await expect(mc.addUnits('hub', 1, ['over:there'])).rejects.toThrow(/expected new, a machine id/);
    expect(mc.store.units()).toHaveLength(units);
  });

  it("a bundle's to: and machines: place units, creating each bundle machine once", async () => {
    await deployBundle(mc, join(FIXTURES, 'bundles/placement/bundle.yaml'), [], false);
    await mc.idle();
    const m = machineOf('spoke/0');
    expect(machineOf('spoke/1')).toBe(m);
    expect(machineOf('hub/0')).toBe(m);
    expect(mc.store.machines()).toHaveLength(1);
    expect(mc.store.machines()[0]?.constraints).toBe('cores=4 mem=8G');
  });
});
