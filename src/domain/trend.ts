/**
 * A damped rising trend in the daily totals, PURE (the forecast's `trend` method): read from the last
 * DAYS_KEPT daily totals of src/domain/profile.ts's bounded usage record.
 */
import { dayConsumed, dayCount, dayIndex, dayObservedMs, type Days } from './packed.js';
import { WHOLE_DAY_OBSERVED_MS, type WeeklyProfile } from './profile.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Trend {
  /** Growth of the level, credits/hour per day. */
  readonly perHourPerDay: number;
  /** Days of totals it rests on. */
  readonly days: number;
}

/** Days of totals the trend needs, and uses at most. */
export const TREND_DAYS = { min: 6, max: 7 } as const;
/** Damping per day (Gardner & McKenzie's φ): the trend adds b·φ + b·φ² + … — about 9 days' worth at most. */
export const TREND_DAMPING = 0.9;

/**
 * A rising trend in the daily totals, or null. Only a rise counts, and only a steady one: Kendall's τ over
 * the days (the share of day pairs where the later one spends more, less the share where it spends less)
 * at least TREND_TAU, and the slope is Theil–Sen's (the median of the pairwise slopes). A step — a busy
 * weekend after quiet weekdays, a new customer — has τ ≈ 0.5 and a median slope near 0, so it never
 * becomes a trend; nor does a stopped service or one busy day (a falling trend would lengthen the runway:
 * the level windows see a drop soon enough).
 */
const TREND_TAU = 0.75;
const trends = new WeakMap<Days, { today: number; value: Trend | null }>();

export function risingTrend(p: WeeklyProfile, now: number): Trend | null {
  const today = Math.floor(now / DAY_MS);
  const known = trends.get(p.days);
  if (known && known.today === today) return known.value;
  const value = trendOf(p, today);
  trends.set(p.days, { today, value });
  return value;
}

function trendOf(p: WeeklyProfile, today: number): Trend | null {
  const pts: { x: number; y: number }[] = []; // credits/hour of each day
  for (let i = 0; i < dayCount(p.days); i++) {
    const day = dayIndex(p.days, i);
    const observedMs = dayObservedMs(p.days, i);
    if (day < today && day >= today - TREND_DAYS.max && observedMs >= WHOLE_DAY_OBSERVED_MS) pts.push({ x: day, y: dayConsumed(p.days, i) / (observedMs / HOUR_MS) });
  }
  if (pts.length < TREND_DAYS.min) return null;
  const slopes: number[] = [];
  let concordant = 0;
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) {
      const dy = pts[j]!.y - pts[i]!.y;
      concordant += Math.sign(dy);
      slopes.push(dy / (pts[j]!.x - pts[i]!.x));
    }
  }
  const tau = concordant / slopes.length;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  const b = slopes.length % 2 ? slopes[mid]! : (slopes[mid - 1]! + slopes[mid]!) / 2;
  if (tau < TREND_TAU || !(b > 0)) return null;
  return { perHourPerDay: b, days: pts.length };
}

/** What a damped trend adds to the level `days` ahead, in days of slope: ∫₀^days φ^s ds. */
export function dampedDays(days: number): number {
  return (1 - TREND_DAMPING ** days) / -Math.log(TREND_DAMPING);
}
