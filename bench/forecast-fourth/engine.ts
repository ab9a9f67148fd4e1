// Minute-loop wallet simulator: expected rate x Poisson x price, with a wallet that never goes below 0.
import type { Rng } from '../forecast-blackbox/prng.js';
import type { Row } from './corpus.js';

/** Longest history any kind may ask for (14 days) plus one day of slack for target searches. */
export const MAX_MINUTES = 15 * 1440;

export interface Clock {
  m: number; // minute index since the history start
  t: number; // unix seconds of that minute
  d: number; // elapsed days since the start (m / 1440)
  hour: number; // local fractional hour in [0, 24)
  dow: number; // local weekday, 0 = Sunday
  day: number; // local calendar-day index (0 = local date of the start)
  utcDay: number; // days since 1970-01-01 (UTC)
}
export type RateFn = (c: Clock) => number; // expected billable events per minute

/** A voice call: answered calls billed in units of unitSec (60 = per minute, 1 = per second), with a minimum. */
export interface CallStream {
  type: 'call';
  rate: RateFn;
  unitSec: number;
  unitPrice: number;
  minUnits: number;
  medianSec: number;
  sigma: number;
  maxSec: number;
  answered: number;
}
export interface SmsStream { type: 'sms'; rate: RateFn; segPrice: number; segWeights: readonly number[] }
export interface ApiStream { type: 'api'; rate: RateFn; price: number }
export type Stream = CallStream | SmsStream | ApiStream;

export interface SimState {
  readonly m: number;
  readonly clock: Clock;
  readonly balance: number;
  /** minute the wallet became empty, or null while it holds money */
  readonly emptySince: number | null;
  readonly rng: Rng;
  readonly plan: Plan;
  /** expected cumulative spend, cum[m] = expected spend of minutes [0, m) */
  readonly cum: Float64Array;
  credit(amount: number): void;
  /** a fixed charge (e.g. number rental); one that would overdraw empties the wallet */
  debit(amount: number): void;
  /** actual traffic spend of minutes [m0, now) */
  spentSince(m0: number): number;
  /** record an intended depletion minute decided during the run (e.g. after a manual top-up) */
  addTarget(m: number): void;
}
export type Hook = (s: SimState) => void;

export interface Plan {
  start: number;
  minutes: number;
  zone: string;
  clocks: Clock[];
  streams: Stream[];
  dayNoise: number; // log-normal sigma of a per-local-day demand factor
  hourNoise: number; // log-normal sigma of a per-hour demand factor
  decimals: number; // readings rounded to this many decimals
  floorReadings: boolean; // truncate instead of round (whole-credit displays)
  initial: number;
  gaps: Array<[number, number]>; // minutes [from, to) without readings (poller down)
  priceMult: ((c: Clock) => number) | null;
  dailyCapUtc: number | null; // provider-enforced spend cap per UTC day
  hooks: Hook[];
  targets: number[]; // intended depletion minutes
}

// ---------- clocks and time zones ----------

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function offsetMinutes(zone: string, t: number): number {
  let f = fmtCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    });
    fmtCache.set(zone, f);
  }
  const p = new Map(f.formatToParts(new Date(t * 1000)).map((x) => [x.type, Number(x.value)] as const));
  const asUtc = Date.UTC(p.get('year') ?? 1970, (p.get('month') ?? 1) - 1, p.get('day') ?? 1, p.get('hour') ?? 0, p.get('minute') ?? 0);
  return Math.round((asUtc - Math.floor(t / 60) * 60000) / 60000);
}

export function buildClocks(start: number, zone: string): Clock[] {
  const clocks: Clock[] = [];
  let off = 0;
  let day0 = 0;
  for (let m = 0; m < MAX_MINUTES; m++) {
    const t = start + 60 * m;
    if (m % 60 === 0) off = offsetMinutes(zone, t); // DST-aware, refreshed hourly
    const local = t + off * 60;
    const dayNum = Math.floor(local / 86400);
    if (m === 0) day0 = dayNum;
    clocks.push({
      m, t, d: m / 1440,
      hour: (local - dayNum * 86400) / 3600,
      dow: (((dayNum + 4) % 7) + 7) % 7,
      day: dayNum - day0,
      utcDay: Math.floor(t / 86400),
    });
  }
  return clocks;
}

export function clockAt(plan: { clocks: Clock[] }, m: number): Clock {
  const c = plan.clocks[Math.max(0, Math.min(plan.clocks.length - 1, m))];
  if (!c) throw new Error('no clocks');
  return c;
}

// ---------- expected cost per event ----------

