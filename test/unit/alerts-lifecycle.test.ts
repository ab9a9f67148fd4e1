/**
 * The alert lifecycle (contract section 5): the pure state machine in stepAlerts with the time passed in,
 * the repeat interval, and observe() end to end over hand-made sequences of poll outcomes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleSettings } from '../../src/config/settings.js';
import { INITIAL_ACCOUNT_STATE, type AccountState, type PollOutcome } from '../../src/domain/account.js';
import {
  alertId,
  firingSeverities,
  repeatInterval,
  stepAlerts,
  type AlertBook,
  type AlertInstance,
  type Notification,
  type RepeatPolicy,
  type WalletSnapshot,
} from '../../src/domain/alerts.js';
import { observe, repeatPolicy, unwatch, type EvaluationConfig } from '../../src/domain/evaluate.js';
import { forecast } from '../../src/domain/forecast.js';
import { describe } from '../../src/domain/basis.js';
import { action, formatBalance, summary } from '../../src/domain/messages.js';
import type { AlertName, Conditions, Severity } from '../../src/domain/rules.js';
import type { UpstreamErrorKind } from '../../src/errors.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const ACCOUNT = 'default';

const POLICY: RepeatPolicy = { repeatIntervalMs: 4 * HOUR, runwayFraction: 0, minRepeatIntervalMs: 5 * MIN };
const WALLET: WalletSnapshot = { balance: 50, currency: 'USD', burnRatePerHour: null, runwaySeconds: null };

function ctx(over: { policy?: RepeatPolicy; wallet?: Partial<WalletSnapshot>; account?: string } = {}) {
  return { account: over.account ?? ACCOUNT, policy: over.policy ?? POLICY, wallet: { ...WALLET, ...over.wallet } };
}

/** A book holding one alert that started at `startsAt` and was last notified at `lastNotifiedAt`. */
function firing(name: AlertName, severity: Severity, startsAt = T0, lastNotifiedAt = startsAt): AlertBook {
  const a: AlertInstance = { id: alertId(ACCOUNT, name, startsAt), alertname: name, severity, startsAt, lastNotifiedAt };
  return { [name]: a };
}

/** Compact view of a notification: `alertname status severity reason`. */
const brief = (n: Notification): string => `${n.alertname} ${n.status} ${n.severity} ${n.reason}`;

// ---------------------------------------------------------------- stepAlerts: one transition at a time

test('quiet → quiet: nothing fires, nothing is notified, the book stays empty', () => {
  const r = stepAlerts({}, {}, T0, ctx());
  assert.deepEqual(r.notifications, []);
  assert.deepEqual(r.book, {});
});

const starts: Array<[AlertName, Severity]> = [
  ['low_balance', 'warning'],
  ['low_balance', 'critical'],
  ['depletion_forecast', 'warning'],
  ['wallet_exhausted', 'critical'],
  ['auth_failed', 'critical'],
  ['poll_failing', 'warning'],
];
for (const [name, severity] of starts) {
  test(`quiet → firing (${name}, ${severity}): one 'start' notification, id = alertId(account, name, now)`, () => {
    const now = T0 + 123_456;
    const r = stepAlerts({}, { [name]: severity }, now, ctx());
    assert.equal(r.notifications.length, 1);
    const n = r.notifications[0]!;
    const id = alertId(ACCOUNT, name, now);
    assert.deepEqual(n, {
      id,
      account: ACCOUNT,
      alertname: name,
      severity,
      status: 'firing',
      reason: 'start',
      startsAt: now,
      decidedAt: now,
      wallet: WALLET,
    });
    assert.deepEqual(r.book, { [name]: { id, alertname: name, severity, startsAt: now, lastNotifiedAt: now } });
  });
}

// Firing, same severity: silent before the repeat interval (4 h), a repeat at it or up to 30 s (2 % of
// it, at most 30 s) before: a poll's time is taken when its answer is in, a few ms either side of its slot.
const repeats: Array<[string, number, boolean]> = [
  ['same instant', 0, false],
  ['1 min later', MIN, false],
  ['31 s before the interval', 4 * HOUR - 31_000, false],
  ['1 ms before the interval (a poll answered a moment sooner than the last)', 4 * HOUR - 1, true],
  ['30 s before the interval', 4 * HOUR - 30_000, true],
  ['exactly at the interval', 4 * HOUR, true],
  ['1 h after the interval', 5 * HOUR, true],
];
for (const [name, elapsed, expectRepeat] of repeats) {
  test(`firing, same severity, ${name} → ${expectRepeat ? "'repeat'" : 'nothing'}`, () => {
    const book = firing('low_balance', 'warning');
    const now = T0 + elapsed;
    const r = stepAlerts(book, { low_balance: 'warning' }, now, ctx());
    const id = alertId(ACCOUNT, 'low_balance', T0);
    if (expectRepeat) {
      assert.deepEqual(r.notifications.map(brief), ['low_balance firing warning repeat']);
      assert.equal(r.notifications[0]!.id, id);
      assert.equal(r.notifications[0]!.startsAt, T0);
      assert.equal(r.notifications[0]!.decidedAt, now);
      assert.equal(r.book.low_balance?.lastNotifiedAt, now);
    } else {
      assert.deepEqual(r.notifications, []);
      assert.equal(r.book.low_balance?.lastNotifiedAt, T0);
    }
    assert.equal(r.book.low_balance?.id, id);
    assert.equal(r.book.low_balance?.startsAt, T0);
  });
}

