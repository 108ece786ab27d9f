/** Secret values a charm logs, or puts in an exception, never reach the model's log. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelController } from '../../framework/controller/model-controller.js';
import { TOKEN } from '../fixtures/charms/leaky/src/charm.js';

const CHARM = fileURLToPath(new URL('../fixtures/charms/leaky', import.meta.url));

it('masks secret values in the log and in a failed hook’s error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsops-redact-'));
  const mc = ModelController.open('r', dir);
  try {
    await mc.deployCharm({
      ref: CHARM,
      numUnits: 1,
      config: { fail: 'true' },
      constraints: '',
      baseDir: CHARM,
    });
    await mc.idle();
    const logs = mc.store
      .logsAfter(0, 100_000)
      .map((l) => l.message)
      .join('\n');
    expect(logs).toMatch(/holding \*\*\*/);
    expect(logs).toMatch(/cannot use token \*\*\*/);
    expect(logs).not.toContain(TOKEN);
    expect(mc.store.unit('leaky/0')?.error_message).toBe('hook failed: "config-changed"');
  } finally {
    mc.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
