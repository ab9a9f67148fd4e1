// Engine types, the local clock and the price models (unit economics of one billable event).
// Written blind: nothing here is derived from, or tuned against, any forecaster.
import { hashSeed, makeRng } from '../forecast-blackbox/prng.js';
import type { Rng } from '../forecast-blackbox/prng.js';

/** One billable event's price. Every model is sampled per event and rounded to the plan's `decimals`. */
export type PriceModel =
  /** per API request / per conversation / per verification */
  | { type: 'flat'; price: number }
  /** one of several fixed prices (e.g. WhatsApp conversation categories, destination mix) */
  | { type: 'pick'; prices: readonly number[]; weights: readonly number[] }
  /** SMS: price per segment, segWeights[k] = probability of k+1 segments */
  | { type: 'sms'; perSegment: number; segWeights: readonly number[] }
  /** voice: log-normal duration (heavy tail), billed firstInc then inc seconds (60/60, 6/6, 1/1), unanswered = free */
  | { type: 'voice'; perMin: number; medianSec: number; sigma: number; firstInc: number; inc: number; answer: number };

export interface LocalTime {
  /** local fractional hour 0..24 */
  hour: number;
  /** local day of week, 0 = Sunday */
  dow: number;
  /** days since 1970-01-01 in local time (key for day-to-day noise) */
  localDay: number;
}

export interface Charge {
  minute: number;
  amount: number;
}

export interface ObsSpec {
  /** max poller jitter in seconds (0 = readings exactly on the minute) */
  jitterSec: number;
  /** probability that a poll is skipped */
  skipProb: number;
  /** poller outage: no readings for minutes [from, from + len) */
  outage?: { from: number; len: number };
  /** provider balance refreshes only every N minutes (1 = every minute) */
  refreshEvery: number;
}

export interface SimState {
  m: number;
  lt: LocalTime;
  /** true balance at the start of minute m */
  balance: number;
  /** actual traffic + fixed charges so far */
  spent: number;
  empty: boolean;
  /** minutes the wallet has been empty (0 when not empty) */
  dryFor: number;
  depletions: number;
}

export interface Curve {
  /** minutes covered by the expected curve (history + at least 4 days) */
  readonly horizon: number;
  /** expected spend of minutes [0, m), length horizon + 1 */
  readonly cum: Float64Array;
  /** expected traffic spend of minute m (no fixed charges) */
  readonly traffic: Float64Array;
  readonly clock: (m: number) => LocalTime;
  /** expected spend of minutes [a, b); extrapolated with the last day's rate past the horizon */
  spend(a: number, b: number): number;
  /** the minute closest to `target` (within +-windowMin) whose expected traffic is >= frac x the window's peak */
  flowingNear(target: number, windowMin?: number, frac?: number): number;
  /** expected spend per day over the 4 days from m */
  dailyAfter(m: number): number;
}

export interface Plan {
  tz: string;
  /** unix seconds of minute 0 (a whole minute) */
  start: number;
  /** rounding of each event's charge */
  decimals: number;
  /** rounding of the balance the provider reports */
  shownDecimals: number;
  streams: readonly PriceModel[];
  /** expected billable events per minute for each stream */
  rate(m: number, lt: LocalTime): readonly number[];
  /** scheduled fixed charges (rentals, fees): charged as-is and part of the expected curve */
  fixed?: readonly Charge[];
  /** further scheduled debits that are only known in expectation (e.g. forfeited promo credit) */
  extraExpected?(c: Curve): readonly Charge[];
  /** log-space sigma of the mean-one day-to-day and hour-to-hour demand factors */
  dayNoise: number;
  hourNoise: number;
  /** history length in minutes and the balance at minute 0 */
  setup(c: Curve): { minutes: number; initial: number };
  /** balance adjustment at the start of minute m: > 0 top-up / credit, < 0 non-traffic debit */
  adjust?(s: SimState, c: Curve): number;
  obs(minutes: number): ObsSpec;
}

