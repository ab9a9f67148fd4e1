import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleSettings } from '../../src/config/settings.js';
import { INITIAL_ACCOUNT_STATE, applyPoll, headroom, isRateLimited, type AccountState, type PollOutcome } from '../../src/domain/account.js';
import { forecast, type Forecast } from '../../src/domain/forecast.js';
import { EMPTY_HISTORY, recordSample } from '../../src/domain/history.js';
import { evaluateRules, type AlertName, type Conditions, type Severity } from '../../src/domain/rules.js';
import { firingSeverities, stepAlerts, type AlertBook } from '../../src/domain/alerts.js';
import { repeatPolicy } from '../../src/domain/evaluate.js';
import type { UpstreamErrorKind } from '../../src/errors.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';
import { sampleCount, samplesToPlain } from '../../src/domain/packed.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const MIN = 60_000;
const HOUR_S = 3600;

const RULES: RuleSettings = DEFAULT_RULES;

const forecastWith = (runwaySeconds: number, extra: Partial<Forecast> = {}): Forecast => ({
  rates: { '1h': NaN, '6h': NaN, '24h': NaN },
  refill: null,
  burnRatePerHour: Number.isFinite(runwaySeconds) && runwaySeconds > 0 ? 1 : 0,
  runwaySeconds,
  runwayLowSeconds: runwaySeconds,
  runwayHighSeconds: runwaySeconds,
  alertRunwaySeconds: runwaySeconds,
  criticalAlertRunwaySeconds: runwaySeconds,
  confidence: 'high',
  method: 'rate',
  relativeError: null,
  cautious: false,
  criticalCautious: false,
  evidence: null,
  recentSpend: null,
  expectedRecentSpend: null,
  ...extra,
});
const NOT_BURNING = forecastWith(Infinity);

const ok = (balance: number | null, status: 200 | 402 = 200): PollOutcome => ({
  ok: true,
  status,
  balance,
  currency: 'USD',
  requiredCredits: status === 402 ? 1 : null,
});
const failed = (kind: UpstreamErrorKind, retryAfterMs?: number): PollOutcome => ({ ok: false, kind, message: `failed: ${kind}`, retryAfterMs });

/** Applies outcomes one minute apart from `start`. */
function run(outcomes: readonly PollOutcome[], start: AccountState = INITIAL_ACCOUNT_STATE, t0 = T0): AccountState {
  let s = start;
  outcomes.forEach((o, i) => {
    s = applyPoll(s, o, t0 + i * MIN, RULES.topupMinCredits).state;
  });
  return s;
}

const withBalance = (balance: number | null, extra: Partial<AccountState> = {}): AccountState => ({ ...INITIAL_ACCOUNT_STATE, balance, ...extra });

function fired(state: AccountState, forecast: Forecast = NOT_BURNING, settings: Partial<RuleSettings> = {}, firing?: Conditions) {
  return evaluateRules({ state, forecast, settings: { ...RULES, ...settings }, firing });
}

// ---------------------------------------------------------------- low_balance

const lowBalance: Array<[string, Partial<RuleSettings>, number | null, Severity | undefined]> = [
  ['thresholds unset, balance 0.5', {}, 0.5, undefined],
  ['thresholds unset, balance 1e6', {}, 1e6, undefined],
  ['above low', { lowBalanceThreshold: 10, criticalBalanceThreshold: 2 }, 11, undefined],
  ['at low (not below)', { lowBalanceThreshold: 10, criticalBalanceThreshold: 2 }, 10, undefined],
  ['below low', { lowBalanceThreshold: 10, criticalBalanceThreshold: 2 }, 9.99, 'warning'],
  ['at critical (not below)', { lowBalanceThreshold: 10, criticalBalanceThreshold: 2 }, 2, 'warning'],
  ['below critical', { lowBalanceThreshold: 10, criticalBalanceThreshold: 2 }, 1.5, 'critical'],
  ['only low set, far below', { lowBalanceThreshold: 10 }, 0.1, 'warning'],
  ['only critical set, below', { criticalBalanceThreshold: 5 }, 4, 'critical'],
  ['only critical set, above', { criticalBalanceThreshold: 5 }, 6, undefined],
  ['balance unknown', { lowBalanceThreshold: 10, criticalBalanceThreshold: 2 }, null, undefined],
];
for (const [name, settings, balance, expected] of lowBalance) {
  test(`low_balance: ${name} → ${expected ?? 'none'}`, () => {
    assert.equal(fired(withBalance(balance), NOT_BURNING, settings).low_balance, expected);
  });
}

