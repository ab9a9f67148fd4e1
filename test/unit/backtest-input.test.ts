/**
 * `backtest` input: parseHistory on CSV and Prometheus query_range JSON (rows, and errors that point at the
 * line), and replay() of a tiny history through the daemon's own pipeline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, isoFast, parseHistory, parseTimestampGeneral, type Row } from '../../src/backtest/input.js';
import { replay } from '../../src/backtest/replay.js';
import { HISTORY_END_MS } from '../../src/domain/packed.js';
import type { RuleSettings } from '../../src/config/settings.js';
import type { Notification } from '../../src/domain/alerts.js';
import type { EvaluationConfig } from '../../src/domain/evaluate.js';
import { summary } from '../../src/domain/messages.js';
import { DEFAULT_RULES, mulberry32 } from '../helpers/fixtures.js';

const T = Date.parse('2026-11-02T00:00:00Z'); // 1793577600 s
const S = T / 1000;
const MIN = 60_000;
const HOUR = 60 * MIN;

const csv = (...lines: string[]) => lines.join('\n');

// ---------------------------------------------------------------------------------------------------------
// CSV: accepted

const THREE_ROWS: Row[] = [
  { t: T, balance: 100 },
  { t: T + MIN, balance: 99.5 },
  { t: T + 2 * MIN, balance: 99 },
];

for (const [name, text, rows] of [
  ['ISO-8601 with Z', csv('timestamp,balance', '2026-11-02T00:00:00Z,100', '2026-11-02T00:01:00Z,99.5', '2026-11-02T00:02:00Z,99'), THREE_ROWS],
  ['unix seconds', csv('timestamp,balance', `${S},100`, `${S + 60},99.5`, `${S + 120},99`), THREE_ROWS],
  ['ISO and unix seconds mixed', csv('timestamp,balance', '2026-11-02T00:00:00Z,100', `${S + 60},99.5`, '2026-11-02T00:02:00.000Z,99'), THREE_ROWS],
  ['CRLF line ends', ['timestamp,balance', '2026-11-02T00:00:00Z,100', '2026-11-02T00:01:00Z,99.5', '2026-11-02T00:02:00Z,99', ''].join('\r\n'), THREE_ROWS],
  ['a UTF-8 BOM', '\uFEFF' + csv('timestamp,balance', '2026-11-02T00:00:00Z,100', '2026-11-02T00:01:00Z,99.5', '2026-11-02T00:02:00Z,99'), THREE_ROWS],
  ['blank trailing lines', csv('timestamp,balance', '2026-11-02T00:00:00Z,100', '2026-11-02T00:01:00Z,99.5', '2026-11-02T00:02:00Z,99', '', '', '  ', ''), THREE_ROWS],
  ['blank CRLF trailing lines', ['timestamp,balance', `${S},100`, `${S + 60},99.5`, `${S + 120},99`, '', '', ''].join('\r\n'), THREE_ROWS],
  ['a blank line in the middle', csv('timestamp,balance', `${S},100`, '', `${S + 60},99.5`, `${S + 120},99`), THREE_ROWS],
  ['spaces around cells, header in capitals', csv(' Timestamp , BALANCE ', ` 2026-11-02T00:00:00Z , 100 `, `${S + 60} ,99.5`, `${S + 120}, 99`), THREE_ROWS],
  ['fractional unix seconds', csv('timestamp,balance', `${S}.25,1`, `${S}.5,2`, `${S + 1}.001,3`), [
    { t: T + 250, balance: 1 },
    { t: T + 500, balance: 2 },
    { t: T + 1001, balance: 3 },
  ]],
  ['ISO with fractions, offsets and a space for T', csv('timestamp,balance', '2026-11-01T23:59:00+00:00,1', '2026-11-02 00:00:00Z,2', '2026-11-02T00:00:00.250Z,3', '2026-11-02T02:00:01+02:00,4', '2026-11-02T00:01Z,5'), [
    { t: T - MIN, balance: 1 },
    { t: T, balance: 2 },
    { t: T + 250, balance: 3 },
    { t: T + 1000, balance: 4 },
    { t: T + MIN, balance: 5 },
  ]],
  ['balance formats: integer, decimal, signs, leading dot, exponent', csv('timestamp,balance', `${S},42`, `${S + 1},42.50`, `${S + 2},-3`, `${S + 3},+7`, `${S + 4},.5`, `${S + 5},1e3`, `${S + 6},0`), [
    { t: T, balance: 42 },
    { t: T + 1000, balance: 42.5 },
    { t: T + 2000, balance: -3 },
    { t: T + 3000, balance: 7 },
    { t: T + 4000, balance: 0.5 },
    { t: T + 5000, balance: 1000 },
    { t: T + 6000, balance: 0 },
  ]],
  ['one row', csv('timestamp,balance', `${S},5`), [{ t: T, balance: 5 }]],
  ['the first and the last second the forecast replays', csv('timestamp,balance', '1970-01-01T00:00:00Z,2', '7549747199,1'), [
    { t: 0, balance: 2 },
    { t: 7549747199000, balance: 1 },
  ]],
  // deepEqual tells -0 from 0: a replay of "-0" said "is exhausted (balance -0)"
  ['a negative zero reads 0', csv('timestamp,balance', `${S},-0`, `${S + 1},-0.00`, `${S + 2},-0e5`), [
    { t: T, balance: 0 },
    { t: T + 1000, balance: 0 },
    { t: T + 2000, balance: 0 },
  ]],
] as const) {
  test(`parseHistory CSV: ${name}`, () => {
    const parsed = parseHistory(text);
    assert.equal(parsed.format, 'csv');
    assert.deepEqual(parsed.rows, rows);
  });
}

// ---------------------------------------------------------------------------------------------------------
// CSV: errors, with the line they are on

function assertInputError(text: string, message: RegExp): void {
  assert.throws(
    () => parseHistory(text),
    (err: unknown) => {
      assert.ok(err instanceof InputError, `not an InputError: ${String(err)}`);
      assert.equal(err.name, 'InputError');
      assert.match(err.message, message);
      return true;
    },
  );
}

for (const [name, text, message] of [
  ['an empty file', '', /^line 1: the header must be "timestamp,balance"/],
  ['no header', csv(`${S},100`, `${S + 60},99`), /^line 1: the header must be "timestamp,balance", got "1793577600,100"/],
  ['a wrong header', csv('time,balance', `${S},100`), /^line 1: .*got "time,balance"/],
  ['columns swapped', csv('balance,timestamp', `100,${S}`), /^line 1: /],
  ['a header with 3 columns', csv('timestamp,balance,currency', `${S},100,USD`), /^line 1: /],
  ['a header with 1 column', csv('timestamp', `${S}`), /^line 1: /],
  ['a row with 3 fields', csv('timestamp,balance', `${S},100`, `${S + 60},99,USD`), /^line 3: expected 2 fields, got 3$/],
  ['a row with 1 field', csv('timestamp,balance', `${S},100`, `${S + 60},99`, `${S + 120}`), /^line 4: expected 2 fields, got 1$/],
  ['a decimal comma (3 fields)', csv('timestamp,balance', `${S},99,5`), /^line 2: expected 2 fields, got 3$/],
  ['a bad timestamp', csv('timestamp,balance', `${S},100`, `${S + 60},99`, 'yesterday,98'), /^line 4: "yesterday" is not unix seconds or a valid ISO-8601 time with a zone/],
  ['a date without a time', csv('timestamp,balance', '2026-11-02,100'), /^line 2: "2026-11-02" is not unix seconds or a valid ISO-8601 time/],
  ['an impossible ISO time', csv('timestamp,balance', '2026-13-45T00:00:00Z,100'), /^line 2: "2026-13-45T00:00:00Z" is not/],
  ['a negative unix time', csv('timestamp,balance', `-${S},100`), /^line 2: .* is not unix seconds or a valid ISO-8601 time/],
  ['an empty timestamp', csv('timestamp,balance', ',100'), /^line 2: "" is not/],
  ['balance abc', csv('timestamp,balance', `${S},100`, `${S + 60},abc`), /^line 3: balance "abc"( is not a (plain decimal |finite )number| is an empty string)$/],
  ['balance NaN', csv('timestamp,balance', `${S},NaN`), /^line 2: balance "NaN"( is not a (plain decimal |finite )number| is an empty string)$/],
  ['balance empty', csv('timestamp,balance', `${S},100`, `${S + 60},`), /^line 3: balance ""( is not a (plain decimal |finite )number| is an empty string)$/],
  ['balance blank', csv('timestamp,balance', `${S},   `), /^line 2: balance ""( is not a (plain decimal |finite )number| is an empty string)$/],
  ['balance Infinity', csv('timestamp,balance', `${S},Infinity`), /^line 2: balance "Infinity"( is not a (plain decimal |finite )number| is an empty string)$/],
  ['balance overflowing to Infinity', csv('timestamp,balance', `${S},1e999`), /^line 2: balance "1e999"( is not a (plain decimal |finite )number| is an empty string)$/],
  ['balance with a unit', csv('timestamp,balance', `${S},12USD`), /^line 2: balance "12USD"( is not a (plain decimal |finite )number| is an empty string)$/],
  ['balance in hex', csv('timestamp,balance', `${S},0x10`), /^line 2: balance "0x10"( is not a (plain decimal |finite )number| is an empty string)$/],
  ['a quoted balance', csv('timestamp,balance', `${S},"12"`), /^line 2: balance ""12""( is not a (plain decimal |finite )number| is an empty string)$/],
  ['the line counted after CRLF and blank lines', ['timestamp,balance', `${S},100`, '', `${S + 60},x`].join('\r\n'), /^line 4: balance "x"/],
  ['the line counted after a BOM', '\uFEFF' + csv('timestamp,balance', `${S},100`, `${S + 60},x`), /^line 3: balance "x"/],
  ['millisecond timestamps', csv('timestamp,balance', '1795740800,100', '1795740860000,99'), /^line 3: timestamp 1795740860000 looks like milliseconds \(past the year 9999 as unix seconds\); give unix seconds or ISO-8601$/],
  ['millisecond timestamps from the first row', csv('timestamp,balance', '1795740800000,100', '1795740860000,99'), /^line 2: timestamp 1795740800000 looks like milliseconds/],
  ['a timestamp past the range of Date', csv('timestamp,balance', `${S},100`, '100000000000000,99'), /^line 3: timestamp 100000000000000 looks like milliseconds .*give unix seconds or ISO-8601$/],
  ['microsecond timestamps', csv('timestamp,balance', '1795740800000000,100'), /^line 2: timestamp 1795740800000000 looks like microseconds/],
  ['nanosecond timestamps', csv('timestamp,balance', '1795740800000000000,100'), /^line 2: timestamp 1795740800000000000 looks like nanoseconds/],
  ['a timestamp out of any range', csv('timestamp,balance', `1${'0'.repeat(30)},100`), /^line 2: timestamp 1000+ is out of range/],
  ['one second past 9999-12-31T23:59:59Z', csv('timestamp,balance', '253402300800,100'), /^line 2: timestamp 253402300800 looks like milliseconds/],
  ['a subnormal balance', csv('timestamp,balance', `${S},1e-320`), /^line 2: balance "1e-320" is too close to 0 to be represented \(a subnormal number\)$/],
  ['a balance that underflows to 0', csv('timestamp,balance', `${S},1e-400`), /^line 2: balance "1e-400" is too close to 0 .*underflow/],
  ['an absurd balance', csv('timestamp,balance', `${S},1e300`), /^line 2: balance "1e300" is beyond/],
  ['a balance with a numeric separator', csv('timestamp,balance', `${S},1_000`), /^line 2: balance "1_000" is not a plain decimal number$/],
  // the forecast's hour counts hold 1970-01-01 to 2209-03-30T07:59:59Z: outside, rates came out wrong (0 after 2209), without a word
  ['a time before 1970', csv('timestamp,balance', '1969-12-31T23:59:59Z,100'), /^line 2: timestamp 1969-12-31T23:59:59Z is before 1970: the forecast replays times from 1970-01-01T00:00:00Z to then \(unix seconds 0 to 7549747199\)$/],
  ['a time after 2209-03-30T07:59:59Z', csv('timestamp,balance', '7549747199,100', '7549747200,99'), /^line 3: timestamp 7549747200 is after 2209-03-30T07:59:59Z/],
  ['a time in the year 9999', csv('timestamp,balance', '9999-12-31T23:59:59Z,100'), /^line 2: timestamp 9999-12-31T23:59:59Z is after 2209-03-30T07:59:59Z/],
  ['a header only', csv('timestamp,balance'), /^no rows$/],
  ['a header and blank lines', csv('timestamp,balance', '', '', ''), /^no rows$/],
] as const) {
  test(`parseHistory CSV error: ${name}`, () => assertInputError(text, message));
}

for (const [name, text] of [
  ['a row older than the one before', csv('timestamp,balance', `${S},100`, `${S + 120},99`, `${S + 60},98`)],
  ['a duplicated timestamp', csv('timestamp,balance', `${S},100`, `${S + 60},99`, `${S + 60},98`)],
  ['the same instant written two ways', csv('timestamp,balance', '2026-11-02T00:00:00Z,100', `${S},99`)],
] as const) {
  test(`parseHistory CSV error: ${name} → rows must be strictly increasing`, () => assertInputError(text, /strictly increasing/));
}

for (const [name, text, line] of [
  ['a row older than the one before (line 4)', csv('timestamp,balance', `${S},100`, `${S + 120},99`, `${S + 60},98`), 4],
  ['a duplicated timestamp after a blank line (line 5)', csv('timestamp,balance', `${S},100`, '', `${S + 60},99`, `${S + 60},98`), 5],
] as const) {
  test(
    `parseHistory CSV error: ${name} names the line`,
    () => assertInputError(text, new RegExp(`^line ${line}: `)),
  );
}

test(
  'parseHistory CSV error: line numbers count blank lines before the header',
  () => assertInputError(csv('', '', 'timestamp,balance', `${S},100`, `bad,99`), /^line 5: "bad"/),
);

test(
  'parseHistory CSV: a time without an offset gives the same row whatever the machine time zone (read as UTC or refused)',
  () => {
    const text = csv('timestamp,balance', '2026-11-02T00:00:00,100');
    const before = process.env.TZ;
    const parseIn = (tz: string): string => {
      process.env.TZ = tz;
      try {
        return JSON.stringify(parseHistory(text).rows);
      } catch (err) {
        assert.ok(err instanceof InputError);
        return 'InputError';
      }
    };
    try {
      assert.equal(parseIn('America/New_York'), parseIn('Asia/Tokyo'));
      assert.equal(parseIn('UTC'), parseIn('Asia/Tokyo'));
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  },
);

test(
  'parseHistory CSV error: a calendar date that does not exist (30 February) is refused',
  () => assertInputError(csv('timestamp,balance', '2026-02-30T00:00:00Z,100'), /^line 2: "2026-02-30T00:00:00Z" is not/),
);

// ---------------------------------------------------------------------------------------------------------
// Prometheus query_range JSON

const matrix = (result: unknown[]) => JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
const series = (values: unknown, metric: Record<string, string> = { __name__: 'wallet_sentinel_balance', account: 'default' }) => ({ metric, values });

test('parseHistory Prometheus: one series → rows in ms, balances parsed from strings', () => {
  const parsed = parseHistory(
    matrix([
      series([
        [1700000000.123, '42.5'],
        [1700000060, '41'],
        [1700000120.5, '-0.25'],
        [1700000180, '1e2'],
      ]),
    ]),
  );
  assert.equal(parsed.format, 'prometheus');
  assert.deepEqual(parsed.rows, [
    { t: 1700000000123, balance: 42.5 },
    { t: 1700000060000, balance: 41 },
    { t: 1700000120500, balance: -0.25 },
    { t: 1700000180000, balance: 100 },
  ]);
});

test('parseHistory Prometheus: a negative zero reads 0, as in a CSV', () => {
  assert.deepEqual(parseHistory(matrix([series([[1700000000, '-0'], [1700000060, '-0.00']])])).rows, [
    { t: 1700000000000, balance: 0 },
    { t: 1700000060000, balance: 0 },
  ]);
});

test('parseHistory Prometheus: pretty-printed, after a BOM and leading blank lines', () => {
  const text = '\uFEFF\n\n  ' + JSON.stringify(JSON.parse(matrix([series([[1700000000, '1']])])), null, 2);
  assert.deepEqual(parseHistory(text), { rows: [{ t: 1700000000000, balance: 1 }], format: 'prometheus', currency: null, account: 'default' });
});

test('parseHistory Prometheus: the series\' currency label is the history\'s currency (a plain code only); a CSV has none', () => {
  const values = [[1700000000, '1']];
  assert.equal(parseHistory(matrix([series(values, { account: 'default', currency: 'USD' })])).currency, 'USD');
  assert.equal(parseHistory(matrix([series(values, { account: 'default', currency: 'US$<script>' })])).currency, null);
  assert.equal(parseHistory(matrix([series(values)])).currency, null);
  assert.equal(parseHistory('timestamp,balance\n1700000000,1\n').currency, null);
  // what the daemon's gauge says of a balance the upstream named no currency for: none ("40 unknown" in summaries)
  const unknown = parseHistory(matrix([series([[S, '120'], [S + 60, '40']], { account: 'default', currency: 'unknown' })]));
  assert.equal(unknown.currency, null);
  const said: string[] = [];
  replay(unknown.rows, CFG, (n) => said.push(summary(n)), unknown.currency);
  assert.deepEqual(said, ["Telephony.io wallet 'default' balance is low: 40"]);
});

for (const [name, text, message] of [
  ['not JSON', '{"status": "success", ', /^not valid JSON/],
  ['status error', JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query"' }), /^Prometheus answered an error: invalid parameter "query"$/],
  ['status error with an error that is not a string (was a TypeError, exit 1)', JSON.stringify({ status: 'error', error: { toString: 1 } }), /^Prometheus answered an error: no message$/],
  ['status error without an error', JSON.stringify({ status: 'error' }), /^Prometheus answered an error: no message$/],
  ['a vector result (instant query)', JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000, '1'] }] } }), /^expected a Prometheus query_range answer/],
  ['a result that is not an array', JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: {} } }), /^expected a Prometheus query_range answer/],
  ['no data', JSON.stringify({ status: 'success' }), /^expected a Prometheus query_range answer/],
  ['zero series', matrix([]), /^the query returned 0 series; backtest takes exactly one/],
  ['two series', matrix([series([[1700000000, '1']], { account: 'a' }), series([[1700000000, '2']], { account: 'b' })]), /returned 2 series; .*label matcher/],
  ['a series without values', matrix([{ metric: {} }]), /^the series has no "values"$/],
  ['a null series (was a TypeError, exit 1)', matrix([null]), /^the series has no "values"$/],
  ['a series with no points', matrix([series([])]), /^no rows$/],
  ['a value given as a number', matrix([series([[1700000000, '1'], [1700000060, 42]])]), /^values\[1\]: expected \[unix seconds, "number"\]$/],
  ['a timestamp given as a string', matrix([series([['1700000000', '1']])]), /^values\[0\]: /],
  ['a pair with one element', matrix([series([[1700000000, '1'], [1700000060, '2'], [1700000120]])]), /^values\[2\]: /],
  ['a pair that is not an array', matrix([series(['1700000000 1'])]), /^values\[0\]: /],
  ['a value "NaN" (stale)', matrix([series([[1700000000, 'NaN']])]), /^values\[0\]: /],
  ['a value "+Inf"', matrix([series([[1700000000, '+Inf']])]), /^values\[0\]: /],
  ['a value that is not a number', matrix([series([[1700000000, 'abc']])]), /^values\[0\]: /],
  ['a null timestamp', matrix([series([[null, '1']])]), /^values\[0\]: /],
  ['millisecond timestamps', matrix([series([[1700000000, '1'], [1700000060000, '2']])]), /^values\[1\]: timestamp 1700000060000 looks like milliseconds/],
  ['a subnormal value', matrix([series([[1700000000, '1e-320']])]), /^values\[0\]: balance "1e-320" is too close to 0/],
  ['a time before 1970', matrix([series([[-3600, '1']])]), /^values\[0\]: timestamp -3600 is before 1970/],
  ['a time after 2209-03-30T07:59:59Z', matrix([series([[7549747199, '1'], [7549747200, '1']])]), /^values\[1\]: timestamp 7549747200 is after 2209-03-30T07:59:59Z/],
  ['out of order', matrix([series([[1700000060, '1'], [1700000000, '2']])]), /strictly increasing/],
  ['a duplicated timestamp', matrix([series([[1700000000, '1'], [1700000000, '2']])]), /strictly increasing/],
] as const) {
  test(`parseHistory Prometheus error: ${name}`, () => assertInputError(text, message));
}

// ---------------------------------------------------------------------------------------------------------
// replay

const RULES: RuleSettings = { ...DEFAULT_RULES, lowBalanceThreshold: 100 };
const CFG: EvaluationConfig = {
  account: 'default',
  rules: RULES,
  repeat: { repeatIntervalMs: 24 * HOUR, runwayFraction: 0, minRepeatIntervalMs: 5 * MIN },
};

/**
 * Hourly, burning 0.5/h (runway ~200 h: no depletion_forecast): below 100 at 03:00, a small top-up at 05:00
 * that stays under the 105 hysteresis bound (still firing), a real one at 06:00 (resolved).
 */