test('polls every 2 s with a 6 s repeat interval and a few ms of jitter in when each answer came: a repeat every 6 s, never 8 s', () => {
  const policy: RepeatPolicy = { repeatIntervalMs: 6_000, runwayFraction: 0, minRepeatIntervalMs: 1_000 };
  let book = firing('low_balance', 'warning');
  const sent: number[] = [];
  for (let k = 1; k <= 30; k++) {
    const now = T0 + k * 2_000 + ((k * 7) % 5) - 2; // -2 … +2 ms around the slot
    const r = stepAlerts(book, { low_balance: 'warning' }, now, { ...ctx(), policy });
    if (r.notifications.length > 0) sent.push(now);
    book = r.book;
  }
  const gaps = sent.slice(1).map((t, i) => Math.round((t - sent[i]!) / 1000));
  assert.deepEqual([...new Set(gaps)], [6], `gaps between repeats (s): ${gaps.join(', ')}`);
});

test('repeats keep coming every interval, measured from the last notification, with the same id', () => {
  let book = firing('poll_failing', 'warning');
  const sent: Array<[number, string]> = [];
  for (let now = T0 + 30 * MIN; now <= T0 + 13 * HOUR; now += 30 * MIN) {
    const r = stepAlerts(book, { poll_failing: 'warning' }, now, ctx());
    for (const n of r.notifications) {
      assert.equal(n.id, alertId(ACCOUNT, 'poll_failing', T0));
      sent.push([(now - T0) / HOUR, n.reason]);
    }
    book = r.book;
  }
  assert.deepEqual(sent, [
    [4, 'repeat'],
    [8, 'repeat'],
    [12, 'repeat'],
  ]);
});

test('repeat uses the runway-shortened interval: runway 8 h, fraction 0.25 → repeat after 2 h, not 4 h', () => {
  const policy: RepeatPolicy = { ...POLICY, runwayFraction: 0.25 };
  const book = firing('depletion_forecast', 'warning');
  const wallet = { runwaySeconds: 8 * 3600 };
  assert.deepEqual(stepAlerts(book, { depletion_forecast: 'warning' }, T0 + 2 * HOUR - 31_000, ctx({ policy, wallet })).notifications, []);
  const r = stepAlerts(book, { depletion_forecast: 'warning' }, T0 + 2 * HOUR, ctx({ policy, wallet }));
  assert.deepEqual(r.notifications.map(brief), ['depletion_forecast firing warning repeat']);
});

for (const elapsed of [0, MIN, 3 * HOUR + 59 * MIN]) {
  test(`warning → critical ${elapsed / MIN} min after the start: 'escalation' at once, same id`, () => {
    const book = firing('low_balance', 'warning');
    const now = T0 + elapsed;
    const r = stepAlerts(book, { low_balance: 'critical' }, now, ctx());
    assert.deepEqual(r.notifications.map(brief), ['low_balance firing critical escalation']);
    assert.equal(r.notifications[0]!.id, alertId(ACCOUNT, 'low_balance', T0));
    assert.equal(r.notifications[0]!.startsAt, T0);
    assert.deepEqual(r.book.low_balance, { id: alertId(ACCOUNT, 'low_balance', T0), alertname: 'low_balance', severity: 'critical', startsAt: T0, lastNotifiedAt: now });
  });
}

test('escalation restarts the repeat clock: the next repeat is one interval after the escalation', () => {
  const escalatedAt = T0 + HOUR;
  let r = stepAlerts(firing('low_balance', 'warning'), { low_balance: 'critical' }, escalatedAt, ctx());
  assert.equal(r.notifications.length, 1);
  r = stepAlerts(r.book, { low_balance: 'critical' }, T0 + 4 * HOUR, ctx()); // 4 h after the start, 3 h after escalation
  assert.deepEqual(r.notifications, []);
  r = stepAlerts(r.book, { low_balance: 'critical' }, escalatedAt + 4 * HOUR, ctx());
  assert.deepEqual(r.notifications.map(brief), ['low_balance firing critical repeat']);
});

test('critical → warning: silent, severity updated; the next repeat carries warning and the same id', () => {
  const book = firing('low_balance', 'critical');
  const down = stepAlerts(book, { low_balance: 'warning' }, T0 + 10 * MIN, ctx());
  assert.deepEqual(down.notifications, []);
  assert.equal(down.book.low_balance?.severity, 'warning');
  assert.equal(down.book.low_balance?.lastNotifiedAt, T0, 'de-escalation is not a notification');
  assert.deepEqual(firingSeverities(down.book), { low_balance: 'warning' });

  const quiet = stepAlerts(down.book, { low_balance: 'warning' }, T0 + 4 * HOUR - 31_000, ctx());
  assert.deepEqual(quiet.notifications, []);
  const rep = stepAlerts(quiet.book, { low_balance: 'warning' }, T0 + 4 * HOUR, ctx());
  assert.deepEqual(rep.notifications.map(brief), ['low_balance firing warning repeat']);
  assert.equal(rep.notifications[0]!.id, alertId(ACCOUNT, 'low_balance', T0));
});

test('critical → warning → critical: the second rise escalates again (notified)', () => {
  let r = stepAlerts(firing('depletion_forecast', 'critical'), { depletion_forecast: 'warning' }, T0 + MIN, ctx());
  assert.deepEqual(r.notifications, []);
  r = stepAlerts(r.book, { depletion_forecast: 'critical' }, T0 + 2 * MIN, ctx());
  assert.deepEqual(r.notifications.map(brief), ['depletion_forecast firing critical escalation']);
  assert.equal(r.notifications[0]!.id, alertId(ACCOUNT, 'depletion_forecast', T0));
});