// ---------------------------------------------------------------- depletion_forecast

const depletion: Array<[string, number, boolean, Severity | undefined]> = [
  ['runway 100 h', 100 * HOUR_S, false, undefined],
  ['runway exactly 72 h (not below)', 72 * HOUR_S, false, undefined],
  ['runway just under 72 h', 72 * HOUR_S - 1, false, 'warning'],
  ['runway 50 h', 50 * HOUR_S, false, 'warning'],
  ['runway exactly 24 h (not below)', 24 * HOUR_S, false, 'warning'],
  ['runway 10 h', 10 * HOUR_S, false, 'critical'],
  ['runway 1 s', 1, false, 'critical'],
  ['runway Infinity (not burning)', Infinity, false, undefined],
  ['runway 0 but exhausted (wallet_exhausted covers it)', 0, true, undefined],
  ['runway 1 h but exhausted', HOUR_S, true, undefined],
];
for (const [name, runway, exhausted, expected] of depletion) {
  test(`depletion_forecast: ${name} → ${expected ?? 'none'}`, () => {
    assert.equal(fired(withBalance(100, { exhausted }), forecastWith(runway)).depletion_forecast, expected);
  });
}

// Hysteresis (ALERT_HYSTERESIS_PERCENT, 5 % here): a firing alert calms down only once its value clears the threshold by 5 %.
const hysteresis: Array<[string, 'low_balance' | 'depletion_forecast', number, Severity | undefined, Severity | undefined]> = [
  // [name, rule, value (balance, or runway in hours), firing now, expected]
  ['low: not firing, 10.3 over 10', 'low_balance', 10.3, undefined, undefined],
  ['low: firing warning, 10.3 (within 5 % of 10)', 'low_balance', 10.3, 'warning', 'warning'],
  ['low: firing warning, 10.6 (cleared)', 'low_balance', 10.6, 'warning', undefined],
  ['low: firing critical, 2.05 (within 5 % of 2)', 'low_balance', 2.05, 'critical', 'critical'],
  ['low: firing critical, 2.2 (de-escalates to warning)', 'low_balance', 2.2, 'critical', 'warning'],
  ['low: firing warning, 1.9 (escalates)', 'low_balance', 1.9, 'warning', 'critical'],
  ['runway: not firing, 73 h over 72 h', 'depletion_forecast', 73, undefined, undefined],
  // depletion_forecast adds HOLD (half the horizon) to the 5 %: it clears at 72 h × 1.55 = 111.6 h, 24 h × 1.55 = 37.2 h.
  ['runway: firing warning, 73 h (within 5 % of 72 h)', 'depletion_forecast', 73, 'warning', 'warning'],
  ['runway: firing warning, 110 h (within 55 % of 72 h)', 'depletion_forecast', 110, 'warning', 'warning'],
  ['runway: firing warning, 112 h (cleared)', 'depletion_forecast', 112, 'warning', undefined],
  ['runway: firing critical, 37 h (within 55 % of 24 h)', 'depletion_forecast', 37, 'critical', 'critical'],
  ['runway: firing critical, 38 h (de-escalates to warning)', 'depletion_forecast', 38, 'critical', 'warning'],
];
for (const [name, rule, value, firingNow, expected] of hysteresis) {
  test(`hysteresis: ${name} → ${expected ?? 'none'}`, () => {
    const settings = { lowBalanceThreshold: 10, criticalBalanceThreshold: 2, hysteresisPercent: 5 };
    const firing: Conditions = firingNow ? { [rule]: firingNow } : {};
    const result =
      rule === 'low_balance'
        ? fired(withBalance(value), NOT_BURNING, settings, firing)
        : fired(withBalance(100), forecastWith(value * HOUR_S), settings, firing);
    assert.equal(result[rule], expected);
  });
}

