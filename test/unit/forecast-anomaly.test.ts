/**
 * spend_anomaly through forecast + evaluateRules, on whole histories built by test/helpers/forecast-sim.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forecast, type Forecast } from '../../src/domain/forecast.js';
import { snapshot } from '../../src/domain/evaluate.js';
import { summary } from '../../src/domain/messages.js';
import type { Notification } from '../../src/domain/alerts.js';
import { expectedSpend } from '../../src/domain/profile.js';
import { evaluateRules } from '../../src/domain/rules.js';
import { T0, MIN, HOUR, DAY, RULES, type Pattern, businessHours, steady, type Sim, start, run, assertClose, conditions, hours, at, stateOf } from '../helpers/forecast-sim.js';

// ---------------------------------------------------------------------------------------------------------
// spend_anomaly through forecast + evaluateRules

/** 8 days of `pattern`, then 3 h at `factor` × the pattern. */
function anomalyAfterWeek(pattern: Pattern, factor: number, from = T0 + 8 * DAY): { sim: Sim; f: Forecast } {
  let sim = run(start(1e6), from, pattern);
  sim = run(sim, from + 3 * HOUR, (t) => factor * pattern(t));
  return { sim, f: forecast(sim.history, sim.balance, sim.t) };
}

test('spend_anomaly: 8 days of business hours, then 3 night hours at 10× the expected rate → fires', () => {
  // Tuesday 00:00–03:00: expected 2/h, spent 20/h.
  const { sim, f } = anomalyAfterWeek(businessHours(60, 2), 10);
  assert.equal(f.method, 'weekly');
  assertClose(f.recentSpend!, 60, 0.1, 'recent spend');
  assert.ok(f.expectedRecentSpend !== null && f.expectedRecentSpend < 20, `expected ${f.expectedRecentSpend}`);
  assert.equal(conditions(sim).spend_anomaly, 'warning');
});

test("spend_anomaly's summary says what was spent in its window against what was usual, not the burn rate (which leaves the burst out)", () => {
  const { sim, f } = anomalyAfterWeek(businessHours(60, 2), 10);
  const wallet = snapshot(stateOf(sim.history, sim.balance), f);
  const n: Notification = { id: 'w/spend_anomaly/1', account: 'w', alertname: 'spend_anomaly', severity: 'warning', status: 'firing', reason: 'start', startsAt: sim.t, decidedAt: sim.t, wallet: { ...wallet, currency: 'USD' } };
  const line = summary(n);
  assert.match(line, /is spending far faster than usual: spent (\d+(\.\d+)?) USD in the last 3 hours, about (\d+(\.\d+)?) USD usual/, line);
  const [, recent, usual] = /spent (\d+(?:\.\d+)?) USD .* about (\d+(?:\.\d+)?) USD/.exec(line)!;
  assertClose(Number(recent), f.recentSpend!, 0.01, 'recent');
  assertClose(Number(usual), f.expectedRecentSpend!, 0.01, 'usual');
  const { spend: _, ...older } = n.wallet;
  assert.match(summary({ ...n, wallet: older }), /far faster than usual: (\d|rate unknown)/, 'an outbox entry written before the comparison: the rate, as before');
});

test('spend_anomaly: the same 10× jump on a tiny wallet (expected 0.01/h) → quiet (floor of 10 credits)', () => {
  const { sim, f } = anomalyAfterWeek(businessHours(0.3, 0.01), 10);
  assert.ok(f.recentSpend! >= RULES.spendAnomalyFactor * f.expectedRecentSpend!, 'relatively it is anomalous');
  assert.ok(f.recentSpend! < 1);
  assert.equal(conditions(sim).spend_anomaly, undefined);
});

test('spend_anomaly: a normal business morning (peak hours the profile expects) → quiet, and so is depletion_forecast', () => {
  const pattern = businessHours(60, 2);
  let sim = run(start(1e6), at('2026-11-10T06:00:00Z'), pattern); // Tuesday, day 8
  for (let t = at('2026-11-10T07:00:00Z'); t <= at('2026-11-10T13:00:00Z'); t += 30 * MIN) {
    sim = run(sim, t, pattern);
    const f = forecast(sim.history, 3000, t);
    const c = conditions(sim, 3000);
    assert.equal(c.spend_anomaly, undefined, `${new Date(t).toISOString()}: ${f.recentSpend} vs expected ${f.expectedRecentSpend}`);
    assert.equal(c.depletion_forecast, undefined, `${new Date(t).toISOString()}: ${hours(f.alertRunwaySeconds)} h`);
  }
  // By 11:00 the last 3 h are all peak: 180 credits, which the profile expects.
  const f = forecast(sim.history, 3000, sim.t);
  assertClose(f.recentSpend!, 180, 0.1, 'recent spend');
  assertClose(f.expectedRecentSpend!, 180, 0.15, 'expected recent spend');
});

