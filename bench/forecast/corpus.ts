/**
 * The benchmark corpus: seeded, synthetic but realistic balance histories of a prepaid wallet at 1-minute
 * resolution. PURE and deterministic: the same seed gives the same rows, bit for bit.
 *
 * How a history is generated, minute by minute:
 *   - spend: the scenario's expected rate (credits/hour) × an hourly lognormal multiplier (mean 1,
 *     σ = `hourSigma`: busy and quiet hours) → a Poisson number of billable events (SMS, call minutes)
 *     × `unit` credits each; so per-minute spend is lumpy, like the real thing;
 *   - small rises (`refunds`, `jitter`): below 1 credit, so never a top-up for wallet-sentinel
 *     (topupMinCredits = 1);
 *   - top-ups (`topup`): scheduled or rule-based (auto-recharge), recorded as ground truth;
 *   - balances are rounded to 0.01 credit and never go below 0. ZERO CONVENTION: once the balance
 *     reaches 0 the API refuses every call, so nothing is spent or refunded; the history CONTINUES at
 *     exactly 0 until a top-up or the end of the history (it never ends early).
 *
 * Every history starts on Monday 2024-03-04 00:00 UTC, so day 0 is a Monday and the business-hours
 * pattern lines up with the weekly profile's hour of week 0.
 */
import type { Row } from '../../src/backtest/input.js';
import { mulberry32 } from '../../test/helpers/fixtures.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Monday 2024-03-04 00:00 UTC. */
export const T0 = Date.UTC(2024, 2, 4);
export const DEFAULT_SEED = 20240304;

export interface BenchHistory {
  readonly name: string;
  readonly description: string;
  readonly days: number;
  readonly rows: readonly Row[];
  /** When a top-up landed (epoch ms): ground truth from the generator. */
  readonly topups: readonly number[];
  /** spend_anomaly must fire on this history (a burst or fraud); it must stay quiet on the others. */
  readonly anomalyExpected: boolean;
}

// ---------------------------------------------------------------- randomness


/** FNV-1a: each history gets its own stream (seed ⊕ hash(name)), so adding one changes no other. */
function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

class Noise {
  private spare: number | null = null;
  constructor(readonly uniform: () => number) {}

  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.uniform(); // (0, 1]
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal multiplier with mean 1. */
  lognormal1(sigma: number): number {
    return sigma === 0 ? 1 : Math.exp(sigma * this.normal() - (sigma * sigma) / 2);
  }

  /** Poisson count: Knuth's product method for small means, a rounded normal for large ones. */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }
}

// ---------------------------------------------------------------- scenario description

interface Spec {
  name: string;
  description: string;
  days: number;
  /** Balance at t = T0 (credits). */
  start: number;
  /** Expected spend rate at t (credits/hour), before noise. */
  rate: (t: number) => number;
  /** σ of the hourly lognormal multiplier (default 0.25). */
  hourSigma?: number;
  /** Credits per billable event (default 0.05). */
  unit?: number;
  /** Each minute, with probability `prob`, a refund of U(0.05, max) credits (max < 1: never a top-up). */
  refunds?: { prob: number; max: number };
  /** Noise around a balance that does not move: each minute with probability `prob(t)` a ± U(0.01, max) step. */
  jitter?: { prob: (t: number) => number; max: number };
  /** Credits added at the end of minute t, given the balance then (0: none). */
  topup?: (t: number, balance: number) => number;
  anomalyExpected?: boolean;
}

/** Hour of week, Monday 00:00 UTC = 0 (1970-01-01 was a Thursday, 72 h into its week). */
const hourOfWeek = (t: number): number => (Math.floor(t / HOUR_MS) + 72) % 168;
const dayAt = (d: number, hour = 0, minute = 0): number => T0 + d * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Mon–Fri 08–18 UTC `heavy`, weekday nights `night`, Saturday and Sunday `weekend` (credits/hour). */
function businessHours(heavy: number, night: number, weekend: number): (t: number) => number {
  return (t) => {
    const how = hourOfWeek(t);
    const day = Math.floor(how / 24); // 0 = Monday
    const hour = how % 24;
    if (day >= 5) return weekend;
    return hour >= 8 && hour < 18 ? heavy : night;
  };
}

/** A higher rate `factor`× over [from, to), the base rate elsewhere. */
function burst(base: (t: number) => number, from: number, to: number, factor: number): (t: number) => number {
  return (t) => (t >= from && t < to ? base(t) * factor : base(t));
}

function at(...times: [number, number][]): (t: number, balance: number) => number {
  return (t) => times.find(([when]) => when === t)?.[1] ?? 0;
}

