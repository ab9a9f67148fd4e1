// Non-depleting kinds: wallets that do not run dry within the history (nor, in expectation, 4 days after).

import type { KindDef } from './engine.js';
import {
  aiAgent, appCalling, frame, lookup, monthlyFee, noise, notifySms, outboundVoice, stream, tollFreeInbound, verify,
} from './kinds-common.js';
import { flat, sms, SEGMENTS_MARKETING } from './products.js';
import { readingPlan } from './readings.js';
import { alwaysOn, business, consumer, days, ramp, sigmoid, step } from './shapes.js';
import { HORIZON_MIN, makeClock } from './time.js';

const freshInstallHealthy: KindDef = {
  name: 'fresh-install-healthy',
  depleting: false,
  blurb: 'new account: readings of 0, first purchase, quiet testing, traffic ramps up over ~1-2 days; credit lasts',
  build(rng) {
    const c = frame(rng, ['America/New_York', 'Europe/London', 'America/Denver', 'Asia/Singapore']);
    const install = rng.int(1, 20);
    const quiet = (install + rng.int(20, 180)) / 1440;
    const testEnd = quiet + rng.uniform(2, 10) / 24;
    const tau = rng.uniform(0.3, 1.5);
    const useConsumer = rng.next() < 0.5;
    const trend = (d: number): number => (d < quiet ? 0 : d < testEnd ? 0.05 : 0.05 + 0.95 * ramp(d, testEnd, tau));
    const shape = (m: number): number => trend(days(m)) * (useConsumer ? consumer(c, m) : alwaysOn(c, m, 0.4));
    const daily = rng.logNormal(40, 0.6);
    return {
      clock: c,
      days: rng.uniform(3, 9),
      streams: [stream(notifySms(rng), daily, shape), stream(lookup(rng), daily * 0.2, shape)],
      fixed: [],
      ...noise(rng),
      funding: { type: 'static', cover: rng.uniform(1.6, 4), installAt: install },
      readings: readingPlan({ jitterSec: 3 }),
      refundShare: 0,
    };
  },
};

const stepDown: KindDef = {
  name: 'step-down',
  depleting: false,
  blurb: 'support line whose volume drops to 30-60% on day 1-4 (a client left); weekday office hours',
  build(rng) {
    const c = frame(rng, ['Europe/Paris', 'America/Chicago', 'Asia/Tokyo', 'Australia/Melbourne']);
    const at = rng.uniform(1, 4);
    const factor = rng.uniform(0.3, 0.6);
    const biz = { open: rng.uniform(8, 9.5), close: rng.uniform(17, 19), weekend: rng.uniform(0.1, 0.3), night: 0.05 };
    const shape = (m: number): number => step(days(m), at, factor, 0.1) * business(c, m, biz);
    const daily = rng.logNormal(120, 0.5);
    return {
      clock: c,
      days: rng.uniform(5, 12),
      streams: [stream(tollFreeInbound(rng), daily, shape), stream(notifySms(rng), daily * 0.15, shape)],
      fixed: [],
      ...noise(rng),
      funding: { type: 'static', cover: rng.uniform(1.3, 2.2), installAt: 0 },
      readings: readingPlan({ jitterSec: 5, outageH: [1, 12] }),
      refundShare: 0,
    };
  },
};