test('low_balance with the balance unknown (a 402 without current_balance) holds only at a severity a threshold still defines', () => {
  const held = (settings: Partial<RuleSettings>, firing: Severity) => fired(withBalance(null, { exhausted: true }), NOT_BURNING, settings, { low_balance: firing }).low_balance;
  const both = { lowBalanceThreshold: 10, criticalBalanceThreshold: 2 };
  assert.equal(held(both, 'warning'), 'warning');
  assert.equal(held(both, 'critical'), 'critical');
  assert.equal(held({ lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined }, 'warning'), undefined, 'a reload removed the thresholds: resolved');
  assert.equal(held({ lowBalanceThreshold: 10, criticalBalanceThreshold: undefined }, 'critical'), 'warning', 'the critical threshold removed');
  assert.equal(held({ lowBalanceThreshold: undefined, criticalBalanceThreshold: 2 }, 'warning'), undefined, 'no warning threshold left');
  assert.equal(held({ lowBalanceThreshold: undefined, criticalBalanceThreshold: 2 }, 'critical'), 'critical');
  assert.equal(fired(withBalance(null, { exhausted: true }), NOT_BURNING, both).low_balance, undefined, 'none starts without a balance');
});

test('hysteresis 0 %: a firing alert calms down as soon as the value is at the threshold', () => {
  const settings = { lowBalanceThreshold: 10, hysteresisPercent: 0 };
  assert.equal(fired(withBalance(10), NOT_BURNING, settings, { low_balance: 'warning' }).low_balance, undefined);
  assert.equal(fired(withBalance(9.99), NOT_BURNING, settings, { low_balance: 'warning' }).low_balance, 'warning');
});

test('depletion_forecast follows RUNWAY_WARNING_HOURS / RUNWAY_CRITICAL_HOURS', () => {
  const settings = { runwayWarningHours: 10, runwayCriticalHours: 2 };
  assert.equal(fired(withBalance(100), forecastWith(11 * HOUR_S), settings).depletion_forecast, undefined);
  assert.equal(fired(withBalance(100), forecastWith(9 * HOUR_S), settings).depletion_forecast, 'warning');
  assert.equal(fired(withBalance(100), forecastWith(1 * HOUR_S), settings).depletion_forecast, 'critical');
});

// ---------------------------------------------------------------- wallet_exhausted

const exhausted: Array<[string, PollOutcome[], Severity | undefined]> = [
  ['a 402', [ok(0, 402)], 'critical'],
  ['a 402 with current_balance 0.25', [ok(0.25, 402)], 'critical'],
  ['a 402 without current_balance', [ok(null, 402)], 'critical'],
  ['a 200 with balance 0', [ok(0)], 'critical'],
  ['a 200 with a negative balance', [ok(-3)], 'critical'],
  ['a 200 with balance 5', [ok(5)], undefined],
  ['402 then 200 with balance 5 (resolved)', [ok(0, 402), ok(5)], undefined],
  ['402 then 200 with balance 0.01 (resolved)', [ok(0, 402), ok(0.01)], undefined],
  ['402 then 402 with current_balance 0.25', [ok(0, 402), ok(0.25, 402)], 'critical'],
  ['402 then 200 with balance 0', [ok(0, 402), ok(0)], 'critical'],
  ['402 then failed polls', [ok(0, 402), failed('server'), failed('timeout')], 'critical'],
  ['402, failure, then 200 with balance 10', [ok(0, 402), failed('network'), ok(10)], undefined],
];
for (const [name, outcomes, expected] of exhausted) {
  test(`wallet_exhausted: ${name} → ${expected ?? 'none'}`, () => {
    const state = run(outcomes);
    assert.equal(state.exhausted, expected !== undefined);
    assert.equal(fired(state, forecastWith(0)).wallet_exhausted, expected);
  });
}

// ---------------------------------------------------------------- auth_failed

const auth: Array<[string, PollOutcome[], Severity | undefined]> = [
  ['a failed poll of kind auth', [failed('auth')], 'critical'],
  ['success then auth failure', [ok(10), failed('auth')], 'critical'],
  ['auth failure then success', [failed('auth'), ok(10)], undefined],
  ['auth failure then a 402 (a successful poll)', [failed('auth'), ok(0, 402)], undefined],
  ['auth failure then a server error', [failed('auth'), failed('server')], 'critical'],
  ['a server error', [failed('server')], undefined],
];
for (const [name, outcomes, expected] of auth) {
  test(`auth_failed: ${name} → ${expected ?? 'none'}`, () => {
    assert.equal(fired(run(outcomes)).auth_failed, expected);
  });
}

