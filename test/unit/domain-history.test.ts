import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_HISTORY, RETENTION, recordSample, type History } from '../../src/domain/history.js';
import { forecast } from '../../src/domain/forecast.js';
import { applyPoll, INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import { BURN_WINDOWS, MIN_RUNWAY_EVIDENCE, burnRate, burnRates } from '../../src/domain/rates.js';
import { sampleCount, samplesToPlain } from '../../src/domain/packed.js';

const T0 = Date.parse('2026-11-27T00:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

/** Feeds (ms offset from T0, balance) pairs into a history. */
function feedMs(pairs: ReadonlyArray<readonly [number, number]>, topupMinCredits = 1, h: History = EMPTY_HISTORY): History {
  for (const [ms, balance] of pairs) h = recordSample(h, T0 + ms, balance, topupMinCredits).history;
  return h;
}
/** Feeds (minute, balance) pairs into a history. */
const feed = (pairs: ReadonlyArray<readonly [number, number]>, topupMinCredits = 1, h: History = EMPTY_HISTORY): History =>
  feedMs(pairs.map(([m, b]) => [Math.round(m * MIN), b] as const), topupMinCredits, h);

/** (minute, balance(minute)) for every minute in [from, to]. */
function minutes(from: number, to: number, balance: (m: number) => number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let m = from; m <= to; m++) out.push([m, balance(m)]);
  return out;
}
const at = (minute: number) => T0 + minute * MIN;

function assertClose(actual: number, expected: number, relTol: number, what: string): void {
  assert.ok(Number.isFinite(actual), `${what}: ${actual} is not finite`);
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * relTol + 1e-9, `${what}: ${actual} is not within ${relTol * 100}% of ${expected}`);
}

/** Deterministic jitter in [-0.3, 0.3]. */
const JITTER = [0, 0.3, -0.3, 0.2, -0.1, 0.25, -0.3, 0.1, -0.2, 0.15, -0.25, 0.05];
const jitter = (i: number): number => JITTER[i % JITTER.length]!;

test('steady burn: 1 credit a minute for 2 h → every window 60/h, runway = balance / 60 h, consumed exact', () => {
  let h = EMPTY_HISTORY;
  for (const [m, b] of minutes(0, 120, (m) => 1000 - m)) {
    const r = recordSample(h, at(m), b, 1);
    assert.equal(r.consumed, m === 0 ? 0 : 1);
    assert.equal(r.topup, false);
    h = r.history;
  }
  assert.equal(h.consumedTotal, 120);
  assert.equal(h.topupsTotal, 0);
  assert.equal(sampleCount(h.samples), 61 + 4, 'every sample of the last hour, one per 15 min before it (RETENTION)');
  const rates = burnRates(h, at(120));
  for (const w of ['1h', '6h', '24h'] as const) assertClose(rates[w], 60, 1e-12, `${w} rate`);
  const f = forecast(h, 880, at(120));
  assertClose(f.burnRatePerHour, 60, 1e-12, 'burnRatePerHour');
  assertClose(f.runwaySeconds, (880 / 60) * 3600, 1e-12, 'runway');
});

test('top-up in the middle: counted once, excluded from consumed, the rate across it stays the true one, runway jumps up', () => {
  // −1 per minute throughout; +500 lands between minute 59 and minute 60.
  const balance = (m: number) => 1000 - m + (m >= 60 ? 500 : 0);
  const before = feed(minutes(0, 59, balance));
  const step = recordSample(before, at(60), balance(60), 1);
  assert.equal(step.topup, true);
  assert.equal(step.consumed, 0, 'a top-up is not negative spend');
  const h = feed(minutes(61, 120, balance), 1, step.history);

  assert.equal(h.topupsTotal, 1);
  // 120 minutes at 1/min; the minute holding the top-up cannot be observed, so 119 is the honest floor.
  assert.ok(h.consumedTotal >= 119 && h.consumedTotal <= 120, `consumedTotal ${h.consumedTotal}`);
  for (const [now, w] of [[120, '6h'], [120, '24h'], [90, '1h'], [120, '1h']] as const) {
    assertClose(burnRates(h, at(now))[w], 60, 0.02, `${w} rate at minute ${now} (window across the top-up: ${now === 90 || w !== '1h'})`);
  }

  const runwayBefore = forecast(before, balance(59), at(59)).runwaySeconds;
  const after = forecast(step.history, balance(60), at(60));
  assertClose(runwayBefore, (941 / 60) * 3600, 1e-9, 'runway before the top-up');
  assert.ok(after.runwaySeconds > runwayBefore * 1.4, `runway after the top-up ${after.runwaySeconds} vs before ${runwayBefore}`);
  assertClose(after.runwaySeconds, (1440 / after.burnRatePerHour) * 3600, 1e-9, 'runway after the top-up');
});

