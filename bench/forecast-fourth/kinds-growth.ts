// Growth of four shapes: launch ramp, step (new client), S-curve that saturates, week-over-week growth.
import type { Rng } from '../forecast-blackbox/prng.js';
import { cumAt, expectedCum, type Clock } from './engine.js';
import {
  BUSINESS, CONSUMER, DAYTIME, WEEK_CONSUMER, WEEK_RETAIL, WEEK_SIX_DAY, generousRefill, localMinute, makePlan,
  outage, setup, shape, sms, voice, weekdayMinute, type KindDef,
} from './lib.js';

/** A consumer startup launched on the first day of the history: traffic ramps as (1 + k d)^1.5. Runs dry on day 4.5-6.5. */
const startupRamp: KindDef = {
  name: 'startup-ramp',
  depletions: 1,
  build(rng: Rng) {
    const b = setup(rng, 'America/Los_Angeles');
    const days = rng.uniform(8.5, 11);
    const k = rng.uniform(0.45, 0.8);
    const otp = rng.uniform(1.2, 3); // OTP SMS per minute at the evening peak of launch day
    const base = shape(CONSUMER, WEEK_CONSUMER);
    const g = (c: Clock): number => Math.pow(1 + k * c.d, 1.5);
    const target = localMinute(b.clocks, 0, rng.uniform(4.5, Math.min(6.5, days - 2.5)), rng.uniform(10, 21));
    const plan = makePlan(b, {
      days, decimals: 4, targets: [target],
      streams: [
        sms((c) => otp * g(c) * base(c), rng.uniform(0.0083, 0.011), [0.93, 0.06, 0.01]),
        voice((c) => 0.25 * otp * g(c) * base(c), { perMin: 0.014, median: 95, sigma: 1.1, maxSec: 3600, answered: 0.78 }),
      ],
      hooks: [generousRefill([2, 8], [8, 23])],
    });
    plan.initial = cumAt(expectedCum(plan), target);
    return plan;
  },
};

/** Flat reminder traffic until a new client goes live on a weekday morning (x2.5-4), flat afterwards; dry 2.5-3.5 days later. */
const newClientStep: KindDef = {
  name: 'new-client-step',
  depletions: 1,
  build(rng: Rng) {
    const b = setup(rng, 'America/Chicago');
    const r0 = rng.uniform(2, 5);
    const mult = rng.uniform(2.5, 4);
    const step = weekdayMinute(b.clocks, Math.round(rng.uniform(1.5, 3.2) * 1440), [1, 2, 3, 4, 5], rng.uniform(8.5, 10));
    const target = localMinute(b.clocks, step, rng.uniform(2.5, 3.5), rng.uniform(11, 17));
    const base = shape(DAYTIME, WEEK_RETAIL);
    const rate = (c: Clock): number => r0 * (c.m >= step ? mult : 1) * base(c);
    const plan = makePlan(b, {
      days: target / 1440 + rng.uniform(1.3, 2.5), decimals: 2, targets: [target],
      streams: [
        sms(rate, rng.uniform(0.0079, 0.0095), [0.7, 0.25, 0.05]),
        voice((c) => 0.08 * rate(c), { perMin: 0.013, median: 40, sigma: 0.5, maxSec: 600, answered: 0.65 }),
      ],
      hooks: [generousRefill([1, 4], [7, 22])],
    });
    plan.initial = cumAt(expectedCum(plan), target);
    return plan;
  },
};

/** S-shaped adoption that saturates by day 3-5, then a plateau; the wallet holds 1.35-1.8x the whole history's spend. */
const adoptionSCurve: KindDef = {
  name: 'adoption-s-curve',
  depletions: 0,
  build(rng: Rng) {
    const b = setup(rng, 'Australia/Sydney');
    const d0 = rng.uniform(1.5, 3);
    const w = rng.uniform(0.35, 0.7);
    const peak = rng.uniform(4, 10);
    const base = shape(CONSUMER, WEEK_CONSUMER);
    const adopt = (c: Clock): number => 0.06 + 0.94 / (1 + Math.exp(-(c.d - d0) / w));
    const plan = makePlan(b, {
      days: rng.uniform(10, 14), decimals: 2,
      streams: [
        sms((c) => peak * adopt(c) * base(c), rng.uniform(0.04, 0.055)),
        voice((c) => 0.1 * peak * adopt(c) * base(c), { perMin: rng.uniform(0.03, 0.045), median: 120, sigma: 1 }),
      ],
    });
    plan.initial = cumAt(expectedCum(plan), plan.minutes) * rng.uniform(1.35, 1.8);
    return plan;
  },
};

/** Six-day-week office traffic in India growing 8-15 % week over week; dry on a Tue-Thu afternoon in the second week. */
const weeklyGrowth: KindDef = {
  name: 'weekly-growth',
  depletions: 1,
  build(rng: Rng) {
    const b = setup(rng, 'Asia/Kolkata');
    const growth = Math.log(1 + rng.uniform(0.08, 0.15)) / 7;
    const calls = rng.uniform(3, 8); // outbound sales calls per minute at peak
    const base = shape(BUSINESS, WEEK_SIX_DAY);
    const rate = (c: Clock): number => calls * Math.exp(growth * c.d) * base(c);
    const target = weekdayMinute(b.clocks, 5 * 1440, [2, 3, 4], rng.uniform(12, 15));
    const plan = makePlan(b, {
      days: rng.uniform(12, 14), decimals: 2, targets: [target],
      streams: [
        voice(rate, { perMin: rng.uniform(0.012, 0.02), median: 75, sigma: 1.2, maxSec: 2 * 3600, answered: 0.55 }),
        sms((c) => 0.6 * rate(c), rng.uniform(0.0035, 0.006)),
      ],
      gaps: [outage(rng, 0.5 * 1440, target - 1.5 * 1440 - 600)],
      hooks: [generousRefill([1.5, 5], [9, 19])],
    });
    plan.initial = cumAt(expectedCum(plan), target);
    return plan;
  },
};

export const GROWTH_KINDS: readonly KindDef[] = [startupRamp, newClientStep, adoptionSCurve, weeklyGrowth];
