/**
 * What a notification says (contract section 5): the webhook body, the email parts, the Slack and
 * PagerDuty bodies, the signature, and the delivery backoff. All pure: no socket here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { INITIAL_ACCOUNT_STATE, type PollOutcome } from '../../src/domain/account.js';
import type { Notification, WalletSnapshot } from '../../src/domain/alerts.js';
import { observe, snapshot } from '../../src/domain/evaluate.js';
import { forecast } from '../../src/domain/forecast.js';
import { action, digestLine, humanDuration, summary } from '../../src/domain/messages.js';
import { ALERT_NAMES, type AlertName } from '../../src/domain/rules.js';
import { htmlBody, subject, textBody } from '../../src/notify/email/render.js';
import { MAX_RETRY_DELAY_MS, retryDelay } from '../../src/notify/dispatch.js';
import { webhookBody } from '../../src/notify/webhook/body.js';
import { SLACK_DIGEST_CHARS, SLACK_DIGEST_LINES, slackBody, slackDigestBody, slackEscape } from '../../src/notify/slack/body.js';
import { digestSubject, digestText } from '../../src/notify/email/render.js';
import { pagerdutyBody } from '../../src/notify/pagerduty/body.js';
import { signature } from '../../src/notify/webhook/webhook.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const MIN = 60_000;

const WALLET: WalletSnapshot = { balance: 12.5, currency: 'USD', burnRatePerHour: 3.1, runwaySeconds: 14516 };

function note(over: Partial<Omit<Notification, 'wallet'>> & { wallet?: Partial<WalletSnapshot> } = {}): Notification {
  const { wallet, ...rest } = over;
  return {
    id: 'default/depletion_forecast/abc123',
    account: 'default',
    alertname: 'depletion_forecast',
    severity: 'critical',
    status: 'firing',
    reason: 'start',
    startsAt: T0,
    decidedAt: T0,
    ...rest,
    wallet: { ...WALLET, ...wallet },
  };
}

const CONTRACT_KEYS = [
  'version',
  'status',
  'alertname',
  'severity',
  'account',
  'balance',
  'currency',
  'burn_rate_per_hour',
  'runway_seconds',
  'summary',
  'starts_at',
  'sent_at',
  'id',
];

const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

// ---------------------------------------------------------------- webhook body

test('webhookBody: the contract example, key for key', () => {
  const body = webhookBody(note(), T0 + 1000);
  assert.deepEqual(body, {
    version: '1',
    status: 'firing',
    alertname: 'depletion_forecast',
    severity: 'critical',
    account: 'default',
    balance: 12.5,
    currency: 'USD',
    burn_rate_per_hour: 3.1,
    runway_seconds: 14516,
    summary: "Telephony.io wallet 'default' will run out in about 4 hours",
    starts_at: '2026-11-27T10:00:00Z',
    sent_at: '2026-11-27T10:00:01Z',
    id: 'default/depletion_forecast/abc123',
    forecast: null,
    provider: 'telephony-io',
    labels: {},
  });
});

for (const status of ['firing', 'resolved'] as const) {
  for (const alertname of [...ALERT_NAMES, 'test'] as const) {
    test(`webhookBody (${alertname}, ${status}): exactly the contract's keys, version "1", seconds-only timestamps`, () => {
      const body = webhookBody(note({ alertname, status }), T0 + 61_789);
      // The contract's keys, plus ONE object saying what the forecast rests on (issue 9), and the wallet's
      // provider and labels (issue 11).
      assert.deepEqual(Object.keys(body).sort(), [...CONTRACT_KEYS, 'forecast', 'provider', 'labels'].sort());
      assert.equal(body.version, '1');
      assert.equal(body.status, status);
      assert.equal(body.alertname, alertname);
      assert.match(body.starts_at, ISO_SECONDS);
      assert.match(body.sent_at, ISO_SECONDS);
      assert.equal(typeof body.summary, 'string');
      assert.ok(body.summary.length > 0);
      assert.deepEqual(JSON.parse(JSON.stringify(body)), body);
    });
  }
}

const stamps: Array<[number, string]> = [
  [T0, '2026-11-27T10:00:00Z'],
  [T0 + 1, '2026-11-27T10:00:00Z'],
  [T0 + 999, '2026-11-27T10:00:00Z'],
  [T0 + 1000, '2026-11-27T10:00:01Z'],
  [T0 + 61_789, '2026-11-27T10:01:01Z'],
  [Date.parse('2027-01-01T00:00:00.500Z'), '2027-01-01T00:00:00Z'],
];
for (const [ms, expected] of stamps) {
  test(`webhookBody timestamps: ${new Date(ms).toISOString()} → ${expected}`, () => {
    const body = webhookBody(note({ startsAt: ms }), ms);
    assert.equal(body.starts_at, expected);
    assert.equal(body.sent_at, expected);
  });
}

const unknowns: Array<[string, Partial<WalletSnapshot>, Partial<Record<'balance' | 'currency' | 'burn_rate_per_hour' | 'runway_seconds', null>>]> = [
  ['balance unknown', { balance: null }, { balance: null }],
  ['currency unknown', { currency: null }, { currency: null }],
  ['burn rate unknown', { burnRatePerHour: null }, { burn_rate_per_hour: null }],
  ['not burning (runway unknown)', { runwaySeconds: null }, { runway_seconds: null }],
  [
    'everything unknown',
    { balance: null, currency: null, burnRatePerHour: null, runwaySeconds: null },
    { balance: null, currency: null, burn_rate_per_hour: null, runway_seconds: null },
  ],
];
for (const [name, wallet, expected] of unknowns) {
  test(`webhookBody: ${name} → null, and JSON.stringify round-trips`, () => {
    const body = webhookBody(note({ alertname: 'low_balance', wallet }), T0);
    for (const [k, v] of Object.entries(expected)) assert.equal((body as Record<string, unknown>)[k], v, k);
    const text = JSON.stringify(body);
    assert.doesNotMatch(text, /Infinity|NaN/);
    assert.deepEqual(JSON.parse(text), body);
  });
}

const ok = (balance: number | null, status: 200 | 402 = 200): PollOutcome => ({ ok: true, status, balance, currency: 'USD', requiredCredits: null });

test('webhookBody from the real pipeline: a 401 before any balance → every wallet field null, never Infinity/NaN', () => {
  const cfg = {
    account: 'default',
    rules: { ...DEFAULT_RULES, lowBalanceThreshold: 100, criticalBalanceThreshold: 20 },
    repeat: { repeatIntervalMs: 4 * 3_600_000, runwayFraction: 0, minRepeatIntervalMs: 5 * MIN },
  };
  const r = observe(INITIAL_ACCOUNT_STATE, { ok: false, kind: 'auth', message: 'x' }, T0, cfg);
  assert.equal(r.notifications.length, 1);
  const body = webhookBody(r.notifications[0]!, T0);
  assert.deepEqual([body.balance, body.currency, body.burn_rate_per_hour, body.runway_seconds], [null, null, null, null]);
  const text = JSON.stringify(body);
  assert.doesNotMatch(text, /Infinity|NaN/);
  assert.deepEqual(JSON.parse(text), body);
});

test('snapshot: a wallet that is not burning (runway Infinity, rates NaN) → runway null; one reading → burn rate null', () => {
  let s = INITIAL_ACCOUNT_STATE;
  s = observe(s, ok(500), T0, {
    account: 'default',
    rules: DEFAULT_RULES,
    repeat: { repeatIntervalMs: 3_600_000, runwayFraction: 0, minRepeatIntervalMs: MIN },
  }).state;
  const f = forecast(s.history, s.balance, T0);
  assert.equal(f.runwaySeconds, Infinity);
  const w = snapshot(s, f);
  const { forecast: basis, ...facts } = w;
  assert.deepEqual(facts, { balance: 500, currency: 'USD', burnRatePerHour: null, runwaySeconds: null });
  assert.deepEqual({ ...basis, basis: undefined }, { method: 'none', confidence: 'none', runwayLowSeconds: null, runwayHighSeconds: null, cautious: false, basis: undefined });
  const body = webhookBody(note({ wallet: w }), T0);
  assert.deepEqual(JSON.parse(JSON.stringify(body)), body);
});

// ---------------------------------------------------------------- what the forecast rests on (issue 9)

/** A noisy hour of spend from a new install: the forecast is cautious, and every channel says so. */
function cautiousNotification(): Notification {
  const cfg = { account: 'default', rules: DEFAULT_RULES, repeat: { repeatIntervalMs: 4 * 3_600_000, runwayFraction: 0, minRepeatIntervalMs: 5 * MIN } };
  let s = INITIAL_ACCOUNT_STATE;
  let sent: Notification | undefined;
  // 60 credits at ~5/h: 12 h left. Within the first hour a critical page comes, on the cautious end.
  for (let m = 0; m <= 60 && !sent; m++) {
    const r = observe(s, ok(60 - (5 * m) / 60 - (m % 3 === 0 ? 0.02 : 0)), T0 + m * MIN, cfg);
    s = r.state;
    sent = r.notifications.find((n) => n.alertname === 'depletion_forecast' && n.severity === 'critical');
  }
  assert.ok(sent, 'a wallet 12 h from empty is paged within its first hour');
  return sent;
}