test('noise around a flat balance is not spend: consumed stays ~0, no top-up counted', () => {
  const h = feed(minutes(0, 120, (m) => 500 + jitter(m)));
  assert.equal(h.topupsTotal, 0);
  assert.ok(h.consumedTotal <= 0.6 + 1e-9, `consumedTotal ${h.consumedTotal} (jitter amplitude is ±0.3)`);
});

test(
  'noise around a flat balance is not spend: runway +Inf',
  () => {
    const h = feed(minutes(0, 120, (m) => 500 + jitter(m)));
    const f = forecast(h, 500 + jitter(120), at(120));
    assert.equal(f.runwaySeconds, Infinity);
    assert.equal(f.burnRatePerHour, 0);
  },
);

test('noise around a steady burn: rates within 5 % of the truth', () => {
  // 0.5 credits a minute (30/h) with ±0.3 jitter: some readings rise a little, none by a top-up's size.
  const h = feed(minutes(0, 360, (m) => 1000 - 0.5 * m + jitter(m)));
  assert.equal(h.topupsTotal, 0);
  const rates = burnRates(h, at(360));
  for (const w of ['1h', '6h', '24h'] as const) assertClose(rates[w], 30, 0.05, `${w} rate`);
  assertClose(h.consumedTotal, 180, 0.05, 'consumedTotal');
  const f = forecast(h, 1000 - 180 + jitter(360), at(360));
  assertClose(f.runwaySeconds, (820 / 30) * 3600, 0.06, 'runway');
});

test('a gap of 5 h: the spend across it is counted once, the 1h window uses only the samples inside it', () => {
  // 1/min for an hour, nothing for 5 h while 600 credits go (2/min), then 1/min again for 30 min.
  const pre = minutes(0, 60, (m) => 10_000 - m);
  const post = minutes(360, 390, (m) => 10_000 - 60 - 600 - (m - 360));
  const h0 = feed(pre);
  const across = recordSample(h0, at(360), post[0]![1], 1);
  assert.equal(across.consumed, 600);
  const h = feed(post.slice(1), 1, across.history);
  assert.equal(h.consumedTotal, 690);
  const rates = burnRates(h, at(390));
  assertClose(rates['1h'], 60, 1e-12, '1h rate (samples 360..390 only)');
  assertClose(rates['6h'], (660 / 360) * 60, 1e-12, '6h rate (from minute 30)');
  assertClose(rates['24h'], (690 / 390) * 60, 1e-12, '24h rate');
});

const sparse: Array<[string, Array<[number, number]>, number, Partial<Record<keyof typeof BURN_WINDOWS, 'NaN' | number>>]> = [
  ['empty history', [], 10, { '1h': 'NaN', '6h': 'NaN', '24h': 'NaN' }],
  ['one sample', [[0, 100]], 10, { '1h': 'NaN', '6h': 'NaN', '24h': 'NaN' }],
  ['two samples 2 h apart: only one in the 1h window', [[0, 100], [120, 90]], 120, { '1h': 'NaN', '6h': 5, '24h': 5 }],
  ['now before every sample', [[0, 100], [10, 90]], -5, { '1h': 'NaN', '6h': 'NaN', '24h': 'NaN' }],
  ['samples after now are ignored', [[0, 100], [30, 95], [60, 40]], 30, { '1h': 10 }],
];
for (const [name, pairs, nowMin, expected] of sparse) {
  test(`burn-rate windows: ${name}`, () => {
    const rates = burnRates(feed(pairs), at(nowMin));
    for (const [w, e] of Object.entries(expected)) {
      const r = rates[w as keyof typeof BURN_WINDOWS];
      if (e === 'NaN') assert.ok(Number.isNaN(r), `${w}: ${r} should be NaN`);
      else assertClose(r, e, 1e-12, w);
    }
  });
}

test('burnRate on its own: window bounds are inclusive', () => {
  const h = feed([[0, 100], [60, 40]]);
  assertClose(burnRate(h.samples, at(60), BURN_WINDOWS['1h']), 60, 1e-12, 'a sample exactly one hour old is inside the 1h window');
  assert.ok(Number.isNaN(burnRate(h.samples, at(60) + 1, BURN_WINDOWS['1h'])));
});

