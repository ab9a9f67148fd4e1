/**
 * Burn rate and runway, PURE: the daemon, `check` and `backtest` all call these with the time passed in.
 */
import type { History, Sample } from './history.js';

export const BURN_WINDOWS = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 } as const;
export type BurnWindow = keyof typeof BURN_WINDOWS;
export const BURN_WINDOW_NAMES = Object.keys(BURN_WINDOWS) as BurnWindow[];

/** The least evidence before a runway is finite: this many samples over this long, with net consumption. */
export const MIN_RUNWAY_EVIDENCE = { samples: 3, spanMs: 10_000 } as const;

const HOUR_MS = 3_600_000;

/** Net credits per hour over the samples inside [now − windowMs, now] (never below 0); NaN with fewer than two. */
export function burnRate(samples: readonly Sample[], now: number, windowMs: number): number {
  const from = now - windowMs;
  let first: Sample | undefined;
  let last: Sample | undefined;
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i]!;
    if (s.t > now) continue;
    if (s.t < from) break;
    last ??= s;
    first = s;
  }
  if (!first || !last || last.t <= first.t) return NaN;
  return Math.max(0, ((last.consumed - first.consumed) / (last.t - first.t)) * HOUR_MS);
}

export type BurnRates = Record<BurnWindow, number>;

export function burnRates(h: History, now: number): BurnRates {
  const out = {} as BurnRates;
  for (const w of BURN_WINDOW_NAMES) out[w] = burnRate(h.samples, now, BURN_WINDOWS[w]);
  return out;
}

export interface Forecast {
  rates: BurnRates;
  /** The rate the runway rests on (credits/hour); 0 while not burning. */
  burnRatePerHour: number;
  /** Seconds until the balance reaches 0; Infinity while not burning; 0 once empty. */
  runwaySeconds: number;
}

/**
 * Runway from the current balance and the fastest of the burn-rate windows: a recent burst shortens
 * the forecast at once, a quiet hour never hides a day of spend (err toward warning).
 */
export function forecast(h: History, balance: number | null, now: number): Forecast {
  const rates = burnRates(h, now);
  const finite = BURN_WINDOW_NAMES.map((w) => rates[w]).filter((r) => Number.isFinite(r));
  const rate = hasEvidence(h.samples, now) ? Math.max(0, ...finite) : 0;
  let runwaySeconds = Infinity;
  if (balance !== null && balance <= 0) runwaySeconds = 0;
  else if (balance !== null && rate > 0) runwaySeconds = (balance / rate) * 3600;
  return { rates, burnRatePerHour: rate, runwaySeconds };
}

function hasEvidence(samples: readonly Sample[], now: number): boolean {
  const inWindow = samples.filter((s) => s.t <= now && s.t >= now - BURN_WINDOWS['24h']);
  const first = inWindow[0];
  const last = inWindow.at(-1);
  return (
    inWindow.length >= MIN_RUNWAY_EVIDENCE.samples &&
    first !== undefined &&
    last !== undefined &&
    last.t - first.t >= MIN_RUNWAY_EVIDENCE.spanMs &&
    last.consumed > first.consumed
  );
}
