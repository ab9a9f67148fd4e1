/**
 * Scoring, PURE, the same code for every method (wallet-sentinel and the baselines). These are the
 * independent evaluation's definitions (issue 9, "Scoring"); bench/forecast/README.md says them in plain
 * words.
 *
 *   depletion D    a reading at or below 0 whose predecessor was above 0.
 *   reset point U  the last top-up before D that added at least half of the balance before it
 *                  (rise ≥ 0.5 × the balance before the rise), or the start of the history. A rise from a
 *                  balance at or below 0 is a reset whenever it is > 0 (half of nothing is nothing). U is
 *                  the time of the reading after the rise.
 *   counts         an alert interval that starts in [U, D) counts for D from its start; one that started
 *                  before U counts from U only if it stayed firing up to D (ended at D or later).
 *   lead           D − the first moment a warning-or-critical interval counts; critical lead likewise for
 *                  the critical intervals alone.
 *   warned ≥ 72 h  lead ≥ 72 h (strict: 71.99 h is a miss), counted out of the depletions with D − U ≥ 72 h;
 *   critical ≥ 24 h likewise with the critical lead, 24 h.
 *   missed         no interval counts for D (no alert at all in [U, D)).
 *   alarm          (given by the method) the first firing of each (alert, severity) pair.
 *   justified      an alarm at t with balance b(t) is justified when b(t) minus the consumption that
 *                  actually followed (the sum of the balance drops; top-ups and refunds are not consumption)
 *                  reaches 0 within 72 h × 1.1 = 79.2 h (warning) or 24 h × 1.1 = 26.4 h (critical). Past
 *                  the end of the history the consumption is extrapolated at the history's tail rate: the
 *                  average consumption over its last 24 h (the whole history if shorter).
 *   false alarm    an alarm that is not justified.
 *   won by a false alarm (not in the issue; a diagnostic) a lead whose first counting alert began with a
 *                  false alarm: the scoring counts the lead and the false alarm both.
 *
 * Times are epoch ms. An interval's `end` is the moment it stopped firing (exclusive), Infinity when it
 * was still firing at the end of the history.
 */
import type { Row } from '../../src/backtest/input.js';

export const HOUR_MS = 3_600_000;
export const WARNING_HORIZON_MS = 72 * HOUR_MS;
export const CRITICAL_HORIZON_MS = 24 * HOUR_MS;
/** The justification window is the horizon stretched by 10 %. */
export const JUSTIFY_STRETCH = 1.1;
/** A top-up resets the depletion clock when it adds at least this fraction of the balance before it. */
export const RESET_FRACTION = 0.5;
/** A false alarm is a near miss (a diagnostic) when what followed spent at least this share of its balance. */
export const NEAR_MISS_SHARE = 0.9;
/** The tail rate used past the end of a history: average consumption over this much of its end. */
export const TAIL_WINDOW_MS = 24 * HOUR_MS;

export type Severity = 'warning' | 'critical';

export interface Interval {
  readonly start: number;
  readonly end: number;
}

export interface Alarm {
  readonly t: number;
  readonly severity: Severity;
  /** Which alert (ours: the notification id; a baseline: its rule name and start). */
  readonly id: string;
  /** Free text for --verbose (ours: the forecast fields of the notification). */
  readonly detail?: string;
}

/** What a method did over one history, in the scoring's terms. */
export interface AlertRecord {
  /** When a warning-or-critical alert was firing (intervals may overlap). */
  readonly any: readonly Interval[];
  /** When a critical alert was firing. */
  readonly critical: readonly Interval[];
  readonly alarms: readonly Alarm[];
}

export interface Depletion {
  readonly t: number;
  readonly u: number;
}

export interface DepletionScore extends Depletion {
  readonly eligible72: boolean;
  readonly eligible24: boolean;
  /** D − first counting moment, null when nothing counts. */
  readonly leadMs: number | null;
  readonly criticalLeadMs: number | null;
  readonly warned72: boolean;
  readonly critical24: boolean;
  readonly missed: boolean;
}

/** A scored depletion, and whether its lead was won by an alarm that was itself false (scoreHistory). */
export interface JudgedDepletion extends DepletionScore {
  /** warned72, and the alert that counted first started with a false alarm. */
  readonly warnedByFalseAlarm: boolean;
  /** critical24, and the critical alert that counted first started with a false alarm. */
  readonly criticalByFalseAlarm: boolean;
}

