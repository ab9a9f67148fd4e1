// Kinds that never run dry inside their history: a healthy fresh install, auto-recharge, a service
// migrating away, a very large enterprise wallet, a dormant wallet, a one-day marketing campaign.

import { DAY, addBlock, expectedCum, nice, shape, spendBetween, type Scheduled } from './engine.js';
import {
  ALL_WEEK, BUSINESS_WEEK, MARKETING_SEGS, NOTIFY_SEGS, OFFICE, ROUND_CLOCK, TRANSACTIONAL, WEEKDAYS,
  logU, makePlan, poller, setup, smsPrice, someApi, someCalls, someSms, stream, utcMidnightAfter, whenSpent, type KindDef,
} from './kit.js';

/** Brand-new install (history starts at install) on a wallet with 5-10 days of runway at the expected spend. */
const freshHealthy: KindDef = {
  name: 'fresh_healthy',
  depletions: 0,
  build(rng, label) {
    const { clock } = setup(rng);
    const sms = someSms(rng, `${label}/sms`);
    const calls = someCalls(rng, `${label}/calls`);
    const perHour = logU(rng, 0.5, 40);
    const share = rng.uniform(0.2, 0.9);
    const profile = rng.pick([OFFICE, TRANSACTIONAL, ROUND_CLOCK]);
    const weekly = profile === ROUND_CLOCK ? ALL_WEEK : BUSINESS_WEEK;
    const opts = { sharp: rng.uniform(0.6, 1.0) };
    const streams = [
      stream(shape(clock, (perHour * share) / 60 / sms.mean, profile, weekly, opts), sms, 0.1, 0.08, 60, 1.15),
      stream(shape(clock, (perHour * (1 - share)) / 60 / calls.mean, profile, weekly, opts), calls, 0.1, 0.08, 60, 1.15),
    ];
    const cum = expectedCum(clock, streams);
    const runway = rng.uniform(120, 250);
    // at least 30 % more than the expected spend of the first 100 h, whatever the weekly shape
    const balance0 = Math.max(cum[Math.round(runway * 60)]!, 1.3 * cum[100 * 60]!);
    return makePlan(clock, 3, {
      streams,
      balance0,
      obs: poller(rng, { calmFirstMin: DAY }),
      meta: { runwayH: whenSpent(cum, 0, balance0) / 60, spend100hShare: cum[100 * 60]! / balance0 },
    });
  },
};

/** Auto-recharge: when the balance falls under a threshold the card is charged (fixed amount or back to a target). */
const autoRecharge: KindDef = {
  name: 'auto_recharge',
  depletions: 0,
  build(rng, label) {
    const { clock } = setup(rng);
    const calls = someCalls(rng, `${label}/calls`);
    const sms = someSms(rng, `${label}/sms`);
    const perHour = logU(rng, 0.5, 50);
    const share = rng.uniform(0.1, 0.9);
    const office = rng.next() < 0.5;
    const [d, w] = office ? [OFFICE, WEEKDAYS] : [TRANSACTIONAL, BUSINESS_WEEK];
    const streams = [
      stream(shape(clock, (perHour * share) / 60 / sms.mean, d, w), sms, 0.12, 0.1),
      stream(shape(clock, (perHour * (1 - share)) / 60 / calls.mean, d, w), calls, 0.15, 0.1),
    ];
    const daily = perHour * 24;
    const below = nice(daily * rng.uniform(1, 3));
    const step = nice(daily * rng.uniform(3, 10));
    const toTarget = rng.next() < 0.5;
    return makePlan(clock, rng.uniform(7, 14), {
      streams,
      balance0: below + daily * rng.uniform(1, 6),
      auto: { below, add: (b) => (toTarget ? below + step - b : step), delayMin: [2, 12] },
      obs: poller(rng),
      meta: { thresholdDays: below / daily, rechargeDays: step / daily },
    });
  },
};

/** Traffic moving to another provider: linear decline, exponential decay, or switched off after a ramp-down. */
const decline: KindDef = {
  name: 'declining_migration',
  depletions: 0,
  build(rng, label) {
    const { clock } = setup(rng);
    const days = rng.uniform(7, 14);
    const M = days * DAY;
    const mode = rng.pick(['linear', 'exp', 'switch_off'] as const);
    const floor = rng.uniform(0.05, 0.35);
    const halfLife = rng.uniform(2, 5) * DAY;
    const offAt = rng.uniform(1.5, 4.5) * DAY;
    const ramp = rng.uniform(0.5, 2) * DAY;
    const trend = (m: number): number =>
      mode === 'linear' ? Math.max(floor, 1 - ((1 - floor) * m) / M)
      : mode === 'exp' ? Math.pow(0.5, m / halfLife)
      : m < offAt ? 1 : Math.max(0.03, 1 - (m - offAt) / ramp);
    const sms = someSms(rng, `${label}/sms`);
    const calls = someCalls(rng, `${label}/calls`);
    const perHour = logU(rng, 0.5, 30);
    const share = rng.uniform(0.2, 0.9);
    const opts = { sharp: rng.uniform(0.7, 1.1), trend };
    const streams = [
      stream(shape(clock, (perHour * share) / 60 / sms.mean, TRANSACTIONAL, BUSINESS_WEEK, opts), sms, 0.12, 0.08),
      stream(shape(clock, (perHour * (1 - share)) / 60 / calls.mean, OFFICE, BUSINESS_WEEK, opts), calls, 0.15, 0.1),
    ];
    const cum = expectedCum(clock, streams);
    const balance0 = Math.max(perHour * 24 * rng.uniform(4.5, 9), spendBetween(cum, 0, M) / rng.uniform(0.45, 0.7));
    return makePlan(clock, days, {
      streams,
      balance0,
      obs: poller(rng),
      meta: { initialRunwayH: balance0 / perHour, spentShare: spendBetween(cum, 0, M) / balance0 },
    });
  },
};

