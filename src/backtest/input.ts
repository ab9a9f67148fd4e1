/**
 * Balance histories for `backtest`: a CSV with header `timestamp,balance` (ISO-8601 or unix seconds), or
 * the JSON that Prometheus's /api/v1/query_range returns for one balance series. PURE: text in, rows out.
 * The whole file is validated before a row is replayed, so a bad row never comes after printed output.
 */
import { HISTORY_END_MS } from '../domain/packed.js';
import { numberProblem, readCurrency, usableNumber } from '../telephony/parse.js';

export interface Row {
  t: number;
  balance: number;
}

export class InputError extends Error {
  override name = 'InputError';
}

/**
 * `currency`: the Prometheus series' `currency` label (the daemon's balance gauge carries one), so the
 * replayed notifications say "12.5 USD" as the live ones did; a CSV has none (null), nor has a label that is
 * not a plain code.
 */
export function parseHistory(text: string): { rows: Row[]; format: 'csv' | 'prometheus'; currency: string | null; account: string | null } {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('{')) {
    const { rows, currency, account } = parsePrometheus(body);
    return { rows: nonEmpty(rows), format: 'prometheus', currency, account };
  }
  return { rows: nonEmpty(parseCsv(body)), format: 'csv', currency: null, account: null };
}

function parseCsv(text: string): Row[] {
  // The lines as text.split(/\r?\n/) cuts them (a line's number is its index + 1), taken one at a time: no
  // array of 20,000 lines and their cells for a 14-day history. Blank lines before the header are skipped, not renumbered.
  const rows: Row[] = [];
  let header = false;
  for (let start = 0, index = 0; ; index++) {
    const nl = text.indexOf('\n', start);
    const stop = nl === -1 ? text.length : nl;
    if (header) readRow(text.slice(start, stop), index + 1, rows);
    else {
      const line = text.slice(start, nl !== -1 && stop > start && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop);
      if (line.trim() !== '') header = checkHeader(line, index);
    }
    if (nl === -1) break;
    start = nl + 1;
  }
  if (!header) checkHeader('', -1);
  return rows;
}

/** True for the header "timestamp,balance" (any case, spaces around the names); else throws. */
function checkHeader(headerLine: string, h: number): true {
  const header = headerLine.split(',').map((s) => s.trim().toLowerCase());
  if (header[0] !== 'timestamp' || header[1] !== 'balance' || header.length !== 2) {
    throw new InputError(`line ${Math.max(h, 0) + 1}: the header must be "timestamp,balance", got "${headerLine.slice(0, 80)}"`);
  }
  return true;
}

/** Line `n` of the CSV after the header (untrimmed; nothing if blank) appended to `rows`: later than the row before. */
function readRow(raw: string, n: number, rows: Row[]): void {
  const comma = raw.indexOf(',');
  if (comma === -1) {
    if (raw.trim() === '') return;
    throw new InputError(`line ${n}: expected 2 fields, got 1`);
  }
  if (raw.indexOf(',', comma + 1) !== -1) throw new InputError(`line ${n}: expected 2 fields, got ${raw.split(',').length}`);
  const cell = raw.slice(0, comma).trim();
  const t = parseTimestamp(cell);
  if (typeof t === 'string') throw new InputError(`line ${n}: timestamp ${t}`);
  if (t === undefined) {
    throw new InputError(`line ${n}: "${cell.slice(0, 40)}" is not unix seconds or a valid ISO-8601 time with a zone (Z or ±hh:mm)`);
  }
  const outside = outsideHistory(t, cell);
  if (outside !== null) throw new InputError(`line ${n}: timestamp ${outside}`);
  const balance = balanceOf(raw.slice(comma + 1), `line ${n}`);
  const prev = rows.length === 0 ? undefined : rows[rows.length - 1]!;
  if (prev && t <= prev.t) throw new InputError(`line ${n}: timestamps must be strictly increasing (rows in time order)`);
  rows.push({ t, balance });
}

