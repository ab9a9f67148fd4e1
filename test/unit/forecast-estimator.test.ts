/**
 * The runway estimator on whole histories: each kind the issue names (top-up step, business-hours pattern,
 * campaign burst, short history, usage that stops, growth), built by feeding `recordSample` one noisy
 * sample per step from a fixed Monday 00:00 UTC, then asking `forecast` (and the rules) at chosen times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleSettings } from '../../src/config/settings.js';
import { INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import { forecast, type Forecast } from '../../src/domain/forecast.js';
import { describe, MARGIN } from '../../src/domain/runway.js';
import { EMPTY_HISTORY, RETENTION, recordSample, type History } from '../../src/domain/history.js';
import { EMPTY_PROFILE, HOURS_PER_WEEK, UPDATES_KEPT, addSpend, expectedRate, expectedSpend, hourOfWeek, profileReady } from '../../src/domain/profile.js';
import { evaluateRules } from '../../src/domain/rules.js';
import { DEFAULT_RULES, mulberry32 } from '../helpers/fixtures.js';
import { bucketCount, dayCount, hourCount, sampleCount, samplesToPlain, updateCount } from '../../src/domain/packed.js';

/** Monday 00:00 UTC. */
const T0 = Date.parse('2026-11-02T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const HOUR_S = 3600;

const RULES: RuleSettings = DEFAULT_RULES;

// ---------------------------------------------------------------------------------------------------------
// Helpers


/** Credits/hour as a function of epoch ms. */
type Pattern = (t: number) => number;

/** Mon–Fri 08–18 UTC at `peak`/h, otherwise `off`/h. */
const businessHours =
  (peak = 60, off = 2): Pattern =>
  (t) => {
    const d = new Date(t);
    const weekday = d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
    const h = d.getUTCHours();
    return weekday && h >= 8 && h < 18 ? peak : off;
  };
const steady =
  (rate: number): Pattern =>
  () =>
    rate;

/** A wallet being polled: its history, its balance and the time of its last sample. */
interface Sim {
  history: History;
  balance: number;
  t: number;
  rand: () => number;
}

function start(balance: number, t = T0, seed = 42): Sim {
  return { history: recordSample(EMPTY_HISTORY, t, balance, RULES.topupMinCredits).history, balance, t, rand: mulberry32(seed) };
}

/**
 * Polls every `stepMs` until `until`, spending `pattern(t)` credits/hour over each step times a uniform
 * noise factor in [1 − noise, 1 + noise].
 */
function run(sim: Sim, until: number, pattern: Pattern, stepMs = 5 * MIN, noise = 0.2): Sim {
  let { history, balance, t } = sim;
  while (t + stepMs <= until) {
    const spend = ((pattern(t) * stepMs) / HOUR) * (1 + noise * (2 * sim.rand() - 1));
    balance -= spend;
    t += stepMs;
    history = recordSample(history, t, balance, RULES.topupMinCredits).history;
  }
  return { ...sim, history, balance, t };
}

/** One poll reading `balance` at `t` (a top-up, say). */
function poll(sim: Sim, t: number, balance: number): Sim {
  return { ...sim, history: recordSample(sim.history, t, balance, RULES.topupMinCredits).history, balance, t };
}

/** The true runway (seconds) of `balance` from `now` if spend follows `pattern` exactly: walked minute by minute. */
function trueRunway(pattern: Pattern, balance: number, now: number): number {
  let left = balance;
  for (let t = now; t < now + 60 * DAY; t += MIN) {
    const spend = pattern(t) / 60;
    if (spend >= left) return (t - now) / 1000 + (left / spend) * 60;
    left -= spend;
  }
  return Infinity;
}

function assertClose(actual: number, expected: number, relTol: number, what: string): void {
  assert.ok(Number.isFinite(actual), `${what}: ${actual} is not finite`);
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * relTol, `${what}: ${actual} is not within ${relTol * 100} % of ${expected}`);
}

/**
 * low ≤ central ≤ high; the warning decision leans to the cautious (high) end while confidence is
 * none/low, else it is the central runway less a margin within MARGIN; the critical decision is never later than the warning one.
 */
