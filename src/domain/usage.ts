/**
 * The evidence behind a forecast, PURE: the spend level over windows of the recent hours with its
 * standard error, and the charges a quiet stretch should have brought (the usage pattern's shape is
 * shape.ts, the dispersion of spend dispersion.ts, the damped trend on the daily totals trend.ts). Everything here reads the
 * bounded usage record of src/domain/profile.ts (168 closed hours, 14 days, the weekly pattern).
 */
import { chargesOf, dayConsumed, dayCount, dayIndex, dayObservedMs, hourCharges, hourCount, hourIndex, hourObservedMs, hourOf, HOUR_STRIDE, raw, type Days, type Hours } from './packed.js';
import { oneOffPart } from './oneoff.js';
import { WHOLE_DAY_OBSERVED_MS, type WeeklyProfile } from './profile.js';
import { isWeekend } from './daytype.js';
import { weekdayHolidays, type Shape } from './shape.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

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
  /** The shape's weight of those hours (perHour = spend ÷ weight). */
  readonly weight: number;
  /**
   * The spread of the charges' sizes: their variance ÷ their mean², read from each hour's spend given its
   * count of charges (Σ (spend − count × mean)² ÷ Σ count). 0 when every charge is one unit; 1–3 for calls
   * billed by their length. The band reads it (runway.ts); the alert decisions do not.
   */
  readonly sizeSpread: number;
}

const holidays = new WeakMap<Days, ReadonlySet<number>>();

/**
 * The holidays among the days kept (UTC day indexes): a weekday (Monday to Friday, UTC) that spent under
 * a third of the median weekday (shape.ts weekdayHolidays), with a weekday of normal spend after it. The
 * level leaves them out: read as a weekday that spent little, a holiday lowered the week's level by a
 * fifth of a day's spend, and the warnings of the week after came a day late. A quiet weekday with nothing
 * normal after it is not one (a service switched off: the drop and stop readings see it).
 */
function holidaysOf(days: Days): ReadonlySet<number> {
  const known = holidays.get(days);
  if (known) return known;
  const weekdays: { day: number; rate: number }[] = [];
  for (let i = 0; i < dayCount(days); i++) {
    const day = dayIndex(days, i);
    if (!isWeekend(day * DAY_MS) && dayObservedMs(days, i) >= WHOLE_DAY_OBSERVED_MS) weekdays.push({ day, rate: dayConsumed(days, i) / dayObservedMs(days, i) });
  }
  const out = new Set<number>();
  if (weekdays.length >= 3) {
    const { isHoliday } = weekdayHolidays(weekdays.map((w) => w.rate));
    weekdays.forEach((w, i) => {
      if (isHoliday(w.rate) && weekdays.slice(i + 1).some((v) => !isHoliday(v.rate))) out.add(w.day);
    });
  }
  holidays.set(days, out);
  return out;
}

/** The shape's weight of an hour never counts below this (an hour the pattern says is empty). */
const MIN_SHAPE = 0.02;
/** No level is known to better than this (the future is not the past). */
const MIN_REL_ERROR = 0.02;

/** The hourly swings' part of a level's squared relative error, read over `hours` seen (a minute at least). */
export const swingVariance = (sigma2: number, hours: number): number => sigma2 / Math.max(hours, 1 / 60);

/**
 * The closed hours (and the open one) with index in (nowHour − windowHours, nowHour], holidays left out:
 * spend, charges, hours observed, and the shape's weight of those hours. The level is spend ÷ weight. Its
 * relative error has two parts: the Poisson count of charges (1/√n) and the over-dispersion of hourly
 * spend (σ²/hours).
 */
