/**
 * The status page end to end: the real daemon (WALLETS_FILE) polling the multi-wallet simulator over real
 * sockets, looked at in headless Chromium. The overview lists the wallets most urgent first, the filter
 * narrows it, the wallet page draws its charts with the right number of points and the forecast reaching
 * zero at the runway; no console error, no request off loopback, no axe-core violation (light and dark).
 * Screenshots of both pages land in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { Simulator, type WalletSpec } from '../../src/simulator/simulator.js';
import { writeWalletsFile } from '../../src/simulator/wallets-file.js';
import { axeViolations, launchChromium, screenshot, watchedPage } from '../helpers/browser.js';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';

/** Runway order by construction: balance / burn = 600 s, 1000 s, ~3000 s, 10000 s, not burning. */
const WALLETS: (Omit<WalletSpec, 'path' | 'apiKey'> & { labels: Record<string, string> })[] = [
  // six labels, one a long unbroken value: the wallet column must not push the others off a desktop screen
  { name: 'zeta-voice', balance: 5000, burnPerHour: 1800, labels: { team: 'voice', env: 'prod', region: 'europe-west1', cost_center: 'cc-4711-telephony', owner: 'platform-oncall', tier: 'globex_production_europe_west1_voice_termination_wholesale_acct01' } },
  { name: 'idle-eu', balance: 800, burnPerHour: 0, labels: { team: 'ops', env: 'dev' } },
  { name: 'acme-dev', balance: 3000, burnPerHour: 3600, topupEverySeconds: 8, topupAmount: 5, labels: { team: 'voice', env: 'dev' } },
  { name: 'beta-sms', balance: 2000, burnPerHour: 7200, labels: { team: 'sms', env: 'prod' } },
  { name: 'acme-prod', balance: 1200, burnPerHour: 7200, labels: { team: 'voice', env: 'prod' } },
];
/** The page's DOM as far as the callbacks run in Chromium use it (the tests compile without the DOM lib). */
declare const document: { querySelector(s: string): { getAttribute(n: string): string | null; closest(s: string): { scrollWidth: number; clientWidth: number } | null } | null; documentElement: { scrollWidth: number; clientWidth: number }; activeElement: { className: string } | null; body: unknown };
declare function getComputedStyle(el: unknown): { paintOrder: string; stroke: string; backgroundColor: string };
const RUNWAY_ORDER = ['acme-prod', 'beta-sms', 'acme-dev', 'zeta-voice', 'idle-eu'];

interface Row {
  name: string;
  runway_seconds: number | null;
  depletion_at: string | null;
}

async function fleet(t: import('node:test').TestContext): Promise<Daemon> {
  const sim = new Simulator({ wallets: WALLETS.map((w) => ({ ...w, path: `/w/${w.name}/balance`, apiKey: `key-${w.name}-NEVER_PRINT_ME`, currency: 'USD' })) });
  const url = await sim.start();
  t.after(() => sim.close());
  const dir = tempDir('ws-page-');
  const file = writeWalletsFile({
    file: join(dir, 'wallets.yaml'),
    keyDir: join(dir, 'keys'),
    apiUrl: url,
    wallets: WALLETS.map((w) => ({ name: w.name, path: `/w/${w.name}/balance`, apiKey: `key-${w.name}-NEVER_PRINT_ME` })),
    defaults: { runway_warning_hours: 3, runway_critical_hours: 0.25 },
    // acme-prod is under its critical threshold from the first poll: an alert to show
    extra: (name) => ({ labels: WALLETS.find((w) => w.name === name)!.labels, ...(name === 'acme-prod' ? { low_balance_threshold: 2000, critical_balance_threshold: 1500 } : {}) }),
  });
  const daemon = await Daemon.start({ WALLETS_FILE: file, POLL_SCHEDULE: '* * * * * *', LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());
  // Enough readings for a finite runway everywhere it burns, and a top-up seen on acme-dev.
  let last = '';
  await waitFor(
    async () => {
      last = (await daemon.get('/api/wallets')).text;
      const doc = JSON.parse((await daemon.get('/api/wallets')).text) as { wallets: (Row & { alerts: unknown[] })[] };
      if (doc.wallets.find((w) => w.name === 'acme-prod')?.alerts.length === 0) return false;
      const burning = doc.wallets.filter((w) => w.name !== 'idle-eu');
      const history = JSON.parse((await daemon.get('/api/wallets/acme-dev/history')).text) as { topups: unknown[] };
      return burning.length === 4 && burning.every((w) => w.runway_seconds !== null) && history.topups.length > 0;
    },
    () => `a runway for every burning wallet, an alert on acme-prod and a top-up on acme-dev; last seen: ${last}`,
    60_000,
  );
  return daemon;
}

const rowNames = (page: Page) => page.locator('#wallets tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-wallet')));

