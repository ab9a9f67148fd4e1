// Shared building blocks for the third corpus's kinds: daily/weekly profiles, price models for calls,
// SMS and API requests, time zones with their public holidays, poller defaults, human reaction times.

import type { Rng } from '../forecast-blackbox/prng.js';
import { Clock, DAY, nice, priceModel, flatPrice, spendBetween, type Obs, type Plan, type PriceModel, type Stream } from './engine.js';

export interface Built { plan: Plan; clock: Clock }
/** depletions: how many times the kind is meant to run dry inside its history */
export interface KindDef { name: string; depletions: number; build: (rng: Rng, label: string) => Built }

export const stream = (rate: Float64Array, price: PriceModel, wobble = 0.12, daySd = 0.08, wobbleMin = 60, dayCap?: number): Stream =>
  dayCap === undefined ? { rate, price, wobble, wobbleMin, daySd } : { rate, price, wobble, wobbleMin, daySd, dayCap };

// Local-hour profiles (00..23), relative.
export const OFFICE = [0.05, 0.04, 0.03, 0.03, 0.03, 0.05, 0.12, 0.35, 0.8, 1.3, 1.5, 1.45, 1.1, 1.3, 1.45, 1.4, 1.2, 0.85, 0.5, 0.3, 0.2, 0.14, 0.1, 0.07];
export const EVENING = [0.6, 0.4, 0.25, 0.15, 0.1, 0.1, 0.2, 0.4, 0.6, 0.7, 0.75, 0.8, 0.9, 0.85, 0.8, 0.85, 0.95, 1.1, 1.4, 1.8, 2.0, 1.9, 1.5, 1.0];
export const ROUND_CLOCK = [0.7, 0.65, 0.6, 0.6, 0.62, 0.7, 0.85, 1.0, 1.15, 1.25, 1.3, 1.3, 1.25, 1.25, 1.3, 1.3, 1.25, 1.2, 1.1, 1.0, 0.95, 0.9, 0.8, 0.75];
export const TRANSACTIONAL = [0.25, 0.15, 0.1, 0.08, 0.1, 0.2, 0.5, 0.9, 1.3, 1.5, 1.5, 1.45, 1.4, 1.4, 1.4, 1.35, 1.3, 1.3, 1.3, 1.25, 1.1, 0.9, 0.6, 0.4];
// Weekly (Sunday..Saturday), relative.
export const WEEKDAYS = [0.06, 1, 1, 1, 1, 0.95, 0.12];
export const ALL_WEEK = [0.9, 1, 1, 1, 1, 1, 0.9];
export const WEEKEND_HEAVY = [1.45, 0.85, 0.85, 0.9, 0.9, 1.05, 1.5];
export const BUSINESS_WEEK = [0.55, 1.05, 1.05, 1.05, 1.05, 1.0, 0.65];

/** Monday 27 April 2026, 00:00 UTC. Every history starts within the following week. */
export const BASE_START = Date.UTC(2026, 3, 27) / 1000;
const epochDay = (y: number, mo: number, d: number): number => Date.UTC(y, mo - 1, d) / 86400000;

export interface Zone { name: string; tzMin: number; holidays: number[] }
export const ZONES: readonly Zone[] = [
  { name: 'America/New_York', tzMin: -240, holidays: [] },
  { name: 'America/Chicago', tzMin: -300, holidays: [] },
  { name: 'America/Sao_Paulo', tzMin: -180, holidays: [epochDay(2026, 5, 1)] },
  { name: 'Europe/London', tzMin: 60, holidays: [epochDay(2026, 5, 4)] },
  { name: 'Europe/Berlin', tzMin: 120, holidays: [epochDay(2026, 5, 1)] },
  { name: 'Asia/Kolkata', tzMin: 330, holidays: [epochDay(2026, 5, 1)] },
  { name: 'Asia/Tokyo', tzMin: 540, holidays: [epochDay(2026, 4, 29), epochDay(2026, 5, 4), epochDay(2026, 5, 5), epochDay(2026, 5, 6)] },
  { name: 'Australia/Sydney', tzMin: 600, holidays: [] },
];

/** A start second in the week after BASE_START: any weekday, any hour. */
export function pickStart(rng: Rng): number {
  return BASE_START + rng.int(0, 6) * 86400 + rng.int(0, 23) * 3600 + rng.int(0, 59) * 60 + rng.int(0, 59);
}

/** Every kind builds on a 14-day clock (the longest history); its plan then says how many minutes it keeps. */
export function setup(rng: Rng): { zone: Zone; clock: Clock } {
  const zone = rng.pick(ZONES);
  return { zone, clock: new Clock(pickStart(rng), zone.tzMin, 14 * DAY) };
}

/** Minute of the first 00:00 UTC at or after `from` minutes (monthly fixed charges land there). */
export function utcMidnightAfter(c: Clock, from: number): number {
  const t = c.start + from * 60;
  return Math.ceil((Math.ceil(t / 86400) * 86400 - c.start) / 60);
}

/**
 * A depletion target (minute) between loH and hiH hours where spend is flowing on both sides: the
 * 24 h before and after it each carry >= `share` of all the expected spend up to it. A few per cent of
 * traffic noise then moves the depletion by hours, not across a weekend or a holiday lull.
 */