/** A very large prepaid wallet (hundreds of thousands of credits), high volume, whole-credit readings. */
const bigEnterprise: KindDef = {
  name: 'big_enterprise',
  depletions: 0,
  build(rng, label) {
    const { clock } = setup(rng);
    const balance0 = nice(logU(rng, 2e5, 2e6));
    const daily = balance0 * rng.uniform(0.002, 0.01);
    const calls = someCalls(rng, `${label}/calls`);
    const sms = someSms(rng, `${label}/sms`);
    const api = someApi(rng);
    const w = [rng.uniform(0.2, 1), rng.uniform(0.2, 1), rng.uniform(0.1, 0.5)];
    const part = (i: number): number => (daily * w[i]!) / (w[0]! + w[1]! + w[2]!) / DAY;
    const streams = [
      stream(shape(clock, part(0) / calls.mean, OFFICE, BUSINESS_WEEK, { sharp: 0.8 }), calls, 0.08, 0.05),
      stream(shape(clock, part(1) / sms.mean, TRANSACTIONAL, BUSINESS_WEEK), sms, 0.08, 0.05),
      stream(shape(clock, part(2) / api.mean, ROUND_CLOCK, ALL_WEEK), api, 0.05, 0.03),
    ];
    const scheduled: Scheduled[] = [];
    if (rng.next() < 0.5) scheduled.push({ m: utcMidnightAfter(clock, rng.uniform(0.5, 6) * DAY), kind: 'charge', amount: nice(daily * rng.uniform(0.2, 1)) });
    return makePlan(clock, rng.uniform(7, 14), {
      streams,
      scheduled,
      balance0,
      obs: poller(rng, { decimals: 0 }),
      meta: { runwayDays: balance0 / daily },
    });
  },
};

/** A dormant wallet: a few test calls/SMS a day, maybe a number-rental charge; flat for hours. */
const dormant: KindDef = {
  name: 'dormant',
  depletions: 0,
  build(rng, label) {
    const { clock } = setup(rng);
    const days = rng.uniform(7, 14);
    const sms = someSms(rng, `${label}/sms`);
    const calls = someCalls(rng, `${label}/calls`);
    const perDay = logU(rng, 0.3, 12);
    const streams = [
      stream(shape(clock, (perDay * 0.6) / DAY, OFFICE, WEEKDAYS), sms, 0.3, 0.3),
      stream(shape(clock, (perDay * 0.4) / DAY, OFFICE, WEEKDAYS), calls, 0.3, 0.3),
    ];
    const scheduled: Scheduled[] = [];
    if (rng.next() < 0.5) scheduled.push({ m: utcMidnightAfter(clock, rng.uniform(0.5, days - 0.5) * DAY), kind: 'charge', amount: Math.round(rng.int(1, 3) * rng.uniform(1, 1.2) * 100) / 100 });
    const cum = expectedCum(clock, streams, scheduled);
    return makePlan(clock, days, {
      streams,
      scheduled,
      balance0: Math.max(Math.round(logU(rng, 3, 80) * 100) / 100, 3 * spendBetween(cum, 0, days * DAY) + 1),
      obs: poller(rng),
      meta: { eventsPerDay: perDay },
    });
  },
};

/** Transactional SMS plus a single marketing campaign day that burns a quarter to 45 % of the wallet in hours. */
const campaignDay: KindDef = {
  name: 'campaign_day',
  depletions: 0,
  build(rng, label) {
    const { clock } = setup(rng);
    const days = rng.uniform(7, 12);
    const perSeg = logU(rng, 0.0045, 0.06);
    const base = smsPrice(`${label}/base`, perSeg, NOTIFY_SEGS);
    const promo = smsPrice(`${label}/promo`, perSeg, MARKETING_SEGS);
    const baseRate = shape(clock, logU(rng, 0.3, 20), TRANSACTIONAL, BUSINESS_WEEK, { sharp: rng.uniform(0.7, 1.1) });
    const promoRate = new Float64Array(clock.total);
    const streams = [stream(baseRate, base, 0.12, 0.08), stream(promoRate, promo, 0.05, 0.03, 30)];
    const baseline = spendBetween(expectedCum(clock, streams), 0, days * DAY);
    // the campaign takes a share c of the wallet; what is left at the end lasts another 6-12 days
    const c = rng.uniform(0.25, 0.45);
    const balance0 = (baseline * (1 + rng.uniform(6, 12) / days)) / (1 - c);
    const at = clock.nextLocal(Math.round(rng.uniform(1.5, 5.5) * DAY), rng.int(10, 14));
    const len = rng.uniform(3, 8) * 60;
    addBlock(promoRate, at, len, (c * balance0) / promo.mean / len);
    return makePlan(clock, days, {
      streams,
      balance0,
      obs: poller(rng),
      meta: { campaignH: at / 60, campaignShare: c, endShare: 1 - c - baseline / balance0 },
    });
  },
};

export const STEADY: readonly KindDef[] = [freshHealthy, autoRecharge, decline, bigEnterprise, dormant, campaignDay];