test('spend_anomaly: without a profile (2 days of history) a 3 h jump to 10× the 24 h rate fires too', () => {
  let sim = run(start(1e6), T0 + 2 * DAY, steady(10));
  sim = run(sim, sim.t + 3 * HOUR, steady(100));
  const f = forecast(sim.history, sim.balance, sim.t);
  assert.equal(f.method, 'daily');
  assert.notEqual(f.expectedRecentSpend, null);
  assert.equal(conditions(sim).spend_anomaly, 'warning');
});

test(
  'spend_anomaly: 3 night hours at 4× the expected rate (above the 3× factor, ≥ 10 credits above) → fires',
  () => {
    // Tuesday 00:00–03:00 after 8 days: expected 2/h × 3 h = 6, spent 8/h × 3 h = 24 (4×, 18 above).
    const { sim, f } = anomalyAfterWeek(businessHours(60, 2), 4);
    assertClose(f.recentSpend!, 24, 0.1, 'recent spend');
    assertClose(f.expectedRecentSpend!, 6, 0.15, 'expected recent spend: what the pattern expected before these hours');
    assert.equal(conditions(sim).spend_anomaly, 'warning');
  },
);

test(
  'spend_anomaly without a profile: 2 days at 10/h, then 3 h at 4× (120 vs 30 expected) → fires',
  () => {
    let sim = run(start(1e6), T0 + 2 * DAY, steady(10));
    sim = run(sim, sim.t + 3 * HOUR, steady(40));
    const f = forecast(sim.history, sim.balance, sim.t);
    assertClose(f.recentSpend!, 120, 0.1, 'recent spend');
    assert.equal(conditions(sim).spend_anomaly, 'warning', `${f.recentSpend} vs expected ${f.expectedRecentSpend}`);
  },
);

test('spend_anomaly, the 4× case above: the pattern learnt before the anomaly did expect 6 credits for those 3 h', () => {
  // What the test above relies on: before 00:00 the profile expects 2/h for Tuesday 00–03.
  const before = run(start(1e6), T0 + 8 * DAY, businessHours(60, 2));
  assertClose(expectedSpend(before.history.profile, before.t, before.t + 3 * HOUR)!, 6, 0.1, 'expected before the anomaly');
});

test('spend_anomaly in the first week: a business opened on a Wednesday is not taken for fraud on its first Monday morning (the day before and the same hours yesterday, a silent Sunday, expected nothing); ten times its usual morning still is', () => {
  const pattern = businessHours(10, 0); // weekdays 08–18 UTC, nothing else
  const monday = at('2026-11-09T00:00:00Z');
  const sim = run(start(1e6, at('2026-11-04T00:00:00Z')), monday + 8 * HOUR, pattern); // from Wednesday
  let usual = sim;
  for (let t = monday + 9 * HOUR; t <= monday + 13 * HOUR; t += 30 * MIN) {
    usual = run(usual, t, pattern);
    const f = forecast(usual.history, usual.balance, t);
    assert.equal(conditions(usual).spend_anomaly, undefined, `${new Date(t).toISOString()}: ${f.recentSpend} against ${f.expectedRecentSpend}`);
  }
  const fraud = run(sim, monday + 11 * HOUR, (t) => 10 * pattern(t));
  assert.equal(conditions(fraud).spend_anomaly, 'warning', 'ten times Friday\'s morning');
});

test('spend_anomaly stops once the spend does: a burst on an idle wallet resolves when the burst leaves the window, not hours later at its next spend', () => {
  const idle: Pattern = () => 0;
  const sim = run(start(1e6), T0 + 8 * DAY, idle); // a week learnt: nothing is expected at night
  const burst = run(sim, T0 + 8 * DAY + HOUR, () => 30);
  const firing = conditions(burst).spend_anomaly;
  assert.equal(firing, 'warning', 'the burst');
  const quiet = run(burst, T0 + 8 * DAY + 5 * HOUR, idle);
  const held = evaluateRules({ state: stateOf(quiet.history, quiet.balance), forecast: forecast(quiet.history, quiet.balance, quiet.t), settings: RULES, firing: { spend_anomaly: 'warning' } });
  assert.equal(held.spend_anomaly, undefined, 'nothing spent in the window any more, nothing expected: resolved');
});