for (const severity of ['warning', 'critical'] as const) {
  test(`firing (${severity}) → condition gone: one 'resolved' with the same id; the book no longer holds it`, () => {
    const now = T0 + 17 * MIN;
    const wallet = { balance: 500 };
    const r = stepAlerts(firing('low_balance', severity), {}, now, ctx({ wallet }));
    assert.deepEqual(r.notifications.map(brief), [`low_balance resolved ${severity} resolve`]);
    const n = r.notifications[0]!;
    assert.equal(n.id, alertId(ACCOUNT, 'low_balance', T0));
    assert.equal(n.startsAt, T0);
    assert.equal(n.decidedAt, now);
    assert.equal(n.wallet.balance, 500);
    assert.deepEqual(r.book, {});
    // And nothing more afterwards.
    assert.deepEqual(stepAlerts(r.book, {}, now + 5 * HOUR, ctx()).notifications, []);
  });
}

test('resolved, then firing again: a NEW id (a new instance), a new start', () => {
  const firstId = alertId(ACCOUNT, 'auth_failed', T0);
  const resolved = stepAlerts(firing('auth_failed', 'critical'), {}, T0 + MIN, ctx());
  assert.equal(resolved.notifications[0]?.id, firstId);
  const again = stepAlerts(resolved.book, { auth_failed: 'critical' }, T0 + 2 * MIN, ctx());
  assert.deepEqual(again.notifications.map(brief), ['auth_failed firing critical start']);
  const secondId = again.notifications[0]!.id;
  assert.notEqual(secondId, firstId);
  assert.equal(secondId, alertId(ACCOUNT, 'auth_failed', T0 + 2 * MIN));
  assert.equal(again.book.auth_failed?.startsAt, T0 + 2 * MIN);
});

test('alertId differs by account, alert name and start time', () => {
  const ids = new Set([
    alertId('default', 'low_balance', T0),
    alertId('other', 'low_balance', T0),
    alertId('default', 'poll_failing', T0),
    alertId('default', 'low_balance', T0 + 1),
  ]);
  assert.equal(ids.size, 4);
});

test('several alerts at once are independent: each starts, repeats, escalates and resolves on its own', () => {
  // At T0: low_balance warning is already firing since T0 - 3 h (last notified then); poll_failing since T0 - 1 h.
  const book: AlertBook = {
    ...firing('low_balance', 'warning', T0 - 3 * HOUR),
    ...firing('poll_failing', 'warning', T0 - HOUR),
    ...firing('depletion_forecast', 'critical', T0 - 2 * HOUR),
  };
  // One hour later: low_balance is due a repeat (4 h), poll_failing resolves, depletion de-escalates
  // silently, auth_failed and wallet_exhausted start.
  const conditions: Conditions = { low_balance: 'warning', depletion_forecast: 'warning', auth_failed: 'critical', wallet_exhausted: 'critical' };
  const now = T0 + HOUR;
  const r = stepAlerts(book, conditions, now, ctx());
  const byName = new Map(r.notifications.map((n) => [n.alertname, n]));
  assert.equal(r.notifications.length, 4);
  assert.equal(brief(byName.get('low_balance')!), 'low_balance firing warning repeat');
  assert.equal(byName.get('low_balance')!.id, alertId(ACCOUNT, 'low_balance', T0 - 3 * HOUR));
  assert.equal(brief(byName.get('poll_failing')!), 'poll_failing resolved warning resolve');
  assert.equal(byName.get('poll_failing')!.id, alertId(ACCOUNT, 'poll_failing', T0 - HOUR));
  assert.equal(brief(byName.get('auth_failed')!), 'auth_failed firing critical start');
  assert.equal(brief(byName.get('wallet_exhausted')!), 'wallet_exhausted firing critical start');
  assert.equal(byName.has('depletion_forecast'), false);
  assert.deepEqual(firingSeverities(r.book), { low_balance: 'warning', depletion_forecast: 'warning', auth_failed: 'critical', wallet_exhausted: 'critical' });
  assert.equal(r.book.depletion_forecast?.id, alertId(ACCOUNT, 'depletion_forecast', T0 - 2 * HOUR));
  assert.equal(r.book.low_balance?.lastNotifiedAt, now);
  assert.equal(r.book.depletion_forecast?.lastNotifiedAt, T0 - 2 * HOUR);
});

test('stepAlerts does not mutate the book it is given', () => {
  const book = firing('low_balance', 'warning');
  const copy = structuredClone(book);
  stepAlerts(book, { low_balance: 'critical', auth_failed: 'critical' }, T0 + 5 * HOUR, ctx());
  stepAlerts(book, {}, T0 + 5 * HOUR, ctx());
  assert.deepEqual(book, copy);
});

// ---------------------------------------------------------------- repeatInterval

