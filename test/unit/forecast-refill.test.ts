/**
 * Auto-refill (refill.ts): a wallet its provider tops up by itself is not warned every cycle about a
 * depletion its refill prevents; a refill that fails is alerted on at once; refunds and manual top-ups of
 * other sizes are no pattern.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../../src/backtest/input.js';
import { replay } from '../../src/backtest/replay.js';
import type { Notification } from '../../src/domain/alerts.js';
import { repeatPolicy, type EvaluationConfig } from '../../src/domain/evaluate.js';
import { applyPoll, INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import { forecast } from '../../src/domain/forecast.js';
import { EMPTY_HISTORY, recordSample, shiftHistory, type History } from '../../src/domain/history.js';
import { autoRefill } from '../../src/domain/refill.js';
import { DEFAULT_RULES, mulberry32 } from '../helpers/fixtures.js';
import { samplesToPlain } from '../../src/domain/packed.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-02T00:00:00Z');
const CONFIG: EvaluationConfig = {
  account: 'refill',
  rules: { ...DEFAULT_RULES, runwayWarningHours: 72, runwayCriticalHours: 24 },
  repeat: repeatPolicy({ repeatIntervalMs: 4 * HOUR, repeatRunwayFraction: 0 }),
};

/** A minute's number of 0.1-credit charges at 10 credits/h: Poisson(10/6), by Knuth's product of uniforms. */
function aMinutesCharges(rand: () => number): number {
  let k = 0;
  for (let p = rand(), limit = Math.exp(-10 / 60 / 0.1); p > limit; p *= rand()) k++;
  return k;
}

/** 10 credits/h in Poisson 0.1-credit charges, a reading a minute; `refill(n, balance)` says what the n-th top-up adds (0: none). */
function wallet(days: number, refill: (n: number, balance: number) => number, seed = 1): Row[] {
  const rand = mulberry32(seed);
  const rows: Row[] = [];
  let balance = 1000;
  let refills = 0;
  for (let t = T0; t <= T0 + days * DAY; t += MIN) {
    balance = Math.max(0, Math.round((balance - aMinutesCharges(rand) * 0.1) * 100) / 100);
    if (balance < 200) {
      const added = refill(refills + 1, balance);
      if (added > 0) {
        refills++;
        balance += added;
      }
    }
    rows.push({ t, balance });
  }
  return rows;
}

const firing = (rows: Row[]): Notification[] => {
  const out: Notification[] = [];
  replay(rows, CONFIG, (n) => {
    if (n.alertname === 'depletion_forecast' && n.status === 'firing') out.push(n);
  });
  return out;
};

const refillTimes = (rows: Row[]): number[] => rows.filter((r, i) => i > 0 && r.balance > rows[i - 1]!.balance + 100).map((r) => r.t);

test('auto-refill: +600 whenever the balance falls below 200 (every ~60 h, each refill leaving ~80 h): after the second refill no depletion_forecast, in every seed', () => {
  for (const seed of [1, 2, 3]) {
    const rows = wallet(12, () => 600, seed);
    const [, second] = refillTimes(rows);
    assert.ok(second !== undefined, 'two refills in 12 days');
    const after = firing(rows).filter((n) => n.decidedAt > second);
    assert.deepEqual(after.map((n) => `${n.severity}@${((n.decidedAt - T0) / HOUR).toFixed(1)}h`), [], `seed ${seed}`);
  }
});

test('auto-refill that fails (the third refill never comes): critical once the balance is under the refill level, well before empty', () => {
  for (const seed of [1, 2, 3]) {
    const rows = wallet(10, (n) => (n <= 2 ? 600 : 0), seed);
    const [, second] = refillTimes(rows);
    const empty = rows.find((r) => r.t > second! && r.balance <= 0)!.t;
    const critical = firing(rows).find((n) => n.decidedAt > second! && n.severity === 'critical');
    assert.ok(critical, `seed ${seed}: no critical after the failed refill`);
    assert.ok(empty - critical.decidedAt >= 15 * HOUR, `seed ${seed}: critical ${((empty - critical.decidedAt) / HOUR).toFixed(1)} h before empty`);
    assert.match(critical.wallet.forecast?.basis ?? '', /refills itself .* alerts as usual below it/);
  }
});

