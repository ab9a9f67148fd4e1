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

/** Shape-adjusted spend rates of the closed hours after `from` observed at least 45 minutes (newest first). */
function adjusted(p: WeeklyProfile, from: number, shape: Shape): { hour: number; x: number; poisson: number }[] {
  const xs: { hour: number; x: number; poisson: number }[] = [];
  const r = p.recent;
  for (let i = hourCount(r) - 1; i >= 0 && hourIndex(r, i) > from; i--) {
    const hour = hourIndex(r, i);
    const observedMs = hourObservedMs(r, i);
    const s = shape.at(hour * HOUR_MS + HOUR_MS / 2);
    if (observedMs < 45 * 60_000 || s < 0.25) continue;
    const w = s * (observedMs / HOUR_MS);
    const c = hourRegular(r, i);
    const n = hourCharges(r, i);
    const size = n > 0 ? c / n : 0;
    xs.push({ hour, x: c / w, poisson: (c * size) / (w * w) });
  }
  return xs;
}

/**
 * 6 × the relative Allan variance of 6-hour block means over the week before the last day (the day a
 * level shift is read from must not set its own bar); 0 with fewer than 4 block pairs.
 */
function sustainedOf(p: WeeklyProfile, nowHour: number, shape: Shape): number {
  const blocks = new Map<number, { sum: number; n: number }>();
  for (const { hour, x } of adjusted(p, nowHour - RECENT_HOURS, shape)) {
    if (hour > nowHour - 24) continue;
    const j = Math.floor(hour / 6);
    const b = blocks.get(j) ?? { sum: 0, n: 0 };
    blocks.set(j, { sum: b.sum + x, n: b.n + 1 });
  }
  let sumSq = 0;
  let pairs = 0;
  let mean = 0;
  for (const [j, b] of blocks) {
    const next = blocks.get(j + 1);
    if (b.n < 5 || !next || next.n < 5) continue;
    sumSq += (next.sum / next.n - b.sum / b.n) ** 2;
    mean += (next.sum / next.n + b.sum / b.n) / 2;
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
  const xs = adjusted(p, nowHour - 48, shape);
  const prior = PRIOR_HOURLY_SIGMA ** 2;
  let sumSq = 0;
  let pairs = 0;
  let poisson = 0;
  let mean = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    if (xs[i]!.hour !== xs[i + 1]!.hour + 1) continue;
    sumSq += (xs[i]!.x - xs[i + 1]!.x) ** 2;
    poisson += (xs[i]!.poisson + xs[i + 1]!.poisson) / 2;
    mean += (xs[i]!.x + xs[i + 1]!.x) / 2;
    pairs++;
  }
  if (pairs === 0) return prior;
  mean /= pairs;
  if (!(mean > 0)) return prior;
  const observed = Math.max(0, sumSq / (2 * pairs) - poisson / pairs) / (mean * mean);
  return (pairs * observed + PRIOR_WEIGHT_HOURS * prior) / (pairs + PRIOR_WEIGHT_HOURS);
}
