/**
 * `npm run bench:scrape`: the cost of one /metrics page for a large fleet, in-process (no HTTP, no
 * poller): N synthetic wallets' readouts (bench/scrape/fleet.ts), the page written by createMetrics()'s
 * registry ("new") and, in turn with it, the old way (bench/scrape/reference.ts: prom-client set() per
 * label set per scrape). Prints p50/max of the scrape time and the longest stretch the event loop was
 * blocked during a scrape (what /healthz waits at worst). Asserts nothing.
 *
 *   npm run bench:scrape -- --wallets 10000 --scrapes 20 [--no-old]
 */
import { parseArgs } from 'node:util';
import { createMetrics } from '../../src/metrics/metrics.js';
import { syntheticFleet } from './fleet.js';
import { referenceRegistry } from './reference.js';

const { values: f } = parseArgs({
  options: {
    wallets: { type: 'string', default: '10000' },
    scrapes: { type: 'string', default: '20' },
    'no-old': { type: 'boolean', default: false },
  },
});
const N = Number(f.wallets);
const SCRAPES = Number(f.scrapes);

const fleet = syntheticFleet(N);
const metrics = createMetrics();
metrics.readouts.wallets = () => fleet;
metrics.requestDuration.observe({ provider: 'telephony-io' }, 0.2);
const reference = referenceRegistry(metrics.registry, () => fleet);

interface Run {
  ms: number;
  blockedMs: number;
  page: string;
}

/** One scrape, timed, with a setImmediate ticker recording the longest gap between two turns of the loop. */
async function scrape(page: () => Promise<string>): Promise<Run> {
  let last = performance.now();
  let blocked = 0;
  let ticking = true;
  const tick = (): void => {
    const now = performance.now();
    blocked = Math.max(blocked, now - last);
    last = now;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const t0 = performance.now();
  const text = await page();
  const ms = performance.now() - t0;
  ticking = false;
  tick();
  return { ms, blockedMs: blocked, page: text };
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const fmt = (x: number): string => x.toFixed(1).padStart(8);
/** The page without prom-client's process metrics, whose values move between two scrapes. */
const walletPart = (page: string): string => page.split('\n\n').filter((fam) => !/^# HELP (process_|nodejs_)/.test(fam)).join('\n\n');

const runs = { old: [] as Run[], new: [] as Run[] };
await scrape(() => metrics.registry.metrics()); // warm-up
if (!f['no-old']) await scrape(() => reference.metrics());
for (let i = 0; i < SCRAPES; i++) {
  runs.new.push(await scrape(() => metrics.registry.metrics()));
  if (!f['no-old']) runs.old.push(await scrape(() => reference.metrics()));
}

const page = runs.new[0]!.page;
const lines = page.split('\n').filter((l) => l && !l.startsWith('#')).length;
console.log(`bench:scrape  ${N} wallets, ${SCRAPES} scrapes each, page ${(Buffer.byteLength(page) / 1e6).toFixed(1)} MB, ${lines} samples`);
console.log(`${''.padEnd(44)}  p50 ms    max ms   longest event-loop block ms (max)`);
for (const [name, what] of [['new', 'new (WalletExposition, slices of 1000)'], ['old', 'old (prom-client set() per label set)']] as const) {
  const rs = runs[name];
  if (rs.length === 0) continue;
  const ms = rs.map((r) => r.ms);
  console.log(`${what.padEnd(44)}${fmt(quantile(ms, 0.5))}  ${fmt(Math.max(...ms))}  ${fmt(Math.max(...rs.map((r) => r.blockedMs)))}`);
}
if (runs.old.length > 0) console.log(`same page (process metrics aside): ${walletPart(page) === walletPart(runs.old[0]!.page) ? 'yes' : 'NO'}`);