export interface KindDef {
  name: string;
  /** intended depletions per history (0 = must never run dry) */
  depletions: number;
  what: string;
  build(rng: Rng): Plan;
}

export const HORIZON_DAYS = 22;
export const MIN_DAYS = 3;
export const MAX_DAYS = 14;

// ---------------------------------------------------------------- local clock

const formats = new Map<string, Intl.DateTimeFormat>();

/** offset of `tz` from UTC in minutes at `utcSec` (DST-aware, via the runtime's ICU data) */
export function tzOffsetMin(tz: string, utcSec: number): number {
  let f = formats.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(tz, f);
  }
  const p = new Map<string, number>();
  for (const part of f.formatToParts(new Date(utcSec * 1000))) p.set(part.type, Number(part.value));
  const g = (k: string): number => p.get(k) ?? 0;
  const local = Date.UTC(g('year'), g('month') - 1, g('day'), g('hour'), g('minute')) / 1000;
  return Math.round((local - Math.floor(utcSec / 60) * 60) / 60);
}

/** m (minutes since start) -> local time; offsets cached per UTC hour */
export function localClock(tz: string, start: number): (m: number) => LocalTime {
  const cache = new Map<number, number>();
  return (m: number): LocalTime => {
    const utc = start + 60 * m;
    const hourIdx = Math.floor(utc / 3600);
    let off = cache.get(hourIdx);
    if (off === undefined) {
      off = tzOffsetMin(tz, hourIdx * 3600);
      cache.set(hourIdx, off);
    }
    const local = utc + off * 60;
    const localDay = Math.floor(local / 86400);
    return { hour: (local - localDay * 86400) / 3600, dow: (((localDay + 4) % 7) + 7) % 7, localDay };
  };
}

// ---------------------------------------------------------------- prices

export function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

export function pickIndex(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] ?? 0;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

export function samplePrice(p: PriceModel, rng: Rng, decimals: number): number {
  switch (p.type) {
    case 'flat':
      return roundTo(p.price, decimals);
    case 'pick':
      return roundTo(p.prices[pickIndex(rng, p.weights)] ?? 0, decimals);
    case 'sms':
      return roundTo((pickIndex(rng, p.segWeights) + 1) * p.perSegment, decimals);
    case 'voice': {
      if (rng.next() >= p.answer) return 0;
      const dur = Math.min(4 * 3600, Math.max(1, rng.logNormal(p.medianSec, p.sigma)));
      const billed = dur <= p.firstInc ? p.firstInc : p.firstInc + Math.ceil((dur - p.firstInc) / p.inc) * p.inc;
      return roundTo((billed / 60) * p.perMin, decimals);
    }
  }
}

const priceCache = new Map<string, number>();

/** expected price per event (exact for flat/pick/sms, Monte Carlo with a fixed seed for voice) */
export function expectedPrice(p: PriceModel, decimals: number): number {
  const key = `${JSON.stringify(p)}|${decimals}`;
  const hit = priceCache.get(key);
  if (hit !== undefined) return hit;
  let value: number;
  if (p.type === 'flat') value = roundTo(p.price, decimals);
  else if (p.type === 'pick' || p.type === 'sms') {
    const w = p.type === 'pick' ? p.weights : p.segWeights;
    let total = 0;
    let acc = 0;
    for (let i = 0; i < w.length; i++) {
      const wi = w[i] ?? 0;
      total += wi;
      acc += wi * (p.type === 'pick' ? roundTo(p.prices[i] ?? 0, decimals) : roundTo((i + 1) * p.perSegment, decimals));
    }
    value = acc / total;
  } else {
    const rng = makeRng(hashSeed(key));
    const n = 60000;
    let acc = 0;
    for (let i = 0; i < n; i++) acc += samplePrice(p, rng, decimals);
    value = acc / n;
  }
  priceCache.set(key, value);
  return value;
}
