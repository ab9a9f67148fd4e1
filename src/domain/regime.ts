/**
 * A persistent rise, PURE: the warning's second reading (issue 9, round 7). Regime-switching and
 * self-exciting wallets spend for days at a level the week's average does not show yet: the next days
 * follow the last one. The SRE workbook's multi-window alert, applied to levels: the last day's level is
 * a reading for the warning only when it stands out from the week by more than the wallet's sustained
 * swings (REGIME.z standard errors) even without its busiest two hours (a one-hour spike, wherever it
 * falls, is left out), AND an independent longer window (the last 3 days) agrees it is above the week
 * (REGIME.confirmZ). The standard errors count the charges (a wallet charged a dozen times a day needs a
 * bigger rise) and the wallet's 6-hour swings (a bursty wallet needs a bigger one too). Before the
 * weekly pattern is known, a window that holds a kind of day (weekday, weekend) never seen before it reads
 * nothing: a busy first weekend is the week's pattern, not a regime. Only the warning reads it: critical
 * (24 h) keeps the near reading, which needs the last hour and six hours to agree on a burst.
 */
import { isWeekend } from './daytype.js';
import { HOURS_PER_WEEK, type WeeklyProfile } from './profile.js';
import type { Shape } from './shape.js';
import type { Trend } from './trend.js';
import { levelOver, type Level } from './usage.js';

const HOUR_MS = 3_600_000;
/** The run of hours a spike may fill, left out of the entry test (see withoutBusiestHours). */
const SPIKE_HOURS = 2;

/** The recent window, the window that must agree, and their thresholds (standard errors of the sustained swings). */
export const REGIME = { windowHours: 24, confirmHours: 72, z: 3, confirmZ: 1 } as const;
/**
 * What keeps a FIRING warning on that reading (a Schmitt trigger): the whole last day above the week by
 * `z`, the last 3 days above it at all. The entry test flips as busy hours enter and leave the window;
 * without this the warning would resolve and re-fire as a new alert each time (regime_switch#5: 5 alarms
 * in 3 hours).
 */
export const REGIME_HOLD = { z: 1, confirmZ: 0 } as const;

export interface RegimeInput {
  profile: WeeklyProfile;
  now: number;
  /** The week's level (the long window), the last day's (REGIME.windowHours), and how the levels are read. */
  long: Level;
  day: Level;
  shape: Shape;
  sigma2: number;
  /** Relative standard error of a level from its charges and the wallet's sustained swings. */
  swing: (l: Level) => number;
  firstSampleAt: number;
}

/**
 * The last day's level when the looser test that keeps a firing warning on it (REGIME_HOLD) sees a rise,
 * else null; `entered` when it is a persistent rise (see above): then it is a reading for a new warning
 * too. The entry test is the stricter of the two on every count, so one window of 3 days is read per
 * forecast, and the hours of the last day only when the rest of the entry test passes.
 */
export function persistentRise(r: RegimeInput): { level: Level; entered: boolean } | null {
  const recent = r.day;
  const confirm = levelOver(r.profile, r.now, REGIME.confirmHours, r.shape, r.sigma2);
  if (confirm === null) return null;
  const above = (l: Level, z: number) => Math.log(l.perHour / r.long.perHour) > z * Math.hypot(r.swing(l), r.swing(r.long));
  if (!above(recent, REGIME_HOLD.z) || !above(confirm, REGIME_HOLD.confirmZ)) return null;
  const weekKnown = r.now - r.firstSampleAt >= HOURS_PER_WEEK * HOUR_MS;
  if (!weekKnown && newDayType(r.firstSampleAt, r.now - REGIME.confirmHours * HOUR_MS, r.now)) return null;
  const entered = above(recent, REGIME.z) && above(confirm, REGIME.confirmZ) && aboveWithout(withoutBusiestHours(r, recent));
  return { level: recent, entered };

  function aboveWithout(l: Level | null): boolean {
    return l !== null && above(l, REGIME.z);
  }
}

/**
 * How fast a persistent rise is still rising (issue 9 round 19; measured in round 18): when the 24 h levels of
 * the last three days rise in order and the newest stands above the oldest by more than their swings, the
 * smaller of the two day-on-day rises, in credits/hour per day. Growth in a wallet's first week — before the
 * daily totals hold a trend (trend.ts needs 6 days) — is read from it, damped like the trend; a step rises
 * once, so the smaller rise is about 0 and nothing is carried on.
 */
export function riseSlope(r: RegimeInput): Trend | null {
  const H = REGIME.windowHours;
  const prev = levelOver(r.profile, r.now - H * HOUR_MS, H, r.shape, r.sigma2);
  const prev2 = levelOver(r.profile, r.now - 2 * H * HOUR_MS, H, r.shape, r.sigma2);
  if (prev === null || prev2 === null || prev2.hours < H - 4) return null;
  const [a, b, c] = [prev2.perHour, prev.perHour, r.day.perHour];
  if (!(a < b && b < c) || !(Math.log(c / a) > Math.hypot(r.swing(r.day), r.swing(prev2)))) return null;
  return { perHourPerDay: Math.min(c - b, b - a), days: 3 };
}

/** A kind of day (weekday, weekend; UTC) inside [from, now) that the history before `from` never saw. */
export function newDayType(firstSampleAt: number, from: number, now: number): boolean {
  const kinds = (a: number, b: number) => {
    const seen = { weekday: false, weekend: false };
    for (let t = Math.floor(a / HOUR_MS) * HOUR_MS; t < b && !(seen.weekday && seen.weekend); t += HOUR_MS) seen[isWeekend(t) ? 'weekend' : 'weekday'] = true;
    return seen;
  };
  const before = kinds(firstSampleAt, from);
  const inside = kinds(Math.max(from, firstSampleAt), now);
  return (inside.weekend && !before.weekend) || (inside.weekday && !before.weekday);
}

/**
 * The last day's level without its busiest SPIKE_HOURS consecutive hours: a level, not a spike, shows in
 * the rest of the day too (a one-hour spike straddles at most two clock hours). Null when nothing is left.
 */
function withoutBusiestHours(r: RegimeInput, day: Level): Level | null {
  // Each hour back from now (the open hour first), read alone: a one-hour window ending k hours ago.
  const n = REGIME.windowHours;
  const hours = Array.from({ length: n }, (_, k) => {
    const l = levelOver(r.profile, r.now - k * HOUR_MS, 1, r.shape, r.sigma2);
    return { spend: l?.spend ?? 0, weight: l?.weight ?? 0, charges: l?.charges ?? 0, hours: l?.hours ?? 0 };
  });
  let busiest = { spend: 0, weight: 0, charges: 0, hours: 0 };
  let busiestRate = -1;
  for (let k = 0; k + SPIKE_HOURS <= n; k++) {
    const run = hours.slice(k, k + SPIKE_HOURS).reduce((a, b) => ({ spend: a.spend + b.spend, weight: a.weight + b.weight, charges: a.charges + b.charges, hours: a.hours + b.hours }));
    const rate = run.weight > 0 ? run.spend / run.weight : 0;
    if (rate > busiestRate) [busiest, busiestRate] = [run, rate];
  }
  const weight = day.weight - busiest.weight;
  if (!(weight > 0)) return null;
  const spend = day.spend - busiest.spend;
  return { perHour: spend / weight, spend, weight, charges: day.charges - busiest.charges, hours: day.hours - busiest.hours, relError: day.relError, sizeSpread: day.sizeSpread };
}