function erfc(x: number): number {
  // Numerical Recipes erfcc, fractional error < 1.2e-7
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
function logNormalSf(x: number, median: number, sigma: number): number {
  if (x <= 0) return 1;
  return 0.5 * erfc(Math.log(x / median) / (sigma * Math.SQRT2));
}

const meanCache = new WeakMap<Stream, number>();
/** Expected charge of one event of the stream (before any price multiplier). */
export function meanCost(s: Stream): number {
  const hit = meanCache.get(s);
  if (hit !== undefined) return hit;
  let v: number;
  if (s.type === 'api') v = s.price;
  else if (s.type === 'sms') {
    let w = 0;
    let segs = 0;
    s.segWeights.forEach((x, i) => { w += x; segs += x * (i + 1); });
    v = s.segPrice * (segs / w);
  } else {
    // E[units] = sum_k P(units > k), units = max(minUnits, ceil(min(D, maxSec) / unitSec))
    const kMax = Math.max(Math.ceil(s.maxSec / s.unitSec), s.minUnits);
    let units = 0;
    for (let k = 0; k < kMax; k++) {
      units += k < s.minUnits ? 1 : k * s.unitSec < s.maxSec ? logNormalSf(k * s.unitSec, s.medianSec, s.sigma) : 0;
    }
    v = s.answered * s.unitPrice * units;
  }
  meanCache.set(s, v);
  return v;
}

function sampleCost(s: Stream, n: number, rng: Rng): number {
  if (n <= 0) return 0;
  if (s.type === 'api') return n * s.price;
  let cost = 0;
  if (s.type === 'sms') {
    const total = s.segWeights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      let r = rng.next() * total;
      let seg = 1;
      for (const w of s.segWeights) {
        if (r < w) break;
        r -= w;
        seg++;
      }
      cost += Math.min(seg, s.segWeights.length) * s.segPrice;
    }
    return cost;
  }
  for (let i = 0; i < n; i++) {
    if (rng.next() >= s.answered) continue; // unanswered: not billed
    const dur = Math.min(s.maxSec, rng.logNormal(s.medianSec, s.sigma));
    cost += Math.max(s.minUnits, Math.ceil(dur / s.unitSec)) * s.unitPrice;
  }
  return cost;
}

// ---------- expected spend curve ----------

/** cum[m] = expected spend of minutes [0, m), honouring price changes and a daily cap. */
export function expectedCum(plan: Plan, minutes: number = plan.minutes): Float64Array {
  const means = plan.streams.map(meanCost);
  const cum = new Float64Array(minutes + 1);
  let capDay = -1;
  let daySpent = 0;
  let acc = 0;
  for (let m = 0; m < minutes; m++) {
    const c = clockAt(plan, m);
    let e = 0;
    plan.streams.forEach((s, i) => { e += Math.max(0, s.rate(c)) * (means[i] ?? 0); });
    if (plan.priceMult) e *= plan.priceMult(c);
    if (plan.dailyCapUtc !== null) {
      if (c.utcDay !== capDay) { capDay = c.utcDay; daySpent = 0; }
      e = Math.max(0, Math.min(e, plan.dailyCapUtc - daySpent));
      daySpent += e;
    }
    acc += e;
    cum[m + 1] = acc;
  }
  return cum;
}

export function cumAt(cum: Float64Array, m: number): number {
  return cum[Math.max(0, Math.min(cum.length - 1, m))] ?? 0;
}

// ---------- the simulation ----------

export interface SimResult { rows: Row[]; targets: number[] }

export function simulate(plan: Plan, rng: Rng): SimResult {
  const cum = expectedCum(plan);
  const lnFactor = (sigma: number): number => Math.exp(sigma * rng.normal() - (sigma * sigma) / 2);
  const dayF = Array.from({ length: Math.ceil(plan.minutes / 1440) + 2 }, () => lnFactor(plan.dayNoise));
  const hourF = Array.from({ length: Math.ceil(plan.minutes / 60) + 1 }, () => lnFactor(plan.hourNoise));
  const spent = new Float64Array(plan.minutes + 1); // actual cumulative traffic spend
  const targets = [...plan.targets];
  const rows: Row[] = [];
  let balance = plan.initial;
  let emptySince: number | null = balance <= 0 ? 0 : null;
  let m = 0;
  let clock = clockAt(plan, 0);
  const setBalance = (b: number): void => {
    balance = b < 1e-9 ? 0 : b;
    if (balance === 0 && emptySince === null) emptySince = m;
    if (balance > 0) emptySince = null;
  };
  const state: SimState = {
    get m() { return m; },
    get clock() { return clock; },
    get balance() { return balance; },
    get emptySince() { return emptySince; },
    rng, plan, cum,
    credit: (a) => { if (a > 0) setBalance(balance + a); },
    debit: (a) => { if (a > 0) setBalance(Math.max(0, balance - a)); },
    spentSince: (m0) => (spent[m] ?? 0) - (spent[Math.max(0, m0)] ?? 0),
    addTarget: (t) => { targets.push(t); },
  };
  let capDay = -1;
  let daySpent = 0;
  const scale = 10 ** plan.decimals;
  for (m = 0; m < plan.minutes; m++) {
    clock = clockAt(plan, m);
    for (const h of plan.hooks) h(state);
    let cost = 0;
    if (balance > 0) { // while empty, traffic is rejected and not charged
      const f = (dayF[clock.day] ?? 1) * (hourF[Math.floor(m / 60)] ?? 1);
      for (const s of plan.streams) {
        const lambda = Math.max(0, s.rate(clock)) * f;
        if (lambda > 0) cost += sampleCost(s, rng.poisson(lambda), rng);
      }
      if (plan.priceMult) cost *= plan.priceMult(clock);
      if (plan.dailyCapUtc !== null) {
        if (clock.utcDay !== capDay) { capDay = clock.utcDay; daySpent = 0; }
        cost = Math.max(0, Math.min(cost, plan.dailyCapUtc - daySpent)); // over the cap: rejected
        daySpent += cost;
      }
      cost = Math.min(cost, balance); // an overdrawing charge empties the wallet
      setBalance(balance - cost);
    }
    spent[m + 1] = (spent[m] ?? 0) + cost;
    const inGap = plan.gaps.some(([a, b]) => m >= a && m < b);
    if (!inGap) {
      const raw = plan.floorReadings ? Math.floor(balance * scale + 1e-9) : Math.round(balance * scale);
      rows.push({ t: plan.start + 60 * m + rng.int(0, 4), b: Math.max(0, raw / scale) });
    }
  }
  return { rows, targets };
}