const intervals: Array<[string, RepeatPolicy, number | null, number]> = [
  ['runwayFraction 0 → the fixed interval', { repeatIntervalMs: 4 * HOUR, runwayFraction: 0, minRepeatIntervalMs: 5 * MIN }, 3600, 4 * HOUR],
  ['0.25 with runway 8 h, interval 4 h → 2 h', { repeatIntervalMs: 4 * HOUR, runwayFraction: 0.25, minRepeatIntervalMs: 5 * MIN }, 8 * 3600, 2 * HOUR],
  ['0.25 with runway 10 min, floor 5 min → 5 min', { repeatIntervalMs: 4 * HOUR, runwayFraction: 0.25, minRepeatIntervalMs: 5 * MIN }, 600, 5 * MIN],
  ['0.25 with runway 0 → the floor', { repeatIntervalMs: 4 * HOUR, runwayFraction: 0.25, minRepeatIntervalMs: 5 * MIN }, 0, 5 * MIN],
  ['0.25 with runway 100 h → capped at the fixed interval', { repeatIntervalMs: 4 * HOUR, runwayFraction: 0.25, minRepeatIntervalMs: 5 * MIN }, 100 * 3600, 4 * HOUR],
  ['0.25 with runway null → the fixed interval', { repeatIntervalMs: 4 * HOUR, runwayFraction: 0.25, minRepeatIntervalMs: 5 * MIN }, null, 4 * HOUR],
  ['0.25 with runway Infinity → the fixed interval', { repeatIntervalMs: 4 * HOUR, runwayFraction: 0.25, minRepeatIntervalMs: 5 * MIN }, Infinity, 4 * HOUR],
  ['0.25 with runway NaN → the fixed interval', { repeatIntervalMs: 4 * HOUR, runwayFraction: 0.25, minRepeatIntervalMs: 5 * MIN }, NaN, 4 * HOUR],
];
for (const [name, policy, runway, expected] of intervals) {
  test(`repeatInterval: ${name}`, () => {
    assert.equal(repeatInterval(policy, runway), expected);
  });
}

const policies: Array<[{ repeatIntervalMs: number; repeatRunwayFraction: number }, RepeatPolicy]> = [
  [{ repeatIntervalMs: 4 * HOUR, repeatRunwayFraction: 0 }, { repeatIntervalMs: 4 * HOUR, runwayFraction: 0, minRepeatIntervalMs: 5 * MIN }],
  [{ repeatIntervalMs: 4 * HOUR, repeatRunwayFraction: 0.25 }, { repeatIntervalMs: 4 * HOUR, runwayFraction: 0.25, minRepeatIntervalMs: 5 * MIN }],
  // The floor never exceeds the configured interval.
  [{ repeatIntervalMs: 2 * MIN, repeatRunwayFraction: 0.25 }, { repeatIntervalMs: 2 * MIN, runwayFraction: 0.25, minRepeatIntervalMs: 2 * MIN }],
];
for (const [settings, expected] of policies) {
  test(`repeatPolicy(${JSON.stringify(settings)})`, () => {
    assert.deepEqual(repeatPolicy(settings), expected);
  });
}

// ---------------------------------------------------------------- observe(): end to end over poll outcomes

const ok = (balance: number | null, status: 200 | 402 = 200): PollOutcome => ({
  ok: true,
  status,
  balance,
  currency: 'USD',
  requiredCredits: status === 402 ? 5 : null,
});
const fail = (kind: UpstreamErrorKind): PollOutcome => ({ ok: false, kind, message: 'x' });

const BASE_RULES: RuleSettings = { ...DEFAULT_RULES, lowBalanceThreshold: 100, criticalBalanceThreshold: 20 };
// Balances that fall by tens of credits a minute forecast a runway of minutes, which would (rightly) fire
// depletion_forecast too. The balance and status scenarios switch the runway rule off (0 h) so that each
// counts the notifications of the rule under test alone; the depletion scenario has it on.
const NO_RUNWAY_RULE: RuleSettings = { ...BASE_RULES, runwayWarningHours: 0, runwayCriticalHours: 0 };

const config = (rules: RuleSettings, repeatIntervalMs = 24 * HOUR): EvaluationConfig => ({
  account: ACCOUNT,
  rules,
  repeat: { repeatIntervalMs, runwayFraction: 0, minRepeatIntervalMs: 5 * MIN },
});

/** Observes outcomes one minute apart; returns the notifications of each step and the final state. */
function replay(outcomes: readonly PollOutcome[], cfg: EvaluationConfig, start: AccountState = INITIAL_ACCOUNT_STATE, t0 = T0) {
  let state = start;
  const steps: Notification[][] = [];
  outcomes.forEach((o, i) => {
    const r = observe(state, o, t0 + i * MIN, cfg);
    steps.push(r.notifications);
    state = r.state;
  });
  return { state, steps, all: steps.flat() };
}

const briefSteps = (steps: Notification[][]): string[][] => steps.map((ns) => ns.map(brief).sort());

test('observe: an alert before the forecast has evidence says the burn rate is unknown (null), not 0; with evidence, the rate', () => {
  const early = replay([ok(130), ok(95)], config(NO_RUNWAY_RULE)).all.find((n) => n.alertname === 'low_balance');
  assert.equal(early?.wallet.burnRatePerHour, null, 'spend seen, too few readings to forecast: unknown');
  const later = replay([ok(130), ok(125), ok(120), ok(115), ok(110), ok(105), ok(99)], config(NO_RUNWAY_RULE)).all.find((n) => n.alertname === 'low_balance');
  assert.ok(later!.wallet.burnRatePerHour! > 200, `about 310 credits/h: ${later?.wallet.burnRatePerHour}`);
});

