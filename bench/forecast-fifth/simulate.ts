// The minute loop: expected curve, per-minute ledger (expected rate x demand noise -> Poisson counts x sampled
// prices), wallet balance without overdraft, and the poller's view of it.
import type { Rng } from '../forecast-blackbox/prng.js';
import {
  HORIZON_DAYS,
  expectedPrice,
  localClock,
  roundTo,
  samplePrice,
  type Curve,
  type LocalTime,
  type ObsSpec,
  type Plan,
  type PriceModel,
  type SimState,
} from './engine.js';

export interface Built {
  curve: Curve;
  /** rates[s][m] = expected events of stream s in minute m */
  rates: Float64Array[];
}

function makeCurve(cum: Float64Array, traffic: Float64Array, clock: (m: number) => LocalTime): Curve {
  const horizon = traffic.length;
  const at = (m: number): number => cum[Math.max(0, Math.min(horizon, m))] ?? 0;
  const lastRate = (at(horizon) - at(horizon - 1440)) / 1440;
  const spend = (a: number, b: number): number => {
    if (b <= a) return 0;
    const past = Math.max(0, b - Math.max(a, horizon));
    return at(Math.min(b, horizon)) - at(Math.min(a, horizon)) + past * lastRate;
  };
  return {
    horizon,
    cum,
    traffic,
    clock,
    spend,
    flowingNear(target: number, windowMin = 720, frac = 0.6): number {
      const t = Math.round(target);
      const lo = Math.max(0, t - windowMin);
      const hi = Math.min(horizon - 1, t + windowMin);
      let peak = 0;
      for (let m = lo; m <= hi; m++) peak = Math.max(peak, traffic[m] ?? 0);
      let best = t;
      let bestDist = Infinity;
      for (let m = lo; m <= hi; m++) {
        if ((traffic[m] ?? 0) >= frac * peak && Math.abs(m - t) < bestDist) {
          best = m;
          bestDist = Math.abs(m - t);
        }
      }
      return best;
    },
    dailyAfter: (m: number): number => spend(m, m + 4 * 1440) / 4,
  };
}

function prefix(perMinute: Float64Array): Float64Array {
  const cum = new Float64Array(perMinute.length + 1);
  for (let m = 0; m < perMinute.length; m++) cum[m + 1] = (cum[m] ?? 0) + (perMinute[m] ?? 0);
  return cum;
}

/** expected spend of [from, to) for a stand-alone set of streams (used by kinds while they are being built) */
export function quickSpend(
  streams: readonly PriceModel[],
  rate: (m: number, lt: LocalTime) => readonly number[],
  decimals: number,
  clock: (m: number) => LocalTime,
  from: number,
  to: number,
): number {
  const ep = streams.map((s) => expectedPrice(s, decimals));
  let total = 0;
  for (let m = Math.max(0, Math.floor(from)); m < to; m++) {
    const r = rate(m, clock(m));
    for (let s = 0; s < ep.length; s++) total += (r[s] ?? 0) * (ep[s] ?? 0);
  }
  return total;
}

export function buildCurve(plan: Plan): Built {
  const horizon = HORIZON_DAYS * 1440;
  const clock = localClock(plan.tz, plan.start);
  const ep = plan.streams.map((s) => expectedPrice(s, plan.decimals));
  const rates = plan.streams.map(() => new Float64Array(horizon));
  const traffic = new Float64Array(horizon);
  for (let m = 0; m < horizon; m++) {
    const r = plan.rate(m, clock(m));
    let x = 0;
    for (let s = 0; s < ep.length; s++) {
      const v = Math.max(0, r[s] ?? 0);
      const row = rates[s];
      if (row !== undefined) row[m] = v;
      x += v * (ep[s] ?? 0);
    }
    traffic[m] = x;
  }
  const perMinute = Float64Array.from(traffic);
  const addCharges = (charges: readonly { minute: number; amount: number }[]): void => {
    for (const c of charges) if (c.minute >= 0 && c.minute < horizon) perMinute[c.minute] = (perMinute[c.minute] ?? 0) + c.amount;
  };
  addCharges(plan.fixed ?? []);
  let curve = makeCurve(prefix(perMinute), traffic, clock);
  if (plan.extraExpected !== undefined) {
    addCharges(plan.extraExpected(curve));
    curve = makeCurve(prefix(perMinute), traffic, clock);
  }
  return { curve, rates };
}

