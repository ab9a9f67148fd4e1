// Traffic patterns and operational oddities: office hours with number rental, consumer evenings with refunds,
// a customer switching away, a provider daily spend cap, a mid-history price increase.
import type { Rng } from '../forecast-blackbox/prng.js';
import { MAX_MINUTES, clockAt, cumAt, expectedCum, type Clock } from './engine.js';
import {
  BUSINESS, CONSUMER, DAYTIME, WEEK_CONSUMER, WEEK_OFFICE, WEEK_RETAIL, api, at, generousRefill, localMinute,
  makePlan, minuteAtSpend, outage, setup, shape, sms, voice, type KindDef,
} from './lib.js';

/** Berlin contact centre, Mon-Fri office hours; the monthly number rental is taken at 00:00 UTC on the 1st. Whole credits. */
const businessHours: KindDef = {
  name: 'business-hours',
  depletions: 0,
  build(rng: Rng) {
    const days = rng.uniform(7, 12);
    const boundary = Date.UTC(2026, rng.int(1, 11), 1) / 1000;
    const start = boundary - Math.round(rng.uniform(2, days - 2) * 86400);
    const b = setup(rng, 'Europe/Berlin', start);
    const r = rng.uniform(3, 10);
    const office = shape(BUSINESS, WEEK_OFFICE);
    const rental = Math.round(rng.int(20, 150) * rng.uniform(1, 1.15) * 100) / 100;
    const plan = makePlan(b, {
      days, decimals: 0, floorReadings: true,
      streams: [
        voice((c) => r * office(c), { perMin: rng.uniform(0.012, 0.022), median: 150, sigma: 0.9, answered: 0.55 }),
        voice((c) => 0.5 * r * office(c), { perMin: 0.0035, median: 240, sigma: 0.8, answered: 0.9 }), // inbound on DIDs
      ],
      hooks: [at(Math.ceil((boundary - start) / 60), (s) => s.debit(rental))],
    });
    plan.initial = Math.round((cumAt(expectedCum(plan), plan.minutes) + rental) * rng.uniform(1.6, 3));
    return plan;
  },
};

/** Sao Paulo delivery app: masked calls (6-s billing, 30-s minimum) and SMS peak in evenings and weekends;
 * failed-delivery refunds credited daily around 04:00 UTC, one disputed-charge refund; a poller outage. */
const consumerEvenings: KindDef = {
  name: 'consumer-evenings',
  depletions: 0,
  build(rng: Rng) {
    const b = setup(rng, 'America/Sao_Paulo');
    const r = rng.uniform(2, 6);
    const eve = shape(CONSUMER, WEEK_CONSUMER);
    const days = rng.uniform(6, 12);
    const refundMinute = 4 * 60 + rng.int(0, 59);
    const disputeAt = Math.round(rng.uniform(1, days - 1) * 1440);
    const plan = makePlan(b, {
      days, decimals: 2,
      streams: [
        voice((c) => r * eve(c), { perMin: rng.uniform(0.04, 0.06), unitSec: 6, minSec: 30, median: 70, sigma: 1, maxSec: 1800 }),
        sms((c) => 1.5 * r * eve(c), rng.uniform(0.045, 0.06)),
      ],
    });
    plan.gaps.push(outage(rng, 0.3 * 1440, plan.minutes - 0.5 * 1440 - 600));
    plan.initial = Math.round(cumAt(expectedCum(plan), plan.minutes) * rng.uniform(1.6, 2.5));
    const dispute = Math.round(plan.initial * rng.uniform(0.02, 0.05) * 100) / 100;
    plan.hooks.push(
      (s) => {
        if (s.m >= 1440 && Math.floor((s.clock.t % 86400) / 60) === refundMinute) {
          s.credit(Math.round(s.spentSince(s.m - 1440) * s.rng.uniform(0.01, 0.04) * 100) / 100);
        }
      },
      at(disputeAt, (s) => s.credit(dispute)),
    );
    return plan;
  },
};

