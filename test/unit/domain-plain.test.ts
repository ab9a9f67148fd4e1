import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_ACCOUNT_STATE, applyPoll, type AccountState } from '../../src/domain/account.js';
import { hourCharges, hourCount, hourIndex, hourObservedMs, hourRegular, hoursFromPlain, hoursToPlain, sampleCount, sampleT, size } from '../../src/domain/packed.js';
import { accountStateFromPlain, accountStateToPlain, historyFromPlain, historyToPlain, type PlainHistory } from '../../src/domain/plain.js';
import { expectedRate, expectedSpend, expectedSpendBefore, hourOfWeek, profileReady, UPDATES_KEPT } from '../../src/domain/profile.js';
import { ANOMALY_WINDOW_MS } from '../../src/domain/anomaly.js';
import { forecast } from '../../src/domain/forecast.js';

const T0 = Date.parse('2026-11-02T00:00:00Z'); // a Monday
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Eight days of 1-minute readings with a daily pattern and a top-up: every series filled, buckets all known. */
function learnt(): AccountState {
  let s = INITIAL_ACCOUNT_STATE;
  let balance = 50_000;
  for (let i = 0; i <= 8 * 1440; i++) {
    const t = T0 + i * MIN;
    balance -= (new Date(t).getUTCHours() >= 9 && new Date(t).getUTCHours() < 18 ? 3 : 0.5) + (i % 7) * 0.01;
    if (i === 3 * 1440) balance += 20_000;
    s = applyPoll(s, { ok: true, status: 200, balance: Math.round(balance * 100) / 100, currency: 'USD', requiredCredits: null }, t, 1).state;
  }
  return s;
}

test('plain form round-trips a fully learnt state: through JSON and back, the same state and the same forecast', () => {
  const s = learnt();
  assert.equal(profileReady(s.history.profile), true);
  assert.equal(hourCount(s.history.profile.recent), 168);
  const plain = accountStateToPlain(s);
  const back = accountStateFromPlain(JSON.parse(JSON.stringify(plain)));
  assert.deepEqual(back, s);
  assert.deepEqual(accountStateToPlain(back), plain);
  const now = T0 + 8 * 24 * HOUR;
  assert.deepEqual(forecast(back.history, back.balance, now), forecast(s.history, s.balance, now));
});

test('plain form is the saved format: arrays of objects, null for a bucket never observed', () => {
  const s = learnt();
  const h = historyToPlain(s.history);
  assert.equal(h.samples.length, sampleCount(s.history.samples));
  assert.deepEqual(Object.keys(h.samples[0]!), ['t', 'balance', 'consumed']);
  assert.equal(h.samples.at(-1)!.t, sampleT(s.history.samples, sampleCount(s.history.samples) - 1));
  assert.deepEqual(Object.keys(h.profile.recent[0]!), ['hour', 'consumed', 'charges', 'observedMs', 'oneOff']);
  assert.deepEqual(Object.keys(h.profile.days[0]!), ['day', 'consumed', 'observedMs']);
  assert.equal(h.profile.rates.length, 168);
  assert.ok(h.profile.rates.every((r) => typeof r === 'number'));
  // The last updates: the last hours closed, each bucket seen a week before (a value before it).
  assert.deepEqual(h.profile.updates!.map(([hour]) => hour), Array.from({ length: UPDATES_KEPT }, (_, i) => T0 / HOUR + 8 * 24 - 1 - UPDATES_KEPT + i), 'the hours closed last (the one of the last reading is open)');
  assert.ok(h.profile.updates!.every(([, prior]) => typeof prior === 'number'));
  assert.deepEqual(accountStateToPlain(INITIAL_ACCOUNT_STATE).history.profile, { rates: [], updates: [], open: null, recent: [], days: [] });
});

test('plain form read back: values where they were, null buckets unknown, other lengths kept', () => {
  const hour = Math.floor(T0 / HOUR);
  const rates: (number | null)[] = new Array(168).fill(null);
  rates[hourOfWeek(T0)] = 12.5;
  const plain: PlainHistory = {
    samples: [{ t: T0, balance: 100, consumed: 0 }, { t: T0 + MIN, balance: 99.5, consumed: 0.5 }],
    consumedTotal: 0.5,
    topupsTotal: 0,
    pendingCredit: 0,
    firstSampleAt: T0,
    profile: { rates, updates: [[hour, null]], open: null, recent: [{ hour, consumed: 3, charges: 2, observedMs: HOUR, oneOff: 0 }], days: [] },
    refills: [],
  };
  const h = historyFromPlain(plain);
  assert.equal(sampleCount(h.samples), 2);
  assert.equal(expectedRate(h.profile, T0), 12.5);
  assert.equal(expectedRate(h.profile, T0 + HOUR), null, 'a null bucket is unknown, not 0');
  assert.deepEqual(historyToPlain(h), plain);
  const short = historyFromPlain({ ...plain, profile: { ...plain.profile, rates: [1, null, 3] } });
  assert.deepEqual(historyToPlain(short).profile.rates, [1, null, 3]);
});

