/**
 * The two baselines wallet-sentinel is compared with, evaluated once per minute (every row), PURE.
 *
 * (a) predict_linear — what one would write in Prometheus on the balance gauge:
 *       critical: predict_linear(balance[6h], 24*3600) < 0   for: 5m
 *       warning:  predict_linear(balance[6h], 72*3600) < 0   for: 5m
 *     Ordinary least squares on the raw balance samples in (t − 6h, t] (left-open, as Prometheus 3),
 *     at least 2 samples, intercept at the evaluation time, exactly like Prometheus's linearRegression.
 *
 * (b) static thresholds — the rule most users write first, same levels for every wallet:
 *       warning: balance < STATIC_WARNING_CREDITS   critical: balance < STATIC_CRITICAL_CREDITS   for: 5m
 *     The levels are what a user with a ~100-credit auto-recharge mindset would pick: "tell me below
 *     100 credits, page me below 30". The same `for: 5m` as (a), so neither baseline flaps on one
 *     sample.
 *
 * (c) static thresholds sized to the wallet — what a careful user writes: warn below 3 days of the
 *     wallet's average daily spend, page below 1 day of it (`for: 5m`). The average is taken over the
 *     whole history, with hindsight, which flatters it.
 *
 * `for:` semantics (Prometheus): the condition becomes pending on the first evaluation where it holds
 * and fires once it has held on every evaluation for `for`; it resolves on the first evaluation where it
 * no longer holds.
 */
import type { Row } from '../../src/backtest/input.js';

export const STATIC_WARNING_CREDITS = 100;
export const STATIC_CRITICAL_CREDITS = 30;
export const STATIC_FOR_MS = 5 * 60_000;

export const PREDICT_LINEAR_RANGE_MS = 6 * 3_600_000;
export const PREDICT_LINEAR_WARNING_S = 72 * 3600;
export const PREDICT_LINEAR_CRITICAL_S = 24 * 3600;
export const PREDICT_LINEAR_FOR_MS = 5 * 60_000;

/** Per row: 0 quiet, 1 warning firing, 2 critical firing (critical wins when both fire). */
export type SeverityTrack = Int8Array;

/** Prometheus `for:` over a per-row condition: which rows the alert is firing at. */
export function applyFor(rows: readonly Row[], holds: (i: number) => boolean, forMs: number): Uint8Array {
  const firing = new Uint8Array(rows.length);
  let activeAt: number | null = null;
  for (let i = 0; i < rows.length; i++) {
    if (!holds(i)) {
      activeAt = null;
      continue;
    }
    const t = rows[i]!.t;
    activeAt ??= t;
    firing[i] = t - activeAt >= forMs ? 1 : 0;
  }
  return firing;
}

function combine(warning: Uint8Array, critical: Uint8Array): SeverityTrack {
  const out = new Int8Array(warning.length);
  for (let i = 0; i < out.length; i++) out[i] = critical[i] ? 2 : warning[i] ? 1 : 0;
  return out;
}

/**
 * OLS over the samples rows[from..i] (the caller passes the first index inside (t_i − range, t_i]):
 * slope (credits/s) and intercept at t_i, or null with fewer than 2 samples (or all at one time).
 * predict_linear(v, h) = intercept + slope × h.
 */
export function linearRegression(rows: readonly Row[], from: number, i: number): { slope: number; intercept: number } | null {
  const n = i - from + 1;
  if (n < 2) return null;
  const t = rows[i]!.t;
  let sx = 0;
  let sy = 0;
  for (let j = from; j <= i; j++) {
    sx += (rows[j]!.t - t) / 1000;
    sy += rows[j]!.balance;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let j = from; j <= i; j++) {
    const dx = (rows[j]!.t - t) / 1000 - mx;
    sxx += dx * dx;
    sxy += dx * (rows[j]!.balance - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** predict_linear baseline: per-row severity. */
export function predictLinearTrack(rows: readonly Row[]): SeverityTrack {
  const warnHolds = new Uint8Array(rows.length);
  const critHolds = new Uint8Array(rows.length);
  let from = 0;
  for (let i = 0; i < rows.length; i++) {
    const t = rows[i]!.t;
    while (rows[from]!.t <= t - PREDICT_LINEAR_RANGE_MS) from++;
    const fit = linearRegression(rows, from, i);
    if (!fit) continue;
    warnHolds[i] = fit.intercept + fit.slope * PREDICT_LINEAR_WARNING_S < 0 ? 1 : 0;
    critHolds[i] = fit.intercept + fit.slope * PREDICT_LINEAR_CRITICAL_S < 0 ? 1 : 0;
  }
  return combine(
    applyFor(rows, (i) => warnHolds[i] === 1, PREDICT_LINEAR_FOR_MS),
    applyFor(rows, (i) => critHolds[i] === 1, PREDICT_LINEAR_FOR_MS),
  );
}

/** Static-threshold baseline: per-row severity. */
export function staticTrack(rows: readonly Row[]): SeverityTrack {
  return combine(
    applyFor(rows, (i) => rows[i]!.balance < STATIC_WARNING_CREDITS, STATIC_FOR_MS),
    applyFor(rows, (i) => rows[i]!.balance < STATIC_CRITICAL_CREDITS, STATIC_FOR_MS),
  );
}

/** Static thresholds sized to the wallet: warning below 3 days of its average daily spend, critical below 1 day. */
export function sizedStaticTrack(rows: readonly Row[]): SeverityTrack {
  let spent = 0;
  for (let i = 1; i < rows.length; i++) spent += Math.max(0, rows[i - 1]!.balance - rows[i]!.balance);
  const days = (rows.at(-1)!.t - rows[0]!.t) / 86_400_000;
  const perDay = days > 0 ? spent / days : 0;
  return combine(
    applyFor(rows, (i) => rows[i]!.balance < 3 * perDay, STATIC_FOR_MS),
    applyFor(rows, (i) => rows[i]!.balance < perDay, STATIC_FOR_MS),
  );
}
