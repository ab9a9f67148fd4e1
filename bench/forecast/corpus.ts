/**
 * The benchmark corpus: seeded synthetic balance histories of prepaid wallets at one reading a minute
 * (3–14 days), PURE and deterministic: the same (kind, seed) gives the same rows, bit for bit.
 *
 * A KIND is a family of histories (a usage pattern); each SEED draws one history of it with its own
 * magnitudes (balances 50…100 000 credits, rates 0.1…1000 credits/h, charge sizes from fractions of a
 * credit to several credits), so nothing can be tuned to one scale.
 *
 * Two parts:
 *   tuning   the tuning kinds (kinds.ts) with the tuning seeds 1…N;
 *   heldout  the same tuning kinds with other seeds (1001…1000+N), and the held-out kinds (heldout.ts),
 *            written separately with their own generator code (event-driven, not the per-minute Poisson
 *            generator below). NOBODY TUNES ON THE HELD-OUT PART: look at its totals, never at its
 *            histories, when changing the estimator.
 *
 * The tuning kinds' generator, minute by minute: the kind's expected rate (credits/h) × an hourly
 * lognormal multiplier (mean 1: busy and quiet hours) → a Poisson number of billable events × the unit
 * charge (or × each event's own size: a call's billed minutes); then optional refunds, one-off charges (a
 * monthly number rental), top-ups. The true balance never goes below 0; once it is 0 nothing more is
 * spent until a top-up. The reading is the true balance rounded to 0.01 (or to whole credits), and
 * minutes inside a gap (the daemon was down) have no reading.
 */
import type { Row } from '../../src/backtest/input.js';
import { Noise } from './noise.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Monday 2024-03-04 00:00 UTC: the default start, so day 0 is a Monday. */
const MONDAY = Date.UTC(2024, 2, 4);

export type Part = 'tuning' | 'heldout';
/** Extra per-kind targets from the issue. */
export type Check = 'quiet-first-24h' | 'critical-first-hour';

export interface Kind {
  readonly name: string;
  /** 'tuning': a tuning kind (held-out seeds still go to the held-out part); 'heldout': a held-out kind. */
  readonly part: Part;
  readonly description: string;
  readonly check?: Check;
  /** One history of this kind for this seed, its first reading at `t0` (Monday 00:00 UTC, or later with `--start-shift`). */
  readonly build: (noise: Noise, t0: number) => { rows: Row[]; description: string; expected?: Expected };
}

/** What the generator expected a tuning history to spend (for bench/forecast/oracle.ts): credits/h and one-off charges at t. */
export interface Expected {
  readonly rate: (t: number) => number;
  readonly charge?: (t: number) => number;
  /** The random part: the mean charge, each charge's size in units (default 1), and σ of the hourly busy/quiet multiplier. */
  readonly unit: number;
  readonly eventSize?: () => number;
  readonly hourSigma: number;
}

export interface BenchHistory {
  readonly kind: string;
  readonly part: Part;
  readonly seed: number;
  readonly name: string;
  readonly description: string;
  readonly check?: Check;
  readonly rows: readonly Row[];
}

export const TUNING_SEED_BASE = 0;
export const HELDOUT_SEED_BASE = 1000;

/**
 * The history of (kind, seed) as generated, with its expected spend for the oracle when it has one: one noise
 * stream per name. `shiftHours` starts it that much after Monday 00:00 UTC (the kind's times, its expected
 * spend's included, are read from that start).
 */
export function built(kind: Kind, seed: number, shiftHours = 0): ReturnType<Kind['build']> {
  return kind.build(new Noise(`${kind.name}#${seed}`), MONDAY + shiftHours * HOUR_MS);
}

export function history(kind: Kind, part: Part, seed: number, shiftHours = 0): BenchHistory {
  const { rows, description } = built(kind, seed, shiftHours);
  return { kind: kind.name, part, seed, name: `${kind.name}#${seed}`, description, rows, ...(kind.check ? { check: kind.check } : {}) };
}

export interface Planned {
  kind: Kind;
  part: Part;
  seed: number;
  /** Hours after Monday 00:00 UTC the history starts: 0, or with `startShift` any hour of the week (from the seed). */
  shiftHours: number;
}

/** The history a planned run replays. */
export const historyOf = (j: Planned): BenchHistory => history(j.kind, j.part, j.seed, j.shiftHours);

/**
 * Which (kind, part, seed) make up a run. Held-out kinds only ever appear in the held-out part. With
 * `startShift` each history starts at an hour of the week drawn from its name instead of Monday 00:00 UTC.
 */