test('forecast basis: the webhook body carries one forecast object (method, confidence, band, cautious, basis); PagerDuty custom_details too', () => {
  const n = cautiousNotification();
  assert.equal(n.severity, 'critical');
  const body = webhookBody(n, T0);
  assert.ok(body.forecast);
  assert.deepEqual(Object.keys(body.forecast).sort(), ['basis', 'cautious', 'confidence', 'method', 'runway_high_seconds', 'runway_low_seconds']);
  assert.equal(body.forecast.method, 'rate');
  assert.ok(body.forecast.confidence === 'none' || body.forecast.confidence === 'low', body.forecast.confidence);
  assert.equal(body.forecast.cautious, true);
  assert.ok(body.forecast.runway_low_seconds! < body.runway_seconds! && body.runway_seconds! < body.forecast.runway_high_seconds!);
  assert.match(body.forecast.basis, /cautious end of the evidence/);
  assert.match(body.forecast.basis, /\d+ charges over/);
  for (const k of CONTRACT_KEYS) assert.ok(k in body, k);
  assert.deepEqual(pagerdutyBody(n, 'rk', T0).payload.custom_details.forecast, body.forecast);
});

test('forecast basis: email text and HTML, and Slack text, say the method, confidence, band and why the cautious end', () => {
  const n = cautiousNotification();
  const html = htmlBody(n).replace(/<\/th><td>/g, ': ').replace(/<[^>]+>/g, '\n');
  for (const text of [textBody(n), html, slackBody(n).text]) {
    assert.match(text, /Forecast: method rate, confidence (none|low), runway band about \d+ (hours|days) to about \d+ (hours|days), leaning to the cautious end of the evidence/);
    assert.match(text, /Forecast basis: Spend of /);
    // why: on the cautious end (the slowest spend the evidence allows), or leaning to it, for the level's error
    assert.match(text, /(only when even the slowest spend the evidence allows runs out inside the horizon|toward the cautious end of the evidence \([\d.]+ h\): the level is known to ±\d+ % only)/);
  }
});

