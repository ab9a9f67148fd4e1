/**
 * The two baselines wallet-sentinel is compared with, as Prometheus would evaluate them: a rule evaluation
 * every minute from the first reading to the last (also through gaps in the data), PURE.
 *
 * (a) predict_linear, on the raw balance gauge (top-ups included, as Prometheus sees them):
 *       warning:  predict_linear(balance[6h], 72*3600) < 0   for: 5m
 *       critical: predict_linear(balance[6h], 24*3600) < 0   for: 5m
 *     Ordinary least squares over the samples in (t − 6h, t] (left-open, as Prometheus 3), at least 2 of
 *     them, intercept at the evaluation time t, exactly like Prometheus's linearRegression.
 * (b) static thresholds on the history's starting balance B0:
 *       warning:  balance < 0.25 × B0   for: 5m        critical: balance < 0.10 × B0   for: 5m
 *     The instant value is the last sample at or before t if it is at most 5 min old (Prometheus's lookback
 *     delta); older than that the series is stale and the rule does not hold.
 *
 * `for:` (Prometheus): pending from the first evaluation where the condition holds, firing once it has
 * held on every evaluation for `for`, resolved at the first evaluation where it does not hold.
 * A warning rule and a critical rule are two alerts: each start of firing of either is an alarm.
 */
import type { Row } from '../../src/backtest/input.js';
import type { AlertRecord, Alarm, Interval, Severity } from './scoring.js';

export const EVAL_INTERVAL_MS = 60_000;
export const FOR_MS = 5 * 60_000;
export const LOOKBACK_DELTA_MS = 5 * 60_000;
export const PREDICT_LINEAR_RANGE_MS = 6 * 3_600_000;
export const PREDICT_LINEAR_WARNING_S = 72 * 3600;
export const PREDICT_LINEAR_CRITICAL_S = 24 * 3600;
export const STATIC_WARNING_FRACTION = 0.25;
export const STATIC_CRITICAL_FRACTION = 0.1;

/**
 * OLS over the samples rows[from..to] with the intercept at time t (ms): slope in credits/s, or null with
 * fewer than 2 samples (or all at one time). predict_linear(v, h) = intercept + slope × h.
 */
export function linearRegression(rows: readonly Row[], from: number, to: number, t: number): { slope: number; intercept: number } | null {
  const n = to - from + 1;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (let j = from; j <= to; j++) {
    sx += (rows[j]!.t - t) / 1000;
    sy += rows[j]!.balance;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let j = from; j <= to; j++) {
    const dx = (rows[j]!.t - t) / 1000 - mx;
    sxx += dx * dx;
    sxy += dx * (rows[j]!.balance - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

type Condition = (t: number, from: number, to: number) => boolean;

/**
 * Evaluates `conditions` every minute; `from..to` are the rows in (t − range, t] (to = −1 before the
 * first row). Returns each rule's firing intervals.
 */
function evaluate(rows: readonly Row[], rangeMs: number, conditions: readonly Condition[]): Interval[][] {
  const out: Interval[][] = conditions.map(() => []);
  const activeAt: (number | null)[] = conditions.map(() => null);
  const firingSince: (number | null)[] = conditions.map(() => null);
  const first = rows[0]!.t;
  const last = rows.at(-1)!.t;
  let from = 0;
  let to = -1;
  for (let t = first; t <= last; t += EVAL_INTERVAL_MS) {
    while (to + 1 < rows.length && rows[to + 1]!.t <= t) to++;
    while (from <= to && rows[from]!.t <= t - rangeMs) from++;
    conditions.forEach((holds, c) => {
      if (!holds(t, from, to)) {
        activeAt[c] = null;
        if (firingSince[c] !== null) out[c]!.push({ start: firingSince[c]!, end: t });
        firingSince[c] = null;
        return;
      }
      activeAt[c] ??= t;
      if (firingSince[c] === null && t - activeAt[c]! >= FOR_MS) firingSince[c] = t;
    });
  }
  firingSince.forEach((s, c) => {
    if (s !== null) out[c]!.push({ start: s, end: Infinity });
  });
  return out;
}

function record(name: string, warning: Interval[], critical: Interval[]): AlertRecord {
  const alarms: Alarm[] = [];
  const add = (ivs: Interval[], severity: Severity) => ivs.forEach((iv) => alarms.push({ t: iv.start, severity, id: `${name}/${severity}/${iv.start}` }));
  add(warning, 'warning');
  add(critical, 'critical');
  alarms.sort((a, b) => a.t - b.t);
  return { any: [...warning, ...critical], critical, alarms };
}

export function predictLinear(rows: readonly Row[]): AlertRecord {
  let cacheFrom = -1;
  let cacheTo = -1;
  let cacheT = NaN;
  let fit: ReturnType<typeof linearRegression> = null;
  const predict = (t: number, from: number, to: number, horizonS: number): boolean => {
    if (t !== cacheT || from !== cacheFrom || to !== cacheTo) {
      fit = to < 0 ? null : linearRegression(rows, from, to, t);
      cacheT = t;
      cacheFrom = from;
      cacheTo = to;
    }
    return fit !== null && fit.intercept + fit.slope * horizonS < 0;
  };
  const [warning, critical] = evaluate(rows, PREDICT_LINEAR_RANGE_MS, [
    (t, from, to) => predict(t, from, to, PREDICT_LINEAR_WARNING_S),
    (t, from, to) => predict(t, from, to, PREDICT_LINEAR_CRITICAL_S),
  ]);
  return record('predict_linear', warning!, critical!);
}

export function staticThresholds(rows: readonly Row[]): AlertRecord {
  const b0 = rows[0]!.balance;
  const below = (level: number): Condition => (t, _from, to) => to >= 0 && t - rows[to]!.t <= LOOKBACK_DELTA_MS && rows[to]!.balance < level;
  const [warning, critical] = evaluate(rows, LOOKBACK_DELTA_MS, [below(STATIC_WARNING_FRACTION * b0), below(STATIC_CRITICAL_FRACTION * b0)]);
  return record('static', warning!, critical!);
}
