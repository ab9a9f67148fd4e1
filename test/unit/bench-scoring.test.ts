/**
 * The forecast benchmark's scoring (bench/forecast/scoring.ts, ours.ts, baselines.ts): issue 9's
 * definitions on small hand-made tracks. Each case pins one word of a definition, so changing a definition
 * (the 0.5 reset fraction, counting from U, the strict ≥, the (id, severity) alarm, the 10 % stretch, the
 * tail rate past the end) fails a test. The last test pins the corpus's shape (determinism, resolution,
 * the held-out kinds staying out of the tuning part).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../src/backtest/input.js';
import { predictLinear, staticThresholds } from '../../bench/forecast/baselines.js';
import { history, plan } from '../../bench/forecast/corpus.js';
import { KINDS } from '../../bench/forecast/jobs.js';
import { recordFromLines } from '../../bench/forecast/ours.js';
import {
  addScore,
  cumulativeConsumption,
  emptyTotals,
  findDepletions,
  judgeAlarm,
  scoreDepletion,
  scoreHistory,
  tailRate,
  type AlertRecord,
  type Interval,
} from '../../bench/forecast/scoring.js';

const T0 = Date.parse('2026-11-02T00:00:00Z');
const MIN = 60_000;
const H = 3_600_000;
const at = (hours: number): number => T0 + hours * H;
/** Rows from [hours, balance] pairs. */
const rows = (...points: [number, number][]): Row[] => points.map(([h, b]) => ({ t: at(h), balance: b }));
/** One reading a minute from `from` h for `hours` h, linear from b0 to b1 (b1 included). */
function ramp(from: number, hours: number, b0: number, b1: number): Row[] {
  const n = Math.round(hours * 60);
  return Array.from({ length: n + 1 }, (_, i) => ({ t: at(from) + i * MIN, balance: b0 + ((b1 - b0) * i) / n }));
}
const record = (any: Interval[], critical: Interval[] = []): AlertRecord => ({ any, critical, alarms: [] });
const iv = (start: number, end: number): Interval => ({ start: at(start), end: end === Infinity ? Infinity : at(end) });

test('depletion: a reading ≤ 0 after one > 0; reset: a rise of at least half the balance before it, or the start', () => {
  const cases: { name: string; track: Row[]; want: { d: number; u: number }[] }[] = [
    { name: 'plain run-out, reset at the start', track: rows([0, 100], [10, 50], [20, 0], [21, 0]), want: [{ d: 20, u: 0 }] },
    { name: 'a first reading at 0 is not a depletion', track: rows([0, 0], [1, 0]), want: [] },
    { name: 'negative counts as ≤ 0', track: rows([0, 10], [1, -2]), want: [{ d: 1, u: 0 }] },
    { name: 'a rise of exactly half the balance before it resets', track: rows([0, 100], [10, 40], [11, 60], [20, 0]), want: [{ d: 20, u: 11 }] },
    { name: 'a rise just under half does not reset', track: rows([0, 100], [10, 40], [11, 59.9], [20, 0]), want: [{ d: 20, u: 0 }] },
    { name: 'a rise from 0 resets (half of nothing)', track: rows([0, 10], [1, 0], [5, 0.5], [6, 0]), want: [{ d: 1, u: 0 }, { d: 6, u: 5 }] },
    { name: 'the last qualifying top-up before D wins', track: rows([0, 100], [2, 10], [3, 100], [4, 10], [5, 100], [9, 0]), want: [{ d: 9, u: 5 }] },
  ];
  for (const c of cases) {
    assert.deepEqual(
      findDepletions(c.track),
      c.want.map((w) => ({ t: at(w.d), u: at(w.u) })),
      c.name,
    );
  }
});

test('counting: from its start in [U, D); from U only if it fired before U and stayed firing up to D', () => {
  const d = { t: at(100), u: at(20) };
  const cases: { name: string; any: Interval[]; lead: number | null }[] = [
    { name: 'starts in [U, D) and resolves before D: still counts', any: [iv(40, 50)], lead: 60 },
    { name: 'starts before U, still firing at D: counts from U', any: [iv(10, 100)], lead: 80 },
    { name: 'starts before U, open to the end: counts from U', any: [iv(10, Infinity)], lead: 80 },
    { name: 'starts before U, resolves before D: does not count', any: [iv(10, 99)], lead: null },
    { name: 'starts at D: not in [U, D)', any: [iv(100, 110)], lead: null },
    { name: 'the earliest counting moment wins', any: [iv(70, 80), iv(30, 31)], lead: 70 },
  ];
  for (const c of cases) {
    const s = scoreDepletion(d, record(c.any));
    assert.equal(s.leadMs, c.lead === null ? null : c.lead * H, c.name);
    assert.equal(s.missed, c.lead === null, `${c.name}: missed`);
  }
});