test('forecast basis: an outbox entry written before it existed (no wallet.forecast) still renders every channel', () => {
  const n = note();
  assert.equal(webhookBody(n, T0).forecast, null);
  assert.doesNotMatch(textBody(n), /Forecast/);
});

test('webhookBody rounds runway_seconds to whole seconds and keeps small balances', () => {
  const body = webhookBody(note({ wallet: { runwaySeconds: 14516.4, balance: 0.01, burnRatePerHour: 0.0042 } }), T0);
  assert.equal(body.runway_seconds, 14516);
  assert.equal(body.balance, 0.01);
  assert.equal(body.burn_rate_per_hour, 0.0042);
});

// ---------------------------------------------------------------- summary and action

const runways: Array<[number, string]> = [
  [14_516, 'about 4 hours'],
  [30, 'less than 2 minutes'],
  [20 * 60, 'about 20 minutes'],
  [3 * 86_400, 'about 3 days'],
];
for (const [seconds, words] of runways) {
  test(`depletion_forecast summary for runway ${seconds} s says "${words}"`, () => {
    assert.equal(humanDuration(seconds), words);
    assert.equal(summary(note({ wallet: { runwaySeconds: seconds } })), `Telephony.io wallet 'default' will run out in ${words}`);
  });
}

// Each firing alert says what to do, in words a user can act on.
const todo: Array<[AlertName, RegExp]> = [
  ['low_balance', /Top up/],
  ['depletion_forecast', /Top up/],
  ['wallet_exhausted', /Top up/],
  ['auth_failed', /TELEPHONY_API_KEY/],
  ['poll_failing', /log|status page|dashboard/i],
];
for (const [alertname, expected] of todo) {
  test(`${alertname}: the summary names the wallet and the action says what to do (${expected})`, () => {
    const n = note({ alertname, account: 'acme-prod' });
    assert.match(summary(n), /acme-prod/);
    assert.match(action(n), expected);
    assert.match(textBody(n), expected);
    assert.match(slackBody(n).text, expected);
    assert.match(String(pagerdutyBody(n, 'rk', T0).payload.custom_details.action), expected);
  });
}

