/**
 * The estimator on a business's week (Mon–Fri 08–18 UTC): the profile looks ahead, on whole histories
 * built by test/helpers/forecast-sim.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forecast } from '../../src/domain/forecast.js';
import { describe } from '../../src/domain/basis.js';
import { T0, MIN, HOUR, DAY, HOUR_S, RULES, type Pattern, businessHours, start, run, trueRunway, assertClose, assertBand, conditions, hours, at } from '../helpers/forecast-sim.js';

// ---------------------------------------------------------------------------------------------------------
// Business hours: the profile looks ahead

test('business hours, not depleting: Monday 10:00 → method profile, runway within ±25 % of the truth, not balance / peak rate', () => {
  // 50 h × 60 + 118 h × 2 = 3 236 credits/week: 3 000 last ~6.5 days at the weekly average, 50 h at the peak.
  const pattern = businessHours(60, 2);
  const balance = 3000;
  const now = at('2026-11-16T10:00:00Z'); // Monday, after 14 days
  const sim = run(start(1e6), now, pattern);
  const f = forecast(sim.history, balance, now);
  assert.equal(f.method, 'weekly');
  assert.equal(f.confidence, 'high');
  assertBand(f, 'Monday 10:00');
  const truth = trueRunway(pattern, balance, now);
  assertClose(hours(truth), 108, 0.02, 'the truth itself (Friday ~22:00)');
  assertClose(f.runwaySeconds, truth, 0.25, 'central runway vs truth');
  const naive = (balance / 60) * HOUR_S;
  assert.ok(f.runwaySeconds > 1.5 * naive, `central ${hours(f.runwaySeconds)} h is the naive balance / peak rate answer (${hours(naive)} h)`);
  // It does not alarm: 72 h warning, and the central runway (less its margin) is what is compared at high confidence.
  assert.equal(f.cautious, false);
  assert.equal(conditions(sim, balance).depletion_forecast, undefined);
});

test('business hours: the runway at Monday 10:00 and Saturday 10:00 (same balance) differ by < 2×, while the 1h rate differs by ~30×', () => {
  const pattern = businessHours(60, 2);
  const balance = 3000;
  const saturday = at('2026-11-14T10:00:00Z');
  const monday = at('2026-11-16T10:00:00Z');
  const sat = run(start(1e6), saturday, pattern);
  const mon = run(sat, monday, pattern);
  const fs = forecast(sat.history, balance, saturday);
  const fm = forecast(mon.history, balance, monday);
  assert.equal(fs.method, 'weekly');
  assert.equal(fm.method, 'weekly');
  assertBand(fs, 'Saturday 10:00');
  assertClose(fs.runwaySeconds, trueRunway(pattern, balance, saturday), 0.25, 'Saturday central runway vs truth');
  const ratio = Math.max(fs.runwaySeconds, fm.runwaySeconds) / Math.min(fs.runwaySeconds, fm.runwaySeconds);
  assert.ok(ratio < 2, `runway ratio ${ratio}`);
  const rateRatio = fm.rates['1h'] / fs.rates['1h'];
  assert.ok(rateRatio > 20 && rateRatio < 45, `1h rate ratio ${rateRatio}`);
  // The naive 1h-window runway would swing by the same ~30×.
  assert.ok(balance / fs.rates['1h'] / (balance / fm.rates['1h']) > 20);
});

test('business hours: no spend_anomaly all through a normal week (checked hourly); balance / 1h rate would alarm every morning', () => {
  const pattern = businessHours(60, 2);
  const balance = 3000;
  let sim = run(start(1e6), T0 + 8 * DAY, pattern);
  let naiveAlarms = 0;
  for (let t = sim.t + HOUR; t <= T0 + 15 * DAY; t += HOUR) {
    sim = run(sim, t, pattern);
    const f = forecast(sim.history, balance, t);
    const where = new Date(t).toISOString();
    assertBand(f, where);
    assert.equal(f.method, 'weekly', where);
    assert.ok(Number.isFinite(f.runwaySeconds), where);
    assert.equal(conditions(sim, balance).spend_anomaly, undefined, `spend_anomaly at ${where}: ${f.recentSpend} vs ${f.expectedRecentSpend}`);
    if ((balance / f.rates['1h']) * HOUR_S < RULES.runwayWarningHours * HOUR_S) naiveAlarms++;
  }
  assert.ok(naiveAlarms >= 40, `the naive 1h-rate runway would have alarmed ${naiveAlarms} times`);
});

test(
  'business hours: no depletion_forecast at any 5-min poll of a normal week (3 000 credits last ≥ 4 days from any hour)',
  () => {
    const pattern = businessHours(60, 2);
    const balance = 3000;
    let sim = run(start(1e6), T0 + 8 * DAY, pattern);
    const alarms: string[] = [];
    for (let t = sim.t + 5 * MIN; t <= T0 + 15 * DAY; t += 5 * MIN) {
      sim = run(sim, t, pattern);
      const f = forecast(sim.history, balance, t);
      if (conditions(sim, balance).depletion_forecast) alarms.push(`${new Date(t).toISOString()} (${hours(f.alertRunwaySeconds).toFixed(1)} h)`);
    }
    assert.deepEqual(alarms, []);
  },
);

test(
  'business hours: at Tuesday 18:00, just after the last peak hour, the runway still follows the profile (no burst)',
  () => {
    const pattern = businessHours(60, 2);
    const balance = 3000;
    const now = at('2026-11-10T18:00:00Z');
    const sim = run(start(1e6), now, pattern, 5 * MIN, 0);
    const f = forecast(sim.history, balance, now);
    assert.equal(f.method, 'weekly');
    const truth = trueRunway(pattern, balance, now); // ~164 h: next Tuesday ~14:00
    assertClose(f.runwaySeconds, truth, 0.25, 'central runway vs truth');
    assert.ok(f.burnRatePerHour < 40, `burn rate ${f.burnRatePerHour}/h: the peak hour just past taken for a burst`);
    assert.equal(conditions(sim, balance).depletion_forecast, undefined);
  },
);

/** The balance that lasts exactly `hours` from `now` if spend follows `pattern`. */
function balanceLasting(pattern: Pattern, now: number, hours: number): number {
  let total = 0;
  for (let t = now; t < now + hours * HOUR; t += MIN) total += pattern(t) / 60;
  return total;
}