// ---------------------------------------------------------------- poll_failing

const F = failed('server');
const pollFailing: Array<[string, PollOutcome[], Severity | undefined]> = [
  ['1 failure', [F], undefined],
  ['2 failures', [F, failed('timeout')], undefined],
  ['3 failures in a row', [F, failed('timeout'), failed('network')], 'warning'],
  ['5 failures in a row', [F, F, F, F, F], 'warning'],
  ['3 failures then a success', [F, F, F, ok(10)], undefined],
  ['2 failures, success, 2 failures', [F, F, ok(10), F, F], undefined],
  ['2 failures, success, 3 failures', [F, F, ok(10), F, F, F], 'warning'],
  ['3 failures then a 402', [F, F, F, ok(0, 402)], undefined],
  ['3 rate-limited polls that ran', [failed('rate_limited', 1000), failed('rate_limited', 1000), failed('rate_limited', 1000)], 'warning'],
];
for (const [name, outcomes, expected] of pollFailing) {
  test(`poll_failing: ${name} → ${expected ?? 'none'}`, () => {
    const state = run(outcomes);
    assert.equal(fired(state).poll_failing, expected);
  });
}

test('evaluateRules: a healthy account fires nothing', () => {
  assert.deepEqual(fired(run([ok(500), ok(499)]), forecastWith(1000 * HOUR_S), { lowBalanceThreshold: 10, criticalBalanceThreshold: 5 }), {});
});

test('evaluateRules: several alerts at once, each with its severity', () => {
  const state = run([ok(0.5, 402), failed('auth'), failed('auth'), failed('auth')]);
  const expected: Partial<Record<AlertName, Severity>> = {
    low_balance: 'critical',
    wallet_exhausted: 'critical',
    auth_failed: 'critical',
    poll_failing: 'warning',
  };
  assert.deepEqual(fired(state, forecastWith(60), { lowBalanceThreshold: 10, criticalBalanceThreshold: 1 }), expected);
});

// ---------------------------------------------------------------- rate limiting

test('a 429 with retryAfterMs 5000 → rate limited until now + 5000, free from then on', () => {
  const now = T0 + 42;
  const { state } = applyPoll(INITIAL_ACCOUNT_STATE, { ok: false, kind: 'rate_limited', message: '429', retryAfterMs: 5000 }, now, 1);
  const table: Array<[number, boolean]> = [
    [now, true],
    [now + 1, true],
    [now + 4999, true],
    [now + 5000, false],
    [now + 60_000, false],
  ];
  for (const [t, expected] of table) assert.equal(isRateLimited(state, t), expected, `at now + ${t - now} ms`);
  assert.equal(state.consecutiveFailures, 1, 'a 429 poll ran and failed');
});

test('rate limiting: none initially; a later success clears it; other failures keep it', () => {
  assert.equal(isRateLimited(INITIAL_ACCOUNT_STATE, T0), false);
  const limited = applyPoll(INITIAL_ACCOUNT_STATE, failed('rate_limited', 60_000), T0, 1).state;
  const afterServerError = applyPoll(limited, failed('server'), T0 + 1000, 1).state;
  assert.equal(isRateLimited(afterServerError, T0 + 2000), true);
  const afterSuccess = applyPoll(limited, ok(10), T0 + 1000, 1).state;
  assert.equal(isRateLimited(afterSuccess, T0 + 2000), false);
});

// ---------------------------------------------------------------- balance and samples

test('a 402 without current_balance records no sample and leaves the balance null', () => {
  const r = applyPoll(INITIAL_ACCOUNT_STATE, ok(null, 402), T0, 1);
  assert.equal(r.state.balance, null);
  assert.equal(sampleCount(r.state.history.samples), 0);
  assert.equal(r.consumed, 0);
  assert.equal(r.state.exhausted, true);
  assert.equal(r.state.lastSuccessAt, T0);

  const withHistory = run([ok(10), ok(9)]);
  const r2 = applyPoll(withHistory, ok(null, 402), T0 + 5 * MIN, 1);
  assert.deepEqual(r2.state.history, withHistory.history, 'no sample added');
});

