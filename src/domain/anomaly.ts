/**
 * What spend_anomaly compares, PURE: the spend of the last ANOMALY_WINDOW_MS against what normal spend
 * over those hours would have been.
 */
import type { History } from './history.js';
import { hourCount, hourIndex, hourObservedMs, hourRegular, type Hours } from './packed.js';
import { expectedSpendBefore, profileReady, type WeeklyProfile } from './profile.js';
import { windowSpend } from './rates.js';

const HOUR_MS = 3_600_000;

/** Window of the spend_anomaly comparison. */
export const ANOMALY_WINDOW_MS = 3 * HOUR_MS;

/** Spend over the last ANOMALY_WINDOW_MS and what normal spend over the same span would have been; null when unknown. */
export function recentAgainstNormal(h: History, now: number, spanHours: number): { recentSpend: number | null; expectedRecentSpend: number | null } {
  const recent = windowSpend(h.samples, now - ANOMALY_WINDOW_MS, now);
  if (recent === null) return { recentSpend: null, expectedRecentSpend: null };
  return { recentSpend: recent.spend, expectedRecentSpend: expectedNormalSpend(h, profileReady(h.profile), spanHours, recent.from, recent.to) };
}

/**
 * What normal spend over [from, to] would have been — the more generous of: the same hours one day
 * earlier (steady growth is not an anomaly), and either the weekly profile as learnt before those hours
 * or, before a profile exists, the average rate of the day before them and the same hours of the days
 * before (a busy business morning is not an anomaly; nor is a Monday morning after a silent weekend, whose
 * day before and same hours yesterday expected nothing). Null before a day of history.
 */
function expectedNormalSpend(h: History, ready: boolean, spanHours: number, from: number, to: number): number | null {
  if (spanHours < 24) return null;
  const day = 24 * HOUR_MS;
  const rateOver = (w: ReturnType<typeof windowSpend>, minMs: number) =>
    w && w.to - w.from >= minMs ? (w.spend / (w.to - w.from)) * (to - from) : null;
  const candidates = [rateOver(windowSpend(h.samples, from - day, to - day), 0.5 * (to - from))];
  if (ready) candidates.push(expectedSpendBefore(h.profile, from, to));
  else candidates.push(rateOver(windowSpend(h.samples, from - day, from), 12 * HOUR_MS), sameHoursOfLastDays(h.profile, from, to));
  const known = candidates.filter((c): c is number => c !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/** How many days back sameHoursOfLastDays looks (the profile's closed hours reach a week back). */
const DAYS_BACK = 6;

/** Each of the last DAYS_BACK days' regular spend and observed time over the hours [first, last): index d. */
interface DaysBack {
  readonly first: number;
  readonly last: number;
  readonly spend: Float64Array;
  readonly observed: Float64Array;
}

/**
 * daysBack's answer by the closed hours it was summed from (one a record: the window's hours move when an
 * hour closes, as the record does): spend_anomaly asks at every reading, and summing six days of closed
 * hours each time was a tenth of a backtest's replay.
 */
const summed = new WeakMap<Hours, DaysBack>();

function daysBack(recent: Hours, first: number, last: number): DaysBack {
  const known = summed.get(recent);
  if (known && known.first === first && known.last === last) return known;
  const spend = new Float64Array(DAYS_BACK + 1);
  const observed = new Float64Array(DAYS_BACK + 1);
  for (let d = 1; d <= DAYS_BACK; d++) {
    let s = 0;
    let o = 0;
    for (let i = 0; i < hourCount(recent); i++) {
      const h = hourIndex(recent, i) + 24 * d;
      if (h < first || h >= last) continue;
      s += hourRegular(recent, i);
      o += hourObservedMs(recent, i);
    }
    spend[d] = s;
    observed[d] = o;
  }
  const out = { first, last, spend, observed };
  summed.set(recent, out);
  return out;
}

/**
 * The most spent over the hours of [from, to] on any of the last DAYS_BACK days (regular spend, as the
 * profile's closed hours hold it), as a rate over the window; null when no day observed half of them.
 */
function sameHoursOfLastDays(p: WeeklyProfile, from: number, to: number): number | null {
  const { spend, observed } = daysBack(p.recent, Math.floor(from / HOUR_MS), Math.ceil(to / HOUR_MS));
  let best: number | null = null;
  for (let d = 1; d <= DAYS_BACK; d++) {
    if (observed[d]! >= 0.5 * (to - from)) best = Math.max(best ?? 0, (spend[d]! / observed[d]!) * (to - from));
  }
  return best;
}
