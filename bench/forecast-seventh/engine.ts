// The ledger simulation: minute by minute demand, fees, top-ups, and the noise-free expected spend.
import type { Rng } from '../forecast-blackbox/prng.js';
import type { Clock } from './clock.js';
import type { Product } from './traffic.js';

export interface NoiseSpec {
  /** log-space sigma and AR(1) coefficient of the day-to-day demand multiplier (local days) */
  daySigma: number;
  dayPhi: number;
  /** log-space sigma and AR(1) coefficient of the hour-level multiplier */
  hourSigma: number;
  hourPhi: number;
}

export interface Stream {
  label: string;
  product: Product;
  /** expected events per minute over clock.minutes (history + 4 days) */
  rate: Float64Array;
  noise: number;
}

export interface Charge {
  minute: number;
  amount: number;
  label: string;
}

export interface PolicyView {
  /** the minute about to start; `balance` is the balance after every charge before it */
  m: number;
  balance: number;
  /** realised spend of minute m - 1 */
  spentMinute: number;
}

/** amount may be decided when the money actually lands (a human looking at the balance); <= 0 means nothing */
export type Schedule = (minute: number, amount: number | ((balance: number) => number), label: string) => void;

export interface Policy {
  step(v: PolicyView, schedule: Schedule): void;
}

export interface SimPlan {
  clock: Clock;
  simMinutes: number;
  balance0: number;
  streams: Stream[];
  noise: NoiseSpec[];
  fees: Charge[];
  credits: Charge[];
  policies: Policy[];
}

export interface SimResult {
  /** balance at the start of each minute, after that minute's top-ups, before its charges */
  bal: Float64Array;
  topups: Charge[];
}

/** expected (noise-free) spend of minutes [0, m): traffic demand + scheduled fees, never top-ups */
export function expectedCurve(clock: Clock, streams: readonly Stream[], fees: readonly Charge[]): Float64Array {
  const n = clock.minutes;
  const perMin = new Float64Array(n);
  for (const s of streams) {
    const e = s.product.expected;
    for (let m = 0; m < n; m++) perMin[m] = perMin[m]! + s.rate[m]! * e;
  }
  for (const f of fees) if (f.minute >= 0 && f.minute < n) perMin[f.minute] = perMin[f.minute]! + f.amount;
  const cum = new Float64Array(n + 1);
  for (let m = 0; m < n; m++) cum[m + 1] = cum[m]! + perMin[m]!;
  return cum;
}

function ar1(n: number, sigma: number, phi: number, rng: Rng): Float64Array {
  const x = new Float64Array(n);
  if (sigma <= 0) return x;
  let v = sigma * rng.normal();
  const k = sigma * Math.sqrt(1 - phi * phi);
  for (let i = 0; i < n; i++) {
    x[i] = v;
    v = phi * v + k * rng.normal();
  }
  return x;
}

/** mean-one multiplicative noise per minute: exp(day AR) * exp(hour AR), each log-normal with mean 1 */
function noiseSeries(spec: NoiseSpec, clock: Clock, n: number, rng: Rng): Float64Array {
  const day0 = clock.day(0);
  const days = ar1(clock.day(n) - day0 + 2, spec.daySigma, spec.dayPhi, rng);
  const hours = ar1(Math.ceil(n / 60) + 1, spec.hourSigma, spec.hourPhi, rng);
  const cd = (spec.daySigma * spec.daySigma) / 2;
  const ch = (spec.hourSigma * spec.hourSigma) / 2;
  const out = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    out[m] = Math.exp(days[clock.day(m) - day0]! - cd + hours[Math.floor(m / 60)]! - ch);
  }
  return out;
}

interface Pending {
  minute: number;
  amount: number | ((balance: number) => number);
  label: string;
}

const MAX_EXACT = 200;

export function simulate(plan: SimPlan, rng: Rng): SimResult {
  const n = plan.simMinutes;
  const mult = plan.noise.map((spec) => noiseSeries(spec, plan.clock, n, rng));
  const feesAt = new Map<number, Charge[]>();
  for (const f of plan.fees) {
    if (f.minute < 0 || f.minute >= n) continue;
    const list = feesAt.get(f.minute) ?? [];
    list.push(f);
    feesAt.set(f.minute, list);
  }
  let pending: Pending[] = plan.credits.map((c) => ({ ...c }));
  const bal = new Float64Array(n);
  const topups: Charge[] = [];
  let balance = plan.balance0;
  let current = 0;
  const schedule: Schedule = (minute, amount, label) => {
    pending.push({ minute: Math.max(current + 1, Math.round(minute)), amount, label });
  };

  for (let m = 0; m < n; m++) {
    current = m;
    if (pending.length > 0) {
      const due = pending.filter((p) => p.minute <= m);
      if (due.length > 0) {
        pending = pending.filter((p) => p.minute > m);
        for (const p of due) {
          const amt = typeof p.amount === 'number' ? p.amount : p.amount(balance);
          if (!(amt > 0)) continue;
          balance += amt;
          topups.push({ minute: m, amount: amt, label: p.label });
        }
      }
    }
    bal[m] = balance;
    let spent = 0;
    for (const f of feesAt.get(m) ?? []) {
      if (balance <= 0) break;
      const c = Math.min(balance, f.amount);
      spent += c;
      balance = f.amount >= balance ? 0 : balance - f.amount;
    }
    for (const s of plan.streams) {
      if (balance <= 0) break; // empty wallet: traffic is rejected, not charged
      const lambda = s.rate[m]! * mult[s.noise]![m]!;
      if (lambda <= 0) continue;
      const events = rng.poisson(lambda);
      if (events === 0) continue;
      const exact = Math.min(events, MAX_EXACT);
      const scale = events / exact;
      for (let i = 0; i < exact && balance > 0; i++) {
        const c = s.product.sample(rng) * scale;
        if (c <= 0) continue;
        if (c >= balance) {
          spent += balance;
          balance = 0; // the charge that would overdraw empties the wallet
        } else {
          spent += c;
          balance -= c;
        }
      }
    }
    if (balance < 1e-9) balance = 0;
    for (const p of plan.policies) p.step({ m: m + 1, balance, spentMinute: spent }, schedule);
  }
  return { bal, topups };
}