test('a 402 with current_balance records it as a sample', () => {
  const s = run([ok(10), ok(0.25, 402)]);
  assert.equal(s.balance, 0.25);
  assert.deepEqual(samplesToPlain(s.history.samples).map((x) => x.balance), [10, 0.25]);
  assert.equal(s.history.consumedTotal, 9.75);
});

test('a 402 leaves nothing to spend: the runway is 0 whatever current_balance says, or when it says nothing; a 200 above 0 brings the forecast back', () => {
  const burning = run(Array.from({ length: 30 }, (_, i) => ok(100 - i * 2)));
  assert.ok(forecast(burning.history, headroom(burning), T0 + 29 * MIN).runwaySeconds > 0);
  for (const balance of [0.25, null]) {
    const s = applyPoll(burning, ok(balance, 402), T0 + 30 * MIN, 1).state;
    assert.equal(headroom(s), 0, String(balance));
    assert.equal(forecast(s.history, headroom(s), T0 + 30 * MIN).runwaySeconds, 0, `402 with current_balance ${balance}`);
  }
  const toppedUp = applyPoll(applyPoll(burning, ok(0.25, 402), T0 + 30 * MIN, 1).state, ok(500), T0 + 31 * MIN, 1).state;
  assert.equal(headroom(toppedUp), 500);
});

const failureKinds: UpstreamErrorKind[] = ['bad_request', 'auth', 'rate_limited', 'server', 'timeout', 'network', 'bad_response', 'unexpected_status'];
for (const kind of failureKinds) {
  test(`a failed poll (${kind}) never changes the balance or adds a sample`, () => {
    const before = run([ok(100), ok(98)]);
    const r = applyPoll(before, failed(kind, 1000), T0 + 10 * MIN, 1);
    assert.equal(r.state.balance, 98);
    assert.equal(r.state.currency, 'USD');
    assert.deepEqual(r.state.history, before.history);
    assert.equal(r.consumed, 0);
    assert.equal(r.topup, false);
    assert.equal(r.state.lastSuccessAt, before.lastSuccessAt);
    assert.equal(r.state.lastPollAt, T0 + 10 * MIN);
    assert.deepEqual(r.state.lastError, { kind, message: `failed: ${kind}` });
    // From the initial state too: still no balance.
    const fromInitial = applyPoll(INITIAL_ACCOUNT_STATE, failed(kind), T0, 1).state;
    assert.equal(fromInitial.balance, null);
    assert.equal(sampleCount(fromInitial.history.samples), 0);
  });
}

test('a success records the balance and currency and reports consumption and top-ups', () => {
  const s1 = applyPoll(INITIAL_ACCOUNT_STATE, ok(100), T0, 1);
  assert.equal(s1.state.balance, 100);
  assert.equal(s1.state.currency, 'USD');
  const s2 = applyPoll(s1.state, ok(97), T0 + MIN, 1);
  assert.equal(s2.consumed, 3);
  const s3 = applyPoll(s2.state, ok(197), T0 + 2 * MIN, 1);
  assert.equal(s3.topup, true);
  assert.equal(s3.consumed, 0);
  const expected = recordSample(recordSample(recordSample(EMPTY_HISTORY, T0, 100, 1).history, T0 + MIN, 97, 1).history, T0 + 2 * MIN, 197, 1).history;
  assert.deepEqual(s3.state.history, expected);
  assert.equal(s3.state.lastError, null);
});

// ---- spend_anomaly: recent spend far above what the pattern expects, with a floor --------------------