const HISTORY_CSV = csv(
  'timestamp,balance',
  '2026-11-02T00:00:00Z,101',
  '2026-11-02T01:00:00Z,100.5',
  '2026-11-02T02:00:00Z,100',
  '2026-11-02T03:00:00Z,99.5',
  '2026-11-02T04:00:00Z,99',
  '2026-11-02T05:00:00Z,101.5',
  '2026-11-02T06:00:00Z,500',
  '2026-11-02T07:00:00Z,499.5',
  '',
);

function replayAll(rows: readonly Row[], cfg: EvaluationConfig = CFG): Notification[] {
  const out: Notification[] = [];
  replay(rows, cfg, (n) => out.push(n));
  return out;
}

test('replay: a balance falling through LOW_BALANCE_THRESHOLD → low_balance start at the crossing row, resolve at the top-up row, nothing else', () => {
  const { rows } = parseHistory(HISTORY_CSV);
  const notifications = replayAll(rows);
  assert.deepEqual(
    notifications.map((n) => [n.alertname, n.reason, n.status, n.severity, new Date(n.decidedAt).toISOString()]),
    [
      ['low_balance', 'start', 'firing', 'warning', '2026-11-02T03:00:00.000Z'],
      ['low_balance', 'resolve', 'resolved', 'warning', '2026-11-02T06:00:00.000Z'],
    ],
  );
  const [start, resolve] = notifications as [Notification, Notification];
  assert.equal(start.decidedAt, rows[3]!.t);
  assert.equal(resolve.decidedAt, rows[6]!.t);
  assert.equal(start.id, resolve.id);
  assert.equal(start.startsAt, rows[3]!.t);
  assert.equal(resolve.startsAt, rows[3]!.t);
  assert.equal(start.account, 'default');
  assert.equal(start.wallet.balance, 99.5);
  assert.equal(resolve.wallet.balance, 500);
});

