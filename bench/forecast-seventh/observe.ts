// What the polling daemon records: one reading a minute, with provider caching, rounding, gaps and outages.
import type { Rng } from '../forecast-blackbox/prng.js';
import type { Row } from './corpus.js';

export interface ObserveSpec {
  /** decimals the provider API shows (2 or 4) */
  decimals: number;
  /** the provider refreshes the balance it reports only every k minutes */
  refreshEvery: number;
  refreshPhase: number;
  /** per-reading probability of a failed poll (timeout, 5xx) */
  dropProb: number;
  /** short gaps (network blips, rate limiting) per day and their median length in minutes */
  gapsPerDay: number;
  gapMedianMin: number;
  /** daemon outages (host reboot, crash loop, deploy) per day and median length in hours */
  outagesPerDay: number;
  outageMedianH: number;
  /** max seconds of jitter added to each poll */
  jitterSec: number;
}

export function pickObserve(rng: Rng, over: Partial<ObserveSpec> = {}): ObserveSpec {
  const refreshEvery = over.refreshEvery ?? rng.pick([1, 1, 1, 1, 1, 2, 5, 5, 10, 15]);
  return {
    decimals: rng.pick([2, 2, 4, 4, 4]),
    refreshEvery,
    refreshPhase: rng.int(0, refreshEvery - 1),
    dropProb: rng.next() < 0.5 ? rng.uniform(0, 0.002) : rng.uniform(0.002, 0.012),
    gapsPerDay: rng.uniform(0, 2),
    gapMedianMin: rng.uniform(3, 12),
    outagesPerDay: rng.next() < 0.55 ? rng.uniform(0.05, 0.25) : 0,
    outageMedianH: rng.uniform(1, 4),
    jitterSec: rng.pick([0, 1, 2, 3]),
    ...over,
  };
}

function mark(missing: Uint8Array, from: number, len: number): void {
  for (let m = Math.max(1, from); m < Math.min(missing.length - 1, from + len); m++) missing[m] = 1;
}

export function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  const v = Math.round(x * f) / f;
  return v <= 0 ? 0 : v;
}

/** rows for minutes [0, minutes); minute 0 and the last minute are always read */
export function observe(spec: ObserveSpec, start: number, bal: Float64Array, minutes: number, rng: Rng): Row[] {
  const missing = new Uint8Array(minutes);
  const days = minutes / 1440;
  const outages = rng.poisson(spec.outagesPerDay * days);
  for (let i = 0; i < outages; i++) {
    const at = rng.int(1, Math.max(1, minutes - 2));
    const len = Math.round(Math.min(12 * 60, Math.max(20, rng.logNormal(spec.outageMedianH * 60, 0.7))));
    mark(missing, at, len);
  }
  const gaps = rng.poisson(spec.gapsPerDay * days);
  for (let i = 0; i < gaps; i++) {
    const at = rng.int(1, Math.max(1, minutes - 2));
    mark(missing, at, Math.round(Math.min(45, Math.max(2, rng.logNormal(spec.gapMedianMin, 0.8)))));
  }
  for (let m = 1; m < minutes - 1; m++) if (rng.next() < spec.dropProb) missing[m] = 1;

  const rows: Row[] = [];
  let offset = rng.int(0, 20);
  let lastRead = -1;
  for (let m = 0; m < minutes; m++) {
    if (missing[m]) continue;
    if (lastRead >= 0 && m - lastRead > 15) offset = rng.int(0, 20); // the daemon came back with a new phase
    lastRead = m;
    const k = spec.refreshEvery;
    const shown = Math.max(0, m - ((((m - spec.refreshPhase) % k) + k) % k));
    const t = start + 60 * m + offset + rng.int(0, spec.jitterSec);
    rows.push({ t, b: roundTo(bal[shown]!, spec.decimals) });
  }
  return rows;
}