/** A path's points ("M x y L x y …") as numbers. */
function pathPoints(d: string): [number, number][] {
  return [...d.matchAll(/[ML]([-\d.]+) ([-\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

test('status page in Chromium: runway order, filter, charts, no console error, nothing off loopback, axe clean', { timeout: 180_000 }, async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const daemon = await fleet(t);
  const { page, offHost, errors } = await watchedPage(browser);

  // Overview: every wallet, most urgent first (the API agrees), with the CSP that keeps it on this host.
  const res = await page.goto(`${daemon.url}/`);
  assert.equal(res!.status(), 200);
  assert.match(res!.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  assert.deepEqual(await rowNames(page), RUNWAY_ORDER);
  const api = JSON.parse((await daemon.get('/api/wallets')).text) as { wallets: Row[] };
  assert.deepEqual(api.wallets.map((w) => w.name), RUNWAY_ORDER);
  assert.equal(await page.locator('tr[data-wallet="acme-prod"] .badge.sev-critical', { hasText: 'low_balance' }).count(), 1, 'acme-prod fires low_balance');
  assert.ok(Number(await page.locator('tr[data-wallet="zeta-voice"] svg.spark').getAttribute('data-points')) >= 1, 'a burn sparkline');
  assert.deepEqual(await axeViolations(page), [], 'axe-core on the overview');
  const tableOverflow = await page.evaluate(() => {
    const wrap = document.querySelector('#wallets')!.closest('.table-wrap')!;
    return wrap.scrollWidth - wrap.clientWidth;
  });
  assert.ok(tableOverflow <= 0, `every column fits a 1280 px screen, labels and all (the table scrolls by ${tableOverflow} px)`);
  await screenshot(page, 'overview');

  // The filter narrows it: by name, then by label.
  await page.getByLabel('Filter by name or label').fill('acme');
  await page.getByLabel('Filter by name or label').press('Enter');
  await page.waitForURL(/\?q=acme/);
  assert.deepEqual(await rowNames(page), ['acme-prod', 'acme-dev']);
  await page.getByLabel('Filter by name or label').fill('team=sms');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/q=team%3Dsms/);
  assert.deepEqual(await rowNames(page), ['beta-sms']);

  // Keyboard: the wallet link is reachable and opens the wallet page.
  await page.goto(`${daemon.url}/?q=acme-prod`);
  await page.locator('#wallets a[href="/wallets/acme-prod"]').focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/wallets\/acme-prod$/);
  await assertWalletCharts(page, daemon, 'acme-prod');
  assert.ok((await page.locator('#timeline tr[data-reason="start"]').count()) >= 1, 'the alert timeline shows low_balance firing');
  assert.deepEqual(await axeViolations(page), [], 'axe-core on the wallet page');

  await page.goto(`${daemon.url}/wallets/acme-dev`);
  const topups = await assertWalletCharts(page, daemon, 'acme-dev');
  assert.ok(topups > 0, 'acme-dev has top-ups');
  assert.equal(await page.locator('#balance-chart circle.marker-topup').count(), topups, 'every top-up marked');
  await screenshot(page, 'wallet');
  // A card as narrow as the grid makes it, narrower still here: the runway band wraps between its two
  // durations, never inside one ("80 % band 2 d 22 h – 3" over "d 18 h" at 1280 px).
  await page.locator('.card').evaluateAll((cards) => cards.forEach((c) => ((c as unknown as { style: { maxWidth: string } }).style.maxWidth = '8rem')));
  const durations = await page.locator('.card .runway-band .nw').all();
  assert.equal(durations.length, 2, 'the runway card shows its band');
  for (const d of durations) assert.equal(await d.evaluate((el) => (el as unknown as { getClientRects(): { length: number } }).getClientRects().length), 1, `'${await d.textContent()}' on one line`);

  // Dark mode and a phone: still readable (axe checks the contrast of the dark palette too).
  const dark = await watchedPage(browser, { colorScheme: 'dark' });
  await dark.page.goto(`${daemon.url}/`);
  assert.deepEqual(await axeViolations(dark.page), [], 'axe-core on the overview, dark');
  await screenshot(dark.page, 'overview-dark');
  await dark.page.goto(`${daemon.url}/wallets/acme-dev`);
  assert.deepEqual(await axeViolations(dark.page), [], 'axe-core on the wallet page, dark');
  await screenshot(dark.page, 'wallet-dark');
  const phone = await watchedPage(browser, { viewport: { width: 390, height: 844 } });
  for (const name of ['acme-prod', 'zeta-voice']) {
    await phone.page.goto(`${daemon.url}/wallets/${name}`);
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the wallet page of ${name} fits a phone's width (overflows by ${overflow} px)`);
  }
  await screenshot(phone.page, 'wallet-phone');
  await phone.page.goto(`${daemon.url}/`);
  await screenshot(phone.page, 'overview-phone');

  // It refreshes itself: the live part is replaced in place (the filter's text stays), also after a click
  // in the table focused its scroll box (the refresh used to stop then, saying nothing), and the focus stays.
  await page.goto(`${daemon.url}/?q=acme`);
  const asOf = await page.locator('#live .summary time').getAttribute('datetime');
  await page.locator('#wallets tbody td').last().click();
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'table-wrap', 'the click focused the table');
  await page.waitForFunction((before) => document.querySelector('#live .summary time')?.getAttribute('datetime') !== before, asOf, { timeout: 40_000 });
  assert.equal(await page.getByLabel('Filter by name or label').inputValue(), 'acme');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'table-wrap', 'the focus is back on the new table');

  for (const w of [{ offHost, errors }, dark, phone]) {
    assert.deepEqual(w.offHost, [], 'no request leaves loopback');
    assert.deepEqual(w.errors, [], 'no console error');
  }

  // A refresh that fails says so above the figures, with the time they are from. The page's clock is
  // Playwright's, run ahead by hand: a refresh that works, then the daemon stops and the next one fails.
  const gone = await watchedPage(browser);
  await gone.page.clock.install();
  await gone.page.goto(`${daemon.url}/wallets/acme-prod`);
  const stamp = gone.page.locator('#live .asof time');
  const loaded = await stamp.getAttribute('datetime');
  await gone.page.clock.runFor(16_000);
  await gone.page.waitForFunction((before) => document.querySelector('#live .asof time')?.getAttribute('datetime') !== before, loaded, { timeout: 20_000 });
  assert.equal(await gone.page.locator('#stale').count(), 0, 'no stale note while refreshes work');
  const since = (await stamp.textContent())!;
  // Frozen (a paused container, a blocked event loop): the connection is taken and never answered. The
  // refresh gives up after 15 s and says so (it waited for ever, the old figures up as if live); thawed,
  // the next one works and the note goes.
  daemon.signal('SIGSTOP');
  t.after(() => daemon.signal('SIGCONT'));
  await gone.page.clock.runFor(16_000);
  await gone.page.clock.runFor(15_000);
  await gone.page.locator('#stale').waitFor({ timeout: 20_000 });
  assert.equal(await gone.page.locator('#stale').textContent(), `Not updated since ${since}: the daemon did not answer within 15 s. Retrying every 15 s; the figures below may be out of date.`);
  daemon.signal('SIGCONT');
  await gone.page.clock.runFor(16_000);
  await gone.page.locator('#stale').waitFor({ state: 'detached', timeout: 20_000 });
  const thawed = (await stamp.textContent())!;
  assert.equal(await daemon.stop(), 0);
  await gone.page.clock.runFor(16_000);
  await gone.page.locator('#stale').waitFor({ timeout: 20_000 });
  assert.equal(await gone.page.locator('#stale').textContent(), `Not updated since ${thawed}: the daemon did not answer. Retrying every 15 s; the figures below may be out of date.`);
  assert.equal(await gone.page.locator('#stale').getAttribute('role'), 'alert', 'read out by screen readers');
  assert.deepEqual(await axeViolations(gone.page), [], 'axe-core on the stale note');
  await screenshot(gone.page, 'wallet-stale');
});

/** The balance line has one point per reading the JSON link gives; the forecast reaches 0 at the runway. Returns the top-ups in range. */
async function assertWalletCharts(page: Page, daemon: Daemon, name: string): Promise<number> {
  const svg = page.locator('#balance-chart');
  const balance = page.locator('#balance-chart path.series-balance');
  // The JSON link repeats the page's range. A poll that started before the page was drawn but was stored
  // after it adds a reading to the link's answer: then draw the page again (a few times at most).
  let history: { readings: unknown[]; topups: unknown[] } | undefined;
  for (let attempt = 0; ; attempt++) {
    const link = await page.locator('#history-json').getAttribute('href');
    history = JSON.parse((await daemon.get(link!)).text) as { readings: unknown[]; topups: unknown[] };
    if (Number(await balance.getAttribute('data-points')) === history.readings.length || attempt === 4) break;
    await page.reload();
  }
  const box = Object.fromEntries(await Promise.all(['t0', 't1', 'v0', 'v1', 'left', 'right', 'top', 'bottom'].map(async (k) => [k, Number(await svg.getAttribute(`data-${k}`))] as const)));
  assert.equal(Number(await balance.getAttribute('data-points')), history.readings.length, `${name}: one point per reading`);
  assert.equal(pathPoints((await balance.getAttribute('d'))!).length, history.readings.length, `${name}: the path draws every reading`);
  assert.ok(history.readings.length >= 5, `${name}: a history (${history.readings.length} readings)`);

  // A horizon's label crosses a neighbouring horizon's line near the right edge (warning 72 h ends where critical 24 h is drawn): it carries a halo of the page's colour.
  for (const label of await page.locator('#balance-chart .rule text').all()) {
    const [paintOrder, stroke, background] = await label.evaluate((el) => [getComputedStyle(el).paintOrder, getComputedStyle(el).stroke, getComputedStyle(document.body).backgroundColor]);
    assert.match(paintOrder!, /^stroke/, `${name}: a horizon label is drawn over a halo`);
    assert.equal(stroke, background, `${name}: the halo is the page's colour`);
  }
  const forecast = pathPoints((await page.locator('#balance-chart path.series-forecast').getAttribute('d'))!);
  const [x, y] = forecast.at(-1)!;
  assert.ok(Math.abs(y - box.bottom!) < 0.5, `${name}: the forecast ends at 0 (y ${y}, axis ${box.bottom})`);
  const tZero = box.t0! + ((x - box.left!) / (box.right! - box.left!)) * (box.t1! - box.t0!);
  const shown = Date.parse((await page.locator('#depletion time').getAttribute('datetime'))!);
  const pxMs = (box.t1! - box.t0!) / (box.right! - box.left!);
  assert.ok(Math.abs(tZero - shown) <= pxMs, `${name}: the forecast reaches 0 at the depletion time shown (${new Date(tZero).toISOString()} vs ${new Date(shown).toISOString()})`);
  const row = JSON.parse((await daemon.get(`/api/wallets/${name}`)).text) as Row;
  const runwayMs = row.runway_seconds! * 1000;
  assert.ok(Math.abs(tZero - Date.parse(row.depletion_at!)) < Math.max(0.1 * runwayMs, 2 * pxMs), `${name}: and at the runway the API gives (${row.depletion_at})`);
  return history.topups.length;
}
