/**
 * Edges of the estimator a review of src/domain reproduced as wrong numbers: what an outage, a top-up
 * inside a poll interval, a business week read for a trend and a runway past the walk's horizon must not do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forecast } from '../../src/domain/forecast.js';
import { hourOfWeek } from '../../src/domain/profile.js';
import { nearRates } from '../../src/domain/rates.js';
import { describe } from '../../src/domain/basis.js';
import { FLAT } from '../../src/domain/shape.js';
import { walkTo } from '../../src/domain/walk.js';
import { assertClose, poll, RULES, start, stateOf, steady, run, trueRunway, T0, DAY, HOUR, MIN, hours } from '../helpers/forecast-sim.js';
import { evaluateRules } from '../../src/domain/rules.js';

test('a one-off charge (a rental) just after an 8 h outage is not a burst: no near reading over minutes, no page on a wallet days from empty', () => {
  let s = start(400);
  s = run(s, T0 + 3 * DAY, steady(2), MIN, 0); // 2 credits/h for three days, polled every minute
  const back = T0 + 3 * DAY + 8 * HOUR; // the daemon was down for 8 h: no readings
  s = poll(s, back, s.balance - 16);
  s = run(s, back + 3 * MIN, steady(2), MIN, 0);
  s = poll(s, back + 4 * MIN, s.balance - 60); // the monthly rental, charged at once
  s = run(s, back + 6 * MIN, steady(2), MIN, 0);
  const near = nearRates(s.history, s.t);
  assert.ok(Number.isNaN(near['1h']) && Number.isNaN(near['6h']), `windows of 6 minutes are no 1 h / 6 h reading: ${JSON.stringify(near)}`);
  const f = forecast(s.history, s.balance, s.t);
  assert.equal(f.evidence?.burst ?? null, null);
  assert.ok(hours(f.criticalAlertRunwaySeconds) > 24, `critical decision ${hours(f.criticalAlertRunwaySeconds)} h`);
  assert.equal(evaluateRules({ state: stateOf(s.history, s.balance), forecast: f, settings: RULES }).depletion_forecast, undefined);
});

test('the near reading subtracts a one-off at the rate of the span its window covers', () => {
  let s = start(1000);
  s = run(s, T0 + 2 * DAY, steady(2), MIN, 0);
  s = poll(s, s.t + MIN, s.balance - 60); // the rental, inside both windows
  s = run(s, s.t + 30 * MIN, steady(2), MIN, 0);
  const near = nearRates(s.history, s.t);
  // What is left is the steady spend (the hour of typical spend the one-off test keeps is small next to 60).
  assert.ok(near['1h'] < 4 && near['6h'] < 3, JSON.stringify(near));
});

test('a top-up inside a poll interval hides that interval\'s spend: it is not learnt as hours of no spend (polls 1 h, 3 h, 6 h apart)', () => {
  for (const stepH of [1, 3, 6]) {
    let s = start(1000);
    for (let t = T0 + stepH * HOUR; t <= T0 + 10 * DAY; t += stepH * HOUR) {
      const topup = (t - T0) % DAY === 12 * HOUR ? 300 : 0; // refilled once a day, inside the interval ending at 12:00
      s = poll(s, t, s.balance - 10 * stepH + topup);
    }
    const f = forecast(s.history, s.balance, s.t);
    assert.ok(Math.abs(f.burnRatePerHour - 10) < 0.05, `polled every ${stepH} h: ${f.burnRatePerHour} credits/h, spent 10`);
  }
});

test('past the walk\'s 240 h its last week repeats, not its last day (a weekend without spend is not "never")', () => {
  // Weekdays 1.4, weekends 0 (1 per average hour over the week), 10 credits per average hour, from a Thursday.
  const shape = { kind: 'weekly' as const, at: (t: number) => (hourOfWeek(t) < 120 ? 1.4 : 0) };
  const thursday = Date.parse('2026-11-19T00:00:00Z');
  for (const target of [2000, 3000, 5000]) {
    let left = target;
    let t = thursday;
    for (; left > 1e-9; t += MIN) left -= (10 * shape.at(t)) / 60;
    const byHand = (t - thursday) / HOUR;
    const walked = walkTo(shape, 10, 0, thursday, target);
    assert.ok(Math.abs(walked - byHand) < 0.05, `${target} credits: walked ${walked} h, by hand ${byHand} h`);
  }
  // A flat shape: beyond the walk as before, at its (only) rate.
  assert.ok(Math.abs(walkTo(FLAT, 10, 0, thursday, 5000) - 500) < 1e-6);
});

test('a growing business week: the trend is read over days of the same type and keeps the weekend (no false warning on Friday, runway right)', () => {
  // Mon–Fri 08–18 UTC at 60 credits/h growing 1 % a day, 2 credits/h otherwise, no noise.
  const pattern = (t: number) => {
    const d = new Date(t);
    const weekday = d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
    return weekday && d.getUTCHours() >= 8 && d.getUTCHours() < 18 ? 60 * 1.01 ** ((t - T0) / DAY) : 2;
  };
  const s = run(start(1e6), T0 + 19 * DAY, pattern, 5 * MIN, 0);
  const balance = 1500;
  for (const iso of ['2026-11-20T20:00:00Z', '2026-11-21T02:00:00Z', '2026-11-21T10:00:00Z']) {
    const at = run(s, Date.parse(iso), pattern, 5 * MIN, 0);
    const f = forecast(at.history, balance, at.t);
    const truth = trueRunway(pattern, balance, at.t);
    assert.ok(f.evidence?.trend === null || f.evidence!.trend.perHourPerDay < 0.6, `${iso}: a slope of ${f.evidence?.trend?.perHourPerDay} credits/h a day (the weekend read as growth)`);
    assert.ok(Math.abs(f.runwaySeconds / truth - 1) < 0.1, `${iso}: runway ${hours(f.runwaySeconds)} h, truly ${hours(truth)} h`);
    assert.equal(evaluateRules({ state: stateOf(at.history, balance), forecast: f, settings: RULES }).depletion_forecast, undefined, `${iso}: ${hours(truth)} h of money is no warning`);
  }
});

/** A new wallet spending `rate` credits/h, with one charge of `charge` credits in its 16th minute: its forecast and depletion_forecast at each of `minutes`. */
function firstHourWith(rate: number, charge: number, minutes: number[]): { minute: number; f: ReturnType<typeof forecast>; severity: string | undefined }[] {
  let s = start(1000, T0, 7);
  s = run(s, T0 + 15 * MIN, steady(rate), MIN, 0);
  s = poll(s, s.t + MIN, s.balance - charge);
  return minutes.map((minute) => {
    const at = run(s, T0 + minute * MIN, steady(rate), MIN, 0);
    const f = forecast(at.history, at.balance, at.t);
    return { minute, f, severity: evaluateRules({ state: stateOf(at.history, at.balance), forecast: f, settings: RULES }).depletion_forecast };
  });
}