export interface JudgedAlarm extends Alarm {
  readonly balance: number;
  /** Consumption over the justification window (extrapolated past the end when `extrapolated`). */
  readonly consumed: number;
  readonly extrapolated: boolean;
  readonly justified: boolean;
  /**
   * Where it fell (a diagnostic): `first` — the first alarm of its severity in [U, D) of the depletion that
   * followed (a false one came early, and that depletion's lead counts from it); `again` — a later one of the
   * same severity before the same depletion; `none` — no depletion followed it without a reset in between.
   */
  readonly place: 'first' | 'again' | 'none';
}

export interface HistoryScore {
  readonly depletions: readonly JudgedDepletion[];
  readonly alarms: readonly JudgedAlarm[];
}

/** Depletions and their reset points. */
export function findDepletions(rows: readonly Row[]): Depletion[] {
  const out: Depletion[] = [];
  if (rows.length === 0) return out;
  let u = rows[0]!.t;
  for (let i = 1; i < rows.length; i++) {
    const before = rows[i - 1]!.balance;
    const now = rows[i]!.balance;
    const rise = now - before;
    if (rise > 0 && (before <= 0 || rise >= RESET_FRACTION * before)) u = rows[i]!.t;
    if (now <= 0 && before > 0) out.push({ t: rows[i]!.t, u });
  }
  return out;
}

/** The interval that counts first for the depletion (D, U) and the moment it counts from, or null. */
function firstCountingInterval(intervals: readonly Interval[], d: Depletion): { at: number; interval: Interval } | null {
  let first: { at: number; interval: Interval } | null = null;
  for (const iv of intervals) {
    let at: number | null = null;
    if (iv.start >= d.u && iv.start < d.t) at = iv.start;
    else if (iv.start < d.u && iv.end >= d.t) at = d.u;
    if (at !== null && (first === null || at < first.at)) first = { at, interval: iv };
  }
  return first;
}

/** The first moment an interval counts for the depletion (D, U), or null. */
export function firstCounting(intervals: readonly Interval[], d: Depletion): number | null {
  return firstCountingInterval(intervals, d)?.at ?? null;
}

export function scoreDepletion(d: Depletion, record: AlertRecord): DepletionScore {
  const anyAt = firstCounting(record.any, d);
  const critAt = firstCounting(record.critical, d);
  const leadMs = anyAt === null ? null : d.t - anyAt;
  const criticalLeadMs = critAt === null ? null : d.t - critAt;
  const eligible72 = d.t - d.u >= WARNING_HORIZON_MS;
  const eligible24 = d.t - d.u >= CRITICAL_HORIZON_MS;
  return {
    ...d,
    eligible72,
    eligible24,
    leadMs,
    criticalLeadMs,
    warned72: eligible72 && leadMs !== null && leadMs >= WARNING_HORIZON_MS,
    critical24: eligible24 && criticalLeadMs !== null && criticalLeadMs >= CRITICAL_HORIZON_MS,
    missed: anyAt === null,
  };
}

/** Consumption so far: cum[i] = the sum of the balance drops from row 0 to row i (rises ignored). */
export function cumulativeConsumption(rows: readonly Row[]): Float64Array {
  const cum = new Float64Array(rows.length);
  for (let i = 1; i < rows.length; i++) cum[i] = cum[i - 1]! + Math.max(0, rows[i - 1]!.balance - rows[i]!.balance);
  return cum;
}

