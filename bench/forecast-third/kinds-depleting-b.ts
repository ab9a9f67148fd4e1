// Kinds that run dry (part 2): consumer evenings, a wallet that runs dry twice, a mixed-product wallet
// behind a stale balance endpoint, retry storms, and a tiny per-request wallet.

import { DAY, addBlock, expectedCum, flatPrice, nice, shape, spendBetween, type Scheduled } from './engine.js';
import {
  ALL_WEEK, BUSINESS_WEEK, EVENING, OFFICE, OTP_SEGS, ROUND_CLOCK, TRANSACTIONAL, WEEKDAYS, WEEKEND_HEAVY,
  busyTarget, callPrice, human, humanRefill, logU, makePlan, poller, setup, someApi, someCalls, someSms, stream, utcMidnightAfter, type KindDef,
} from './kit.js';

/** A consumer app (in-app calling to phones + OTP SMS): evening peaks, busier weekends, per-second billing. */
const consumerEvenings: KindDef = {
  name: 'consumer_evenings',
  depletions: 1,
  build(rng, label) {
    const { clock } = setup(rng);
    const calls = callPrice(`${label}/calls`, {
      answered: rng.uniform(0.6, 0.9),
      medianSec: rng.uniform(45, 150),
      sigma: rng.uniform(1.1, 1.5),
      capSec: 2 * 3600,
      perMin: logU(rng, 0.008, 0.12),
      incr: rng.pick([[1, 1], [6, 6], [60, 60]] as [number, number][]),
    });
    const sms = someSms(rng, `${label}/otp`, OTP_SEGS);
    const perHour = logU(rng, 0.3, 15);
    const smsShare = rng.uniform(0.15, 0.4);
    const opts = { sharp: rng.uniform(0.8, 1.3) };
    const streams = [
      stream(shape(clock, (perHour * (1 - smsShare)) / 60 / calls.mean, EVENING, WEEKEND_HEAVY, opts), calls, 0.18, 0.1),
      stream(shape(clock, (perHour * smsShare) / 60 / sms.mean, EVENING, WEEKEND_HEAVY, { sharp: 0.6 }), sms, 0.1, 0.08),
    ];
    const cum = expectedCum(clock, streams);
    const targetH = busyTarget(rng, cum, 4 * 24, 10 * 24) / 60;
    return makePlan(clock, Math.min(14, targetH / 24 + rng.uniform(1.5, 3)), {
      streams,
      balance0: cum[Math.round(targetH * 60)]!,
      refill: humanRefill(clock, cum, [1, 6], [7, 21], 9, 23),
      obs: poller(rng),
      meta: { targetH },
    });
  },
};

/** A small business that tops up a few days' worth each time it runs dry: empty, refill, empty again, refill. */
const twiceDry: KindDef = {
  name: 'twice_dry',
  depletions: 2,
  build(rng, label) {
    const { clock } = setup(rng);
    const t2 = rng.uniform(80, 115);
    const office = rng.next() < 0.6;
    const sms = someSms(rng, `${label}/sms`);
    const calls = someCalls(rng, `${label}/calls`);
    const perHour = logU(rng, 0.3, 10);
    const share = rng.uniform(0.2, 0.8);
    const [diurnal, weekly] = office ? [OFFICE, BUSINESS_WEEK] : [ROUND_CLOCK, ALL_WEEK];
    const streams = [
      stream(shape(clock, (perHour * share) / 60 / sms.mean, diurnal, weekly), sms, 0.12, 0.08),
      stream(shape(clock, (perHour * (1 - share)) / 60 / calls.mean, diurnal, weekly), calls, 0.15, 0.08),
    ];
    const cum = expectedCum(clock, streams);
    const t1 = busyTarget(rng, cum, 80, 120, 0.15) / 60;
    return makePlan(clock, Math.min(14, (t1 + t2 + 14) / 24 + 1.5), {
      streams,
      balance0: cum[Math.round(t1 * 60)]!,
      refill: (m, nth, r) => {
        const d = human(r, clock, m, [1, 8]);
        const hours = nth === 0 ? t2 : r.uniform(8, 15) * 24;
        return { delayMin: d, amount: nice(spendBetween(cum, m + d, m + d + hours * 60)) };
      },
      obs: poller(rng),
      meta: { targetH: t1, secondRunH: t2 },
    });
  },
};

/**
 * Voice + SMS + API in one wallet, monthly number rental charged at 00:00 UTC on the billing day,
 * occasional small refunds, and a provider endpoint that refreshes the balance only every 5-15 min.
 */
