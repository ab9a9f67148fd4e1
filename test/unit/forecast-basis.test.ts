/**
 * What the forecast rests on, where it is read (issue 9): /api/status (and `check`), and the files that
 * carry it across restarts — a state file or an outbox written before it existed still loads.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { INITIAL_ACCOUNT_STATE, applyPoll, type AccountState } from '../../src/domain/account.js';
import type { Notification } from '../../src/domain/alerts.js';
import { snapshot } from '../../src/domain/evaluate.js';
import { forecast } from '../../src/domain/forecast.js';
import type { Delivery } from '../../src/notify/dispatch.js';
import { accountStatus, runwayKnown } from '../../src/status.js';
import { depletionAt, depletionTime } from '../../src/domain/messages.js';
import { daysToPlain, hourCharges, hourCount, hoursToPlain } from '../../src/domain/packed.js';
import { accountStateToPlain } from '../../src/domain/plain.js';
import { openState, outboxIn } from '../helpers/state.js';

const T0 = Date.parse('2026-11-02T00:00:00Z');
const MIN = 60_000;
const log = pino({ level: 'silent' });

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-basis-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** `minutes` polls a minute apart, spending `perMinute` credits each (a little noise every third). */
function burning(minutes: number, start: number, perMinute: number): { state: AccountState; now: number } {
  let s = INITIAL_ACCOUNT_STATE;
  let balance = start;
  for (let m = 0; m <= minutes; m++) {
    s = applyPoll(s, { ok: true, status: 200, balance, currency: 'USD', requiredCredits: null }, T0 + m * MIN, 1).state;
    balance = Math.round((balance - perMinute - (m % 3 === 0 ? 0.03 : 0)) * 100) / 100;
  }
  return { state: s, now: T0 + minutes * MIN };
}

