/**
 * Real Chromium for the dashboard tests: Debian's `chromium`, driven by
 * playwright-core with the flags of reference/toolchain.md and a fresh profile
 * per launch. Where Chromium is absent the browser suites are skipped, saying why.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from '@jest/globals';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's package; TSOPS_CHROMIUM points elsewhere (a path that does not exist shows the skip). */
export const CHROMIUM = process.env.TSOPS_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots land here (ignored by git). */
export const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `describe` when Chromium is installed, else `describe.skip` with one line saying why. */
export function describeBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) return describe(name, body);
  process.stderr.write(`${name}: skipped, ${CHROMIUM} is absent (apt-get install chromium)\n`);
  describe.skip(name, body);
}

/** A browser with a fresh profile; `close()` removes the profile too. */
export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Messages the page logged as errors, and uncaught exceptions: a test expects none. */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'tsops-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Save a full-page PNG under tests/dashboard/output/; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT, { recursive: true });
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
