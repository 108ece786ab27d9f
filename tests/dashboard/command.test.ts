/** `tsops dashboard` on the CLI's fake-API harness: what it asks the controller, what it prints. */
import { describe, expect, it } from '@jest/globals';
import { tsops } from '../cli/fake-cli.js';

const URL_TEXT = `http://127.0.0.1:4242/?login=${'a'.repeat(64)}`;
const inFiveMinutes = () => new Date(Date.now() + 5 * 60_000).toISOString();

describe('tsops dashboard', () => {
  it('asks for a link on the given model and prints it alone on stdout', async () => {
    const r = await tsops(['-m', 'lab', 'dashboard'], {
      'dashboard.login': () => ({ url: URL_TEXT, expiresAt: inFiveMinutes() }),
    });
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([{ method: 'dashboard.login', params: { model: 'lab' } }]);
    expect(r.out).toBe(`${URL_TEXT}\n`);
    expect(r.err).toMatch(/^open it within [45] min on this machine; it works once\n$/);
  });

  it('opens on the current model when -m is not given', async () => {
    const r = await tsops(['dashboard'], {
      'dashboard.login': () => ({ url: URL_TEXT, expiresAt: inFiveMinutes() }),
    });
    expect(r.calls).toEqual([{ method: 'dashboard.login', params: { model: 'default' } }]);
  });

  it('refuses a bad model name in one line, before asking the controller', async () => {
    const r = await tsops(['-m', 'bad name', 'dashboard'], {});
    expect(r.code).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.err).toMatch(/^tsops: 'bad name' is not a model name/);
  });
});
