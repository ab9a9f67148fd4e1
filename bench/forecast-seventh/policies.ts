// Who puts money in: owners reacting to an empty wallet or a low-balance e-mail, auto-recharge, refunds.
import type { Rng } from '../forecast-blackbox/prng.js';
import type { Clock } from './clock.js';
import type { Policy } from './engine.js';

/** round to an amount a person would type: 10, 20, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 750, ... */
const STEPS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8];

export function niceAmount(x: number): number {
  if (!(x > 0)) return 0;
  const mag = 10 ** Math.floor(Math.log10(x));
  let best = mag;
  for (const s of [...STEPS, 10]) if (Math.abs(Math.log((s * mag) / x)) < Math.abs(Math.log(best / x))) best = s * mag;
  return Math.max(5, best);
}

/** largest nice amount not above x (0 when x < 5) */
export function niceDown(x: number): number {
  if (!(x >= 5)) return 0;
  const mag = 10 ** Math.floor(Math.log10(x));
  let best = mag;
  for (const s of STEPS) if (s * mag <= x) best = s * mag;
  return best;
}

/** hours a person takes to react, as minutes, log-normal and clamped */
export function reactionMinutes(rng: Rng, medianH: number, sigma: number, maxH: number): number {
  return Math.round(60 * Math.min(maxH, Math.max(0.15, rng.logNormal(medianH, sigma))));
}

export interface AfterEmptyOpts {
  /** probability that someone tops up after an empty episode at all */
  prob: number;
  medianH: number;
  sigma: number;
  maxH: number;
  /** amount decided when the owner acts (minute of the top-up) */
  amount: (m: number) => number;
  /** false: only the first empty episode gets a reaction */
  repeat: boolean;
}

/** the service goes down, somebody notices (in waking hours) and pays */
export function afterEmpty(clock: Clock, rng: Rng, o: AfterEmptyOpts): Policy {
  let inEpisode = false;
  let seenPositive = false;
  let episodes = 0;
  return {
    step(v, schedule) {
      if (v.balance > 0) {
        seenPositive = true;
        inEpisode = false;
        return;
      }
      if (!seenPositive || inEpisode) return;
      inEpisode = true;
      episodes++;
      if (!o.repeat && episodes > 1) return;
      if (rng.next() >= o.prob) return;
      const at = clock.nextWaking(v.m + reactionMinutes(rng, o.medianH, o.sigma, o.maxH), 7, 23);
      schedule(at, o.amount(at), 'owner top-up after outage');
    },
  };
}

export interface LowNoticeOpts {
  threshold: number;
  prob: number;
  medianH: number;
  sigma: number;
  maxH: number;
  /** decided when the money lands, from the balance then; <= 0 for nothing */
  amount: (balance: number) => number;
}

/** the provider e-mails a low-balance warning; the owner pays a while later, during waking hours */
export function lowBalanceNotice(clock: Clock, rng: Rng, o: LowNoticeOpts): Policy {
  let armed = true;
  return {
    step(v, schedule) {
      if (v.balance <= 0) return;
      if (armed && v.balance < o.threshold) {
        armed = false;
        if (rng.next() < o.prob) {
          const at = clock.nextWaking(v.m + reactionMinutes(rng, o.medianH, o.sigma, o.maxH), 8, 22);
          schedule(at, (b) => (b > 0 ? o.amount(b) : 0), 'owner top-up after low-balance e-mail');
        }
      } else if (!armed && v.balance > o.threshold * 1.05) {
        armed = true;
      }
    },
  };
}

export interface AutoRechargeOpts {
  threshold: number;
  amount: number;
  maxDelayMin: number;
  declineProb: number;
  retryH: [number, number];
}

/** card on file: when the balance falls below the threshold, charge the card for a fixed amount */
export function autoRecharge(rng: Rng, o: AutoRechargeOpts): Policy {
  let waitUntil = -1;
  return {
    step(v, schedule) {
      if (v.m < waitUntil || v.balance >= o.threshold) return;
      if (rng.next() < o.declineProb) {
        waitUntil = v.m + Math.round(60 * rng.uniform(o.retryH[0], o.retryH[1])); // card declined, retried later
        return;
      }
      const at = v.m + rng.int(0, o.maxDelayMin);
      schedule(at, o.amount, 'auto-recharge');
      waitUntil = at + 1;
    },
  };
}

/** undelivered-message refunds: a share of the previous UTC day's spend is credited back once a day */
export function dailyRefunds(clock: Clock, rng: Rng, share: [number, number], utcMinute: number): Policy {
  let day = Number.NaN;
  let cur = 0;
  let prev = 0;
  let due = false;
  return {
    step(v, schedule) {
      const d = clock.utcDay(v.m - 1);
      if (d !== day) {
        if (!Number.isNaN(day)) {
          prev = cur;
          due = true;
        }
        day = d;
        cur = 0;
      }
      cur += v.spentMinute;
      if (due && clock.utcMinuteOfDay(v.m) >= utcMinute) {
        due = false;
        const amt = Math.round(prev * rng.uniform(share[0], share[1]) * 100) / 100;
        if (amt >= 0.01) schedule(v.m, amt, 'refund: undelivered messages');
      }
    },
  };
}
