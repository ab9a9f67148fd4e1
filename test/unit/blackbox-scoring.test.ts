// Pins the black-box benchmark's reading of issue 9's scoring (bench/forecast-blackbox/README.md). Each table
// fails when one definition changes: the reset point, the counting window, strictness, alarms, justification,
// and the two baselines' `for: 5m`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictLinearNotes, staticNotes } from '../../bench/forecast-blackbox/baselines.js';
import { parseBacktestOutput } from '../../bench/forecast-blackbox/runner.js';
import {
  alarmsFromNotes, consumption, depletions, intervalsFromNotes, justified, leads, scoreHistory, tailRate,
  type Note,
} from '../../bench/forecast-blackbox/scoring.js';
import type { Row } from '../../bench/forecast-blackbox/sim.js';

const H = 3600;
const rowsOf = (balances: readonly number[], step = H): Row[] => balances.map((b, i) => ({ t: i * step, b }));
const fire = (t: number, id: string, severity: Note['severity'] = 'warning'): Note => ({ t, id, status: 'firing', severity });
const resolve = (t: number, id: string, severity: Note['severity'] = 'warning'): Note => ({ t, id, status: 'resolved', severity });

test('depletion: a reading ≤ 0 after one > 0; reset point: the last top-up adding ≥ half the balance before it', () => {
  const cases: Array<[string, number[], Array<{ d: number; u: number }>]> = [
    ['start of history is U', [100, 50, 0, 0], [{ d: 2 * H, u: 0 }]],
    ['a top-up from 0 resets', [100, 0, 0, 80, 40, 0], [{ d: 1 * H, u: 0 }, { d: 5 * H, u: 3 * H }]],
    ['a refund under half does not reset', [100, 60, 80, 0], [{ d: 3 * H, u: 0 }]],
    ['exactly half resets', [100, 40, 60, 0], [{ d: 3 * H, u: 2 * H }]],
    ['a first reading of 0 is no depletion', [0, 0, 10, 0], [{ d: 3 * H, u: 2 * H }]],
    ['negative readings count as at or below 0', [10, -1, -2], [{ d: 1 * H, u: 0 }]],
  ];
  for (const [what, balances, expected] of cases) assert.deepEqual(depletions(rowsOf(balances)), expected, what);
});

test('leads: in [U, D) counts from its start, even if resolved before D; before U only if still firing at D', () => {
  const dep = { d: 100 * H, u: 10 * H };
  const cases: Array<[string, Note[], { any: number | null; critical: number | null }]> = [
    ['fires in [U, D)', [fire(20 * H, 'a')], { any: 80 * H, critical: null }],
    ['fires in [U, D), resolved before D', [fire(20 * H, 'a'), resolve(30 * H, 'a')], { any: 80 * H, critical: null }],
    ['fires before U, still firing at D: counts from U', [fire(5 * H, 'a')], { any: 90 * H, critical: null }],
    ['fires before U, resolved exactly at D: counts from U', [fire(5 * H, 'a'), resolve(100 * H, 'a')], { any: 90 * H, critical: null }],
    ['fires before U, resolved before D: does not count', [fire(5 * H, 'a'), resolve(50 * H, 'a')], { any: null, critical: null }],
    ['fires at D: too late', [fire(100 * H, 'a')], { any: null, critical: null }],
    ['escalation: critical lead from the escalation', [fire(20 * H, 'a'), fire(80 * H, 'a', 'critical')], { any: 80 * H, critical: 20 * H }],
    ['de-escalation seen at the next warning repeat ends critical', [fire(20 * H, 'a', 'critical'), fire(24 * H, 'a'), resolve(30 * H, 'a')], { any: 80 * H, critical: 80 * H }],
    ['critical before U, de-escalated before D: only the warning carries over', [fire(5 * H, 'a', 'critical'), fire(9 * H, 'a')], { any: 90 * H, critical: null }],
    ['the earliest of several alerts', [fire(40 * H, 'a'), resolve(41 * H, 'a'), fire(60 * H, 'b', 'critical')], { any: 60 * H, critical: 40 * H }],
  ];
  for (const [what, notes, expected] of cases) assert.deepEqual(leads(intervalsFromNotes(notes), dep), expected, what);
});

