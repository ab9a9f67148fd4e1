/**
 * The tuning kinds: the six kinds of history issue 9 names, then what real prepaid wallets show. Each
 * kind draws its magnitudes from the seed: the starting balance (log-uniform 50…100 000 credits), the
 * timing (when it runs out, where the spike falls) and the unit charge (0.05…20 billable events a minute),
 * so every seed is a different wallet of the same shape.
 */
import { dayAt, dayOf, DAY_MS, expectedSpend, fmt, generate, HOUR_MS, hourOfWeek, unitFor, type Kind, type Spec } from './corpus.js';
import type { Noise } from './noise.js';

/** A wallet of this shape (relative rate per hour), sized so the expected spend reaches `balance` at `emptyAt`. */
export function sizedToEmpty(shape: (t: number) => number, balance: number, emptyAt: number, t0: number): (t: number) => number {
  const k = balance / expectedSpend(shape, t0, emptyAt);
  return (t) => k * shape(t);
}

export const balanceOf = (n: Noise): number => n.logBetween(50, 100_000);
export const eventsPerMinute = (n: Noise): number => n.logBetween(0.05, 20);

/** Mean rate over the first week, for the unit charge and the description. */
export function meanRate(rate: (t: number) => number, t0: number): number {
  return expectedSpend(rate, t0, t0 + 7 * DAY_MS) / (7 * 24);
}

/** A 14-day wallet spending `rate` from `start`, its unit charge sized for the seed's billable events a minute. */
export function twoWeeks(n: Noise, t0: number, description: string, start: number, rate: (t: number) => number): Spec {
  return { description, days: 14, start, rate, unit: unitFor(meanRate(rate, t0), eventsPerMinute(n)) };
}

export function kind(name: string, description: string, make: (n: Noise, t0: number) => Spec, check?: Kind['check']): Kind {
  return {
    name,
    part: 'tuning',
    description,
    ...(check ? { check } : {}),
    build: (n, t0) => {
      const spec = make(n, t0);
      const rows = generate(spec, n, t0);
      if (spec.rateIsDrawn) return { rows, description: spec.description };
      const { rate, charge, unit, eventSize, hourSigma = 0.25 } = spec;
      return { rows, description: spec.description, expected: { rate, ...(charge ? { charge } : {}), unit, ...(eventSize ? { eventSize } : {}), hourSigma } };
    },
  };
}

export const flat = (): number => 1;
export const weekday = (t: number): boolean => Math.floor(hourOfWeek(t) / 24) < 5;
export const hourOfDay = (t: number): number => hourOfWeek(t) % 24;
/** Office hours: 08–18 by the hour of day of `t` (UTC; pass a local time for a local business). */
const officeHours = (t: number): boolean => hourOfDay(t) >= 8 && hourOfDay(t) < 18;
/** A business's relative rate: 1 in office hours, `night` outside them, half that on a day it is `closed`. */
export const businessDay =
  (night: number, closed: (t: number) => boolean, clock: (t: number) => number = (t) => t) =>
  (t: number): number =>
    closed(t) ? night / 2 : officeHours(clock(t)) ? 1 : night;

