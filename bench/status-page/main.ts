/**
 * `npm run bench:statuspage`: the status page of a 10,000-wallet fleet. Prints figures; asserts nothing.
 *
 *   npm run bench:statuspage                               10,000 wallets, 14 days of history each
 *   npm run bench:statuspage -- --wallets 500
 *   npm run bench:statuspage -- --wallets 12 --screenshots docs   also saves docs/status-*.png (each wallet
 *                                                               seeded with its own shaped history)
 *
 * The simulator (its own process) serves the fleet; STATE_DIR is seeded with 14 days of history per wallet
 * (bench/fleet/seed.ts); the REAL daemon polls it. Once every wallet was polled (/readyz), the bench times
 * the overview's first screen (50 rows of 10,000, sorted and filtered on the server) over HTTP and, when
 * /usr/bin/chromium exists, in the browser (navigation to DOMContentLoaded and to the load event).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fleetSpecs, type FleetOptions } from '../../src/simulator/fleet.js';
import { writeWalletsFile } from '../../src/simulator/wallets-file.js';
import { percentile, table, type Row } from '../fleet/analysis.js';
import { Child, freePort, httpGet, ROOT, startSimulator, until } from '../fleet/procs.js';
import { seedHistory } from '../fleet/seed.js';
import { seedShaped } from './seed.js';

const { values: f } = parseArgs({ options: { wallets: { type: 'string', default: '10000' }, runs: { type: 'string', default: '30' }, screenshots: { type: 'string' }, keep: { type: 'boolean', default: false } } });
const N = Number(f.wallets);
const RUNS = Number(f.runs);
const log = (s: string) => process.stderr.write(`[bench:statuspage ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

const tmp = mkdtempSync(join(tmpdir(), 'ws-bench-page-'));
const stateDir = join(tmp, 'state');
mkdirSync(stateDir);
// Burn rates spread ±80 %: runways from days to weeks, so the order means something.
const fleet: FleetOptions = { count: N, balance: 6_000, burnPerHour: 60, spread: 0.8, nameTemplate: 'wallet-{i}' };
const specs = fleetSpecs(fleet);
writeFileSync(join(tmp, 'spec.json'), JSON.stringify({ fleet }));
const TEAMS = ['voice', 'sms', 'ops', 'sales'];
const walletsFile = join(tmp, 'wallets.yaml');
const sim = await startSimulator(['--spec', join(tmp, 'spec.json')]);
writeWalletsFile({
  file: walletsFile,
  keyDir: join(tmp, 'keys'),
  apiUrl: sim.url,
  wallets: specs,
  defaults: { low_balance_threshold: 1_000, critical_balance_threshold: 400 },
  extra: (_name, i) => ({ labels: { team: TEAMS[i % TEAMS.length]!, env: i % 3 === 0 ? 'dev' : 'prod' } }),
});
log(`seeding ${N} wallets with 14 days of history`);
// Screenshots want each wallet's own shaped history; 10,000 wallets get bench:fleet's one template (fast).
log(f.screenshots ? await seedShaped(stateDir, specs, 14, Date.now()) : (await seedHistory(stateDir, specs, 14, Date.now())).note);
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const daemon = new Child([join(ROOT, 'dist/main.js'), 'start'], { STATE_DIR: stateDir, METRICS_HOST: '127.0.0.1', METRICS_PORT: String(port), WALLETS_FILE: walletsFile, POLL_SCHEDULE: '* * * * *', LOG_LEVEL: 'warn', MALLOC_ARENA_MAX: '2' });
const rows: Row[] = [];
try {
  const t0 = performance.now();
  await until(async () => (await httpGet(`${base}/readyz`, 2000)).status === 200, 'every wallet polled once (/readyz)', 600_000, 250);
  log(`ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  for (const [what, path] of [
    ['overview, first screen (50 rows)', '/'],
    ['overview filtered by label', '/?q=team%3Dsms'],
    ['overview, page 100', '/?page=100'],
    ['/api/wallets (50 rows)', '/api/wallets'],
    ['wallet page (14 days, ~600 points)', `/wallets/${specs[0]!.name}`],
    ['/api/wallets/<name>/history (14 days, step 10m)', `/api/wallets/${specs[0]!.name}/history?step=10m`],
    ['/api/status (every wallet)', '/api/status'],
  ] as const) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await httpGet(base + path, 10_000);
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.slice(0, 200)}`);
      times.push(r.ms);
      bytes = Buffer.byteLength(r.body);
    }
    const target = path === '/' ? 'first screen < 1 s' : '(for reference)';
    rows.push({ what: `HTTP ${what}: p50 / p95 / max`, figure: `${ms(percentile(times, 50))} / ${ms(percentile(times, 95))} / ${ms(Math.max(...times))} (${(bytes / 1024).toFixed(0)} KiB)`, target, pass: path === '/' ? percentile(times, 95) < 1000 : null });
  }
  rows.push(await healthzUnderStatus());
  rows.push(...(await inChromium()));
} finally {
  await daemon.stop('SIGKILL');
  await sim.child.stop();
  if (!f.keep) rmSync(tmp, { recursive: true, force: true });
}
console.log(`${N} wallets, ${RUNS} requests per path\n${table(rows)}`);

/**
 * A liveness probe while the heaviest document is being made: 4 /api/status requests at once (bodies read
 * and dropped), then /healthz, each on its own connection (the shared agent's 4 sockets would queue the
 * probe behind them in this process, not in the daemon). The Dockerfile's HEALTHCHECK gives it 2 s.
 */
