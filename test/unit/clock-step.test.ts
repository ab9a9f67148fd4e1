/**
 * A wall clock that steps, in the pure domain: shifting the timeline (shiftHistory, shiftClock) keeps the
 * forecast going, and a reading older than the last sample (observe) never clears an alert.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_ACCOUNT_STATE, latestTime, shiftClock, type AccountState, type PollOutcome } from '../../src/domain/account.js';
import { observe, repeatPolicy, type EvaluationConfig } from '../../src/domain/evaluate.js';
import { EMPTY_HISTORY, recordSample, shiftHistory } from '../../src/domain/history.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const SEC = 1000;
const DAY = 86_400_000;

const CFG: EvaluationConfig = {
  account: 'default',
  rules: { ...DEFAULT_RULES, lowBalanceThreshold: 100, criticalBalanceThreshold: 20 },
  repeat: repeatPolicy({ repeatIntervalMs: 4 * 3_600_000, repeatRunwayFraction: 0 }),
};
const ok = (balance: number): PollOutcome => ({ ok: true, status: 200, balance, currency: 'USD', requiredCredits: null });

/** A wallet draining 1 credit per 10 s from `from`, read every 10 s: depletion_forecast fires critical at once. */
function draining(readings: number, from = 300): AccountState {
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < readings; i++) s = observe(s, ok(from - i), T0 + i * 10 * SEC, CFG).state;
  return s;
}

test('shiftHistory: every sample and the first-sample time move; spacing, spend and profile do not', () => {
  let h = EMPTY_HISTORY;
  for (const [t, b] of [[T0, 10], [T0 + 60 * SEC, 9], [T0 + 120 * SEC, 12]] as const) h = recordSample(h, t, b, 1).history;
  const cases: Array<[string, number]> = [
    ['back a day', -DAY],
    ['back 2 s', -2 * SEC],
    ['forward an hour', 3_600_000],
  ];
  for (const [name, delta] of cases) {
    const s = shiftHistory(h, delta);
    assert.deepEqual(s.samples.map((x) => x.t), h.samples.map((x) => x.t + delta), name);
    assert.deepEqual(s.samples.map((x) => [x.balance, x.consumed]), h.samples.map((x) => [x.balance, x.consumed]), name);
    assert.equal(s.firstSampleAt, T0 + delta, name);
    assert.equal(s.consumedTotal, h.consumedTotal);
    assert.equal(s.topupsTotal, h.topupsTotal);
    assert.equal(s.profile, h.profile);
  }
  assert.equal(shiftHistory(h, 0), h, 'no shift: the same object');
  assert.equal(shiftHistory(EMPTY_HISTORY, -DAY), EMPTY_HISTORY, 'nothing to shift');
});

test('shiftClock: timers move with the history; an alert keeps its id and start', () => {
  const s = { ...draining(5), rateLimitedUntil: T0 + 3_600_000 };
  const alert = s.alerts.depletion_forecast!;
  assert.ok(alert, 'depletion_forecast fires');
  const shifted = shiftClock(s, -DAY);
  assert.equal(shifted.lastPollAt, s.lastPollAt! - DAY);
  assert.equal(shifted.lastSuccessAt, s.lastSuccessAt! - DAY);
  assert.equal(shifted.rateLimitedUntil, T0 + 3_600_000 - DAY);
  assert.equal(shifted.history.samples.at(-1)!.t, s.history.samples.at(-1)!.t - DAY);
  assert.deepEqual(shifted.alerts.depletion_forecast, { ...alert, lastNotifiedAt: alert.lastNotifiedAt - DAY });
  assert.equal(latestTime(shifted), latestTime(s)! - DAY);
  assert.equal(shiftClock(s, 0), s);
  assert.equal(latestTime(INITIAL_ACCOUNT_STATE), null);
});

