/**
 * The evidence behind a forecast, PURE: the usage pattern's shape, the spend level over windows of the
 * recent hours with its standard error, and a damped trend on the daily totals. Everything here reads
 * the bounded usage record of src/domain/profile.ts (168 closed hours, 14 days, the weekly pattern).
 */
import { dayConsumed, dayCount, dayIndex, dayObservedMs, hourCharges, hourCount, hourIndex, hourObservedMs, raw, type Days, type Hours } from './packed.js';
import { dayTypeOf, isWeekend } from './daytype.js';
import { hourOfWeek, oneOffPart, profileReady, RECENT_HOURS, regularSpend, type WeeklyProfile } from './profile.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// ---------------------------------------------------------------------------------------------- shape

/**
 * The shape of usage over time: a multiplier with mean 1 over its period. `weekly` once every hour of
 * the week is known, `daily` (by hour of day, from the last week's closed hours) once every hour of the
 * day is, else `flat`.
 */
export interface Shape {
  readonly kind: 'flat' | 'daily' | 'weekly';
  at(t: number): number;
  /** A daily shape's weekend relative to its weekdays (daytype.ts), and whether it is assumed (no weekend seen yet). */
  readonly weekend?: { readonly factor: number; readonly assumed: boolean };
}

export const FLAT: Shape = { kind: 'flat', at: () => 1 };
/** An hour of the day counts for the daily shape once this much of it has been observed in all. */
const MIN_OBSERVED_PER_HOUR_OF_DAY_MS = 30 * 60_000;

/** shapeOf's answers by the recent hours they were learnt from: both change only when an hour closes. */
const shapes = new WeakMap<Hours, { rates: WeeklyProfile['rates']; weekly: boolean; shape: Shape }>();

/** The shape of the usage record (memoized: the same record gives the same shape). */
export function shapeOf(p: WeeklyProfile, weekly = true): Shape {
  const known = shapes.get(p.recent);
  if (known && known.rates === p.rates && known.weekly === weekly) return known.shape;
  const shape = learnShape(p, weekly);
  shapes.set(p.recent, { rates: p.rates, weekly, shape });
  return shape;
}

/**
 * `weekly` false: the daily shape even when the weekly pattern is known — under a trend the weekly
 * buckets (each last updated a different number of days ago) would read growth as a weekly pattern.
 */
function learnShape(p: WeeklyProfile, weekly: boolean): Shape {
  if (weekly && profileReady(p)) {
    const rates = Array.from(raw(p.rates)); // all known (profileReady)
    // The noise of the day-of-week × hour-of-day model: the hourly over-dispersion, and the Poisson
    // noise of a day's charges (a 7th of the week's) plus an hour of the day's (a 24th): a wallet charged
    // 50 times a week (whole credits, a small wallet) has no weekly pattern it could tell from chance.
    let weekCharges = 0;
    for (let i = 0; i < hourCount(p.recent); i++) weekCharges += hourCharges(p.recent, i);
    const rel = shrunk(dayTimesHour(rates), PRIOR_HOURLY_SIGMA ** 2 + (7 + 24) / Math.max(1, weekCharges));
    return rel ? { kind: 'weekly', at: (t) => rel[hourOfWeek(t)]! } : FLAT;
  }
  const spent = new Array<number>(24).fill(0);
  const seen = new Array<number>(24).fill(0);
  let charges = 0;
  const r = p.recent;
  for (let i = 0; i < hourCount(r); i++) {
    spent[hourIndex(r, i) % 24]! += regularSpend(r, i);
    seen[hourIndex(r, i) % 24]! += hourObservedMs(r, i);
    charges += hourCharges(r, i);
  }
  if (seen.some((ms) => ms < MIN_OBSERVED_PER_HOUR_OF_DAY_MS)) return FLAT;
  const days = Math.min(...seen) / HOUR_MS; // observations behind the least-known hour of the day
  // Each hour of the day's noise: its over-dispersion over the days seen, and 1/n for its n charges.
  const noise = PRIOR_HOURLY_SIGMA ** 2 / days + 24 / Math.max(1, charges);
  const daily = shrunk(
    spent.map((c, i) => c / (seen[i]! / HOUR_MS)),
    noise,
  );
  // A quieter weekend, seen or (for a business's day) assumed until seen (daytype.ts); not under a trend,
  // which the day types would read as weekdays against a weekend.
  const dayType = weekly ? dayTypeOf(r, daily) : null;
  if (!dayType) return daily ? { kind: 'daily', at: (t) => daily[Math.floor(t / HOUR_MS) % 24]! } : FLAT;
  const hours = (dayType.hourRates ? shrunk(dayType.hourRates, noise) : daily) ?? new Array<number>(24).fill(1);
  const w = dayType.weekend;
  const norm = (5 + 2 * w) / 7; // mean 1 over the week
  return {
    kind: 'daily',
    at: (t) => (hours[Math.floor(t / HOUR_MS) % 24]! * (isWeekend(t) ? w : 1)) / norm,
    weekend: { factor: w, assumed: dayType.hourRates === null },
  };
}


