/**
 * The usage record of a wallet, PURE, bounded whatever the history length (a forecast costs the same on
 * day 2 and on day 200):
 *   - the weekly pattern: spend rate by hour of week (UTC, Monday 00:00 = hour 0), learnt as an
 *     exponentially weighted average over weeks (168 numbers);
 *   - the last RECENT_HOURS closed hours, each with its spend, its number of charges (sample-to-sample
 *     drops) and how much of it was observed: the forecast's windows (1 h … 7 d), its daily pattern and
 *     the evidence behind each rate;
 *   - the last DAYS_KEPT daily totals (UTC days): the trend.
 */

import {
  allocate,
  bucket,
  dayConsumed,
  dayCount,
  dayIndex,
  dayObservedMs,
  daysFromPlain,
  daysToPlain,
  daysWith,
  EMPTY_BUCKETS,
  EMPTY_DAYS,
  EMPTY_HOURS,
  EMPTY_UPDATES,
  hoursFromPlain,
  hoursToPlain,
  hoursWith,
  raw,
  size,
  updateCount,
  updateHour,
  updatePrior,
  updatesFromPlain,
  updatesToPlain,
  updatesWith,
  type Buckets,
  type Days,
  type Hours,
  type Updates,
} from './packed.js';

import { lumpHour, oneOffPart, spreadRate } from './oneoff.js';

export type { DayTotal, HourTotal } from './packed.js';

export const HOURS_PER_WEEK = 168;
const HOUR_MS = 3_600_000;
/** Weight of the newest week in a bucket's average. */
const ALPHA = 0.3;
/** An hour counts only if at least this much of it was observed. */
export const MIN_OBSERVED_MS = 30 * 60_000;
/**
 * Spend across a gap longer than MAX_SPREAD_MS (daemon down, sparse polling) is not learnt into the weekly
 * pattern: its shape is unknown. Up to MAX_GAP_MS it is still spread evenly over the hours it covers in
 * the recent hours and daily totals, so rates stay right when polls are hours apart; beyond, it is lost.
 */
const MAX_SPREAD_MS = 2 * HOUR_MS;
const MAX_GAP_MS = 12 * HOUR_MS;
/** Closed hours kept (a week) and daily totals kept (two weeks). */
export const RECENT_HOURS = HOURS_PER_WEEK;
export const DAYS_KEPT = 14;
/** A daily total counts as a whole day (the trend, the holidays) once this much of the day was observed. */
export const WHOLE_DAY_OBSERVED_MS = 20 * HOUR_MS;
/**
 * Bucket updates kept (WeeklyProfile.updates): 8 hours, for spend_anomaly's 3-hour window. Were the
 * value before every bucket's update kept (2 × 168 numbers), it would cost 2.3 KiB more a wallet.
 */
export const UPDATES_KEPT = 8;
const DAY_MS = 24 * HOUR_MS;

export interface WeeklyProfile {
  /** Credits/hour by hour of week; null (NaN, packed.ts) where never observed. Empty until the first hour closes. */
  readonly rates: Buckets;
  /**
   * The last UPDATES_KEPT bucket updates (packed.ts): the epoch hour learnt and its bucket's value before:
   * what was expected of the last hours before they were seen (spend_anomaly must not judge hours by
   * themselves). An update per closed hour at most, so they cover the last UPDATES_KEPT hours, more than
   * any window asked about (see expectedSpendBefore).
   */
  readonly updates: Updates;
  /** The hour being accumulated: epoch hour index, spend and observed time so far. */
  readonly open: {
    readonly hour: number;
    readonly consumed: number;
    readonly observedMs: number;
    readonly charges?: number;
    readonly maxCharge?: number;
    /** The part of `consumed` / `observedMs` spread from a gap (not learnt into the weekly pattern). */
    readonly gapConsumed?: number;
    readonly gapMs?: number;
  } | null;
  /** The last RECENT_HOURS closed hours (packed.ts's HourTotal), oldest first (hours with nothing observed are absent). */
  readonly recent: Hours;
  /** The last DAYS_KEPT days' totals of closed hours (packed.ts's DayTotal), oldest first. */
  readonly days: Days;
  /** The epoch hour of the last charge above the one-off threshold (absent: none yet); see oneOffPart. */
  readonly lastOneOffHour?: number;
}

export const EMPTY_PROFILE: WeeklyProfile = Object.freeze({
  rates: EMPTY_BUCKETS,
  updates: EMPTY_UPDATES,
  open: null,
  recent: EMPTY_HOURS,
  days: EMPTY_DAYS,
});

