// Time-of-day / day-of-week usage shapes, each normalised to a weekly mean of 1 so a kind's `level` is its
// average spend per hour.
import { DAY, HOUR, MINUTE } from './sim.js';

export type Shape = (t: number) => number;

/** local hour (fractional) and weekday (0 = Sunday) at UTC offset `tz` hours */
export function localTime(t: number, tz: number): { hour: number; weekday: number; day: number } {
  const local = t + tz * HOUR;
  const day = Math.floor(local / DAY);
  return { hour: (local - day * DAY) / HOUR, weekday: (((day + 4) % 7) + 7) % 7, day };
}

export const flat: Shape = () => 1;

/** B2B: weekdays 08–18 local with a lunch dip; nights and weekends nearly silent; holidays like Sundays. */
export function businessHours(tz: number, holidays: readonly number[] = []): Shape {
  return (t) => {
    const { hour, weekday, day } = localTime(t, tz);
    if (weekday === 0 || weekday === 6 || holidays.includes(day)) return 0.02;
    if (hour < 7.5 || hour >= 18.5) return 0.03;
    if (hour < 9) return 0.5;
    if (hour >= 12 && hour < 13) return 0.7;
    if (hour >= 17) return 0.6;
    return 1;
  };
}

/** B2C: quiet nights, a daytime plateau, an evening peak, weekends heavier. */
export function consumerEvenings(tz: number): Shape {
  return (t) => {
    const { hour, weekday } = localTime(t, tz);
    const weekend = weekday === 0 || weekday === 6 ? 1.6 : 1;
    if (hour < 7) return 0.08 * weekend;
    if (hour < 18) return 0.5 * weekend;
    if (hour < 23) return 1.8 * weekend;
    return 0.4 * weekend;
  };
}

/** a smooth daily wave (API traffic that follows its users loosely) */
export function sineDaily(tz: number, depth: number): Shape {
  return (t) => 1 + depth * Math.sin(((localTime(t, tz).hour - 9) / 24) * 2 * Math.PI);
}

export function sum(...shapes: Shape[]): Shape {
  return (t) => shapes.reduce((s, f) => s + f(t), 0);
}

/** scale `shape` to a mean of 1 over one week starting at `from` */
export function normalised(shape: Shape, from: number): Shape {
  let s = 0;
  let n = 0;
  for (let t = from; t < from + 7 * DAY; t += 5 * MINUTE) {
    s += shape(t);
    n++;
  }
  const k = n / s;
  return (t) => shape(t) * k;
}

/** extra multipliers for [from, to) windows: spikes, campaigns, switch-offs */
export function withWindows(shape: Shape, windows: ReadonlyArray<{ from: number; to: number; factor: number }>): Shape {
  return (t) => {
    let f = shape(t);
    for (const w of windows) if (t >= w.from && t < w.to) f *= w.factor;
    return f;
  };
}
