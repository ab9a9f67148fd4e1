// Shared building blocks for the kinds: daily/weekly shapes, price catalogue, start times, balance sizing.
import type { Rng } from '../forecast-blackbox/prng.js';
import { MAX_DAYS, MIN_DAYS, type Curve, type LocalTime, type ObsSpec, type PriceModel, type SimState } from './engine.js';

/** hourly weights, local time, value i = hour [i, i+1) */
export const HOURLY = {
  business: [0.02, 0.01, 0.01, 0.01, 0.01, 0.03, 0.1, 0.35, 0.75, 1, 1, 0.95, 0.7, 0.85, 0.95, 0.95, 0.85, 0.6, 0.3, 0.15, 0.08, 0.05, 0.03, 0.02],
  consumer: [0.25, 0.15, 0.1, 0.07, 0.06, 0.08, 0.2, 0.4, 0.6, 0.7, 0.75, 0.8, 0.85, 0.8, 0.8, 0.8, 0.85, 0.9, 0.95, 1, 1, 0.9, 0.7, 0.45],
  evening: [0.3, 0.18, 0.1, 0.06, 0.04, 0.04, 0.08, 0.15, 0.22, 0.28, 0.32, 0.36, 0.4, 0.4, 0.4, 0.42, 0.5, 0.62, 0.8, 0.95, 1, 0.95, 0.8, 0.55],
  allday: [0.55, 0.5, 0.48, 0.47, 0.48, 0.52, 0.62, 0.75, 0.88, 0.96, 1, 1, 0.98, 0.97, 0.97, 0.96, 0.94, 0.92, 0.9, 0.86, 0.8, 0.72, 0.65, 0.6],
} as const;
export type Hourly = keyof typeof HOURLY;

/** day-of-week weights, index 0 = Sunday */
export const WEEKLY = {
  business: [0.05, 1, 1.03, 1.02, 1, 0.92, 0.12],
  consumer: [1.1, 0.92, 0.9, 0.93, 0.96, 1.08, 1.2],
  evening: [1.35, 0.75, 0.78, 0.82, 0.9, 1.25, 1.5],
  smallbiz: [0.2, 1, 1, 1, 1, 0.95, 0.45],
  flat: [1, 1, 1, 1, 1, 1, 1],
} as const;
export type Weekly = keyof typeof WEEKLY;

/** piecewise-linear through the hour midpoints, wrapping at midnight */
export function diurnal(h: Hourly, hour: number): number {
  const p = HOURLY[h];
  const x = hour - 0.5;
  const i = Math.floor(x);
  const f = x - i;
  const a = p[(i + 24) % 24] ?? 0;
  const b = p[(i + 25) % 24] ?? 0;
  return a + (b - a) * f;
}

export function shape(h: Hourly, w: Weekly, lt: LocalTime): number {
  return diurnal(h, lt.hour) * (WEEKLY[w][lt.dow] ?? 1);
}

/** 0 -> 1 smoothly over [0, width] */
export function smoothstep(x: number, width: number): number {
  const u = Math.max(0, Math.min(1, x / Math.max(width, 1e-9)));
  return u * u * (3 - 2 * u);
}

export const US_TZ = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'] as const;

/** a whole-minute start between 2026-01-03 and 2026-11-28, any weekday, any hour */
export function pickStart(rng: Rng): number {
  return Date.UTC(2026, 0, 3) / 1000 + rng.int(0, 329) * 86400 + rng.int(0, 1439) * 60;
}

export function days(d: number): number {
  return Math.round(d * 1440);
}

export function clampMinutes(m: number): number {
  return Math.max(days(MIN_DAYS), Math.min(days(MAX_DAYS), Math.round(m)));
}

/** common plan fields: 4-decimal charges, 2-decimal balance, moderate demand noise */
export function common(rng: Rng, tz: string, start: number): {
  tz: string;
  start: number;
  decimals: number;
  shownDecimals: number;
  dayNoise: number;
  hourNoise: number;
} {
  return { tz, start, decimals: 4, shownDecimals: 2, dayNoise: rng.uniform(0.06, 0.18), hourNoise: rng.uniform(0.08, 0.28) };
}

// ---------------------------------------------------------------- price catalogue (USD, 2025-ish list prices)