test('replay: the same history as Prometheus JSON gives the same notifications', () => {
  const fromCsv = replayAll(parseHistory(HISTORY_CSV).rows);
  const { rows: csvRows } = parseHistory(HISTORY_CSV);
  const json = matrix([series(csvRows.map((r) => [r.t / 1000, String(r.balance)]))]);
  const parsed = parseHistory(json);
  assert.equal(parsed.format, 'prometheus');
  assert.deepEqual(parsed.rows, csvRows);
  assert.deepEqual(replayAll(parsed.rows), fromCsv);
});

test('replay: deterministic — replaying twice gives identical notifications', () => {
  const { rows } = parseHistory(HISTORY_CSV);
  assert.deepEqual(replayAll(rows), replayAll(rows));
});

test('replay: a balance that never crosses a threshold and burns slowly → no notifications', () => {
  const { rows } = parseHistory(csv('timestamp,balance', `${S},1000`, `${S + 3600},999.5`, `${S + 7200},999`, `${S + 10800},998.5`));
  assert.deepEqual(replayAll(rows), []);
});

test('replay: with a critical threshold too → start, escalation, resolve; decidedAt = row times', () => {
  const { rows } = parseHistory(HISTORY_CSV);
  const notifications = replayAll(rows, { ...CFG, rules: { ...RULES, criticalBalanceThreshold: 99.2 } });
  assert.deepEqual(
    notifications.map((n) => [n.alertname, n.reason, n.severity, n.decidedAt]),
    [
      ['low_balance', 'start', 'warning', rows[3]!.t],
      ['low_balance', 'escalation', 'critical', rows[4]!.t],
      ['low_balance', 'resolve', 'critical', rows[6]!.t],
    ],
  );
});