test('business hours, first week: the unseen weekend of a business day is not assumed busy (Thursday, 95 h left) nor, once seen, read as a drop (Saturday, 68 h left)', () => {
  const pattern = businessHours(60, 2);
  // Thursday 12:00, three and a half business days seen, no weekend yet: the money lasts over the quiet
  // weekend to Monday 11:00 (95 h). Read as five more busy days it would be gone on Saturday.
  const thursday = at('2026-11-05T12:00:00Z');
  const thu = run(start(1e6), thursday, pattern, 5 * MIN, 0.1);
  const b1 = balanceLasting(pattern, thursday, 95);
  const f1 = forecast(thu.history, b1, thursday);
  assert.equal(f1.method, 'daily');
  assert.ok(hours(f1.alertRunwaySeconds) > 72, `Thursday: warning decision ${hours(f1.alertRunwaySeconds)} h for 95 h of money`);
  assert.equal(conditions(thu, b1).depletion_forecast, undefined, 'no warning on Thursday');
  assert.match(describe(f1), /weekend assumed as quiet as the quietest hour/, 'the basis says so');
  // Saturday 14:00, 14 quiet weekend hours seen: the money runs out on Tuesday 10:00 (68 h). The quiet
  // Saturday is the weekend, not a lower level: warned.
  const saturday = at('2026-11-07T14:00:00Z');
  const sat = run(thu, saturday, pattern, 5 * MIN, 0.1);
  const b2 = balanceLasting(pattern, saturday, 68);
  const f2 = forecast(sat.history, b2, saturday);
  assert.equal(f2.evidence?.shifted, false, 'the quiet Saturday is read as the weekend, not as a drop of the level');
  assert.ok(hours(f2.alertRunwaySeconds) < 72, `Saturday: warning decision ${hours(f2.alertRunwaySeconds)} h for 68 h of money`);
  assertClose(hours(f2.runwaySeconds), 68, 0.08, 'Saturday: central runway vs truth');
  assert.equal(conditions(sat, b2).depletion_forecast, 'warning', 'warned on Saturday');
  assert.match(describe(f2), /with weekends at \d+ % of a weekday/, 'the basis says so');
});

test('business hours: at Tuesday 18:30 the evening is not a burst — the runway follows the profile', () => {
  const pattern = businessHours(60, 2);
  const balance = 3000;
  const now = at('2026-11-10T18:30:00Z');
  const sim = run(start(1e6), now, pattern, 5 * MIN, 0);
  const f = forecast(sim.history, balance, now);
  assertClose(f.runwaySeconds, trueRunway(pattern, balance, now), 0.25, 'central runway vs truth');
  assert.equal(conditions(sim, balance).depletion_forecast, undefined);
});