test('alarms: the first firing of each (id, severity); repeats and resolves are not alarms', () => {
  const notes = [fire(0, 'a'), fire(4 * H, 'a'), fire(5 * H, 'a', 'critical'), fire(9 * H, 'a', 'critical'), fire(10 * H, 'a'), resolve(11 * H, 'a'), fire(12 * H, 'b')];
  assert.deepEqual(alarmsFromNotes(notes).map((a) => `${a.id}/${a.severity}@${a.t / H}`), ['a/warning@0', 'a/critical@5', 'b/warning@12']);
});

test('justified: balance minus what was really spent after t (top-ups excluded) reaches 0 within 72 h / 24 h × 1.1', () => {
  const judge = (rows: Row[]) => {
    const cons = consumption(rows);
    return (hour: number, severity: Note['severity']): boolean => justified(rows, cons, 0, { t: hour * H, id: 'x', severity });
  };
  // 1 credit an hour from 100: 0 at hour 100
  const plain = judge(rowsOf(Array.from({ length: 121 }, (_, i) => Math.max(0, 100 - i))));
  assert.equal(plain(20, 'warning'), false, '80 h left > 79.2 h');
  assert.equal(plain(21, 'warning'), true, '79 h left ≤ 79.2 h');
  assert.equal(plain(73, 'critical'), false, '27 h left > 26.4 h');
  assert.equal(plain(74, 'critical'), true, '26 h left ≤ 26.4 h');
  assert.equal(plain(120, 'warning'), true, 'a balance already at 0');
  // the same spend, with a top-up of +50 at hour 60 (no spend in that hour): the balance never reaches 0 in
  // the history, but the spend after hour 22 (78 credits by hour 101) empties the 78 credits held at hour 22
  const topped = judge(rowsOf(Array.from({ length: 121 }, (_, i) => (i < 60 ? 100 - i : 100 - (i - 1) + 50))));
  assert.equal(topped(22, 'warning'), true, 'the top-up is not subtracted from the spend');
  assert.equal(topped(21, 'warning'), false, '80 h of spend needed > 79.2 h');
});

test('justified past the end: the last 7 days\' observed rate is extrapolated', () => {
  const rows = rowsOf([100, 98, 96, 94]); // 2 credits an hour; 94 left at hour 3 → 0 at hour 50
  const cons = consumption(rows);
  const rate = tailRate(rows, cons);
  assert.equal(rate * H, 2);
  assert.equal(justified(rows, cons, rate, { t: 0, id: 'x', severity: 'warning' }), true, '0 at hour 50 < 79.2');
  assert.equal(justified(rows, cons, rate, { t: 0, id: 'x', severity: 'critical' }), false, '50 h > 26.4 h');
  assert.equal(justified(rows, cons, 0, { t: 0, id: 'x', severity: 'warning' }), false, 'no extrapolation without a rate');
});

test('score: missed, strict ≥ 72 h / ≥ 24 h out of the eligible depletions, false alarms split by severity', () => {
  // 1 credit/hour from 100 → D at hour 100 (U = 0): eligible for both
  const rows = rowsOf(Array.from({ length: 110 }, (_, i) => Math.max(0, 100 - i)));
  const at = (h: number): number => h * H;
  const exact = scoreHistory(rows, [fire(at(28), 'a'), fire(at(76), 'a', 'critical')]).score;
  assert.deepEqual([exact.warned72, exact.warnEligible, exact.crit24, exact.critEligible, exact.missed], [1, 1, 1, 1, 0], 'exactly 72 h / 24 h count');
  const late = scoreHistory(rows, [fire(at(28) + 60, 'a'), fire(at(76) + 60, 'a', 'critical')]).score;
  assert.deepEqual([late.warned72, late.crit24], [0, 0], 'one minute short does not count');
  const none = scoreHistory(rows, [fire(at(5), 'a'), resolve(at(6), 'a')]).score;
  assert.deepEqual([none.missed, none.falseWarning, none.falseCritical, none.alarms], [0, 1, 0, 1], 'an alert in [U, D) is not a miss, even when false');
  const missed = scoreHistory(rows, []).score;
  assert.equal(missed.missed, 1);
  const short = scoreHistory(rowsOf([50, 25, 0]), []).score;
  assert.deepEqual([short.warnEligible, short.critEligible], [0, 0], 'D − U of 2 h allows neither lead');
});

