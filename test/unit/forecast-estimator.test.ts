/**
 * The runway estimator on whole histories: each kind the issue names (top-up step, campaign burst, usage
 * that stops, drops, persistent rises, growth), built by test/helpers/forecast-sim.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forecast } from '../../src/domain/forecast.js';
import { describe } from '../../src/domain/basis.js';
import { MARGIN } from '../../src/domain/runway.js';
import { expectedSpend, profileReady } from '../../src/domain/profile.js';
import { evaluateRules } from '../../src/domain/rules.js';
import { mulberry32 } from '../helpers/fixtures.js';
import { T0, MIN, HOUR, DAY, HOUR_S, RULES, type Pattern, steady, start, run, poll, trueRunway, assertClose, assertBand, stateOf, conditions, hours } from '../helpers/forecast-sim.js';

// ---------------------------------------------------------------------------------------------------------
// Burst, top-up, stop, growth

test('a wallet charged ~50 times a week (whole credits): its weekly buckets are Poisson noise, shrunk to flat — the rate method, not a weekly pattern', () => {
  // 0.3 credits/h in whole-credit charges: each 5-minute poll has a 0.025 chance of one charge.
  let sim = start(1000, T0, 7);
  for (let t = T0 + 5 * MIN; t <= T0 + 8 * DAY; t += 5 * MIN) sim = poll(sim, t, sim.balance - (sim.rand() < 0.025 ? 1 : 0));
  assert.ok(profileReady(sim.history.profile), 'every hour of the week seen');
  const f = forecast(sim.history, 30, sim.t);
  assert.equal(f.method, 'rate', `method ${f.method}: a weekly shape read from ~1 charge in 3 hours is chance`);
  assertClose(hours(f.runwaySeconds), 30 / ((1000 - sim.balance) / (8 * 24)), 0.1, 'runway at the average rate');
});

test('a wallet that swings for hours at a time: the warning margin reads the sustained swings (beyond the critical cap), the critical one the hourly noise', () => {
  // 6-hour blocks at 40/h × a lognormal factor (σ 0.5): over 72 h the hours average out, the blocks do not.
  const rand = mulberry32(11);
  const blocks = Array.from({ length: 40 }, () => Math.exp(0.5 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())));
  const swinging: Pattern = (t) => 40 * blocks[Math.floor((t - T0) / (6 * HOUR))]!;
  const sim = run(start(1e6), T0 + 6 * DAY, swinging);
  const f = forecast(sim.history, 40 * 90, sim.t);
  assert.equal(f.cautious, false);
  assert.ok(f.evidence !== null && f.evidence.margin.warning > MARGIN.criticalMax, `warning margin ${f.evidence?.margin.warning}`);
  assert.ok(f.evidence.margin.warning <= MARGIN.max + 1e-12);
  assert.ok(f.runwaySeconds / f.alertRunwaySeconds - 1 >= f.evidence.margin.warning - 1e-9, 'the warning decision is the central runway less that margin (or earlier)');
  assert.ok(f.evidence.margin.critical <= MARGIN.criticalMax + 1e-12);
  const pct = (m: number) => `${Math.round(m * 100)} %`;
  const said = describe(f);
  assert.ok(said.includes(`The warning alerts ${pct(f.evidence.margin.warning)} before the horizon`), said);
  assert.ok(said.includes(`critical alerts ${pct(f.evidence.margin.critical)} before the horizon`), 'the basis gives the margin critical applies, not the warning\'s');
  assertBand(f, 'swinging');
});

test('burst: 8 days at 10/h, then one hour at 200/h is not confirmed by its 6 h window (no page); six hours are (critical)', () => {
  const balance = 1000;
  const before = run(start(1e6), T0 + 8 * DAY, steady(10));
  const f0 = forecast(before.history, balance, before.t);
  assert.equal(f0.method, 'rate', 'a steady wallet: its weekly buckets are noise, shrunk to flat');
  assertClose(hours(f0.runwaySeconds), balance / 10, 0.1, 'before the burst');
  // One hour at 20×: the 6 h window is up ~4× only, below the burst factor: no page from the near reading.
  const oneHour = run(before, before.t + HOUR, steady(200));
  const f1 = forecast(oneHour.history, balance, oneHour.t);
  assert.equal(f1.evidence?.burst, null, 'one hour is not confirmed by its 6 h window');
  assert.equal(conditions(oneHour, balance).depletion_forecast, undefined);
  // Six hours at 20×: 1 h, 6 h and the last day all agree → critical.
  const sixHours = run(before, before.t + 6 * HOUR, steady(200));
  const f6 = forecast(sixHours.history, balance, sixHours.t);
  assertBand(f6, 'six hours of burst');
  assert.ok(f6.criticalAlertRunwaySeconds < 24 * HOUR_S, `critical decision ${hours(f6.criticalAlertRunwaySeconds)} h`);
  assert.equal(conditions(sixHours, balance).depletion_forecast, 'critical');
});

test('a one-hour spike does not warn: a slow wallet (a month of runway) with an hour at 10× → no depletion_forecast, spend_anomaly may fire', () => {
  const balance = 7000;
  const before = run(start(1e6), T0 + 3 * DAY, steady(10));
  let sim = run(before, before.t + HOUR, steady(100));
  sim = run(sim, sim.t + 3 * HOUR, steady(10));
  for (const t of [before.t + HOUR, sim.t]) {
    const s = t === sim.t ? sim : run(before, t, steady(100));
    const f = forecast(s.history, balance, t);
    // Right after the spike the 6 h window is up 2.5× too, but at that rate the month's balance lasts far beyond 24 h.
    assert.ok(f.criticalAlertRunwaySeconds > 72 * HOUR_S, `${hours((t - T0) / 1000)} h: critical decision ${hours(f.criticalAlertRunwaySeconds)} h`);
    assert.ok(f.alertRunwaySeconds > 400 * HOUR_S, `${hours((t - T0) / 1000)} h: the warning rests on the long window: ${hours(f.alertRunwaySeconds)} h`);
    assert.equal(conditions(s, balance).depletion_forecast, undefined);
  }
});

for (const days of [2, 8]) {
  test(`top-up after ${days} days at 20/h: balance 100 → 2 000, the runway jumps to ≈ 100 h and the burn rate stays ≈ 20/h`, () => {
    const spent = days * 24 * 20;
    const before = run(start(100 + spent), T0 + days * DAY, steady(20));
    assertClose(before.balance, 100, 0.5, 'balance before the top-up');
    const f0 = forecast(before.history, before.balance, before.t);
    assert.equal(f0.method, 'rate');
    assertClose(hours(f0.runwaySeconds), before.balance / 20, 0.15, 'runway before');
    let sim = poll(before, before.t + 5 * MIN, 2000);
    for (const later of [0, 5 * MIN, 3 * HOUR]) {
      sim = run(sim, sim.t + later, steady(20));
      const f = forecast(sim.history, sim.balance, sim.t);
      assert.equal(f.method, f0.method);
      assertClose(f.burnRatePerHour, 20, 0.1, `burn rate ${later / MIN} min after the top-up`);
      assertClose(hours(f.runwaySeconds), sim.balance / 20, 0.1, `runway ${later / MIN} min after the top-up`);
      assert.ok(f.rates['1h'] > 15 && f.rates['24h'] > 15, `window rates ${JSON.stringify(f.rates)}`);
      assertBand(f, `${later / MIN} min after the top-up`);
    }
    assert.equal(sim.history.topupsTotal, 1);
  });
}

test('a one-off charge (a rental of 60 hours\' spend at once) is taken out of the rate whole: two days later the runway is balance ÷ the steady rate, not 6 % shorter', () => {
  let sim = run(start(5000), T0 + 4 * DAY, steady(10));
  sim = poll(sim, sim.t + 5 * MIN, sim.balance - 600 - 10 / 12);
  sim = run(sim, sim.t + 2 * DAY, steady(10));
  const f = forecast(sim.history, sim.balance, sim.t);
  // 10 typical hours of the rental left in 6 days of level read as +7 %; one hour, as +0.7 %.
  assertClose(f.runwaySeconds, trueRunway(steady(10), sim.balance, sim.t), 0.03, 'runway after the rental');
});

test('a charge as big every day (a daily batch of 300 credits at 09:00 over 10/h) is usage, not a one-off: from the second one on it is in the rate', () => {
  let sim = run(start(1e5), T0 + 9 * HOUR, steady(10));
  for (let day = 0; day < 6; day++) {
    sim = poll(sim, sim.t + 5 * MIN, sim.balance - 300 - 10 / 12);
    sim = run(sim, T0 + (day + 1) * DAY + 9 * HOUR, steady(10));
  }
  // 10/h and 300 a day: 22.5/h on average. Read as one-offs, the batches left ~10.5/h.
  const f = forecast(sim.history, 2000, sim.t);
  assertClose(2000 / hours(f.runwaySeconds), 22.5, 0.15, 'credits/h the runway rests on');
  // A single rental is still a one-off: the other test above; and the first batch alone was one.
  assert.equal(sim.history.profile.lastOneOffHour, Math.floor((T0 + 5 * DAY + 9 * HOUR + 5 * MIN) / HOUR));
});

test('usage that stops: 3 days at 10/h then 30 h flat → 24h rate 0, runway +Inf, no depletion_forecast', () => {
  let sim = run(start(5000), T0 + 3 * DAY, steady(10));
  sim = run(sim, sim.t + 30 * HOUR, steady(0));
  const f = forecast(sim.history, sim.balance, sim.t);
  assert.equal(f.rates['24h'], 0);
  assert.equal(f.rates['1h'], 0);
  assert.equal(f.runwaySeconds, Infinity);
  assert.equal(f.alertRunwaySeconds, Infinity);
  assert.equal(f.burnRatePerHour, 0);
  assert.equal(conditions(sim).depletion_forecast, undefined);
});

test('usage that stops after a profile exists: 8 days at 10/h then 30 h flat → runway +Inf', () => {
  let sim = run(start(5000), T0 + 8 * DAY, steady(10));
  sim = run(sim, sim.t + 30 * HOUR, steady(0));
  const f = forecast(sim.history, sim.balance, sim.t);
  assert.equal(f.runwaySeconds, Infinity);
  assert.equal(conditions(sim).depletion_forecast, undefined);
});

test('a drop to a lower level (6 days at 40/h, then 30 h at 10/h): the last day drives the runway, but a firing warning holds on the week (no resolve and re-fire as the day wobbles)', () => {
  let sim = run(start(8360), T0 + 6 * DAY, steady(40));
  sim = run(sim, sim.t + 30 * HOUR, steady(10));
  const f = forecast(sim.history, sim.balance, sim.t);
  assert.ok(hours(f.alertRunwaySeconds) > 72 * 1.5, `decision runway ${hours(f.alertRunwaySeconds)} h from the last day's 10/h`);
  assert.ok(f.hold !== undefined && hours(f.hold.warning) < 72, `hold ${f.hold && hours(f.hold.warning)} h from the week's level`);
  const state = stateOf(sim.history, sim.balance);
  assert.equal(evaluateRules({ state, forecast: f, settings: RULES }).depletion_forecast, undefined, 'the hold does not fire by itself');
  assert.equal(evaluateRules({ state, forecast: f, settings: RULES, firing: { depletion_forecast: 'warning' } }).depletion_forecast, 'warning');
});

test('a day with no net spend (6 days at 10/h, then 25 h without a charge): no runway, but a firing warning holds on the week; 73 h of quiet is a stop and resolves it', () => {
  let sim = run(start(2100), T0 + 6 * DAY, steady(10));
  assert.ok(sim.balance > 600 && sim.balance < 700, `balance ${sim.balance}`);
  assert.equal(conditions(sim).depletion_forecast, 'warning', 'about 65 h left at 10/h');
  sim = run(sim, sim.t + 25 * HOUR, steady(0));
  const f = forecast(sim.history, sim.balance, sim.t);
  assert.equal(f.runwaySeconds, Infinity, 'no net spend in the last 24 h: no depletion is forecast');
  assert.equal(f.alertRunwaySeconds, Infinity);
  assert.ok(f.hold !== undefined && hours(f.hold.warning) < 72, `hold ${f.hold && hours(f.hold.warning)} h from the week's level`);
  const state = stateOf(sim.history, sim.balance);
  assert.equal(evaluateRules({ state, forecast: f, settings: RULES }).depletion_forecast, undefined, 'a quiet day does not start a warning');
  assert.equal(evaluateRules({ state, forecast: f, settings: RULES, firing: { depletion_forecast: 'warning' } }).depletion_forecast, 'warning', 'nor resolve one that fires');
  sim = run(sim, sim.t + 48 * HOUR, steady(0));
  const stopped = forecast(sim.history, sim.balance, sim.t);
  assert.equal(stopped.hold, undefined, '73 h without spend is a stop');
  assert.equal(evaluateRules({ state: stateOf(sim.history, sim.balance), forecast: stopped, settings: RULES, firing: { depletion_forecast: 'warning' } }).depletion_forecast, undefined);
});

test('a persistent rise (Monday to Wednesday at 10/h, then 20 h at 60/h, 3 000 left: 50 h at the new level, ~140 h at the average): the warning reads the last day, confirmed by 3 days; critical does not', () => {
  // Under a week, so the rise is not yet a level shift of the weekly pattern; no weekend in it. Caught in
  // its first day: later the step itself swells the wallet's sustained swings, and only a firing warning
  // holds on it (REGIME_HOLD).
  let sim = run(start(1e6), T0 + 3 * DAY, steady(10));
  sim = run(sim, sim.t + 20 * HOUR, steady(60));
  const balance = 3000;
  const f = forecast(sim.history, balance, sim.t);
  assert.ok(hours(f.runwaySeconds) > 72 * 1.3, `central runway ${hours(f.runwaySeconds)} h rests on the average`);
  assert.ok(f.evidence?.regime?.decides, 'the rise is the warning\'s reading');
  assertClose(f.evidence.regime.levelPerHour, (4 * 10 + 20 * 60) / 24, 0.15, 'the last day\'s level');
  assert.ok((f.evidence.regime.growthPerHourPerDay ?? 0) < 1, 'a step rises once: no growth carried on');
  assert.ok(hours(f.alertRunwaySeconds) < 72, `warning decision ${hours(f.alertRunwaySeconds)} h`);
  assert.ok(hours(f.criticalAlertRunwaySeconds) > 24, 'critical keeps its own readings');
  assert.equal(conditions(sim, balance).depletion_forecast, 'warning');
  assert.match(describe(f), /The warning also reads the last 24 h alone: \d+\.?\d* credits\/h/);
});

test('a persistent rise, a day on (40 h at 60/h): the step now swells the sustained swings and the entry test fails, but a firing warning holds on the last day (no resolve and re-fire)', () => {
  let sim = run(start(1e6), T0 + 3 * DAY, steady(10));
  sim = run(sim, sim.t + 40 * HOUR, steady(60));
  const balance = 3000;
  const f = forecast(sim.history, balance, sim.t);
  assert.equal(f.evidence?.regime, undefined, 'no new warning from the rise now');
  assert.ok(hours(f.alertRunwaySeconds) > 72 * 1.25, `the long window alone: ${hours(f.alertRunwaySeconds)} h`);
  assert.ok(f.hold !== undefined && hours(f.hold.warning) < 72, `hold ${f.hold && hours(f.hold.warning)} h from the last day`);
  const state = stateOf(sim.history, balance);
  assert.equal(evaluateRules({ state, forecast: f, settings: RULES }).depletion_forecast, undefined);
  assert.equal(evaluateRules({ state, forecast: f, settings: RULES, firing: { depletion_forecast: 'warning' } }).depletion_forecast, 'warning');
});

test('first-week growth (10, 13, 17, then 22/h a day; 1 870 left): the persistent rise goes on growing at its last three days\' smaller rise, before the daily totals hold a trend', () => {
  // 85 h at the last day's level alone, under 72 h at it plus 4/h a day (damped): growth the week's trend
  // (6 days of totals) cannot see yet.
  let sim = start(1e6);
  for (const [day, rate] of [10, 13, 17, 22].entries()) sim = run(sim, T0 + (day + 1) * DAY, steady(rate));
  const balance = 1870;
  const f = forecast(sim.history, balance, sim.t);
  assert.notEqual(f.method, 'trend', 'no trend in the daily totals yet');
  assert.ok(f.evidence?.regime?.decides, 'the rise is the warning\'s reading');
  assert.ok(hours(f.alertRunwaySeconds) < 72, `warning decision ${hours(f.alertRunwaySeconds)} h`);
  assert.equal(conditions(sim, balance).depletion_forecast, 'warning');
  assertClose(f.evidence.regime.growthPerHourPerDay ?? 0, 4, 0.3, 'the smaller of the two day-on-day rises');
  assert.match(describe(f), /still growing by \d+\.?\d* credits\/h a day/);
});

test('not a persistent rise: a busy first weekend (5 weekdays at 10/h, then 40 h of weekend at 60/h), before a weekend was ever seen', () => {
  let sim = run(start(1e6), T0 + 5 * DAY, steady(10));
  sim = run(sim, sim.t + 40 * HOUR, steady(60));
  const f = forecast(sim.history, 3000, sim.t);
  assert.equal(f.evidence?.regime, undefined, 'a weekend never seen before may be the week\'s pattern');
  assert.equal(conditions(sim, 3000).depletion_forecast, undefined);
});

test('growing usage (+15 %/day for 6 days): runway shorter than balance / the average rate over the history', () => {
  const growing: Pattern = (t) => 10 * 1.15 ** ((t - T0) / DAY);
  const balance = 2000;
  const sim = run(start(1e6), T0 + 6 * DAY, growing);
  const f = forecast(sim.history, balance, sim.t);
  const averageRate = sim.history.consumedTotal / hours((sim.t - T0) / 1000);
  const naive = (balance / averageRate) * HOUR_S;
  assert.ok(f.runwaySeconds < 0.85 * naive, `runway ${hours(f.runwaySeconds)} h vs balance / average ${hours(naive)} h`);
  // The last day's rate dominates: the runway is at most balance / (the rate a day ago).
  assert.ok(f.runwaySeconds <= (balance / growing(sim.t - DAY)) * HOUR_S * 1.05);
  assertBand(f, 'growth');
});

test('growing usage with a profile (+15 %/day for 10 days): the damped trend lifts the level, runway shorter than balance / weekly average', () => {
  const growing: Pattern = (t) => 10 * 1.15 ** ((t - T0) / DAY);
  const balance = 2000;
  const sim = run(start(1e6), T0 + 10 * DAY, growing);
  const f = forecast(sim.history, balance, sim.t);
  assert.equal(f.method, 'trend');
  const weekAverage = expectedSpend(sim.history.profile, sim.t, sim.t + 7 * DAY)! / (7 * 24);
  assert.ok(f.runwaySeconds < (balance / weekAverage) * HOUR_S, `runway ${hours(f.runwaySeconds)} h vs balance / profile average ${balance / weekAverage} h`);
  assert.ok(f.burnRatePerHour > weekAverage);
});
