/**
 * A wall clock that steps, in the pure domain: shifting the timeline (shiftHistory, shiftClock) keeps the
 * forecast going, and a reading older than the last sample (observe) never clears an alert.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_ACCOUNT_STATE, latestTime, shiftClock, type AccountState, type PollOutcome } from '../../src/domain/account.js';
import { observe, repeatPolicy, type EvaluationConfig } from '../../src/domain/evaluate.js';
import { EMPTY_HISTORY, recordSample, shiftHistory } from '../../src/domain/history.js';
import { clockStep, type ClockReading } from '../../src/clock.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';
import { daysToPlain, hoursToPlain, sampleCount, samplesToPlain } from '../../src/domain/packed.js';

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

test('shiftHistory: every sample and the first-sample time move; spacing and spend do not; the profile moves by whole hours only', () => {
  let h = EMPTY_HISTORY;
  for (const [t, b] of [[T0, 10], [T0 + 60 * SEC, 9], [T0 + 120 * SEC, 12]] as const) h = recordSample(h, t, b, 1).history;
  const cases: Array<[string, number]> = [
    ['back a day', -DAY],
    ['back 2 s', -2 * SEC],
    ['forward an hour', 3_600_000],
  ];
  for (const [name, delta] of cases) {
    const s = shiftHistory(h, delta);
    assert.deepEqual(samplesToPlain(s.samples).map((x) => x.t), samplesToPlain(h.samples).map((x) => x.t + delta), name);
    assert.deepEqual(samplesToPlain(s.samples).map((x) => [x.balance, x.consumed]), samplesToPlain(h.samples).map((x) => [x.balance, x.consumed]), name);
    assert.equal(s.firstSampleAt, T0 + delta, name);
    assert.equal(s.consumedTotal, h.consumedTotal);
    assert.equal(s.topupsTotal, h.topupsTotal);
    if (Math.abs(delta) < 1_800_000) assert.equal(s.profile, h.profile, `${name}: under half an hour, the profile stays`);
    else assert.equal(s.profile.open!.hour, h.profile.open!.hour + Math.round(delta / 3_600_000), name);
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
  assert.equal(samplesToPlain(shifted.history.samples).at(-1)!.t, samplesToPlain(s.history.samples).at(-1)!.t - DAY);
  assert.deepEqual(shifted.alerts.depletion_forecast, { ...alert, lastNotifiedAt: alert.lastNotifiedAt - DAY });
  assert.equal(latestTime(shifted), latestTime(s)! - DAY);
  assert.equal(shiftClock(s, 0), s);
  assert.equal(latestTime(INITIAL_ACCOUNT_STATE), null);
});

test('observe: a reading older than the last sample never resolves or silences a forecast alert (table)', () => {
  const s = draining(6); // depletion_forecast critical; last sample at T0 + 50 s, balance 295
  const last = samplesToPlain(s.history.samples).at(-1)!.t;
  assert.equal(s.alerts.depletion_forecast?.severity, 'critical');
  const cases: Array<{ name: string; balance: number; now: number; firing: Record<string, string>; notified: string[] }> = [
    { name: 'a day earlier, wallet still draining', balance: 294, now: last - DAY, firing: { depletion_forecast: 'critical' }, notified: [] },
    { name: 'the same instant again (duplicate)', balance: 294, now: last, firing: { depletion_forecast: 'critical' }, notified: [] },
    { name: 'earlier, after a top-up: held, not resolved', balance: 500_000, now: last - DAY, firing: { depletion_forecast: 'critical' }, notified: [] },
    { name: 'earlier, the balance under the low threshold: low_balance may start', balance: 90, now: last - 60 * SEC, firing: { depletion_forecast: 'critical', low_balance: 'warning' }, notified: ['low_balance:firing:start'] },
    { name: 'earlier, under the critical threshold', balance: 10, now: last - DAY, firing: { depletion_forecast: 'critical', low_balance: 'critical' }, notified: ['low_balance:firing:start'] },
  ];
  const withLow = observe(s, ok(90), last + 10 * SEC, CFG).state; // low_balance firing too, last sample 10 s later
  const lastLow = samplesToPlain(withLow.history.samples).at(-1)!.t;
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
  const lastT = samplesToPlain(before.history.samples).at(-1)!.t;
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
  assert.equal(sampleCount(s.history.samples), 32, 'every reading recorded');
  assert.equal(s.alerts.depletion_forecast?.severity, 'critical');
});

test('no forecast alert resolves for want of readings: a jump forward, a long outage (table); evidence of no spend still resolves', () => {
  const s = draining(6); // depletion_forecast critical, last sample at T0 + 50 s, balance 295
  const last = samplesToPlain(s.history.samples).at(-1)!.t;
  const failedPoll: PollOutcome = { ok: false, kind: 'server', message: 'down' };
  const seq = (start: AccountState, steps: Array<[PollOutcome, number]>) => {
    let st = start;
    const seen: string[] = [];
    for (const [o, t] of steps) {
      const obs = observe(st, o, t, CFG);
      // repeats (every 4 h while firing) are the lifecycle's business, not what this test is about
      seen.push(...obs.notifications.filter((n) => n.reason !== 'repeat').map((n) => `${n.alertname}:${n.status}`));
      st = obs.state;
    }
    return { st, seen };
  };
  const after = (gap: number, balances: number[]) => balances.map((b, i) => [ok(b), last + gap + i * 10 * SEC] as [PollOutcome, number]);
  const cases: Array<{ name: string; steps: Array<[PollOutcome, number]>; seen: string[]; firing: boolean }> = [
    { name: 'the clock jumps 2 days forward, spend goes on', steps: after(2 * DAY, [290, 289, 288, 287, 286]), seen: [], firing: true },
    // the domain takes time as given: 6 h that really passed with 5 credits spent, and readings that now
    // spend a credit every few hours, are a long runway (a clock jump forward is told apart by the monitor,
    // which moves the history with it)
    { name: '6 h really pass with little spend: resolves at once', steps: after(6 * 3_600_000, [290, 289.999, 289.998, 289.997]), seen: ['depletion_forecast:resolved'], firing: false },
    {
      name: 'the API is down for 25 h, then answers',
      steps: [...Array.from({ length: 25 }, (_, i) => [failedPoll, last + (i + 1) * 3_600_000] as [PollOutcome, number]), ...after(25 * 3_600_000 + 10 * SEC, [200, 199, 198])],
      seen: ['poll_failing:firing', 'poll_failing:resolved'],
      firing: true,
    },
    // "enough": readings in which the spend before (a credit every 10 s) would have brought 3 or more charges
    { name: 'after a jump, readings show the spend stopped: resolves once they are enough', steps: after(2 * DAY, new Array<number>(16).fill(295)), seen: ['depletion_forecast:resolved'], firing: false },
    { name: 'after a jump, too few readings to tell a stop from chance: still firing', steps: after(2 * DAY, [295, 295, 295, 295]), seen: [], firing: true },
    { name: 'after a jump, a big top-up and spend: resolves once readings are enough', steps: after(2 * DAY, [500_000, 499_999, 499_998, 499_997]), seen: ['depletion_forecast:resolved'], firing: false },
  ];
  for (const c of cases) {
    const r = seq(s, c.steps);
    assert.deepEqual(r.seen, c.seen, c.name);
    assert.equal(r.st.alerts.depletion_forecast !== undefined, c.firing, c.name);
    if (c.firing) assert.equal(r.st.alerts.depletion_forecast!.id, s.alerts.depletion_forecast!.id, `${c.name}: the same instance`);
  }
});

test('clockStep: a step back, a jump forward, a suspended host, jitter (table)', () => {
  const prev: ClockReading = { wall: T0, mono: 5_000, boot: 90_000 };
  const HOUR = 3_600_000;
  // [name, wall, mono, boot advance, expected jumpMs, expected sleptMs]
  const cases: Array<[string, number, number, number, number, number]> = [
    ['a normal poll interval', 60 * SEC, 60 * SEC, 60 * SEC, 0, 0],
    ['jitter between the reads (0.3 s)', 60 * SEC + 300, 60 * SEC, 60 * SEC, 0, 0],
    ['the wall clock steps back a day', 60 * SEC - DAY, 60 * SEC, 60 * SEC, -DAY, 0],
    ['it steps back 2 s', 58 * SEC, 60 * SEC, 60 * SEC, -2 * SEC, 0],
    ['it jumps forward 6 h', 60 * SEC + 6 * HOUR, 60 * SEC, 60 * SEC, 6 * HOUR, 0],
    ['the host slept 6 h (boot time moved with the wall clock)', 60 * SEC + 6 * HOUR, 60 * SEC, 60 * SEC + 6 * HOUR, 0, 6 * HOUR],
    ['it slept 6 h and the clock was corrected 1 h forward on waking', 60 * SEC + 7 * HOUR, 60 * SEC, 60 * SEC + 6 * HOUR, HOUR, 6 * HOUR],
    ['it slept 6 h and the clock was corrected 1 h back on waking', 60 * SEC + 5 * HOUR, 60 * SEC, 60 * SEC + 6 * HOUR, 0, 5 * HOUR],
    ['boot time on a system where it follows the wall clock, clock jumps forward', 60 * SEC + HOUR, 60 * SEC, 60 * SEC + HOUR, 0, HOUR],
  ];
  for (const [name, wall, mono, boot, jumpMs, sleptMs] of cases) {
    const cur = { wall: prev.wall + wall, mono: prev.mono + mono, boot: prev.boot + boot };
    assert.deepEqual(clockStep(prev, cur), { jumpMs, sleptMs }, name);
  }
});

test('a day-long step back after three days: the closed hours and the day totals move with the history, none lost or overwritten', () => {
  const HOUR = 3_600_000;
  let s = INITIAL_ACCOUNT_STATE;
  let t = T0;
  let balance = 100_000;
  for (; t < T0 + 72 * HOUR; t += 300 * SEC) s = observe(s, ok((balance -= 1)), t, CFG).state;
  const before = s.history.profile;
  s = shiftClock(s, -DAY);
  t -= DAY;
  for (let k = 0; k < 24; k++, t += 300 * SEC) s = observe(s, ok((balance -= 1)), t, CFG).state;
  const recent = hoursToPlain(s.history.profile.recent);
  assert.ok(recent.length >= hoursToPlain(before.recent).length, `closed hours kept: ${recent.length} after, ${hoursToPlain(before.recent).length} before`);
  assert.ok(recent.every((x, i) => i === 0 || x.hour > recent[i - 1]!.hour), 'in order');
  const days = daysToPlain(s.history.profile.days);
  assert.ok(days.every((d) => d.observedMs <= DAY), `no day holds more than a day: ${JSON.stringify(days.map((d) => d.observedMs / HOUR))}`);
  const full = daysToPlain(before.days).filter((d) => d.observedMs === DAY).length;
  assert.equal(days.filter((d) => d.observedMs === DAY).length, full, 'every full day kept whole');
  assert.ok(recent.at(-1)!.hour < Math.floor(t / HOUR), 'no closed hour after now');
  assert.ok(Number.isFinite(observe(s, ok(balance - 1), t, CFG).forecast.runwaySeconds));
});
