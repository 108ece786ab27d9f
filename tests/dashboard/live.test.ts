/**
 * The dashboard end to end: a real controller daemon (temporary TSOPS_HOME), the
 * real `tsops` CLI, and real Chromium. The page opens on an empty model, then
 * follows a deploy, an add-unit and a unit going Blocked without reloading; a
 * unit's details show its relation data and hooks, and no secret value reaches
 * the page. The login rules are checked against the same daemon.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { ApiClient } from '../../framework/controller/api/client.js';
import { controllerFiles } from '../../framework/controller/daemon/paths.js';
import { readToken } from '../../framework/controller/daemon/token.js';
import { describeBrowser, launchBrowser, screenshot, type TestBrowser } from './browser.js';
import { TsopsHome } from './cli.js';
import { get, login, upgrade } from './http-client.js';
import { PASSWORD } from './fixtures/charms/keeper/src/charm.js';
import { TOKEN as LEAKY_TOKEN } from '../fixtures/charms/leaky/src/charm.js';

const SECRETS = [PASSWORD, LEAKY_TOKEN];
const relationsSchema = z.object({
  relations: z.array(z.object({ provider: z.string(), requirer: z.string(), type: z.string() })),
});

describeBrowser('the dashboard against a real controller (real Chromium)', () => {
  let home: TsopsHome;
  let browser: TestBrowser;
  let page: Page;
  let link: URL;
  let reloads = 0;

  const unitRow = (name: string) => page.locator(`.vrow.unit[data-unit="${name}"]`);

  beforeAll(async () => {
    home = new TsopsHome();
    await home.ok('models', 'add', 'dash');
    const out = await home.run('dashboard');
    expect(out).toMatchObject({ code: 0, stderr: expect.stringMatching(/works once/) });
    link = new URL(out.stdout.trim());
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(20_000);
    await page.goto(link.href);
    page.on('load', () => reloads++);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await home?.remove();
  }, 30_000);

  it('tsops dashboard prints a one-time link; the page drops it and shows what to do with an empty model', async () => {
    expect(link.href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?login=[0-9a-f]{64}$/);
    expect(page.url()).toBe(`${link.origin}/?model=dash`);
    await page.locator('#empty', { hasText: "Model 'dash' has no applications yet." }).waitFor();
    await expect(page.locator('#empty-command').textContent()).resolves.toBe(
      'tsops deploy bundles/slurm-cluster.yaml -m dash',
    );
    await screenshot(page, 'live-empty');
  });

  it('follows a deploy live: applications, units under their apps, subordinates under their principals', async () => {
    await home.ok('deploy', 'tests/dashboard/fixtures/bundle.yaml');
    await home.ok('wait', '--timeout', '60');
    await page.locator('#model-state[data-status="settled"]').waitFor();
    await expect(page.locator('#empty').isHidden()).resolves.toBe(true);
    await expect(
      page.locator('.app').evaluateAll((els) => els.map((e) => e.getAttribute('data-app'))),
    ).resolves.toEqual(['hub', 'keeper', 'leaky', 'sidecar', 'spoke']);
    const hub = page.locator('.app[data-app="hub"]');
    await expect(hub.locator('.app-scale').textContent()).resolves.toBe('scale 1');
    await hub.locator('.app-message', { hasText: '2 spokes' }).waitFor();
    await expect(unitRow('hub/0').locator('.c-name').textContent()).resolves.toBe('hub/0 ★');
    await expect(unitRow('hub/0').locator('.c-agent').getAttribute('data-status')).resolves.toBe('idle');
    // Subordinates follow their principal, indented.
    const rows = page.locator('.app[data-app="spoke"] .vrow.unit');
    const order = await rows.evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-unit'), e.classList.contains('sub')]),
    );
    expect(order.map(([, sub]) => sub)).toEqual([false, true, false, true]);
    expect(order.filter(([, sub]) => !sub).map(([u]) => u)).toEqual(['spoke/0', 'spoke/1']);
    await page
      .locator('.app[data-app="sidecar"] .unit-summary', { hasText: 'subordinate: 2 units' })
      .waitFor();
    expect(reloads).toBe(0);
  });

  it('draws every relation of tsops status as an edge, labelled with its endpoints', async () => {
    const { relations } = relationsSchema.parse(JSON.parse(await home.ok('status', '--format', 'json')));
    expect(relations.length).toBe(4); // hub-spoke, sidecar-spoke, and two peer relations
    const edges = await page
      .locator('#graph .edge')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-relation')));
    expect(edges.sort()).toEqual(relations.map((r) => `${r.provider} ${r.requirer}`).sort());
    await expect(
      page.locator('#graph .edge[data-relation="hub:spokes spoke:hub"] text').textContent(),
    ).resolves.toBe('spokes ↔ hub');
    expect(await page.locator('#graph .edge.subordinate').count()).toBe(1);
    expect(await page.locator('#graph .edge.peer').count()).toBe(2);
    const nodes = await page
      .locator('#graph .node')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-app')));
    expect(nodes).toEqual(['hub', 'keeper', 'leaky', 'sidecar', 'spoke']);
    await screenshot(page, 'live-model');
  });

  it('tsops add-unit: the new unit and its subordinate appear without a reload', async () => {
    expect(await home.ok('add-unit', 'spoke')).toMatch(/added spoke\/2/);
    await unitRow('spoke/2').waitFor();
    await page.locator('.vrow.unit.sub[data-unit="sidecar/2"]').waitFor();
    await page.locator('.app[data-app="hub"] .app-message', { hasText: '3 spokes' }).waitFor();
    await page.locator('#graph .node[data-app="spoke"] .node-meta', { hasText: '3 units' }).waitFor();
    expect(reloads).toBe(0);
    expect(page.url()).toBe(`${link.origin}/?model=dash`);
  });

  it('a unit put into Blocked shows its message, red as in tsops status', async () => {
    await home.ok('config', 'keeper', 'block=waiting for a licence key');
    const row = unitRow('keeper/0');
    await row.locator('.c-message', { hasText: 'waiting for a licence key' }).waitFor();
    await expect(row.locator('.c-workload').getAttribute('class')).resolves.toBe('c-workload status st-red');
    await page
      .locator('.app[data-app="keeper"] .app-message', { hasText: 'waiting for a licence key' })
      .waitFor();
    await page.locator('#graph .node[data-app="keeper"] rect.st-red').waitFor();
    expect(reloads).toBe(0);
    await screenshot(page, 'live-blocked');
  });

  it('clicking a unit shows its relation data and its hooks; secret ids, never secret values', async () => {
    await unitRow('keeper/0').click();
    const panel = page.locator('#details[data-unit="keeper/0"]');
    await panel.locator('.relation h3', { hasText: 'keepers (peers)' }).waitFor();
    const secretId = panel.locator('.databag td', { hasText: /^secret:/ });
    await expect(secretId.locator('.tag').textContent()).resolves.toBe('secret id');
    await panel.locator('table.hooks tr[data-hook="install"]').waitFor();
    await panel
      .locator('table.hooks tr[data-hook="config-changed"] .status', { hasText: 'ok' })
      .first()
      .waitFor();
    await panel
      .locator('.details-status', { hasText: 'blocked · idle — waiting for a licence key' })
      .waitFor();
    await screenshot(page, 'live-details');

    await page.locator('.details-close').click();
    await unitRow('spoke/1').click();
    await page.locator('#details[data-unit="spoke/1"] .databag td', { hasText: 'spoke/1' }).waitFor();

    // The line where leaky logged its secret is drawn (masked) while its unit is the filter.
    await page.selectOption('#log-unit', 'unit:leaky/0');
    await page
      .locator('.vrow.log-line .l-message', { hasText: /^created secret:\w+ holding \*\*\*$/ })
      .waitFor();

    const html = await page.content();
    const text = await page.locator('body').innerText();
    for (const secret of SECRETS) {
      expect(html).not.toContain(secret);
      expect(text).not.toContain(secret);
    }
    // And at the source: what the page can ask for holds none either.
    const api = await ApiClient.connect(
      `ws://127.0.0.1:${link.port}`,
      await readToken(controllerFiles(home.dir).token),
    );
    try {
      for (const unit of ['keeper/0', 'leaky/0', 'hub/0', 'spoke/0']) {
        const view = JSON.stringify(await api.call('show-unit', { model: 'dash', unit }));
        for (const secret of SECRETS) expect(view).not.toContain(secret);
      }
      expect(JSON.stringify(await api.call('show-unit', { model: 'dash', unit: 'keeper/0' }))).toMatch(
        /secret:/,
      );
    } finally {
      await api.close();
    }
  });

  it('filters the log by unit and level, live', async () => {
    await page.locator('.details-close').click();
    await page.selectOption('#log-unit', 'unit:keeper/0');
    await page.locator('.vrow.log-line .l-entity', { hasText: 'unit-keeper-0' }).first().waitFor();
    const entities = await page.locator('.vrow.log-line .l-entity').allTextContents();
    expect(entities.length).toBeGreaterThan(0);
    expect(new Set(entities)).toEqual(new Set(['unit-keeper-0']));
    await home.ok('config', 'keeper', 'block=');
    await page.locator('.vrow.log-line .l-message', { hasText: 'config_changed' }).last().waitFor();
    await page.selectOption('#log-level', 'WARNING');
    expect(await page.locator('.vrow.log-line .l-level').allTextContents()).not.toContain('DEBUG');
    await page.selectOption('#log-unit', '');
    await page.selectOption('#log-level', 'DEBUG');
  });

  it('serves nothing without a session, and a used link no more', async () => {
    const port = Number(link.port);
    expect((await get(port, '/')).status).toBe(401);
    expect((await get(port, '/static/main.js')).status).toBe(401);
    const used = await get(port, `/${link.search}`);
    expect(used.status).toBe(401);
    expect(used.body).toMatch(/already used or has expired/);
    const origin = { origin: link.origin };
    expect((await upgrade(port, origin)).status).toBe(401);
    expect((await get(port, '/', { host: `attacker.example:${port}` })).status).toBe(403);
    // A fresh link works once, for whoever holds it.
    const fresh = (await home.ok('dashboard')).trim();
    const cookie = await login(fresh);
    expect((await get(port, '/', { cookie })).status).toBe(200);
    const { status, ws } = await upgrade(port, { ...origin, cookie });
    expect(status).toBe(101);
    ws?.terminate();
    expect(browser.errors).toEqual([]);
  });
});