test('runway +Inf while not burning (flat balance), rate 0', () => {
  const h = feed(minutes(0, 120, () => 500));
  const f = forecast(h, 500, at(120));
  assert.equal(f.runwaySeconds, Infinity);
  assert.equal(f.burnRatePerHour, 0);
  assert.equal(h.consumedTotal, 0);
});

test('runway +Inf with no history or no balance', () => {
  assert.equal(forecast(EMPTY_HISTORY, 100, T0).runwaySeconds, Infinity);
  assert.equal(forecast(feed(minutes(0, 60, (m) => 1000 - m)), null, at(60)).runwaySeconds, Infinity);
});

for (const balance of [0, -0.01, -5]) {
  test(`runway 0 when the balance is ${balance}`, () => {
    assert.equal(forecast(EMPTY_HISTORY, balance, T0).runwaySeconds, 0);
    const burning = feed(minutes(0, 60, (m) => 60 - m));
    assert.equal(forecast(burning, balance, at(60)).runwaySeconds, 0);
    const flat = feed(minutes(0, 60, () => balance));
    assert.equal(forecast(flat, balance, at(60)).runwaySeconds, 0);
  });
}

const { samples: N, spanMs: SPAN } = MIN_RUNWAY_EVIDENCE;
const evidence: Array<[string, Array<[number, number]>, boolean]> = [
  [`${N} samples spanning ${SPAN / SEC} s with consumption → finite`, [[0, 100], [SPAN / 2, 99], [SPAN, 98]], true],
  [`${N + 1} samples spanning 20 s → finite`, [[0, 100], [5 * SEC, 99], [10 * SEC, 98], [20 * SEC, 97]], true],
  ['2 samples a minute apart → +Inf', [[0, 100], [MIN, 90]], false],
  [`${N} samples spanning 5 s → +Inf`, [[0, 100], [2.5 * SEC, 99], [5 * SEC, 98]], false],
  [`${N} samples spanning ${SPAN / SEC - 1} s → +Inf`, [[0, 100], [4 * SEC, 99], [SPAN - SEC, 98]], false],
  [`${N} samples spanning ${SPAN / SEC} s without consumption → +Inf`, [[0, 100], [SPAN / 2, 100], [SPAN, 100]], false],
];
for (const [name, pairs, finite] of evidence) {
  test(`runway evidence: ${name}`, () => {
    const h = feedMs(pairs);
    const [lastMs, lastBalance] = pairs.at(-1)!;
    const f = forecast(h, lastBalance, T0 + lastMs);
    if (!finite) {
      assert.equal(f.runwaySeconds, Infinity);
      return;
    }
    const [firstMs, firstBalance] = pairs[0]!;
    const perHour = ((firstBalance - lastBalance) / (lastMs - firstMs)) * HOUR;
    assertClose(f.runwaySeconds, (lastBalance / perHour) * 3600, 1e-9, 'runway');
  });
}

const stale: Array<[string, number]> = [
  ['the same t', 0],
  ['an earlier t', -1],
  ['much earlier', -30 * MIN],
];
for (const [name, offsetMs] of stale) {
  test(`a sample at ${name} as the last one leaves the history unchanged`, () => {
    const h = feed(minutes(0, 10, (m) => 100 - m));
    const copy = structuredClone(h);
    for (const balance of [0, 50, 1000]) {
      const r = recordSample(h, at(10) + offsetMs, balance, 1);
      assert.deepEqual(r.history, copy);
      assert.equal(r.consumed, 0);
      assert.equal(r.topup, false);
    }
  });
}

