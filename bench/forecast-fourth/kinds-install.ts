// New installs (healthy and about to run dry), manual top-ups after running dry, auto-recharge.
import type { Rng } from '../forecast-blackbox/prng.js';
import { cumAt, expectedCum, type Clock, type Hook } from './engine.js';
import {
  CONSUMER, DAYTIME, MACHINE, WEEK_CONSUMER, WEEK_FLAT, WEEK_RETAIL, api, localMinute, makePlan, niceAmount,
  refillAfterEmpty, restSpend, setup, shape, sms, voice, type KindDef,
} from './lib.js';

const machine = shape(MACHINE, WEEK_FLAT);

/** Freshly installed on a wallet holding 4-10x what the whole (short) history will spend. */
const newInstallHealthy: KindDef = {
  name: 'new-install-healthy',
  depletions: 0,
  build(rng: Rng) {
    const b = setup(rng, 'Europe/London');
    const r = rng.uniform(1, 4);
    const day = shape(DAYTIME, WEEK_RETAIL);
    const plan = makePlan(b, {
      days: rng.uniform(3.05, 5), decimals: 2,
      streams: [
        voice((c) => r * day(c), { perMin: rng.uniform(0.01, 0.016), median: 110, sigma: 1.1, answered: 0.7 }),
        sms((c) => 2 * r * day(c), rng.uniform(0.035, 0.045)),
        api((c) => 5 * r * machine(c), 0.005),
      ],
    });
    plan.initial = Math.round(cumAt(expectedCum(plan), plan.minutes) * rng.uniform(4, 10));
    return plan;
  },
};

/** Freshly installed on a wallet that runs dry 3.5-5 days in (24/7 IoT alerting); nobody tops up before the end. */
const newInstallDry: KindDef = {
  name: 'new-install-dry',
  depletions: 1,
  build(rng: Rng) {
    const b = setup(rng, 'America/New_York');
    const target = Math.round(rng.uniform(3.5, 5) * 1440);
    const r = rng.uniform(2, 6);
    const plan = makePlan(b, {
      days: target / 1440 + rng.uniform(0.8, 1.5), decimals: 4, dayNoise: 0.06, targets: [target],
      streams: [
        sms((c) => r * machine(c), rng.uniform(0.0079, 0.0105), [0.6, 0.35, 0.05]),
        api((c) => 3 * r * machine(c), 0.005),
        voice((c) => 0.05 * r * machine(c), { perMin: 0.013, median: 30, sigma: 0.6, maxSec: 300, answered: 0.6 }),
      ],
    });
    plan.initial = cumAt(expectedCum(plan), target);
    return plan;
  },
};

/** A taxi dispatcher that only tops up after running dry: empty until the owner notices (2-10 h, daytime), twice. */
const dryManualTopups: KindDef = {
  name: 'dry-manual-topups',
  depletions: 2,
  build(rng: Rng) {
    const b = setup(rng, 'Europe/Madrid');
    const target = localMinute(b.clocks, 0, rng.uniform(3, 3.8), rng.uniform(10, 20));
    const r = rng.uniform(1, 3);
    const day = shape(CONSUMER, WEEK_CONSUMER);
    const dispatch = (c: Clock): number => r * (0.3 + day(c));
    let refills = 0;
    const refill: Hook = refillAfterEmpty({
      delayH: [2, 10], window: [8, 22],
      amount: (s) => {
        refills++;
        if (refills > 1) return niceAmount(Math.max(restSpend(s) * s.rng.uniform(2, 3), 20));
        // the owner buys about as much as the first load: sized to run dry again 3-3.8 days later
        const next = localMinute(s.plan.clocks, s.m, s.rng.uniform(3, 3.8), s.rng.uniform(10, 20));
        s.addTarget(next);
        return Math.round(cumAt(s.cum, next) - cumAt(s.cum, s.m));
      },
    });
    const plan = makePlan(b, {
      days: rng.uniform(12.5, 14), decimals: 2, targets: [target],
      streams: [
        voice(dispatch, { perMin: rng.uniform(0.012, 0.02), median: 50, sigma: 0.8, maxSec: 1800, answered: 0.85 }),
        sms((c) => 1.5 * dispatch(c), rng.uniform(0.03, 0.045), [0.95, 0.05]),
      ],
      hooks: [refill],
    });
    plan.initial = Math.round(cumAt(expectedCum(plan), target));
    return plan;
  },
};

/** Auto-recharge: when the balance drops under a threshold, a fixed amount is charged to the card 1-4 min later. */
const autoRecharge: KindDef = {
  name: 'auto-recharge',
  depletions: 0,
  build(rng: Rng) {
    const b = setup(rng, 'Asia/Singapore');
    const r = rng.uniform(3, 9);
    const plan = makePlan(b, {
      days: rng.uniform(5, 10), decimals: 4,
      streams: [
        sms((c) => r * machine(c), rng.uniform(0.03, 0.04), [0.9, 0.1]),
        api((c) => 2 * r * machine(c), rng.uniform(0.005, 0.01)),
      ],
    });
    const cum = expectedCum(plan);
    let peak = 0;
    for (let m = 0; m < plan.minutes; m++) peak = Math.max(peak, cumAt(cum, m + 1) - cumAt(cum, m));
    const daily = cumAt(cum, plan.minutes) / (plan.minutes / 1440);
    const threshold = niceAmount(Math.max(10, 240 * peak));
    const amount = niceAmount(Math.max(daily * rng.uniform(0.5, 1.5), 1.5 * threshold));
    let due = -1;
    plan.hooks.push((s) => {
      if (due < 0 && s.balance < threshold) due = s.m + s.rng.int(1, 4);
      if (due >= 0 && s.m >= due) { s.credit(amount); due = -1; }
    });
    plan.initial = threshold + Math.round(amount * rng.uniform(0.3, 1.2));
    return plan;
  },
};

export const INSTALL_KINDS: readonly KindDef[] = [newInstallHealthy, newInstallDry, dryManualTopups, autoRecharge];