// ---------------------------------------------------------------------------------------------------------
// The ISO-8601 fast path: the same answer as the general path (regular expression, civil check, Date.parse)
// wherever it answers, and no answer (the general path decides) for everything it does not read exactly.

const ISO_EDGES = [
  // accepted by both
  '2026-11-02T00:00:00Z', '2026-11-02 00:00:00Z', '2026-11-02T00:00Z', '2026-11-02T23:59:59Z', '2026-11-02T00:00:00.000Z',
  '2026-11-02T00:00:00.5Z', '2026-11-02T00:00:00.25Z', '2026-11-02T00:00:00.999Z', '2026-11-02T00:00:00.9999Z',
  '2026-11-02T00:00:00.123456Z', '2026-11-02T00:00:00.123456789Z', '2026-11-02T00:00:00.000000001Z',
  '2026-11-02T00:00:00+00:00', '2026-11-02T00:00:00-00:00', '2026-11-02T02:00:01+02:00', '2026-11-01T19:00:00-05:00',
  '2026-11-02T05:30:00+05:30', '2026-11-02T00:00:00+23:59', '2026-11-02T00:00:00-23:59', '2026-11-02T00:00:00.5+01:00',
  '2026-11-02T00:00+01:00', '2024-02-29T12:00:00Z', '2000-02-29T12:00:00Z', '2026-12-31T23:59:59.999Z', '2026-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '0100-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '9999-12-31T23:59:59-23:59',
  '2026-04-30T00:00:00Z', '2026-06-30T00:00:00Z', '2026-09-30T00:00:00Z', '2026-11-30T00:00:00Z',
  // left to the general path (which accepts some, refuses others)
  '2026-11-02t00:00:00z', '2026-11-02T00:00:00z', '2026-11-02T00:00:00+0100', '2026-11-02T00:00:00+01', '2026-11-02T00:00:60Z',
  '2026-11-02T24:00:00Z', '2026-11-02T00:60:00Z', '2026-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-02-30T00:00:00Z',
  '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-01T00:00:00Z', '2026-11-00T00:00:00Z', '0099-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z', '2026-11-02T00:00:00.Z', '2026-11-02T00:00:00.1234567890Z', '2026-11-02T00:00:00+24:00',
  '2026-11-02T00:00:00+00:60', '2026-11-02T00:00:00+99:99', '2026-11-02T00:00:00', '2026-11-02T00:00', '2026-11-02',
  '2026-11-02T00:00:00ZZ', '2026-11-02T00:00:00Z ', '2026-11-02T00:00:0Z', '2026-11-02T0:00:00Z', '2026-1-02T00:00:00Z',
  '+02026-11-02T00:00:00Z', '2026-11-02T00:00:00+01:00:00', '2026-11-02T00:00:00+1:00', '2026-11-02T00:00:00 Z',
  '2026-11-02X00:00:00Z', '2026/11/02T00:00:00Z', '2026-11-02T00-00-00Z', '2026-11-02T00:00:00,5Z', '2026-11-02T00:00:00.5',
  '1793577600', '1793577600.5', '', 'yesterday', '２０２６-11-02T00:00:00Z',
];

