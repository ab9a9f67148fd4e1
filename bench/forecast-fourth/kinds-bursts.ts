// Bursts that end: toll fraud for a few night hours, a one-day marketing blast, a retry storm that empties the wallet.
import type { Rng } from '../forecast-blackbox/prng.js';
import { cumAt, expectedCum, meanCost, type Clock } from './engine.js';
import {
  BUSINESS, DAYTIME, WEEK_OFFICE, WEEK_RETAIL, api, at, localMinute, makePlan, restSpend, niceAmount, setup, shape,
  sms, voice, type KindDef,
} from './lib.js';

const inWindow = (c: Clock, from: number, len: number): boolean => c.m >= from && c.m < from + len;

/** Office SIP trunk hit by toll fraud one night: 2-6 h of premium-rate calls burn 30-50 % of the balance, then it is blocked. */
const fraudSpike: KindDef = {
  name: 'fraud-spike',
  depletions: 0,
  build(rng: Rng) {
    const b = setup(rng, 'America/New_York');
    const days = rng.uniform(5, 9);
    const r = rng.uniform(1, 4);
    const office = shape(BUSINESS, WEEK_OFFICE);
    const fs = localMinute(b.clocks, 0, rng.uniform(1.5, days - 2), rng.uniform(0.5, 3.5));
    const len = Math.round(rng.uniform(2, 6) * 60);
    let fraudRate = 0;
    const fraud = voice((c) => (inWindow(c, fs, len) ? fraudRate : 0), {
      perMin: rng.uniform(0.25, 0.9), median: 300, sigma: 0.5, maxSec: 3600, answered: 0.95,
    });
    const plan = makePlan(b, {
      days, decimals: 2,
      streams: [
        voice((c) => r * office(c), { perMin: rng.uniform(0.0085, 0.014), median: 150, sigma: 1, answered: 0.7 }),
        voice((c) => 0.4 * r * office(c), { perMin: 0.022, median: 200, sigma: 0.9, answered: 0.95 }), // toll-free inbound
      ],
    });
    const cum = expectedCum(plan);
    plan.initial = Math.round(cumAt(cum, plan.minutes) * rng.uniform(3, 5));
    const burn = (plan.initial - cumAt(cum, fs)) * rng.uniform(0.3, 0.5);
    fraudRate = burn / (len * meanCost(fraud));
    plan.streams.push(fraud);
    return plan;
  },
};

/** E-commerce SMS: the marketer tops up the evening before, then a 3-8 h blast (decaying send rate) spends about that much. */
const campaignDay: KindDef = {
  name: 'campaign-day',
  depletions: 0,
  build(rng: Rng) {
    const b = setup(rng, 'America/Denver');
    const days = rng.uniform(5, 9);
    const r = rng.uniform(1, 3);
    const price = rng.uniform(0.0079, 0.0095);
    const cs = localMinute(b.clocks, rng.int(2, Math.floor(days - 2)) * 1440, 0, rng.uniform(10, 13));
    const len = Math.round(rng.uniform(3, 8) * 60);
    const decay = (c: Clock): number => Math.exp(-(c.m - cs) / (len / 2));
    let blastRate = 0;
    const blast = sms((c) => (inWindow(c, cs, len) ? blastRate * decay(c) : 0), price, [0.35, 0.5, 0.15]);
    const plan = makePlan(b, {
      days, decimals: 2,
      streams: [sms((c) => r * shape(DAYTIME, WEEK_RETAIL)(c), price)],
    });
    plan.initial = Math.round(cumAt(expectedCum(plan), plan.minutes) * rng.uniform(1.8, 3));
    const total = plan.initial * rng.uniform(0.5, 0.9);
    let norm = 0;
    for (let m = cs; m < cs + len; m++) norm += Math.exp(-(m - cs) / (len / 2));
    blastRate = total / (norm * meanCost(blast));
    plan.streams.push(blast);
    const topUpAt = localMinute(b.clocks, cs - 1440, 0, rng.uniform(17, 21));
    const topUp = niceAmount(total * rng.uniform(0.9, 1.2));
    plan.hooks.push(at(topUpAt, (s) => s.credit(topUp)));
    return plan;
  },
};

/** A buggy client retries failed SMS in a tight loop for 3-8 h; the wallet empties 30-70 % into it; refilled after the fix. */
const retryStorm: KindDef = {
  name: 'retry-storm',
  depletions: 1,
  build(rng: Rng) {
    const b = setup(rng, 'Europe/Amsterdam');
    const r = rng.uniform(1.5, 4);
    const price = rng.uniform(0.06, 0.09); // international A2P SMS
    const ss = Math.round(rng.uniform(2, 4.5) * 1440);
    const len = Math.round(rng.uniform(3, 8) * 60);
    const storm = r * rng.uniform(15, 40);
    const day = shape(DAYTIME, WEEK_RETAIL);
    const target = ss + Math.round(rng.uniform(0.3, 0.7) * len);
    const plan = makePlan(b, {
      days: (ss + len) / 1440 + rng.uniform(1, 3), decimals: 4, targets: [target],
      streams: [
        sms((c) => r * day(c), price),
        api((c) => 4 * r * day(c), 0.005),
        sms((c) => (inWindow(c, ss, len) ? storm : 0), price, [1]),
      ],
    });
    plan.initial = cumAt(expectedCum(plan), target);
    const fixedAt = ss + len + Math.round(rng.uniform(0.5, 3) * 60);
    plan.hooks.push(at(fixedAt, (s) => {
      if (s.balance <= 0) s.credit(niceAmount(Math.max(restSpend(s) * s.rng.uniform(2, 3), 20)));
    }));
    return plan;
  },
};

export const BURST_KINDS: readonly KindDef[] = [fraudSpike, campaignDay, retryStorm];