test('observe: balance 130 → 95 fires low_balance warning once; 19 escalates to critical; a top-up to 500 resolves it', () => {
  const r = replay([ok(130), ok(95), ok(90), ok(50), ok(19), ok(18), ok(500), ok(499)], config(NO_RUNWAY_RULE));
  assert.deepEqual(briefSteps(r.steps), [
    [],
    ['low_balance firing warning start'],
    [],
    [],
    ['low_balance firing critical escalation'],
    [],
    ['low_balance resolved critical resolve'],
    [],
  ]);
  assert.equal(new Set(r.all.map((n) => n.id)).size, 1, 'one id for start, escalation and resolve');
  assert.equal(r.all[0]!.id, alertId(ACCOUNT, 'low_balance', T0 + MIN));
  assert.equal(r.all[0]!.wallet.balance, 95);
  assert.equal(r.all[1]!.wallet.balance, 19);
  assert.equal(r.all[2]!.wallet.balance, 500);
  assert.deepEqual(r.state.alerts, {});
});

test('observe: a balance hovering just above the threshold after firing at 99 neither resolves nor re-fires (hysteresis); 106 resolves', () => {
  const r = replay([ok(130), ok(99), ok(99.5), ok(100.5), ok(99.8), ok(101), ok(99.9), ok(104.9), ok(106), ok(107)], config(NO_RUNWAY_RULE));
  assert.deepEqual(briefSteps(r.steps), [
    [],
    ['low_balance firing warning start'],
    [],
    [],
    [],
    [],
    [],
    [],
    ['low_balance resolved warning resolve'],
    [],
  ]);
  assert.equal(r.all.length, 2);
  assert.equal(r.all[0]!.id, r.all[1]!.id);
});

test('observe: without firing first, a balance of 100.5 or 99.9 → 100.5 is judged against the bare threshold', () => {
  // Hysteresis only holds a FIRING alert: not firing, 100.5 is fine; 99.9 fires; 100.5 then does not resolve.
  const r = replay([ok(100.5), ok(99.9), ok(100.5)], config(NO_RUNWAY_RULE));
  assert.deepEqual(briefSteps(r.steps), [[], ['low_balance firing warning start'], []]);
});

test('observe: critical hysteresis: 19 fires critical, 20.5 stays critical, 22 de-escalates silently, the repeat carries warning', () => {
  const cfg = config(NO_RUNWAY_RULE, 4 * HOUR);
  const r = replay([ok(130), ok(19), ok(20.5), ok(22)], cfg);
  assert.deepEqual(briefSteps(r.steps), [[], ['low_balance firing critical start'], [], []]);
  assert.equal(r.state.alerts.low_balance?.severity, 'warning');
  // Polls go on at 22 every minute; the repeat comes 4 h after the start, with the current severity.
  const startedAt = T0 + MIN;
  const later = replay(Array.from({ length: 240 }, () => ok(22)), cfg, r.state, T0 + 4 * MIN);
  const notes = later.all.map((n) => [n.decidedAt - startedAt, brief(n), n.id] as const);
  assert.deepEqual(notes, [[4 * HOUR, 'low_balance firing warning repeat', alertId(ACCOUNT, 'low_balance', startedAt)]]);
});

test('observe: a 402 fires wallet_exhausted (critical) at once; the next 200 with balance > 0 resolves it', () => {
  // The 402's current_balance (0) is also a low balance, so low_balance fires and resolves alongside.
  const r = replay([ok(150), ok(0, 402), ok(0, 402), ok(0), ok(500), ok(499)], config(NO_RUNWAY_RULE));
  assert.deepEqual(briefSteps(r.steps), [
    [],
    ['low_balance firing critical start', 'wallet_exhausted firing critical start'],
    [],
    [],
    ['low_balance resolved critical resolve', 'wallet_exhausted resolved critical resolve'],
    [],
  ]);
  const exhausted = r.all.filter((n) => n.alertname === 'wallet_exhausted');
  assert.equal(exhausted.length, 2);
  assert.equal(exhausted[0]!.id, exhausted[1]!.id);
});

test('observe: a 402 with a few cents left: the notification says the wallet is empty, not that its balance is 0', () => {
  const r = replay([ok(150), ok(0.25, 402)], config(NO_RUNWAY_RULE));
  const exhausted = r.all.find((n) => n.alertname === 'wallet_exhausted')!;
  assert.equal(exhausted.wallet.balance, 0.25);
  assert.equal(exhausted.wallet.forecast?.basis, 'Nothing is left to spend: the wallet is empty.');
});

test('observe: wallet_exhausted resolves at the first 200 above 0 even if the balance is still low', () => {
  const r = replay([ok(150), ok(0, 402), ok(10), ok(11)], config(NO_RUNWAY_RULE));
  assert.deepEqual(briefSteps(r.steps), [
    [],
    ['low_balance firing critical start', 'wallet_exhausted firing critical start'],
    ['wallet_exhausted resolved critical resolve'],
    [],
  ]);
  assert.deepEqual(firingSeverities(r.state.alerts), { low_balance: 'critical' });
});

test('observe: a 402 without current_balance fires wallet_exhausted alone', () => {
  const r = replay([ok(150), ok(null, 402), ok(150)], config(NO_RUNWAY_RULE));
  assert.deepEqual(briefSteps(r.steps), [[], ['wallet_exhausted firing critical start'], ['wallet_exhausted resolved critical resolve']]);
});

test('observe: three failed polls fire poll_failing on the third, not before; a success resolves it', () => {
  const r = replay([ok(500), fail('network'), fail('network'), fail('network'), fail('network'), fail('network'), ok(500)], config(NO_RUNWAY_RULE));
  assert.deepEqual(briefSteps(r.steps), [[], [], [], ['poll_failing firing warning start'], [], [], ['poll_failing resolved warning resolve']]);
});

test('observe: two failures, a success, two failures never fire poll_failing', () => {
  const r = replay([fail('network'), fail('timeout'), ok(500), fail('server'), fail('network'), ok(500)], config(NO_RUNWAY_RULE));
  assert.deepEqual(r.all, []);
});