function parsePrometheus(text: string): { rows: Row[]; currency: string | null; account: string | null } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InputError('not valid JSON (expected the body of a Prometheus /api/v1/query_range answer)');
  }
  const data = (doc as { status?: unknown; data?: { resultType?: unknown; result?: unknown } }).data;
  const { status, error } = doc as { status?: unknown; error?: unknown };
  // Prometheus's `error` is a string; anything else (an object whose toString is not a function made String() throw, exit 1) says nothing.
  if (status === 'error') throw new InputError(`Prometheus answered an error: ${typeof error === 'string' && error !== '' ? error.slice(0, 200) : 'no message'}`);
  if (status !== 'success' || data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
    throw new InputError('expected a Prometheus query_range answer: {"status":"success","data":{"resultType":"matrix","result":[…]}}');
  }
  if (data.result.length !== 1) {
    throw new InputError(`the query returned ${data.result.length} series; backtest takes exactly one (add a label matcher such as {account="default"})`);
  }
  const series: unknown = data.result[0];
  const values = typeof series === 'object' && series !== null ? (series as { values?: unknown }).values : undefined;
  if (!Array.isArray(values)) throw new InputError('the series has no "values"');
  const rows: Row[] = [];
  values.forEach((pair: unknown, i) => {
    const [ts, v] = Array.isArray(pair) ? (pair as unknown[]) : [];
    if (typeof ts !== 'number' || !Number.isFinite(ts) || typeof v !== 'string') throw new InputError(`values[${i}]: expected [unix seconds, "number"]`);
    const range = secondsProblem(ts, String(ts));
    if (range) throw new InputError(`values[${i}]: timestamp ${range}`);
    const t = Math.round(ts * 1000);
    const outside = outsideHistory(t, String(ts));
    if (outside !== null) throw new InputError(`values[${i}]: timestamp ${outside}`);
    push(rows, { t, balance: balanceOf(v, `values[${i}]`) }, `values[${i}]`);
  });
  const { currency } = readCurrency((series as { metric?: unknown }).metric, 'currency');
  // The balance gauge says `unknown` when the upstream named no currency (metrics/collector.ts): none, as the
  // daemon had it ("balance is low: 40 unknown" otherwise).
  // The series' `account` label: which wallet of WALLETS_FILE the history is (cli/backtest.ts picks its rules).
  const account = ((series as { metric?: Record<string, unknown> }).metric ?? {}).account;
  return { rows, currency: currency === UNKNOWN_CURRENCY_LABEL ? null : currency, account: typeof account === 'string' ? account : null };
}

/** The `currency` label value of a balance the upstream gave no currency for (contract section 4). */
const UNKNOWN_CURRENCY_LABEL = 'unknown';

/**
 * Unix seconds, or ISO-8601 with a zone: a time without one would depend on the machine's time zone,
 * and an impossible date (Feb 30) is refused rather than rolled over.
 */
function parseTimestamp(s: string): number | string | undefined {
  return isoFast(s) ?? parseTimestampGeneral(s);
}