test('warned ≥ 72 h and critical ≥ 24 h are strict, out of the depletions where D − U allowed it', () => {
  const d = (uHours: number) => ({ t: at(200), u: at(200 - uHours) });
  const exactly = scoreDepletion(d(100), record([iv(128, 200)], [iv(176, 200)]));
  assert.equal(exactly.warned72, true, 'a lead of exactly 72 h counts');
  assert.equal(exactly.critical24, true, 'a critical lead of exactly 24 h counts');
  const short = scoreDepletion(d(100), { any: [{ start: at(128) + MIN, end: at(200) }], critical: [{ start: at(176) + MIN, end: at(200) }], alarms: [] });
  assert.equal(short.warned72, false, '71 h 59 min is not ≥ 72 h');
  assert.equal(short.critical24, false, '23 h 59 min is not ≥ 24 h');
  assert.equal(short.missed, false);
  const onlyWarning = scoreDepletion(d(100), record([iv(120, 200)]));
  assert.equal(onlyWarning.critical24, false, 'a warning alone is no critical lead');
  assert.equal(onlyWarning.criticalLeadMs, null);

  const tight = scoreDepletion(d(72), record([iv(128, 200)], [iv(176, 200)]));
  assert.deepEqual([tight.eligible72, tight.warned72], [true, true], 'D − U = 72 h is eligible');
  const tooShort = scoreDepletion({ t: at(200), u: at(128) + MIN }, record([iv(129, 200)], [iv(176, 200)]));
  assert.deepEqual([tooShort.eligible72, tooShort.warned72, tooShort.eligible24, tooShort.critical24], [false, false, true, true], 'D − U < 72 h: not eligible for 72 h');
});

/** A backtest JSON line (only the fields the scoring reads, plus the ones --verbose prints). */
function line(status: 'firing' | 'resolved', severity: 'warning' | 'critical', id: string, hours: number, alertname = 'depletion_forecast'): string {
  const iso = new Date(at(hours)).toISOString().replace('.000', '');
  return JSON.stringify({ status, alertname, severity, id, sent_at: iso, starts_at: iso, balance: 1, burn_rate_per_hour: 1, runway_seconds: 3600, summary: 's' });
}

test('ours: an alarm is the first firing line of each (id, severity): an escalation is a second alarm, repeats are not', () => {
  const r = recordFromLines([
    line('firing', 'warning', 'a', 0),
    line('firing', 'warning', 'a', 4), // repeat
    line('firing', 'critical', 'a', 5), // escalation
    line('firing', 'critical', 'a', 9), // repeat
    line('firing', 'warning', 'a', 13), // repeat after a silent de-escalation
    line('firing', 'critical', 'a', 14), // escalation again: same (id, severity), no new alarm
    line('resolved', 'critical', 'a', 20),
    line('firing', 'warning', 'b', 30), // a new instance: a new alarm
    line('firing', 'critical', 'x', 31, 'wallet_exhausted'), // not a forecast
    line('firing', 'warning', 'y', 32, 'spend_anomaly'),
  ]);
  assert.deepEqual(
    r.alarms.map((a) => [a.id, a.severity, a.t]),
    [
      ['a', 'warning', at(0)],
      ['a', 'critical', at(5)],
      ['b', 'warning', at(30)],
    ],
  );
  assert.deepEqual(r.any, [iv(0, 20), iv(30, Infinity)]);
  assert.deepEqual(r.critical, [iv(5, 13), iv(14, 20)], 'critical ends at the warning repeat, and again at the resolve');
});