const feed = (pairs: [number, number][]): History => pairs.reduce((h, [hours, balance]) => recordSample(h, T0 + hours * HOUR, balance, 1).history, EMPTY_HISTORY);

test('autoRefill: what counts as a refill pattern (table)', () => {
  const cases: [string, [number, number][], boolean][] = [
    ['two refills of 600 at ~200', [[0, 1000], [60, 195], [60.1, 795], [120, 205], [120.1, 805]], true],
    ['one refill', [[0, 1000], [60, 195], [60.1, 795]], false],
    ['amounts differ (600 vs 300)', [[0, 1000], [60, 195], [60.1, 795], [90, 205], [90.1, 505]], false],
    ['levels differ (200 vs 500)', [[0, 1000], [60, 195], [60.1, 795], [90, 500], [90.1, 1100]], false],
    ['refunds: rises of 5 on a 900 balance', [[0, 1000], [10, 900], [10.1, 905], [20, 880], [20.1, 885]], false],
    ['ran dry before the refill (manual, late)', [[0, 1000], [60, 0], [61, 600], [120, 0], [121, 600]], false],
  ];
  for (const [name, pairs, expected] of cases) {
    const h = feed(pairs);
    assert.equal(autoRefill(h, samplesToPlain(h.samples).at(-1)!.t) !== null, expected, name);
  }
  const stale = feed([[0, 1000], [60, 195], [60.1, 795], [120, 205], [120.1, 805]]);
  assert.equal(autoRefill(stale, T0 + 120 * HOUR + 15 * DAY), null, 'a pattern older than 14 days no longer counts');
});

test('refills move with a clock step, and are kept bounded', () => {
  const pairs: [number, number][] = [[0, 1000]];
  for (let i = 1; i <= 10; i++) pairs.push([i * 10, 200], [i * 10 + 0.1, 800]);
  const h = feed(pairs);
  assert.equal(h.refills.length, 4);
  const shifted = shiftHistory(h, -HOUR);
  assert.deepEqual(shifted.refills.map((r) => r.t), h.refills.map((r) => r.t - HOUR));
});

test('a wallet refilled by hand after 2 days empty: the time it had no money is not read as usage, so the next runway is the balance at the rate before (read as days of no usage, seed 1 said 178 h)', () => {
  for (const seed of [1, 2, 3]) {
    const rand = mulberry32(seed);
    let s: AccountState = INITIAL_ACCOUNT_STATE;
    let balance = 600;
    const read = (t: number) => (s = applyPoll(s, { ok: true, status: balance > 0 ? 200 : 402, balance, currency: 'USD', requiredCredits: null }, t, 1).state);
    let t = T0;
    // 10 credits/h in 0.1-credit Poisson charges, a reading a minute, until empty (~60 h), then 48 h at 0.
    for (; balance > 0; t += MIN) {
      balance = Math.max(0, Math.round((balance - aMinutesCharges(rand) * 0.1) * 100) / 100);
      read(t);
    }
    for (const end = t + 2 * DAY; t < end; t += MIN) read(t);
    // Refilled with 1 000 (100 h at 10/h); an hour later, the runway.
    balance = 1000;
    for (const end = t + HOUR; t < end; t += MIN) {
      read(t);
      balance = Math.round((balance - 10 / 60) * 100) / 100;
    }
    const hours = forecast(s.history, s.balance, t).runwaySeconds / 3600;
    assert.ok(hours > 85 && hours < 115, `seed ${seed}: runway ${hours.toFixed(1)} h after the refill, 100 h at the rate before`);
  }
});
