/**
 * The held-out kinds. NOBODY TUNES ON THESE: they are scored in the held-out part only, and they are
 * written independently of the tuning kinds, with their own generator (this file): an event-driven
 * simulation that produces a time-ordered tape of charges (each with its own cost), then reads the
 * balance once a minute. The tuning kinds use a per-minute Poisson generator (corpus.ts `generate`).
 *
 * Sizing: the tape is simulated first at unit scale; then each seed picks a starting balance
 * (log-uniform 50…100 000) and either a depletion time (the costs are scaled so the cumulative cost
 * reaches the balance then) or no depletion (the balance is 1.4–3× the whole tape's cost).
 */
import type { Row } from '../../src/backtest/input.js';
import { dayOf, DAY_MS, fmt, HOUR_MS, hourOfWeek, MINUTE_MS, type Kind } from './corpus.js';
import type { Noise } from './noise.js';

interface Charge {
  t: number;
  cost: number;
}

/** Event times of an inhomogeneous Poisson process (per-ms intensity ≤ max), by thinning. */
function thinning(n: Noise, from: number, to: number, max: number, intensity: (t: number) => number): number[] {
  const out: number[] = [];
  for (let t = from + n.exponential(1 / max); t < to; t += n.exponential(1 / max)) if (n.uniform() * max < intensity(t)) out.push(t);
  return out;
}

interface Sizing {
  start: number;
  scale: number;
  emptyAt: number | null;
}

function size(n: Noise, tape: readonly Charge[], t0: number, end: number, pDeplete: number): Sizing {
  const start = n.logBetween(50, 100_000);
  const total = tape.reduce((s, c) => s + c.cost, 0);
  if (n.uniform() < pDeplete) {
    const emptyAt = t0 + n.between(3.5 * DAY_MS, end - t0 - DAY_MS / 2);
    let upTo = 0;
    for (const c of tape) if (c.t <= emptyAt) upTo += c.cost;
    if (upTo > 0) return { start, scale: start / upTo, emptyAt };
  }
  return { start, scale: total > 0 ? start / (total * n.between(1.4, 3)) : 1, emptyAt: null };
}

/** The balance once a minute; a charge only goes through while the balance is above 0. */
function read(t0: number, days: number, start: number, tape: readonly Charge[], scale: number, topup?: (t: number, balance: number) => number): Row[] {
  const rows: Row[] = [];
  let balance = start;
  let k = 0;
  for (let t = t0; t <= t0 + days * DAY_MS; t += MINUTE_MS) {
    for (; k < tape.length && tape[k]!.t <= t; k++) if (balance > 0) balance = Math.max(0, balance - tape[k]!.cost * scale);
    balance += topup?.(t, balance) ?? 0;
    rows.push({ t, balance: Math.round(balance * 100) / 100 });
  }
  return rows;
}

const describe = (s: Sizing, what: string, t0: number): string =>
  `${fmt(s.start)} credits, ${what}; ${s.emptyAt === null ? 'the charges never reach the balance' : `the charges reach the balance on day ~${dayOf(t0, s.emptyAt)}`}`;

function heldout(name: string, description: string, days: number, pDeplete: number, tapeOf: (n: Noise, t0: number, end: number) => { tape: Charge[]; what: string; topup?: (s: Sizing) => (t: number, balance: number) => number }): Kind {
  return {
    name,
    part: 'heldout',
    description,
    build: (n, t0) => {
      const end = t0 + days * DAY_MS;
      const { tape, what, topup } = tapeOf(n, t0, end);
      const s = size(n, tape, t0, end, pDeplete);
      return { rows: read(t0, days, s.start, tape, s.scale, topup?.(s)), description: describe(s, what, t0) };
    },
  };
}

/** Cost of one event: lognormal with mean 1. */
const lognormalCost = (n: Noise, sigma: number): number => n.lognormal1(sigma);