test('justified: b(t) minus the consumption that followed reaches 0 within 72 h (24 h) stretched by 10 %', () => {
  // 100 credits, 1 credit an hour for 200 h: empty at 100 h. Top-ups do not offset consumption.
  const track = ramp(0, 200, 100, -100).map((r) => ({ ...r, balance: Math.max(0, r.balance) }));
  const cum = cumulativeConsumption(track);
  const rate = tailRate(track, cum);
  const judge = (hours: number, severity: 'warning' | 'critical') => judgeAlarm({ t: at(hours), severity, id: 'x' }, track, cum, rate).justified;
  assert.equal(judge(100 - 79.2, 'warning'), true, 'empty exactly 79.2 h later: justified');
  assert.equal(judge(100 - 79.2 - 1 / 60, 'warning'), false, 'empty 79.2 h + 1 min later: false');
  assert.equal(judge(100 - 72.5, 'warning'), true, 'inside the 10 % stretch: justified');
  assert.equal(judge(100 - 26.4, 'critical'), true, 'critical: 26.4 h');
  assert.equal(judge(100 - 26.4 - 1 / 60, 'critical'), false, 'critical: 26.4 h + 1 min is false');
  assert.equal(judge(100 - 30, 'warning'), true, 'the same moment is justified for a warning');

  // a top-up in between does not count against the consumption: 50 credits at 1/h, +1000 at 10 h
  const topped = [...ramp(0, 10, 50, 40), ...ramp(10, 100, 1040, 940).slice(1)];
  const c2 = cumulativeConsumption(topped);
  assert.equal(judgeAlarm({ t: at(0), severity: 'warning', id: 'x' }, topped, c2, tailRate(topped, c2)).justified, true, '50 credits consumed in 50 h although the balance never fell below 40');
});

test('justified past the end: the consumption of the last 24 h (the whole history if shorter) is extrapolated', () => {
  // 48 h: 2/h for 24 h, then 1/h for 24 h; the tail rate is 1/h (not the 1.5/h of the whole history)
  const track = [...ramp(0, 24, 200, 152), ...ramp(24, 24, 152, 128).slice(1)];
  const cum = cumulativeConsumption(track);
  const rate = tailRate(track, cum);
  assert.ok(Math.abs(rate * H - 1) < 1e-9, `tail rate ${rate * H}/h`);
  // at 40 h the balance is 136: 8 credits by the end, then 1/h: 136 at 40 + 136 h > 40 + 79.2 h → false
  const late = judgeAlarm({ t: at(40), severity: 'warning', id: 'x' }, track, cum, rate);
  assert.equal(late.extrapolated, true);
  assert.ok(Math.abs(late.consumed - 79.2) < 1e-6, `consumed ${late.consumed}`);
  assert.equal(late.justified, false);
  // a shorter history (12 h at 10/h, 100 → 0 would need 10 h more): the whole history's rate
  const short = ramp(0, 12, 300, 180);
  const c2 = cumulativeConsumption(short);
  const r2 = tailRate(short, c2);
  assert.ok(Math.abs(r2 * H - 10) < 1e-9);
  assert.equal(judgeAlarm({ t: at(12), severity: 'critical', id: 'x' }, short, c2, r2).justified, true, '180 credits at 10/h: empty in 18 h ≤ 26.4 h');
  assert.equal(judgeAlarm({ t: at(0), severity: 'critical', id: 'x' }, short, c2, r2).justified, false, '300 credits at 10/h: 30 h > 26.4 h');
});

test('baselines: for: 5m, alarms per rule, static levels from the starting balance, stale data does not fire', () => {
  // static: 1000 at the start → warning below 250, critical below 100. `for: 5m` as Prometheus: pending at
  // the first evaluation where it holds (1 h + 1 min), firing once it held for 5 min (1 h + 6 min).
  const track = [...ramp(0, 1, 1000, 1000), ...ramp(1, 0.1, 240, 240).slice(1)];
  assert.equal(staticThresholds(track.slice(0, -1)).alarms.length, 0, 'held for 4 min: pending, not firing');
  const five = staticThresholds(track);
  assert.deepEqual(five.alarms.map((a) => [a.severity, a.t]), [['warning', at(1) + 6 * MIN]]);
  assert.equal(staticThresholds(ramp(0, 2, 1000, 251)).alarms.length, 0, '25 % of the starting balance, not of the current one');

  const both = staticThresholds([...ramp(0, 1, 1000, 1000), ...ramp(1, 1, 90, 90).slice(1)]);
  assert.deepEqual(both.alarms.map((a) => [a.severity, a.t]), [['warning', at(1) + 6 * MIN], ['critical', at(1) + 6 * MIN]], 'warning and critical rules: two alarms');
  assert.deepEqual(both.critical, [{ start: at(1) + 6 * MIN, end: Infinity }]);

  // a reading more than 5 min old is stale: a gap stops the rule and its 'for' starts again after it
  const gap = [...ramp(0, 1, 1000, 1000), ...ramp(1, 0.1, 200, 200).slice(1), ...ramp(3, 0.1, 200, 200)];
  const g = staticThresholds(gap);
  assert.deepEqual(g.any.map((x) => [x.start, x.end]), [[at(1) + 6 * MIN, at(1) + 12 * MIN], [at(3) + 5 * MIN, Infinity]]);

  // predict_linear: 1000 falling 20/h: 0 at 50 h: < 0 at +72 h from the start, at +24 h from 26 h on
  const lin = predictLinear(ramp(0, 40, 1000, 200));
  const warning = lin.alarms.filter((a) => a.severity === 'warning');
  const critical = lin.alarms.filter((a) => a.severity === 'critical');
  assert.deepEqual(warning.map((a) => a.t), [at(0) + 6 * MIN], 'two samples at minute 1, held 5 min');
  assert.equal(critical.length, 1);
  assert.ok(critical[0]!.t > at(26) && critical[0]!.t <= at(26) + 6 * MIN, new Date(critical[0]!.t).toISOString());
  // a top-up inside the 6 h window lifts the raw-balance regression (as Prometheus sees it)
  const topped = predictLinear([...ramp(0, 10, 1000, 800), ...ramp(10, 3, 5000, 4940).slice(1)]);
  assert.ok(topped.any.some((x) => x.end !== Infinity && x.end <= at(10) + 10 * MIN), 'the top-up resolves the alert');
});

