/**
 * The usage record behind the estimator (hourOfWeek, the weekly profile, its bounds) and the cost of a
 * forecast, on whole histories built by test/helpers/forecast-sim.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forecast } from '../../src/domain/forecast.js';
import { RETENTION } from '../../src/domain/history.js';
import { EMPTY_PROFILE, HOURS_PER_WEEK, UPDATES_KEPT, addSpend, expectedRate, expectedSpend, hourOfWeek, profileReady } from '../../src/domain/profile.js';
import { bucketCount, dayCount, hourCount, sampleCount, samplesToPlain, updateCount } from '../../src/domain/packed.js';
import { T0, MIN, HOUR, DAY, businessHours, start, run, assertClose, at, sampleBound } from '../helpers/forecast-sim.js';

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