function assertBand(f: Forecast, where: string): void {
  assert.ok(f.runwayLowSeconds <= f.runwaySeconds, `${where}: low ${f.runwayLowSeconds} > central ${f.runwaySeconds}`);
  assert.ok(f.runwaySeconds <= f.runwayHighSeconds, `${where}: central ${f.runwaySeconds} > high ${f.runwayHighSeconds}`);
  assert.equal(f.cautious, f.confidence === 'none' || f.confidence === 'low', `${where}: cautious with confidence ${f.confidence}`);
  const margin = f.runwaySeconds / f.alertRunwaySeconds - 1;
  if (f.cautious) {
    // Leaning toward the cautious end: all the way within the first day (and further: the hours and days
    // not seen yet may be quiet), sliding to the centre over the second.
    if (f.evidence !== null && f.evidence.windowHours < 24) assert.ok(f.alertRunwaySeconds >= f.runwayHighSeconds * (1 - 1e-12), `${where}: first-day decision ${f.alertRunwaySeconds} inside the band`);
    else assert.ok(f.alertRunwaySeconds <= f.runwayHighSeconds * (1 + 1e-12) && margin <= MARGIN.max + 1e-9, `${where}: cautious decision ${f.alertRunwaySeconds}`);
  } else if (Number.isFinite(f.runwaySeconds)) {
    // At least the margin ahead of the central runway; more where spend that much faster crosses a stair
    // of the pattern (a business day) earlier.
    assert.ok(margin >= MARGIN.min - 1e-9 && f.alertRunwaySeconds > 0, `${where}: margin ${margin}`);
  }
  assert.ok(f.criticalAlertRunwaySeconds <= f.alertRunwaySeconds * (1 + 1e-12), `${where}: critical decision later than the warning one`);
}

const stateOf = (history: History, balance: number): AccountState => ({ ...INITIAL_ACCOUNT_STATE, history, balance, lastPollAt: samplesToPlain(history.samples).at(-1)?.t ?? null });
const conditions = (sim: Sim, balance = sim.balance, settings: RuleSettings = RULES) =>
  evaluateRules({ state: stateOf(sim.history, balance), forecast: forecast(sim.history, balance, sim.t), settings });

const hours = (seconds: number) => seconds / HOUR_S;
const at = (iso: string) => Date.parse(iso);

/** Upper bound of `samples.length` at `stepMs` polling: full resolution for an hour, then thinned, up to keepMs. */
const sampleBound = (stepMs: number) => Math.ceil(RETENTION.fullResolutionMs / stepMs) + Math.ceil(RETENTION.keepMs / Math.max(stepMs, RETENTION.thinnedSpacingMs)) + 2;

// ---------------------------------------------------------------------------------------------------------
// hourOfWeek and the profile

for (const [iso, expected] of [
  ['2026-11-02T00:00:00Z', 0], // Monday 00:00
  ['2026-11-02T00:59:59.999Z', 0],
  ['2026-11-02T01:00:00Z', 1],
  ['2026-11-02T23:30:00Z', 23],
  ['2026-11-03T10:00:00Z', 34], // Tuesday 10:00
  ['2026-11-07T10:00:00Z', 5 * 24 + 10], // Saturday 10:00
  ['2026-11-08T23:00:00Z', 167], // Sunday 23:00
  ['2026-11-08T23:59:59.999Z', 167],
  ['2026-11-09T00:00:00Z', 0], // next Monday
  ['1970-01-01T00:00:00Z', 72], // a Thursday
  ['2024-02-29T12:00:00Z', 3 * 24 + 12], // a leap-day Thursday
] as const) {
  test(`hourOfWeek(${iso}) = ${expected}`, () => {
    assert.equal(hourOfWeek(Date.parse(iso)), expected);
  });
}

test('profile: nothing known before an hour closes; a 30-minute hour counts, a 20-minute one does not; spend across a gap > 2 h is not spread', () => {
  assert.equal(profileReady(EMPTY_PROFILE), false);
  assert.equal(expectedRate(EMPTY_PROFILE, T0), null);
  const m = (h: number, min = 0) => T0 + h * HOUR + min * MIN;
  let p = addSpend(EMPTY_PROFILE, m(10), m(10, 40), 6);
  assert.equal(expectedRate(p, m(10)), null, 'hour 10 still open');
  p = addSpend(p, m(10, 40), m(11, 20), 8); // 4 in each hour
  assertClose(expectedRate(p, m(10))!, 10, 1e-9, 'hour 10: 10 credits over 60 min');
  p = addSpend(p, m(11, 20), m(11, 30), 3); // hour 11: 7 credits over 30 min
  p = addSpend(p, m(11, 30), m(16, 5), 20); // a 4.6 h gap: closes hour 11, attributes nothing
  assertClose(expectedRate(p, m(11))!, 14, 1e-9, 'hour 11: 7 credits over 30 min');
  for (const h of [12, 13, 14, 15, 16]) assert.equal(expectedRate(p, m(h)), null, `gap hour ${h} stays unknown`);
  p = addSpend(p, m(16, 40), m(17, 10), 6); // hour 16: 20 min observed
  p = addSpend(p, m(17, 10), m(18, 5), 11);
  assert.equal(expectedRate(p, m(16)), null, 'a 20-minute hour does not count');
  assertClose(expectedRate(p, m(17))!, 12, 1e-9, 'hour 17: 2 + 10 credits over 60 min');
  assert.equal(expectedSpend(p, m(10), m(12)), 24);
  assert.equal(expectedSpend(p, m(10), m(13)), null, 'an unknown hour makes the expectation unknown');
  assert.equal(bucketCount(p.rates), HOURS_PER_WEEK);
  assert.equal(profileReady(p), false);
});