export const SMS_US: PriceModel = { type: 'sms', perSegment: 0.0083, segWeights: [0.78, 0.18, 0.04] };
/** marketing copy with a link: mostly 2 segments, carrier pass-through fee folded in */
export const SMS_US_MKT: PriceModel = { type: 'sms', perSegment: 0.0113, segWeights: [0.3, 0.6, 0.1] };
export const VERIFY: PriceModel = { type: 'flat', price: 0.05 };
export const VOICE_US_OUT: PriceModel = { type: 'voice', perMin: 0.014, medianSec: 75, sigma: 1.0, firstInc: 60, inc: 60, answer: 0.7 };
export const VOICE_US_IN: PriceModel = { type: 'voice', perMin: 0.0085, medianSec: 110, sigma: 0.9, firstInc: 60, inc: 60, answer: 0.95 };
/** WhatsApp: utility / marketing / authentication conversation fees */
export const WA_CONV: PriceModel = { type: 'pick', prices: [0.0147, 0.0252, 0.0135], weights: [0.5, 0.2, 0.3] };
export const WA_MSG_FEE: PriceModel = { type: 'flat', price: 0.005 };

export function smsPrice(perSegment: number): PriceModel {
  return { type: 'sms', perSegment, segWeights: [0.85, 0.13, 0.02] };
}

// ---------------------------------------------------------------- observation presets

export function obsClean(): ObsSpec {
  return { jitterSec: 0, skipProb: 0, refreshEvery: 1 };
}

export function obsJitter(rng: Rng, maxJitter = 8, maxSkip = 0.02): ObsSpec {
  return { jitterSec: rng.int(1, maxJitter), skipProb: rng.uniform(0, maxSkip), refreshEvery: 1 };
}

/** a 1-12 h poller outage starting inside [lo, hi) */
export function outage(rng: Rng, lo: number, hi: number): { from: number; len: number } {
  return { from: Math.round(rng.uniform(lo, Math.max(lo + 1, hi))), len: rng.int(60, 720) };
}

// ---------------------------------------------------------------- balance sizing

/** balance at `from` that the expected spend empties in the middle of minute `target` */
export function sizeTo(c: Curve, from: number, target: number): number {
  return c.spend(from, target) + 0.5 * (c.traffic[target] ?? 0);
}

/** history end after an intended depletion: >= 36 h and enough expected spend to absorb noise */
export function endAfter(c: Curve, reset: number, target: number, extraHours: number): number {
  const need = 0.35 * c.spend(reset, target);
  let m = target + 36 * 60;
  while (c.spend(target, m) < need && m < days(MAX_DAYS)) m += 60;
  return clampMinutes(m + extraHours * 60);
}

/** a never-dry wallet: expected history spend plus a runway of `runwayDays` at the post-history rate */
export function healthy(c: Curve, minutes: number, runwayDays: number): number {
  const used = c.spend(0, minutes);
  return used + Math.max(runwayDays * c.dailyAfter(minutes), 0.25 * used);
}

export function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

/** first minute >= from whose local time passes `ok` (scans up to 10 days) */
export function nextLocal(clock: (m: number) => LocalTime, from: number, ok: (lt: LocalTime) => boolean): number {
  const m0 = Math.round(from);
  for (let m = m0; m < m0 + days(10); m++) if (ok(clock(m))) return m;
  return m0;
}

/**
 * Manual top-ups after running dry: the k-th depletion is topped up once the wallet has been empty for
 * delays[k] minutes and the local time is acceptable (somebody has to notice and pay).
 */
export function dryTopups(opts: {
  delays: readonly number[];
  amount: (k: number, m: number, c: Curve) => number;
  hours?: readonly [number, number];
  weekdaysOnly?: boolean;
}): (s: SimState, c: Curve) => number {
  let done = 0;
  return (s, c) => {
    if (!s.empty || s.depletions <= done) return 0;
    const k = s.depletions - 1;
    if (s.dryFor < (opts.delays[k] ?? opts.delays[opts.delays.length - 1] ?? 0)) return 0;
    if (opts.hours !== undefined && (s.lt.hour < opts.hours[0] || s.lt.hour >= opts.hours[1])) return 0;
    if (opts.weekdaysOnly === true && (s.lt.dow === 0 || s.lt.dow === 6)) return 0;
    done = s.depletions;
    return opts.amount(k, s.m, c);
  };
}

/** a generous top-up: covers the rest of the history and `runwayDays` beyond, rounded up to a round amount */
export function generous(c: Curve, m: number, end: number, runwayDays: number): number {
  const need = c.spend(m, Math.max(m, end)) + runwayDays * c.dailyAfter(Math.max(m, end));
  return roundUp(need * 1.15, need > 2000 ? 500 : need > 200 ? 50 : 10);
}
