// Shapes, stream constructors, time helpers and top-up policies shared by the kinds.
import type { Rng } from '../forecast-blackbox/prng.js';
import {
  buildClocks, clockAt, cumAt, type ApiStream, type CallStream, type Clock, type Hook, type Plan, type RateFn,
  type SimState, type SmsStream, type Stream,
} from './engine.js';

export interface KindDef {
  name: string;
  /** exact number of depletions every history of this kind must contain */
  depletions: number;
  build(rng: Rng): Plan;
}

// ---------- daily and weekly shapes (relative weights, local time) ----------

/** office hours 08-18 with a lunch dip, nothing at night */
export const BUSINESS = [0, 0, 0, 0, 0, 0, 0.02, 0.15, 0.6, 1, 1, 0.95, 0.6, 0.8, 1, 0.95, 0.85, 0.5, 0.15, 0.05, 0.02, 0, 0, 0];
/** people at home: low at night, climbs through the day, evening peak 19-22 */
export const CONSUMER = [0.25, 0.15, 0.08, 0.05, 0.05, 0.08, 0.18, 0.35, 0.45, 0.5, 0.55, 0.6, 0.65, 0.6, 0.55, 0.55, 0.6, 0.7, 0.9, 1, 1, 0.95, 0.75, 0.45];
/** notifications / reminders sent 07-22 */
export const DAYTIME = [0.05, 0.03, 0.02, 0.02, 0.03, 0.06, 0.2, 0.55, 0.85, 1, 1, 1, 0.95, 0.95, 0.95, 0.95, 0.9, 0.9, 0.85, 0.75, 0.6, 0.4, 0.2, 0.1];
/** machines talk around the clock with a mild daytime bump */
export const MACHINE = [0.6, 0.55, 0.5, 0.5, 0.5, 0.55, 0.65, 0.8, 0.95, 1, 1, 1, 1, 1, 1, 1, 0.95, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65];

// Sunday first
export const WEEK_FLAT = [1, 1, 1, 1, 1, 1, 1];
export const WEEK_OFFICE = [0.03, 1, 1, 1, 1, 0.92, 0.06];
export const WEEK_RETAIL = [0.55, 1, 1, 1, 1, 1, 0.75];
export const WEEK_CONSUMER = [1.3, 0.9, 0.9, 0.95, 1, 1.2, 1.4];
export const WEEK_SIX_DAY = [0.05, 1, 1, 1, 1, 1, 0.5];

export function hourly(profile: readonly number[], hour: number): number {
  const i = Math.floor(hour) % 24;
  const f = hour - Math.floor(hour);
  const a = profile[i] ?? 0;
  const b = profile[(i + 1) % 24] ?? 0;
  return a + (b - a) * f;
}
export function weekly(weights: readonly number[], dow: number): number {
  return weights[dow] ?? 1;
}
/** shape(c) = hourly(profile) x weekly(week) */
export function shape(profile: readonly number[], week: readonly number[]): RateFn {
  return (c) => hourly(profile, c.hour) * weekly(week, c.dow);
}

// ---------- streams ----------

export interface VoiceOpts {
  perMin: number;
  unitSec?: number; // 60 = per minute (default), 6 = 6-second increments, 1 = per second
  minSec?: number; // minimum billed seconds (default one unit)
  median: number; // median call length, seconds
  sigma?: number;
  maxSec?: number;
  answered?: number;
}
export function voice(rate: RateFn, o: VoiceOpts): CallStream {
  const unitSec = o.unitSec ?? 60;
  return {
    type: 'call', rate, unitSec, unitPrice: (o.perMin * unitSec) / 60,
    minUnits: Math.ceil((o.minSec ?? unitSec) / unitSec), medianSec: o.median, sigma: o.sigma ?? 1,
    maxSec: o.maxSec ?? 3 * 3600, answered: o.answered ?? 0.8,
  };
}
export function sms(rate: RateFn, segPrice: number, segWeights: readonly number[] = [0.85, 0.12, 0.03]): SmsStream {
  return { type: 'sms', rate, segPrice, segWeights };
}
export function api(rate: RateFn, price: number): ApiStream {
  return { type: 'api', rate, price };
}

// ---------- plan set-up ----------

export interface Base { start: number; zone: string; clocks: Clock[] }

/** A start somewhere in 2026 at any weekday, hour and minute. */
export function start2026(rng: Rng): number {
  return Date.UTC(2026, 0, 1) / 1000 + rng.int(0, 350) * 86400 + rng.int(0, 1439) * 60 + rng.int(0, 59);
}
export function setup(rng: Rng, zone: string, start: number = start2026(rng)): Base {
  return { start, zone, clocks: buildClocks(start, zone) };
}