export function plan(kinds: readonly Kind[], part: Part | 'all', seeds: number, startShift = false): Planned[] {
  const out: Planned[] = [];
  for (const p of ['tuning', 'heldout'] as const) {
    if (part !== 'all' && part !== p) continue;
    for (const kind of kinds) {
      if (p === 'tuning' && kind.part === 'heldout') continue;
      const base = p === 'tuning' ? TUNING_SEED_BASE : HELDOUT_SEED_BASE;
      for (let s = 1; s <= seeds; s++) {
        const shiftHours = startShift ? new Noise(`${kind.name}#${base + s}#start`).int(0, 167) : 0;
        out.push({ kind, part: p, seed: base + s, shiftHours });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- the tuning kinds' generator

export interface Spec {
  description: string;
  days: number;
  /** First reading, when not the history's start (generate()'s `start`). */
  t0?: number;
  /** Balance at t0. */
  start: number;
  /** Expected spend at t (credits/hour), before noise. */
  rate: (t: number) => number;
  /** Credits per billable event (its mean, with `eventSize`). */
  unit: number;
  /** Each event's size relative to `unit` (mean 1), e.g. a call's billed minutes; default: every event is one unit. */
  eventSize?: () => number;
  /** σ of the hourly lognormal multiplier (default 0.25). */
  hourSigma?: number;
  /**
   * The rate is itself a random draw (an hourly table of regimes or bursts drawn from the seed): it is
   * not what anyone could expect, so the history has no `expected` spend for the oracle.
   */
  rateIsDrawn?: boolean;
  /** Each minute with probability `prob`, a refund of `size()` credits. */
  refunds?: { prob: number; size: () => number };
  /** A one-off charge at minute t (e.g. the monthly rental of numbers); 0 = none. */
  charge?: (t: number) => number;
  /** Credits added at minute t given the balance then; 0 = none. */
  topup?: (t: number, balance: number) => number;
  /** [from, to): no readings (the daemon was down); the wallet keeps spending. */
  gaps?: readonly (readonly [number, number])[];
  /** Readings rounded to whole credits (default: to 0.01). */
  wholeCredits?: boolean;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const sum = (n: number, draw: () => number): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += draw();
  return s;
};

export function generate(spec: Spec, noise: Noise, start: number): Row[] {
  const t0 = spec.t0 ?? start;
  const sigma = spec.hourSigma ?? 0.25;
  const n = spec.days * 24 * 60 + 1;
  const rows: Row[] = [];
  let balance = spec.start;
  let hourMult = 1;
  const read = (b: number): number => (spec.wholeCredits ? Math.round(b) : round2(b));
  const inGap = (t: number): boolean => spec.gaps?.some(([a, b]) => t >= a && t < b) ?? false;
  rows.push({ t: t0, balance: read(balance) });
  for (let i = 1; i < n; i++) {
    const t = t0 + i * MINUTE_MS;
    if ((i - 1) % 60 === 0) hourMult = noise.lognormal1(sigma);
    if (balance > 0) {
      const events = noise.poisson(((spec.rate(t) / 60) * hourMult) / spec.unit);
      balance -= spec.unit * (spec.eventSize ? sum(events, spec.eventSize) : events);
      balance -= spec.charge?.(t) ?? 0;
      if (spec.refunds && balance > 0 && noise.uniform() < spec.refunds.prob) balance += spec.refunds.size();
      balance = Math.max(0, balance);
    }
    balance += spec.topup?.(t, read(balance)) ?? 0;
    if (!inGap(t)) rows.push({ t, balance: read(balance) });
  }
  return rows;
}

/** (oracle.ts, diag.ts --vs-oracle) Cumulative expected spend at each minute from rows[0].t to `extraMinutes` past the last row. */
export function expectedCumulative(rows: readonly Row[], e: Expected, extraMinutes: number): Float64Array {
  const t0 = rows[0]!.t;
  const n = Math.round((rows.at(-1)!.t - t0) / MINUTE_MS) + extraMinutes + 1;
  const cum = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const t = t0 + i * MINUTE_MS;
    cum[i] = cum[i - 1]! + e.rate(t) / 60 + (e.charge?.(t) ?? 0);
  }
  return cum;
}

/** Minutes until the expected spend from minute i reaches `balance` (Infinity past the table; expectedCumulative). */
export function expectedRunwayMinutes(cum: Float64Array, i: number, balance: number): number {
  const target = cum[i]! + balance;
  if (cum[cum.length - 1]! < target) return Infinity;
  let lo = i;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo - i;
}

/** Expected spend (credits) of `rate` from `from` to `to`, minute by minute. */
export function expectedSpend(rate: (t: number) => number, from: number, to: number): number {
  let s = 0;
  for (let t = from + MINUTE_MS; t <= to; t += MINUTE_MS) s += rate(t) / 60;
  return s;
}

/** A unit charge giving about `eventsPerMinute` billable events a minute at `ratePerHour`, to 3 significant digits. */
export function unitFor(ratePerHour: number, eventsPerMinute: number): number {
  const u = ratePerHour / 60 / eventsPerMinute;
  const p = 10 ** (Math.floor(Math.log10(u)) - 2);
  return Math.max(0.0001, Math.round(u / p) * p);
}

/** Hour of week, Monday 00:00 UTC = 0 (1970-01-01 was a Thursday, 72 h into its week). */
export const hourOfWeek = (t: number): number => (Math.floor(t / HOUR_MS) + 72) % 168;
export const dayAt = (t0: number, d: number, hour = 0, minute = 0): number => t0 + d * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS;
/** The day number of `t` counted from `t0`, to a tenth (for a history's description). */
export const dayOf = (t0: number, t: number): string => ((t - t0) / DAY_MS).toFixed(1);
export const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2));