const SPECS: readonly Spec[] = [
  {
    name: 'steady_burn',
    description: 'flat 4 credits/h, 480 credits: runs out on day 5, then stays at 0',
    days: 7,
    start: 480,
    rate: () => 4,
  },
  {
    name: 'business_depletes',
    description: 'Mon–Fri 08–18 UTC 20/h, nights 1/h, weekends 0.1/h; 1800 credits last ~10 days',
    days: 14,
    start: 1800,
    rate: businessHours(20, 1, 0.1),
  },
  {
    name: 'business_topups',
    description: 'same business hours, 1500 credits + 1100 every Monday 07:00 (week 2): never runs out',
    days: 14,
    start: 1500,
    rate: businessHours(20, 1, 0.1),
    topup: at([dayAt(7, 7), 1100]),
  },
  {
    name: 'campaign_burst',
    description: '5/h, a campaign ×8 for 6 h on day 5 (10–16 UTC) drains the last 250 credits',
    days: 8,
    start: 900,
    rate: burst(() => 5, dayAt(5, 10), dayAt(5, 16), 8),
    anomalyExpected: true,
  },
  {
    name: 'growing_usage',
    description: 'usage grows 15 %/day from 3/h; 1300 credits run out on day ~9',
    days: 11,
    start: 1300,
    rate: (t) => 3 * Math.pow(1.15, (t - T0) / DAY_MS),
  },
  {
    name: 'auto_recharge',
    description: '1.2/h; auto-recharge of 20 credits whenever the balance is below 30: never reaches 0',
    days: 10,
    start: 45,
    rate: () => 1.2,
    topup: (_t, balance) => (balance < 30 ? 20 : 0),
  },
  {
    name: 'large_topup',
    description: '5/h from 500; +700 on day 3 at 12:00 (balance ~80) postpones the end to day ~10',
    days: 12,
    start: 500,
    rate: () => 5,
    topup: at([dayAt(3, 12), 700]),
  },
  {
    name: 'usage_stops',
    description: '6/h for 3 days from 800, then traffic stops (noise only): never runs out',
    days: 10,
    start: 800,
    rate: (t) => (t < dayAt(3) ? 6 : 0),
    jitter: { prob: (t) => (t < dayAt(3) ? 0 : 0.02), max: 0.3 },
  },
  {
    name: 'flat_wallet',
    description: 'dormant wallet at 75 credits, ± refund/charge noise only',
    days: 7,
    start: 75,
    rate: () => 0,
    jitter: { prob: () => 0.02, max: 0.3 },
  },
  {
    name: 'slow_burn_60d',
    description: '0.08/h from 120 credits: would last 62 days',
    days: 14,
    start: 120,
    rate: () => 0.08,
    unit: 0.01,
  },
  {
    name: 'sms_pumping',
    description: '3/h from 1500; SMS-pumping fraud ×20 for 3 h on day 4 at 01–04 UTC; never runs out',
    days: 10,
    start: 1500,
    rate: burst(() => 3, dayAt(4, 1), dayAt(4, 4), 20),
    anomalyExpected: true,
  },
  {
    name: 'noisy_refunds',
    description: '4/h with very lumpy hours (σ 0.5) and frequent refunds < 1 credit (net ~3.1/h); 520 credits, runs out on day ~7',
    days: 8,
    start: 520,
    rate: () => 4,
    hourSigma: 0.5,
    refunds: { prob: 0.03, max: 0.9 },
  },
  {
    name: 'new_account_fast',
    description: 'brand-new wallet, 5/h from 200: runs out after ~40 h (short-history case)',
    days: 3,
    start: 200,
    rate: () => 5,
  },
];

// ---------------------------------------------------------------- generation

function generate(spec: Spec, seed: number): BenchHistory {
  const noise = new Noise(mulberry32((seed ^ hashName(spec.name)) >>> 0));
  const unit = spec.unit ?? 0.05;
  const sigma = spec.hourSigma ?? 0.25;
  const n = spec.days * 24 * 60 + 1;
  const rows: Row[] = new Array<Row>(n);
  const topups: number[] = [];
  let balance = spec.start;
  let hourMult = 1;
  rows[0] = { t: T0, balance };
  for (let i = 1; i < n; i++) {
    const t = T0 + i * MINUTE_MS;
    if ((i - 1) % 60 === 0) hourMult = noise.lognormal1(sigma); // a new hour starts with this minute
    if (balance > 0) {
      const events = noise.poisson(((spec.rate(t) / 60) * hourMult) / unit);
      balance -= events * unit;
      if (spec.refunds && balance > 0 && noise.uniform() < spec.refunds.prob) balance += noise.between(0.05, spec.refunds.max);
      if (spec.jitter && balance > 0 && noise.uniform() < spec.jitter.prob(t)) {
        const step = noise.between(0.01, spec.jitter.max);
        balance += noise.uniform() < 0.5 ? step : -step;
      }
      balance = Math.max(0, round2(balance));
    }
    const add = spec.topup?.(t, balance) ?? 0;
    if (add > 0) {
      balance = round2(balance + add);
      topups.push(t);
    }
    rows[i] = { t, balance };
  }
  return { name: spec.name, description: spec.description, days: spec.days, rows, topups, anomalyExpected: spec.anomalyExpected ?? false };
}

/** The whole corpus for one seed. */
export function corpus(seed: number = DEFAULT_SEED): BenchHistory[] {
  return SPECS.map((s) => generate(s, seed));
}