const anomalyCases: Array<[string, number | null, number | null, 'warning' | undefined, 'warning' | null]> = [
  // name, recent 3h spend, expected, firing now, expected severity
  ['unknown expectation → quiet', 500, null, undefined, null],
  ['no recent spend known → quiet', null, 10, undefined, null],
  ['3× expected and 20 above → fires', 30, 10, undefined, 'warning'],
  ['2.9× expected → quiet', 29, 10, undefined, null],
  ['far above but under the 10-credit floor (tiny wallet) → quiet', 0.9, 0.1, undefined, null],
  ['firing: 2.9× holds thanks to hysteresis', 29, 10, 'warning', 'warning'],
  ['firing: 2.8× (below 3/1.05) resolves', 28, 10, 'warning', null],
  ['firing: 3.2× but only 8.8 above, under the floor → holds (the whole floor starts it, half of it keeps it)', 12.8, 4, 'warning', 'warning'],
  ['not firing: 3.2× but only 8.8 above → quiet', 12.8, 4, undefined, null],
  ['firing: no spend where none was expected (0 ≥ 3 × 0) → resolves, not "spent 0 USD in the last 3 hours" every repeat', 0, 0, 'warning', null],
  ['firing: 4 above nothing expected, under half the floor → resolves', 4, 0, 'warning', null],
  ['firing: 6 above nothing expected, over half the floor → holds', 6, 0, 'warning', 'warning'],
];
for (const [name, recentSpend, expectedRecentSpend, firing, want] of anomalyCases) {
  test(`spend_anomaly: ${name}`, () => {
    const forecast = forecastWith(Infinity, { recentSpend, expectedRecentSpend });
    const c = evaluateRules({ state: INITIAL_ACCOUNT_STATE, forecast, settings: RULES, firing: firing ? { spend_anomaly: firing } : {} });
    assert.equal(c.spend_anomaly ?? null, want);
  });
}

test('depletion_forecast compares each severity with its own decision runway, not the central one', () => {
  const rule = (extra: Partial<Forecast>, firing?: Severity) =>
    evaluateRules({ state: INITIAL_ACCOUNT_STATE, forecast: forecastWith(100 * HOUR_S, extra), settings: RULES, firing: firing ? { depletion_forecast: firing } : {} }).depletion_forecast ?? null;
  // The cautious end (thin evidence) above the horizon: quiet although the central runway is shorter.
  assert.equal(rule({ runwaySeconds: 60 * HOUR_S, alertRunwaySeconds: 80 * HOUR_S, criticalAlertRunwaySeconds: 80 * HOUR_S, cautious: true }), null);
  // Warning from the long-window decision, critical only from the critical one (a burst both short windows agree on).
  assert.equal(rule({ alertRunwaySeconds: 70 * HOUR_S, criticalAlertRunwaySeconds: 70 * HOUR_S }), 'warning');
  assert.equal(rule({ alertRunwaySeconds: 70 * HOUR_S, criticalAlertRunwaySeconds: 20 * HOUR_S }), 'critical');
  assert.equal(rule({ alertRunwaySeconds: 20 * HOUR_S, criticalAlertRunwaySeconds: 30 * HOUR_S }), 'warning');
  // Hysteresis per severity, each on its own decision: critical holds until its runway passes 24 h × 1.55, then
  // drops to warning, which holds until its runway passes 72 h × 1.55 (a swing of the forecast does not re-fire it).
  assert.equal(rule({ alertRunwaySeconds: 37 * HOUR_S, criticalAlertRunwaySeconds: 37 * HOUR_S }, 'critical'), 'critical');
  assert.equal(rule({ alertRunwaySeconds: 38 * HOUR_S, criticalAlertRunwaySeconds: 38 * HOUR_S }, 'critical'), 'warning');
  assert.equal(rule({ alertRunwaySeconds: 90 * HOUR_S, criticalAlertRunwaySeconds: 30 * HOUR_S }, 'critical'), 'critical');
  assert.equal(rule({ alertRunwaySeconds: 110 * HOUR_S, criticalAlertRunwaySeconds: 110 * HOUR_S }, 'warning'), 'warning');
  // Past 72 h × 1.55 it resolves (a top-up of a few days' spend gets there at once).
  assert.equal(rule({ alertRunwaySeconds: 112 * HOUR_S, criticalAlertRunwaySeconds: 112 * HOUR_S }, 'warning'), null);
});