test('observe: a 401 fires auth_failed (critical) at once; the next success resolves it', () => {
  const r = replay([ok(500), fail('auth'), ok(500), ok(500)], config(NO_RUNWAY_RULE));
  assert.deepEqual(briefSteps(r.steps), [[], ['auth_failed firing critical start'], ['auth_failed resolved critical resolve'], []]);
  assert.equal(r.all[0]!.id, r.all[1]!.id);
});

test('observe: a 401 as the very first poll: auth_failed with an unknown wallet', () => {
  const r = replay([fail('auth')], config(NO_RUNWAY_RULE));
  assert.deepEqual(briefSteps(r.steps), [['auth_failed firing critical start']]);
  const { forecast: basis, ...wallet } = r.all[0]!.wallet;
  assert.deepEqual(wallet, { balance: null, currency: null, burnRatePerHour: null, runwaySeconds: null });
  assert.equal(basis?.method, 'none');
});

test('observe: depletion_forecast fires when a steady burn takes the runway under RUNWAY_WARNING_HOURS; a top-up above it (by more than the hysteresis) resolves it', () => {
  // 1 credit a minute, from a balance whose forecast runway starts well above 72 h. The exact minute the
  // runway crosses 72 h is the forecast's business; the lifecycle must fire exactly there, once.
  const cfg = config(BASE_RULES);
  const LIMIT_S = 72 * 3600;
  let state: AccountState = INITIAL_ACCOUNT_STATE;
  let firedAt = -1;
  let start: Notification | undefined;
  let previousRunway = Infinity;
  let k = 0;
  for (; k < 48 * 60 && !start; k++) {
    const r = observe(state, ok(6000.5 - k), T0 + k * MIN, cfg);
    const runway = r.forecast.alertRunwaySeconds;
    if (r.notifications.length > 0) {
      assert.deepEqual(r.notifications.map(brief), ['depletion_forecast firing warning start'], `minute ${k}`);
      assert.ok(runway < LIMIT_S, `fired at minute ${k} with runway ${runway / 3600} h`);
      assert.ok(previousRunway >= LIMIT_S, `runway was already ${previousRunway / 3600} h at minute ${k - 1}, but nothing fired`);
      firedAt = k;
      start = r.notifications[0];
    } else {
      assert.ok(runway >= LIMIT_S, `runway ${runway / 3600} h at minute ${k}, but nothing fired`);
    }
    previousRunway = runway;
    state = r.state;
  }
  assert.ok(start, 'depletion_forecast never fired over two days of steady burn');
  assert.ok(firedAt > 2, `fired at minute ${firedAt}: the starting runway is above 72 h`);
  assert.equal(start.id, alertId(ACCOUNT, 'depletion_forecast', T0 + firedAt * MIN));
  assert.ok(start.wallet.runwaySeconds !== null && start.wallet.burnRatePerHour !== null && start.wallet.burnRatePerHour > 0);

  // Burning on for a while longer: still firing, nothing more (no repeat within 24 h).
  for (let i = 0; i < 30; i++, k++) {
    const r = observe(state, ok(6000.5 - k), T0 + k * MIN, cfg);
    assert.deepEqual(r.notifications, [], `minute ${k}`);
    state = r.state;
  }
  const balanceNow = 6000.5 - (k - 1);

  // A top-up that lifts the runway above 72 h but within the 5 % hysteresis (< 75.6 h): still firing.
  const t1 = T0 + k * MIN;
  let small: ReturnType<typeof observe> | undefined;
  for (let b = balanceNow + 1; b < balanceNow * 2; b += 1) {
    const r = observe(state, ok(b), t1, cfg);
    if (r.forecast.alertRunwaySeconds > LIMIT_S * 1.01) {
      small = r;
      break;
    }
  }
  assert.ok(small, 'no top-up lifts the runway above 72 h');
  const lifted = small.forecast.alertRunwaySeconds;
  assert.ok(lifted > LIMIT_S && lifted < LIMIT_S * 1.05, `runway after the small top-up: ${lifted / 3600} h`);
  assert.deepEqual(small.notifications, [], 'within the hysteresis: no resolve');
  assert.equal(small.state.alerts.depletion_forecast?.id, start.id);

  // A top-up to 4× the balance: the runway is far above 72 h × 1.05 → resolved, with the same id.
  const big = observe(small.state, ok(balanceNow * 4), t1 + MIN, cfg);
  assert.ok(big.forecast.alertRunwaySeconds > LIMIT_S * 1.05, `runway after the big top-up: ${big.forecast.alertRunwaySeconds / 3600} h`);
  assert.deepEqual(big.notifications.map(brief), ['depletion_forecast resolved warning resolve']);
  assert.equal(big.notifications[0]!.id, start.id);
  assert.deepEqual(big.state.alerts, {});
});

test('observe: a flat balance never forecasts depletion and notifies nothing', () => {
  const r = replay(Array.from({ length: 30 }, () => ok(500)), config(BASE_RULES));
  assert.deepEqual(r.all, []);
});

test(
  'observe: a 402 whose body lacks current_balance does not "resolve" a firing low_balance (the wallet is empty, not topped up)',
  () => {
    const r = replay([ok(130), ok(10), ok(null, 402), ok(50)], config(NO_RUNWAY_RULE));
    assert.deepEqual(briefSteps(r.steps), [
      [],
      ['low_balance firing critical start'],
      ['wallet_exhausted firing critical start'],
      ['wallet_exhausted resolved critical resolve'], // low_balance: critical → warning, silent
    ]);
    assert.equal(r.state.alerts.low_balance?.id, alertId(ACCOUNT, 'low_balance', T0 + MIN));
  },
);