test('profile learning: after 8 days of business hours it is ready, Tuesday 10:00 ≈ 60/h, Saturday 10:00 ≈ 2/h; 168 numbers after 8 and 16 days', () => {
  const pattern = businessHours(60, 2);
  const d8 = run(start(1e6), T0 + 8 * DAY, pattern);
  assert.equal(profileReady(d8.history.profile), true);
  assertClose(expectedRate(d8.history.profile, at('2026-11-10T10:00:00Z'))!, 60, 0.1, 'Tuesday 10:00');
  assertClose(expectedRate(d8.history.profile, at('2026-11-14T10:00:00Z'))!, 2, 0.1, 'Saturday 10:00');
  assertClose(expectedRate(d8.history.profile, at('2026-11-10T07:00:00Z'))!, 2, 0.1, 'Tuesday 07:00');
  assertClose(expectedSpend(d8.history.profile, T0, T0 + 7 * DAY)!, 50 * 60 + 118 * 2, 0.05, 'a week of the profile');
  assert.equal(bucketCount(d8.history.profile.rates), HOURS_PER_WEEK);
  const d16 = run(d8, T0 + 16 * DAY, pattern);
  assert.equal(bucketCount(d16.history.profile.rates), HOURS_PER_WEEK);
  assert.equal(profileReady(d16.history.profile), true);
  assertClose(expectedRate(d16.history.profile, at('2026-11-17T10:00:00Z'))!, 60, 0.1, 'Tuesday 10:00 after 16 days');
});

test('profile not ready after 6 days: the daily method (hour of day), never weekly; rate before a day', () => {
  const sim = run(start(1e6), T0 + 6 * DAY, businessHours());
  assert.equal(profileReady(sim.history.profile), false);
  assert.equal(forecast(sim.history, 3000, sim.t).method, 'daily');
  const young = run(start(1e6), T0 + 20 * HOUR, businessHours());
  assert.equal(forecast(young.history, 3000, young.t).method, 'rate');
});

test('memory bounded: samples.length is the same after 2 and after 14 days (5-min polls), and after 2 and 4 days (1-min polls)', () => {
  const pattern = businessHours();
  const d2 = run(start(1e6), T0 + 2 * DAY, pattern);
  const d14 = run(d2, T0 + 14 * DAY, pattern);
  assert.equal(sampleCount(d14.history.samples), sampleCount(d2.history.samples));
  assert.ok(sampleCount(d14.history.samples) <= sampleBound(5 * MIN), `${sampleCount(d14.history.samples)} samples`);
  assert.equal(bucketCount(d14.history.profile.rates), HOURS_PER_WEEK);
  // The oldest kept sample is within keepMs: nothing older survives.
  assert.ok(d14.t - samplesToPlain(d14.history.samples)[0]!.t <= RETENTION.keepMs);

  const m2 = run(start(1e6), T0 + 2 * DAY, pattern, MIN);
  const m4 = run(m2, T0 + 4 * DAY, pattern, MIN);
  assert.equal(sampleCount(m4.history.samples), sampleCount(m2.history.samples));
  assert.ok(sampleCount(m4.history.samples) <= sampleBound(MIN), `${sampleCount(m4.history.samples)} samples`);
});

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
  assert.ok(f.evidence !== null && f.evidence.margin > MARGIN.criticalMax, `warning margin ${f.evidence?.margin}`);
  assert.ok(f.evidence.margin <= MARGIN.max + 1e-12);
  assert.ok(f.runwaySeconds / f.alertRunwaySeconds - 1 >= f.evidence.margin - 1e-9, 'the warning decision is the central runway less that margin (or earlier)');
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

// ---------------------------------------------------------------------------------------------------------
// Cost: structural, never timed

test('cost per forecast does not grow with history: samples bounded and profile 168 numbers on 2- and 14-day histories', () => {
  const pattern = businessHours(60, 2);
  const d2 = run(start(1e6), T0 + 2 * DAY, pattern);
  const d14 = run(d2, T0 + 14 * DAY, pattern);
  for (const [name, sim] of [
    ['2 days', d2],
    ['14 days', d14],
  ] as const) {
    assert.ok(sampleCount(sim.history.samples) <= sampleBound(5 * MIN), `${name}: ${sampleCount(sim.history.samples)} samples`);
    const f = forecast(sim.history, 3000, sim.t);
    assert.ok(Number.isFinite(f.runwaySeconds), name);
  }
  assert.equal(sampleCount(d14.history.samples), sampleCount(d2.history.samples));
  assert.equal(bucketCount(d14.history.profile.rates), HOURS_PER_WEEK);
  // The profile holds no per-sample state: an open hour at most.
  assert.deepEqual(Object.keys(d14.history.profile).sort(), ['days', 'open', 'rates', 'recent', 'updates']);
  assert.equal(updateCount(d14.history.profile.updates), UPDATES_KEPT, 'the last bucket updates only, not a value before for each of 168');
  assert.ok(hourCount(d14.history.profile.recent) <= 168 && dayCount(d14.history.profile.days) <= 14);
  assert.equal(hourCount(d14.history.profile.recent), 168, 'a week of closed hours');
});