test('a state saved with a value before for each of the 168 buckets reads as its last updates, and answers spend_anomaly the same', () => {
  const s = learnt();
  const now = T0 + 8 * 24 * HOUR;
  const plain = historyToPlain(s.history);
  // The older saved form: the value before each bucket's latest update and that update's hour (168 each),
  // rebuilt from the same learning with the bucket updates of the last week in order.
  const prior: (number | null)[] = new Array(168).fill(null);
  const updatedHour: (number | null)[] = new Array(168).fill(null);
  for (const [hour, before] of plain.profile.updates!) {
    prior[hourOfWeek(hour * HOUR)] = before;
    updatedHour[hourOfWeek(hour * HOUR)] = hour;
  }
  updatedHour[hourOfWeek(now - 30 * HOUR)] = now / HOUR - 30; // an update older than those kept
  prior[hourOfWeek(now - 30 * HOUR)] = 1;
  const { updates: _, ...legacy } = plain.profile;
  const back = historyFromPlain({ ...plain, profile: { ...legacy, prior, updatedHour } });
  assert.deepEqual(historyToPlain(back).profile.updates, plain.profile.updates, 'the last UPDATES_KEPT updates, oldest first');
  assert.ok(!('prior' in back.profile) && !('updatedHour' in back.profile), 'the 168-number forms are not kept');
  for (const from of [now - 3 * HOUR, now - 2 * HOUR - 17 * MIN, now - HOUR]) {
    assert.equal(expectedSpendBefore(back.profile, from, now), expectedSpendBefore(s.history.profile, from, now));
  }
});

test('spend_anomaly judges the hours just learnt by what was expected before them (the updates kept are enough)', () => {
  let s = learnt();
  const start = T0 + 8 * 24 * HOUR;
  const before = s.history.profile;
  let balance = s.balance!;
  for (let i = 1; i <= 3 * 60; i++) {
    balance -= 30; // ten times the usual spend, learnt into the buckets of these three hours
    s = applyPoll(s, { ok: true, status: 200, balance, currency: 'USD', requiredCredits: null }, start + i * MIN, 1).state;
  }
  const now = start + 3 * HOUR;
  assert.ok(expectedSpend(s.history.profile, start, now)! > 2 * expectedSpend(before, start, now)!, 'the burst was learnt');
  assert.equal(expectedSpendBefore(s.history.profile, start, now), expectedSpend(before, start, now));
});

test("the bucket updates kept cover spend_anomaly's window (a longer window would need more of them)", () => {
  assert.ok(ANOMALY_WINDOW_MS / HOUR + 1 < UPDATES_KEPT, `${ANOMALY_WINDOW_MS / HOUR} h window, ${UPDATES_KEPT} updates kept`);
});

test('a closed hour is packed in 3 numbers (hour and charges together, the one-off part taken out): the same rates, and the plain form reads back', () => {
  const hour = Math.floor(T0 / HOUR);
  const packed = hoursFromPlain([
    { hour, consumed: 10.25, charges: 3, observedMs: HOUR, oneOff: 4 },
    { hour: hour + 1, consumed: 2, charges: 1_000_000, observedMs: 1_234.5 }, // no oneOff: an older state's form
    { hour: hour + 2, consumed: 1, charges: -2, observedMs: HOUR }, // a count out of range is clamped, not a wrong hour
  ]);
  assert.equal(size(packed), 3 * 3, '3 numbers an hour: 10,000 wallets × 168 hours cost 26 MiB more at 5');
  assert.deepEqual([0, 1, 2].map((i) => hourIndex(packed, i)), [hour, hour + 1, hour + 2]);
  assert.deepEqual([0, 1, 2].map((i) => hourCharges(packed, i)), [3, 1_000_000, 0]);
  assert.deepEqual([0, 1, 2].map((i) => hourRegular(packed, i)), [10.25 - 4, 2, 1]);
  assert.deepEqual([0, 1, 2].map((i) => hourObservedMs(packed, i)), [HOUR, 1_234.5, HOUR]);
  const again = hoursFromPlain(hoursToPlain(packed));
  assert.deepEqual(hoursToPlain(again), hoursToPlain(packed));
  assert.deepEqual(hoursToPlain(packed)[0], { hour, consumed: 6.25, charges: 3, observedMs: HOUR, oneOff: 0 });
});
