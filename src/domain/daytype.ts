/**
 * Weekdays and the weekend before the weekly pattern is known, PURE (shape.ts's daily shape uses it).
 *
 * The daily shape (hour of day) is learnt after a day; the weekly one only after every hour of the week
 * was seen. In between, a business's first weekend was either assumed as busy as its weekdays (a
 * warning on Thursday for money that in truth lasts over the quiet weekend) or, once seen, read as a
 * drop of the level (no warning all weekend for money that runs out on Tuesday). Two readings fix both:
 *   - once part of a weekend is seen (MIN_WEEKEND_HOURS): its level relative to the weekdays', each
 *     hour compared with the same hour of the day on the other day type, shrunk toward 1 by its noise;
 *     only a QUIETER weekend counts (a busy one cannot be told from a campaign on a Saturday);
 *   - before that, when the day already shows a business's contrast (its quietest hour under
 *     UNSEEN_WEEKEND_BELOW of the average hour), the weekend to come is assumed as quiet as that hour.
 * An abnormal day (a campaign: the busiest 24 consecutive hours at ABNORMAL_DAY × the rest) is left out
 * of the fit.
 */
import { hourCharges, hourCount, hourIndex, hourObservedMs, hourRegular, type Hours } from './packed.js';
import { hourOfWeek } from './profile.js';

const HOUR_MS = 3_600_000;
/** Weekend hours observed before the weekend's own level counts. */
export const MIN_WEEKEND_HOURS = 12;
/** Before any weekend is seen, a daily shape whose quietest hour is under this is a business's. */
export const UNSEEN_WEEKEND_BELOW = 0.1;
/** The busiest 24 h is abnormal (a campaign) above this many times the rest's rate. */
const ABNORMAL_DAY = 5;
/** Relative σ of a 6-hour block's spend (shape.ts's PRIOR_HOURLY_SIGMA): the noise of the weekend ratio. */
const BLOCK_SIGMA = 0.3;
/** No factor below this (the shape's floor in usage.ts's levelOver). */
const MIN_FACTOR = 0.02;

/** Saturday or Sunday, UTC. */
export const isWeekend = (t: number): boolean => hourOfWeek(t) >= 120;

export interface DayType {
  /** The weekend's spend relative to the weekdays' (≤ 1). */
  weekend: number;
  /** Hour-of-day rates for a weekday (null: use the plain hour-of-day rates). */
  hourRates: number[] | null;
}

/**
 * The weekend factor learnt from the recent hours, or the unseen weekend's from `dailyRel` (the daily
 * shape's multipliers), or null (no difference is known).
 */
export function dayTypeOf(r: Hours, dailyRel: readonly number[] | null): DayType | null {
  const n = hourCount(r);
  const seen = { weekend: 0, weekday: 0 };
  const charges = { weekend: 0, weekday: 0 };
  for (let i = 0; i < n; i++) {
    const type = isWeekend(hourIndex(r, i) * HOUR_MS) ? 'weekend' : 'weekday';
    seen[type] += hourObservedMs(r, i) / HOUR_MS;
    charges[type] += hourCharges(r, i);
  }
  if (seen.weekend < MIN_WEEKEND_HOURS) {
    const quietest = dailyRel ? Math.min(...dailyRel) : Infinity;
    return quietest < UNSEEN_WEEKEND_BELOW ? { weekend: Math.max(MIN_FACTOR, quietest), hourRates: null } : null;
  }
  if (seen.weekday < 24) return null;
  const [from, to] = abnormalDay(r);
  const used = (i: number) => hourIndex(r, i) < from || hourIndex(r, i) >= to;
  // Alternating fit of hour-of-day rates × a weekend factor.
  let f = 1;
  let hourRates: number[] = [];
  for (let iter = 0; iter < 3; iter++) {
    const spent = new Array<number>(24).fill(0);
    const weight = new Array<number>(24).fill(0);
    for (let i = 0; i < n; i++) {
      if (!used(i)) continue;
      const hour = hourIndex(r, i);
      spent[hour % 24]! += hourRegular(r, i);
      weight[hour % 24]! += (hourObservedMs(r, i) / HOUR_MS) * (isWeekend(hour * HOUR_MS) ? f : 1);
    }
    hourRates = spent.map((c, h) => (weight[h]! > 0 ? c / weight[h]! : 0));
    const spend = { weekend: 0, weekday: 0 };
    const expected = { weekend: 0, weekday: 0 };
    for (let i = 0; i < n; i++) {
      if (!used(i)) continue;
      const type = isWeekend(hourIndex(r, i) * HOUR_MS) ? 'weekend' : 'weekday';
      spend[type] += hourRegular(r, i);
      expected[type] += hourRates[hourIndex(r, i) % 24]! * (hourObservedMs(r, i) / HOUR_MS);
    }
    if (!(expected.weekend > 0) || !(spend.weekday > 0) || !(expected.weekday > 0)) return null;
    f = Math.max(MIN_FACTOR, spend.weekend / expected.weekend / (spend.weekday / expected.weekday));
  }
  // Shrunk toward 1 (in logs) by its noise: 6-hour blocks and the Poisson count of each day type's charges.
  const noise = BLOCK_SIGMA ** 2 * (6 / seen.weekend + 6 / seen.weekday) + 1 / Math.max(1, charges.weekend) + 1 / Math.max(1, charges.weekday);
  const l = Math.log(f);
  const weekend = Math.exp(((l * l) / (l * l + noise)) * l);
  return weekend < 1 ? { weekend, hourRates } : null;
}

/** The busiest 24 consecutive hours [from, to) (epoch hours) when abnormal; [0, 0) when none. */
function abnormalDay(r: Hours): [number, number] {
  const n = hourCount(r);
  let total = 0;
  let hours = 0;
  let best = -1;
  let bestFrom = 0;
  let sum = 0;
  for (let i = 0, j = 0; i < n; i++) {
    total += hourRegular(r, i);
    hours += hourObservedMs(r, i) / HOUR_MS;
    sum += hourRegular(r, i);
    while (hourIndex(r, j) <= hourIndex(r, i) - 24) sum -= hourRegular(r, j++);
    if (sum > best) {
      best = sum;
      bestFrom = hourIndex(r, i) - 23;
    }
  }
  if (hours < 48 || best <= 0) return [0, 0];
  const rest = (total - best) / Math.max(1, hours - 24);
  return best / 24 > ABNORMAL_DAY * rest ? [bestFrom, bestFrom + 24] : [0, 0];
}