/** parseTimestamp without its fast path (exported for the tests that hold the two to the same answers). */
export function parseTimestampGeneral(s: string): number | string | undefined {
  if (/^\d+(\.\d+)?$/.test(s)) return secondsProblem(Number(s), s) ?? Math.round(Number(s) * 1000);
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const civil = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (civil.getUTCMonth() !== month - 1 || civil.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) return undefined;
  const t = Date.parse(s.replace(' ', 'T'));
  return Number.isFinite(t) ? t : undefined;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** The number written by the `n` digits from `at` (0–9 each); NaN if any is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48; // NaN past the end
    if (!(d >= 0 && d <= 9)) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The common ISO-8601 shapes read without a regular expression and Date.parse (a 14-day, one-a-minute
 * history spent most of its parse in them): `YYYY-MM-DD[T ]HH:MM[:SS[.f…]](Z|±HH:MM)`, a year from 100, a
 * date and time that exist (seconds up to 59), an offset under 24:00. Exactly what parseTimestamp's general
 * path gives them (Date.parse keeps the first three digits of a fraction); undefined for anything else
 * (lower-case t or z, an offset without its colon, a leap second, an impossible date): the general path decides.
 */
export function isoFast(s: string): number | undefined {
  const n = s.length;
  if (n < 17 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58) return undefined; // '-', '-', ':'
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return undefined; // 'T' or ' '
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59)) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return undefined;
  let i = 16;
  let second = 0;
  let ms = 0;
  if (s.charCodeAt(i) === 58) {
    second = digits(s, i + 1, 2);
    if (!(second <= 59)) return undefined;
    i += 3;
    if (s.charCodeAt(i) === 46) {
      // '.': at least one digit; the first three are milliseconds, the rest cut off
      const from = ++i;
      while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      const count = i - from;
      if (count === 0 || count > 9) return undefined;
      ms = digits(s, from, Math.min(3, count)) * (count === 1 ? 100 : count === 2 ? 10 : 1);
    }
  }
  let offsetMin = 0;
  const zone = s.charCodeAt(i);
  if (zone === 90) {
    if (i + 1 !== n) return undefined; // 'Z' ends it
  } else if (zone === 43 || zone === 45) {
    if (i + 6 !== n || s.charCodeAt(i + 3) !== 58) return undefined; // ±HH:MM
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (!(oh <= 23 && om <= 59)) return undefined;
    offsetMin = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  } else return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
}

/** 9999-12-31T23:59:59Z, the last second ISO-8601's four-digit years can write. */
export const MAX_UNIX_SECONDS = 253_402_300_799;

/**
 * Why unix seconds are out of range, naming the unit they were probably written in (milliseconds are the
 * usual slip: 1795740800000 is 2026 in ms, the year 58874 in seconds); null when fine.
 */
function secondsProblem(seconds: number, written: string): string | null {
  if (Math.abs(seconds) <= MAX_UNIX_SECONDS) return null;
  const scale = (
    [
      [1e3, 'milliseconds'],
      [1e6, 'microseconds'],
      [1e9, 'nanoseconds'],
    ] as const
  ).find(([f]) => Math.abs(seconds) / f <= MAX_UNIX_SECONDS);
  const what = scale ? `looks like ${scale[1]}` : 'is out of range';
  return `${written.slice(0, 40)} ${what} (past the year 9999 as unix seconds); give unix seconds or ISO-8601`;
}

/**
 * Why a time (epoch ms) cannot be replayed, or null: the forecast counts hours from 1970 to 2209
 * (HISTORY_END_MS), and a history outside gave wrong burn rates and runways, without a word.
 */
function outsideHistory(t: number, written: string): string | null {
  if (t >= 0 && t < HISTORY_END_MS) return null;
  return `${written.slice(0, 40)} is ${t < 0 ? 'before 1970' : 'after 2209-03-30T07:59:59Z'}: the forecast replays times from 1970-01-01T00:00:00Z to then (unix seconds 0 to ${HISTORY_END_MS / 1000 - 1})`;
}

/** A balance cell by the same rules as the upstream's balance field (no subnormal, no 1e300, no hex). */
function balanceOf(cell: string, where: string): number {
  const v = cell.trim();
  const problem = numberProblem(v);
  if (problem !== null) throw new InputError(`${where}: balance "${v.slice(0, 40)}" ${problem}`);
  return usableNumber(v)!; // as the upstream's balance reads: `-0` is 0
}

/** Appends a row that must be later than the previous one. */
function push(rows: Row[], row: Row, where: string): void {
  const prev = rows.at(-1);
  if (prev && row.t <= prev.t) throw new InputError(`${where}: timestamps must be strictly increasing (rows in time order)`);
  rows.push(row);
}

function nonEmpty(rows: Row[]): Row[] {
  if (rows.length === 0) throw new InputError('no rows');
  return rows;
}