test('isoFast: the same time as the general path wherever it answers, for every edge case', () => {
  let answered = 0;
  for (const s of ISO_EDGES) {
    const fast = isoFast(s);
    if (fast === undefined) continue;
    answered++;
    assert.equal(fast, parseTimestampGeneral(s), s);
  }
  assert.ok(answered >= 34, `answered ${answered}`);
});

test('isoFast: reads Z, offsets and fractions of seconds', () => {
  assert.equal(isoFast('2026-11-02T00:00:00Z'), T);
  assert.equal(isoFast('2026-11-02 00:00:00Z'), T);
  assert.equal(isoFast('2026-11-02T00:00Z'), T);
  assert.equal(isoFast('2026-11-02T00:00:00.250Z'), T + 250);
  assert.equal(isoFast('2026-11-02T00:00:00.5Z'), T + 500);
  assert.equal(isoFast('2026-11-02T00:00:00.25Z'), T + 250);
  assert.equal(isoFast('2026-11-02T00:00:00.123987Z'), T + 123); // cut off, as Date.parse does
  assert.equal(isoFast('2026-11-02T02:00:01+02:00'), T + 1000);
  assert.equal(isoFast('2026-11-01T19:00:00-05:00'), T);
  assert.equal(isoFast('2026-11-02T05:30:00.750+05:30'), T + 750);
  assert.equal(isoFast('2026-11-02T00:00:00-00:00'), T);
});