/** Epoch ms → hour of week, Monday 00:00 UTC = 0 (1970-01-01 was a Thursday: 72 h into its week). */
export function hourOfWeek(t: number): number {
  return (Math.floor(t / HOUR_MS) + 72) % HOURS_PER_WEEK;
}

/**
 * Spreads `consumed` over [from, to] across the hours it covers (evenly, or a one-off's way: spreadRate),
 * closing each hour passed. A positive `consumed` is one charge (a sample-to-sample drop), counted in the
 * hour it was seen.
 */
export function addSpend(p: WeeklyProfile, from: number, to: number, consumed: number): WeeklyProfile {
  if (to <= from) return p;
  let learnt: Learnt = p;
  let open = p.open;
  const gap = to - from > MAX_SPREAD_MS;
  const spread = to - from <= MAX_GAP_MS;
  const before = Math.floor(from / HOUR_MS) < Math.floor((to - 1) / HOUR_MS) && !gap ? spreadRate(p, consumed, to - from) : consumed / (to - from);
  let spent = 0;
  for (let t = from; t < to; ) {
    // Never before the open hour (what a clock step's rounding to whole hours may leave): closing the open
    // hour for an earlier one would drop the closed hours after it.
    const hour = Math.max(Math.floor(t / HOUR_MS), open?.hour ?? -Infinity);
    const end = Math.min(to, (hour + 1) * HOUR_MS);
    if (open && open.hour !== hour) {
      learnt = close(learnt, open);
      open = null;
    }
    if (spread) {
      const share = end === to ? consumed - spent : before * (end - t);
      spent += share;
      const charge = end === to && consumed > 0 ? 1 : 0;
      open = {
        hour,
        consumed: (open?.consumed ?? 0) + share,
        observedMs: (open?.observedMs ?? 0) + (end - t),
        charges: (open?.charges ?? 0) + charge,
        // Across a gap the whole drop is one reading, not one charge: no one-off is told from it.
        maxCharge: Math.max(open?.maxCharge ?? 0, charge && !gap ? consumed : 0),
        gapConsumed: (open?.gapConsumed ?? 0) + (gap ? share : 0),
        gapMs: (open?.gapMs ?? 0) + (gap ? end - t : 0),
      };
    }
    t = end;
  }
  return { ...learnt, open };
}

/**
 * The profile moved with a wall-clock step (account.ts shiftClock) by the nearest whole hour: the open
 * hour, the closed hours, the bucket updates and the last one-off keep their epoch hours relative to the
 * samples, the days move by the nearest whole day, and the weekly pattern turns with them (what was learnt
 * at an hour of the old clock's week belongs to the hour the step makes of it). Left as it was, a step
 * back of a day closed the next hours before the open one: a day of closed hours lost, a day's total
 * overwritten, the forecast's windows reading hours "after" now.
 */