/** mean-one log-normal factor, clipped so noise shifts things by hours but never flips a wallet's fate */
function meanOne(rng: Rng, sigma: number, lo: number, hi: number): number {
  if (sigma <= 0) return 1;
  return Math.min(hi, Math.max(lo, Math.exp(sigma * rng.normal() - (sigma * sigma) / 2)));
}

export interface SimResult {
  /** true balance at the start of each minute 0..minutes */
  balance: Float64Array;
  depletions: number;
}

export function simulate(plan: Plan, built: Built, minutes: number, initial: number, rng: Rng): SimResult {
  const { curve, rates } = built;
  const unit = 10 ** -plan.shownDecimals;
  const fixedAt = new Map<number, number>();
  for (const c of plan.fixed ?? []) fixedAt.set(c.minute, (fixedAt.get(c.minute) ?? 0) + c.amount);
  const dayF = new Map<number, number>();
  const hourF = new Map<number, number>();
  const out = new Float64Array(minutes + 1);
  let balance = Math.max(0, initial);
  out[0] = balance;
  const s: SimState = { m: 0, lt: curve.clock(0), balance, spent: 0, empty: balance < unit, dryFor: 0, depletions: 0 };
  for (let m = 0; m < minutes; m++) {
    const lt = curve.clock(m);
    const before = balance;
    s.m = m;
    s.lt = lt;
    s.balance = balance;
    const adj = plan.adjust?.(s, curve) ?? 0;
    balance = adj >= 0 ? balance + adj : Math.max(0, balance + adj);
    const fee = fixedAt.get(m) ?? 0;
    if (fee > 0 && balance > 0) {
      const paid = Math.min(fee, balance);
      balance -= paid;
      s.spent += paid;
    }
    let df = dayF.get(lt.localDay);
    if (df === undefined) {
      df = meanOne(rng, plan.dayNoise, 0.6, 1.6);
      dayF.set(lt.localDay, df);
    }
    const hourKey = Math.floor(m / 60);
    let hf = hourF.get(hourKey);
    if (hf === undefined) {
      hf = meanOne(rng, plan.hourNoise, 0.4, 2.2);
      hourF.set(hourKey, hf);
    }
    let cost = 0;
    for (let k = 0; k < plan.streams.length; k++) {
      const model = plan.streams[k];
      const lambda = (rates[k]?.[m] ?? 0) * df * hf;
      if (model === undefined || lambda <= 0) continue;
      const n = rng.poisson(lambda);
      if (model.type === 'flat') cost += n * roundTo(model.price, plan.decimals);
      else for (let e = 0; e < n; e++) cost += samplePrice(model, rng, plan.decimals);
    }
    if (balance > 0) {
      // a charge that would overdraw empties the wallet; while empty, traffic is rejected (not charged)
      const paid = Math.min(cost, balance);
      balance -= paid;
      s.spent += paid;
    }
    if (balance < unit / 2) balance = 0;
    if (before > 0 && balance === 0) s.depletions++;
    s.empty = balance === 0;
    s.dryFor = s.empty ? s.dryFor + 1 : 0;
    out[m + 1] = balance;
  }
  return { balance: out, depletions: s.depletions };
}

export interface ObservedRow {
  t: number;
  b: number;
}

/** what the poller records: reading i nominally at start + 60 i, showing the balance the provider reports */
export function observe(plan: Plan, balance: Float64Array, minutes: number, obs: ObsSpec, rng: Rng): ObservedRow[] {
  const rows: ObservedRow[] = [];
  const every = Math.max(1, Math.round(obs.refreshEvery));
  const jitter = Math.max(0, Math.min(25, Math.round(obs.jitterSec)));
  for (let i = 0; i <= minutes; i++) {
    const u = rng.next();
    const late = rng.next();
    const j = jitter > 0 ? Math.min(25, Math.floor(u * (jitter + 1)) + (late < 0.01 ? rng.int(5, 15) : 0)) : 0;
    if (obs.outage !== undefined && i >= obs.outage.from && i < obs.outage.from + obs.outage.len) continue;
    if (i > 0 && i < minutes && rng.next() < obs.skipProb) continue;
    const src = Math.floor(i / every) * every;
    rows.push({ t: plan.start + 60 * i + j, b: roundTo(balance[src] ?? 0, plan.shownDecimals) });
  }
  return rows;
}