test('isoFast: no answer for what the general path must judge (lower case, offsets without colon, leap second, impossible dates)', () => {
  for (const s of ['2026-11-02t00:00:00z', '2026-11-02T00:00:00+0100', '2026-11-02T00:00:60Z', '2026-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-11-02T24:00:00Z', '2026-11-02T00:00:00+24:00', '2026-11-02T00:00:00', '0099-01-01T00:00:00Z', '1793577600']) {
    assert.equal(isoFast(s), undefined, s);
  }
  // and the general path still refuses the impossible ones, accepts the others
  assert.equal(parseTimestampGeneral('2026-02-29T00:00:00Z'), undefined);
  assert.equal(parseTimestampGeneral('2026-11-02T00:00:60Z'), undefined);
  assert.equal(parseTimestampGeneral('2026-11-02T00:00:00+0100'), T - HOUR);
});

test('isoFast: the same time as the general path for 20,000 random well-formed and near-miss timestamps', () => {
  const r = mulberry32(7);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  let answered = 0;
  for (let k = 0; k < 20_000; k++) {
    const year = pick([1970, 1999, 2000, 2024, 2026, 2100, 1900, 100, 9999, Math.floor(r() * 10_000)]);
    const date = `${pad(year, 4)}-${pad(Math.floor(r() * 14), 2)}-${pad(Math.floor(r() * 33), 2)}`;
    const time = `${pad(Math.floor(r() * 25), 2)}:${pad(Math.floor(r() * 61), 2)}`;
    const seconds = pick(['', `:${pad(Math.floor(r() * 61), 2)}`, `:${pad(Math.floor(r() * 60), 2)}.${String(Math.floor(r() * 1e9)).slice(0, 1 + Math.floor(r() * 9))}`]);
    const zone = pick(['Z', 'z', '', `${pick(['+', '-'])}${pad(Math.floor(r() * 25), 2)}:${pad(Math.floor(r() * 61), 2)}`, `+${pad(Math.floor(r() * 24), 2)}${pad(Math.floor(r() * 60), 2)}`]);
    const s = `${date}${pick(['T', ' ', 't'])}${time}${seconds}${zone}`;
    const fast = isoFast(s);
    if (fast === undefined) continue;
    answered++;
    assert.equal(fast, parseTimestampGeneral(s), s);
  }
  assert.ok(answered > 1000, `answered ${answered}`);
});

