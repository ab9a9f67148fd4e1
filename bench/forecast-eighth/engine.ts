// Generic ledger + observation engine. A kind builds a Plan (expected demand per minute, fees, billing,
// money-in policy, observation quirks); the engine derives the expected spend, realises a noisy ledger
// and produces the polled rows.
import type { Rng } from '../forecast-blackbox/prng.js';
import { DAY, HORIZON } from './kit.js';

export interface Row { t: number; b: number }

/** Arrears billing: demand accrues and is posted in one charge `lag` minutes after each boundary;
 *  boundaries are the absolute (unix) minutes u with (u - align) % period == 0. */
export interface Batch { period: number; align: number; lag: number }

export interface Obs {
  offset: number;         // seconds after the minute at which the poller fires (0..40)
  jitter: number;         // extra 0..jitter seconds per poll (offset + jitter <= 58)
  cache: number;          // provider refreshes its balance every `cache` minutes (1 = live)
  cachePhase: number;
  decimals: 2 | 4;
  failP: number;          // probability a single poll fails
  outages: Array<[number, number]>; // [from, to) minutes with no rows (daemon down)
}

export interface MoneyIn { m: number; amount: number; why: string }

export interface Plan {
  start: number;          // unix seconds of minute 0
  minutes: number;        // history length N
  rate: Float64Array;     // expected demand per minute, length N + HORIZON
  fees: Float64Array;     // scheduled fixed fees per minute (charged as posted), same length
  batch: Batch | null;
  eventMean: number;      // mean cost of one billable event
  eventSigma: number;     // log-space sigma of event cost (lognormal, mean preserved)
  daySigma: number;       // mean-1 lognormal multiplier per UTC day
  hourSigma: number;      // mean-1 lognormal multiplier per hour
  episode?: { id: Int32Array; sigma: number }; // mean-1 multiplier per scheduled episode (show, match, blast)
  opening: number;
  scheduled: MoneyIn[];   // planned money in (finance top-ups, promo credits)
  refund?: { frac: number; minuteOfDayUtc: number }; // daily credit of a share of the previous day's charges
  auto?: { threshold: number; amount: number; delay: (m: number, rng: Rng) => number; why: string };
  onEmpty?: (m: number, count: number, rng: Rng) => { at: number; amount: number } | null;
  obs: Obs;
}

export function blankRate(p: { minutes: number }): Float64Array {
  return new Float64Array(p.minutes + HORIZON);
}

function isBoundary(b: Batch, absMin: number): boolean {
  return (((absMin - b.align) % b.period) + b.period) % b.period === 0;
}

/** Expected posted charges per minute (demand through the billing schedule, plus fees). */
export function expectedCharges(p: Plan): Float64Array {
  const L = p.rate.length;
  const out = new Float64Array(L);
  const abs0 = p.start / 60;
  let acc = 0;
  for (let m = 0; m < L; m++) {
    if (p.batch) {
      if (m > 0 && isBoundary(p.batch, abs0 + m)) {
        if (m + p.batch.lag < L) out[m + p.batch.lag]! += acc;
        acc = 0;
      }
      acc += p.rate[m]!;
    } else out[m]! += p.rate[m]!;
    out[m]! += p.fees[m]!;
  }
  return out;
}

export function cumulative(x: Float64Array): Float64Array {
  const c = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) c[i + 1] = c[i]! + x[i]!;
  return c;
}

const meanOne = (rng: Rng, s: number): number => (s > 0 ? Math.exp(s * rng.normal() - (s * s) / 2) : 1);

export interface Ledger { snap: Float64Array; moneyIn: MoneyIn[]; charged: number; demand: number; empties: number[] }

/** Realised demand of one minute with expected money `lam`: compound Poisson of lognormal event costs. */
function demand(rng: Rng, lam: number, mean: number, sigma: number): number {
  if (lam <= 0) return 0;
  const n = rng.poisson(lam / mean);
  if (n === 0) return 0;
  const med = mean * Math.exp(-(sigma * sigma) / 2);
  if (n <= 24) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.logNormal(med, sigma);
    return s;
  }
  const sd = mean * Math.sqrt(Math.exp(sigma * sigma) - 1);
  return Math.max(0, n * mean + Math.sqrt(n) * sd * rng.normal());
}

