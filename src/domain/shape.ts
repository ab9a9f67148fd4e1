/**
 * The shape of usage over time, PURE: a multiplier with mean 1 over its period, learnt from the bounded
 * usage record of src/domain/profile.ts — flat, by hour of day (with a quieter weekend, daytype.ts), or by
 * hour of week — and shrunk toward flat by how much of its spread is noise.
 */
import { dayTypeOf, isWeekend } from './daytype.js';
import { hourCharges, hourCount, hourIndex, hourObservedMs, hourRegular, raw, type Hours } from './packed.js';
import { hourOfWeek, profileReady, type WeeklyProfile } from './profile.js';

const HOUR_MS = 3_600_000;

/** Hourly spend varies beyond Poisson noise by about this much (relative σ) until the data say otherwise. */
export const PRIOR_HOURLY_SIGMA = 0.3;

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
    spent[hourIndex(r, i) % 24]! += hourRegular(r, i);
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


/** A weekday (Monday to Friday, UTC) spending under this share of the median weekday is a one-off: a holiday. */
const HOLIDAY_BELOW = 1 / 3;

/** The weekdays' median spend (any unit, at least one weekday) and whether a spend is a holiday's beside it. */
export function weekdayHolidays(weekdays: readonly number[]): { median: number; isHoliday: (spend: number) => boolean } {
  const median = [...weekdays].sort((a, b) => a - b)[weekdays.length >> 1]!;
  return { median, isHoliday: (spend) => spend < HOLIDAY_BELOW * median };
}

/**
 * The weekly pattern as a day-of-week factor × an hour-of-day factor (7 + 24 numbers instead of 168): each
 * hour of the week has been seen about once, so its own bucket is mostly noise; the day's total and the
 * hour's profile across the week are each read from many buckets. A holiday is not a day of the pattern.
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
  // A weekday far quieter than the median weekday is a one-off (a public holiday), not the pattern of the
  // weeks to come: it is read as the median weekday. Taken for the pattern, it made the same weekday a week
  // later quiet in the forecast, and the page for money running out on it came a day late. A weekday quiet
  // every week is read so too: a forecast that runs out early, not late.
  const { median, isHoliday } = weekdayHolidays(day.slice(0, 5));
  for (let d = 0; d < 5; d++) if (isHoliday(day[d]!)) day[d] = median;
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