test('every firing alert name has an action that says what to do', () => {
  for (const alertname of ALERT_NAMES) {
    const a = action(note({ alertname }));
    assert.notEqual(a, 'No action needed.', alertname);
    assert.match(a, /Top up|Check|Create|update|Stop/i, alertname);
    assert.ok(summary(note({ alertname })).includes("'default'"), alertname);
  }
});

test('a resolved notification says so and needs no action', () => {
  for (const alertname of ALERT_NAMES) {
    const n = note({ alertname, status: 'resolved', reason: 'resolve' });
    assert.match(summary(n), /resolved/, alertname);
    assert.match(summary(n), new RegExp(alertname), alertname);
    assert.equal(action(n), 'No action needed.');
  }
});

// ---------------------------------------------------------------- email

const subjects: Array<[string, Partial<Omit<Notification, 'wallet'>> & { wallet?: Partial<WalletSnapshot> }, RegExp, string[]]> = [
  ['firing low_balance', { alertname: 'low_balance', severity: 'warning' }, /^\[FIRING\]/, ['low_balance', "'default'", '12.5']],
  ['resolved low_balance', { alertname: 'low_balance', status: 'resolved', wallet: { balance: 500 } }, /^\[RESOLVED\]/, ['low_balance', 'default', '500']],
  ['firing depletion_forecast', { alertname: 'depletion_forecast' }, /^\[FIRING\]/, ['depletion_forecast', 'default', '12.5']],
  ['firing wallet_exhausted', { alertname: 'wallet_exhausted', wallet: { balance: 0 } }, /^\[FIRING\]/, ['wallet_exhausted', 'default', '0']],
  ['firing auth_failed, other account', { alertname: 'auth_failed', account: 'acme-prod', wallet: { balance: 7.25 } }, /^\[FIRING\]/, ['auth_failed', 'acme-prod', '7.25']],
  ['resolved poll_failing', { alertname: 'poll_failing', status: 'resolved', wallet: { balance: 1234.5 } }, /^\[RESOLVED\]/, ['poll_failing', 'default', '1234.5']],
];
for (const [name, over, prefix, parts] of subjects) {
  test(`email subject, ${name}: ${prefix} and contains ${parts.join(', ')}`, () => {
    const s = subject(note(over));
    assert.match(s, prefix);
    for (const p of parts) assert.ok(s.includes(p), `${JSON.stringify(s)} lacks ${p}`);
    const balance = parts.at(-1)!;
    // A plain number: not 1.25e1, not 12.50, not 1,234.5.
    assert.match(s, new RegExp(`(^|[^\\d.,])${balance.replace('.', '\\.')}($|[^\\d.,e])`));
    assert.doesNotMatch(s, /\n/);
  });
}

test('email text and HTML parts both carry balance, burn rate, expected depletion time and the action', () => {
  const n = note({ alertname: 'low_balance', severity: 'warning' });
  const text = textBody(n);
  const html = htmlBody(n);
  const depletesAt = new Date(T0 + 14_516_000).toISOString(); // 2026-11-27T14:01:56.000Z
  for (const [part, body] of [
    ['text', text],
    ['html', html],
  ] as const) {
    assert.ok(body.includes('12.5'), `${part}: balance`);
    assert.ok(body.includes('3.1'), `${part}: burn rate`);
    assert.ok(body.includes('2026-11-27T14:01:56'), `${part}: depletion time ${depletesAt}`);
    assert.ok(body.includes('Top up the wallet'), `${part}: action`);
    assert.ok(body.includes(n.id), `${part}: alert id`);
  }
  assert.match(html, /^<!doctype html>/i);
});