test('retention: 30 h of one sample per 10 s stays bounded and thinned, consumedTotal exact', () => {
  const step = 10 * SEC;
  const total = (30 * HOUR) / step;
  let h = EMPTY_HISTORY;
  for (let i = 0; i <= total; i++) h = recordSample(h, T0 + i * step, 1_000_000 - i, 1).history;
  const now = T0 + total * step;

  assert.equal(h.consumedTotal, total);
  const maxLen = RETENTION.fullResolutionMs / step + (RETENTION.keepMs - RETENTION.fullResolutionMs) / RETENTION.thinnedSpacingMs + 2;
  assert.ok(sampleCount(h.samples) <= maxLen, `${sampleCount(h.samples)} samples > ${maxLen}`);
  assert.equal(samplesToPlain(h.samples).at(-1)!.t, now, 'the newest sample is kept');
  assert.ok(now - samplesToPlain(h.samples)[0]!.t <= RETENTION.keepMs, 'a sample older than RETENTION.keepMs is kept');
  assert.ok(now - samplesToPlain(h.samples)[0]!.t >= BURN_WINDOWS['24h'], 'the 24h window still has its oldest sample');
  for (let i = 1; i < sampleCount(h.samples); i++) {
    const prev = samplesToPlain(h.samples)[i - 1]!;
    const cur = samplesToPlain(h.samples)[i]!;
    assert.ok(cur.t > prev.t, 'oldest first, strictly increasing');
    if (now - cur.t > RETENTION.fullResolutionMs) {
      assert.ok(cur.t - prev.t >= RETENTION.thinnedSpacingMs, `old samples ${cur.t - prev.t} ms apart`);
    }
    assert.equal(cur.consumed, 1_000_000 - cur.balance, 'each kept sample still holds the exact cumulative spend');
  }
  const fullRes = samplesToPlain(h.samples).filter((s) => now - s.t <= RETENTION.fullResolutionMs);
  assert.equal(fullRes.length, RETENTION.fullResolutionMs / step + 1, 'the last hour is kept at full resolution');
  const rates = burnRates(h, now);
  for (const w of ['1h', '6h', '24h'] as const) assertClose(rates[w], 360, 1e-9, `${w} rate after thinning`);
});

test('a burst in the last hour alone does not become the forecast: the central runway and both decisions rest on the day', () => {
  // 10/h for 23 h (−1 every 6 min), then 100/h for the last hour (−5 every 3 min).
  const pairs: Array<[number, number]> = [];
  for (let m = 0; m <= 23 * 60; m += 6) pairs.push([m, 10_000 - m / 6]);
  for (let m = 23 * 60 + 3; m <= 24 * 60; m += 3) pairs.push([m, 9770 - ((m - 23 * 60) / 3) * 5]);
  const h = feed(pairs);
  const now = at(24 * 60);
  assert.equal(h.consumedTotal, 330);
  const f = forecast(h, 9670, now);
  assertClose(f.rates['1h'], 100, 1e-12, '1h rate');
  assertClose(f.rates['24h'], 330 / 24, 1e-12, '24h rate');
  assertClose(f.burnRatePerHour, 330 / 24, 1e-9, 'the forecast rests on the long window');
  assertClose(f.runwaySeconds, (9670 / (330 / 24)) * 3600, 1e-9, 'runway');
  // 1 h at 7× the day's level but 6 h at 1.8×: the 6 h window does not confirm a burst.
  assert.equal(f.evidence?.burst, null);
  assert.ok(f.criticalAlertRunwaySeconds >= f.runwaySeconds / 1.08, 'critical decides on the central runway less its margin, not the burst');
});

test('a quiet last hour does not hide a day of spend', () => {
  const pairs: Array<[number, number]> = [];
  for (let m = 0; m <= 23 * 60; m += 6) pairs.push([m, 10_000 - m / 6]);
  for (let m = 23 * 60 + 6; m <= 24 * 60; m += 6) pairs.push([m, 9770]);
  const f = forecast(feed(pairs), 9770, at(24 * 60));
  assertClose(f.rates['1h'], 0, 0, '1h rate');
  assertClose(f.burnRatePerHour, 230 / 24, 1e-12, 'rate');
  assert.ok(Number.isFinite(f.runwaySeconds));
});

test('a top-up keeps the small credits still pending: no spend appears in the series where none happened', () => {
  // flat at 100, a 0.9 refund, flat, a top-up of 500, flat: nothing spent
  const pairs: Array<[number, number]> = [[0, 100], [5, 100.9]];
  for (let m = 10; m <= 50; m += 5) pairs.push([m, 100.9]);
  for (let m = 55; m <= 70; m += 5) pairs.push([m, 600.9]);
  const h = feed(pairs);
  assert.equal(h.consumedTotal, 0);
  const consumed = samplesToPlain(h.samples).map((s) => s.consumed);
  assertClose(Math.max(...consumed) - Math.min(...consumed), 0.9, 1e-9, 'the series moved by the refund only');
  assert.equal(consumed.at(-1), consumed[1], 'the top-up left it where the refund put it');
  assert.equal(burnRates(h, at(70))['1h'], 0);
});