export const HELDOUT_KINDS: readonly Kind[] = [
  heldout('markov_regimes', 'usage that switches between idle, normal, busy and surge regimes (a continuous-time Markov chain)', 12, 0.6, (n, t0, end) => {
    const level = [0.05, 1, 3, 8];
    const dwellH = [8, 10, 3, 0.75];
    const next: number[][] = [[1], [0, 0, 1, 1, 2, 2, 2, 2, 2, 3], [1, 1, 1, 1, 3], [1, 2]];
    const perMin = n.logBetween(0.02, 10);
    const tape: Charge[] = [];
    let state = n.int(0, 2);
    let switches = 0;
    for (let t = t0; t < end; ) {
      const until = Math.min(end, t + n.exponential(dwellH[state]! * HOUR_MS));
      for (const e of thinning(n, t, until, (perMin * level[state]!) / MINUTE_MS, () => (perMin * level[state]!) / MINUTE_MS)) tape.push({ t: e, cost: lognormalCost(n, 0.6) });
      t = until;
      state = n.pick(next[state]!);
      switches++;
    }
    return { tape, what: `${fmt(perMin)} events/min in the normal regime, ${switches} regime switches` };
  }),

  heldout('hawkes_bursty', 'bursty self-exciting traffic (a Hawkes process): each event makes more events likely for a few minutes', 10, 0.6, (n, t0, end) => {
    const mu = n.logBetween(0.005, 1) / MINUTE_MS;
    const branching = n.between(0.6, 0.9);
    const decayMs = n.between(2, 30) * MINUTE_MS;
    const tape: Charge[] = [];
    let excitation = 0; // intensity added by past events, per ms, at time t
    for (let t = t0; ; ) {
      const max = mu + excitation;
      const wait = n.exponential(1 / max);
      excitation *= Math.exp(-wait / decayMs);
      t += wait;
      if (t >= end) break;
      if (n.uniform() * max <= mu + excitation) {
        tape.push({ t, cost: lognormalCost(n, 0.3) });
        excitation += branching / decayMs;
      }
    }
    return { tape, what: `Hawkes: ${fmt(mu * MINUTE_MS)} base events/min, branching ${branching.toFixed(2)}, bursts of ~${(decayMs / MINUTE_MS).toFixed(0)} min` };
  }),

  heldout('double_peak_holidays', 'a daily double peak (late morning, evening), quieter weekends and 1–2 holidays; some wallets are topped up by hand hours after they run low', 14, 0.7, (n, t0, end) => {
    const perMin = n.logBetween(0.01, 8);
    const holidays = new Set(Array.from({ length: n.int(1, 2) }, () => n.int(1, 12)));
    const bump = (h: number, mid: number, width: number) => Math.exp(-(((h - mid) / width) ** 2) / 2);
    const intensity = (t: number): number => {
      const how = hourOfWeek(t);
      const h = (how % 24) + (t % HOUR_MS) / HOUR_MS;
      const day = Math.floor((t - t0) / DAY_MS);
      const weekend = how >= 120 ? 0.6 : 1;
      return ((perMin * (0.1 + bump(h, 11, 1.5) + 1.3 * bump(h, 20, 2)) * weekend * (holidays.has(day) ? 0.15 : 1)) / MINUTE_MS);
    };
    const tape = thinning(n, t0, end, (perMin * 1.5) / MINUTE_MS, intensity).map((t) => ({ t, cost: lognormalCost(n, 1) }));
    const manual = n.uniform() < 0.5;
    const delay = n.between(8, 30) * HOUR_MS;
    const amount = n.between(0.5, 1.5);
    return {
      tape,
      what: `${fmt(perMin)} events/min at the peaks, holidays on day ${[...holidays].join(', ')}${manual ? `, topped up by hand ${(delay / HOUR_MS).toFixed(0)} h after dropping below 15 %` : ''}`,
      ...(manual
        ? {
            topup: (s: Sizing) => {
              let lowSince: number | null = null;
              return (t: number, balance: number) => {
                if (balance >= 0.15 * s.start) return (lowSince = null), 0;
                lowSince ??= t;
                if (t - lowSince < delay) return 0;
                lowSince = null;
                return amount * s.start;
              };
            },
          }
        : {}),
    };
  }),

  heldout('per_second_calls', 'voice calls billed per second at the end of each call, heavy-tailed (Pareto) durations, busier 08–20 UTC', 9, 0.6, (n, t0, end) => {
    const callsPerMin = n.logBetween(0.01, 5);
    const alpha = n.between(1.3, 1.8);
    const pricePerMin = n.pick([0.004, 0.013, 0.1, 0.5]);
    const intensity = (t: number) => ((hourOfWeek(t) % 24 >= 8 && hourOfWeek(t) % 24 < 20 ? 1 : 0.3) * callsPerMin) / MINUTE_MS;
    const tape = thinning(n, t0, end, callsPerMin / MINUTE_MS, intensity)
      .map((t) => {
        const seconds = Math.min(4 * 3600, Math.ceil(15 / Math.pow(1 - n.uniform(), 1 / alpha)));
        return { t: t + seconds * 1000, cost: (seconds * pricePerMin) / 60 };
      })
      .filter((c) => c.t < end)
      .sort((a, b) => a.t - b.t);
    return { tape, what: `${fmt(callsPerMin)} calls/min (daytime), Pareto α ${alpha.toFixed(2)} durations, billed per second` };
  }),
];