test('a new wallet\'s first hour: one charge of 20 credits among cents is one observation, not a rate to page on (Kish\'s effective count)', () => {
  for (const { minute, f, severity } of firstHourWith(1, 20, [20, 40, 60])) {
    assert.notEqual(severity, 'critical', `minute ${minute}: a page on ${hours(f.runwaySeconds)} h of central runway, the wallet has weeks`);
  }
});

test('a new wallet\'s first hour: a 50-credit charge among 6 credits/h is most of the spend, so the warning reads the first day, not a rate from one charge', () => {
  // under 10 provisional typical hours: no one-off, but one charge is most of the spend
  for (const { minute, f, severity } of firstHourWith(6, 50, [20, 30, 45, 60])) {
    assert.equal(severity, undefined, `minute ${minute}: warned on ${hours(f.runwaySeconds)} h read from one charge; the wallet has 150 h`);
    assert.equal(f.evidence?.lumpy, true);
    assert.match(describe(f), /a few charges make most of the spend so far/);
  }
});

/** The depletion_forecast severity each `everyMs` from `from` to `until` (undefined: none), the wallet spending `rate` credits/h meanwhile. */
function alertsOver(s0: ReturnType<typeof start>, from: number, until: number, rate: number, everyMs = 10 * MIN): { at: number; severity: string | undefined }[] {
  const out: { at: number; severity: string | undefined }[] = [];
  let s = s0;
  for (let t = from; t <= until; t += everyMs) {
    s = run(s, t, steady(rate), MIN, 0.5);
    const f = forecast(s.history, s.balance, s.t);
    out.push({ at: (s.t - T0) / HOUR, severity: evaluateRules({ state: stateOf(s.history, s.balance), forecast: f, settings: RULES }).depletion_forecast });
  }
  return out;
}

