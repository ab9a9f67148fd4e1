/**
 * Headless Chromium for end-to-end tests of the status page: Debian's `chromium` driven by playwright-core
 * (never a browser download). Missing outside CI: the test is skipped with the reason; under CI=true it
 * fails. Every request that is not to loopback is recorded and aborted; console errors and page errors
 * are collected; axe-core is injected from node_modules (never fetched), with the page's CSP left in force.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROOT } from './daemon.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Chromium, or undefined after marking the test skipped (outside CI only). */
export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI installs Debian's chromium package (.ci/run)`);
    t.skip(`${CHROMIUM} is missing (apt-get install chromium); the status page's browser tests are skipped`);
    return undefined;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  t.after(() => browser.close());
  return browser;
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** Requests to anything but 127.0.0.1 (aborted). */
  offHost: string[];
  /** console.error lines and uncaught page errors. */
  errors: string[];
}

export async function watchedPage(browser: Browser, opts: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<Watched> {
  const context = await browser.newContext({ colorScheme: opts.colorScheme ?? 'light', viewport: opts.viewport ?? { width: 1280, height: 900 } });
  const offHost: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname === '127.0.0.1') return route.continue();
    if (url.protocol === 'data:') return route.continue();
    offHost.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return { context, page, offHost, errors };
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now (WCAG 2.x A and AA rules and best practices), one line each. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Through the DevTools protocol rather than addScriptTag: the page's CSP (rightly) refuses an inline script.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const document = (globalThis as unknown as { document: unknown }).document;
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
  return violations;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
