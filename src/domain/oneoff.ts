/**
 * One-off charges, PURE: a single charge far above a typical hour's spend (a monthly number rental, a bulk
 * send paid at once) is spend, not a rate to extrapolate. The usage record (profile.ts) takes it out of
 * the hour it fell in; the near windows (rates.ts) out of theirs.
 */
import { hourCount, hourIndex, hourObservedMs, hourRegular, type Hours } from './packed.js';
import { MIN_OBSERVED_MS, type WeeklyProfile } from './profile.js';

const HOUR_MS = 3_600_000;

/** A single charge above this many typical hours' spend is a one-off (see HourTotal). */
export const ONE_OFF_FACTOR = 10;

/**
 * The one-off part of a single charge: all of it but a typical hour's spend over the `hours` it fell in (at
 * most one) once it is above ONE_OFF_FACTOR typical hours, else 0. Taking out only its excess over the
 * threshold left 10 typical hours of a rental in the week's level: a flat wallet read 6–7 % faster for a
 * week after its rental; leaving a whole typical hour in the minutes seen of an open hour read a new
 * install's first minutes as several times its rate.
 */
export function oneOffOf(charge: number, typical: number, hours = 1): number {
  return charge > ONE_OFF_FACTOR * typical ? charge - typical * Math.min(1, hours) : 0;
}

/**
 * A charge above the one-off threshold within this many hours of the previous one is usage (a daily batch,
 * a weekly invoice run), not a one-off: a rate to extrapolate. A monthly rental stays a one-off.
 */
export const ONE_OFF_RECUR_HOURS = 7 * 24;
/** Closed hours (of the last 72) a typical hour needs; before, the provisional one (below). */
const MIN_TYPICAL_HOURS = 12;
/** Hours of the usage record a typical hour is read from. */
const TYPICAL_OVER_HOURS = 72;

const typicals = new WeakMap<Hours, number>();

/**
 * A typical hour's spend (credits/hour): the 75th percentile of the regular spend rate of the last 72
 * closed hours observed for at least half an hour (the upper quartile, so that a business's peak hours are
 * typical, not its nights); Infinity with fewer than MIN_TYPICAL_HOURS of them or none spending.
 */
export function typicalHourly(p: Pick<WeeklyProfile, 'recent'>): number {
  const known = typicals.get(p.recent);
  if (known !== undefined) return known;
  const r = p.recent;
  const n = hourCount(r);
  const newest = n > 0 ? hourIndex(r, n - 1) : 0;
  const rates: number[] = [];
  for (let i = 0; i < n; i++) {
    if (hourIndex(r, i) > newest - TYPICAL_OVER_HOURS && hourObservedMs(r, i) >= MIN_OBSERVED_MS) rates.push(hourRegular(r, i) / (hourObservedMs(r, i) / HOUR_MS));
  }
  rates.sort((a, b) => a - b);
  const q = rates.length >= MIN_TYPICAL_HOURS ? rates[Math.floor(0.75 * (rates.length - 1))]! : 0;
  const value = q > 0 ? q : Infinity;
  typicals.set(p.recent, value);
  return value;
}

/**
 * The typical hour a charge of the open hour is judged against: typicalHourly, or before one is known (a
 * new install's first 12 hours, or after three days unobserved) a provisional one: the regular spend per
 * hour observed of the hours seen so far, that charge left out. Without it a new install whose first hour
 * held the month's number rental read the rental as its rate: a critical page "runs out in 12 minutes" on
 * a wallet with weeks of money, then every day at that hour once the daily pattern had learnt it.
 * With nothing else spent yet the charge is the first: while its hour is open, not a rate yet (0: all of
 * it is left out of the level, as the 50 credits a new install saw in its fifth minute); once the hour
 * closes, usage (Infinity): called a one-off, a wallet whose every charge is large would lose them all.
 */
export function typicalFor(p: Pick<WeeklyProfile, 'recent'>, open: WeeklyProfile['open'], closing = false): number {
  const typical = typicalHourly(p);
  if (Number.isFinite(typical) || open === null) return typical;
  // A drop spread over the hours it spans left only its share here: the rest of it is in the hours before,
  // so at most what this hour holds is left out (more read a poll 1–2 h apart as a one-off: a fake
  // lastOneOffHour, and the month's real rental after it recurring usage).
  let spend = open.consumed - Math.min(open.consumed, open.maxCharge ?? 0);
  let ms = open.observedMs;
  const r = p.recent;
  for (let i = 0; i < hourCount(r); i++) {
    if (hourIndex(r, i) <= open.hour - TYPICAL_OVER_HOURS) continue;
    spend += hourRegular(r, i);
    ms += hourObservedMs(r, i);
  }
  if (spend > 0 && ms > 0) return spend / (ms / HOUR_MS);
  return closing ? Infinity : 0;
}

/** The closing hour's largest charge is above the one-off threshold (recurring or not). */
export function lumpHour(p: Pick<WeeklyProfile, 'recent'>, open: NonNullable<WeeklyProfile['open']>): boolean {
  return oneOffOf(open.maxCharge ?? 0, typicalFor(p, open, true)) > 0;
}

/**
 * The one-off part of an hour's spend, read open or `closing`: that of its largest charge (oneOffOf),
 * unless a charge as big came within ONE_OFF_RECUR_HOURS before it: then it is recurring usage and all of
 * it is spend to extrapolate.
 */
export function oneOffPart(p: Pick<WeeklyProfile, 'recent' | 'lastOneOffHour'>, open: NonNullable<WeeklyProfile['open']>, closing = false): number {
  const recurring = p.lastOneOffHour !== undefined && open.hour - p.lastOneOffHour <= ONE_OFF_RECUR_HOURS;
  return recurring ? 0 : Math.min(open.consumed, oneOffOf(open.maxCharge ?? 0, typicalFor(p, open, closing), open.observedMs / HOUR_MS));
}

/**
 * The rate (credits/ms) a drop of `consumed` over `spanMs` puts in the hours before the one it was seen in:
 * an even share, unless it is a one-off (a rental paid inside a poll interval that crosses an hour): a
 * charge comes at one moment, so the hours before get a typical hour's spend over their part and the
 * charge stays whole in the hour it was seen, where oneOffPart takes it out. Spread evenly, up to 60 % of
 * a rental polled every 5 minutes went into the hour before as regular spend: a level 65 % high for three
 * days. The first charge of a new install (typical 0) is spread evenly.
 */
export function spreadRate(p: Pick<WeeklyProfile, 'recent' | 'open'>, consumed: number, spanMs: number): number {
  const even = consumed / spanMs;
  if (consumed <= 0) return even;
  const typical = typicalFor(p, p.open);
  return typical > 0 && oneOffOf(consumed, typical) > 0 ? Math.min(even, typical / HOUR_MS) : even;
}