test('a new install whose first minutes hold the month\'s number rental: the rental is no rate — no depletion_forecast for two days, nor the next day at that hour', () => {
  let s = start(1000, T0, 7);
  s = run(s, T0 + 5 * MIN, steady(5), MIN, 0.5);
  s = poll(s, s.t + MIN, s.balance - 300); // the rental: 30 % of the wallet at once, 140 h of money left at 5/h
  const fired = alertsOver(s, s.t + MIN, T0 + 40 * HOUR, 5).filter((a) => a.severity !== undefined);
  assert.deepEqual(fired, [], 'a wallet with over 100 h of money paged for a rental');
});

test('a new install\'s first charge is 50 credits, then cents: no page on one charge, and none while the cents come', () => {
  let s = start(1000, T0, 11);
  s = poll(s, T0 + 5 * MIN, 950);
  const f = forecast(s.history, s.balance, s.t);
  assert.equal(evaluateRules({ state: stateOf(s.history, s.balance), forecast: f, settings: RULES }).depletion_forecast, undefined, `one charge read as ${f.burnRatePerHour}/h`);
  const fired = alertsOver(s, s.t + MIN, T0 + 6 * HOUR, 2, MIN).filter((a) => a.severity !== undefined);
  assert.deepEqual(fired, [], 'the first charge was read as the rate');
});

test('a wallet of large charges alone still has its rate: every charge is 25 credits, two hours apart, and a true burn of 100-credit charges pages in its first hour', () => {
  let s = start(1000, T0, 3);
  for (let k = 1; k <= 12; k++) {
    const t = T0 + k * 2 * HOUR - 17 * MIN;
    s = poll(poll(s, t - MIN, s.balance), t, s.balance - 25); // read a minute before: each drop is one charge
  }
  s = poll(s, T0 + 24 * HOUR, s.balance);
  const f = forecast(s.history, s.balance, s.t);
  assertClose(f.evidence!.levelPerHour, 12.5, 0.04, 'the level of a wallet charged 25 credits every 2 h: its first charge is no one-off');
  let b = start(2000, T0, 5);
  let critical: number | null = null;
  for (let k = 1; k <= 3 && critical === null; k++) {
    b = poll(b, T0 + k * 20 * MIN, b.balance - 100); // 300 credits/h: empty in under 7 h
    const g = forecast(b.history, b.balance, b.t);
    if (evaluateRules({ state: stateOf(b.history, b.balance), forecast: g, settings: RULES }).depletion_forecast === 'critical') critical = k * 20;
  }
  assert.ok(critical !== null && critical <= 60, `a wallet emptying in 7 h was not paged in its first hour (${critical})`);
});

test('a new install polled every 110 minutes: a drop spread over two hours is no one-off, so the month\'s rental two days later is no recurring usage (no warning)', () => {
  let s = start(1000, T0, 13);
  s = run(s, T0 + 2 * DAY, steady(5), 110 * MIN, 0.1); // 9.2 credits a poll, each spread over the hours it spans
  s = poll(s, s.t + MIN, s.balance - 300); // the rental, seen within a minute: about 90 h of money left at 5/h
  const fired = alertsOver(s, s.t + 110 * MIN, s.t + 10 * HOUR, 5, 110 * MIN).filter((a) => a.severity !== undefined);
  assert.deepEqual(fired, [], 'a rental read as a recurring charge after a poll\'s spread drop was called a one-off');
});

