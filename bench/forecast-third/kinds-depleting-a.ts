// Kinds that run dry (part 1). Each sizes its starting balance from the EXPECTED spend curve so the
// depletion lands where the kind intends; the traffic noise then moves it by hours, not away.

import { DAY, addBlock, expectedCum, shape, spendBetween, nice, type Scheduled } from './engine.js';
import {
  BUSINESS_WEEK, ALL_WEEK, OFFICE, ROUND_CLOCK, TRANSACTIONAL, WEEKDAYS, OTP_SEGS, NOTIFY_SEGS, MARKETING_SEGS,
  busyTarget, humanRefill, logU, makePlan, poller, setup, smsPrice, someApi, someCalls, someSms, stream, type KindDef,
} from './kit.js';

/** A brand-new install on a wallet with about half a day of credit left, 24/7 steady traffic. */
const dry12h: KindDef = {
  name: 'dry_12h',
  depletions: 1,
  build(rng, label) {
    const { clock } = setup(rng);
    const product = rng.pick(['sms', 'calls', 'api'] as const);
    const price = product === 'sms' ? someSms(rng, label, OTP_SEGS) : product === 'calls' ? someCalls(rng, label, true) : someApi(rng);
    const minEvents = product === 'calls' ? 15 : 6; // enough events a minute that 12 h of spend is predictable
    const perHour = Math.max(logU(rng, 0.8, 25), minEvents * 60 * price.mean);
    const rate = shape(clock, perHour / 60 / price.mean, ROUND_CLOCK, ALL_WEEK, { sharp: rng.uniform(0.3, 0.6) });
    const streams = [stream(rate, price, 0.04, 0.02)];
    const cum = expectedCum(clock, streams);
    const target = rng.uniform(11.5, 12.5);
    return makePlan(clock, 3, {
      streams,
      balance0: cum[Math.round(target * 60)]!,
      refill: (m, _n, r) => {
        const d = r.uniform(2, 6) * 60;
        return { delayMin: d, amount: nice(spendBetween(cum, m + d, m + d + r.uniform(5, 10) * DAY)) };
      },
      obs: poller(rng, { outages: rng.int(0, 1), everyMin: rng.pick([1, 1, 1, 5]), lagMin: 0 }),
      meta: { targetH: target },
    });
  },
};

/** Business-hours voice (a call centre), weekdays only, local public holidays, per-minute or per-second billing. */
const callCentre: KindDef = {
  name: 'call_center_weekdays',
  depletions: 1,
  build(rng, label) {
    const { zone, clock } = setup(rng);
    const calls = someCalls(rng, label, rng.next() < 0.3);
    const opts = { sharp: rng.uniform(0.8, 1.25), holidays: zone.holidays };
    const streams = [stream(shape(clock, logU(rng, 0.3, 20), OFFICE, WEEKDAYS, opts), calls, 0.15, 0.07, 45)];
    if (rng.next() < 0.4) {
      // appointment reminders sent by the same wallet, a fraction of the voice spend
      const sms = someSms(rng, `${label}/sms`);
      const callSpend = (streams[0]!.rate.reduce((a, x) => a + x, 0) / streams[0]!.rate.length) * calls.mean;
      streams.push(stream(shape(clock, (callSpend * rng.uniform(0.05, 0.3)) / sms.mean, OFFICE, WEEKDAYS, opts), sms, 0.2, 0.07));
    }
    const cum = expectedCum(clock, streams);
    const targetH = busyTarget(rng, cum, 5 * 24, 11 * 24) / 60;
    return makePlan(clock, Math.min(14, targetH / 24 + rng.uniform(1.5, 3)), {
      streams,
      balance0: cum[Math.round(targetH * 60)]!,
      refill: humanRefill(clock, cum, [0.3, 3], [7, 20], 8, 19),
      obs: poller(rng),
      meta: { targetH },
    });
  },
};

/** Transactional SMS plus a weekly newsletter blast at a fixed local weekday/hour; runs dry during the 2nd blast. */
const weeklyBlast: KindDef = {
  name: 'sms_weekly_blast',
  depletions: 1,
  build(rng, label) {
    const { clock } = setup(rng);
    const perSeg = logU(rng, 0.0045, 0.06);
    const base = smsPrice(`${label}/base`, perSeg, NOTIFY_SEGS);
    const blast = smsPrice(`${label}/blast`, perSeg, MARKETING_SEGS);
    const msgsPerMin = logU(rng, 0.3, 15);
    const baseRate = shape(clock, msgsPerMin, TRANSACTIONAL, BUSINESS_WEEK, { sharp: rng.uniform(0.7, 1.1) });
    const dailyBase = msgsPerMin * DAY * base.mean;
    const first = clock.nextLocal(Math.round(rng.uniform(0.5, 3.5) * DAY), rng.int(9, 16)) + 15 * rng.int(0, 3);
    const dur = rng.uniform(45, 180);
    const spend1 = dailyBase * rng.uniform(2, 6);
    const growth = rng.uniform(1.0, 1.12);
    const blastRate = new Float64Array(clock.total);
    for (let k = 0, m = first; m < clock.total; k++, m += 7 * DAY) {
      const spend = spend1 * Math.pow(growth, k) * rng.uniform(0.95, 1.05);
      addBlock(blastRate, m, dur, spend / blast.mean / dur);
    }
    const streams = [stream(baseRate, base, 0.12, 0.08), stream(blastRate, blast, 0.05, 0.03, 30)];
    const cum = expectedCum(clock, streams);
    const second = first + 7 * DAY;
    const balance0 = cum[second]! + rng.uniform(0.25, 0.8) * spendBetween(cum, second, second + dur);
    return makePlan(clock, Math.min(14, second / DAY + rng.uniform(2.3, 3.5)), {
      streams,
      balance0,
      refill: humanRefill(clock, cum, [0.5, 4], [8, 15]),
      obs: poller(rng),
      meta: { targetH: second / 60, firstBlastH: first / 60 },
    });
  },
};