const growthPlateau: KindDef = {
  name: 'growth-plateau',
  depleting: false,
  blurb: 'AI voice agent rollout: volume grows 2-4x along a logistic curve, then levels off; 24/7 traffic',
  build(rng) {
    const c = frame(rng, ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Asia/Dubai']);
    const K = rng.uniform(2, 4);
    const mid = rng.uniform(1, 3.5);
    const width = rng.uniform(0.3, 0.8);
    const peak = rng.uniform(11, 16);
    const shape = (m: number): number => (1 + (K - 1) * sigmoid(days(m), mid, width)) * alwaysOn(c, m, 0.5, peak);
    const daily = rng.logNormal(60, 0.5);
    return {
      clock: c,
      days: rng.uniform(6, 14),
      streams: [stream(aiAgent(rng), daily, shape), stream(notifySms(rng), daily * 0.2, shape)],
      fixed: [],
      ...noise(rng),
      funding: { type: 'static', cover: rng.uniform(1.3, 2.5), installAt: 0 },
      readings: readingPlan({ jitterSec: 8 }),
      refundShare: 0,
    };
  },
};

const eveningConsumer: KindDef = {
  name: 'evening-weekend-consumer',
  depleting: false,
  blurb: 'consumer calling app: evening peaks, busier weekends; owner tops up by hand when ~4-6 days are left',
  build(rng) {
    const c = frame(rng, ['America/Los_Angeles', 'America/Sao_Paulo', 'Europe/Paris', 'Asia/Manila', 'America/Mexico_City']);
    const lift = rng.uniform(1.15, 1.5);
    const shape = (m: number): number => consumer(c, m, lift);
    const daily = rng.logNormal(50, 0.6);
    return {
      clock: c,
      days: rng.uniform(6, 14),
      streams: [
        stream(appCalling(rng), daily, shape),
        stream(verify(rng), daily * 0.3, shape),
        stream(notifySms(rng), daily * 0.15, shape),
      ],
      fixed: [],
      ...noise(rng),
      funding: { type: 'human', initialDays: rng.uniform(5, 10), lookaheadH: rng.uniform(90, 150), delayH: [2, 20], buyDays: [6, 12] },
      readings: readingPlan({ jitterSec: 10, skipP: 0.02 }),
      refundShare: 0,
    };
  },
};

const campaignBursts: KindDef = {
  name: 'campaign-bursts',
  depleting: false,
  blurb: 'SMS/MMS marketing blasts (20-120 min, weekdays) over light background traffic; bursts end, wallet holds',
  build(rng) {
    const c = frame(rng, ['America/New_York', 'Europe/Berlin', 'America/Los_Angeles', 'Europe/Madrid']);
    const histDays = rng.uniform(4, 14);
    const product = rng.next() < 0.3
      ? flat('mms', rng.uniform(0.018, 0.022) + 0.0035)
      : sms('sms-marketing', rng.uniform(0.0075, 0.0095), rng.uniform(0.002, 0.004), SEGMENTS_MARKETING);
    const burst = new Float64Array(HORIZON_MIN);
    const addBurst = (midnight: number): void => {
      const m0 = midnight + Math.round(rng.uniform(9.5, 17.5) * 60);
      const dur = rng.int(20, 120);
      const n = rng.logNormal(12000, 0.7);
      for (let k = 0; k < dur && m0 + k < HORIZON_MIN; k++) burst[m0 + k] = (burst[m0 + k] ?? 0) + n / dur;
    };
    const midnights: number[] = [];
    for (let m = 1; m < HORIZON_MIN; m++) if (c.localDay[m] !== c.localDay[m - 1]) midnights.push(m);
    let inHistory = 0;
    for (const mid of midnights) {
      const wd = c.weekday[mid] ?? 0;
      if (wd === 0 || wd === 6 || rng.next() > 0.45) continue;
      addBurst(mid);
      if (mid < histDays * 1440 - 1440) inHistory++;
    }
    if (inHistory === 0) addBurst(rng.pick(midnights.filter((m) => m < histDays * 1440 - 1440)));
    const bg = rng.uniform(0.3, 0.6);
    return {
      clock: c,
      days: histDays,
      streams: [
        { product, perMin: 1, shape: (m) => burst[m] ?? 0 },
        stream(notifySms(rng), rng.logNormal(8, 0.5), (m) => alwaysOn(c, m, bg)),
      ],
      fixed: [],
      ...noise(rng),
      funding: { type: 'static', cover: rng.uniform(1.6, 2.4), installAt: 0 },
      readings: readingPlan({ jitterSec: 4, refreshMin: rng.int(2, 10) }),
      refundShare: 0,
    };
  },
};

const declining: KindDef = {
  name: 'declining',
  depleting: false,
  blurb: 'product being sunset: usage decays 5-20%/day towards a floor; balance outlasts it',
  build(rng) {
    const c = frame(rng, ['Europe/Rome', 'America/Denver', 'Asia/Seoul', 'Pacific/Auckland']);
    const d = rng.uniform(0.05, 0.2);
    const floor = rng.uniform(0.15, 0.4);
    const biz = rng.next() < 0.5;
    const opts = { open: 8, close: 18, weekend: 0.3, night: 0.08 };
    const shape = (m: number): number =>
      (floor + (1 - floor) * Math.exp(-d * days(m))) * (biz ? business(c, m, opts) : consumer(c, m));
    const daily = rng.logNormal(80, 0.6);
    return {
      clock: c,
      days: rng.uniform(5, 14),
      streams: [stream(outboundVoice(rng), daily, shape), stream(notifySms(rng), daily * 0.3, shape)],
      fixed: [],
      ...noise(rng),
      funding: { type: 'static', cover: rng.uniform(1.2, 2), installAt: 0 },
      readings: readingPlan({ jitterSec: 4, outageH: [1, 12] }),
      refundShare: 0,
    };
  },
};

const autoRecharge: KindDef = {
  name: 'auto-recharge',
  depleting: false,
  blurb: 'API lookups + SMS with auto-recharge: below a threshold the card is charged within minutes',
  build(rng) {
    const c = frame(rng, ['America/New_York', 'Europe/London', 'Asia/Singapore', 'America/Phoenix']);
    const biz = rng.next() < 0.4;
    const opts = { open: 8, close: 19, weekend: 0.3, night: 0.15 };
    const shape = (m: number): number => (biz ? business(c, m, opts) : alwaysOn(c, m, 0.6));
    const daily = rng.logNormal(150, 0.7);
    return {
      clock: c,
      days: rng.uniform(4, 14),
      streams: [stream(lookup(rng), daily, shape), stream(notifySms(rng), daily * 0.5, shape)],
      fixed: monthlyFee(c, rng.int(5, 50) * 1.15, rng.int(0, 180)),
      ...noise(rng),
      funding: { type: 'auto', thresholdH: rng.uniform(8, 30), amountMult: rng.uniform(2, 5), delayMin: [1, 15] },
      readings: readingPlan({ jitterSec: 15 }),
      refundShare: 0,
    };
  },
};

const followTheSun: KindDef = {
  name: 'follow-the-sun',
  depleting: false,
  blurb: 'support desk in two time zones (Asia + Americas/Europe): two business-day humps, daily carrier credits',
  build(rng) {
    const c = frame(rng, ['Asia/Kolkata', 'Asia/Manila']);
    const c2 = makeClock(rng.pick(['America/New_York', 'America/Chicago', 'Europe/London']), c.start);
    const k = rng.uniform(0.5, 1.2);
    const a = { open: 9.5, close: 18.5, weekend: 0.05, night: 0.03 };
    const b = { open: 8.5, close: 17.5, weekend: 0.05, night: 0 };
    const shape = (m: number): number => business(c, m, a) + k * business(c2, m, b);
    const daily = rng.logNormal(70, 0.5);
    return {
      clock: c,
      days: rng.uniform(5, 14),
      streams: [stream(outboundVoice(rng), daily, shape), stream(notifySms(rng), daily * 0.2, shape)],
      fixed: monthlyFee(c, rng.int(10, 40) * 1.15, rng.int(0, 180)),
      ...noise(rng),
      funding: { type: 'human', initialDays: rng.uniform(5, 10), lookaheadH: rng.uniform(96, 144), delayH: [4, 24], buyDays: [7, 12] },
      readings: readingPlan({ refreshMin: 5, outageH: [1, 8], decimals: 2 }),
      refundShare: rng.uniform(0.02, 0.08),
    };
  },
};

export const QUIET_KINDS: readonly KindDef[] = [
  freshInstallHealthy, stepDown, growthPlateau, eveningConsumer, campaignBursts, declining, autoRecharge, followTheSun,
];