/** A customer moving traffic to another provider: usage decays (tau 1.5-3.5 d), then is switched off one morning. */
const decliningSwitchoff: KindDef = {
  name: 'declining-switchoff',
  depletions: 0,
  build(rng: Rng) {
    const b = setup(rng, 'Europe/Paris');
    const days = rng.uniform(6, 10);
    const tau = rng.uniform(1.5, 3.5);
    const r = rng.uniform(3, 8);
    const off = localMinute(b.clocks, 0, rng.uniform(3, days - 1.5), rng.uniform(9, 11));
    const day = shape(DAYTIME, WEEK_RETAIL);
    const rate = (c: Clock): number => r * Math.exp(-c.d / tau) * (c.m >= off ? 0.01 : 1) * day(c);
    const plan = makePlan(b, {
      days, decimals: 2,
      streams: [
        voice(rate, { perMin: rng.uniform(0.015, 0.03), median: 120, sigma: 1, answered: 0.75 }),
        sms((c) => 2 * rate(c), rng.uniform(0.06, 0.08)),
      ],
    });
    plan.initial = Math.round(cumAt(expectedCum(plan), plan.minutes) * rng.uniform(1.4, 2.2));
    return plan;
  },
};

/** Number-lookup API behind a provider daily spend cap (resets 00:00 UTC): spend flat-lines once the cap is hit;
 * sized to run dry part-way through the capped spend of a day 3-5 days in. */
const dailyCap: KindDef = {
  name: 'daily-cap',
  depletions: 1,
  build(rng: Rng) {
    const b = setup(rng, 'America/New_York');
    const r = rng.uniform(20, 60);
    const demand = shape(DAYTIME, WEEK_RETAIL);
    const plan = makePlan(b, {
      days: 14, decimals: 2,
      streams: [api((c) => r * demand(c), 0.005), api((c) => 0.05 * r * demand(c), 0.05)], // lookups + verifications
      hooks: [generousRefill([3, 12], [8, 20])],
    });
    const span = MAX_MINUTES - 1440;
    const avgDaily = cumAt(expectedCum(plan, span), span) / (span / 1440);
    plan.dailyCapUtc = Math.round(avgDaily * rng.uniform(0.55, 0.8));
    const cum = expectedCum(plan, span);
    const u = clockAt(b, 0).utcDay + rng.int(4, 5);
    let mU = 0;
    while (clockAt(b, mU).utcDay < u) mU++;
    const target = minuteAtSpend(cum, cumAt(cum, mU) + rng.uniform(0.3, 0.7) * plan.dailyCapUtc);
    plan.minutes = Math.round(Math.min(14 * 1440, target + rng.uniform(1.5, 3) * 1440));
    plan.targets.push(target);
    plan.initial = cumAt(cum, target);
    return plan;
  },
};

/** US notifications; at 00:00 UTC on day 2-4 the per-segment price (carrier fees) rises 40-90 %; dry 2.5-3.5 days later. */
const priceChange: KindDef = {
  name: 'price-change',
  depletions: 1,
  build(rng: Rng) {
    const b = setup(rng, 'America/New_York');
    const u = clockAt(b, 0).utcDay + rng.int(2, 4);
    let pm = 0;
    while (clockAt(b, pm).utcDay < u) pm++;
    const mult = rng.uniform(1.4, 1.9);
    const target = localMinute(b.clocks, pm, rng.uniform(2.5, 3.5), rng.uniform(11, 18));
    const r = rng.uniform(3, 8);
    const day = shape(DAYTIME, WEEK_RETAIL);
    const plan = makePlan(b, {
      days: target / 1440 + rng.uniform(1.2, 2.2), decimals: 2, targets: [target],
      streams: [sms((c) => r * day(c), rng.uniform(0.0079, 0.0095), [0.75, 0.2, 0.05])],
      priceMult: (c) => (c.m >= pm ? mult : 1),
      hooks: [generousRefill([2, 6], [8, 20])],
    });
    plan.initial = cumAt(expectedCum(plan), target);
    return plan;
  },
};

export const OPS_KINDS: readonly KindDef[] = [businessHours, consumerEvenings, decliningSwitchoff, dailyCap, priceChange];