test('unwatch: a wallet no longer watched closes every firing alert (resolved, reason unwatched, same ids, the forecast basis on each) and keeps nothing firing', () => {
  const r = replay([ok(95), ok(19), fail('auth')], config(NO_RUNWAY_RULE));
  const firingIds = Object.values(r.state.alerts).map((a) => a.id).sort();
  assert.deepEqual(Object.keys(r.state.alerts).sort(), ['auth_failed', 'low_balance']);
  const closed = unwatch(r.state, forecast(r.state.history, r.state.balance, T0 + 3 * MIN), T0 + 3 * MIN, config(NO_RUNWAY_RULE));
  assert.deepEqual(closed.notifications.map(brief).sort(), ['auth_failed resolved critical unwatched', 'low_balance resolved critical unwatched']);
  assert.deepEqual(closed.notifications.map((n) => n.id).sort(), firingIds);
  assert.ok(closed.notifications.every((n) => n.wallet.forecast !== undefined && n.decidedAt === T0 + 3 * MIN));
  assert.deepEqual(closed.state.alerts, {});
  assert.match(summary(closed.notifications[0]!), /closed: the wallet is no longer watched/);
  assert.match(action(closed.notifications[0]!), /removed from the wallets file/);
  assert.match(action(closed.notifications[0]!), /after a change of SHARD_COUNT, another shard watches it now/, 'a reshard closes a moved wallet here too: not "nothing watches it"');
  assert.deepEqual(unwatch(closed.state, forecast(r.state.history, 19, T0), T0, config(NO_RUNWAY_RULE)).notifications, [], 'nothing firing: nothing to close');
});

// ---------------------------------------------------------------- found by a review of the core (stop 36)

const RUNWAY_ONLY = config({ ...BASE_RULES, lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined });
const depletion = (ns: Notification[]) => ns.filter((n) => n.alertname === 'depletion_forecast').map(brief);

test('a wallet running dry: depletion_forecast stays firing while wallet_exhausted does (no "resolved, no action needed" as the money ends, no new id at the first cent); the refill resolves it', () => {
  const outcomes = [...Array.from({ length: 41 }, (_, i) => ok(40 - i)), ok(0, 402), ok(0, 402), ok(0.5), ok(0.2), ok(5_000), ok(4_999)];
  const r = replay(outcomes, RUNWAY_ONLY);
  const ids = new Set(r.all.filter((n) => n.alertname === 'depletion_forecast').map((n) => n.id));
  assert.equal(ids.size, 1, 'one alert instance from the warning to the refill');
  assert.deepEqual(r.steps.slice(40, 45).flatMap(depletion), [], 'nothing about the forecast while empty');
  assert.deepEqual(depletion(r.steps[45]!), ['depletion_forecast resolved critical resolve'], 'the refill resolves it');
});

test('while the wallet is empty its forecast alert repeats nothing ("will run out in less than 2 minutes" was noise); wallet_exhausted repeats as usual', () => {
  const cfg = config({ ...BASE_RULES, lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined }, 10 * MIN);
  const r = replay([...Array.from({ length: 41 }, (_, i) => ok(40 - i)), ...Array.from({ length: 60 }, () => ok(0, 402)), ok(5_000)], cfg);
  const empty = r.steps.slice(41, 101).flat();
  assert.deepEqual(empty.filter((n) => n.alertname === 'depletion_forecast'), []);
  assert.ok(empty.filter((n) => n.alertname === 'wallet_exhausted' && n.reason === 'repeat').length >= 4, 'wallet_exhausted repeats');
  assert.deepEqual(depletion(r.steps[101]!), ['depletion_forecast resolved critical resolve']);
});

test('a top-up after a gap resolves depletion_forecast at once (a top-up is evidence, though the last 24 h hold too few readings)', () => {
  const outcomes: [number, PollOutcome][] = Array.from({ length: 61 }, (_, i) => [T0 + i * MIN, ok(1_000 - i)]);
  const back = T0 + 60 * MIN + 30 * HOUR;
  outcomes.push([back, ok(50_000)], [back + 5 * MIN, ok(49_999.99)]);
  let state = INITIAL_ACCOUNT_STATE;
  const steps: Notification[][] = [];
  for (const [t, o] of outcomes) {
    const r = observe(state, o, t, RUNWAY_ONLY);
    steps.push(r.notifications);
    state = r.state;
  }
  assert.ok(steps.slice(0, 61).flatMap(depletion).some((d) => d.startsWith('depletion_forecast firing critical')), 'it fired critical before the gap');
  assert.deepEqual(depletion(steps[61]!), ['depletion_forecast resolved critical resolve'], 'the first reading after the gap, a top-up, resolves it');
});

test('a held depletion_forecast (too few recent readings: no runway) never says "will run out in less than 2 minutes"', () => {
  const held: Notification = { id: 'x', account: 'a', alertname: 'depletion_forecast', severity: 'critical', status: 'firing', reason: 'repeat', startsAt: T0, decidedAt: T0, wallet: { ...WALLET, runwaySeconds: null } };
  assert.match(summary(held), /may run out: too few recent readings/);
  assert.doesNotMatch(summary(held), /less than 2 minutes/);
  assert.match(summary({ ...held, wallet: { ...WALLET, runwaySeconds: 60 } }), /will run out in less than 2 minutes/);
  assert.match(summary({ ...held, wallet: { ...WALLET, runwaySeconds: 0 } }), /may have run out by now: .*no reading since/, 'aged past its end while no reading came');
  assert.equal(summary({ ...held, wallet: { ...WALLET, balance: 0, runwaySeconds: 0 } }), "Telephony.io wallet 'a' has run out (balance 0 USD)", 'empty: a reading says so');
});

