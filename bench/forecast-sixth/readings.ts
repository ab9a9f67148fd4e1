// Turns a per-minute true balance into polled readings with realistic imperfections.

import type { Rng } from '../forecast-blackbox/prng.js';

export interface Row {
  t: number;
  b: number;
}

export interface ReadingPlan {
  /** each poll lands 0..jitterSec seconds after the minute (must stay < 60) */
  jitterSec: number;
  /** probability that a single poll is skipped */
  skipP: number;
  /** probability per minute that a run of 2..20 polls is skipped */
  runP: number;
  /** one outage of this many hours (range), placed where the wallet is not empty; null for none */
  outageH: readonly [number, number] | null;
  /** provider refreshes the balance only every N minutes (1 = live) */
  refreshMin: number;
  /** balance reported with this many decimals */
  decimals: number;
}

export const CLEAN: ReadingPlan = { jitterSec: 2, skipP: 0, runP: 0, outageH: null, refreshMin: 1, decimals: 4 };

export function readingPlan(over: Partial<ReadingPlan>): ReadingPlan {
  return { ...CLEAN, ...over };
}

function placeOutage(plan: ReadingPlan, balAt: Float64Array, end: number, rng: Rng): [number, number] | null {
  if (!plan.outageH) return null;
  const len = Math.round(rng.uniform(plan.outageH[0], plan.outageH[1]) * 60);
  if (len + 360 >= end) return null;
  const emptyBefore = new Int32Array(end + 1);
  for (let m = 0; m < end; m++) emptyBefore[m + 1] = (emptyBefore[m] ?? 0) + ((balAt[m] ?? 0) <= 0 ? 1 : 0);
  for (let attempt = 0; attempt < 40; attempt++) {
    const s = rng.int(180, end - len - 180);
    const lo = s - 90;
    const hi = Math.min(end, s + len + 90);
    if ((emptyBefore[hi] ?? 0) - (emptyBefore[lo] ?? 0) === 0) return [s, s + len];
  }
  return null;
}

export function makeReadings(plan: ReadingPlan, balAt: Float64Array, end: number, start: number, rng: Rng): Row[] {
  const outage = placeOutage(plan, balAt, end, rng);
  const k = Math.max(1, Math.round(plan.refreshMin));
  const phase = rng.int(0, k - 1);
  const scale = Math.pow(10, plan.decimals);
  const rows: Row[] = [];
  let skipUntil = -1;
  for (let m = 0; m < end; m++) {
    const edge = m === 0 || m === end - 1;
    if (!edge) {
      if (outage && m >= outage[0] && m < outage[1]) continue;
      if (m < skipUntil) continue;
      if (plan.runP > 0 && rng.next() < plan.runP) {
        skipUntil = m + rng.int(2, 20);
        continue;
      }
      if (plan.skipP > 0 && rng.next() < plan.skipP) continue;
    }
    const src = Math.max(0, m - ((((m - phase) % k) + k) % k));
    const raw = Math.max(0, balAt[src] ?? 0);
    const b = Math.round(raw * scale) / scale;
    const jitter = plan.jitterSec > 0 ? rng.int(0, Math.min(50, plan.jitterSec)) : 0;
    rows.push({ t: start + m * 60 + jitter, b });
  }
  return rows;
}