export function levelOver(p: WeeklyProfile, now: number, windowHours: number, shape: Shape, sigma2: number): Level | null {
  const nowHour = Math.floor(now / HOUR_MS);
  const from = nowHour - windowHours;
  let { spend, charges, hours, weight, cc, cn, nn } = closedSums(p, from, windowHours, shape, now);
  const o = p.open;
  if (o && o.hour > from && o.hour <= nowHour) {
    const h = o.observedMs / HOUR_MS;
    const c = o.consumed - oneOffPart(p, o);
    const n = o.charges ?? 0;
    spend += c;
    charges += n;
    cc += c * c;
    cn += c * n;
    nn += n * n;
    hours += h;
    weight += Math.max(MIN_SHAPE, shape.at(o.hour * HOUR_MS + HOUR_MS / 2)) * h;
  }
  if (hours <= 0 || weight <= 0) return null;
  const relError = Math.max(MIN_REL_ERROR, Math.sqrt(1 / Math.max(1, charges) + swingVariance(sigma2, hours)));
  return { perHour: spend / weight, relError, spend, charges, hours, weight, sizeSpread: sizeSpreadOf(spend, charges, cc, cn, nn) };
}

/** The closed hours' sums of a window: spend, charges, hours observed, the shape's weight, Σ spend², Σ spend × count, Σ count². */
interface Sums {
  spend: number;
  charges: number;
  hours: number;
  weight: number;
  cc: number;
  cn: number;
  nn: number;
}

/**
 * The closed-hour sums of the windows of a wallet forecast again and again within the hour. A forecast reads
 * some thirty windows (the long one, the last day, each of the last 24 hours alone…) and `backtest` (or a
 * daemon watching one wallet) forecasts the same wallet at every reading, yet a window's closed hours
 * change only when an hour closes (a new hours array: packed.ts never writes one), the holidays or the
 * shape change: read once an hour, not once a reading. Kept for the last hours array forecast only, and only
 * from its second forecast at a later time on: a fleet forecasts each of its wallets between others', and a
 * cache there would only add garbage.
 */
let lastRecent: Hours | undefined;
let lastDays: Days | undefined;
let lastNow = NaN;
/** The sums of the last hours array's windows, by shape and window; null until it is forecast again. */
let lastSums: Map<Shape, Map<number, Sums>> | null = null;
/** Windows kept per shape: the 24 one-hour windows of the last day and the few longer ones fit. */
const KEPT_WINDOWS = 64;
/** Where an uncached window is summed (read at once by levelOver, never kept). */
const scratch: Sums = { spend: 0, charges: 0, hours: 0, weight: 0, cc: 0, cn: 0, nn: 0 };

function closedSums(p: WeeklyProfile, from: number, windowHours: number, shape: Shape, now: number): Readonly<Sums> {
  const nowHour = from + windowHours;
  if (p.recent !== lastRecent || p.days !== lastDays) {
    [lastRecent, lastDays, lastNow, lastSums] = [p.recent, p.days, now, null];
  } else if (lastSums === null && now !== lastNow) {
    lastSums = new Map();
  }
  // The window's key: its first hour and its length (an integer number of hours below 1024 — all the
  // forecast reads); any other window is summed afresh.
  if (lastSums === null || !Number.isInteger(windowHours) || windowHours < 0 || windowHours >= 1024) return sumClosed(p, from, nowHour, shape, scratch);
  let byWindow = lastSums.get(shape);
  if (!byWindow) {
    if (lastSums.size >= 4) lastSums.clear();
    byWindow = new Map();
    lastSums.set(shape, byWindow);
  }
  const key = from * 1024 + windowHours;
  const known = byWindow.get(key);
  if (known) return known;
  const value = sumClosed(p, from, nowHour, shape, { spend: 0, charges: 0, hours: 0, weight: 0, cc: 0, cn: 0, nn: 0 });
  if (byWindow.size >= KEPT_WINDOWS) byWindow.clear();
  byWindow.set(key, value);
  return value;
}

