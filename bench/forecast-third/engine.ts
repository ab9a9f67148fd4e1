// Minute-resolution wallet simulator for the third corpus: traffic streams charge a true balance,
// a human (or an auto-recharge rule) tops it up, and a poller reads it through an imperfect endpoint.
// Randomness comes only from prng.ts; no Math.random.

import { hashSeed, makeRng, type Rng } from '../forecast-blackbox/prng.js';

export const DAY = 1440; // minutes
/** The expected-spend curve runs this far past the end of a history, so top-ups can be sized. */
export const HORIZON = 12 * DAY;

/** Price of one billable event (a call, an SMS, a request), with mean and sd measured once. */
export interface PriceModel { sample: (rng: Rng) => number; mean: number; sd: number }

export function priceModel(label: string, sample: (rng: Rng) => number, n = 20000): PriceModel {
  const rng = makeRng(hashSeed(`price:${label}`));
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = sample(rng);
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  return { sample, mean, sd: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

export const flatPrice = (p: number): PriceModel => ({ sample: () => p, mean: p, sd: 0 });

/** One product's traffic: expected events per minute (minutes + HORIZON long) and its noise. */
export interface Stream {
  rate: Float64Array;
  price: PriceModel;
  /** stationary log-sd of a slow AR(1) multiplicative wobble, and its correlation time in minutes */
  wobble: number;
  wobbleMin: number;
  /** log-sd of a per-local-day traffic factor (mean 1); dayCap clamps it to [1/cap, cap] */
  daySd: number;
  dayCap?: number;
}

export type EventKind = 'charge' | 'refund' | 'topup';
export interface Scheduled { m: number; kind: EventKind; amount: number | ((balance: number) => number) }
export interface Refill { delayMin: number; amount: number }

export interface Obs {
  /** seconds between polls, inclusive integer range */
  gap: [number, number];
  /** probability that a poll yields no row */
  skip: number;
  /** daemon-down windows (no rows), never in the first calmFirstMin minutes nor around a depletion */
  outages: number;
  outageHours: [number, number];
  calmFirstMin: number;
  /** the provider refreshes the balance every everyMin minutes (1 = live), and shows it lagMin late */
  everyMin: number;
  lagMin: number;
  decimals: number;
}

export interface Plan {
  start: number; // unix seconds, integer
  minutes: number;
  tzMin: number;
  streams: Stream[];
  scheduled: Scheduled[];
  balance0: number;
  /** when the wallet hits 0: how long until a human tops it up, and by how much (null: never) */
  refill?: (m: number, nth: number, rng: Rng) => Refill | null;
  /** auto-recharge: when the balance drops below `below`, add `add(balance)` after a short delay */
  auto?: { below: number; add: (balance: number) => number; delayMin: [number, number] };
  obs: Obs;
  /** numbers worth printing in the summary (e.g. the intended runway in hours) */
  meta: Record<string, number>;
}

/** Local-time helpers for a fixed UTC offset (no DST inside a two-week window). */
export class Clock {
  readonly total: number;
  constructor(readonly start: number, readonly tzMin: number, readonly minutes: number) {
    this.total = minutes + HORIZON;
  }
  localSec(m: number): number { return this.start + m * 60 + this.tzMin * 60; }
  minOfDay(m: number): number { return ((Math.floor(this.localSec(m) / 60) % DAY) + DAY) % DAY; }
  hour(m: number): number { return this.minOfDay(m) / 60; }
  /** 0 = Sunday */
  weekday(m: number): number { return (Math.floor(this.localSec(m) / 86400) + 4) % 7; }
  epochDay(m: number): number { return Math.floor(this.localSec(m) / 86400); }
  localDay(m: number): number { return this.epochDay(m) - this.epochDay(0); }
  /** first minute >= from whose local time is hour:00 */
  nextLocal(from: number, hour: number): number {
    const d = (hour * 60 - this.minOfDay(from) + 2 * DAY) % DAY;
    return from + d;
  }
}

/** A 24-value hourly profile, linearly interpolated between hour centres. */
export function profileAt(p: readonly number[], minOfDay: number): number {
  const x = minOfDay / 60 - 0.5;
  const i = Math.floor(x);
  const f = x - i;
  const a = p[(i + 24) % 24]!;
  const b = p[(i + 1) % 24]!;
  return a + (b - a) * f;
}

export interface ShapeOpts {
  /** profile exponent: > 1 sharper peaks, < 1 flatter */
  sharp?: number;
  /** local dates (epoch days) that behave like a Sunday */
  holidays?: number[];
  trend?: (m: number) => number;
}

/** Expected events per minute whose average over a plain week is perMin. */
export function shape(c: Clock, perMin: number, diurnal: readonly number[], weekly: readonly number[], o: ShapeOpts = {}): Float64Array {
  const k = o.sharp ?? 1;
  let norm = 0;
  for (let wd = 0; wd < 7; wd++) for (let x = 0; x < DAY; x += 5) norm += Math.pow(profileAt(diurnal, x), k) * weekly[wd]!;
  norm /= 7 * (DAY / 5);
  const hol = new Set(o.holidays ?? []);
  const out = new Float64Array(c.total);
  for (let m = 0; m < c.total; m++) {
    const w = hol.has(c.epochDay(m)) ? weekly[0]! : weekly[c.weekday(m)]!;
    out[m] = (perMin * Math.pow(profileAt(diurnal, c.minOfDay(m)), k) * w * (o.trend ? o.trend(m) : 1)) / norm;
  }
  return out;
}

/** Add `perMin` extra expected events per minute over [from, from + len). */
export function addBlock(rate: Float64Array, from: number, len: number, perMin: number): void {
  for (let m = Math.max(0, Math.round(from)); m < Math.min(rate.length, Math.round(from + len)); m++) rate[m] = rate[m]! + perMin;
}

/** Cumulative expected spend: cum[m] = expected credits charged in minutes [0, m). */
export function expectedCum(c: Clock, streams: Stream[], scheduled: Scheduled[] = []): Float64Array {
  const cum = new Float64Array(c.total + 1);
  const fixed = new Float64Array(c.total);
  for (const s of scheduled) if (s.kind === 'charge' && typeof s.amount === 'number' && s.m < c.total) fixed[s.m] = fixed[s.m]! + s.amount;
  for (let m = 0; m < c.total; m++) {
    let e = fixed[m]!;
    for (const s of streams) e += s.rate[m]! * s.price.mean;
    cum[m + 1] = cum[m]! + e;
  }
  return cum;
}

export const spendBetween = (cum: Float64Array, a: number, b: number): number =>
  cum[Math.min(cum.length - 1, Math.round(b))]! - cum[Math.min(cum.length - 1, Math.round(a))]!;

/** Round a top-up up to two significant digits, the way people type amounts. */
export function nice(x: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(x, 1e-9))) - 1);
  return Math.ceil(x / p) * p;
}