test('a balance is shown as the webhook carries it: a small one is not 0 (0.004 USD, 0.00042 BTC), a KWD keeps its third decimal, and 9.9996 under a threshold of 10 does not read as 10', () => {
  const n = (balance: number, currency: string): Notification => ({ id: 'x', account: 'a', alertname: 'low_balance', severity: 'warning', status: 'firing', reason: 'start', startsAt: T0, decidedAt: T0, wallet: { ...WALLET, balance, currency } });
  assert.equal(formatBalance(n(0.004, 'USD')), '0.004 USD');
  assert.equal(formatBalance(n(0.00042, 'BTC')), '0.00042 BTC');
  assert.equal(formatBalance(n(-0.004, 'USD')), '-0.004 USD');
  assert.equal(formatBalance(n(2.675, 'USD')), '2.675 USD');
  assert.equal(formatBalance(n(12.345, 'KWD')), '12.345 KWD');
  assert.equal(formatBalance(n(9.9996, 'KWD')), '9.9996 KWD');
  assert.equal(formatBalance(n(9.99999, 'KWD')), '10 KWD', "the webhook's number (4 decimals)");
  assert.equal(formatBalance(n(1e21, 'USD')), '1000000000000000000000 USD', 'never an exponent');
  assert.equal(formatBalance(n(4e-8, 'BTC')), '0.00000004 BTC');
  assert.equal(formatBalance(n(0, 'USD')), '0 USD');
});

test('wallet_exhausted says the balance and that it is time to top up, whether a 402 or a 200 at or below 0 made it', () => {
  const n: Notification = { id: 'x', account: 'a', alertname: 'wallet_exhausted', severity: 'critical', status: 'firing', reason: 'start', startsAt: T0, decidedAt: T0, wallet: { ...WALLET, balance: -3 } };
  assert.equal(summary(n), "Telephony.io wallet 'a' is exhausted (balance -3 USD): calls and messages fail (Telephony.io answers 402)");
  assert.match(action(n), /now: calls and messages fail until you do/);
  assert.doesNotMatch(action(n), /before the balance reaches 0/);
});

test('polls failing while the wallet burns: the forecast ages from the last reading, so the page due meanwhile comes; past a day without readings it is held, not aged further', () => {
  // 3 days at 10 credits an hour, 500 left: about 50 h of runway at the last reading, a warning firing
  const cfg = RUNWAY_ONLY;
  let state = INITIAL_ACCOUNT_STATE;
  const last = T0 + 72 * HOUR;
  for (let t = T0; t <= last; t += 5 * MIN) state = observe(state, ok(1_220 - ((t - T0) / HOUR) * 10), t, cfg).state;
  const atLast = forecast(state.history, state.balance, last);
  assert.ok(atLast.runwaySeconds > 40 * 3600 && atLast.runwaySeconds < 60 * 3600, String(atLast.runwaySeconds / 3600));
  assert.equal(state.alerts.depletion_forecast?.severity, 'warning');
  const aged = forecast(state.history, state.balance, last + 10 * HOUR);
  assert.ok(Math.abs(aged.runwaySeconds - (atLast.runwaySeconds - 10 * 3600)) < 1, 'ten hours later: ten hours less');
  assert.ok(Number.isNaN(aged.rates['1h']), 'no rate is made up for the hours without readings');
  assert.match(describe(aged), /^No reading for 10.0 h: this is the forecast made at the last one, its runway shortened by that time\. Spend of/);
  assert.doesNotMatch(describe(atLast), /No reading/);
  // the first failed polls: the depletion time stays where the last reading put it (it moved a minute
  // later with each failed poll, then jumped back at the fifth), without the words of a long outage
  for (const after of [1, 2, 4, 6].map((m) => m * MIN)) {
    const f = forecast(state.history, state.balance, last + after);
    assert.ok(Math.abs(last + after + f.runwaySeconds * 1000 - (last + atLast.runwaySeconds * 1000)) < 1_000, `${after / MIN} min after: the same depletion time`);
    assert.equal(/No reading/.test(describe(f)), after > 5 * MIN, `${after / MIN} min after: said aged only past 5 min`);
  }
  let escalatedAt: number | undefined;
  for (let t = last + 5 * MIN; t <= last + 30 * HOUR; t += 5 * MIN) {
    const r = observe(state, fail('server'), t, cfg);
    state = r.state;
    if (escalatedAt === undefined && r.notifications.some((n) => n.alertname === 'depletion_forecast' && n.reason === 'escalation')) escalatedAt = t;
  }
  assert.ok(escalatedAt !== undefined, 'paged while no reading came');
  const leftAtPage = atLast.runwaySeconds - (escalatedAt - last) / 1000;
  assert.ok(leftAtPage >= 24 * 3600 && leftAtPage < 30 * 3600, `paged with ${(leftAtPage / 3600).toFixed(1)} h left by the forecast`);
  assert.equal(forecast(state.history, state.balance, last + 30 * HOUR).method, 'none', 'past a day without readings: no evidence');
  assert.equal(state.alerts.depletion_forecast?.severity, 'critical', 'and the page holds');
});