test('won by a false alarm (diagnostic): a lead whose alert began with an alarm that was not justified', () => {
  const rows = rowsOf(Array.from({ length: 110 }, (_, i) => Math.max(0, 100 - i))); // D at hour 100
  const at = (h: number): number => h * H;
  const early = scoreHistory(rows, [fire(at(20), 'a'), fire(at(73), 'a', 'critical')]).score;
  assert.deepEqual([early.warned72, early.warned72ByFalse, early.crit24, early.crit24ByFalse], [1, 1, 1, 1], '80 h / 27 h ahead: leads, both won by false alarms');
  const right = scoreHistory(rows, [fire(at(21), 'a'), fire(at(76), 'a', 'critical')]).score;
  assert.deepEqual([right.warned72, right.warned72ByFalse, right.crit24, right.crit24ByFalse], [1, 0, 1, 0], '79 h / 24 h ahead: justified');
  const resolvedFirst = scoreHistory(rows, [fire(at(10), 'a'), resolve(at(11), 'a'), fire(at(25), 'b')]).score;
  assert.deepEqual([resolvedFirst.warned72, resolvedFirst.warned72ByFalse], [1, 1], 'the earliest alert decides the lead, resolved or not');
});

test('predict_linear baseline: least squares over (t − 6h, t], < 0 at +72 h / +24 h for 5 minutes', () => {
  // 1 credit a minute from 3000.5: 0 after 50 h — warning at once (+72 h < 0), critical once < 24 h are left
  const rows = rowsOf(Array.from({ length: 3000 }, (_, i) => 3000.5 - i), 60);
  const notes = predictLinearNotes(rows);
  const first = (sev: string): number | undefined => notes.find((n) => n.status === 'firing' && n.severity === sev)?.t;
  assert.equal(first('warning'), 360, 'pending from t = 60 (t = 0 has one sample: no value), firing 5 minutes later');
  // +24 h < 0 once the balance is under 1440 credits (from minute 1561), plus 5 minutes
  assert.equal(first('critical'), (1561 + 5) * 60);
  // a steep hour (10 000 → 1 000) then flat: the 6-hour window keeps that hour in the fit for 6 hours
  const cliff = rowsOf(Array.from({ length: 600 }, (_, i) => (i <= 60 ? 10_000 - 150 * i : 1_000)), 60);
  const resolved = predictLinearNotes(cliff).find((n) => n.status === 'resolved' && n.severity === 'warning');
  assert.ok(resolved !== undefined && resolved.t > 5 * H, `resolved at ${resolved?.t}: the fit still holds the cliff`);
});

test('static baseline: below 25 % / 10 % of the starting balance for 5 minutes; a stale series is no value', () => {
  const rows = rowsOf([100, 30, ...Array(7).fill(24), ...Array(6).fill(15), ...Array(6).fill(9)], 60);
  const notes = staticNotes(rows);
  assert.deepEqual(notes.map((n) => `${n.status}/${n.severity}@${n.t / 60}`), ['firing/warning@7', 'firing/critical@20']);
  const gap = [...rowsOf([100, 24, 24, 24, 24, 24, 24, 24], 60), { t: 3600, b: 24 }, { t: 3660, b: 24 }];
  assert.deepEqual(staticNotes(gap).map((n) => `${n.status}@${n.t / 60}`), ['firing@6', 'resolved@12'], 'no sample for 5 minutes resolves');
});

test('CLI output: only depletion_forecast lines are scored, times from sent_at; a non-body line is an error', () => {
  const line = (alertname: string, status: string, sentAt: string): string =>
    JSON.stringify({ version: '1', status, alertname, severity: 'critical', id: `x/${alertname}`, starts_at: sentAt, sent_at: sentAt });
  const out = [line('depletion_forecast', 'firing', '2026-11-27T10:00:00Z'), line('wallet_exhausted', 'firing', '2026-11-27T11:00:00Z'), ''].join('\n');
  const r = parseBacktestOutput(out);
  assert.equal(r.lines, 2);
  assert.deepEqual(r.notes, [{ t: Date.parse('2026-11-27T10:00:00Z') / 1000, id: 'x/depletion_forecast', status: 'firing', severity: 'critical' }]);
  assert.throws(() => parseBacktestOutput('{"level":"info"}\n'), /not a webhook body/);
});
