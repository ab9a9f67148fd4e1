/**
 * Burn rate and runway, PURE: the daemon, `check` and `backtest` all call these with the time passed in.
 */
import type { History, Sample } from './history.js';
import { expectedSpend, expectedSpendBefore, profileReady, profileRunway } from './profile.js';

export const BURN_WINDOWS = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 } as const;
export type BurnWindow = keyof typeof BURN_WINDOWS;
export const BURN_WINDOW_NAMES = Object.keys(BURN_WINDOWS) as BurnWindow[];

/** The least evidence before a runway is finite: this many samples over this long, with net consumption. */
export const MIN_RUNWAY_EVIDENCE = { samples: 3, spanMs: 10_000 } as const;

const HOUR_MS = 3_600_000;

/** Net credits per hour over the samples inside [now − windowMs, now] (never below 0); NaN with fewer than two. */
export function burnRate(samples: readonly Sample[], now: number, windowMs: number): number {
  const w = windowSpend(samples, now - windowMs, now);
  return w === null ? NaN : (w.spend / (w.to - w.from)) * HOUR_MS;
}

export type BurnRates = Record<BurnWindow, number>;

export function burnRates(h: History, now: number): BurnRates {
  const out = {} as BurnRates;
  for (const w of BURN_WINDOW_NAMES) out[w] = burnRate(h.samples, now, BURN_WINDOWS[w]);
  return out;
}

export type Confidence = 'none' | 'low' | 'medium' | 'high';
export const CONFIDENCES: readonly Confidence[] = ['none', 'low', 'medium', 'high'];

/** History span below which confidence is none / low / medium; high after. */
export const CONFIDENCE_SPAN_HOURS = { low: 6, medium: 24, high: 72 } as const;
/** The short-window rate is a burst once it is this many times what is expected now. */
const BURST_FACTOR = { rate: 3, profile: 2 } as const;
/** Width of the low/high band around the central runway (rate multiplier). */
const BAND = 1.3;
/** Window of the spend_anomaly comparison. */
export const ANOMALY_WINDOW_MS = 3 * HOUR_MS;

export interface Forecast {
  rates: BurnRates;
  /** The spend rate the central runway rests on (credits/hour); 0 while not burning. */
  burnRatePerHour: number;
  /** Central estimate: seconds until the balance reaches 0; Infinity while not burning; 0 once empty. */
  runwaySeconds: number;
  /** Pessimistic and optimistic ends of the band around it. */
  runwayLowSeconds: number;
  runwayHighSeconds: number;
  /** What depletion_forecast compares: the central runway, or the pessimistic one while history is short. */
  alertRunwaySeconds: number;
  confidence: Confidence;
  /** `profile` once a full week of hourly spend is known, else `rate` (window rates), `none` without evidence. */
  method: 'none' | 'rate' | 'profile';
  /** Spend over the last 3 h, and what the usage pattern expected for those hours; null when unknown. */
  recentSpend: number | null;
  expectedRecentSpend: number | null;
}

/**
 * The runway forecast. With a full weekly profile: spend follows the profile for each coming hour,
 * scaled by how the last 24 h compared with it (growth, a quiet week). Before that: the longest window
 * rate. Either way a burst (the 1 h rate far above what is expected now) takes over at once, and while
 * the history is short the alert looks at the pessimistic end of the band: a short history never
 * silences a wallet that is visibly running out.
 */
