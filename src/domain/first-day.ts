/**
 * What a wallet's first day of evidence is worth (forecast.ts, DESIGN: thin evidence): before a whole day is
 * seen, the hours not yet seen may differ from those seen, and a few large charges among small ones are a few
 * observations of a rate, not many.
 */
import type { History } from './history.js';
import { effectiveCharges } from './rates.js';
import type { FewCharges } from './runway.js';
import type { Level } from './usage.js';

/**
 * Before a whole day has been seen, the hours not yet seen may differ from those seen (a business day's
 * evening, a night): the level's relative error gets this σ for the unseen fraction of the day.
 */
export const UNSEEN_DAY_SIGMA = 0.35;
/** A few charges make most of the spend when their effective number (Kish) is under this share of their count. */
const UNEVEN_CHARGES = 0.25;

export function unseenDay(level: Level, spanHours: number): Level {
  if (spanHours >= 24) return level;
  return { ...level, relError: Math.hypot(level.relError, UNSEEN_DAY_SIGMA * Math.sqrt(1 - spanHours / 24)) };
}

/**
 * Before a day is seen, when a few charges make most of the spend (null otherwise), the level's error
 * counts them by their sizes (Kish's effective number, `counted`) rather than by their count: one charge
 * of 20 credits among cents in a new wallet's first minutes is one observation of a rate, not sixteen, and
 * it paged "runs out in 12 hours" on a wallet with weeks of money; and the warning's cautious reading is
 * the first day's whatever the central runway (runway.ts outlook). (Sizes that merely vary — a busy
 * hour's charges against a quiet one's — stay counted: the level's hours and the band see those.)
 */
export function unevenCharges(h: History, now: number, spanHours: number): NonNullable<ReturnType<typeof effectiveCharges>> | null {
  if (spanHours >= 24 || h.firstSampleAt === null) return null;
  const c = effectiveCharges(h.samples, h.firstSampleAt, now);
  return c === null || c.effective >= UNEVEN_CHARGES * c.count ? null : c;
}

/**
 * The few charges as the outlook reads them: their effective number, and the share of the level's spend
 * the other charges make (the few's part of a one-off the level left out is no part of it: a rental among
 * a dry wallet's cents must not slow the cautious reading of the cents).
 */
export const fewOf = (c: { effective: number; sum: number; top: number }, level: Level): FewCharges => ({
  effective: c.effective,
  rest: level.spend > 0 ? Math.min(1, (c.sum - c.top) / level.spend) : 1,
});

export const counted = (level: Level, c: { count: number; effective: number } | null): Level =>
  c === null ? level : { ...level, relError: Math.sqrt(level.relError ** 2 + 1 / c.effective - 1 / c.count) };
