/**
 * Scoring, PURE: one history + one per-row severity track (0 quiet, 1 warning, 2 critical) → figures.
 * The same code scores wallet-sentinel's depletion_forecast and both baselines.
 *
 * Definitions (printed under the table too):
 *   depletion     the first row whose balance is ≤ 0 after a row with balance > 0 (a history may have
 *                 several if it is topped up and runs out again). "At the depletion" is judged at the
 *                 last evaluation BEFORE it (the row before): once the balance is 0 wallet-sentinel hands
 *                 over to wallet_exhausted, and any alert that matters must have been firing by then.
 *   episode       a maximal run of rows where the method's alert fires (warning or critical; for ours
 *                 the depletion_forecast instance, for a baseline its warning or critical rule).
 *   warned ≥72h   an episode firing continuously from ≤ 72 h before the depletion up to it. Eligible only
 *                 when the burn was visible that early: the history start and the last top-up before
 *                 the depletion are both ≥ 72 h before it. Reported hit / eligible.
 *   critical ≥24h the same with a critical run (rows at critical) and 24 h.
 *   missed        no critical alert firing at the row before the depletion.
 *   lead time     depletion time − start of the episode still firing at the row before it (0 if none).
 *   false alarm   an episode starting at t with balance b(t) where the consumption that actually followed
 *                 (sum of the balance drops, top-ups and refunds ignored) over the next 72 h — 24 h if the
 *                 episode starts as critical — is below b(t): the wallet would not have run out in that
 *                 window even without top-ups. The window is the alert's horizon plus JUDGE_SLACK (10 %),
 *                 so a forecast right to within a few hours at the threshold (72.0 h forecast, empty 72.1 h
 *                 later) is not called false; the same slack applies to every method. Episodes whose
 *                 window runs past the end of the history are 'unjudged'.
 */
import type { Row } from '../../src/backtest/input.js';
import { HOUR_MS } from './corpus.js';
import type { SeverityTrack } from './baselines.js';

export const WARN_LEAD_MS = 72 * HOUR_MS;
export const CRIT_LEAD_MS = 24 * HOUR_MS;
/** The false-alarm window is the horizon times this. */
export const JUDGE_SLACK = 1.1;
/** Float slack when comparing sums of drops with a balance (both in 0.01 credits). */
const EPS = 1e-6;

export interface Episode {
  start: number; // row index
  end: number; // row index, exclusive
  startsCritical: boolean;
  balance: number; // at the start
  /** Consumption over the judging window, null when the window runs past the end. */
  consumed: number | null;
  verdict: 'ok' | 'false' | 'unjudged';
}

export interface DepletionScore {
  row: number; // index of the depletion row
  t: number;
  eligible72: boolean;
  eligible24: boolean;
  warned72: boolean;
  critical24: boolean;
  missed: boolean;
  leadMs: number;
}

export interface Score {
  episodes: Episode[];
  depletions: DepletionScore[];
  falseAlarms: number;
  unjudged: number;
}

/** Row indices of the depletions: balance ≤ 0 right after a balance > 0. */
export function depletionRows(rows: readonly Row[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < rows.length; i++) if (rows[i]!.balance <= 0 && rows[i - 1]!.balance > 0) out.push(i);
  return out;
}

/** cum[i] = sum of the balance drops over rows 1..i (rises ignored). */
export function cumulativeDrops(rows: readonly Row[]): Float64Array {
  const cum = new Float64Array(rows.length);
  for (let i = 1; i < rows.length; i++) cum[i] = cum[i - 1]! + Math.max(0, rows[i - 1]!.balance - rows[i]!.balance);
  return cum;
}

/** First index whose time is ≥ t (rows.length if none). */
function indexAtOrAfter(rows: readonly Row[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function score(rows: readonly Row[], topups: readonly number[], track: SeverityTrack, cum: Float64Array = cumulativeDrops(rows)): Score {
  const last = rows.at(-1)!.t;
  const episodes: Episode[] = [];
  for (let i = 0; i < track.length; ) {
    if (track[i] === 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < track.length && track[j] !== 0) j++;
    const startsCritical = track[i] === 2;
    const windowEnd = rows[i]!.t + Math.round((startsCritical ? CRIT_LEAD_MS : WARN_LEAD_MS) * JUDGE_SLACK);
    const balance = rows[i]!.balance;
    let consumed: number | null = null;
    let verdict: Episode['verdict'] = 'unjudged';
    if (windowEnd <= last) {
      const k = indexAtOrAfter(rows, windowEnd); // rows are 1 minute apart: exactly windowEnd
      consumed = cum[k]! - cum[i]!;
      verdict = consumed < balance - EPS ? 'false' : 'ok';
    }
    episodes.push({ start: i, end: j, startsCritical, balance, consumed, verdict });
    i = j;
  }

  const depletions: DepletionScore[] = depletionRows(rows).map((d) => {
    const t = rows[d]!.t;
    const pre = d - 1;
    const lastTopup = topups.filter((x) => x <= rows[pre]!.t).at(-1);
    const visibleFrom = Math.max(rows[0]!.t, lastTopup ?? -Infinity);
    const ep = episodes.find((e) => e.start <= pre && pre < e.end);
    const leadMs = ep ? t - rows[ep.start]!.t : 0;
    let critStart = pre;
    if (track[pre] === 2) while (critStart > 0 && track[critStart - 1] === 2) critStart--;
    const critLeadMs = track[pre] === 2 ? t - rows[critStart]!.t : 0;
    return {
      row: d,
      t,
      eligible72: t - visibleFrom >= WARN_LEAD_MS,
      eligible24: t - visibleFrom >= CRIT_LEAD_MS,
      warned72: leadMs >= WARN_LEAD_MS,
      critical24: critLeadMs >= CRIT_LEAD_MS,
      missed: track[pre] !== 2,
      leadMs,
    };
  });

  return {
    episodes,
    depletions,
    falseAlarms: episodes.filter((e) => e.verdict === 'false').length,
    unjudged: episodes.filter((e) => e.verdict === 'unjudged').length,
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
