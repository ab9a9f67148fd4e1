/**
 * The dispersion of spend, PURE: how much a wallet's hourly spend swings beyond the Poisson noise of its
 * charges, hour to hour and over 6-hour blocks. The forecast's margins and the level-shift tests read it
 * (forecast.ts); it reads the bounded usage record of src/domain/profile.ts.
 */
import { hourCharges, hourCount, hourIndex, hourObservedMs, hourRegular, type Hours } from './packed.js';
import { RECENT_HOURS, type WeeklyProfile } from './profile.js';
import { PRIOR_HOURLY_SIGMA, type Shape } from './shape.js';

const HOUR_MS = 3_600_000;
/** Weight of the prior PRIOR_HOURLY_SIGMA², in hours of evidence. */
const PRIOR_WEIGHT_HOURS = 6;

const dispersions = new WeakMap<Hours, { hour: number; shape: Shape; value: Dispersion }>();

/**
 * Relative variance of spend beyond Poisson noise, per hour of evidence: `hourly` from hour to hour;
 * `sustained` the same read at the scale of 6-hour blocks over the last week (× 6, so it equals `hourly`
 * when hours are independent). Regimes — a busy afternoon, a quiet day, bursts that feed on themselves —
 * make `sustained` larger: then a quiet or busy day is within the wallet's normal swings, not a change.
 */
export interface Dispersion {
  hourly: number;
  sustained: number;
}

export function dispersion(p: WeeklyProfile, now: number, shape: Shape): Dispersion {
  const nowHour = Math.floor(now / HOUR_MS);
  const known = dispersions.get(p.recent);
  if (known && known.hour === nowHour && known.shape === shape) return known.value;
  const hourly = dispersionOf(p, nowHour, shape);
  const value = { hourly, sustained: Math.max(hourly, sustainedOf(p, nowHour, shape)) };
  dispersions.set(p.recent, { hour: nowHour, shape, value });
  return value;
}

/**
 * The weight of the i-th closed hour of `r` (its shape × the hours observed), by which its spend becomes a
 * shape-adjusted rate; 0 for an hour not read (observed under 45 minutes, or a shape under 0.25). The loops
 * below read the hours in place, newest first: an object per hour was ~30 KB of garbage a wallet for the
 * forecast of every wallet's first poll after a start (bench/fleet/README.md, 2026-12-06, stop 60).
 */
function weightAt(r: Hours, i: number, shape: Shape): number {
  const observedMs = hourObservedMs(r, i);
  const s = shape.at(hourIndex(r, i) * HOUR_MS + HOUR_MS / 2);
  return observedMs < 45 * 60_000 || s < 0.25 ? 0 : s * (observedMs / HOUR_MS);
}

/**
 * 6 × the relative Allan variance of 6-hour block means over the week before the last day (the day a
 * level shift is read from must not set its own bar); 0 with fewer than 4 block pairs.
 */
function sustainedOf(p: WeeklyProfile, nowHour: number, shape: Shape): number {
  // The blocks in the order first met (a block's index → its place in `sum` and `n`).
  const place = new Map<number, number>();
  const blocks: number[] = [];
  const sum: number[] = [];
  const n: number[] = [];
  const r = p.recent;
  for (let i = hourCount(r) - 1; i >= 0 && hourIndex(r, i) > nowHour - RECENT_HOURS; i--) {
    const w = weightAt(r, i, shape);
    const hour = hourIndex(r, i);
    if (w === 0 || hour > nowHour - 24) continue;
    const j = Math.floor(hour / 6);
    let k = place.get(j);
    if (k === undefined) {
      k = blocks.length;
      place.set(j, k);
      blocks.push(j);
      sum.push(0);
      n.push(0);
    }
    sum[k] = sum[k]! + hourRegular(r, i) / w;
    n[k] = n[k]! + 1;
  }
  let sumSq = 0;
  let pairs = 0;
  let mean = 0;
  for (let k = 0; k < blocks.length; k++) {
    const next = place.get(blocks[k]! + 1);
    if (n[k]! < 5 || next === undefined || n[next]! < 5) continue;
    sumSq += (sum[next]! / n[next]! - sum[k]! / n[k]!) ** 2;
    mean += (sum[next]! / n[next]! + sum[k]! / n[k]!) / 2;
    pairs++;
  }
  if (pairs < 4 || !(mean > 0)) return 0;
  mean /= pairs;
  return (6 * sumSq) / (2 * pairs) / (mean * mean);
}

/**
 * Relative variance of hourly spend beyond Poisson noise, from the successive differences of the last
 * two days' shape-adjusted hourly spend (successive differences cancel a slow drift), shrunk toward the
 * prior PRIOR_HOURLY_SIGMA² by PRIOR_WEIGHT_HOURS of evidence.
 */
function dispersionOf(p: WeeklyProfile, nowHour: number, shape: Shape): number {
  const prior = PRIOR_HOURLY_SIGMA ** 2;
  let sumSq = 0;
  let pairs = 0;
  let poisson = 0;
  let mean = 0;
  // Each hour read against the newer one read before it, when that is the next hour.
  let newerHour = NaN;
  let newerX = NaN;
  let newerPoisson = NaN;
  const r = p.recent;
  for (let i = hourCount(r) - 1; i >= 0 && hourIndex(r, i) > nowHour - 48; i--) {
    const w = weightAt(r, i, shape);
    if (w === 0) continue;
    const hour = hourIndex(r, i);
    const c = hourRegular(r, i);
    const charges = hourCharges(r, i);
    const size = charges > 0 ? c / charges : 0;
    const x = c / w;
    const po = (c * size) / (w * w);
    if (newerHour === hour + 1) {
      sumSq += (newerX - x) ** 2;
      poisson += (newerPoisson + po) / 2;
      mean += (newerX + x) / 2;
      pairs++;
    }
    newerHour = hour;
    newerX = x;
    newerPoisson = po;
  }
  if (pairs === 0) return prior;
  mean /= pairs;
  if (!(mean > 0)) return prior;
  const observed = Math.max(0, sumSq / (2 * pairs) - poisson / pairs) / (mean * mean);
  return (pairs * observed + PRIOR_WEIGHT_HOURS * prior) / (pairs + PRIOR_WEIGHT_HOURS);
}