test('a rental paid inside a poll interval that crosses an hour stays whole in the hour it was seen: none of it is learnt as the hour before\'s spend', () => {
  for (const minutesBefore of [1, 2, 3]) {
    let s = start(2000, T0, 13);
    s = run(s, T0 + 2 * DAY + 55 * MIN, steady(5), 5 * MIN, 0.1);
    s = poll(s, s.t + (5 - minutesBefore) * MIN, s.balance - ((5 - minutesBefore) * 5) / 60);
    s = poll(s, s.t + 5 * MIN, s.balance - 300 - (5 * 5) / 60); // polled every 5 min; the interval crosses the hour
    s = run(s, s.t + 3 * HOUR, steady(5), 5 * MIN, 0.1);
    assertClose(forecast(s.history, s.balance, s.t).evidence!.levelPerHour, 5, 0.05, `rental ${minutesBefore} min into its poll interval's hour before`);
  }
});

test('a new wallet\'s first hour: one 80-credit charge among 10 credits/h is one charge, not a rate to page on: critical reads the Poisson band of so few charges', () => {
  for (const { minute, f, severity } of firstHourWith(10, 80, [20, 30, 45, 60])) {
    assert.notEqual(severity, 'critical', `minute ${minute}: paged on ${hours(f.runwaySeconds)} h read from one charge; the wallet has 90 h`);
    assert.ok(f.runwayHighSeconds >= f.criticalAlertRunwaySeconds, 'the band reaches the cautious end critical reads');
  }
});

test('a new install truly running dry is still paged within its first hour when a few large charges make most of its spend (only their part reads their Poisson band)', () => {
  const cases = [
    { what: 'cents, 12.7 h of money after a rental the level leaves out', balance: 330, rate: 10, big: 200, every: Infinity },
    { what: '80 credits every hour among 10 credits/h: 6 h of money', balance: 540, rate: 10, big: 80, every: 60 },
  ];
  for (const c of cases) {
    let s = start(c.balance, T0, 7);
    let paged: number | null = null;
    for (let m = 1; m <= 60 && paged === null; m++) {
      const big = m === 16 || (m > 16 && (m - 16) % c.every === 0) ? c.big : 0;
      s = poll(s, T0 + m * MIN, s.balance - c.rate / 60 - big);
      if (evaluateRules({ state: stateOf(s.history, s.balance), forecast: forecast(s.history, s.balance, s.t), settings: RULES }).depletion_forecast === 'critical') paged = m;
    }
    assert.ok(paged !== null, `${c.what}: no critical in the first hour`);
  }
});

test('a rental in a new install\'s third minute leaves in a typical hour\'s spend over the minutes seen, not a whole hour: the level stays near the rate', () => {
  let s = start(3000, T0, 5);
  s = run(s, T0 + 2 * MIN, steady(5), MIN, 0.2);
  s = poll(s, s.t + MIN, s.balance - 300);
  for (const minutes of [5, 10, 20]) {
    const at = run(s, T0 + minutes * MIN, steady(5), MIN, 0.2);
    const level = forecast(at.history, at.balance, at.t).evidence!.levelPerHour;
    assert.ok(level < 12, `minute ${minutes}: ${level} credits/h read from a wallet spending 5 (a whole typical hour left in five minutes reads 50)`);
  }
});

test('the near windows judge a new install\'s rental against its provisional typical hour: no burst read from it', () => {
  let s = start(3000, T0, 5);
  s = run(s, T0 + 6 * HOUR + 30 * MIN, steady(5), MIN, 0.2); // no typical hour yet: it takes 12 closed hours
  s = poll(s, s.t + MIN, s.balance - 300);
  s = run(s, T0 + 7 * HOUR, steady(5), MIN, 0.2);
  const near = nearRates(s.history, s.t);
  assert.ok(near['1h'] < 12 && (Number.isNaN(near['6h']) || near['6h'] < 8), `the rental read as a rate in the near windows: ${JSON.stringify(near)}`);
});