test('email parts when not burning: no depletion time is invented', () => {
  const n = note({ alertname: 'low_balance', wallet: { runwaySeconds: null, burnRatePerHour: 0 } });
  for (const body of [textBody(n), htmlBody(n)]) {
    assert.doesNotMatch(body, /Infinity|NaN|1970-01-01/);
    assert.match(body, /not while spend stays/);
  }
  assert.match(digestLine(n), /runway not burning/);
});

test('email parts and digest line when the runway is not known (a held alert without recent readings, a first poll): said so, not "not burning"; an empty wallet "has run out", not "in less than 2 minutes" at every repeat', () => {
  const held = note({ alertname: 'depletion_forecast', wallet: { runwaySeconds: null, burnRatePerHour: null } });
  for (const body of [textBody(held), htmlBody(held)]) {
    assert.match(body, /not known \(too few recent readings to forecast\)/);
    assert.doesNotMatch(body, /not while spend stays/);
  }
  assert.match(digestLine(held), /runway unknown/);
  const empty = note({ alertname: 'wallet_exhausted', wallet: { balance: 0, runwaySeconds: 0, burnRatePerHour: 0, forecast: { method: 'none', confidence: 'none', runwayLowSeconds: 0, runwayHighSeconds: 0, cautious: false, basis: 'Nothing is left to spend: the wallet is empty.' } } });
  assert.match(textBody(empty), /Expected to run out: it has run out/);
  assert.match(textBody(empty), /runway band none/, 'not "less than 2 minutes to less than 2 minutes"');
  assert.doesNotMatch(textBody(empty), /in less than|less than 2 minutes/);
  // A provider that lends (credit limit 100): a forecast aged to 0 at -94 has not run out, no reading said so.
  const lent = note({ alertname: 'depletion_forecast', wallet: { balance: -94, creditLimit: 100, runwaySeconds: 0, burnRatePerHour: 10 } });
  assert.match(summary(lent), /may have run out by now/);
  assert.match(summary({ ...lent, wallet: { ...lent.wallet, balance: -100 } }), /has run out \(balance -100/);
});

test('email HTML escapes markup in the account name', () => {
  const account = `<script>alert("x")</script>&'`;
  const n = note({ alertname: 'low_balance', account, id: `${account}/low_balance/1` });
  const html = htmlBody(n);
  assert.ok(!html.includes('<script'), 'raw <script> in the HTML');
  assert.ok(!html.includes('alert("x")'), 'raw quote in the HTML');
  assert.match(html, /(&lt;|&#60;|&#x3c;)script(&gt;|&#62;|&#x3e;)/i);
  // The text part and subject are plain text: the name appears as is.
  assert.ok(textBody(n).includes(account));
  assert.ok(subject(n).includes(account));
});

// ---------------------------------------------------------------- Slack and PagerDuty

for (const status of ['firing', 'resolved'] as const) {
  test(`slackBody (${status}): a non-empty text with the summary`, () => {
    const n = note({ status });
    const body = slackBody(n);
    assert.deepEqual(Object.keys(body), ['text']);
    assert.ok(body.text.includes(summary(n)));
    assert.ok(body.text.includes(status.toUpperCase()));
  });
}

test('slackEscape: &, < and > become entities, in that order; nothing else changes', () => {
  const cases: Array<[string, string]> = [
    ['plain 12.5 USD', 'plain 12.5 USD'],
    ['<!channel>', '&lt;!channel&gt;'],
    ['<https://ev.il|TOP UP>', '&lt;https://ev.il|TOP UP&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt; already', '&amp;lt; already'],
    ['*bold* _it_ :emoji:', '*bold* _it_ :emoji:'],
  ];
  for (const [input, expected] of cases) assert.equal(slackEscape(input), expected, input);
});

test('slackBody: a hostile currency or account cannot ping the channel or add a link', () => {
  const hostile = '<!channel><https://ev.il|TOP UP>';
  for (const status of ['firing', 'resolved'] as const) {
    for (const alertname of ['low_balance', 'depletion_forecast'] as const) {
      const n = note({ status, alertname, account: 'acme<!here>', wallet: { currency: hostile } });
      const text = slackBody(n).text;
      assert.ok(!/[<>]/.test(text), text); // not one raw < or >: no mention, no link, whatever the value
      assert.ok(text.includes('&lt;!channel&gt;&lt;https://ev.il|TOP UP&gt;'), text);
    }
  }
});

const pd: Array<['firing' | 'resolved', 'warning' | 'critical', 'trigger' | 'resolve']> = [
  ['firing', 'critical', 'trigger'],
  ['firing', 'warning', 'trigger'],
  ['resolved', 'critical', 'resolve'],
  ['resolved', 'warning', 'resolve'],
];
for (const [status, severity, eventAction] of pd) {
  test(`pagerdutyBody: ${status} ${severity} → ${eventAction}, dedup_key = id (and /critical for critical), routing_key, severity`, () => {
    const n = note({ status, severity, id: 'default/low_balance/xyz' });
    const body = pagerdutyBody(n, 'R0UT1NGKEY', T0 + 1500);
    assert.equal(body.event_action, eventAction);
    assert.equal(body.dedup_key, severity === 'critical' ? 'default/low_balance/xyz/critical' : 'default/low_balance/xyz');
    assert.equal(body.routing_key, 'R0UT1NGKEY');
    assert.equal(body.payload.severity, severity);
    assert.equal(body.payload.summary, summary(n));
    assert.match(body.payload.timestamp, ISO_SECONDS);
    assert.ok(body.payload.source.length > 0);
    assert.deepEqual(JSON.parse(JSON.stringify(body)), body);
  });
}

// ---------------------------------------------------------------- signature

const signatures: Array<[string, number, string]> = [
  ['whsec_test', 1_795_000_000, '{"version":"1"}'],
  ['another secret', 0, ''],
  ['ünïcødé 🔑', 1_795_000_001, JSON.stringify({ summary: "wallet 'Zürich' — 4 hours", n: 1.5 })],
];
for (const [secret, t, raw] of signatures) {
  test(`signature(${JSON.stringify(secret)}, ${t}, ${raw.length} bytes) = HMAC-SHA256 over "<t>.<raw>"`, () => {
    const mac = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(`${t}.${raw}`, 'utf8')).digest('hex');
    assert.equal(signature(secret, t, raw), `t=${t},v1=${mac}`);
    assert.match(signature(secret, t, raw), /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.ok(!signature(secret, t, raw).includes(secret));
  });
}

test('signature changes with the secret, the time and the body', () => {
  const base = signature('s', 100, 'body');
  assert.notEqual(signature('s2', 100, 'body'), base);
  assert.notEqual(signature('s', 101, 'body'), base);
  assert.notEqual(signature('s', 100, 'body '), base);
});

// ---------------------------------------------------------------- retryDelay

const delays: Array<[number, number, number, number]> = [
  // [attempt, base, random, expected]
  [1, 5000, 0, 3750],
  [1, 5000, 0.5, 5000],
  [1, 5000, 0.9999999, 6250],
  [2, 5000, 0.5, 10_000],
  [3, 5000, 0.5, 20_000],
  [4, 5000, 0.5, 40_000],
  [6, 5000, 0.5, 160_000],
  [7, 5000, 0.5, 300_000],
  [7, 5000, 0, 240_000],
  [8, 5000, 0, 300_000],
  [30, 5000, 0.5, 300_000],
  [1000, 5000, 0.9999999, 300_000],
  [1, 50, 0.5, 50],
  [2, 50, 0.5, 100],
];
for (const [attempt, base, random, expected] of delays) {
  test(`retryDelay(attempt ${attempt}, base ${base}, random ${random}) ≈ ${expected}`, () => {
    const d = retryDelay(attempt, base, () => random);
    assert.ok(Math.abs(d - expected) < 0.01, `${d}`);
  });
}

test('retryDelay: attempt 1 stays within 5 s ± 25 %, each attempt about doubles, nothing above 5 min', () => {
  assert.equal(MAX_RETRY_DELAY_MS, 300_000);
  for (let i = 0; i <= 20; i++) {
    const r = i / 20 - (i === 20 ? 1e-9 : 0);
    const first = retryDelay(1, 5000, () => r);
    assert.ok(first >= 3750 && first <= 6250, `attempt 1, random ${r}: ${first}`);
    for (let attempt = 1; attempt <= 40; attempt++) {
      const d = retryDelay(attempt, 5000, () => r);
      assert.ok(Number.isFinite(d) && d > 0 && d <= 300_000, `attempt ${attempt}, random ${r}: ${d}`);
      const next = retryDelay(attempt + 1, 5000, () => r);
      if (next < 300_000) assert.ok(Math.abs(next - 2 * d) < 1e-6, `attempt ${attempt + 1} doubles ${d} → ${next}`);
      else assert.ok(next >= d);
    }
  }
});

// ---------------------------------------------------------------- digests

test('digests: the email lists every wallet with balance, runway and labels, says what to do once per action; Slack caps its lines and says how many more', () => {
  const ns = Array.from({ length: 60 }, (_, i) =>
    note({ id: `w${i}/low_balance/x`, account: `w${i}`, alertname: 'low_balance', severity: i % 2 ? 'critical' : 'warning', labels: { team: 'voice' } }),
  );
  ns.push(note({ id: 'z/auth_failed/x', account: 'z<!channel>', alertname: 'auth_failed', status: 'resolved', reason: 'resolve' }));
  const text = digestText(ns);
  for (let i = 0; i < 60; i++) assert.match(text, new RegExp(`\\[FIRING\\] low_balance \\((warning|critical)\\) — wallet 'w${i}': balance 12\\.5 USD, runway about 4 hours \\[team=voice\\]`));
  assert.match(text, /\[RESOLVED\] auth_failed — wallet 'z<!channel>'/);
  assert.equal(text.match(/Top up the wallet/g)?.length, 1, 'each action once');
  // Most urgent first, as Slack's: the subject names critical wallets (odd ones), the text lists them before the warnings and the resolve.
  assert.equal(digestSubject(ns), "[FIRING] 61 alert notifications for 61 wallets (60 firing, 1 resolved): low_balance, auth_failed — 'w1' balance 12.5 USD, 'w3' balance 12.5 USD, 'w5' balance 12.5 USD, 58 more");
  const order = [...text.matchAll(/^\[(FIRING|RESOLVED)\] \w+(?: \((\w+)\))?/gm)].map((m) => m[2] ?? 'resolved');
  assert.deepEqual(order, [...Array<string>(30).fill('critical'), ...Array<string>(30).fill('warning'), 'resolved']);
  // A wallet with two alerts in the digest is named once, with its latest balance (the contract's subject: alertname, account, balance).
  const two = [note({ id: 'a/1', account: 'a', alertname: 'low_balance', wallet: { balance: 30 } }), note({ id: 'a/2', account: 'a', alertname: 'depletion_forecast', wallet: { balance: 29.5 } })];
  assert.match(digestSubject(two), /: low_balance, depletion_forecast — 'a' balance 29\.5 USD$/);
  const slack = slackDigestBody(ns).text;
  assert.equal(slack.match(/wallet 'w\d+'/g)?.length, SLACK_DIGEST_LINES);
  // Most urgent first: the 30 critical firing, then 10 of the 30 warnings; the resolve is among the cut.
  assert.equal(slack.match(/\(critical\) — wallet 'w\d+'/g)?.length, 30, slack);
  assert.match(slack, new RegExp(`…and ${61 - SLACK_DIGEST_LINES} more \\(every wallet`));
  assert.ok(!slack.includes('auth_failed'), 'the resolve is cut before any firing line');
  assert.ok(!slackDigestBody(ns.slice(-3)).text.includes('<!channel>'), 'escaped');
  // More critical alerts than lines: the cut says how many of the rest are critical.
  const many = Array.from({ length: 50 }, (_, i) => note({ id: `c${i}`, account: `c${i}`, severity: 'critical' }));
  assert.match(slackDigestBody([note({ id: 'r', account: 'r', status: 'resolved', reason: 'resolve' }), ...many]).text, /…and 11 more, 10 of them critical \(/);
});

test('a Slack digest of wallets with long labels stays under Slack\'s advised size: lines cut, fewer listed, and the count of the rest and what to do are still there', () => {
  const long = { team: 'x'.repeat(1_000) };
  const ns = Array.from({ length: 100 }, (_, i) => note({ id: `w${i}`, account: `w${i}`, severity: 'critical', labels: long }));
  const slack = slackDigestBody(ns).text;
  assert.ok(slack.length < SLACK_DIGEST_CHARS + 2_000, `${slack.length} characters`);
  const listed = slack.match(/wallet 'w\d+'/g)?.length ?? 0;
  assert.ok(listed >= 1 && listed < SLACK_DIGEST_LINES, `${listed} listed`);
  assert.match(slack, new RegExp(`…and ${100 - listed} more, ${100 - listed} of them critical \\(every wallet`));
  assert.match(slack, /\*What to do:\*/);
  assert.ok(slack.split('\n').every((l) => l.length <= 700), 'every line cut');
  assert.ok(slackBody(ns[0]!).text.split('\n').every((l) => l.length <= 700), "a single alert's facts too");
});

test("another provider's wallet: the email subject, summary and action name that provider, not Telephony.io", () => {
  const preset = { name: 'twilio', title: 'Twilio', topUp: 'Top up in the Twilio Console.', credentials: ['account_sid', 'auth_token'] };
  const n = note({ alertname: 'low_balance', preset, provider: 'twilio' });
  assert.match(subject(n), /^\[FIRING\] low_balance \(critical\): Twilio wallet 'default', balance 12\.5 USD$/);
  assert.match(summary(n), /^Twilio wallet 'default' balance is low/);
  assert.equal(action(n), 'Top up in the Twilio Console.');
  for (const text of [subject(n), summary(n), textBody(n)]) assert.ok(!text.includes('Telephony.io'), text);
  // Telephony.io's own wallets keep the contract's words.
  assert.match(subject(note({ alertname: 'low_balance' })), /: Telephony\.io wallet 'default', balance 12\.5 USD$/);
});

test('small and large balances: the webhook body keeps 0.00004 (not 0); the subject writes plain numbers (0.0000004, not 4e-7; no 1e+21)', () => {
  const tiny = note({ wallet: { balance: 0.00004, currency: 'BTC', burnRatePerHour: 0.000012 } });
  assert.deepEqual([webhookBody(tiny, T0).balance, webhookBody(tiny, T0).burn_rate_per_hour], [0.00004, 0.000012]);
  assert.equal(webhookBody(note({ wallet: { balance: 1234.56789 } }), T0).balance, 1234.5679, 'from 1 up: 4 decimals as before');
  assert.match(subject(note({ alertname: 'low_balance', wallet: { balance: 0.0000004, currency: 'BTC' } })), /\b0\.0000004 BTC\b/);
  assert.match(subject(note({ alertname: 'low_balance', wallet: { balance: 1e21 } })), /\b1000000000000000000000 USD\b/);
});

test("PagerDuty's timestamp is when the alert was decided, not when a retry finally sent it", () => {
  const n = note({ decidedAt: T0 });
  assert.equal(pagerdutyBody(n, 'rk', T0 + 5 * 60 * MIN).payload.timestamp, '2026-11-27T10:00:00Z');
});

test('a label holding a bidi control is isolated (FSI … PDI) in the email and Slack texts: a U+202E left open reversed the rest of the Labels line; other labels stay as written', () => {
  const n = note({ labels: { team: 'voice \u202eevil', env: 'prod' } });
  const line = textBody(n).split('\n').find((l) => l.startsWith('Labels: '));
  assert.equal(line, 'Labels: env=prod, \u2068team=voice \u202eevil\u2069');
  assert.ok(htmlBody(n).includes('\u2068team=voice \u202eevil\u2069'));
  assert.ok(slackBody(n).text.includes('\u2068team=voice \u202eevil\u2069'));
  assert.ok(textBody(note({ labels: { team: 'voice', env: 'prod' } })).includes('Labels: env=prod, team=voice\n'), 'plain labels unchanged');
});
