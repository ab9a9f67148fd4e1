// The per-minute ledger: expected spend curve, demand noise, charges, funding policies, readings.

import { hashSeed, makeRng, type Rng } from '../forecast-blackbox/prng.js';
import { sampleTotal, type Product } from './products.js';
import { makeReadings, type ReadingPlan, type Row } from './readings.js';
import { dailyAt, HORIZON_MIN, type Clock } from './time.js';

export interface History {
  kind: string;
  seed: number;
  name: string;
  rows: Row[];
}

/** Billable events: Poisson(perMin * shape(m) * noise) per minute, each priced by `product`. */
export interface Stream {
  product: Product;
  perMin: number;
  shape: (m: number) => number;
}

export interface FixedCharge {
  minute: number;
  amount: number;
}

export interface Leg {
  /** intended depletion minute, given the reset minute and `snap` (moves a minute onto flowing spend) */
  target: (reset: number, snap: (m: number) => number) => number;
  /** added to the balance sized from expected spend (e.g. part of a fee that will overdraw) */
  extra: number;
  /** hours the wallet stays empty after this depletion before the next top-up */
  delayH: number;
  /** the next top-up happens no earlier than this minute */
  notBefore: number;
}

export type Funding =
  | { type: 'static'; cover: number; installAt: number }
  | { type: 'auto'; thresholdH: number; amountMult: number; delayMin: readonly [number, number] }
  | { type: 'human'; initialDays: number; lookaheadH: number; delayH: readonly [number, number]; buyDays: readonly [number, number] }
  | { type: 'deplete'; installAt: number; legs: Leg[]; finalTopUp: boolean; tailH: number };

export interface Scenario {
  clock: Clock;
  /** history length (non-depleting funding); depleting histories end `tailH` after their last event */
  days: number;
  streams: Stream[];
  fixed: FixedCharge[];
  daySigma: number;
  hourSigma: number;
  funding: Funding;
  readings: ReadingPlan;
  /** share of the previous 24 h of charges credited back daily at 04:00 local (0 = none) */
  refundShare: number;
}

export interface KindDef {
  name: string;
  depleting: boolean;
  blurb: string;
  build(rng: Rng): Scenario;
}

export interface SimResult {
  history: History;
  expectedCum: Float64Array;
  start: number;
  tz: string;
  /** planned depletion minutes */
  intended: number[];
  /** minute of the reset (start or top-up) each planned depletion was sized from */
  resets: number[];
  /** minutes at which the true balance first read 0 after being positive */
  empties: number[];
  topUps: { minute: number; amount: number }[];
  endMinute: number;
}

const MAX_MIN = 14 * 1440;
const MIN_MIN = 3 * 1440;
const AFTER_MIN = 4 * 1440;

/** Round to two significant figures, as people buy credit. */
export function nice(x: number): number {
  if (!(x > 0)) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(x)) - 1);
  return Math.round(Math.round(x / p) * p * 100) / 100;
}

interface Pending {
  minute: number;
  size: (r: number) => number;
}

