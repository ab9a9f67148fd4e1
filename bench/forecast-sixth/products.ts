// Price models for billable events. Each product is a quantile function of one uniform draw, so its
// exact mean (used for the expected-spend curve) and its sampling (used for the ledger) agree.

import type { Rng } from '../forecast-blackbox/prng.js';

export interface Product {
  label: string;
  mean: number;
  sd: number;
  quantile(u: number): number;
}

/** Acklam's rational approximation of the standard normal inverse CDF. */
export function normInv(p: number): number {
  const q0 = Math.min(Math.max(p, 1e-10), 1 - 1e-10);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const A = (i: number): number => a[i] ?? 0;
  const B = (i: number): number => b[i] ?? 0;
  const C = (i: number): number => c[i] ?? 0;
  const D = (i: number): number => d[i] ?? 0;
  const tail = (q: number): number =>
    (((((C(0) * q + C(1)) * q + C(2)) * q + C(3)) * q + C(4)) * q + C(5)) / ((((D(0) * q + D(1)) * q + D(2)) * q + D(3)) * q + 1);
  if (q0 < 0.02425) return tail(Math.sqrt(-2 * Math.log(q0)));
  if (q0 > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - q0)));
  const q = q0 - 0.5;
  const r = q * q;
  return ((((((A(0) * r + A(1)) * r + A(2)) * r + A(3)) * r + A(4)) * r + A(5)) * q) /
    (((((B(0) * r + B(1)) * r + B(2)) * r + B(3)) * r + B(4)) * r + 1);
}

const GRID = 4000;

export function makeProduct(label: string, quantile: (u: number) => number): Product {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < GRID; i++) {
    const v = quantile((i + 0.5) / GRID);
    s += v;
    s2 += v * v;
  }
  const mean = s / GRID;
  const sd = Math.sqrt(Math.max(0, s2 / GRID - mean * mean));
  return { label, mean, sd, quantile };
}

/** Total price of `n` events: exact sampling for small n, normal approximation of the sum for large n. */
export function sampleTotal(p: Product, n: number, rng: Rng): number {
  if (n <= 0) return 0;
  if (n > 40) return Math.max(0, n * p.mean + Math.sqrt(n) * p.sd * rng.normal());
  let total = 0;
  for (let i = 0; i < n; i++) total += p.quantile(rng.next());
  return total;
}

export interface VoiceOpts {
  perMin: number;
  /** billing increment in seconds: 60 = per minute, 6 = 6/6, 1 = per second */
  incrementSec: number;
  minSec?: number;
  medianSec: number;
  sigma: number;
  /** share of attempts that connect (unanswered attempts are free) */
  answer: number;
  capSec?: number;
  connectFee?: number;
}

/** A call attempt: heavy-tailed (log-normal) duration, billed in increments. */
export function voice(label: string, o: VoiceOpts): Product {
  const cap = o.capSec ?? 4 * 3600;
  const minSec = o.minSec ?? o.incrementSec;
  return makeProduct(label, (u) => {
    if (u < 1 - o.answer) return 0;
    const v = (u - (1 - o.answer)) / o.answer;
    const dur = Math.min(cap, o.medianSec * Math.exp(o.sigma * normInv(v)));
    const billed = Math.max(minSec, Math.ceil(dur / o.incrementSec) * o.incrementSec);
    return (billed / 60) * o.perMin + (o.connectFee ?? 0);
  });
}

/** An SMS: segments (1, 2, 3, 4 with given shares) each at per-segment price plus a carrier fee. */
export function sms(label: string, perSegment: number, carrierFee: number, segShares: readonly number[]): Product {
  const total = segShares.reduce((a, b) => a + b, 0);
  return makeProduct(label, (u) => {
    let acc = 0;
    for (let i = 0; i < segShares.length; i++) {
      acc += (segShares[i] ?? 0) / total;
      if (u < acc) return (i + 1) * (perSegment + carrierFee);
    }
    return segShares.length * (perSegment + carrierFee);
  });
}

/** A discrete price mix (e.g. messaging conversation categories, verification success/failure). */
export function mix(label: string, parts: readonly { share: number; price: number }[]): Product {
  const total = parts.reduce((a, p) => a + p.share, 0);
  return makeProduct(label, (u) => {
    let acc = 0;
    for (const p of parts) {
      acc += p.share / total;
      if (u < acc) return p.price;
    }
    return parts[parts.length - 1]?.price ?? 0;
  });
}

export function flat(label: string, price: number): Product {
  return makeProduct(label, () => price);
}

/** Per-request price that varies by destination: log-normal, capped. */
export function spread(label: string, median: number, sigma: number, cap: number): Product {
  return makeProduct(label, (u) => Math.min(cap, median * Math.exp(sigma * normInv(u))));
}

/** A common SMS segment mix for notification traffic. */
export const SEGMENTS_NOTIFY: readonly number[] = [0.72, 0.21, 0.05, 0.02];
export const SEGMENTS_MARKETING: readonly number[] = [0.35, 0.45, 0.15, 0.05];
