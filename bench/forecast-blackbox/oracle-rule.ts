// The oracle's rule (oracle.ts): the runway at a history's expected spend, and the alerts a threshold on it raises.
import { expectedCum, type Clock, type Plan } from '../forecast-third/engine.js';
import type { Note, Severity } from './scoring.js';
import type { Row } from './sim.js';

export const RESOLVE = 1.05;
const HORIZONS = [['warning', 72], ['critical', 24]] as const;

/** Minutes from minute m until the expected spend reaches `balance` (Infinity past the curve's end). */
export function runwayMinutes(cum: Float64Array, m: number, balance: number): number {
  const i0 = Math.min(cum.length - 1, Math.max(0, Math.floor(m)));
  const target = cum[i0]! + balance;
  if (cum[cum.length - 1]! < target) return Infinity;
  let lo = i0;
  let hi = cum.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! >= target) hi = mid;
    else lo = mid;
  }
  return hi - m;
}

/**
 * The relative standard deviation of the spend over the `hours` after minute m: the charges (Poisson counts of
 * events of random price), each local day's traffic factor (log-sd daySd) and the slow AR(1) wobble (log-sd
 * wobble, correlation time wobbleMin), per stream, as the corpus's engine draws them; scheduled charges are sure.
 */
export function spreadOf(plan: Plan, clock: Clock, total = expectedCum(clock, plan.streams, plan.scheduled)): (m: number, hours: number) => number {
  const streams = plan.streams.map((s) => {
    const spend = new Float64Array(s.rate.length + 1);
    const sq = new Float64Array(s.rate.length + 1);
    for (let i = 0; i < s.rate.length; i++) {
      spend[i + 1] = spend[i]! + s.rate[i]! * s.price.mean;
      sq[i + 1] = sq[i]! + s.rate[i]! * (s.price.mean ** 2 + s.price.sd ** 2);
    }
    return { s, spend, sq };
  });
  const at = (a: Float64Array, m: number) => a[Math.min(a.length - 1, Math.max(0, Math.round(m)))]!;
  return (m, hours) => {
    const w = hours * 60;
    const mean = at(total, m + w) - at(total, m);
    if (!(mean > 0)) return 0;
    let v = 0;
    for (const { s, spend, sq } of streams) {
      v += at(sq, m + w) - at(sq, m);
      const all = at(spend, m + w) - at(spend, m);
      const tau = s.wobbleMin / w;
      v += all ** 2 * s.wobble ** 2 * 2 * tau * (1 - tau * (1 - Math.exp(-1 / tau)));
      for (let a = m; a < m + w; ) {
        const next = Math.min(m + w, a + (1440 - clock.minOfDay(Math.round(a))));
        v += ((at(spend, next) - at(spend, a)) * s.daySd) ** 2;
        a = next > a ? next : a + 1;
      }
    }
    return Math.sqrt(v) / mean;
  };
}

export type Margin = number | { z: number };

/**
 * The oracle's notifications: a severity fires at the first reading whose runway at the expected spend (`cum`,
 * cumulative per minute from `start`) is under its horizon × (1 + margin), and resolves when the runway is
 * 5 % above that or the wallet is empty. `only`: that severity alone.
 */
export function oracleNotes(rows: readonly Row[], start: number, cum: Float64Array, margin: Margin, spread: ((m: number, hours: number) => number) | null, only?: Severity): Note[] {
  const notes: Note[] = [];
  for (const [severity, H] of HORIZONS) {
    if (only !== undefined && severity !== only) continue;
    let id: string | null = null;
    for (const r of rows) {
      const m = (r.t - start) / 60;
      const fire = H * 60 * (1 + (typeof margin === 'number' ? margin : margin.z * (spread ? spread(m, H) : 0)));
      const runway = r.b <= 0 ? 0 : runwayMinutes(cum, m, r.b);
      if (id === null && r.b > 0 && runway < fire) {
        id = `oracle/${severity}/${r.t}`;
        notes.push({ t: r.t, id, status: 'firing', severity });
      } else if (id !== null && (r.b <= 0 || runway > fire * RESOLVE)) {
        notes.push({ t: r.t, id, status: 'resolved', severity });
        id = null;
      }
    }
  }
  return notes.sort((a, b) => a.t - b.t);
}