test('observe: a reading older than the last sample never resolves or silences a forecast alert (table)', () => {
  const s = draining(6); // depletion_forecast critical; last sample at T0 + 50 s, balance 295
  const last = s.history.samples.at(-1)!.t;
  assert.equal(s.alerts.depletion_forecast?.severity, 'critical');
  const cases: Array<{ name: string; balance: number; now: number; firing: Record<string, string>; notified: string[] }> = [
    { name: 'a day earlier, wallet still draining', balance: 294, now: last - DAY, firing: { depletion_forecast: 'critical' }, notified: [] },
    { name: 'the same instant again (duplicate)', balance: 294, now: last, firing: { depletion_forecast: 'critical' }, notified: [] },
    { name: 'earlier, after a top-up: held, not resolved', balance: 500_000, now: last - DAY, firing: { depletion_forecast: 'critical' }, notified: [] },
    { name: 'earlier, the balance under the low threshold: low_balance may start', balance: 90, now: last - 60 * SEC, firing: { depletion_forecast: 'critical', low_balance: 'warning' }, notified: ['low_balance:firing:start'] },
    { name: 'earlier, under the critical threshold', balance: 10, now: last - DAY, firing: { depletion_forecast: 'critical', low_balance: 'critical' }, notified: ['low_balance:firing:start'] },
  ];
  const withLow = observe(s, ok(90), last + 10 * SEC, CFG).state; // low_balance firing too, last sample 10 s later
  const lastLow = withLow.history.samples.at(-1)!.t;
  assert.equal(withLow.alerts.low_balance?.severity, 'warning');
  const facts: Array<{ name: string; state: AccountState; outcome: PollOutcome; now: number; firing: Record<string, string>; notified: string[] }> = [
    {
      name: 'earlier, a top-up: low_balance resolves on the balance (a fact), depletion_forecast is held',
      state: withLow,
      outcome: ok(500_000),
      now: lastLow - DAY,
      firing: { depletion_forecast: 'critical' },
      notified: ['low_balance:resolved:resolve'],
    },
    {
      name: 'earlier, a successful call after auth failures: auth_failed resolves',
      state: { ...s, authFailed: true, alerts: { ...s.alerts, auth_failed: { id: 'default/auth_failed/x', alertname: 'auth_failed', severity: 'critical', startsAt: T0, lastNotifiedAt: T0 } } },
      outcome: ok(294),
      now: last - DAY,
      firing: { depletion_forecast: 'critical' },
      notified: ['auth_failed:resolved:resolve'],
    },
  ];
  for (const c of facts) {
    const obs = observe(c.state, c.outcome, c.now, CFG);
    assert.deepEqual(obs.conditions, c.firing, c.name);
    assert.deepEqual(obs.notifications.map((n) => `${n.alertname}:${n.status}:${n.reason}`), c.notified, c.name);
  }
  for (const c of cases) {
    const obs = observe(s, ok(c.balance), c.now, CFG);
    assert.deepEqual(obs.conditions, c.firing, c.name);
    assert.deepEqual(obs.notifications.map((n) => `${n.alertname}:${n.status}:${n.reason}`), c.notified, c.name);
    assert.equal(obs.state.history, s.history, `${c.name}: nothing recorded`);
    assert.ok(Number.isFinite(obs.forecast.runwaySeconds), `${c.name}: the forecast is taken at the history's own time, finite`);
    assert.equal(obs.state.alerts.depletion_forecast?.id, s.alerts.depletion_forecast!.id, c.name);
  }
  // a reading after the last sample is judged as always: a top-up resolves
  const later = observe(s, ok(500_000), last + 10 * SEC, CFG);
  assert.deepEqual(later.notifications.map((n) => `${n.alertname}:${n.status}`), ['depletion_forecast:resolved']);
});

test('a day-long step back: without a shift readings are ignored but nothing resolves; with shiftClock the runway stays finite', () => {
  const before = draining(12); // 12 readings, last at T0 + 110 s
  const lastT = before.history.samples.at(-1)!.t;
  const readings = Array.from({ length: 20 }, (_, i) => ({ t: lastT + (i + 1) * 10 * SEC - DAY, balance: 288 - i }));

  // 1. the domain alone, told nothing: held for as long as the step lasts
  let s = before;
  for (const r of readings) {
    const obs = observe(s, ok(r.balance), r.t, CFG);
    assert.deepEqual(obs.notifications, [], 'no resolve on a stepped-back clock');
    s = obs.state;
  }
  assert.equal(s.alerts.depletion_forecast?.id, before.alerts.depletion_forecast!.id);

  // 2. told of the step (what the monitor does): every reading counts, the runway stays finite and right
  s = shiftClock(before, -DAY);
  for (const r of readings) {
    const obs = observe(s, ok(r.balance), r.t, CFG);
    assert.deepEqual(obs.notifications, []);
    assert.ok(Number.isFinite(obs.forecast.runwaySeconds) && obs.forecast.runwaySeconds > 0, `runway at ${r.balance}`);
    // 1 credit per 10 s: the runway is about balance × 10 s
    assert.ok(Math.abs(obs.forecast.runwaySeconds - r.balance * 10) < r.balance * 10 * 0.05, `${obs.forecast.runwaySeconds} vs ${r.balance * 10}`);
    s = obs.state;
  }
  assert.equal(s.history.samples.length, 32, 'every reading recorded');
  assert.equal(s.alerts.depletion_forecast?.severity, 'critical');
});