/** The six kinds issue 9 names, and growth that bends or stops next to its straight-line growth (round 8). */
export const ISSUE_KINDS: readonly Kind[] = [
  kind('new_install', 'a brand-new install on a healthy wallet: 96–150 h of runway, Poisson-noisy spend from minute 0', (n) => {
    const start = balanceOf(n);
    const runwayH = n.between(96, 150);
    const r = start / runwayH;
    return {
      description: `${fmt(start)} credits at ${fmt(r)}/h (${runwayH.toFixed(0)} h of runway), new install`,
      days: 7,
      start,
      rate: () => r,
      unit: unitFor(r, eventsPerMinute(n)),
    };
  }, 'quiet-first-24h'),

  kind('slow_spiky', 'a slow wallet (25–35 days of runway) with a one-hour 10× spike every other day', (n, t0) => {
    const start = balanceOf(n);
    const runwayD = n.between(25, 35);
    const r = start / (runwayD * 24);
    const spikes = Array.from({ length: 7 }, (_, i) => dayAt(t0, 2 * i + 1, n.int(0, 23)));
    const rate = (t: number) => (spikes.some((s) => t > s && t <= s + HOUR_MS) ? 10 * r : r);
    return { description: `${fmt(start)} credits at ${fmt(r)}/h (${runwayD.toFixed(0)} days), 1 h at 10× on days 1, 3, 5…`, days: 14, start, rate, unit: unitFor(r, eventsPerMinute(n)) };
  }),

  kind('growing_usage', 'usage grows steadily 5 → 45 (relative) over two weeks and runs out on day 10–13', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(10, 13) * DAY_MS;
    const rate = sizedToEmpty((t) => 5 + (40 * (t - t0)) / (14 * DAY_MS), start, emptyAt, t0);
    return twoWeeks(n, t0, `${fmt(start)} credits, ${fmt(rate(t0))}/h growing to ${fmt(rate(t0 + 14 * DAY_MS))}/h, empty on day ~${dayOf(t0, emptyAt)}`, start, rate);
  }),

  kind('curved_growth', 'usage that grows but not in a straight line: like √t, like log t, by 8–15 % a day, or rising for 6–9 days and then flat; runs out on day 8–13', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(8, 13) * DAY_MS;
    const days = (t: number) => Math.max(0, (t - t0) / DAY_MS);
    const growth = n.between(1.08, 1.15);
    const stopAt = n.between(6, 9);
    const shapes = [
      { what: 'like √t', f: (t: number) => 1 + 2 * Math.sqrt(days(t)) },
      { what: 'like log t', f: (t: number) => 1 + 3 * Math.log1p(days(t)) },
      { what: `by ${((growth - 1) * 100).toFixed(0)} % a day`, f: (t: number) => growth ** days(t) },
      { what: `rising for ${stopAt.toFixed(1)} days, then flat`, f: (t: number) => 1 + 0.5 * Math.min(days(t), stopAt) },
    ];
    const shape = n.pick(shapes);
    const rate = sizedToEmpty(shape.f, start, emptyAt, t0);
    return twoWeeks(n, t0, `${fmt(start)} credits, ${fmt(rate(t0))}/h growing ${shape.what}, empty on day ~${dayOf(t0, emptyAt)}`, start, rate);
  }),

  kind('growth_weekly', 'growing usage on a weekly pattern (a business: weekdays 08–18, quiet nights and weekends; or consumers: evenings, busier weekends), rising linearly to 3–6× or by 6–12 % a day; runs out on day 9–13', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(9, 13) * DAY_MS;
    const days = (t: number) => Math.max(0, (t - t0) / DAY_MS);
    const night = n.between(0.02, 0.08);
    const weeks = [
      { what: 'a business', f: (t: number) => (weekday(t) && officeHours(t) ? 1 : night) },
      { what: 'consumers', f: (t: number) => (weekday(t) ? 1 : 2) * (hourOfDay(t) >= 18 ? 2.5 : hourOfDay(t) < 7 ? 0.2 : 1) },
    ];
    const to = n.between(3, 6);
    const daily = n.between(1.06, 1.12);
    const growths = [
      { what: `rising linearly to ${to.toFixed(1)}× over 14 days`, f: (t: number) => 1 + ((to - 1) * days(t)) / 14 },
      { what: `rising ${((daily - 1) * 100).toFixed(0)} % a day`, f: (t: number) => daily ** days(t) },
    ];
    const week = n.pick(weeks);
    const growth = n.pick(growths);
    const rate = sizedToEmpty((t) => week.f(t) * growth.f(t), start, emptyAt, t0);
    return twoWeeks(n, t0, `${fmt(start)} credits, ${week.what}'s week, ${growth.what}, empty on day ~${dayOf(t0, emptyAt)}`, start, rate);
  }),

  kind('steady_depletes', 'an accurate steady burn that runs out on day 4–9', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(4, 9) * DAY_MS;
    const rate = sizedToEmpty(flat, start, emptyAt, t0);
    return {
      description: `${fmt(start)} credits at ${fmt(rate(t0))}/h, empty on day ~${dayOf(t0, emptyAt)}`,
      days: 10,
      start,
      rate,
      unit: unitFor(rate(t0), eventsPerMinute(n)),
      hourSigma: 0.1,
    };
  }),

  kind('business_hours', 'a weekday-only business, 08–18 UTC, quiet nights and weekends, runs out on day 8–12', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(8.3, 12.5) * DAY_MS;
    const night = n.between(0.01, 0.05);
    const shape = businessDay(night, (t) => !weekday(t));
    const rate = sizedToEmpty(shape, start, emptyAt, t0);
    const peak = rate(dayAt(t0, 0, 12));
    return {
      description: `${fmt(start)} credits, ${fmt(peak)}/h Mon–Fri 08–18, ${fmt(peak * night)}/h nights, empty on day ~${dayOf(t0, emptyAt)}`,
      days: 14,
      start,
      rate,
      unit: unitFor(peak, eventsPerMinute(n)),
    };
  }),

  kind('business_holidays', 'a weekday business in a local time zone (UTC −6 to +9), 08–18 local, quiet nights and weekends, with one or two public holidays on weekdays (as quiet as a Sunday); runs out on day 7–12', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(7, 12) * DAY_MS;
    const night = n.between(0.01, 0.05);
    const offset = n.int(-6, 9) * HOUR_MS;
    const local = (t: number) => t + offset;
    const holidays = [n.int(1, 4), n.int(7, 11)].slice(0, n.int(1, 2)).map((d) => d + (Math.floor(hourOfWeek(dayAt(t0, d)) / 24) >= 5 ? 2 : 0));
    const off = (t: number) => !weekday(local(t)) || holidays.includes(Math.floor((local(t) - t0) / DAY_MS));
    const shape = businessDay(night, off, local);
    const rate = sizedToEmpty(shape, start, emptyAt, t0);
    const peak = Math.max(...[0, 1, 2, 3, 4].map((d) => rate(dayAt(t0, d, 12) - offset)));
    return {
      description: `${fmt(start)} credits, ${fmt(peak)}/h Mon–Fri 08–18 at UTC${offset >= 0 ? '+' : ''}${offset / HOUR_MS}, holidays on day ${holidays.join(' and ')}, empty on day ~${dayOf(t0, emptyAt)}`,
      days: 14,
      start,
      rate,
      unit: unitFor(peak, eventsPerMinute(n)),
    };
  }),

  kind('campaign_10x', 'a one-day marketing campaign at 10× on day 3–5; runs out a few days later', (n, t0) => {
    const start = balanceOf(n);
    const from = dayAt(t0, n.int(3, 5), n.int(0, 23));
    const shape = (t: number) => (t > from && t <= from + DAY_MS ? 10 : 1);
    const emptyAt = from + DAY_MS + n.between(2, 5) * DAY_MS;
    const rate = sizedToEmpty(shape, start, emptyAt, t0);
    return {
      description: `${fmt(start)} credits at ${fmt(rate(t0))}/h, 10× for 24 h from day ${dayOf(t0, from)}, empty on day ~${dayOf(t0, emptyAt)}`,
      days: 11,
      start,
      rate,
      unit: unitFor(rate(t0), eventsPerMinute(n)),
    };
  }),
];
