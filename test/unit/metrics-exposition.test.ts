/**
 * The /metrics page of a fleet as WalletRegistry writes it (src/metrics/collector.ts, registry.ts): the same
 * bytes prom-client wrote when it held every label set (bench/scrape/reference.ts), each family's HELP and
 * TYPE once with all its samples together, escaping and NaN/+Inf as prom-client spells them, a removed
 * wallet's series gone, one read of each wallet's readout per scrape, and the event loop free between
 * slices of wallets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticFleet, syntheticWallet } from '../../bench/scrape/fleet.js';
import { referenceRegistry } from '../../bench/scrape/reference.js';
import type { WalletReadout } from '../../src/metrics/collector.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { SLICE } from '../../src/metrics/registry.js';
import { promtoolCheckMetrics, requireBinary } from '../helpers/promtool.js';

/** Label values that need every escape, and keys that differ between wallets (telephony_wallet_info's union). */
const TRICKY = new Map<number, Record<string, string>>([
  [1, { team: 'back\\slash "quoted"\nnew line', env: 'prod' }],
  [2, { cost_centre: 'é ✓ 日本' }],
  [3, {}],
]);

function metricsOf(wallets: () => readonly WalletReadout[]) {
  const m = createMetrics();
  m.readouts.wallets = wallets;
  m.requestDuration.observe({ provider: 'twilio' }, 0.3);
  m.notifications.inc({ channel: 'email', outcome: 'sent' });
  return m;
}