test('/api/status: one forecast object — method, confidence, band, cautious, basis — the same a notification carries; JSON-safe', () => {
  const { state, now } = burning(26 * 60, 1000, 0.1); // 26 h at 6/h
  const f = forecast(state.history, state.balance, now);
  const status = accountStatus('default', state, f, [], now);
  assert.deepEqual(Object.keys(status.forecast).sort(), ['basis', 'cautious', 'confidence', 'method', 'runway_high_seconds', 'runway_low_seconds']);
  assert.equal(status.forecast.method, status.forecast_method);
  assert.equal(status.forecast.confidence, status.forecast_confidence);
  assert.equal(status.forecast.runway_low_seconds, Math.round(status.runway_low_seconds!));
  assert.equal(status.forecast.runway_high_seconds, Math.round(status.runway_high_seconds!));
  assert.match(status.forecast.basis, /credits\/h for an average hour \(\d+ charges over [\d.]+ h observed/);
  assert.match(status.forecast.basis, /Runway [\d.]+ h \(80 % band [\d.]+ h to [\d.]+ h\)/);
  // 26 h of history: the warning still leans to the cautious end, (30 − 26) ÷ 6 of the way (a second day slides
  // it to the centre), and the basis says how far rather than "on the cautious end".
  assert.equal(status.forecast.cautious, true);
  assert.match(status.forecast.basis, /The warning alerts 67 % of the way from the central runway less \d+ % toward the cautious end of the evidence \([\d.]+ h\): only 26\.0 h of history;/);
  assert.doesNotMatch(status.forecast.basis, /on the cautious end/);
  assert.deepEqual(JSON.parse(JSON.stringify(status)), status);
  const w = snapshot(state, f);
  assert.equal(w.forecast?.basis, status.forecast.basis);
});


test('the basis gives durations under an hour in minutes or seconds (a first poll\'s history, a wallet running dry in minutes), not as a fraction of an hour', () => {
  const { state, now } = burning(3, 40, 1); // 3 min of history at 60/h, 37 credits left
  const basis = accountStatus('default', state, forecast(state.history, state.balance, now), [], now).forecast.basis;
  assert.match(basis, /charges over 3 min observed in the last 3 min/);
  assert.match(basis, /Runway 37 min \(80 % band (\d+ (s|min)|[\d.]+ h) to (\d+ (s|min)|[\d.]+ h)\)/);
  assert.doesNotMatch(basis, /0\.0\d+ h/);
});
test('/api/status: the depletion time counts from the poll the forecast was made at, not from the request', () => {
  const { state, now } = burning(26 * 60, 1000, 0.1);
  const f = forecast(state.history, state.balance, now);
  const polled = { ...state, lastPollAt: now };
  const later = accountStatus('default', polled, f, [], now + 30 * MIN);
  assert.equal(later.depletion_at, new Date(now + f.runwaySeconds * 1000).toISOString());
  assert.equal(accountStatus('default', polled, f, [], now).depletion_at, later.depletion_at, 'the same at the poll and half an hour later');
});

test('/api/status when not burning: method none, no band, a basis that says why; no Infinity anywhere', () => {
  let s = INITIAL_ACCOUNT_STATE;
  for (let m = 0; m < 5; m++) s = applyPoll(s, { ok: true, status: 200, balance: 500, currency: 'USD', requiredCredits: null }, T0 + m * MIN, 1).state;
  const now = T0 + 4 * MIN;
  const status = accountStatus('default', s, forecast(s.history, s.balance, now), [], now);
  assert.deepEqual(status.forecast, {
    method: 'none',
    confidence: 'none',
    runway_low_seconds: null,
    runway_high_seconds: null,
    cautious: false,
    basis: 'No net spend measured in the last 24 h: no depletion is forecast.',
  });
  assert.doesNotMatch(JSON.stringify(status), /Infinity|NaN/);
});

test('too few readings to tell (a first poll; polls failing for over a day): the basis says so, and the runway is not known, not "not burning"', () => {
  const ok = (balance: number) => ({ ok: true as const, status: 200 as const, balance, currency: 'USD', requiredCredits: null });
  const first = applyPoll(INITIAL_ACCOUNT_STATE, ok(500), T0, 1).state;
  const f1 = forecast(first.history, first.balance, T0);
  assert.match(accountStatus('default', first, f1, [], T0).forecast.basis, /^Too few readings in the last 24 h to measure the spend/);
  assert.equal(runwayKnown(first, f1), false, 'a first poll');

  let s = INITIAL_ACCOUNT_STATE;
  for (let m = 0; m < 60; m++) s = applyPoll(s, ok(500 - m), T0 + m * MIN, 1).state; // spending 60/h
  assert.equal(runwayKnown(s, forecast(s.history, s.balance, T0 + 59 * MIN)), true);
  const dayLater = T0 + 59 * MIN + 24.5 * 3_600_000; // every poll since failed
  const aged = forecast(s.history, s.balance, dayLater);
  assert.equal(runwayKnown(s, aged), false, 'no reading for 24.5 h: not known, where it read as not burning (runway null, runway_known true)');
  assert.match(accountStatus('default', s, aged, [], dayLater).forecast.basis, /^Too few readings in the last 24 h/, 'not "No net spend measured in the last 24 h"');
});

test('a wallet whose polls all failed so far: the basis says no balance was read, not that no spend was measured (an auth_failed at the first poll carries it)', () => {
  const failed = applyPoll(INITIAL_ACCOUNT_STATE, { ok: false, kind: 'auth', message: 'answered 401' }, T0, 1).state;
  const f = forecast(failed.history, failed.balance, T0);
  assert.equal(accountStatus('default', failed, f, [], T0).forecast.basis, 'No balance read yet: nothing to forecast from.');
  assert.equal(snapshot(failed, f).forecast?.basis, 'No balance read yet: nothing to forecast from.');
});

test('a state file written before issue 9 (profile without recent hours, daily totals or charges) loads, and the forecast works on it', async (t) => {
  const dir = tempDir(t);
  const { state } = burning(90, 1000, 0.1);
  const saved = accountStateToPlain(state);
  const { recent: _r, days: _d, open, ...oldProfile } = saved.history.profile;
  const old = { ...saved, history: { ...saved.history, profile: { ...oldProfile, open: open && { hour: open.hour, consumed: open.consumed, observedMs: open.observedMs } } } };
  writeFileSync(join(dir, 'account-default.json'), JSON.stringify({ version: 1, account: 'default', state: old }));
  const loaded = await (await openState(dir, log)).account('default').load(T0 + 91 * MIN); // imported from 0.1's file
  assert.deepEqual(hoursToPlain(loaded.history.profile.recent), []);
  assert.deepEqual(daysToPlain(loaded.history.profile.days), []);
  assert.equal(loaded.history.profile.open?.charges, 0);
  const f = forecast(loaded.history, loaded.balance, T0 + 90 * MIN);
  assert.ok(Number.isFinite(f.runwaySeconds) && f.runwaySeconds > 0, `runway ${f.runwaySeconds}`);
  // And the new fields round-trip.
  const store = await openState(join(dir, 'db'), log);
  await store.account('default').save(state);
  assert.deepEqual((await (await openState(join(dir, 'db'), log)).account('default').load(T0 + 91 * MIN)).history.profile, state.history.profile);
  assert.equal(hourCount(state.history.profile.recent), 1, 'one closed hour after 90 minutes');
  assert.ok(hourCharges(state.history.profile.recent, 0) >= 50, `charges ${hourCharges(state.history.profile.recent, 0)}`);
});

test('an outbox written before issue 9 (no wallet.forecast) loads; one with the forecast basis round-trips', async (t) => {
  const dir = tempDir(t);
  const n: Notification = {
    id: 'default/depletion_forecast/x',
    account: 'default',
    alertname: 'depletion_forecast',
    severity: 'warning',
    status: 'firing',
    reason: 'start',
    startsAt: T0,
    decidedAt: T0,
    wallet: { balance: 10, currency: 'USD', burnRatePerHour: 1, runwaySeconds: 36_000 },
  };
  const delivery = (notification: Notification): Delivery => ({ deliveryId: 'd1', target: 'webhook', notification, createdAt: T0, attempts: 0, nextAttemptAt: T0, lastError: null });
  writeFileSync(join(dir, 'outbox.json'), JSON.stringify({ version: 1, deliveries: [delivery(n)] }));
  await openState(dir, log); // imports 0.1's outbox.json
  assert.deepEqual((await outboxIn(dir, log).load(T0)).deliveries, [delivery(n)]);
  const { state, now } = burning(60, 100, 0.1);
  const withBasis = { ...n, wallet: snapshot(state, forecast(state.history, state.balance, now)) };
  await outboxIn(dir, log).save({ deliveries: [delivery(withBasis)], delivered: {} });
  assert.deepEqual((await outboxIn(dir, log).load(T0)).deliveries, [delivery(withBasis)]);
});

test('a runway past what a date holds (a nearly flat balance: 10^17 s): /api/status, the wallet row and the notification say no depletion time instead of throwing', () => {
  const { state, now } = burning(60, 1000, 0.1);
  const f = forecast(state.history, state.balance, now);
  const far = { ...f, runwaySeconds: 7.9e16, runwayLowSeconds: 7.9e16 };
  const status = accountStatus('default', state, far, [], now);
  assert.equal(status.runway_seconds, 7.9e16);
  assert.deepEqual([status.depletion_at, status.depletion_at_earliest], [null, null]);
  assert.equal(depletionAt(now, 3600), new Date(now + 3_600_000).toISOString());
  const n = { decidedAt: now, wallet: snapshot(state, far) } as unknown as Notification;
  assert.equal(depletionTime(n), null);
});
