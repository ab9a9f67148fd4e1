/**
 * The estimator on a short history: confidence, the band and the cautious reading of thin evidence, on
 * whole histories built by test/helpers/forecast-sim.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forecast } from '../../src/domain/forecast.js';
import { applyPoll, INITIAL_ACCOUNT_STATE } from '../../src/domain/account.js';
import { describe } from '../../src/domain/basis.js';
import { T0, MIN, HOUR, DAY, HOUR_S, businessHours, steady, start, run, assertClose, assertBand, conditions, hours } from '../helpers/forecast-sim.js';

// ---------------------------------------------------------------------------------------------------------
// Short history: confidence and the band

test('steady burn from a new install: the relative error falls as charges and hours accumulate, confidence rises, the band narrows; cautious while none/low', () => {
  let sim = start(5000);
  let previous = Infinity;
  const seen: string[] = [];
  for (const h of [0.25, 1, 3, 6, 12, 24, 48, 80]) {
    sim = run(sim, T0 + h * HOUR, steady(10), 6 * MIN);
    const f = forecast(sim.history, sim.balance, sim.t);
    const where = `${h} h`;
    assert.ok(f.relativeError !== null && f.relativeError <= previous + 1e-9, `${where}: relative error ${f.relativeError} grew from ${previous}`);
    previous = f.relativeError!;
    seen.push(f.confidence);
    assert.equal(f.method, 'rate', `${where}: a steady wallet's hourly noise is no pattern`);
    assertBand(f, where);
    assertClose(f.burnRatePerHour, 10, 0.15, `${where}: burn rate`);
    assertClose(f.runwaySeconds, (sim.balance / 10) * HOUR_S, 0.15, `${where}: central runway`);
    assert.ok(f.runwayLowSeconds < f.runwaySeconds && f.runwaySeconds < f.runwayHighSeconds, `${where}: a real band`);
  }
  assert.equal(seen[0], 'none', 'a quarter of an hour of 6-minute polls is no evidence');
  assert.equal(seen.at(-1), 'high');
});

test('the band is ordered at every hour of a noisy 9-day business-hours history (rate, daily, then weekly method)', () => {
  const pattern = businessHours(60, 2);
  let sim = start(1e6, T0, 7);
  const methods = new Set<string>();
  for (let t = T0 + HOUR; t <= T0 + 9 * DAY; t += HOUR) {
    sim = run(sim, t, pattern, 5 * MIN, 0.5);
    const f = forecast(sim.history, 3000, t);
    assertBand(f, new Date(t).toISOString());
    methods.add(f.method);
  }
  assert.deepEqual([...methods].sort(), ['daily', 'rate', 'weekly']);
});

test('thin evidence still pages what visibly runs out: 1 h of history at 10/h with balance 50 (5 h left) → critical, on the cautious end', () => {
  const sim = run(start(60), T0 + HOUR, steady(10), MIN, 0.1);
  assertClose(sim.balance, 50, 0.01, 'balance after 1 h');
  const f = forecast(sim.history, sim.balance, sim.t);
  assertClose(hours(f.runwaySeconds), 5, 0.1, 'central runway');
  assert.equal(f.cautious, true);
  assert.ok(hours(f.criticalAlertRunwaySeconds) < 24, `the critical decision ${hours(f.criticalAlertRunwaySeconds)} h is inside 24 h`);
  assert.equal(conditions(sim).depletion_forecast, 'critical');
});

test('thin evidence: 2 h of history at 10/h with 26 h left → no warning yet (a business morning looks the same), and the critical page comes ≥ 24 h before empty', () => {
  // The first hours of a wallet that empties in 26 h look exactly like the morning of a business that spends
  // its day's money in 10 hours and has days left (issue 9, kinds 1 and 5): the warning's cautious end lets
  // the night and a weekend be quiet, so it stays silent; the critical decision rests on the central
  // reading less its margin, and pages as soon as that is inside 24 h.
  let sim = run(start(280), T0 + 2 * HOUR, steady(10), 5 * MIN, 0.2);
  const f = forecast(sim.history, sim.balance, sim.t);
  assert.equal(f.cautious, true);
  assert.ok(hours(f.alertRunwaySeconds) > 72, `the warning's cautious reading ${hours(f.alertRunwaySeconds)} h`);
  assert.equal(conditions(sim).depletion_forecast, undefined);
  let paged: number | null = null;
  while (paged === null && sim.t < T0 + 4 * HOUR) {
    sim = run(sim, sim.t + 5 * MIN, steady(10), 5 * MIN, 0.2);
    if (conditions(sim).depletion_forecast === 'critical') paged = sim.t;
  }
  assert.ok(paged !== null, 'a critical page within the first 4 h');
  assert.ok(sim.balance / 10 >= 24, `paged with ${(sim.balance / 10).toFixed(1)} h left`);
});

test('the first-day reading only where the money lasts past the first day: 2 min at 1 credit/s with 8 min left → warned on the band, not spread over a day', () => {
  // Quiet unseen hours (a night) change nothing for a wallet that is empty before they come.
  const sim = run(start(500), T0 + 2 * MIN, steady(3600), 5_000, 0.05);
  const f = forecast(sim.history, sim.balance, sim.t);
  assert.ok(hours(f.runwaySeconds) < 0.2, `central ${hours(f.runwaySeconds)} h`);
  assert.ok(hours(f.alertRunwaySeconds) < 3, `the warning decision ${hours(f.alertRunwaySeconds)} h is inside a 3 h horizon`);
});

test('a critical horizon of minutes (RUNWAY_CRITICAL_HOURS=0.25): a wallet draining a credit a second pages critical once its runway is under 15 minutes, in its first minute, not 7 minutes later (the hourly swings read over a few minutes, as if they varied more than an hour\'s, made it cautious)', () => {
  const sim = run(start(1000), T0 + MIN, steady(3600), 5_000, 0.05);
  const f = forecast(sim.history, sim.balance, sim.t);
  assert.ok(hours(f.runwaySeconds) < 0.27, `central ${hours(f.runwaySeconds)} h`);
  assert.equal(f.criticalCautious, false, 'critical decides on the central reading less its margin');
  assert.ok(hours(f.criticalAlertRunwaySeconds) < 0.25, `the critical decision ${hours(f.criticalAlertRunwaySeconds)} h is inside 15 minutes`);
});

test("a lone first drop (42.5 three times, then 35): the runway is finite from the drop (the contract: 3 readings over 10 s with net consumption), read from the last hour's net spend, while no decision rests on a first charge that may be a rental", () => {
  let s = INITIAL_ACCOUNT_STATE;
  const read = (b: number, i: number) => (s = applyPoll(s, { ok: true, status: 200, balance: b, currency: 'USD', requiredCredits: null }, T0 + i * 5_000, 1).state);
  [42.5, 42.5, 42.5, 35].forEach(read);
  let f = forecast(s.history, s.balance, T0 + 15_000);
  assert.equal(f.firstCharge, true);
  assert.ok(Number.isFinite(f.runwaySeconds) && f.runwaySeconds > 0, `runway ${f.runwaySeconds}`);
  assert.equal(f.burnRatePerHour, f.rates['1h']);
  assert.equal(f.alertRunwaySeconds, Infinity, 'no warning rests on it');
  assert.equal(f.criticalAlertRunwaySeconds, Infinity, 'no page rests on it');
  assert.match(describe(f), /one charge in the wallet's first hour: it may be a one-off/);
  for (let i = 4; i < 12; i++) read(35, i);
  f = forecast(s.history, s.balance, T0 + 11 * 5_000);
  assert.ok(Number.isFinite(f.runwaySeconds), 'still finite a minute later');
});

test('strong evidence after the first day: 30 h at a steady 40/h with 74 h left → warned now, on the central runway less its margin (not the cautious end)', () => {
  // A steady wallet that empties ~100 h after install must be warned ~28 h in to be warned 72 h ahead:
  // once a whole day is seen, a level known to ±2 % decides on the centre, not on how young the history is.
  const sim = run(start(4200), T0 + 30 * HOUR, steady(40), MIN, 0.1);
  const f = forecast(sim.history, 40 * 74, sim.t);
  assert.ok(f.relativeError !== null && f.relativeError < 0.05, `±${f.relativeError}`);
  assert.equal(f.cautious, false);
  assertClose(hours(f.runwaySeconds), 74, 1.5, 'central runway');
  assert.equal(conditions(sim, 40 * 74).depletion_forecast, 'warning');
});

test("a business's first minutes: six charges of 10 in ten minutes (360/h, 15 h at that rate, on a wallet with days of money at its day's average) page nothing; the same rate kept for 40 minutes pages critical", () => {
  let s = INITIAL_ACCOUNT_STATE;
  let balance = 5515;
  const read = (minute: number) => (s = applyPoll(s, { ok: true, status: 200, balance, currency: 'USD', requiredCredits: null }, T0 + minute * MIN, 1).state);
  read(0);
  for (let m = 1; m <= 10; m++) {
    if ([2, 4, 5, 7, 9, 10].includes(m)) balance -= 10;
    read(m);
  }
  let f = forecast(s.history, s.balance, T0 + 10 * MIN);
  assert.ok(hours(f.runwaySeconds) < 24, `central ${hours(f.runwaySeconds)} h: the reading that paged`);
  assert.ok(hours(f.criticalAlertRunwaySeconds) >= 24, `critical decision ${hours(f.criticalAlertRunwaySeconds)} h: ten minutes' six charges are no page`);
  assert.ok(hours(f.alertRunwaySeconds) >= 72, `warning decision ${hours(f.alertRunwaySeconds)} h: the first day's caution holds (read at the slowest spend, this money lasts past tonight)`);
  for (let m = 11; m <= 40; m++) {
    balance -= 6;
    read(m);
  }
  f = forecast(s.history, s.balance, T0 + 40 * MIN);
  assert.ok(hours(f.criticalAlertRunwaySeconds) < 24, `critical decision ${hours(f.criticalAlertRunwaySeconds)} h after 40 minutes at 360/h (${hours(f.runwaySeconds)} h central)`);
});