function chargeFor(n: number, price: PriceModel, rng: Rng): number {
  if (n <= 0) return 0;
  if (n <= 40 || price.sd === 0) {
    if (price.sd === 0) return n * price.mean;
    let s = 0;
    for (let i = 0; i < n; i++) s += price.sample(rng);
    return s;
  }
  return Math.max(0, n * price.mean + Math.sqrt(n) * price.sd * rng.normal());
}

export interface Truth { bal: Float64Array; depletions: number[]; refills: number[] }

/** Run the true balance minute by minute for plan.minutes + extra minutes (extra <= HORIZON). */
export function simulate(plan: Plan, clock: Clock, rng: Rng, extra = 0): Truth {
  const n = plan.minutes + extra;
  const bal = new Float64Array(n);
  const depletions: number[] = [];
  const refills: number[] = [];
  const days = Math.ceil((14 * DAY + HORIZON) / DAY) + 2; // fixed, so a longer run repeats the shorter one
  const dayF = plan.streams.map((s) =>
    Array.from({ length: days }, () => {
      const f = Math.exp(s.daySd * rng.normal() - (s.daySd * s.daySd) / 2);
      return s.dayCap ? Math.min(s.dayCap, Math.max(1 / s.dayCap, f)) : f;
    }),
  );
  const wob = plan.streams.map(() => 0);
  const sched = [...plan.scheduled].sort((a, b) => a.m - b.m);
  let si = 0;
  let b = plan.balance0;
  let empty = false;
  let refillAt = -1;
  let refillAmt = 0;
  let autoAt = -1;
  const emptied = (m: number): void => {
    b = 0;
    empty = true;
    depletions.push(m);
    const r = plan.refill?.(m, depletions.length - 1, rng);
    if (r) {
      refillAt = m + Math.max(1, Math.round(r.delayMin));
      refillAmt = r.amount;
    }
  };
  for (let m = 0; m < n; m++) {
    while (si < sched.length && sched[si]!.m <= m) {
      const ev = sched[si++]!;
      const amt = typeof ev.amount === 'number' ? ev.amount : ev.amount(b);
      if (ev.kind === 'charge') {
        if (!empty && amt >= b) emptied(m);
        else if (!empty) b -= amt;
      } else if (ev.kind === 'refund') {
        if (!empty && b > 20 * amt) b += amt;
      } else {
        b += amt;
        if (empty) refills.push(m);
        empty = false;
        refillAt = -1;
      }
    }
    if (m === refillAt) {
      b += refillAmt;
      empty = false;
      refillAt = -1;
      refills.push(m);
    }
    if (m === autoAt && plan.auto) {
      b += plan.auto.add(b);
      if (empty) refills.push(m);
      empty = false;
      autoAt = -1;
    }
    let cost = 0;
    const day = clock.localDay(m);
    for (let i = 0; i < plan.streams.length; i++) {
      const s = plan.streams[i]!;
      const phi = Math.exp(-1 / s.wobbleMin);
      wob[i] = phi * wob[i]! + Math.sqrt(1 - phi * phi) * s.wobble * rng.normal();
      if (empty) continue;
      const lambda = s.rate[m]! * dayF[i]![day]! * Math.exp(wob[i]! - (s.wobble * s.wobble) / 2);
      cost += chargeFor(rng.poisson(lambda), s.price, rng);
    }
    if (!empty && cost > 0 && cost >= b) emptied(m);
    else if (!empty) b -= cost;
    if (plan.auto && autoAt < 0 && b < plan.auto.below) autoAt = m + rng.int(plan.auto.delayMin[0], plan.auto.delayMin[1]);
    bal[m] = b;
  }
  return { bal, depletions, refills };
}