export function realise(p: Plan, rng: Rng): Ledger {
  const N = p.minutes;
  const abs0 = p.start / 60;
  const dayF = Array.from({ length: Math.ceil(N / DAY) + 1 }, () => meanOne(rng, p.daySigma));
  const hourF = Array.from({ length: Math.ceil(N / 60) + 1 }, () => meanOne(rng, p.hourSigma));
  const epF = new Map<number, number>();
  const queue: MoneyIn[] = p.scheduled.filter((x) => x.m >= 0 && x.m < N).map((x) => ({ ...x }));
  const snap = new Float64Array(N);
  const moneyIn: MoneyIn[] = [];
  const empties: number[] = [];
  const posts: Array<{ at: number; real: number; shadow: number }> = [];
  let bal = p.opening, charged = 0, shadowTotal = 0, accReal = 0, accShadow = 0, sinceRefund = 0;
  let autoPending = false;
  const charge = (x: number, m: number): void => {
    if (x <= 0 || bal <= 0) return;
    if (x >= bal) {
      charged += bal; sinceRefund += bal; bal = 0; empties.push(m);
      const r = p.onEmpty?.(m, empties.length, rng);
      if (r && r.at > m && r.amount > 0) queue.push({ m: r.at, amount: r.amount, why: 'refill' });
    } else { bal -= x; charged += x; sinceRefund += x; }
  };
  for (let m = 0; m < N; m++) {
    // 1. money lands
    if (p.refund && (abs0 + m) % DAY === p.refund.minuteOfDayUtc && sinceRefund > 0) {
      queue.push({ m, amount: sinceRefund * p.refund.frac, why: 'refund' });
      sinceRefund = 0;
    }
    for (let i = queue.length - 1; i >= 0; i--) {
      const q = queue[i]!;
      if (q.m !== m) continue;
      queue.splice(i, 1);
      bal += q.amount;
      moneyIn.push(q);
      if (q.why === 'auto') autoPending = false;
    }
    // 2. the provider-side balance at this minute (what a poll would see)
    snap[m] = bal;
    // 3. charges
    let lam = p.rate[m]! * dayF[Math.floor(m / DAY)]! * hourF[Math.floor(m / 60)]!;
    if (p.episode) {
      const e = p.episode.id[m]!;
      if (e >= 0) {
        if (!epF.has(e)) epF.set(e, meanOne(rng, p.episode.sigma));
        lam *= epF.get(e)!;
      }
    }
    const d = demand(rng, lam, p.eventMean, p.eventSigma);
    if (p.batch) {
      if (m > 0 && isBoundary(p.batch, abs0 + m)) {
        posts.push({ at: m + p.batch.lag, real: accReal, shadow: accShadow });
        accReal = 0; accShadow = 0;
      }
      accShadow += d;
      if (bal > 0) accReal += d;           // traffic is rejected while the wallet is empty
      for (let i = posts.length - 1; i >= 0; i--) {
        const q = posts[i]!;
        if (q.at !== m) continue;
        posts.splice(i, 1);
        shadowTotal += q.shadow;
        charge(q.real, m);
      }
    } else {
      shadowTotal += d;
      charge(d, m);
    }
    shadowTotal += p.fees[m]!;
    charge(p.fees[m]!, m);
    // 4. auto-recharge / low-balance policy
    if (p.auto && !autoPending && bal < p.auto.threshold) {
      autoPending = true;
      queue.push({ m: m + Math.max(1, Math.round(p.auto.delay(m, rng))), amount: p.auto.amount, why: 'auto' });
    }
  }
  return { snap, moneyIn, charged, demand: shadowTotal, empties };
}

export function observe(p: Plan, snap: Float64Array, rng: Rng): Row[] {
  const N = p.minutes, o = p.obs;
  const rows: Row[] = [];
  const scale = o.decimals === 2 ? 100 : 10000;
  for (let m = 0; m < N; m++) {
    const fail = rng.next() < o.failP;
    const jit = rng.int(0, o.jitter);
    if (m !== 0 && m !== N - 1) {
      if (fail) continue;
      if (o.outages.some(([a, b]) => m >= a && m < b)) continue;
    }
    let r = m;
    if (o.cache > 1) r = Math.max(0, m - ((((m - o.cachePhase) % o.cache) + o.cache) % o.cache));
    const b = Math.max(0, Math.round(snap[r]! * scale) / scale);
    rows.push({ t: p.start + 60 * m + o.offset + jit, b });
  }
  return rows;
}

/** Typical observation quirks; kinds may override fields afterwards. */
export function drawObs(rng: Rng, N: number): Obs {
  const offset = rng.int(0, 40);
  const outages: Array<[number, number]> = [];
  const k = rng.poisson((N / DAY) * 0.12);
  for (let i = 0; i < k; i++) {
    const a = rng.int(120, Math.max(121, N - 700));
    outages.push([a, Math.min(N - 2, a + rng.int(60, 9 * 60))]);
  }
  return {
    offset,
    jitter: Math.min(58 - offset, rng.pick([0, 2, 5, 12])),
    cache: rng.pick([1, 1, 1, 2, 3, 5]),
    cachePhase: rng.int(0, 4),
    decimals: rng.pick([2, 2, 4] as const),
    failP: rng.pick([0, 0.002, 0.005, 0.02]),
    outages,
  };
}

export interface Kind { name: string; dry: boolean; blurb: string; build(rng: Rng): Plan }

export const ecumOf = (p: Plan): Float64Array => cumulative(expectedCharges(p));

/** Expected spend over `days` from minute m (clamped to the array). */
export function spendAhead(ecum: Float64Array, m: number, days: number): number {
  const a = Math.max(0, Math.min(ecum.length - 1, Math.round(m)));
  const b = Math.min(ecum.length - 1, a + Math.round(days * DAY));
  return ecum[b]! - ecum[a]!;
}

/** Largest expected spend of any 4-day window starting within the history. */
export function max4d(ecum: Float64Array, N: number): number {
  let best = 0;
  for (let m = 0; m <= N; m += 15) best = Math.max(best, spendAhead(ecum, m, 4));
  return best;
}

/** Plan skeleton with zero rate/fees; the kind fills in the rest. */
export function skeleton(start: number, minutes: number, obs: Obs): Plan {
  return {
    start, minutes, rate: new Float64Array(minutes + HORIZON), fees: new Float64Array(minutes + HORIZON),
    batch: null, eventMean: 0.01, eventSigma: 0.3, daySigma: 0.12, hourSigma: 0.1,
    opening: 0, scheduled: [], obs,
  };
}

/** Average expected spend per day over the whole expected array. */
export const perDay = (ecum: Float64Array): number => (ecum[ecum.length - 1]! / (ecum.length - 1)) * DAY;