/** Light daytime API use plus a big batch job at 02:00 local (every night or weeknights only); dies mid-job. */
const nightlyBatch: KindDef = {
  name: 'nightly_batch',
  depletions: 1,
  build(rng) {
    const { clock } = setup(rng);
    const price = someApi(rng);
    const perMin = logU(rng, 0.2, 20);
    const office = rng.next() < 0.5;
    const day = shape(clock, perMin, office ? OFFICE : TRANSACTIONAL, office ? WEEKDAYS : BUSINESS_WEEK, { sharp: rng.uniform(0.8, 1.2) });
    const jobSpend = perMin * DAY * price.mean * rng.uniform(1.5, 5);
    const weeknightsOnly = rng.next() < 0.5;
    const jobDur = rng.uniform(25, 90);
    const jobs: { m: number; spend: number }[] = [];
    const jobRate = new Float64Array(clock.total);
    for (let m = clock.nextLocal(0, 2); m < clock.total; m += DAY) {
      if (weeknightsOnly && (clock.weekday(m) === 0 || clock.weekday(m) === 1)) continue; // no job after Sat/Sun
      const spend = jobSpend * rng.uniform(0.85, 1.15);
      const len = jobDur * rng.uniform(0.85, 1.2);
      const at = m + rng.int(-3, 12);
      addBlock(jobRate, at, len, spend / price.mean / len);
      jobs.push({ m: at, spend });
    }
    const streams = [stream(day, price, 0.15, 0.1), stream(jobRate, price, 0.05, 0.02, 20)];
    const cum = expectedCum(clock, streams);
    const after = rng.uniform(4.5, 10) * DAY;
    const job = jobs.find((j) => j.m >= after) ?? jobs[jobs.length - 1]!;
    return makePlan(clock, Math.min(14, job.m / DAY + rng.uniform(1.5, 3)), {
      streams,
      balance0: cum[job.m]! + rng.uniform(0.15, 0.9) * job.spend,
      refill: humanRefill(clock, cum, [0.5, 2], [7, 14], 8, 19),
      obs: poller(rng),
      meta: { targetH: job.m / 60 },
    });
  },
};

/** A platform onboarding customers: traffic grows (linear or accelerating) plus a step when a big client goes live. */
const growth: KindDef = {
  name: 'growth_onboarding',
  depletions: 1,
  build(rng, label) {
    const { clock } = setup(rng);
    const g = rng.uniform(2.5, 6);
    const linear = rng.next() < 0.5;
    const stepAt = clock.nextLocal(Math.round(rng.uniform(1.5, 4.5) * DAY), rng.int(9, 11));
    const step = 1 + rng.uniform(0.3, 0.8);
    const span = 14 * DAY;
    const trend = (m: number): number => (linear ? 1 + ((g - 1) * m) / span : Math.exp((Math.log(g) * m) / span)) * (m >= stepAt ? step : 1);
    const perHour = logU(rng, 0.5, 30);
    const smsShare = rng.uniform(0.3, 0.8);
    const sms = someSms(rng, `${label}/sms`);
    const calls = someCalls(rng, `${label}/calls`);
    const opts = { sharp: rng.uniform(0.7, 1.1), trend };
    const streams = [
      stream(shape(clock, (perHour * smsShare) / 60 / sms.mean, TRANSACTIONAL, BUSINESS_WEEK, opts), sms, 0.12, 0.08),
      stream(shape(clock, (perHour * (1 - smsShare)) / 60 / calls.mean, OFFICE, BUSINESS_WEEK, opts), calls, 0.15, 0.1),
    ];
    const cum = expectedCum(clock, streams);
    const targetH = busyTarget(rng, cum, 6 * 24, 11 * 24) / 60;
    const f = rng.uniform(0.1, 0.3);
    const balance0 = cum[Math.round(targetH * 60)]! / (1 + f);
    // an ordinary (small) manual top-up early on, by someone in the office
    const topAt = clock.nextLocal(Math.round(rng.uniform(1, 3) * DAY), rng.int(10, 16));
    const scheduled: Scheduled[] = [{ m: topAt, kind: 'topup', amount: (b) => Math.min(f * balance0, 0.45 * b) }];
    return makePlan(clock, Math.min(14, targetH / 24 + rng.uniform(2, 3)), {
      streams,
      scheduled,
      balance0,
      refill: humanRefill(clock, cum, [0.5, 4], [10, 20]),
      obs: poller(rng),
      meta: { targetH, growth: g },
    });
  },
};

export const DEPLETING_A: readonly KindDef[] = [dry12h, callCentre, weeklyBlast, nightlyBatch, growth];