export interface Reading { t: number; b: number }

/** What the poller records: jittered polls, skipped polls, daemon outages, a stale/lagging endpoint, rounding. */
export function observe(plan: Plan, truth: Truth, rng: Rng): Reading[] {
  const o = plan.obs;
  const forbidden: [number, number][] = [[0, o.calmFirstMin]];
  truth.depletions.forEach((d) => {
    const r = truth.refills.find((x) => x > d) ?? plan.minutes;
    forbidden.push([d - 360, r + 60]);
  });
  const outages: [number, number][] = [];
  for (let k = 0; k < o.outages; k++) {
    const len = Math.round(rng.uniform(o.outageHours[0], o.outageHours[1]) * 60);
    for (let tries = 0; tries < 30; tries++) {
      const a = rng.int(0, Math.max(0, plan.minutes - len - 60));
      const hit = [...forbidden, ...outages].some(([x, y]) => a < y && a + len > x);
      if (!hit) {
        outages.push([a, a + len]);
        break;
      }
    }
  }
  const phase = rng.int(0, o.everyMin - 1);
  const scale = Math.pow(10, o.decimals);
  const rows: Reading[] = [];
  const end = plan.start + plan.minutes * 60;
  for (let t = plan.start; t < end; t += rng.int(o.gap[0], o.gap[1])) {
    const e = (t - plan.start) / 60;
    if (rows.length > 0 && (outages.some(([x, y]) => e >= x && e < y) || rng.next() < o.skip)) continue;
    let v = e - o.lagMin;
    if (o.everyMin > 1) v = phase + Math.floor((v - phase) / o.everyMin) * o.everyMin;
    const idx = Math.floor(v) - 1;
    const b = idx < 0 ? plan.balance0 : truth.bal[Math.min(idx, truth.bal.length - 1)]!;
    rows.push({ t, b: Math.max(0, Math.round(b * scale) / scale) });
  }
  return rows;
}
