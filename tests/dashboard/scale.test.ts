/**
 * The page in real Chromium against a model the test drives (the real API server,
 * fake pushes): 1,000 units stay a screenful of DOM rows, a burst of status pushes
 * is drawn in fewer frames than pushes, the log filters, the colours are the
 * CLI's, and a controller that goes away and comes back is followed without reload.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { paintStatus } from '../../framework/cli/format/color.js';
import { statusStyle, styledStatuses } from '../../framework/controller/api/status-style.js';
import { describeBrowser, launchBrowser, screenshot, type TestBrowser } from './browser.js';
import { cluster, emptyModel, logLine, unit } from './fake-model.js';
import { fakeController, type FakeController } from './fake-controller.js';

const UNITS = 1000;
/** More than a screenful of rows plus overscan, far fewer than the units: what "bounded" means here. */
const MAX_ROWS = 60;

describeBrowser('dashboard at scale (real Chromium)', () => {
  let fake: FakeController;
  let browser: TestBrowser;
  let page: Page;
  let reloads = 0;

  const rows = (selector: string) => page.locator(selector).count();
  const compute = (i: number, workload: 'active' | 'blocked', message: string) => {
    const status = cluster(UNITS);
    const apps = status.applications;
    if (apps.compute) apps.compute.units[`compute/${i}`] = unit(`compute/${i}`, workload, message);
    return status;
  };

  beforeAll(async () => {
    fake = await fakeController([cluster(UNITS), emptyModel('spare')]);
    for (let id = 1; id <= 3000; id++) {
      const level = id % 10 === 0 ? 'ERROR' : id % 3 === 0 ? 'DEBUG' : 'INFO';
      fake.log(logLine(id, id % 7 === 0 ? 'controller' : `unit-compute-${id % 50}`, level));
    }
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(10_000);
    await page.goto(await fake.link('big'));
    page.on('load', () => reloads++);
    await page.locator('.app[data-app="compute"]').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await fake?.stop();
  });

  it('draws 1,000 units collapsed, then a screenful of rows however far it scrolls', async () => {
    const card = page.locator('.app[data-app="compute"]');
    await expect(card.locator('.unit-summary').textContent()).resolves.toBe('1000 units: 1000 active');
    expect(await rows('.app[data-app="compute"] .vrow.unit')).toBe(0);
    await card.locator('button.toggle', { hasText: 'show 1000 units' }).click();
    await card.locator('.vrow.unit[data-unit="compute/0"]').waitFor();
    const shown = await rows('.app[data-app="compute"] .vrow.unit');
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThanOrEqual(MAX_ROWS);
    await card.locator('.vlist').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await card.locator('.vrow.unit[data-unit="compute/999"]').waitFor();
    expect(await rows('.app[data-app="compute"] .vrow.unit')).toBeLessThanOrEqual(MAX_ROWS);
    expect(await rows('.vrow.unit[data-unit="compute/0"]')).toBe(0); // scrolled out, so gone from the DOM
    // 500 lines replayed, 3,000 more pushed live: 2,000 kept, a screenful drawn.
    for (let id = 3001; id <= 6000; id++) {
      const entity = id % 7 === 0 ? 'controller' : `unit-compute-${id % 50}`;
      fake.log(logLine(id, entity, id % 10 === 0 ? 'ERROR' : 'INFO'));
    }
    await page.locator('#log-count', { hasText: '2000 of the last 2000 lines' }).waitFor();
    expect(await rows('.vrow.log-line')).toBeLessThanOrEqual(MAX_ROWS);
    await screenshot(page, 'scale-1000-units');
  });

  it('draws a burst of 1,000-unit status pushes in fewer frames than pushes, ending on the last', async () => {
    const before = Number(await page.locator('body').getAttribute('data-renders'));
    const pushes = 20;
    for (let i = 0; i < pushes - 1; i++) fake.setStatus(compute(999, 'active', `step ${i}`));
    fake.setStatus(compute(999, 'blocked', 'needs a licence key'));
    const row = page.locator('.vrow.unit[data-unit="compute/999"]');
    await row.locator('.c-message', { hasText: 'needs a licence key' }).waitFor();
    await expect(row.locator('.c-workload').getAttribute('class')).resolves.toBe('c-workload status st-red');
    const renders = Number(await page.locator('body').getAttribute('data-renders')) - before;
    expect(renders).toBeGreaterThan(0);
    expect(renders).toBeLessThan(pushes);
    await expect(page.locator('.app[data-app="compute"] .unit-summary').textContent()).resolves.toBe(
      '1000 units: 999 active, 1 blocked',
    );
    expect(await rows('.vrow.unit')).toBeLessThanOrEqual(MAX_ROWS + 1);
  });

  it('filters the log by unit and by level', async () => {
    await page.selectOption('#log-unit', 'unit:compute/7');
    const entities = await page.locator('.vrow.log-line .l-entity').allTextContents();
    expect(entities.length).toBeGreaterThan(0);
    expect(new Set(entities)).toEqual(new Set(['unit-compute-7']));
    await page.selectOption('#log-unit', 'app:compute');
    const ofApp = await page.locator('.vrow.log-line .l-entity').allTextContents();
    expect(ofApp.length).toBeGreaterThan(0);
    expect(ofApp.every((e) => /^unit-compute-\d+$/.test(e))).toBe(true);
    await page.selectOption('#log-unit', 'controller');
    await expect(page.locator('.vrow.log-line .l-entity').allTextContents()).resolves.toContain('controller');
    expect(new Set(await page.locator('.vrow.log-line .l-entity').allTextContents())).toEqual(
      new Set(['controller']),
    );
    await page.selectOption('#log-unit', '');
    await page.selectOption('#log-level', 'ERROR');
    const levels = await page.locator('.vrow.log-line .l-level').allTextContents();
    expect(levels.length).toBeGreaterThan(0);
    expect(new Set(levels)).toEqual(new Set(['ERROR']));
    await expect(page.locator('#log-count').textContent()).resolves.toBe('200 of the last 2000 lines');
    await page.selectOption('#log-level', 'DEBUG');
  });

  it('paints statuses with the colours of tsops status', async () => {
    // Run in the page, as the page's own modules: the shared table and the DOM helper that applies it.
    const raw: unknown = await page.evaluate(`(async () => {
      const shared = await import('/static/status-style.js');
      const dom = await import('/static/dom.js');
      return shared.styledStatuses().map((status) => {
        const el = dom.statusSpan(status);
        document.body.append(el);
        const color = getComputedStyle(el).color;
        el.remove();
        return { status, style: shared.statusStyle(status), color };
      });
    })()`);
    const inPage = z
      .array(
        z.object({
          status: z.string(),
          style: z.object({ color: z.enum(['green', 'red', 'yellow', 'grey']), bold: z.boolean() }),
          color: z.string(),
        }),
      )
      .parse(raw);
    expect(inPage.map((x) => x.status)).toEqual(styledStatuses());
    const colorOf = new Map<string, string>();
    for (const { status, style, color } of inPage) {
      expect(style).toEqual(statusStyle(status));
      // The CLI paints the same colour name: red is ESC[31m, and so on.
      const ansi = { green: 32, red: 31, yellow: 33, grey: 90 }[style.color];
      expect(paintStatus(status, true)).toContain(`\u001b[${ansi}m`);
      // One CSS colour per colour name, a different one for each name.
      if (!colorOf.has(style.color)) colorOf.set(style.color, color);
      expect(color).toBe(colorOf.get(style.color));
    }
    expect(new Set(colorOf.values()).size).toBe(colorOf.size);
  });

  it('picks another model without a reload, and says what to do with an empty or missing one', async () => {
    await expect(page.locator('#model-picker option').allTextContents()).resolves.toEqual(['big', 'spare']);
    await page.selectOption('#model-picker', 'spare');
    await page.locator('#empty-why', { hasText: "Model 'spare' has no applications yet." }).waitFor();
    await expect(page.locator('#empty-command').textContent()).resolves.toBe(
      'tsops deploy bundles/slurm-cluster.yaml -m spare',
    );
    expect(page.url()).toMatch(/\/\?model=spare$/);
    await page.selectOption('#model-picker', 'big');
    await page.locator('.vrow.unit[data-unit="ctl/0"]').waitFor();
    await expect(page.locator('#empty').isHidden()).resolves.toBe(true);

    const other = await browser.context.newPage();
    await other.goto(await fake.link('nope'));
    await other.locator('#empty-why', { hasText: "There is no model 'nope' yet." }).waitFor();
    await expect(other.locator('#model-state').textContent()).resolves.toBe('no such model yet');
    await other.close();
    expect(reloads).toBe(0);
  });

  it('says when the controller is away, and follows it again when it is back, without a reload', async () => {
    await fake.stop();
    await page.locator('#banner', { hasText: 'Disconnected from the controller — reconnecting' }).waitFor();
    await screenshot(page, 'scale-reconnecting');
    await fake.restart();
    await page.locator('body[data-connection="live"]').waitFor();
    await expect(page.locator('#banner').isHidden()).resolves.toBe(true);
    const back = cluster(UNITS);
    if (back.applications.ctl) back.applications.ctl.message = 'back again';
    fake.setStatus(back);
    await page.locator('.app[data-app="ctl"] .app-message', { hasText: 'back again' }).waitFor();
    expect(reloads).toBe(0);
  });

  it('stops and says so when the session is gone (a restarted controller)', async () => {
    await fake.stop();
    await page.locator('#banner', { hasText: 'reconnecting' }).waitFor();
    await fake.restart(true);
    await page.locator('#banner', { hasText: "Run 'tsops dashboard' for a new link" }).waitFor();
    await expect(page.locator('body').getAttribute('data-connection')).resolves.toBe('expired');
    expect(reloads).toBe(0);
    // The failed reconnects are the only errors the page logged.
    expect(browser.errors.filter((e) => !/WebSocket connection|status of 401/.test(e))).toEqual([]);
  });
});
