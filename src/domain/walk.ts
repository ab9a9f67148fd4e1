/**
 * The runway walk, PURE: when does the cumulative expected spend — level × shape(t), plus a damped trend —
 * reach a target? The shape's hourly weights for the coming WALK_HOURS are summed once per hour and shape
 * (the last few kept), so each forecast costs a binary search, not a 240-step loop: backtest replays a reading a
 * minute.
 */
import type { Shape } from './shape.js';
import { dampedDays } from './trend.js';

const HOUR_MS = 3_600_000;
/** The walk goes hour by hour this far, then repeats its last week (WEEK_HOURS). */
export const WALK_HOURS = 240;
const WEEK_HOURS = 168;

interface Curve {
  hour: number;
  /** Per coming hour i (from the current hour's start): the shape's weight, and the weight × the trend's damped days. */
  a: Float64Array;
  b: Float64Array;
  /** Prefix sums: sa[k] = a[0] + … + a[k − 1]. */
  sa: Float64Array;
  sb: Float64Array;
}

/**
 * The last few curves built, by shape. Bounded, not one per shape: 10,000 wallets' curves held for the
 * hour would be 75 MiB (4 × 241 doubles each) to save ~10 µs a poll; a replay (backtest) and the several
 * walks of one forecast still reuse theirs.
 */
const curves = new Map<Shape, Curve>();
const KEPT_CURVES = 8;
/** The trend's damped days at the middle of each coming hour: the same for every curve. */
const DAMPED = Float64Array.from({ length: WALK_HOURS + 1 }, (_, i) => dampedDays((i + 0.5) / 24));

function curve(shape: Shape, hour: number): Curve {
  const known = curves.get(shape);
  if (known && known.hour === hour) return known;
  curves.delete(shape);
  if (curves.size >= KEPT_CURVES) curves.delete(curves.keys().next().value!);
  const n = WALK_HOURS + 1;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const sa = new Float64Array(n + 1);
  const sb = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    a[i] = Math.max(0, shape.at((hour + i) * HOUR_MS + HOUR_MS / 2));
    b[i] = a[i]! * DAMPED[i]!;
    sa[i + 1] = sa[i]! + a[i]!;
    sb[i + 1] = sb[i]! + b[i]!;
  }
  const c = { hour, a, b, sa, sb };
  curves.set(shape, c);
  return c;
}

/** Credits in coming hour i. */
const rateAt = (c: Curve, level: number, slope: number, i: number): number => level * c.a[i]! + slope * c.b[i]!;
/** Spend from now to the end of coming hour k − 1 (k ≥ 1), i.e. to hour boundary k; `f` the part of the current hour already gone. */
const upTo = (c: Curve, level: number, slope: number, f: number, k: number): number => level * (c.sa[k]! - f * c.a[0]!) + slope * (c.sb[k]! - f * c.b[0]!);

/**
 * The first hour boundary k in [lo, hi] with upTo(k) − `minus` ≥ target (spend non-decreasing in k). Plain
 * functions, not closures over the walk's numbers: each walk allocated its closures' context, and every
 * spend they returned was a boxed number (a forecast walks several times, at every reading of a replay).
 */
function reach(c: Curve, level: number, slope: number, f: number, offset: number, minus: number, lo: number, hi: number, target: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (upTo(c, level, slope, f, offset + mid) - minus >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Hours from `now` until the cumulative expected spend reaches `target`. `level` credits per average hour,
 * `slope` credits/hour per day (damped). One target a call, and a plain number back: a forecast walks 6–9
 * targets at every reading (runway.ts), and the targets' array, the hours' array, the closure that filled it
 * and the boxed hours it returned were a fifth of what a replay allocated.
 */
export function walkTo(shape: Shape, level: number, slope: number, now: number, target: number): number {
  const hour = Math.floor(now / HOUR_MS);
  const f = now / HOUR_MS - hour; // part of the current hour already gone
  const c = curve(shape, hour);
  const n = WALK_HOURS;
  if (target <= 0) return 0;
  const total = upTo(c, level, slope, f, n);
  if (target > total) {
    // Past the walk, its last week repeats: a weekly pattern's last day may be a quiet weekend, and going
    // on at its rate put a wallet 12 days from empty at 18 (or never, for a weekend without spend).
    const weekStart = n - WEEK_HOURS;
    const beforeWeek = upTo(c, level, slope, f, weekStart);
    const lastWeek = total - beforeWeek;
    if (!(lastWeek > 0)) return Infinity;
    const weeks = Math.floor((target - total) / lastWeek);
    const rest = target - total - weeks * lastWeek; // spent inside the repeated week
    if (rest <= 0) return n - f + weeks * WEEK_HOURS;
    // spent from the week's start to its boundary j: upTo(weekStart + j) − beforeWeek
    const j = reach(c, level, slope, f, weekStart, beforeWeek, 1, WEEK_HOURS, rest);
    return n - f + weeks * WEEK_HOURS + j - 1 + (rest - (upTo(c, level, slope, f, weekStart + j - 1) - beforeWeek)) / rateAt(c, level, slope, weekStart + j - 1);
  }
  const lo = reach(c, level, slope, f, 0, 0, 1, n, target);
  const before = lo === 1 ? 0 : upTo(c, level, slope, f, lo - 1);
  const start = lo === 1 ? 0 : lo - 1 - f;
  return start + (target - before) / rateAt(c, level, slope, lo - 1);
}

/** The spend expected over the next 24 h from `now` (level and slope as in walkTo). */
export function nextDaySpend(shape: Shape, level: number, slope: number, now: number): number {
  const hour = Math.floor(now / HOUR_MS);
  const f = now / HOUR_MS - hour;
  const c = curve(shape, hour);
  return upTo(c, level, slope, f, 24) + f * rateAt(c, level, slope, 24);
}