export interface PlanOpts {
  streams: Stream[];
  days: number;
  decimals?: number;
  floorReadings?: boolean;
  dayNoise?: number;
  hourNoise?: number;
  priceMult?: (c: Clock) => number;
  dailyCapUtc?: number;
  hooks?: Hook[];
  gaps?: Array<[number, number]>;
  targets?: number[];
}
export function makePlan(base: Base, o: PlanOpts): Plan {
  return {
    start: base.start, zone: base.zone, clocks: base.clocks,
    minutes: Math.round(Math.min(14, Math.max(3, o.days)) * 1440),
    streams: o.streams, dayNoise: o.dayNoise ?? 0.08, hourNoise: o.hourNoise ?? 0.1,
    decimals: o.decimals ?? 2, floorReadings: o.floorReadings ?? false, initial: 0,
    gaps: o.gaps ?? [], priceMult: o.priceMult ?? null, dailyCapUtc: o.dailyCapUtc ?? null,
    hooks: o.hooks ?? [], targets: o.targets ?? [],
  };
}

// ---------- finding minutes ----------

/** First minute >= fromM + addDays whose local time is `hour` (fractional). */
export function localMinute(clocks: Clock[], fromM: number, addDays: number, hour: number): number {
  const m0 = Math.max(0, Math.round(fromM + addDays * 1440));
  const want = Math.floor(hour * 60);
  for (let m = m0; m < Math.min(clocks.length, m0 + 1500); m++) {
    if (Math.floor(clockAt({ clocks }, m).hour * 60) === want) return m;
  }
  return m0;
}
/** First minute >= fromM on one of the local weekdays `dows` at local time `hour`. */
export function weekdayMinute(clocks: Clock[], fromM: number, dows: readonly number[], hour: number): number {
  let m = localMinute(clocks, fromM, 0, hour);
  for (let i = 0; i < 8 && !dows.includes(clockAt({ clocks }, m).dow); i++) m = localMinute(clocks, m + 60, 0, hour);
  return m;
}
/** First minute at which the expected curve reaches `amount`. */
export function minuteAtSpend(cum: Float64Array, amount: number): number {
  for (let m = 0; m < cum.length; m++) if ((cum[m] ?? 0) >= amount) return m;
  return cum.length - 1;
}

// ---------- top-up policies ----------

/** Expected spend from now to the end of the history. */
export function restSpend(s: SimState): number {
  return cumAt(s.cum, s.plan.minutes) - cumAt(s.cum, s.m);
}
/** A nice human amount: rounds up to 5 / 10 / 50 / 100 depending on size. */
export function niceAmount(x: number): number {
  const step = x < 50 ? 5 : x < 200 ? 10 : x < 1000 ? 50 : 100;
  return Math.ceil(x / step) * step;
}

export interface RefillOpts {
  delayH: [number, number]; // hours empty before someone reacts
  window?: [number, number]; // local hours in which the owner tops up
  amount: (s: SimState) => number;
}
/** Manual top-up after running dry: the wallet stays empty for a while, then someone pays. */
export function refillAfterEmpty(o: RefillOpts): Hook {
  let due = -1;
  return (s) => {
    if (s.emptySince === null) { due = -1; return; }
    if (due < 0) due = s.emptySince + Math.round(s.rng.uniform(o.delayH[0], o.delayH[1]) * 60);
    if (s.m < due) return;
    if (o.window && !(s.clock.hour >= o.window[0] && s.clock.hour < o.window[1])) return;
    s.credit(o.amount(s));
  };
}
/** Top up generously (covers the rest of the history factor times over). */
export function generousRefill(delayH: [number, number], window?: [number, number]): Hook {
  return refillAfterEmpty({
    delayH, ...(window ? { window } : {}),
    amount: (s) => niceAmount(Math.max(restSpend(s) * s.rng.uniform(2, 3), 20)),
  });
}
/** Run `fn` once at minute `at`. */
export function at(m: number, fn: (s: SimState) => void): Hook {
  return (s) => { if (s.m === m) fn(s); };
}
/** A poller outage of 2-10 h starting somewhere in [lo, hi). */
export function outage(rng: Rng, lo: number, hi: number): [number, number] {
  const a = rng.int(Math.round(lo), Math.max(Math.round(lo), Math.round(hi)));
  return [a, a + Math.round(rng.uniform(2, 10) * 60)];
}