export function simulate(def: KindDef, seed: number): SimResult {
  const name = `${def.name}#${seed}`;
  const sc = def.build(makeRng(hashSeed(name)));
  const planRng = makeRng(hashSeed(`${name}:plan`));
  const noiseRng = makeRng(hashSeed(`${name}:noise`));
  const ledgerRng = makeRng(hashSeed(`${name}:ledger`));
  const H = HORIZON_MIN;

  const lam = sc.streams.map((s) => {
    const a = new Float64Array(H);
    for (let m = 0; m < H; m++) a[m] = Math.max(0, s.perMin * s.shape(m));
    return a;
  });
  const flow = new Float64Array(H);
  sc.streams.forEach((s, i) => {
    const a = lam[i] ?? new Float64Array(H);
    for (let m = 0; m < H; m++) flow[m] = (flow[m] ?? 0) + (a[m] ?? 0) * s.product.mean;
  });
  const fixedAt = new Float64Array(H);
  for (const f of sc.fixed) if (f.minute >= 0 && f.minute < H) fixedAt[f.minute] = (fixedAt[f.minute] ?? 0) + f.amount;
  const E = new Float64Array(H + 1);
  for (let m = 0; m < H; m++) E[m + 1] = (E[m] ?? 0) + (flow[m] ?? 0) + (fixedAt[m] ?? 0);
  const exp = (a: number, b: number): number => (E[Math.min(b, H)] ?? 0) - (E[Math.min(a, H)] ?? 0);

  // Move a candidate minute onto flowing spend: at or above 70% of the week's mean rate around it.
  const snap = (c: number): number => {
    const lo = Math.max(0, Math.min(c - 5040, H - 10080));
    let mean = 0;
    for (let m = lo; m < lo + 10080; m++) mean += (flow[m] ?? 0) / 10080;
    const thr = 0.7 * mean;
    let m = c;
    while (m < H - 1 && (flow[m] ?? 0) < thr) m++;
    let run = 0;
    while (m + run < H && (flow[m + run] ?? 0) >= thr && run < 600) run++;
    return m + Math.floor(planRng.uniform(0.1, 0.8) * run);
  };

  // Demand noise with mean 1: a day factor and an AR(1) hour factor, both log-normal.
  const dayN = new Float64Array(Math.ceil(H / 1440) + 1);
  for (let d = 0; d < dayN.length; d++) dayN[d] = Math.exp(sc.daySigma * noiseRng.normal() - (sc.daySigma * sc.daySigma) / 2);
  const hourN = new Float64Array(Math.ceil(H / 60) + 1);
  let z = noiseRng.normal();
  for (let h = 0; h < hourN.length; h++) {
    z = 0.75 * z + Math.sqrt(1 - 0.75 * 0.75) * noiseRng.normal();
    hourN[h] = Math.exp(sc.hourSigma * z - (sc.hourSigma * sc.hourSigma) / 2);
  }

  const f = sc.funding;
  let end = f.type === 'deplete' ? MAX_MIN : Math.min(MAX_MIN, Math.max(MIN_MIN, Math.round(sc.days * 1440)));
  const intended: number[] = [];
  const resets: number[] = [];
  const empties: number[] = [];
  const topUps: { minute: number; amount: number }[] = [];
  let balance = 0;
  let pending: Pending | null = null;
  let legIdx = 0;
  let threshold = 0;
  let autoAmount = 0;

  const sizeLeg = (leg: Leg, r: number): number => {
    const T = leg.target(r, snap);
    intended.push(T);
    resets.push(r);
    return nice(exp(r, T) + leg.extra);
  };
  const credit = (m: number, amount: number): void => {
    if (m === 0) balance = amount;
    else pending = { minute: m, size: () => amount };
  };

  if (f.type === 'static') credit(f.installAt, nice(f.cover * exp(f.installAt, end + AFTER_MIN)));
  else if (f.type === 'auto') {
    threshold = nice((exp(0, end) / end) * 60 * f.thresholdH);
    autoAmount = nice(threshold * f.amountMult);
    balance = threshold + nice(planRng.uniform(0.2, 1) * autoAmount);
  } else if (f.type === 'human') balance = nice(exp(0, Math.round(f.initialDays * 1440)));
  else {
    const first = f.legs[0];
    if (first) {
      if (f.installAt === 0) balance = sizeLeg(first, 0);
      else pending = { minute: f.installAt, size: (r) => sizeLeg(first, r) };
    }
  }

  const onEmpty = (m: number): void => {
    if (f.type !== 'deplete' || legIdx >= f.legs.length) return;
    const leg = f.legs[legIdx] as Leg;
    legIdx++;
    const next = f.legs[legIdx];
    const at = Math.max(m + Math.round(leg.delayH * 60), leg.notBefore);
    if (next) pending = { minute: at, size: (r) => sizeLeg(next, r) };
    else if (f.finalTopUp) {
      pending = { minute: at, size: (r) => nice(1.5 * exp(r, r + 10 * 1440)) };
      end = Math.min(MAX_MIN, Math.max(MIN_MIN, at + Math.round(f.tailH * 60)));
    } else end = Math.min(MAX_MIN, Math.max(MIN_MIN, m + Math.round(f.tailH * 60)));
  };

  const refundAt = new Set(sc.refundShare > 0 ? dailyAt(sc.clock, 4) : []);
  const charged = new Float64Array(MAX_MIN + 1);
  const balAt = new Float64Array(MAX_MIN + 1);
  for (let m = 0; m < end; m++) {
    const p: Pending | null = pending;
    if (p && p.minute === m) {
      const amount = p.size(m);
      pending = null;
      balance += amount;
      topUps.push({ minute: m, amount });
    }
    balAt[m] = balance;
    if (balance > 0) {
      const nz = (dayN[Math.floor(m / 1440)] ?? 1) * (hourN[Math.floor(m / 60)] ?? 1);
      let cost = fixedAt[m] ?? 0;
      sc.streams.forEach((s, i) => {
        const n = ledgerRng.poisson((lam[i]?.[m] ?? 0) * nz);
        cost += sampleTotal(s.product, n, ledgerRng);
      });
      if (cost >= balance) {
        charged[m] = balance;
        balance = 0;
        empties.push(m + 1);
        onEmpty(m + 1);
      } else {
        charged[m] = cost;
        balance -= cost;
      }
    }
    if (refundAt.has(m) && balance > 0) {
      let day = 0;
      for (let k = Math.max(0, m - 1440); k < m; k++) day += charged[k] ?? 0;
      balance += Math.round(sc.refundShare * day * 100) / 100;
    }
    if (!pending && f.type === 'auto' && balance > 0 && balance < threshold) {
      pending = { minute: m + planRng.int(f.delayMin[0], f.delayMin[1]), size: () => autoAmount };
    }
    if (!pending && f.type === 'human' && balance > 0 && balance < exp(m, m + Math.round(f.lookaheadH * 60))) {
      const buy = planRng.uniform(f.buyDays[0], f.buyDays[1]);
      pending = {
        minute: m + Math.round(planRng.uniform(f.delayH[0], f.delayH[1]) * 60),
        size: (r) => nice(exp(r, r + Math.round(buy * 1440))),
      };
    }
  }

  const rows = makeReadings(sc.readings, balAt, end, sc.clock.start, makeRng(hashSeed(`${name}:poll`)));
  return {
    history: { kind: def.name, seed, name, rows },
    expectedCum: E.slice(0, end + AFTER_MIN + 1),
    start: sc.clock.start,
    tz: sc.clock.tz,
    intended,
    resets,
    empties,
    topUps,
    endMinute: end,
  };
}
