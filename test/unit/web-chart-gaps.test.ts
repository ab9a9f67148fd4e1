/**
 * The wallet page's balance line breaks where no reading was taken for far longer than usual (the daemon was
 * down for hours), as the overview's sparkline does, instead of a straight line across the gap; a history
 * thinned as the store and memory thin it (one reading per 10 or 15 min once old) is one line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INITIAL_ACCOUNT_STATE } from '../../src/domain/account.js';
import { RETENTION } from '../../src/domain/history.js';
import type { Sample } from '../../src/domain/packed.js';
import { runsOf, timeChart } from '../../src/web/chart.js';
import type { WalletSource } from '../../src/web/model.js';
import { downsample, FULL_RESOLUTION_HOURS } from '../../src/store/readings.js';
import { walletPage } from '../../src/web/wallet-page.js';

const H = 3_600_000;
const MIN = 60_000;
const now = Date.parse('2026-11-30T12:00:30Z');

/** Readings every `every` ms over `hours`, leaving out those in `down` ([from, to) hours ago). */
function polled(hours: number, every: number, down: readonly [number, number][] = []): Sample[] {
  const out: Sample[] = [];
  for (let t = now - hours * H; t <= now; t += every) {
    const ago = (now - t) / H;
    if (!down.some(([a, b]) => ago <= a && ago > b)) out.push({ t, balance: 5_000 - (t - (now - hours * H)) / MIN / 100, consumed: 0 });
  }
  return out;
}

/** As the store gives them back: full resolution for the last day, then one reading per 10 min within each hour. */
function stored(readings: readonly Sample[]): Sample[] {
  const old = new Map<number, Sample[]>();
  const recent: Sample[] = [];
  for (const r of readings) {
    if (r.t > now - FULL_RESOLUTION_HOURS * H) recent.push(r);
    else old.set(Math.floor(r.t / H), [...(old.get(Math.floor(r.t / H)) ?? []), r]);
  }
  return [...[...old.values()].flatMap((hour) => downsample(hour)), ...recent];
}

/** As memory keeps them (domain/history.ts RETENTION): the last hour whole, then one per 15 min. */
function retained(readings: readonly Sample[]): Sample[] {
  const out: Sample[] = [];
  for (const r of readings) if (out.length === 0 || now - r.t <= RETENTION.fullResolutionMs || r.t - out.at(-1)!.t >= RETENTION.thinnedSpacingMs) out.push(r);
  return out;
}

function balancePath(readings: Sample[]): { d: string; desc: string } {
  const w = {
    name: 'w',
    wallet: { provider: 'telephony-io', labels: {}, rules: { runwayWarningHours: 72, runwayCriticalHours: 24, topupMinCredits: 1, lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined, hysteresisPercent: 5 } },
    readout: { state: { ...INITIAL_ACCOUNT_STATE, balance: readings.at(-1)!.balance, currency: 'USD', lastPollAt: now, lastSuccessAt: now }, forecast: { rates: {}, burnRatePerHour: 0, runwaySeconds: Infinity, confidence: 'none', method: 'none' } },
    history: () => readings,
    alertEvents: () => [],
  } as unknown as WalletSource;
  const page = walletPage(w, now);
  return { d: /class="series series-balance"[^>]* d="([^"]+)"/.exec(page)![1]!, desc: /<desc id="balance-chart-desc">([^<]*)</.exec(page)![1]! };
}

const moves = (d: string): number => (d.match(/M/g) ?? []).length;

test('a history thinned as the store and memory thin it is one line, whatever the poll interval and the age', () => {
  for (const [hours, every] of [
    [14 * 24, MIN],
    [14 * 24, 1000],
    [14 * 24, 9 * MIN],
    [14 * 24, 14 * MIN],
    [14 * 24, H],
    [25, 2 * MIN], // the stored hour is 10-min readings, 5 times the 2-min spacing of the day after it
    [25, 1000],
    [25, 9 * MIN],
    [30, 90_000],
    [99, MIN],
  ] as const) {
    const { d, desc } = balancePath(stored(polled(hours, every)));
    assert.equal(moves(d), 1, `${hours} h every ${every / 1000} s (store): one line`);
    assert.doesNotMatch(desc, /gap/);
  }
  for (const every of [MIN, 5 * MIN, 14 * MIN]) assert.equal(moves(balancePath(retained(polled(28, every))).d), 1, `28 h every ${every / MIN} min (memory): one line`);
});

test('readings with a gap of hours (the daemon down) start a new line after it; a lone reading between two gaps is a dot', () => {
  const gap = balancePath(stored(polled(14 * 24, MIN, [[100, 94]])));
  assert.equal(moves(gap.d), 2, 'down 6 h, 4 days ago: two lines');
  assert.match(gap.desc, /No readings in 1 gap\(s\), drawn apart: the longest 6 h \d+ min from 2026-11-26 0[78]:\d\d:30 UTC\./, 'the chart draws one reading per 34 min: about 6 h');
  assert.equal(moves(balancePath(stored(polled(30, MIN, [[10, 8]]))).d), 2, 'down 2 h in the day at full resolution: two lines');
  assert.equal(moves(balancePath(stored(polled(30, MIN, [[10, 9.5]]))).d), 2, 'down 30 min at one reading a minute: two lines');
  const dot = balancePath(polled(8, MIN).filter((r) => now - r.t >= 6 * H || now - r.t < 2 * H || r.t === now - 4 * H));
  assert.equal(moves(dot.d), 3, 'before, the lone reading, after');
  assert.match(dot.d, /M[\d.]+ [\d.]+ l0\.1 0 M/, 'the lone reading is drawn as a dot');
  // a wallet's first reading is the whole line: a dot too (a butt cap drew nothing)
  const svg = timeChart({ id: 'c', title: 't', desc: 'd', t: [0, 110], v: [0, 2], series: [{ kind: 'balance', label: 'b', points: [[50, 1]] }] });
  assert.match(svg, /<path class="series series-balance"[^>]* d="M[\d.]+ [\d.]+ l0\.1 0"[^>]* stroke-linecap="round"/);
});

test('timeChart joins every point when no gap is given (the forecast line), runsOf cuts only past the gap', () => {
  const pts = [[0, 1], [10, 1], [100, 1], [110, 1]] as const;
  assert.deepEqual(runsOf(pts).length, 1);
  assert.deepEqual(runsOf(pts, 50).map((r) => r.length), [2, 2]);
  assert.deepEqual(runsOf(pts, 90).length, 1, 'a spacing equal to the gap is joined');
  const svg = timeChart({ id: 'c', title: 't', desc: 'd', t: [0, 110], v: [0, 2], series: [{ kind: 'balance', label: 'b', points: pts }] });
  assert.equal(moves(/ d="([^"]+)"/.exec(svg.slice(svg.indexOf('series-balance')))![1]!), 1);
});