test('parseHistory: the same rows through the fast path as through the general path', () => {
  const lines = ['timestamp,balance'];
  for (let i = 0; i < 500; i++) lines.push(`${new Date(T + i * 61_001).toISOString()},${100 - i / 10}`);
  const { rows } = parseHistory(lines.join('\n'));
  assert.deepEqual(rows.map((x) => x.t), lines.slice(1).map((l) => parseTimestampGeneral(l.split(',')[0]!)));
});

// ---------------------------------------------------------------------------------------------------------
// The CSV read line by line in place: the same rows, or the same first error, as splitting the text into
// lines and cells (the reader before, kept here as the reference).

function referenceCsv(text: string): Row[] {
  const body = text.replace(/^\uFEFF/, '');
  const lines = body.split(/\r?\n/);
  const h = lines.findIndex((l) => l.trim() !== '');
  const headerLine = lines[h] ?? '';
  const header = headerLine.split(',').map((s) => s.trim().toLowerCase());
  if (header[0] !== 'timestamp' || header[1] !== 'balance' || header.length !== 2) {
    throw new InputError(`line ${Math.max(h, 0) + 1}: the header must be "timestamp,balance", got "${headerLine.slice(0, 80)}"`);
  }
  const rows: Row[] = [];
  for (let i = h + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== 2) throw new InputError(`line ${i + 1}: expected 2 fields, got ${cells.length}`);
    const cell = cells[0]!.trim();
    const t = parseTimestampGeneral(cell);
    if (typeof t === 'string') throw new InputError(`line ${i + 1}: timestamp ${t}`);
    if (t === undefined) throw new InputError(`line ${i + 1}: "${cell.slice(0, 40)}" is not unix seconds or a valid ISO-8601 time with a zone (Z or ±hh:mm)`);
    if (t < 0 || t >= HISTORY_END_MS) throw new InputError(`line ${i + 1}: timestamp ${cell.slice(0, 40)} is ${t < 0 ? 'before 1970' : 'after 2209-03-30T07:59:59Z'}: the forecast replays times from 1970-01-01T00:00:00Z to then (unix seconds 0 to 7549747199)`);
    const v = cells[1]!.trim();
    const r = parseHistory(`timestamp,balance\n${S},${v}`); // the balance rules (throws line 2: …)
    const prev = rows.at(-1);
    if (prev && t <= prev.t) throw new InputError(`line ${i + 1}: timestamps must be strictly increasing (rows in time order)`);
    rows.push({ t, balance: r.rows[0]!.balance });
  }
  if (rows.length === 0) throw new InputError('no rows');
  return rows;
}