/**
 * The weekly pattern as a day-of-week factor × an hour-of-day factor (7 + 24 numbers instead of 168): each
 * hour of the week has been seen about once, so its own bucket is mostly noise; the day's total and the
 * hour's profile across the week are each read from many buckets.
 */
function dayTimesHour(rates: readonly number[]): number[] {
  const day = new Array<number>(7).fill(0);
  const hour = new Array<number>(24).fill(0);
  let total = 0;
  rates.forEach((r, i) => {
    day[Math.floor(i / 24)]! += r;
    hour[i % 24]! += r;
    total += r;
  });
  return total > 0 ? rates.map((_, i) => (day[Math.floor(i / 24)]! * hour[i % 24]!) / total) : [...rates];
}

/**
 * Rates → multipliers with mean 1, shrunk toward flat by how much of their spread is noise (James–Stein):
 * a flat wallet's hourly noise must not become a pattern; a clear pattern (spread over 4× the noise, a
 * business day's 30× swing) is kept as learnt. Null when there is no spend, or nothing but noise.
 */
function shrunk(rates: readonly number[], noiseVariance: number): number[] | null {
  const mean = rates.reduce((a, r) => a + r, 0) / rates.length;
  if (!(mean > 0)) return null;
  const rel = rates.map((r) => r / mean);
  const spread = rel.reduce((a, r) => a + (r - 1) ** 2, 0) / rel.length;
  const keep = spread > 4 * noiseVariance ? 1 : spread > 0 ? Math.max(0, 1 - noiseVariance / spread) : 0;
  return keep > 0 ? rel.map((r) => 1 + keep * (r - 1)) : null;
}

// ---------------------------------------------------------------------------------------------- level

/** A spend level read over a window: credits per average hour of the shape, and how sure it is. */
export interface Level {
  /** Credits/hour for an hour of average shape (spend ÷ the shape's weight of the hours observed). */
  readonly perHour: number;
  /** Relative standard error of `perHour`. */
  readonly relError: number;
  readonly spend: number;
  readonly charges: number;
  /** Hours actually observed inside the window. */
  readonly hours: number;
}

/** Hourly spend varies beyond Poisson noise by about this much (relative σ) until the data say otherwise. */
export const PRIOR_HOURLY_SIGMA = 0.3;
/** Weight of that prior, in hours of evidence. */
const PRIOR_WEIGHT_HOURS = 6;
/** The shape's weight of an hour never counts below this (an hour the pattern says is empty). */
const MIN_SHAPE = 0.02;
/** No level is known to better than this (the future is not the past). */
const MIN_REL_ERROR = 0.02;

/**
 * The closed hours (and the open one) with index in (nowHour − windowHours, nowHour]: spend, charges,
 * hours observed, and the shape's weight of those hours. The level is spend ÷ weight. Its relative error
 * has two parts: the Poisson count of charges (1/√n) and the over-dispersion of hourly spend (σ²/hours).
 */
export function levelOver(p: WeeklyProfile, now: number, windowHours: number, shape: Shape, sigma2: number): Level | null {
  const nowHour = Math.floor(now / HOUR_MS);
  let spend = 0;
  let charges = 0;
  let hours = 0;
  let weight = 0;
  const add = (hour: number, regular: number, charged: number, observedMs: number) => {
    if (hour <= nowHour - windowHours || hour > nowHour) return;
    const h = observedMs / HOUR_MS;
    spend += regular;
    charges += charged;
    hours += h;
    weight += Math.max(MIN_SHAPE, shape.at(hour * HOUR_MS + HOUR_MS / 2)) * h;
  };
  // The hottest loop of a forecast: the packed hours read in place (hour, consumed, charges, observedMs, oneOff).
  const x = raw(p.recent);
  for (let k = x.length - 5; k >= 0 && x[k]! > nowHour - windowHours; k -= 5) add(x[k]!, x[k + 1]! - x[k + 4]!, x[k + 2]!, x[k + 3]!);
  const o = p.open;
  if (o) add(o.hour, o.consumed - oneOffPart(p, o), o.charges ?? 0, o.observedMs);
  if (hours <= 0 || weight <= 0) return null;
  const relError = Math.max(MIN_REL_ERROR, Math.sqrt(1 / Math.max(1, charges) + sigma2 / Math.max(hours, 1 / 60)));
  return { perHour: spend / weight, relError, spend, charges, hours };
}

/**
 * Relative variance of hourly spend beyond Poisson noise, from the successive differences of the last
 * two days' shape-adjusted hourly spend (successive differences cancel a slow drift), shrunk toward the
 * prior PRIOR_HOURLY_SIGMA² by PRIOR_WEIGHT_HOURS of evidence.
 */
