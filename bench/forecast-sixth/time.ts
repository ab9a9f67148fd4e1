// Local-time bookkeeping for the sixth corpus: per-minute local hour, weekday and day of month.

import type { Rng } from '../forecast-blackbox/prng.js';

/** Minutes of expected spend computed per history: 14 days max history + generous look-ahead. */
export const HORIZON_MIN = 30 * 1440;

const formats = new Map<string, Intl.DateTimeFormat>();

/** UTC offset of `tz` at `unixSec`, in minutes (east positive). */
export function offsetMinutes(tz: string, unixSec: number): number {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
    formats.set(tz, f);
  }
  const part = f.formatToParts(new Date(unixSec * 1000)).find((p) => p.type === 'timeZoneName');
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(part?.value ?? 'GMT');
  if (!match) return 0;
  const sign = match[1] === '-' ? -1 : 1;
  return sign * (Number(match[2]) * 60 + Number(match[3]));
}

export interface Clock {
  tz: string;
  /** unix seconds of minute 0 */
  start: number;
  minutes: number;
  /** local fractional hour of day, 0 <= h < 24 */
  hour: Float32Array;
  /** local weekday, 0 = Sunday */
  weekday: Uint8Array;
  /** local day of month, 1..31 */
  dom: Uint8Array;
  /** local calendar day number (days since 1970-01-01 local) */
  localDay: Int32Array;
}

export function makeClock(tz: string, start: number, minutes = HORIZON_MIN): Clock {
  const hours = Math.ceil(minutes / 60) + 1;
  const offs = new Int32Array(hours);
  for (let h = 0; h < hours; h++) offs[h] = offsetMinutes(tz, start + h * 3600);
  const hour = new Float32Array(minutes);
  const weekday = new Uint8Array(minutes);
  const dom = new Uint8Array(minutes);
  const localDay = new Int32Array(minutes);
  let lastDay = Number.NaN;
  let lastDom = 1;
  for (let m = 0; m < minutes; m++) {
    const local = start + m * 60 + (offs[Math.floor(m / 60)] ?? 0) * 60;
    const day = Math.floor(local / 86400);
    hour[m] = (local - day * 86400) / 3600;
    weekday[m] = (((day + 4) % 7) + 7) % 7;
    if (day !== lastDay) {
      lastDay = day;
      lastDom = new Date(day * 86400000).getUTCDate();
    }
    dom[m] = lastDom;
    localDay[m] = day;
  }
  return { tz, start, minutes, hour, weekday, dom, localDay };
}

/** A minute-aligned start somewhere in 2026 (any weekday, any hour). */
export function randomStart2026(rng: Rng, lastDay = 335): number {
  return Date.UTC(2026, 0, 1) / 1000 + rng.int(0, lastDay) * 86400 + rng.int(0, 1439) * 60;
}

/** Minutes at which the local calendar turns to the 1st of a month (local midnight), within the clock. */
export function monthStarts(c: Clock): number[] {
  const out: number[] = [];
  for (let m = 1; m < c.minutes; m++) {
    if (c.dom[m] === 1 && c.localDay[m] !== c.localDay[m - 1]) out.push(m);
  }
  return out;
}

/** Minutes at which local time first reaches `hourOfDay` on each local day. */
export function dailyAt(c: Clock, hourOfDay: number): number[] {
  const out: number[] = [];
  let seenDay = Number.NaN;
  for (let m = 0; m < c.minutes; m++) {
    const day = c.localDay[m] ?? 0;
    if (day !== seenDay && (c.hour[m] ?? 0) >= hourOfDay) {
      seenDay = day;
      if (m > 0) out.push(m);
    }
  }
  return out;
}
