// Pins the rule of the independent corpora's oracle (bench/forecast-blackbox/oracle-rule.ts): the runway read at
// the expected spend, the firing and resolving lines, and the spread of the spend its σ margins rest on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oracleNotes, runwayMinutes, spreadOf } from '../../bench/forecast-blackbox/oracle-rule.js';
import { Clock, flatPrice, type Plan } from '../../bench/forecast-third/engine.js';

/** Cumulative expected spend of `perMinute` credits a minute for `minutes` minutes. */
const flatCum = (perMinute: number, minutes: number): Float64Array => Float64Array.from({ length: minutes + 1 }, (_, i) => i * perMinute);

test('runway at the expected spend: minutes until it reaches the balance, Infinity past the curve', () => {
  const cum = flatCum(2, 1000);
  assert.equal(runwayMinutes(cum, 0, 100), 50);
  assert.equal(runwayMinutes(cum, 10, 100), 50);
  assert.equal(runwayMinutes(cum, 10.5, 100), 49.5); // a reading inside a minute counts from that minute's start
  assert.equal(runwayMinutes(cum, 990, 100), Infinity);
});

test('a severity fires under horizon × (1 + margin) and resolves 5 % above it or when empty, one id per episode', () => {
  // 1 credit a minute, one reading an hour: the balance runs down from 100 h of spend to 70 h, is topped up a
  // little (78 h: inside the 5 % hysteresis of 75.6 h), then more (80 h), runs down again and empties
  const cum = flatCum(1, 400 * 60);
  const hoursLeft = [...Array.from({ length: 31 }, (_, i) => 100 - i), 78, 80, 75, 0];
  const rows = hoursLeft.map((h, i) => ({ t: i * 3600, b: h * 60 }));
  const at = (notes: ReturnType<typeof oracleNotes>) => notes.map((n) => [n.t / 3600, n.status]);
  const warning = oracleNotes(rows, 0, cum, 0.05, null, 'warning');
  assert.deepEqual(at(warning), [[25, 'firing'], [32, 'resolved'], [33, 'firing'], [34, 'resolved']]);
  assert.equal(new Set(warning.map((n) => n.id)).size, 2, 'each episode its own id');
  assert.deepEqual(oracleNotes(rows, 0, cum, 0, null, 'critical'), [], 'never under 24 h while money is left');
  const z = oracleNotes(rows, 0, cum, { z: 1 }, () => 0.1, 'warning'); // 1 σ of 10 %: fires under 79.2 h
  assert.equal(z[0]!.t / 3600, 21);
});

test('the spread of the spend to come: charges alone shrink as 1/√n; a daily factor does not average away', () => {
  const minutes = 10 * 1440;
  const clock = new Clock(Date.UTC(2026, 4, 4) / 1000, 0, minutes);
  const plan = (daySd: number): Plan => ({
    start: clock.start, minutes, tzMin: 0, scheduled: [], balance0: 1, meta: {},
    obs: { gap: [60, 60], skip: 0, outages: 0, outageHours: [0, 0], calmFirstMin: 0, everyMin: 1, lagMin: 0, decimals: 2 },
    streams: [{ rate: new Float64Array(clock.total).fill(10), price: flatPrice(1), wobble: 0, wobbleMin: 60, daySd }],
  });
  const poisson = spreadOf(plan(0), clock);
  // 10 events a minute for 24 h: 14 400 events, relative sd 1/120
  assert.ok(Math.abs(poisson(0, 24) - 1 / 120) < 1e-9);
  assert.ok(Math.abs(poisson(0, 72) - 1 / Math.sqrt(43_200)) < 1e-9);
  const daily = spreadOf(plan(0.1), clock);
  // three whole days of 10 % each: √3 × 0.1 × day ÷ 3 days ≈ 5.8 %, plus the charges
  assert.ok(Math.abs(daily(0, 72) - Math.sqrt(3 * 0.01 / 9 + 1 / 43_200)) < 1e-9);
});
