/** A wallet that may go below zero to a credit limit (Telnyx) forecasts to the limit and is exhausted only there; PURE. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INITIAL_ACCOUNT_STATE, type AccountState, type PollOutcome } from '../../src/domain/account.js';
import { observe, repeatPolicy, type EvaluationConfig } from '../../src/domain/evaluate.js';
import { action, summary } from '../../src/domain/messages.js';
import { presetWords } from '../../src/providers/index.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';
import { decodeSnapshot, diff, encodeSnapshot } from '../../src/store/journal.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const MIN = 60_000;
const cfg = (over: Partial<EvaluationConfig> = {}): EvaluationConfig => ({ account: 'w', rules: { ...DEFAULT_RULES, lowBalanceThreshold: 80 }, repeat: repeatPolicy({ repeatIntervalMs: 4 * 3_600_000, repeatRunwayFraction: 0 }), ...over });
const ok = (balance: number, extra: Partial<Extract<PollOutcome, { ok: true }>> = {}): PollOutcome => ({ ok: true, status: 200, balance, currency: 'USD', requiredCredits: null, ...extra });

/** A wallet spending 1 credit a minute for `minutes`, from `start`. */
function drain(start: number, minutes: number, extra: Partial<Extract<PollOutcome, { ok: true }>> = {}, c = cfg()) {
  let s: AccountState = INITIAL_ACCOUNT_STATE;
  let last;
  for (let i = 0; i <= minutes; i++) {
    last = observe(s, ok(start - i, extra), T0 + i * MIN, c);
    s = last.state;
  }
  return last!;
}

test('the runway runs to the credit limit: balance + limit, not the balance', () => {
  const prepaid = drain(100, 30);
  const lent = drain(100, 30, { creditLimit: 50 });
  assert.ok(Number.isFinite(prepaid.forecast.runwaySeconds) && Number.isFinite(lent.forecast.runwaySeconds));
  // 70 credits left at 1/min: ~70 min to 0, ~120 min to −50.
  const ratio = lent.forecast.runwaySeconds / prepaid.forecast.runwaySeconds;
  assert.ok(Math.abs(ratio - 120 / 70) < 0.05, `ratio ${ratio}`);
  assert.equal(lent.state.creditLimit, 50);
});

test('below zero but above the limit is not exhausted; at the limit it is', () => {
  const limit = { creditLimit: 50 };
  const r1 = observe(INITIAL_ACCOUNT_STATE, ok(-20, limit), T0, cfg());
  assert.equal(r1.state.exhausted, false);
  assert.equal(r1.conditions.wallet_exhausted, undefined);
  const r2 = observe(r1.state, ok(-50, limit), T0 + MIN, cfg());
  assert.equal(r2.state.exhausted, true);
  assert.equal(r2.conditions.wallet_exhausted, 'critical');
  const r3 = observe(INITIAL_ACCOUNT_STATE, ok(-0.01), T0, cfg());
  assert.equal(r3.state.exhausted, true, 'without a credit limit, below zero is exhausted as before');
});

test("a provider's notifications name it and its top-up step; with auto-recharge on, an empty wallet says the recharge is failing, a low one only that it may be", () => {
  const c = cfg({ preset: presetWords('plivo') });
  const r = observe(INITIAL_ACCOUNT_STATE, ok(50, { autoRecharge: true }), T0, c);
  const n = r.notifications.find((x) => x.alertname === 'low_balance')!;
  assert.equal(summary(n), "Plivo wallet 'w' balance is low: 50 USD");
  assert.match(action(n), /^Auto-recharge is on: if it is set to recharge above this balance, it is not happening .*Recharge in the Plivo console/);
  const empty = observe(INITIAL_ACCOUNT_STATE, ok(0, { autoRecharge: true }), T0, c).notifications.find((x) => x.alertname === 'wallet_exhausted')!;
  assert.match(action(empty), /^Auto-recharge is on, yet the wallet is empty: the recharge is failing .*Recharge in the Plivo console/);
  const off = observe(INITIAL_ACCOUNT_STATE, ok(50, { autoRecharge: false }), T0, c).notifications.find((x) => x.alertname === 'low_balance')!;
  assert.equal(action(off), presetWords('plivo')!.topUp);
  const tio = observe(INITIAL_ACCOUNT_STATE, ok(50), T0, cfg()).notifications.find((x) => x.alertname === 'low_balance')!;
  assert.equal(summary(tio), "Telephony.io wallet 'w' balance is low: 50 USD", 'Telephony.io keeps the contract sentences');
});

test('the credit limit and auto-recharge flag are not stored: a snapshot and the journal agree (the next poll reports them)', () => {
  const { state } = observe(INITIAL_ACCOUNT_STATE, ok(10, { creditLimit: 50, autoRecharge: true }), T0, cfg());
  assert.equal(state.creditLimit, 50);
  const back = decodeSnapshot(encodeSnapshot(state));
  assert.equal(back.creditLimit, undefined);
  assert.equal(back.autoRecharge, undefined);
  assert.equal(back.balance, 10);
  assert.equal(diff(INITIAL_ACCOUNT_STATE, state).s?.creditLimit, undefined, 'nor is it in a journal entry');
});

test("Twilio's 401 may be a suspended account, not a wrong token: the auth_failed action says so first (Twilio suspends below 0); other providers' do not", () => {
  const refused = (provider: string) => observe(INITIAL_ACCOUNT_STATE, { ok: false, kind: 'auth', message: 'x' }, T0, cfg({ preset: presetWords(provider) })).notifications.find((x) => x.alertname === 'auth_failed')!;
  assert.match(action(refused('twilio')), /^The account may be suspended: Twilio answers a suspended account as it answers wrong credentials, 401 with error 20003, and suspends one whose balance fell below 0 or whose auto-recharge failed: check the balance in the Console before replacing the token\. Otherwise check the wallet's twilio credentials \(account_sid, auth_token, api_key_sid, api_key_secret\)/);
  assert.match(action(refused('plivo')), /^Check the wallet's plivo credentials \(auth_id, auth_token\): they may have been revoked or rotated/);
});

test('a 200 whose body says the balance pays for no call (DeepSeek is_available: false) is exhausted, with no runway, as a 402; the next that pays clears it', () => {
  const refused = observe(INITIAL_ACCOUNT_STATE, ok(5, { refusesCalls: true }), T0, cfg());
  assert.equal(refused.state.exhausted, true);
  assert.equal(refused.state.balance, 5, 'the balance is still the one read');
  assert.equal(refused.conditions.wallet_exhausted, 'critical');
  assert.equal(refused.forecast.runwaySeconds, 0);
  const paid = observe(refused.state, ok(50), T0 + MIN, cfg());
  assert.equal(paid.state.exhausted, false);
});