export function forecast(h: History, balance: number | null, now: number): Forecast {
  const rates = burnRates(h, now);
  const spanHours = h.firstSampleAt === null ? 0 : (now - h.firstSampleAt) / HOUR_MS;
  const confidence: Confidence =
    spanHours < CONFIDENCE_SPAN_HOURS.low ? 'none' : spanHours < CONFIDENCE_SPAN_HOURS.medium ? 'low' : spanHours < CONFIDENCE_SPAN_HOURS.high ? 'medium' : 'high';
  const recent = windowSpend(h.samples, now - ANOMALY_WINDOW_MS, now);
  const ready = profileReady(h.profile);
  const expectedRecentSpend = recent === null ? null : expectedNormalSpend(h, ready, spanHours, recent.from, recent.to);
  const base = { rates, confidence, recentSpend: recent?.spend ?? null, expectedRecentSpend };

  if (balance !== null && balance <= 0) {
    return { ...base, burnRatePerHour: 0, runwaySeconds: 0, runwayLowSeconds: 0, runwayHighSeconds: 0, alertRunwaySeconds: 0, method: 'none' };
  }
  if (balance === null || !hasEvidence(h.samples, now)) {
    const inf = Infinity;
    return { ...base, burnRatePerHour: 0, runwaySeconds: inf, runwayLowSeconds: inf, runwayHighSeconds: inf, alertRunwaySeconds: inf, method: 'none' };
  }

  const r1h = rates['1h'];
  const seconds = (rate: number) => (rate > 0 ? (balance / rate) * 3600 : Infinity);
  let central: number, low: number, high: number, burnRatePerHour: number;
  let method: Forecast['method'] = 'rate';
  const day = windowSpend(h.samples, now - BURN_WINDOWS['24h'], now);
  const expectedDay = ready && day ? expectedSpend(h.profile, day.from, day.to) : null;
  if (ready && day && expectedDay !== null && expectedDay > 0) {
    method = 'profile';
    // How the last day compared with the pattern, shrunk toward 1 by one average day's spend: a quiet
    // day's ratio of two small numbers is noise, not a trend to multiply the whole week by.
    const averageDay = h.profile.rates.reduce<number>((sum, r) => sum + (r ?? 0), 0) / 7;
    const scale = clamp((day.spend + averageDay) / (expectedDay + averageDay), 0.25, 4);
    // A burst: the last hour far above what the pattern expected of that same hour (not of the coming
    // one: the end of a business day is not a burst, a burst just before opening time is), and above
    // the last 6 h (one noisy hour-of-week value is not a burst).
    const expectedLastHour = (expectedSpendBefore(h.profile, now - HOUR_MS, now) ?? 0) * scale;
    const r6h = Number.isFinite(rates['6h']) ? rates['6h'] : 0;
    const burst = Number.isFinite(r1h) && r1h > BURST_FACTOR.profile * Math.max(expectedLastHour, (expectedDay / 24) * scale, r6h);
    const byProfile = (k: number) => profileRunway(h.profile, balance, now, scale * k);
    const burstRunway = burst ? seconds(r1h) : Infinity;
    central = Math.min(byProfile(1), burstRunway);
    low = Math.min(byProfile(BAND), burstRunway);
    high = byProfile(1 / BAND);
    burnRatePerHour = burst ? r1h : ((expectedSpend(h.profile, now, now + 24 * HOUR_MS) ?? 0) * scale) / 24;
  } else {
    const longest = [rates['24h'], rates['6h'], r1h].find((r) => Number.isFinite(r)) ?? 0;
    // A burst is the last hour far above both longer windows (a busy business hour is not).
    const usual = Math.max(longest, Number.isFinite(rates['6h']) ? rates['6h'] : 0);
    const rate = Number.isFinite(r1h) && r1h > BURST_FACTOR.rate * usual ? r1h : longest;
    central = seconds(rate);
    low = seconds(rate * BAND);
    high = seconds(rate / BAND);
    burnRatePerHour = rate;
  }
  const alertRunwaySeconds = confidence === 'none' || confidence === 'low' ? low : central;
  return { ...base, burnRatePerHour, runwaySeconds: central, runwayLowSeconds: low, runwayHighSeconds: high, alertRunwaySeconds, method };
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/**
 * What normal spend over [from, to] would have been — the more generous of: the same hours one day
 * earlier (steady growth is not an anomaly), and either the weekly profile as learnt before those hours
 * or, before a profile exists, the average rate of the day before them (a busy business morning is not
 * an anomaly). Null before a day of history.
 */
function expectedNormalSpend(h: History, ready: boolean, spanHours: number, from: number, to: number): number | null {
  if (spanHours < 24) return null;
  const day = 24 * HOUR_MS;
  const rateOver = (w: ReturnType<typeof windowSpend>, minMs: number) =>
    w && w.to - w.from >= minMs ? (w.spend / (w.to - w.from)) * (to - from) : null;
  const candidates = [rateOver(windowSpend(h.samples, from - day, to - day), 0.5 * (to - from))];
  if (ready) candidates.push(expectedSpendBefore(h.profile, from, to));
  else candidates.push(rateOver(windowSpend(h.samples, from - day, from), 12 * HOUR_MS));
  const known = candidates.filter((c): c is number => c !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/** Net spend between the first and last sample inside [from, to]; null with fewer than two. */
function windowSpend(samples: readonly Sample[], from: number, to: number): { spend: number; from: number; to: number } | null {
  const [i, j] = inside(samples, from, to);
  if (j - i < 2) return null;
  const first = samples[i]!;
  const last = samples[j - 1]!;
  if (last.t <= first.t) return null;
  return { spend: Math.max(0, last.consumed - first.consumed), from: first.t, to: last.t };
}

/** Index range [i, j) of the samples (sorted by time) with from ≤ t ≤ to: two binary searches. */
function inside(samples: readonly Sample[], from: number, to: number): [number, number] {
  const firstIndex = (pred: (s: Sample) => boolean) => {
    let lo = 0;
    let hi = samples.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(samples[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return [firstIndex((s) => s.t >= from), firstIndex((s) => s.t > to)];
}

/** At least MIN_RUNWAY_EVIDENCE samples over its span inside the last 24 h, with net spend. */
function hasEvidence(samples: readonly Sample[], now: number): boolean {
  const [i, j] = inside(samples, now - BURN_WINDOWS['24h'], now);
  if (j - i < MIN_RUNWAY_EVIDENCE.samples) return false;
  const first = samples[i]!;
  const last = samples[j - 1]!;
  return last.t - first.t >= MIN_RUNWAY_EVIDENCE.spanMs && last.consumed > first.consumed;
}