export function shiftProfile(p: WeeklyProfile, deltaMs: number): WeeklyProfile {
  const k = Math.round(deltaMs / HOUR_MS);
  if (k === 0) return p;
  const days = Math.round(k / 24);
  let rates = p.rates;
  if (size(p.rates) === HOURS_PER_WEEK) {
    const turned = allocate<'buckets'>(HOURS_PER_WEEK, 1);
    for (let i = 0; i < HOURS_PER_WEEK; i++) turned[(((i + k) % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK] = raw(p.rates)[i]!;
    rates = turned;
  }
  return {
    ...p,
    rates,
    updates: updatesFromPlain(updatesToPlain(p.updates).map(([hour, prior]) => [hour + k, prior] as const)),
    open: p.open && { ...p.open, hour: p.open.hour + k },
    recent: hoursFromPlain(hoursToPlain(p.recent).map((h) => ({ ...h, hour: h.hour + k }))),
    days: days === 0 ? p.days : daysFromPlain(daysToPlain(p.days).map((d) => ({ ...d, day: d.day + days }))),
    ...(p.lastOneOffHour !== undefined ? { lastOneOffHour: p.lastOneOffHour + k } : {}),
  };
}

type Learnt = Omit<WeeklyProfile, 'open'>;

/** A writable copy of 168 buckets, or 168 never-observed ones (NaN) when they are not 168. */
function buckets(xs: Buckets): number[] & Buckets {
  const out = allocate<'buckets'>(HOURS_PER_WEEK, 1);
  if (size(xs) === HOURS_PER_WEEK) for (let i = 0; i < HOURS_PER_WEEK; i++) out[i] = raw(xs)[i]!;
  return out;
}

function close(p0: Learnt, open: NonNullable<WeeklyProfile['open']>): Learnt {
  const oneOff = oneOffPart(p0, open, true);
  const lump = lumpHour(p0, open);
  const p = { ...record(p0, open, oneOff), ...(lump ? { lastOneOffHour: open.hour } : {}) };
  // The weekly pattern learns from what was seen hour by hour, not from spend spread across a gap.
  const seenMs = open.observedMs - (open.gapMs ?? 0);
  if (seenMs < MIN_OBSERVED_MS) return p;
  const rates = buckets(p.rates);
  const h = (open.hour + 72) % HOURS_PER_WEEK;
  const observed = (open.consumed - (open.gapConsumed ?? 0) - oneOff) / (seenMs / HOUR_MS);
  const old = bucket(rates, h);
  rates[h] = old === null ? observed : old + ALPHA * (observed - old);
  return { ...p, rates, updates: updatesWith(p.updates, open.hour, old, UPDATES_KEPT) };
}

/** The closed hour appended to the recent hours and added to its day's total; both bounded. */
function record(p: Learnt, open: NonNullable<WeeklyProfile['open']>, oneOff: number): Learnt {
  const hour = { hour: open.hour, consumed: open.consumed, charges: open.charges ?? 0, observedMs: open.observedMs, oneOff };
  const oldest = open.hour - RECENT_HOURS;
  const recent = hoursWith(p.recent ?? EMPTY_HOURS, (x) => x > oldest && x < open.hour, hour);
  const day = Math.floor((open.hour * HOUR_MS) / DAY_MS);
  const days0 = p.days ?? EMPTY_DAYS;
  const inRange = (d: number) => d > day - DAYS_KEPT && d <= day;
  // The newest day kept (days are oldest first): this hour's day gets the hour added, else a new day.
  let last = -1;
  for (let i = 0; i < dayCount(days0); i++) if (inRange(dayIndex(days0, i))) last = i;
  const regular = open.consumed - oneOff; // the trend reads rates: a one-off is not one
  const same = last >= 0 && dayIndex(days0, last) === day;
  const total = same
    ? { day, consumed: dayConsumed(days0, last) + regular, observedMs: dayObservedMs(days0, last) + open.observedMs }
    : { day, consumed: regular, observedMs: open.observedMs };
  const days = daysWith(days0, (d, i) => inRange(d) && !(same && i === last), total);
  return { ...p, recent, days };
}

/** True once every hour of the week has been observed at least once. */
export function profileReady(p: WeeklyProfile): boolean {
  // includes(NaN) finds a NaN (SameValueZero) in one native pass; reading the 168 doubles one by one into
  // Number.isNaN boxed each of them, at every reading (spend_anomaly asks): 28 MB of garbage a 14-day replay.
  return size(p.rates) === HOURS_PER_WEEK && !raw(p.rates).includes(NaN);
}

/** Expected credits/hour at `t`; null when that hour was never observed. */
export function expectedRate(p: WeeklyProfile, t: number): number | null {
  return bucket(p.rates, hourOfWeek(t));
}

/**
 * Expected credits/hour at `t` as learnt before `asOf` (updates at or after it are undone): the bucket's
 * value before its latest update if that update learnt an hour at or after `asOf`. Exact for `asOf` within
 * the last UPDATES_KEPT − 1 hours (every such update is kept); older ones are read as not undone.
 */
function expectedRateAsOf(p: WeeklyProfile, t: number, asOf: number): number | null {
  const h = hourOfWeek(t);
  const u = p.updates;
  for (let i = updateCount(u) - 1; i >= 0; i--) {
    if (hourOfWeek(updateHour(u, i) * HOUR_MS) !== h) continue;
    if (updateHour(u, i) >= Math.floor(asOf / HOUR_MS)) return updatePrior(u, i);
    break;
  }
  return bucket(p.rates, h);
}

/** Spend the profile expects over [from, to]; null if any hour in it was never observed. */
export function expectedSpend(p: WeeklyProfile, from: number, to: number): number | null {
  return integrate(from, to, (t) => expectedRate(p, t));
}

/**
 * The same, as learnt before `from`: hours just seen are judged against what was expected of them, not
 * against themselves (a burst learnt into the profile must not raise its own bar). `from` within the last
 * UPDATES_KEPT − 1 hours (spend_anomaly asks about the last 3).
 */
export function expectedSpendBefore(p: WeeklyProfile, from: number, to: number): number | null {
  return integrate(from, to, (t) => expectedRateAsOf(p, t, from));
}

function integrate(from: number, to: number, rateAt: (t: number) => number | null): number | null {
  let total = 0;
  for (let t = from; t < to; ) {
    const end = Math.min(to, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
    const r = rateAt(t);
    if (r === null) return null;
    total += (r * (end - t)) / HOUR_MS;
    t = end;
  }
  return total;
}