test('scoreHistory: the same history and alert record give depletions and judged alarms', () => {
  const track = ramp(0, 100, 100, 0);
  const s = scoreHistory(track, { any: [iv(20, 100)], critical: [iv(76, 100)], alarms: [{ t: at(20), severity: 'warning', id: 'a' }, { t: at(21), severity: 'warning', id: 'b' }, { t: at(76), severity: 'critical', id: 'a' }] });
  assert.deepEqual(
    s.depletions.map((d) => [d.t, d.u, d.leadMs, d.criticalLeadMs, d.warned72, d.critical24]),
    [[at(100), at(0), 80 * H, 24 * H, true, true]],
  );
  assert.deepEqual(s.alarms.map((a) => a.justified), [false, true, true], 'empty 80 h after 20 h: false; 79 h after 21 h: justified');
});

test('won by a false alarm: a lead whose first counting alert began with a false alarm (diagnostic, counted in the totals)', () => {
  const track = ramp(0, 100, 100, 0); // empty at 100 h
  const alarms = (w: number, c: number) => [{ t: at(w), severity: 'warning' as const, id: 'a' }, { t: at(c), severity: 'critical' as const, id: 'a' }];
  const byFalse = (w: number, c: number) => scoreHistory(track, { any: [iv(w, 100)], critical: [iv(c, 100)], alarms: alarms(w, c) }).depletions.map((d) => [d.warned72, d.warnedByFalseAlarm, d.critical24, d.criticalByFalseAlarm]);
  assert.deepEqual(byFalse(20, 73), [[true, true, true, true]], 'warning 80 h and critical 27 h ahead: both leads won by false alarms');
  assert.deepEqual(byFalse(21, 76), [[true, false, true, false]], 'warning 79 h and critical 24 h ahead: both justified');
  assert.deepEqual(byFalse(30, 80), [[false, false, false, false]], 'no lead, nothing won');
  // A false warning that resolved still counts for the lead; a later justified one does not change that.
  const resolved = scoreHistory(track, { any: [iv(10, 12), iv(25, 100)], critical: [], alarms: [{ t: at(10), severity: 'warning', id: 'a' }, { t: at(25), severity: 'warning', id: 'b' }] });
  assert.deepEqual(resolved.depletions.map((d) => [d.leadMs, d.warnedByFalseAlarm]), [[90 * H, true]]);
  const t = addScore(emptyTotals(), scoreHistory(track, { any: [iv(20, 100)], critical: [iv(76, 100)], alarms: alarms(20, 76) }));
  assert.deepEqual([t.warned72, t.warned72ByFalse, t.critical24, t.critical24ByFalse], [1, 1, 1, 0]);
});

test('where a false alarm fell: the first of its severity before a depletion, a repeat, or before none (diagnostic, counted in the totals)', () => {
  // 100 credits at 1/h, empty at 100 h; topped up from 50 to 200 at 50 h (a reset), empty again at 250 h;
  // the second history never runs out.
  const track = [...ramp(0, 50, 100, 50), ...ramp(50, 200, 200, 0).slice(1)];
  const alarm = (h: number, severity: 'warning' | 'critical') => ({ t: at(h), severity, id: `${severity}@${h}` });
  const s = scoreHistory(track, { any: [], critical: [], alarms: [alarm(10, 'warning'), alarm(80, 'warning'), alarm(90, 'warning'), alarm(200, 'critical'), alarm(210, 'critical')] });
  assert.deepEqual(
    s.alarms.map((a) => [a.justified, a.place]),
    [
      [false, 'none'], // before the top-up that reset the run: no depletion followed it
      [false, 'first'], // 170 h before the depletion at 250 h
      [false, 'again'],
      [false, 'first'], // 50 h before: too early for a page
      [false, 'again'],
    ],
  );
  const t = addScore(emptyTotals(), s);
  assert.deepEqual([t.falseWarning + t.falseCritical, t.falseFirst, t.falseNone], [5, 2, 1]);
  const never = scoreHistory(ramp(0, 100, 1000, 900), { any: [], critical: [], alarms: [alarm(5, 'warning')] });
  assert.deepEqual(never.alarms.map((a) => a.place), ['none']);
});

