/**
 * What spend_anomaly compares, PURE: the spend of the last ANOMALY_WINDOW_MS against what normal spend
 * over those hours would have been.
 */
import type { History } from './history.js';
import { hourCount, hourIndex, hourObservedMs, hourRegular } from './packed.js';
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

/**
 * The most spent over the hours of [from, to] on any of the last DAYS_BACK days (regular spend, as the
 * profile's closed hours hold it), as a rate over the window; null when no day observed half of them.
 */
function sameHoursOfLastDays(p: WeeklyProfile, from: number, to: number): number | null {
  const first = Math.floor(from / HOUR_MS);
  const last = Math.ceil(to / HOUR_MS);
  let best: number | null = null;
  for (let d = 1; d <= DAYS_BACK; d++) {
    let spend = 0;
    let observed = 0;
    for (let i = 0; i < hourCount(p.recent); i++) {
      const h = hourIndex(p.recent, i) + 24 * d;
      if (h < first || h >= last) continue;
      spend += hourRegular(p.recent, i);
      observed += hourObservedMs(p.recent, i);
    }
    if (observed >= 0.5 * (to - from)) best = Math.max(best ?? 0, (spend / observed) * (to - from));
  }
  return best;
}
