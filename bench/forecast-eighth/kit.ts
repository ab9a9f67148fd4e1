// Calendar + profile helpers for the eighth corpus. Local time comes from the built-in Intl time-zone
// data (so DST transitions are the real 2026 ones); every per-minute array spans history + 4 days.
import type { Rng } from '../forecast-blackbox/prng.js';

export const DAY = 1440;
export const HORIZON = 4 * DAY;
export const Y2026 = Date.UTC(2026, 0, 1) / 1000;
export const Y2027 = Date.UTC(2027, 0, 1) / 1000;

const fmts = new Map<string, Intl.DateTimeFormat>();
/** UTC offset of `zone` at unix second `t`, in minutes. */
export function tzOffsetMin(zone: string, t: number): number {
  if (zone === 'UTC') return 0;
  let f = fmts.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    fmts.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(t * 1000))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!) / 1000;
  return Math.round((asUtc - t) / 60);
}

/** Per-minute local calendar for minutes [0, len) after `start`. */
export interface Clock {
  zone: string; start: number; len: number;
  off: Int16Array;      // UTC offset (minutes)
  lmin: Int16Array;     // local minute of day 0..1439
  dow: Int8Array;       // local weekday, 0 = Sunday
  lday: Int32Array;     // local days since 1970-01-01
}

export function makeClock(zone: string, start: number, len: number): Clock {
  const off = new Int16Array(len);
  const o0 = tzOffsetMin(zone, start);
  off.fill(o0);
  // at most one DST transition fits in 18 days: find it by bisection on minutes
  const oEnd = tzOffsetMin(zone, start + 60 * (len - 1));
  if (oEnd !== o0) {
    let lo = 0, hi = len - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (tzOffsetMin(zone, start + 60 * mid) === o0) lo = mid; else hi = mid;
    }
    off.fill(oEnd, hi);
  }
  const lmin = new Int16Array(len), dow = new Int8Array(len), lday = new Int32Array(len);
  const s0 = Math.floor(start / 60);
  for (let m = 0; m < len; m++) {
    const lm = s0 + m + off[m]!;
    const d = Math.floor(lm / DAY);
    lday[m] = d;
    lmin[m] = lm - d * DAY;
    dow[m] = (((d + 4) % 7) + 7) % 7;
  }
  return { zone, start, len, off, lmin, dow, lday };
}

/** Calendar date of a local day index. */
export function ymd(lday: number): { y: number; mo: number; d: number } {
  const dt = new Date(lday * 86400000);
  return { y: dt.getUTCFullYear(), mo: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
}

/** Minute index (relative to clock start) of local wall time day/hh:mm, or -1 if outside. */
export function localMinute(c: Clock, lday: number, hh: number, mm: number): number {
  const want = hh * 60 + mm;
  for (let m = 0; m < c.len; m++) if (c.lday[m] === lday && c.lmin[m]! >= want) return m;
  return -1;
}

/** Diurnal weight per local minute from 24 hour-centred weights (linear interpolation), mean 1. */
export function diurnal(w: readonly number[]): Float64Array {
  const out = new Float64Array(DAY);
  let sum = 0;
  for (let i = 0; i < DAY; i++) {
    const h = i / 60 - 0.5;
    const a = Math.floor(h), f = h - a;
    const v = w[((a % 24) + 24) % 24]! * (1 - f) + w[(((a + 1) % 24) + 24) % 24]! * f;
    out[i] = v; sum += v;
  }
  for (let i = 0; i < DAY; i++) out[i] = out[i]! * DAY / sum;
  return out;
}

export function weekly(w: readonly number[]): Float64Array {
  const s = w.reduce((a, b) => a + b, 0);
  return Float64Array.from(w, (x) => (x * 7) / s);
}

export const SHAPES = {
  business: [0.03, 0.02, 0.02, 0.02, 0.03, 0.06, 0.15, 0.4, 0.9, 1.3, 1.4, 1.35, 1.1, 1.2, 1.35, 1.3, 1.15, 0.8, 0.45, 0.3, 0.2, 0.12, 0.07, 0.04],
  consumer: [0.35, 0.2, 0.12, 0.08, 0.07, 0.1, 0.25, 0.55, 0.8, 0.95, 1, 1.05, 1.1, 1.05, 1, 1, 1.05, 1.15, 1.3, 1.5, 1.6, 1.5, 1.1, 0.65],
  otp: [0.3, 0.18, 0.12, 0.1, 0.12, 0.25, 0.6, 1.1, 1.4, 1.4, 1.3, 1.25, 1.3, 1.25, 1.2, 1.2, 1.25, 1.3, 1.3, 1.25, 1.1, 0.9, 0.65, 0.45],
  callcenter: [0, 0, 0, 0, 0, 0, 0, 0, 0.9, 1.4, 1.5, 1.45, 1.1, 1.3, 1.45, 1.4, 1.3, 1.15, 0.9, 0.6, 0, 0, 0, 0],
  nepalOffice: [0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.9, 1.5, 1.6, 1.5, 1.3, 1.5, 1.45, 1.2, 0.6, 0.35, 0.25, 0.15, 0.1, 0.05, 0.03],
  flat: new Array<number>(24).fill(1),
} as const;

export const WEEKS = {
  business: [0.12, 1, 1, 1, 1, 0.95, 0.25],      // Sun..Sat
  consumer: [1.05, 0.95, 0.95, 0.97, 1, 1.08, 1.1],
  sunToFri: [1, 1, 1, 1, 1, 0.85, 0.12],          // Nepal: Saturday is the only day off
  devs: [0.35, 1, 1.05, 1.05, 1, 0.85, 0.4],
  flat: [1, 1, 1, 1, 1, 1, 1],
} as const;

/** base/1440 x diurnal x weekly over the clock, optionally times a structure function of the minute. */
export function patternRate(c: Clock, baseDaily: number, d: readonly number[], w: readonly number[], mult?: (m: number) => number): Float64Array {
  const dd = diurnal(d), ww = weekly(w);
  const out = new Float64Array(c.len);
  for (let m = 0; m < c.len; m++) out[m] = (baseDaily / DAY) * dd[c.lmin[m]!]! * ww[c.dow[m]!]! * (mult ? mult(m) : 1);
  return out;
}

/** A start minute anywhere in 2026 such that [start, start+span) fits in the year. */
export function startIn2026(rng: Rng, lengthMin: number): number {
  const slots = (Y2027 - Y2026) / 60 - lengthMin - 1;
  return Y2026 + 60 * rng.int(0, slots);
}

/** A whole-minute start, clamped into 2026. */
export function wholeMinute(t: number): number {
  return Math.min(Y2027 - 60, Math.max(Y2026, Math.floor(t / 60) * 60));
}

/** Round a money amount to 1–2 significant "nice" steps (what a human types into a top-up form). */
export function nice(x: number): number {
  if (!(x > 0)) return 5;
  const steps = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10];
  const e = Math.pow(10, Math.floor(Math.log10(x)));
  for (const s of steps) if (s * e >= x) return s * e;
  return 10 * e;
}

/** First minute >= m whose local time is a working hour [lo, hi) on an allowed weekday, else -1. */
export function nextWorking(c: Clock, m: number, lo: number, hi: number, days: readonly number[]): number {
  for (let k = Math.max(0, m); k < c.len; k++) {
    const h = c.lmin[k]! / 60;
    if (h >= lo && h < hi && days.includes(c.dow[k]!)) return k;
  }
  return -1;
}