test('depletion_forecast: a forecast that swings above the horizon and back is one alert, not a new one each time', () => {
  // A day's pattern re-read, a quiet night: the runway read every hour goes 70 → 100 h → 68 h (issue 9: each
  // resolve and re-fire was a second alarm for the same shortfall). Then a top-up lifts it to 200 h.
  const runways = [70, 78, 90, 100, 85, 74, 68, 66, 200];
  let book: AlertBook = {};
  const sent: string[] = [];
  runways.forEach((hours, i) => {
    const conditions = evaluateRules({ state: withBalance(100), forecast: forecastWith(hours * HOUR_S), settings: RULES, firing: firingSeverities(book) });
    const policy = repeatPolicy({ repeatIntervalMs: 24 * HOUR_S * 1000, repeatRunwayFraction: 0 });
    const wallet = { balance: 100, currency: null, burnRatePerHour: null, runwaySeconds: null };
    const step = stepAlerts(book, conditions, T0 + i * HOUR_S * 1000, { account: 'default', policy, wallet });
    book = step.book;
    sent.push(...step.notifications.map((n) => `${i}:${n.status}`));
  });
  assert.deepEqual(sent, ['0:firing', '8:resolved']);
});

test('depletion_forecast: once firing, a drop read from the last day alone does not resolve it (it holds on the week too)', () => {
  const rule = (extra: Partial<Forecast>, firing?: Severity) =>
    evaluateRules({ state: INITIAL_ACCOUNT_STATE, forecast: forecastWith(130 * HOUR_S, extra), settings: RULES, firing: firing ? { depletion_forecast: firing } : {} }).depletion_forecast ?? null;
  // The last 24 h read as a drop (runway 130 h) while the week still says 71 h: a firing warning holds…
  const drop = { hold: { warning: 71 * HOUR_S, critical: 71 * HOUR_S } };
  assert.equal(rule(drop, 'warning'), 'warning');
  // …a firing critical holds at critical while the week's critical runway is under 24 h (+ hysteresis)…
  assert.equal(rule({ hold: { warning: 20 * HOUR_S, critical: 20 * HOUR_S } }, 'critical'), 'critical');
  // …but the hold never fires an alert by itself, and it resolves once the week clears the horizon too.
  assert.equal(rule(drop), null);
  assert.equal(rule({ hold: { warning: 120 * HOUR_S, critical: 120 * HOUR_S } }, 'warning'), null);
  assert.equal(rule({}, 'warning'), null);
});

test('applyPoll currency: absent or unreadable keeps the last plain code (the balance goes on in its series), an old hostile value is dropped', () => {
  const withCurrency = (c: string | null): AccountState => ({ ...INITIAL_ACCOUNT_STATE, currency: c });
  const outcome = (currency: string | null, currencyProblem: string | null = null): PollOutcome => ({ ok: true, status: 200, balance: 5, currency, currencyProblem, requiredCredits: null });
  const cases: Array<[string, string | null, PollOutcome, string | null]> = [
    ['new code', null, outcome('EUR'), 'EUR'],
    ['absent keeps the last', 'USD', outcome(null), 'USD'],
    ['a code that is not plain keeps the last (the label reads unknown: the monitor)', 'USD', outcome(null, 'not a plain code'), 'USD'],
    ['a code that is not plain, none known → unknown', null, outcome(null, 'not a plain code'), null],
    ['absent, the saved value hostile (older state file) → unknown', '<!channel>', outcome(null), null],
    ['absent, the saved value with a CR → unknown', 'USD\r', outcome(null), null],
  ];
  for (const [name, saved, o, expected] of cases) assert.equal(applyPoll(withCurrency(saved), o, T0, 1).state.currency, expected, name);
});

test('applyPoll: a currency change across a poll whose currency could not be read still starts the history again (15000 JPY then 100 USD is no spend)', () => {
  const read = (balance: number, currency: string | null, currencyProblem: string | null = null): PollOutcome => ({ ok: true, status: 200, balance, currency, currencyProblem, requiredCredits: null });
  let s: AccountState = INITIAL_ACCOUNT_STATE;
  let consumed = 0;
  [read(15_000, 'JPY'), read(15_000, null, 'not a plain code'), read(100, 'USD')].forEach((o, i) => {
    const r = applyPoll(s, o, T0 + i * 60_000, 1);
    s = r.state;
    consumed += r.consumed;
  });
  assert.equal(consumed, 0);
  assert.equal(s.currency, 'USD');
  assert.equal(sampleCount(s.history.samples), 1, 'the history starts again at the USD balance');
});