const mixedWallet: KindDef = {
  name: 'mixed_wallet',
  depletions: 1,
  build(rng, label) {
    const { clock } = setup(rng);
    const calls = someCalls(rng, `${label}/calls`);
    const sms = someSms(rng, `${label}/sms`);
    const api = someApi(rng);
    const w = [rng.uniform(0.2, 1), rng.uniform(0.2, 1), rng.uniform(0.2, 1)];
    const wsum = w[0]! + w[1]! + w[2]!;
    const perHour = logU(rng, 0.5, 40);
    const part = (i: number): number => (perHour * w[i]!) / wsum / 60;
    const streams = [
      stream(shape(clock, part(0) / calls.mean, OFFICE, WEEKDAYS, { sharp: rng.uniform(0.8, 1.2) }), calls, 0.15, 0.1),
      stream(shape(clock, part(1) / sms.mean, TRANSACTIONAL, BUSINESS_WEEK), sms, 0.12, 0.08),
      stream(shape(clock, part(2) / api.mean, ROUND_CLOCK, ALL_WEEK), api, 0.1, 0.05),
    ];
    const perNumber = rng.uniform(1.0, 1.15); // monthly rental of one number
    const numbers = Math.max(1, Math.round((perHour * 24 * rng.uniform(0.3, 1.5)) / perNumber));
    const scheduled: Scheduled[] = [
      { m: utcMidnightAfter(clock, rng.uniform(0.3, 3) * DAY), kind: 'charge', amount: Math.round(numbers * perNumber * 100) / 100 },
    ];
    const refunds = rng.poisson(14 * rng.uniform(0.15, 0.6));
    for (let i = 0; i < refunds; i++) {
      scheduled.push({ m: rng.int(60, 14 * DAY), kind: 'refund', amount: Math.round(perHour * rng.uniform(0.05, 0.5) * 100) / 100 });
    }
    const cum = expectedCum(clock, streams, scheduled);
    const targetH = busyTarget(rng, cum, 6 * 24, 12 * 24) / 60;
    return makePlan(clock, Math.min(14, targetH / 24 + rng.uniform(1.5, 2.5)), {
      streams,
      scheduled,
      balance0: cum[Math.round(targetH * 60)]!,
      refill: humanRefill(clock, cum, [0.5, 6], [10, 25]),
      obs: poller(rng, { everyMin: rng.int(5, 15), lagMin: rng.int(0, 3) }),
      meta: { targetH, numbers, rental: scheduled[0]!.amount as number },
    });
  },
};

/** A verification/lookup API billed per request, with short retry storms when a client misbehaves. */
const retryStorms: KindDef = {
  name: 'retry_storms',
  depletions: 1,
  build(rng) {
    const { clock } = setup(rng);
    const price = someApi(rng);
    const perMin = logU(rng, 0.5, 60);
    const transactional = rng.next() < 0.5;
    const base = shape(clock, perMin, transactional ? TRANSACTIONAL : ROUND_CLOCK, ALL_WEEK, { sharp: rng.uniform(0.6, 1.1) });
    const storms = new Float64Array(clock.total);
    const count = rng.poisson((clock.total / DAY) * rng.uniform(0.25, 0.7));
    for (let i = 0; i < count; i++) addBlock(storms, rng.int(0, clock.total - 60), rng.int(8, 35), perMin * rng.uniform(8, 40));
    const streams = [stream(base, price, 0.12, 0.08), stream(storms, price, 0.1, 0, 10)];
    const cum = expectedCum(clock, streams);
    const targetH = busyTarget(rng, cum, 5 * 24, 10 * 24) / 60;
    return makePlan(clock, Math.min(14, targetH / 24 + rng.uniform(1.5, 3)), {
      streams,
      balance0: cum[Math.round(targetH * 60)]!,
      refill: humanRefill(clock, cum, [0.5, 4], [7, 14]),
      obs: poller(rng),
      meta: { targetH, storms: count },
    });
  },
};

/** A tiny wallet (20-60 credits) billed fractions of a credit per request; the endpoint shows 4 decimals. */
const tinyPerRequest: KindDef = {
  name: 'tiny_per_request',
  depletions: 1,
  build(rng) {
    const { clock } = setup(rng);
    const balance0 = 5 * rng.int(4, 12);
    const price = flatPrice(Math.round(logU(rng, 0.0004, 0.004) * 1e5) / 1e5);
    const transactional = rng.next() < 0.5;
    const unit = shape(clock, 1, transactional ? TRANSACTIONAL : ROUND_CLOCK, transactional ? BUSINESS_WEEK : ALL_WEEK);
    const unitCum = expectedCum(clock, [stream(unit, price)]);
    const targetH = busyTarget(rng, unitCum, 4 * 24, 9 * 24) / 60;
    const k = balance0 / unitCum[Math.round(targetH * 60)]!;
    const streams = [stream(unit.map((x) => x * k), price, 0.15, 0.08)];
    return makePlan(clock, Math.min(14, targetH / 24 + rng.uniform(1.5, 2.5)), {
      streams,
      balance0,
      refill: (m, _n, r) => ({ delayMin: human(r, clock, m, [1, 12]), amount: nice(balance0 * r.uniform(1, 2)) }),
      obs: poller(rng, { decimals: 4 }),
      meta: { targetH, price: price.mean },
    });
  },
};

export const DEPLETING_B: readonly KindDef[] = [consumerEvenings, twiceDry, mixedWallet, retryStorms, tinyPerRequest];