test('another currency starts the history again: 100 USD then 85 EUR is no spend, 150000 JPY no top-up; the counters go on', () => {
  const poll = (s: AccountState, m: number, balance: number, currency: string) => applyPoll(s, { ok: true, status: 200, balance, currency, requiredCredits: null }, at(m), 1);
  let s = INITIAL_ACCOUNT_STATE;
  for (let m = 0; m < 30; m++) s = poll(s, m, 1_000 - m, 'USD').state;
  const spent = s.history.consumedTotal;
  assert.equal(spent, 29);
  for (const [balance, currency] of [[850, 'EUR'], [150_000, 'JPY']] as const) {
    const r = poll(s, 30, balance, currency);
    assert.deepEqual([r.consumed, r.topup, r.state.history.consumedTotal, r.state.history.topupsTotal], [0, false, spent, 0], currency);
    assert.equal(sampleCount(r.state.history.samples), 1, `${currency}: one reading, the first of the new series`);
    assert.equal(r.state.history.firstSampleAt, at(30));
  }
  assert.equal(poll(s, 30, 970, 'usd').state.history.consumedTotal, 30, 'the same code in other letters: the same series (1 more spent)');
});

test('a top-up taken back within the hour is no spend: a 1e15 reading, then the true balance again', () => {
  // 1 credit a minute from 2,000; at minute 60 the upstream reads 1e15 once, then the true balance again
  let h = feed(minutes(0, 59, (m) => 2_000 - m));
  h = recordSample(h, at(60), 1e15, 1).history;
  assert.equal(h.refills.length, 1, 'read as a top-up when it comes');
  const r = recordSample(h, at(61), 2_000 - 61, 1);
  assert.equal(r.consumed, 2, 'the drop gives the credit back; the two minutes of spend across it stay');
  assert.equal(r.reversed, 1e15 - 1_941);
  assert.equal(r.history.refills.length, 0, 'no refill left for auto-recharge detection to read');
  h = feed(minutes(62, 120, (m) => 2_000 - m), 1, r.history);
  assert.equal(h.consumedTotal, 120, 'every credit of the two hours counted, and only those: spend after the spike still adds up');
  assertClose(burnRates(h, at(120))['1h'], 60, 0.02, 'the rate of the last hour'); // 61: the minute hidden by the spike is counted when it ends
});

test('a payment reversed half an hour after its top-up: the drop back is the credit leaving, not spend', () => {
  let h = feed(minutes(0, 9, (m) => 1_000 - m)); // 991 at minute 9
  h = feed([[10, 1_490]], 1, h); // +500 (1 spent in the minute)
  h = feed(minutes(11, 39, (m) => 1_490 - (m - 10)), 1, h); // 1,461 at minute 39
  const r = recordSample(h, at(40), 960, 1); // the 500 taken back, and 1 spent
  // The top-up read as +499 (the minute's spend hid in it), so 499 goes back and 2 are spent: the hidden minute too.
  assert.deepEqual([r.consumed, r.reversed], [2, 499]);
  assert.equal(r.history.consumedTotal, 40, 'a credit a minute for 40 minutes, the reversal none of it');
});

test('drops that are spend stay spend: less than 90 % of the top-up, more than an hour after it, or the usual spend of a sparsely read wallet', () => {
  const base = feed([[0, 1_000], [1, 1_000], [2, 1_500]]); // a top-up of 500 at minute 2
  const big = recordSample(base, at(3), 1_100, 1); // 400 spent at once: 80 % of the top-up
  assert.deepEqual([big.consumed, big.reversed, big.history.refills.length], [400, 0, 1]);
  const late = feed(minutes(3, 62, () => 1_500), 1, base); // flat for an hour
  const r = recordSample(late, at(63), 1_000, 1); // then 500 at once, 61 minutes after the top-up
  assert.deepEqual([r.consumed, r.reversed], [500, 0]);
  // Read every hour, 60 spent an hour, +100 at once when low: the top-up reads +40, the next hour's drop of 60 is the usual spend
  const hourly = feedMs([[0, 400], [HOUR, 340], [2 * HOUR, 280], [3 * HOUR, 220], [4 * HOUR, 160], [5 * HOUR, 200]]);
  const spent = recordSample(hourly, T0 + 6 * HOUR, 140, 1);
  assert.deepEqual([spent.consumed, spent.reversed], [60, 0], 'a small automatic top-up spent within the hour is not taken back');
});