test('a near miss: a false alarm after which the money spent ≥ 90 % of its balance within the horizon + 10 % (diagnostic, counted in the totals)', () => {
  const track = ramp(0, 100, 100, 0); // 1 credit/h, empty at 100 h
  const alarm = (h: number, severity: 'warning' | 'critical') => ({ t: at(h), severity, id: `${severity}@${h}` });
  const s = scoreHistory(track, { any: [], critical: [], alarms: [alarm(10, 'warning'), alarm(15, 'warning'), alarm(70, 'critical'), alarm(73, 'critical')] });
  assert.deepEqual(s.alarms.map((a) => a.justified), [false, false, false, false]);
  // 79.2 of 90 (88 %), 79.2 of 85 (93 %), 26.4 of 30 (88 %), 26.4 of 27 (98 %)
  const t = addScore(emptyTotals(), s);
  assert.deepEqual([t.falseWarning, t.falseCritical, t.falseNear], [2, 2, 2]);
});

test('corpus: deterministic, every kind at 1-minute resolution over 3–14 days, held-out kinds only in the held-out part', () => {
  const all = plan(KINDS, 'all', 5);
  const tuningKinds = new Set(all.filter((j) => j.part === 'tuning').map((j) => j.kind.name));
  for (const k of KINDS) {
    assert.equal(all.filter((j) => j.kind === k && j.part === 'heldout').length, 5, `${k.name}: 5 held-out seeds`);
    assert.equal(tuningKinds.has(k.name), k.part === 'tuning', `${k.name}: in the tuning part only if it is a tuning kind`);
  }
  assert.ok(KINDS.filter((k) => k.part === 'heldout').length >= 4, 'at least 4 held-out kinds');
  const seeds = (p: string) => new Set(all.filter((j) => j.part === p).map((j) => j.seed));
  assert.ok([...seeds('tuning')].every((s) => !seeds('heldout').has(s)), 'tuning and held-out seeds are disjoint');

  for (const k of KINDS) {
    const h = history(k, k.part, k.part === 'tuning' ? 1 : 1001);
    assert.deepEqual(history(k, k.part, k.part === 'tuning' ? 1 : 1001).rows, h.rows, `${k.name}: the same seed gives the same rows`);
    assert.notDeepEqual(history(k, k.part, 2).rows, h.rows, `${k.name}: another seed, another history`);
    const days = (h.rows.at(-1)!.t - h.rows[0]!.t) / (24 * H);
    assert.ok(days >= 3 && days <= 14, `${k.name}: ${days} days`);
    const steps = new Set(h.rows.slice(1).map((r, i) => r.t - h.rows[i]!.t));
    if (k.name !== 'daemon_gaps') assert.deepEqual([...steps], [MIN], `${k.name}: one reading a minute`);
    else assert.ok(Math.max(...steps) >= 2 * H, 'daemon_gaps has hours without readings');
    assert.ok(h.rows[0]!.balance >= 50 && h.rows[0]!.balance <= 100_000, `${k.name}: starts at ${h.rows[0]!.balance}`);
    assert.ok(h.rows.every((r) => r.balance >= 0 && Number.isFinite(r.balance)), `${k.name}: never below 0`);
  }
});

test('corpus: call_minutes bills calls of very different sizes (each event its own size), the other tuning kinds one unit per event', () => {
  const spread = (name: string) => {
    const h = history(KINDS.find((k) => k.name === name)!, 'tuning', 1);
    const drops = h.rows.slice(1).map((r, i) => h.rows[i]!.balance - r.balance).filter((d) => d > 0).sort((a, b) => a - b);
    return drops.at(-1)! / drops[Math.floor(drops.length / 2)]!;
  };
  assert.ok(spread('call_minutes') > 5, `call_minutes: the largest minute's charge is ${spread('call_minutes').toFixed(1)} × the median one`);
  assert.ok(spread('steady_depletes') < 5, `steady_depletes: ${spread('steady_depletes').toFixed(1)} × (Poisson counts of one unit)`);
});