const dispersions = new WeakMap<Hours, { hour: number; shape: Shape; value: Dispersion }>();

/**
 * Relative variance of spend beyond Poisson noise, per hour of evidence: `hourly` from hour to hour;
 * `sustained` the same read at the scale of 6-hour blocks over the last week (× 6, so it equals `hourly`
 * when hours are independent). Regimes — a busy afternoon, a quiet day, bursts that feed on themselves —
 * make `sustained` larger: then a quiet or busy day is within the wallet's normal swings, not a change.
 */
export interface Dispersion {
  hourly: number;
  sustained: number;
}

export function dispersion(p: WeeklyProfile, now: number, shape: Shape): Dispersion {
  const nowHour = Math.floor(now / HOUR_MS);
  const known = dispersions.get(p.recent);
  if (known && known.hour === nowHour && known.shape === shape) return known.value;
  const hourly = dispersionOf(p, nowHour, shape);
  const value = { hourly, sustained: Math.max(hourly, sustainedOf(p, nowHour, shape)) };
  dispersions.set(p.recent, { hour: nowHour, shape, value });
  return value;
}

/** Shape-adjusted spend rates of the closed hours after `from` observed at least 45 minutes (newest first). */
function adjusted(p: WeeklyProfile, from: number, shape: Shape): { hour: number; x: number; poisson: number }[] {
  const xs: { hour: number; x: number; poisson: number }[] = [];
  const r = p.recent;
  for (let i = hourCount(r) - 1; i >= 0 && hourIndex(r, i) > from; i--) {
    const hour = hourIndex(r, i);
    const observedMs = hourObservedMs(r, i);
    const s = shape.at(hour * HOUR_MS + HOUR_MS / 2);
    if (observedMs < 45 * 60_000 || s < 0.25) continue;
    const w = s * (observedMs / HOUR_MS);
    const c = regularSpend(r, i);
    const n = hourCharges(r, i);
    const size = n > 0 ? c / n : 0;
    xs.push({ hour, x: c / w, poisson: (c * size) / (w * w) });
  }
  return xs;
}

/**
 * 6 × the relative Allan variance of 6-hour block means over the week before the last day (the day a
 * level shift is read from must not set its own bar); 0 with fewer than 4 block pairs.
 */
function sustainedOf(p: WeeklyProfile, nowHour: number, shape: Shape): number {
  const blocks = new Map<number, { sum: number; n: number }>();
  for (const { hour, x } of adjusted(p, nowHour - RECENT_HOURS, shape)) {
    if (hour > nowHour - 24) continue;
    const j = Math.floor(hour / 6);
    const b = blocks.get(j) ?? { sum: 0, n: 0 };
    blocks.set(j, { sum: b.sum + x, n: b.n + 1 });
  }
  let sumSq = 0;
  let pairs = 0;
  let mean = 0;
  for (const [j, b] of blocks) {
    const next = blocks.get(j + 1);
    if (b.n < 5 || !next || next.n < 5) continue;
    sumSq += (next.sum / next.n - b.sum / b.n) ** 2;
    mean += (next.sum / next.n + b.sum / b.n) / 2;
    pairs++;
  }
  if (pairs < 4 || !(mean > 0)) return 0;
  mean /= pairs;
  return (6 * sumSq) / (2 * pairs) / (mean * mean);
}

function dispersionOf(p: WeeklyProfile, nowHour: number, shape: Shape): number {
  const xs = adjusted(p, nowHour - 48, shape);
  const prior = PRIOR_HOURLY_SIGMA ** 2;
  let sumSq = 0;
  let pairs = 0;
  let poisson = 0;
  let mean = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    if (xs[i]!.hour !== xs[i + 1]!.hour + 1) continue;
    sumSq += (xs[i]!.x - xs[i + 1]!.x) ** 2;
    poisson += (xs[i]!.poisson + xs[i + 1]!.poisson) / 2;
    mean += (xs[i]!.x + xs[i + 1]!.x) / 2;
    pairs++;
  }
  if (pairs === 0) return prior;
  mean /= pairs;
  if (!(mean > 0)) return prior;
  const observed = Math.max(0, sumSq / (2 * pairs) - poisson / pairs) / (mean * mean);
  return (pairs * observed + PRIOR_WEIGHT_HOURS * prior) / (pairs + PRIOR_WEIGHT_HOURS);
}

// ---------------------------------------------------------------------------------------------- trend

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
/** A day counts toward the trend once this much of it was observed. */
const MIN_DAY_OBSERVED_MS = 20 * HOUR_MS;

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
    if (day < today && day >= today - TREND_DAYS.max && observedMs >= MIN_DAY_OBSERVED_MS) pts.push({ x: day, y: dayConsumed(p.days, i) / (observedMs / HOUR_MS) });
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