/** The page without prom-client's process metrics, whose values move between two scrapes. */
const withoutProcess = (page: string): string => page.split('\n\n').filter((f) => !/^# HELP (process_|nodejs_)/.test(f)).join('\n\n');

const sampleLines = (page: string, prefix: string): string[] => page.split('\n').filter((l) => l.startsWith(prefix));

test('the page is byte for byte what prom-client wrote with a label set per series (small fleet, tricky labels, NaN, +Inf)', async () => {
  const fleet = syntheticFleet(120, { labels: TRICKY });
  const m = metricsOf(() => fleet);
  const ref = referenceRegistry(m.registry, () => fleet);
  const page = await m.registry.metrics();
  assert.equal(withoutProcess(page), withoutProcess(await ref.metrics()));
  assert.ok(page.endsWith('\n') && !page.endsWith('\n\n'));
  assert.ok(sampleLines(page, 'telephony_wallet_balance_credits{').length > 100, 'the per-wallet families are on the page');
});

test('each family has its HELP and TYPE once, then all its samples together; promtool has no complaint', async (t) => {
  const fleet = syntheticFleet(SLICE * 2 + 17, { labels: TRICKY });
  const page = await metricsOf(() => fleet).registry.metrics();
  const seen = new Set<string>();
  let family = '';
  let type = '';
  for (const line of page.split('\n')) {
    if (line === '') continue;
    const help = /^# HELP (\S+) /.exec(line);
    if (help) {
      assert.ok(!seen.has(help[1]!), `HELP of ${help[1]} twice`);
      seen.add(help[1]!);
      family = help[1]!;
      type = '';
      continue;
    }
    const typeLine = /^# TYPE (\S+) (\w+)$/.exec(line);
    if (typeLine) {
      assert.equal(typeLine[1], family, `TYPE of ${typeLine[1]} right after its HELP`);
      assert.equal(type, '', `TYPE of ${family} twice`);
      type = typeLine[2]!;
      continue;
    }
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
    const own = type === 'histogram' || type === 'summary' ? name.replace(/_(bucket|sum|count)$/, '') : name;
    assert.equal(own, family, `${line.slice(0, 80)} is not under its own family's header`);
  }
  for (const name of ['telephony_wallet_balance_credits', 'telephony_api_requests_total', 'telephony_alert_firing', 'telephony_wallet_info', 'wallet_sentinel_wallets', 'telephony_api_request_duration_seconds']) {
    assert.ok(seen.has(name), `${name} on the page`);
  }
  assert.equal(sampleLines(page, 'telephony_wallet_info{').length, fleet.length);
  assert.ok(page.includes(`\nwallet_sentinel_wallets ${fleet.length}\n`));
  if (requireBinary(t, 'promtool', 'prometheus')) {
    const check = promtoolCheckMetrics(page);
    assert.equal(check.output, '', check.output);
  }
});

test('label values escaped (\\, ", newline), NaN and ±Inf spelled as prom-client spells them', async () => {
  const fleet = syntheticFleet(12, { labels: TRICKY });
  const page = await metricsOf(() => fleet).registry.metrics();
  assert.ok(page.includes('\ntelephony_wallet_info{team="back\\\\slash \\"quoted\\"\\nnew line",env="prod",account="w-00001",provider="twilio"} 1\n'));
  assert.ok(page.includes('\ntelephony_wallet_info{cost_centre="é ✓ 日本",account="w-00002",provider="telnyx"} 1\n'));
  assert.ok(page.includes('\ntelephony_wallet_info{account="w-00003",provider="plivo"} 1\n'), 'a wallet without labels has only account and provider');
  // wallet 0 is not burning: NaN 1h rate (fixture), +Inf runway
  assert.ok(page.includes('\ntelephony_wallet_burn_rate_credits_per_hour{account="w-00000",window="1h"} Nan\n'));
  assert.ok(page.includes('\ntelephony_wallet_runway_seconds{account="w-00000"} +Inf\n'));
  const low = structuredClone(syntheticWallet(4));
  (low.readout.forecast as { runwayLowSeconds: number }).runwayLowSeconds = Number.NEGATIVE_INFINITY;
  const page2 = await metricsOf(() => [low]).registry.metrics();
  assert.ok(page2.includes('\ntelephony_wallet_runway_low_seconds{account="w-00004"} -Inf\n'));
  assert.ok(page2.includes('\ntelephony_wallet_balance_credits{account="w-00004",currency="USD"} 1316.76\n'));
});

test("a removed wallet's series are gone at the next scrape, the others stay", async () => {
  let fleet = syntheticFleet(30);
  const m = metricsOf(() => fleet);
  const before = await m.registry.metrics();
  const gone = 'account="w-00012"';
  assert.ok(before.split('\n').filter((l) => l.includes(gone)).length >= 10);
  fleet = fleet.filter((w) => w.wallet.name !== 'w-00012');
  const after = await m.registry.metrics();
  assert.deepEqual(after.split('\n').filter((l) => l.includes(gone)), []);
  assert.ok(after.includes('\ntelephony_api_up{account="w-00013"} 1\n'));
  assert.ok(after.includes('\nwallet_sentinel_wallets 29\n'));
});

test('a wallet whose readout throws is left out whole, a counter that went negative loses its series; the page is still served', async () => {
  const fleet: WalletReadout[] = syntheticFleet(5);
  fleet[1] = { ...fleet[1]!, get readout(): never { throw new Error('readout failed'); } };
  // fails half-way, after its balance, burn rates and runways were written
  const requests = { [Symbol.iterator]: (): never => { throw new Error('requests failed'); } } as unknown as ReadonlyMap<string, number>;
  fleet[2] = { ...fleet[2]!, requests };
  fleet[3] = { ...fleet[3]!, requests: new Map([['200', -1], ['500', 2]]) };
  const page = await metricsOf(() => fleet).registry.metrics();
  assert.deepEqual(page.split('\n').filter((l) => l.includes('account="w-00001"')), [], 'no wallet whose readout failed');
  assert.deepEqual(page.split('\n').filter((l) => l.includes('account="w-00002"')), [], 'no half-written wallet');
  assert.ok(page.includes('\ntelephony_api_requests_total{account="w-00003",code="500"} 2\n'));
  assert.ok(!page.includes('account="w-00003",code="200"'));
  assert.ok(page.includes('\ntelephony_api_up{account="w-00004"} 1\n'));
  assert.ok(page.includes('\nwallet_sentinel_wallets 5\n'), 'the wallets watched, the broken one included');
});

test("a scrape of many wallets lets the event loop turn between slices, and reads each wallet's readout once", async () => {
  const n = SLICE * 3 + 5;
  const reads = new Map<string, number>();
  const fleet: WalletReadout[] = syntheticFleet(n).map((w) => ({
    ...w,
    get readout() {
      reads.set(w.wallet.name, (reads.get(w.wallet.name) ?? 0) + 1);
      return w.readout;
    },
  }));
  const m = metricsOf(() => fleet);
  let readWhenLoopTurned = -1;
  setImmediate(() => (readWhenLoopTurned = reads.size));
  await m.registry.metrics();
  assert.ok(readWhenLoopTurned > 0 && readWhenLoopTurned < n, `the loop turned mid-scrape (after ${readWhenLoopTurned} of ${n} wallets)`);
  assert.equal(reads.size, n);
  assert.deepEqual(new Set(reads.values()), new Set([1]), 'one read per wallet per scrape');
});

test("telephony_alert_notifications_total carries only the contract's channels (email, webhook); posts to Alertmanager have their own counter", async () => {
  const m = metricsOf(() => []);
  m.alertmanagerPosts.inc({ outcome: 'failed' });
  const page = await m.registry.metrics();
  const channels = new Set(sampleLines(page, 'telephony_alert_notifications_total{').map((l) => /channel="([^"]*)"/.exec(l)?.[1]));
  assert.deepEqual([...channels].sort(), ['email', 'webhook']);
  assert.deepEqual(sampleLines(page, 'wallet_sentinel_alertmanager_posts_total{').sort(), ['wallet_sentinel_alertmanager_posts_total{outcome="failed"} 1', 'wallet_sentinel_alertmanager_posts_total{outcome="sent"} 0']);
});
