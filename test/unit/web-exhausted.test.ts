/**
 * An empty wallet's chart draws no forecast: its row reads runway 0 and depletion_at when it went empty, and the
 * chart drew a zero-width red "forecast" at now, described as "a straight line from -12.50 now to 0 at <a past
 * time>". Its description says it is empty, and since when when that is known.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INITIAL_ACCOUNT_STATE } from '../../src/domain/account.js';
import { walletRow, type WalletSource } from '../../src/web/model.js';
import { balanceChart, walletPage } from '../../src/web/wallet-page.js';

const H = 3_600_000;
const now = Date.parse('2026-11-30T12:00:00Z');
const emptySince = now - 2 * H;
const readings = Array.from({ length: 12 }, (_, i) => ({ t: now - (11 - i) * 20 * 60_000, balance: 40 - i * 4.75, consumed: 0 })); // 40 down to -12.25

function wallet(alerts: Record<string, unknown>, exhausted = true, runway = 3600): WalletSource {
  return {
    name: 'acme-prod',
    wallet: { provider: 'telephony-io', labels: {}, rules: { runwayWarningHours: 72, runwayCriticalHours: 24, topupMinCredits: 1, lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined, hysteresisPercent: 5 } },
    readout: {
      state: { ...INITIAL_ACCOUNT_STATE, balance: exhausted ? -12.5 : 12.5, exhausted, currency: 'USD', lastPollAt: now, lastSuccessAt: now, alerts },
      forecast: { rates: {}, burnRatePerHour: 14.25, runwaySeconds: exhausted ? 0 : runway, runwayLowSeconds: runway / 2, runwayHighSeconds: runway * 2, confidence: 'low', method: 'rate' },
      up: true,
    },
    history: () => readings,
    alertEvents: () => [],
  } as unknown as WalletSource;
}

const chart = (w: WalletSource): string => balanceChart(w, walletRow(w, now), readings, readings, { from: readings[0]!.t, to: now }, now);
const desc = (svg: string): string => /<desc id="balance-chart-desc">([^<]*)<\/desc>/.exec(svg)![1]!;

test('an empty wallet: no forecast line nor band; the description says it is empty since its wallet_exhausted alert started', () => {
  const w = wallet({ wallet_exhausted: { alertname: 'wallet_exhausted', severity: 'critical', startsAt: emptySince } });
  assert.equal(walletRow(w, now).depletion_at, new Date(emptySince).toISOString(), 'the row still says when it ran out');
  for (const svg of [chart(w), walletPage(w, now)]) {
    assert.doesNotMatch(svg, /series-forecast|band-band/, 'no forecast shapes');
    assert.match(svg, /class="series series-balance"/, 'the balance is still drawn');
  }
  assert.match(desc(chart(w)), /No forecast line: the wallet is empty since 2026-11-30 10:00:00 UTC\. Alert horizons/);
  assert.doesNotMatch(desc(chart(w)), /straight line/);
});

test('an empty wallet without the time it went empty says only that it is empty; a burning one keeps its forecast', () => {
  assert.match(desc(chart(wallet({}))), /No forecast line: the wallet is empty\. Alert horizons/);
  const burning = chart(wallet({}, false));
  assert.match(burning, /class="series series-forecast"/);
  assert.match(burning, /class="band band-band"/);
  assert.match(desc(burning), /Forecast: a straight line from 12\.50 at 2026-11-30 12:00:00 UTC to 0 at 2026-11-30 13:00:00 UTC\./);
});

test('a wallet that barely spends runs out at "9999-12-31 23:59:59 UTC or later": never "at null", never a six-digit year, never a RangeError', () => {
  for (const runway of [1e12, 1e13, 1e300]) {
    const w = wallet({}, false, runway);
    assert.equal(walletRow(w, now).depletion_at, null, 'no RFC 3339 time past 9999');
    const svg = chart(w);
    assert.match(desc(svg), /Forecast: a straight line from 12\.50 at 2026-11-30 12:00:00 UTC to 0 at 9999-12-31 23:59:59 UTC or later\./);
    assert.match(svg, /Forecast: reaches 0 at 9999-12-31 23:59:59 UTC or later/);
    assert.doesNotMatch(walletPage(w, now), /at null|\+0\d{5}-/);
    assert.match(walletPage(w, now), /<span class="k">Runs out<\/span><span class="v">9999-12-31 23:59:59 UTC or later</, 'the card says it too');
  }
});

test('the chart draws and says the depletion the card shows: from the poll the forecast was made at, not from the page’s time', () => {
  const w = wallet({}, false); // read at now, runway 1 h
  const later = now + 45 * 60_000; // the page asked 45 min after the last poll (an hourly schedule)
  const row = walletRow(w, later);
  const svg = balanceChart(w, row, readings, readings, { from: readings[0]!.t, to: later }, later);
  assert.equal(row.depletion_at, '2026-11-30T13:00:00.000Z');
  assert.match(desc(svg), /to 0 at 2026-11-30 13:00:00 UTC\./, 'not 13:45');
  assert.match(svg, /Forecast: reaches 0 at 2026-11-30 13:00:00 UTC/);
});
