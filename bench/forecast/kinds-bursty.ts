/**
 * Bursty and regime-switching tuning kinds (issue 9, round 3): usage whose level is not one number with
 * noise around it. Written for the tuning part from scratch, on the tuning generator (corpus.ts): each
 * kind precomputes an hourly shape from the seed, then sizes it like the other kinds. Some seeds run out
 * (sized to be empty on a chosen day), the others never do (sized to last 1.5–3 × the history).
 */
import { dayOf, DAY_MS, expectedSpend, fmt, HOUR_MS, unitFor, type Kind, type Spec } from './corpus.js';
import { balanceOf, eventsPerMinute, kind, meanRate, sizedToEmpty } from './kinds.js';
import type { Noise } from './noise.js';

const DAYS = 14;
const HOURS = DAYS * 24;

/** An hourly table as a rate shape (hour 0 starts at t0; past the end, the last hour). */
function hourly(table: readonly number[], t0: number): (t: number) => number {
  return (t) => table[Math.min(table.length - 1, Math.max(0, Math.floor((t - t0 - 1) / HOUR_MS)))]!;
}

/** Sized to run out on day 6–11 (about two seeds in three), or to last 1.5–3 × the history. */
function sized(n: Noise, shape: (t: number) => number, start: number, t0: number): { rate: (t: number) => number; ends: string } {
  if (n.uniform() < 0.65) {
    const emptyAt = t0 + n.between(6, 11) * DAY_MS;
    return { rate: sizedToEmpty(shape, start, emptyAt, t0), ends: `empty on day ~${dayOf(t0, emptyAt)}` };
  }
  const lasts = n.between(1.5, 3);
  const k = start / (lasts * expectedSpend(shape, t0, t0 + DAYS * DAY_MS));
  return { rate: (t) => k * shape(t), ends: `lasts ~${lasts.toFixed(1)} × the history` };
}

function spec(n: Noise, t0: number, what: string, shape: (t: number) => number): Spec {
  const start = balanceOf(n);
  const { rate, ends } = sized(n, shape, start, t0);
  const mean = meanRate(rate, t0);
  // the hourly table is a random draw (regimes, bursts): no expected spend for the oracle
  return { description: `${fmt(start)} credits, ${fmt(mean)}/h on average, ${what}; ${ends}`, days: DAYS, start, rate, unit: unitFor(mean, eventsPerMinute(n)), rateIsDrawn: true };
}

export const BURSTY_KINDS: readonly Kind[] = [
  kind('regime_switch', 'usage switching between a low and a high level (3–8× apart) every 1–4 days; some run out on day 6–11', (n, t0) => {
    const ratio = n.between(3, 8);
    const table: number[] = [];
    let high = n.uniform() < 0.5;
    const switches: string[] = [];
    while (table.length < HOURS) {
      const len = Math.round(n.between(24, 96));
      for (let i = 0; i < len && table.length < HOURS; i++) table.push(high ? ratio : 1);
      high = !high;
      if (table.length < HOURS) switches.push(`${(table.length / 24).toFixed(1)}`);
    }
    return spec(n, t0, `high ${ratio.toFixed(1)}× the low, switching on days ${switches.join(', ')}`, hourly(table, t0));
  }),

  kind('clustered_bursts', 'traffic in clusters: busy hours come in runs (a busy hour makes the next hours busier, decaying); some run out on day 6–11', (n, t0) => {
    // A self-exciting hourly intensity: a background rate plus the echo of recent bursts. Each hour draws
    // a number of bursts whose mean grows with the excitation the previous hours left; each burst adds
    // `size` to this hour's rate and leaves `echo` (decaying by `decay` an hour) for the next.
    const base = 1;
    const size = n.between(3, 10);
    const decay = n.between(0.5, 0.8);
    const branching = n.between(0.4, 0.75); // expected bursts a burst triggers, over its echo
    const spont = n.between(0.02, 0.08); // spontaneous bursts an hour
    const table: number[] = [];
    let excitation = 0;
    let bursts = 0;
    for (let h = 0; h < HOURS; h++) {
      const k = n.poisson(spont + excitation);
      bursts += k;
      table.push(base + size * (k + excitation));
      excitation = decay * excitation + k * branching * (1 - decay);
    }
    return spec(n, t0, `${bursts} bursts of ${size.toFixed(1)}× (echo ${decay.toFixed(2)}/h)`, hourly(table, t0));
  }),
];