/** Index of the last row at or before t (−1 when t is before the first row). */
export function rowAtOrBefore(rows: readonly Row[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Average consumption per ms over the last TAIL_WINDOW_MS of the history (the whole history if shorter). */
export function tailRate(rows: readonly Row[], cum: Float64Array): number {
  const last = rows.length - 1;
  const lastT = rows[last]!.t;
  const from = Math.max(0, rowAtOrBefore(rows, lastT - TAIL_WINDOW_MS));
  const span = lastT - rows[from]!.t;
  return span > 0 ? (cum[last]! - cum[from]!) / span : 0;
}

/**
 * Judges one alarm. Consumption inside the history is read at the last reading at or before the window's
 * end (a drop across a gap is counted when the reading after the gap arrives).
 */
export function judgeAlarm(alarm: Alarm, rows: readonly Row[], cum: Float64Array, ratePerMs: number): Omit<JudgedAlarm, 'place'> {
  const k = Math.max(0, rowAtOrBefore(rows, alarm.t));
  const balance = rows[k]!.balance;
  const horizon = (alarm.severity === 'critical' ? CRITICAL_HORIZON_MS : WARNING_HORIZON_MS) * JUSTIFY_STRETCH;
  const windowEnd = alarm.t + horizon;
  const last = rows.length - 1;
  const lastT = rows[last]!.t;
  let consumed: number;
  let extrapolated = false;
  if (windowEnd <= lastT) {
    consumed = cum[rowAtOrBefore(rows, windowEnd)]! - cum[k]!;
  } else {
    consumed = cum[last]! - cum[k]! + ratePerMs * (windowEnd - Math.max(lastT, alarm.t));
    extrapolated = true;
  }
  // Balances are in hundredths at best; the tolerance only absorbs float sums.
  const justified = consumed >= balance - 1e-9 * Math.max(1, Math.abs(balance));
  return { ...alarm, balance, consumed, extrapolated, justified };
}

export function scoreHistory(rows: readonly Row[], record: AlertRecord): HistoryScore {
  const cum = cumulativeConsumption(rows);
  const rate = tailRate(rows, cum);
  const found = findDepletions(rows);
  const placeOf = (a: Alarm): JudgedAlarm['place'] => {
    const d = found.find((x) => a.t >= x.u && a.t < x.t);
    if (!d) return 'none';
    return record.alarms.some((b) => b.severity === a.severity && b.t >= d.u && b.t < a.t) ? 'again' : 'first';
  };
  const alarms = record.alarms.map((a) => ({ ...judgeAlarm(a, rows, cum, rate), place: placeOf(a) }));
  // A lead is won by a false alarm when the alert that counted first began with an alarm that was not
  // justified (it fired while the money still lasted past the horizon + 10 %): the lead counts all the same.
  const wonByFalse = (intervals: readonly Interval[], d: Depletion, severity?: Severity): boolean => {
    const start = firstCountingInterval(intervals, d)?.interval.start;
    return alarms.some((a) => a.t === start && (severity === undefined || a.severity === severity) && !a.justified);
  };
  const depletions = found.map((d): JudgedDepletion => {
    const s = scoreDepletion(d, record);
    return { ...s, warnedByFalseAlarm: s.warned72 && wonByFalse(record.any, d), criticalByFalseAlarm: s.critical24 && wonByFalse(record.critical, d, 'critical') };
  });
  return { depletions, alarms };
}

// ---------------------------------------------------------------- totals

export interface Totals {
  depletions: number;
  missed: number;
  eligible72: number;
  warned72: number;
  eligible24: number;
  critical24: number;
  /** Of warned72 (critical24): won by a false alarm (JudgedDepletion). */
  warned72ByFalse: number;
  critical24ByFalse: number;
  falseWarning: number;
  falseCritical: number;
  /** Of the false alarms: the first of their severity before a depletion, and those before none (JudgedAlarm.place). */
  falseFirst: number;
  falseNone: number;
  /** Of the false alarms: near misses (the consumption that followed reached NEAR_MISS_SHARE of the balance). */
  falseNear: number;
  alarms: number;
}

export const emptyTotals = (): Totals => ({
  depletions: 0,
  missed: 0,
  eligible72: 0,
  warned72: 0,
  eligible24: 0,
  critical24: 0,
  warned72ByFalse: 0,
  critical24ByFalse: 0,
  falseWarning: 0,
  falseCritical: 0,
  falseFirst: 0,
  falseNone: 0,
  falseNear: 0,
  alarms: 0,
});

export function addScore(t: Totals, s: HistoryScore): Totals {
  for (const d of s.depletions) {
    t.depletions++;
    if (d.missed) t.missed++;
    if (d.eligible72) t.eligible72++;
    if (d.warned72) t.warned72++;
    if (d.eligible24) t.eligible24++;
    if (d.critical24) t.critical24++;
    if (d.warnedByFalseAlarm) t.warned72ByFalse++;
    if (d.criticalByFalseAlarm) t.critical24ByFalse++;
  }
  for (const a of s.alarms) {
    t.alarms++;
    if (!a.justified) {
      if (a.severity === 'critical') t.falseCritical++;
      else t.falseWarning++;
      if (a.place === 'first') t.falseFirst++;
      if (a.place === 'none') t.falseNone++;
      if (a.consumed >= NEAR_MISS_SHARE * a.balance) t.falseNear++;
    }
  }
  return t;
}

export function addTotals(a: Totals, b: Totals): Totals {
  for (const k of Object.keys(a) as (keyof Totals)[]) a[k] += b[k];
  return a;
}

export const falseAlarms = (t: Totals): number => t.falseWarning + t.falseCritical;
