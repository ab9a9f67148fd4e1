/**
 * Burn rates over a wallet's raw samples, PURE: net spend between the first and last sample inside a
 * window (the `consumed` counter, so a top-up never counts as negative spend), the 1 h / 6 h / 24 h
 * rates that /metrics and /api/status show, those rates without a one-off charge, and whether there is
 * evidence enough for a finite runway. forecast.ts reads levels from the closed hours; these read the
 * samples themselves.
 */
import type { History } from './history.js';
import { sampleConsumed, sampleCount, sampleT, type Samples } from './packed.js';
import { oneOffOf, typicalFor } from './oneoff.js';

const HOUR_MS = 3_600_000;

export const BURN_WINDOWS = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 } as const;
export type BurnWindow = keyof typeof BURN_WINDOWS;
export const BURN_WINDOW_NAMES = Object.keys(BURN_WINDOWS) as BurnWindow[];

/** The least evidence before a runway is finite: this many samples over this long, with net consumption. */
export const MIN_RUNWAY_EVIDENCE = { samples: 3, spanMs: 10_000 } as const;

/** Net credits per hour over the samples inside [now − windowMs, now] (never below 0); NaN with fewer than two. */
export function burnRate(samples: Samples, now: number, windowMs: number): number {
  const w = windowSpend(samples, now - windowMs, now);
  return w === null ? NaN : (w.spend / (w.to - w.from)) * HOUR_MS;
}

export type BurnRates = Record<BurnWindow, number>;

export function burnRates(h: History, now: number): BurnRates {
  const out = {} as BurnRates;
  for (const w of BURN_WINDOW_NAMES) out[w] = burnRate(h.samples, now, BURN_WINDOWS[w]);
  return out;
}

/** Net spend between the first and last sample inside [from, to]; null with fewer than two. */
export function windowSpend(samples: Samples, from: number, to: number): { spend: number; from: number; to: number } | null {
  const i = firstFrom(samples, from);
  const j = firstAfter(samples, to);
  if (j - i < 2) return null;
  const firstT = sampleT(samples, i);
  const lastT = sampleT(samples, j - 1);
  if (lastT <= firstT) return null;
  return { spend: Math.max(0, sampleConsumed(samples, j - 1) - sampleConsumed(samples, i)), from: firstT, to: lastT };
}

/** Index range [i, j) of the samples (sorted by time) with from ≤ t ≤ to: two binary searches. */
function inside(samples: Samples, from: number, to: number): [number, number] {
  return [firstFrom(samples, from), firstAfter(samples, to)];
}

/**
 * The first sample with t ≥ `from` (sampleCount when none): inside()'s first search, on its own for the
 * callers that run at every reading (no closure, no pair: their numbers were boxed and the pair allocated
 * at each of them).
 */
function firstFrom(samples: Samples, from: number): number {
  let lo = 0;
  let hi = sampleCount(samples);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sampleT(samples, mid) >= from) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first sample with t > `to` (sampleCount when none): inside()'s second search. */
function firstAfter(samples: Samples, to: number): number {
  let lo = 0;
  let hi = sampleCount(samples);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sampleT(samples, mid) > to) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The 1 h and 6 h rates less any one-off charge in them (oneoff.ts oneOffOf: a rental charged at once
 * is not a burst to extrapolate), each over the span its samples cover; NaN (no near reading) when they
 * cover under half of the window: after an outage both windows held minutes, not hours, and a rental
 * charged in them read as hundreds of times the usual spend — a critical page on a wallet months from empty.
 */
export function nearRates(h: History, now: number): { '1h': number; '6h': number } {
  const typical = typicalFor(h.profile, h.profile.open);
  const near = (windowMs: number): number => {
    const w = windowSpend(h.samples, now - windowMs, now);
    if (w === null || w.to - w.from < windowMs / 2) return NaN;
    const perHour = HOUR_MS / (w.to - w.from);
    if (!Number.isFinite(typical)) return w.spend * perHour;
    const [i, j] = inside(h.samples, now - windowMs, now);
    let largest = 0;
    for (let k = i + 1; k < j; k++) largest = Math.max(largest, sampleConsumed(h.samples, k) - sampleConsumed(h.samples, k - 1));
    return (w.spend - oneOffOf(largest, typical)) * perHour;
  };
  return { '1h': near(BURN_WINDOWS['1h']), '6h': near(BURN_WINDOWS['6h']) };
}

/** At least MIN_RUNWAY_EVIDENCE samples over its span inside the last 24 h (or `windowMs`), with net spend. */
export function hasEvidence(samples: Samples, now: number, windowMs: number = BURN_WINDOWS['24h']): boolean {
  return readEnough(samples, now, windowMs) && sampleConsumed(samples, firstAfter(samples, now) - 1) > sampleConsumed(samples, firstFrom(samples, now - windowMs));
}

/** Whether the last `windowMs` hold readings enough to tell whether the wallet spends (MIN_RUNWAY_EVIDENCE). */
export function readEnough(samples: Samples, now: number, windowMs: number = BURN_WINDOWS['24h']): boolean {
  const i = firstFrom(samples, now - windowMs);
  const j = firstAfter(samples, now);
  return j - i >= MIN_RUNWAY_EVIDENCE.samples && sampleT(samples, j - 1) - sampleT(samples, i) >= MIN_RUNWAY_EVIDENCE.spanMs;
}

/**
 * The effective number of charges among the sample-to-sample drops in [from, to] (Kish: (Σd)² ÷ Σd²): the
 * count when they are alike, about 1 when one charge is most of the spend; with their `sum` and the sum of
 * the largest ⌈effective⌉ of them (`top`: the few that make most of it); null without a drop.
 */
export function effectiveCharges(samples: Samples, from: number, to: number): { count: number; effective: number; sum: number; top: number } | null {
  const [i, j] = inside(samples, from, to);
  const drops: number[] = [];
  let sum = 0;
  let sumSq = 0;
  for (let k = i + 1; k < j; k++) {
    const d = sampleConsumed(samples, k) - sampleConsumed(samples, k - 1);
    if (!(d > 0)) continue;
    drops.push(d);
    sum += d;
    sumSq += d * d;
  }
  if (drops.length === 0) return null;
  const effective = (sum * sum) / sumSq;
  drops.sort((a, b) => b - a);
  const top = drops.slice(0, Math.ceil(effective)).reduce((a, d) => a + d, 0);
  return { count: drops.length, effective, sum, top };
}