async function healthzUnderStatus(): Promise<Row> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const heavy = Array.from({ length: 4 }, () => ownGet(`${base}/api/status`));
    const probe = await ownGet(`${base}/healthz`);
    if (probe.status !== 200) throw new Error(`/healthz: ${probe.status}`);
    times.push(probe.ms);
    await Promise.all(heavy);
  }
  return { what: '/healthz during 4 concurrent /api/status: p50 / max', figure: `${ms(percentile(times, 50))} / ${ms(Math.max(...times))}`, target: '< 2 s (HEALTHCHECK timeout)', pass: Math.max(...times) < 2000 };
}

/** GET on a connection of its own, the body dropped: its status and the time to its end. */
function ownGet(url: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, signal: AbortSignal.timeout(60_000) }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Navigation to load event and first contentful paint of `/` in headless Chromium; the screenshots when asked. */
async function inChromium(): Promise<Row[]> {
  if (!existsSync('/usr/bin/chromium')) return [{ what: 'Chromium: / to load event', figure: 'not measured: /usr/bin/chromium missing', target: '< 1 s', pass: null }];
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const loads: number[] = [];
    const paints: number[] = [];
    for (let i = 0; i < 10; i++) {
      await page.goto(`${base}/`, { waitUntil: 'load' });
      const t = await page.evaluate(() => {
        const perf = (globalThis as unknown as { performance: { getEntriesByType(k: string): { loadEventEnd: number; domContentLoadedEventEnd: number }[] } }).performance;
        const nav = perf.getEntriesByType('navigation')[0]!;
        return { load: nav.loadEventEnd, fcp: nav.domContentLoadedEventEnd };
      });
      loads.push(t.load);
      paints.push(t.fcp);
    }
    if (f.screenshots) {
      mkdirSync(f.screenshots, { recursive: true });
      await page.goto(`${base}/`);
      await page.screenshot({ path: join(f.screenshots, 'status-overview.png') });
      await page.goto(`${base}/wallets/${specs[0]!.name}`);
      await page.screenshot({ path: join(f.screenshots, 'status-wallet.png'), fullPage: true });
      log(`screenshots in ${f.screenshots}`);
    }
    return [
      { what: 'Chromium: / navigation to load event p50 / max', figure: `${ms(percentile(loads, 50))} / ${ms(Math.max(...loads))}`, target: 'first screen < 1 s', pass: Math.max(...loads) < 1000 },
      { what: 'Chromium: / DOMContentLoaded p50 / max', figure: `${ms(percentile(paints, 50))} / ${ms(Math.max(...paints))}`, target: '(for reference)', pass: null },
    ];
  } finally {
    await browser.close();
  }
}
