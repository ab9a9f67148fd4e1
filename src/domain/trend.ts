/**
 * A damped rising trend in the daily totals, PURE (the forecast's `trend` method): read from the last
 * DAYS_KEPT daily totals of src/domain/profile.ts's bounded usage record.
 */
import { dayConsumed, dayCount, dayIndex, dayObservedMs, type Days } from './packed.js';
import { isWeekend } from './daytype.js';
import { WHOLE_DAY_OBSERVED_MS, type WeeklyProfile } from './profile.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Trend {
  /** Growth of the level, credits/hour per day. */
  readonly perHourPerDay: number;
  /** Days of totals it rests on. */
  readonly days: number;
  /** Read from pairs of days of the same type (weekday, weekend) only: the week has a weekend apart (weekendApart); the weekly pattern stays. */
  readonly seasonal?: boolean;
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
 * the level windows see a drop soon enough). A week whose weekend spends apart from its weekdays (a
 * business, weekend-heavy consumers: WEEKEND_APART) is read over pairs of days of the same type only
 * (Hirsch's seasonal Kendall test), and its trend goes with the weekly pattern (`seasonal`): over every
 * pair, a growing business's window [Fri, Sat, Sun, Mon–Thu] read the quiet weekend before the weekdays as
 * growth six times the real one, and the forecast without its weekend warned falsely on Friday and not at
 * all on Saturday.
 */
const TREND_TAU = 0.75;
/** The weekend spends apart from the weekdays when its days and the weekdays' own line differ by this ratio. */
const WEEKEND_APART = 1.5;
const trends = new WeakMap<Days, { today: number; value: Trend | null }>();

export function risingTrend(p: WeeklyProfile, now: number): Trend | null {
  const today = Math.floor(now / DAY_MS);
  const known = trends.get(p.days);
  if (known && known.today === today) return known.value;
  const value = trendOf(p, today);
  trends.set(p.days, { today, value });
  return value;
}

interface Day {
  x: number;
  /** Credits per observed hour. */
  y: number;
  weekend: boolean;
}

function trendOf(p: WeeklyProfile, today: number): Trend | null {
  const pts: Day[] = [];
  for (let i = 0; i < dayCount(p.days); i++) {
    const day = dayIndex(p.days, i);
    const observedMs = dayObservedMs(p.days, i);
    if (day < today && day >= today - TREND_DAYS.max && observedMs >= WHOLE_DAY_OBSERVED_MS) pts.push({ x: day, y: dayConsumed(p.days, i) / (observedMs / HOUR_MS), weekend: isWeekend(day * DAY_MS) });
  }
  if (pts.length < TREND_DAYS.min) return null;
  const seasonal = weekendApart(pts);
  const { tau, slope: b } = kendallTheilSen(pts, seasonal ? (d, e) => d.weekend === e.weekend : undefined);
  if (tau < TREND_TAU || !(b > 0)) return null;
  return { perHourPerDay: b, days: pts.length, ...(seasonal ? { seasonal } : {}) };
}

/** The weekend days against the weekdays' own line (Theil–Sen: growth over the window is not a weekend apart). */
function weekendApart(pts: readonly Day[]): boolean {
  const weekdays = pts.filter((q) => !q.weekend);
  const weekend = pts.filter((q) => q.weekend);
  if (weekdays.length < 2 || weekend.length === 0) return false;
  const b = kendallTheilSen(weekdays).slope;
  const a = median(weekdays.map((q) => q.y - b * q.x));
  const ratio = weekend.reduce((s, q) => s + q.y, 0) / weekend.reduce((s, q) => s + Math.max(0, a + b * q.x), 0);
  return !(ratio <= WEEKEND_APART && ratio >= 1 / WEEKEND_APART);
}

/** Over the pairs of days `paired` keeps: Kendall's τ (concordant less discordant, over the pairs) and Theil–Sen's slope (their median slope). */
function kendallTheilSen(pts: readonly Day[], paired: (p: Day, q: Day) => boolean = () => true): { tau: number; slope: number } {
  const slopes: number[] = [];
  let concordant = 0;
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) {
      if (!paired(pts[i]!, pts[j]!)) continue;
      const dy = pts[j]!.y - pts[i]!.y;
      concordant += Math.sign(dy);
      slopes.push(dy / (pts[j]!.x - pts[i]!.x));
    }
  }
  return { tau: concordant / slopes.length, slope: median(slopes) };
}

function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** What a damped trend adds to the level `days` ahead, in days of slope: ∫₀^days φ^s ds. */
export function dampedDays(days: number): number {
  return (1 - TREND_DAMPING ** days) / -Math.log(TREND_DAMPING);
}
