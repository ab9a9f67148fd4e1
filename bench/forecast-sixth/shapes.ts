// Demand shapes: diurnal/weekly profiles in a local time zone, and multi-day trends.

import type { Clock } from './time.js';

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Cyclic linear interpolation in a 24-entry table indexed by local hour. */
export function interp24(table: readonly number[], h: number): number {
  const i = Math.floor(h) % 24;
  const f = h - Math.floor(h);
  const a = table[i] ?? 0;
  const b = table[(i + 1) % 24] ?? 0;
  return a + (b - a) * f;
}

export interface BusinessOpts {
  open: number;
  close: number;
  /** level on Saturday/Sunday relative to weekday peak */
  weekend: number;
  /** level outside opening hours on weekdays */
  night: number;
}

/** Weekday office hours with soft edges and a lunch dip. */
export function business(c: Clock, m: number, o: BusinessOpts): number {
  const h = c.hour[m] ?? 0;
  const wd = c.weekday[m] ?? 0;
  const up = clamp01((h - (o.open - 0.5)) / 1.5);
  const down = clamp01((o.close + 0.5 - h) / 1.5);
  let v = Math.min(up, down);
  if (h >= 12 && h < 13.5) v *= 0.78;
  if (wd === 0 || wd === 6) return o.weekend * v + o.night * 0.5;
  return o.night + (1 - o.night) * v;
}

// Consumer traffic: low overnight, rising through the day, evening peak; weekends later and higher.
const CONSUMER_WEEKDAY = [0.32, 0.2, 0.12, 0.08, 0.07, 0.09, 0.18, 0.33, 0.45, 0.5, 0.52, 0.55,
  0.6, 0.58, 0.55, 0.56, 0.62, 0.74, 0.9, 1.0, 1.0, 0.92, 0.72, 0.5];
const CONSUMER_WEEKEND = [0.45, 0.32, 0.2, 0.12, 0.09, 0.08, 0.1, 0.16, 0.3, 0.52, 0.7, 0.82,
  0.9, 0.92, 0.92, 0.9, 0.92, 0.98, 1.08, 1.15, 1.15, 1.05, 0.85, 0.62];

export function consumer(c: Clock, m: number, weekendLift = 1.3): number {
  const h = c.hour[m] ?? 0;
  const wd = c.weekday[m] ?? 0;
  const weekend = wd === 0 || wd === 6 || (wd === 5 && h >= 18);
  return weekend ? weekendLift * interp24(CONSUMER_WEEKEND, h) : interp24(CONSUMER_WEEKDAY, h);
}

/** Machine-to-machine or global traffic: mild diurnal wave around 1, peak at `peakHour`. */
export function alwaysOn(c: Clock, m: number, amp: number, peakHour = 14): number {
  const h = c.hour[m] ?? 0;
  return 1 + amp * Math.cos((2 * Math.PI * (h - peakHour)) / 24);
}

/** Smooth 0 -> 1 transition centred on `at` days, `width` days wide. */
export function sigmoid(days: number, at: number, width: number): number {
  return 1 / (1 + Math.exp(-(days - at) / Math.max(width, 1e-3)));
}

/** Level 1 before `at`, `factor` after, with a smooth change. */
export function step(days: number, at: number, factor: number, width: number): number {
  return 1 + (factor - 1) * sigmoid(days, at, width);
}

/** Saturating ramp starting at `t0` days with time constant `tau` days. */
export function ramp(days: number, t0: number, tau: number): number {
  return days <= t0 ? 0 : 1 - Math.exp(-(days - t0) / tau);
}

export const days = (m: number): number => m / 1440;