function sumClosed(p: WeeklyProfile, from: number, nowHour: number, shape: Shape, out: Sums): Sums {
  // The hottest loop of a forecast: the packed hours read in place (hour and charges, regular spend,
  // observedMs), newest first. No closure: sums held in a closure's context are boxed, and each += allocated
  // a number.
  let spend = 0;
  let charges = 0;
  let hours = 0;
  let weight = 0;
  // Σ spend², Σ spend × count, Σ count² of the hours: the charges' size spread without a second pass.
  let cc = 0;
  let cn = 0;
  let nn = 0;
  const x = raw(p.recent);
  const skip = holidaysOf(p.days);
  for (let k = x.length - HOUR_STRIDE; k >= 0 && hourOf(x[k]!) > from; k -= HOUR_STRIDE) {
    const hour = hourOf(x[k]!);
    if (hour > nowHour) continue;
    if (skip.size > 0 && skip.has(Math.floor(hour / 24))) continue; // a holiday: the days around it say what a weekday spends
    const h = x[k + 2]! / HOUR_MS;
    const c = x[k + 1]!;
    const n = chargesOf(x[k]!);
    spend += c;
    charges += n;
    cc += c * c;
    cn += c * n;
    nn += n * n;
    hours += h;
    weight += Math.max(MIN_SHAPE, shape.at(hour * HOUR_MS + HOUR_MS / 2)) * h;
  }
  out.spend = spend;
  out.charges = charges;
  out.hours = hours;
  out.weight = weight;
  out.cc = cc;
  out.cn = cn;
  out.nn = nn;
  return out;
}

/** Per kind of hour (hour of the day, weekday or weekend): charges per observed hour before `from`; NaN unseen. */
const kindRates = new WeakMap<Hours, { from: number; value: Float64Array }>();
const kindOf = (hour: number): number => (hour % 24) + (isWeekend(hour * HOUR_MS) ? 24 : 0);

function ratesBefore(r: Hours, from: number): Float64Array {
  const known = kindRates.get(r);
  if (known && known.from === from) return known.value;
  const charges = new Float64Array(48);
  const seen = new Float64Array(48);
  for (let i = 0; i < hourCount(r); i++) {
    const hour = hourIndex(r, i);
    if (hour > from) break;
    const kind = kindOf(hour); // once per hour, not per sum: a start computes this for every wallet at its first poll
    charges[kind]! += hourCharges(r, i);
    seen[kind]! += hourObservedMs(r, i) / HOUR_MS;
  }
  const value = charges.map((c, k) => (seen[k]! >= 0.5 ? c / seen[k]! : NaN));
  kindRates.set(r, { from, value });
  return value;
}

/**
 * The charges the last `windowHours` (closed hours and the open one) would have brought at the rate of the
 * same kind of hour before them in the recent hours — the same hour of the day, on a weekday or at the
 * weekend: what a quiet stretch is measured against. An hour of a kind not seen before expects nothing (no
 * evidence of a drop: a business's first weekend), unless no kind of hour was seen for half an hour yet:
 * then each expects what the level (`level`, read through `shape`) does.
 */
export function expectedCharges(p: WeeklyProfile, now: number, windowHours: number, level: Level, shape: Shape): number {
  const nowHour = Math.floor(now / HOUR_MS);
  const from = nowHour - windowHours;
  const rates = ratesBefore(p.recent, from);
  const known = rates.some((x) => !Number.isNaN(x));
  const perWeight = level.charges / level.weight;
  const rateOf = (hour: number) => {
    const x = rates[kindOf(hour)]!;
    return !Number.isNaN(x) ? x : known ? 0 : perWeight * Math.max(MIN_SHAPE, shape.at(hour * HOUR_MS + HOUR_MS / 2));
  };
  let expected = 0;
  const r = p.recent;
  for (let i = hourCount(r) - 1; i >= 0 && hourIndex(r, i) > from; i--) if (hourIndex(r, i) <= nowHour) expected += rateOf(hourIndex(r, i)) * (hourObservedMs(r, i) / HOUR_MS);
  const o = p.open;
  if (o && o.hour > from && o.hour <= nowHour) expected += rateOf(o.hour) * (o.observedMs / HOUR_MS);
  return expected;
}

/** Variance ÷ mean² of the charges' sizes from the hours' sums (see Level.sizeSpread); 0 without charges. */
function sizeSpreadOf(spend: number, charges: number, cc: number, cn: number, nn: number): number {
  if (!(charges > 0) || !(spend > 0)) return 0;
  const mean = spend / charges;
  return Math.max(0, (cc - 2 * mean * cn + mean * mean * nn) / charges / (mean * mean));
}