const outcome = (f: () => Row[]): unknown => {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return err.message;
  }
};

test('parseHistory: the same rows or the same error as the split-based reader, for 3,000 random small CSVs', () => {
  const r = mulberry32(11);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
  let t = S;
  const row = (): string => {
    if (r() < 0.8) {
      t += 60;
      return `${pick([`${t}`, new Date(t * 1000).toISOString(), new Date(t * 1000).toISOString().replace('.000Z', '+00:00'), ` ${t} `])}${pick([',', ', ', ' ,'])}${pick(['100', ' 99.5 ', '1e3'])}`;
    }
    t += pick([60, 1, -60, 0]);
    const ts = pick([`${t}`, new Date(t * 1000).toISOString(), ` ${t} `, 'bad', '']);
    return `${ts}${pick([',', ',', ', ', ',,', ''])}${pick(['100', ' 99.5 ', 'x', '', '1e3', '1,2'])}`;
  };
  const lines = (): string[] => Array.from({ length: Math.floor(r() * 8) }, () => pick([row(), row(), row(), '', '  ', '\r', ' \t ']));
  for (let k = 0; k < 3000; k++) {
    t = S;
    const header = pick(['timestamp,balance', 'timestamp,balance', ' Timestamp , BALANCE ', 'timestamp,balance\r', 'time,balance', '']);
    const text = [...pick([[], [''], ['', '  ']]), header, ...lines()].join(pick(['\n', '\r\n', '\n', '\r\r\n'])) + pick(['', '\n', '\r\n', '\r']);
    const got = outcome(() => parseHistory(text).rows);
    const want = outcome(() => referenceCsv(text));
    // the reference reads a bad balance on a line 2 of its own: compare what follows the line number
    if (typeof want === 'string' && typeof got === 'string' && /^line 2: balance/.test(want)) {
      assert.match(got, /^line \d+: balance/, JSON.stringify(text));
      assert.equal(got.replace(/^line \d+: /, ''), want.replace(/^line 2: /, ''), JSON.stringify(text));
    } else assert.deepEqual(got, want, JSON.stringify(text));
  }
});