export function busyTarget(rng: Rng, cum: Float64Array, loH: number, hiH: number, share = 0.12): number {
  let best = 0;
  let bestScore = -1;
  for (let i = 0; i < 60; i++) {
    const m = Math.round(rng.uniform(loH, hiH) * 60);
    const score = Math.min(cum[m]! - cum[m - DAY]!, cum[m + DAY]! - cum[m]!) / cum[m]!;
    if (score >= share) return m;
    if (score > bestScore) [best, bestScore] = [m, score];
  }
  return best;
}

/** First minute m with cum[m] - cum[from] >= amount (or the end of the curve). */
export function whenSpent(cum: Float64Array, from: number, amount: number): number {
  const base = cum[from]!;
  let m = from;
  while (m < cum.length - 1 && cum[m]! - base < amount) m++;
  return m;
}

/** log-uniform draw, for quantities that span orders of magnitude across wallets */
export const logU = (rng: Rng, lo: number, hi: number): number => Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));

/**
 * A voice call: a share is unanswered (free), answered durations are log-normal (heavy tail, capped),
 * billed in first/next increments (60/60 = per minute, 6/6, 1/1 = per second) at perMin a minute.
 */
export function callPrice(label: string, o: { answered: number; medianSec: number; sigma: number; capSec: number; perMin: number; incr: [number, number]; setup?: number }): PriceModel {
  return priceModel(label, (rng) => {
    if (rng.next() > o.answered) return 0;
    const dur = Math.min(o.capSec, rng.logNormal(o.medianSec, o.sigma));
    const [first, next] = o.incr;
    const billed = dur <= first ? first : first + Math.ceil((dur - first) / next) * next;
    return (billed / 60) * o.perMin + (o.setup ?? 0);
  });
}

/** An SMS priced per segment; segWeights[i] = share of messages with i + 1 segments. */
export function smsPrice(label: string, perSeg: number, segWeights: readonly number[]): PriceModel {
  return priceModel(label, (rng) => {
    let u = rng.next();
    for (let i = 0; i < segWeights.length; i++) {
      u -= segWeights[i]!;
      if (u <= 0) return (i + 1) * perSeg;
    }
    return segWeights.length * perSeg;
  });
}

export const OTP_SEGS = [0.93, 0.07];
export const NOTIFY_SEGS = [0.8, 0.15, 0.05];
export const MARKETING_SEGS = [0.3, 0.5, 0.15, 0.05];

/** A random but plausible voice product. */
export function someCalls(rng: Rng, label: string, perSecond = rng.next() < 0.4): PriceModel {
  return callPrice(label, {
    answered: rng.uniform(0.55, 0.85),
    medianSec: rng.uniform(60, 200),
    sigma: rng.uniform(0.8, 1.3),
    capSec: 3 * 3600,
    perMin: logU(rng, 0.006, 0.06),
    incr: perSecond ? rng.pick([[1, 1], [6, 6], [30, 6]] as [number, number][]) : [60, 60],
  });
}

export const someSms = (rng: Rng, label: string, segs: readonly number[] = NOTIFY_SEGS): PriceModel => smsPrice(label, logU(rng, 0.0045, 0.07), segs);
export const someApi = (rng: Rng): PriceModel => flatPrice(Math.round(logU(rng, 0.0005, 0.03) * 1e5) / 1e5);

/** The usual poller: a reading a minute with jitter, rare skips, an occasional daemon outage. */
export function poller(rng: Rng, o: Partial<Obs> = {}): Obs {
  const stale = rng.next() < 0.25;
  return {
    gap: rng.next() < 0.3 ? [59, 61] : [50, 70],
    skip: rng.uniform(0, 0.02),
    outages: rng.int(0, 2),
    outageHours: [1, 6],
    calmFirstMin: DAY,
    everyMin: stale ? rng.int(5, 15) : 1,
    lagMin: rng.next() < 0.2 ? rng.int(1, 3) : 0,
    decimals: 2,
    ...o,
  };
}

/**
 * Minutes until a human notices an empty wallet and tops it up: `quick` hours while they are
 * at work (local workStart..workEnd), otherwise the next morning plus a bit.
 */
export function human(rng: Rng, c: Clock, m: number, quick: [number, number], workStart = 8, workEnd = 20): number {
  const h = c.hour(m);
  const q = rng.uniform(quick[0], quick[1]) * 60;
  if (h >= workStart && h + q / 60 < workEnd + 1) return q;
  return c.nextLocal(m, workStart) - m + rng.uniform(10, 120) + q / 3;
}

/** A human top-up after the wallet runs dry, sized to last `days` at the expected spend from then on. */
export function humanRefill(c: Clock, cum: Float64Array, quick: [number, number], days: [number, number], workStart = 8, workEnd = 20): NonNullable<Plan['refill']> {
  return (m, _nth, rng) => {
    const d = human(rng, c, m, quick, workStart, workEnd);
    return { delayMin: d, amount: nice(spendBetween(cum, m + d, m + d + rng.uniform(days[0], days[1]) * DAY)) };
  };
}

export function makePlan(c: Clock, days: number, p: Omit<Plan, 'start' | 'minutes' | 'tzMin' | 'scheduled' | 'meta'> & Partial<Pick<Plan, 'scheduled' | 'meta'>>): Built {
  const plan: Plan = { start: c.start, minutes: Math.round(days * DAY), tzMin: c.tzMin, scheduled: [], meta: {}, ...p };
  return { plan, clock: c };
}
