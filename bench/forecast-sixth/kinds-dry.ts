// Depleting kinds: the balance is sized from the expected spend curve so each depletion lands where planned.

import type { KindDef, Leg } from './engine.js';
import {
  frame, legAfter, lookup, monthlyFee, noise, notifySms, outboundVoice, sipTrunk, stream, tollFreeInbound, verify, whatsapp,
} from './kinds-common.js';
import { spread, voice } from './products.js';
import { readingPlan } from './readings.js';
import { alwaysOn, business, consumer, days, ramp, step } from './shapes.js';
import { makeClock, monthStarts } from './time.js';

const freshInstallDry: KindDef = {
  name: 'fresh-install-dry',
  depleting: true,
  blurb: 'new account: first purchase covers only 3-6 days once traffic ramps up; runs dry, maybe topped up later',
  build(rng) {
    const c = frame(rng, ['Europe/Madrid', 'America/Toronto', 'Africa/Johannesburg', 'Asia/Tokyo', 'America/Bogota']);
    const install = rng.int(1, 20);
    const quiet = (install + rng.int(20, 240)) / 1440;
    const testEnd = quiet + rng.uniform(2, 12) / 24;
    const tau = rng.uniform(0.2, 0.8);
    const useBiz = rng.next() < 0.5;
    const biz = { open: 8.5, close: 18, weekend: 0.35, night: 0.1 };
    const trend = (d: number): number => (d < quiet ? 0 : d < testEnd ? 0.05 : 0.05 + 0.95 * ramp(d, testEnd, tau));
    const shape = (m: number): number => trend(days(m)) * (useBiz ? business(c, m, biz) : consumer(c, m));
    const daily = rng.logNormal(60, 0.5);
    return {
      clock: c,
      days: 0,
      streams: [stream(outboundVoice(rng), daily, shape), stream(notifySms(rng), daily * 0.3, shape)],
      fixed: [],
      ...noise(rng),
      funding: {
        type: 'deplete', installAt: install, legs: [legAfter(rng.uniform(72, 144), rng.uniform(1, 20))],
        finalTopUp: rng.next() < 0.6, tailH: rng.uniform(6, 36),
      },
      readings: readingPlan({ jitterSec: 6, skipP: 0.01 }),
      refundShare: 0,
    };
  },
};

const stepUpDry: KindDef = {
  name: 'step-up-dry',
  depleting: true,
  blurb: 'usage jumps 1.8-3.2x on day 1-3.5 (new customer onboarded); balance sized for the old rate runs dry',
  build(rng) {
    const c = frame(rng, ['Europe/Stockholm', 'America/New_York', 'Asia/Jakarta', 'America/Lima']);
    const at = rng.uniform(1.2, 3.5);
    const factor = rng.uniform(1.8, 3.2);
    const useBiz = rng.next() < 0.5;
    const biz = { open: 8, close: 18, weekend: 0.2, night: 0.08 };
    const shape = (m: number): number => step(days(m), at, factor, 0.12) * (useBiz ? business(c, m, biz) : alwaysOn(c, m, 0.5));
    const daily = rng.logNormal(70, 0.6);
    const hours = Math.max(rng.uniform(80, 168), (at + 1) * 24);
    return {
      clock: c,
      days: 0,
      streams: [stream(lookup(rng), daily, shape), stream(notifySms(rng), daily * 0.5, shape)],
      fixed: [],
      ...noise(rng),
      funding: { type: 'deplete', installAt: 0, legs: [legAfter(hours, rng.uniform(1, 16))], finalTopUp: rng.next() < 0.7, tailH: rng.uniform(4, 30) },
      readings: readingPlan({ jitterSec: 3, refreshMin: 5 }),
      refundShare: 0,
    };
  },
};

const growthDry: KindDef = {
  name: 'growth-dry',
  depleting: true,
  blurb: 'consumer messaging growing 8-22%/day (compounding, no plateau) until the wallet runs dry',
  build(rng) {
    const c = frame(rng, ['Asia/Kolkata', 'America/Sao_Paulo', 'Africa/Lagos', 'Europe/Istanbul']);
    const g = rng.uniform(0.08, 0.22);
    const shape = (m: number): number => Math.exp(g * days(m)) * consumer(c, m);
    const daily = rng.logNormal(40, 0.6);
    return {
      clock: c,
      days: 0,
      streams: [stream(whatsapp(), daily, shape), stream(verify(rng), daily * 0.4, shape)],
      fixed: [],
      ...noise(rng),
      funding: { type: 'deplete', installAt: 0, legs: [legAfter(rng.uniform(96, 200), rng.uniform(2, 20))], finalTopUp: rng.next() < 0.6, tailH: rng.uniform(4, 24) },
      readings: readingPlan({ jitterSec: 20, skipP: 0.02, runP: 0.002 }),
      refundShare: 0,
    };
  },
};

const callcenterDry: KindDef = {
  name: 'callcenter-weekday-dry',
  depleting: true,
  blurb: 'outbound call centre, weekday office hours in a non-UTC zone, monthly DID rental; runs dry mid-shift',
  build(rng) {
    const c = frame(rng, ['Europe/Berlin', 'America/Chicago', 'Asia/Kolkata', 'Australia/Sydney', 'America/Sao_Paulo', 'Europe/Warsaw']);
    const biz = { open: rng.uniform(8, 9.5), close: rng.uniform(17, 19), weekend: 0.02, night: 0.01 };
    const shape = (m: number): number => business(c, m, biz);
    const daily = rng.logNormal(150, 0.5);
    return {
      clock: c,
      days: 0,
      streams: [stream(outboundVoice(rng), daily, shape), stream(tollFreeInbound(rng), daily * 0.3, shape)],
      fixed: monthlyFee(c, rng.int(10, 60), rng.int(0, 120)),
      ...noise(rng),
      funding: { type: 'deplete', installAt: 0, legs: [legAfter(rng.uniform(72, 180), rng.uniform(0.5, 18))], finalTopUp: rng.next() < 0.8, tailH: rng.uniform(6, 48) },
      readings: readingPlan({ jitterSec: 5, refreshMin: 3, outageH: [1, 12] }),
      refundShare: 0,
    };
  },
};

const manualCycles: KindDef = {
  name: 'manual-topup-cycles',
  depleting: true,
  blurb: '24/7 SIP trunk whose owner only tops up after it runs dry: 2-3 dry spells of 1-18 h, each top-up lasting 3-4.5 days',
  build(rng) {
    const c = frame(rng, ['Europe/Lisbon', 'America/Halifax', 'Asia/Bangkok', 'Africa/Nairobi']);
    const amp = rng.uniform(0.3, 0.7);
    const peak = rng.uniform(10, 16);
    const shape = (m: number): number => alwaysOn(c, m, amp, peak);
    const daily = rng.logNormal(45, 0.5);
    const hours = [rng.uniform(24, 80), rng.uniform(72, 110), rng.uniform(40, 90)];
    const delays = [rng.uniform(1, 18), rng.uniform(1, 18), rng.uniform(1, 18)];
    const tailH = rng.uniform(6, 30);
    const third = (hours[0] ?? 0) + (hours[1] ?? 0) + (hours[2] ?? 0) + (delays[0] ?? 0) + (delays[1] ?? 0) + (delays[2] ?? 0) + tailH <= 11 * 24;
    const legs: Leg[] = [0, 1, 2].slice(0, third ? 3 : 2).map((i) => legAfter(hours[i] ?? 48, delays[i] ?? 6));
    return {
      clock: c,
      days: 0,
      streams: [stream(sipTrunk(rng), daily, shape), stream(notifySms(rng), daily * 0.2, shape)],
      fixed: [],
      ...noise(rng),
      funding: { type: 'deplete', installAt: 0, legs, finalTopUp: true, tailH },
      readings: readingPlan({ jitterSec: 5, skipP: 0.01, decimals: 2 }),
      refundShare: 0,
    };
  },
};

const numberRenewalDry: KindDef = {
  name: 'number-renewal-dry',
  depleting: true,
  blurb: 'hundreds of rented numbers, light inbound use; the monthly renewal on the 1st overdraws the wallet',
  build(rng) {
    const tz = rng.pick(['America/New_York', 'Europe/London', 'America/Los_Angeles', 'Australia/Brisbane']);
    const boundary = Date.UTC(2026, rng.int(1, 11), 1) / 1000;
    const c = makeClock(tz, boundary - Math.round(rng.uniform(90, 220) * 60) * 60);
    const lag = rng.int(5, 120);
    const R = (monthStarts(c)[0] ?? 0) + lag;
    const fee = Math.round((rng.int(80, 500) * 1.15 + rng.int(0, 20) * 2.15) * 100) / 100;
    const product = voice('local-in', { perMin: 0.0085, incrementSec: 60, medianSec: 120, sigma: 1, answer: 1 });
    const biz = { open: 8, close: 20, weekend: 0.4, night: 0.05 };
    const shape = (m: number): number => business(c, m, biz);
    const leg: Leg = { target: () => R, extra: rng.uniform(0.25, 0.7) * fee, delayH: rng.uniform(2, 30), notBefore: 0 };
    return {
      clock: c,
      days: 0,
      streams: [stream(product, (fee / rng.uniform(15, 40)) * 2.5, shape)],
      fixed: monthlyFee(c, fee, lag),
      ...noise(rng),
      funding: { type: 'deplete', installAt: 0, legs: [leg], finalTopUp: true, tailH: rng.uniform(6, 48) },
      readings: readingPlan({ jitterSec: 5, outageH: [1, 12] }),
      refundShare: 0,
    };
  },
};

const dailyBatchDry: KindDef = {
  name: 'daily-batch-dry',
  depleting: true,
  blurb: 'appointment reminders sent by one morning batch job (SMS + robocalls), little else; runs dry mid-batch',
  build(rng) {
    const c = frame(rng, ['America/Chicago', 'Europe/Dublin', 'Australia/Perth', 'America/Toronto']);
    const bh = rng.uniform(8, 10);
    const dur = rng.int(30, 90);
    const weekdaysOnly = rng.next() < 0.5;
    const shape = (m: number): number => {
      const h = c.hour[m] ?? 0;
      const wd = c.weekday[m] ?? 0;
      const on = h >= bh && h < bh + dur / 60 && !(weekdaysOnly && (wd === 0 || wd === 6));
      return on ? 1 : 0.01;
    };
    const perBatch = rng.logNormal(40, 0.5);
    const daily = (perBatch * 1440) / dur;
    const robo = voice('robocall', { perMin: 0.013, incrementSec: 60, medianSec: 35, sigma: 0.6, answer: 0.6 });
    return {
      clock: c,
      days: 0,
      streams: [stream(notifySms(rng), daily * 0.6, shape), stream(robo, daily * 0.4, shape)],
      fixed: [],
      ...noise(rng),
      funding: { type: 'deplete', installAt: 0, legs: [legAfter(rng.uniform(72, 150), rng.uniform(2, 24))], finalTopUp: rng.next() < 0.6, tailH: rng.uniform(6, 30) },
      readings: readingPlan({ jitterSec: 2 }),
      refundShare: 0,
    };
  },
};

const smsPumping: KindDef = {
  name: 'sms-pumping-attack',
  depleting: true,
  blurb: 'OTP traffic, then an SMS-pumping fraud attack to premium destinations drains the wallet within hours',
  build(rng) {
    const c = frame(rng, ['Europe/London', 'America/New_York', 'Asia/Singapore', 'Europe/Madrid']);
    const shape = (m: number): number => consumer(c, m);
    const daily = rng.logNormal(30, 0.6);
    const A = Math.round(rng.uniform(2.5, 8) * 1440);
    const T = A + Math.round(rng.uniform(2, 10) * 60);
    const endA = T + Math.round(rng.uniform(2, 8) * 60);
    const rampMin = rng.int(20, 60);
    const attack = (m: number): number => (m < A || m >= endA ? 0 : Math.min(1, (m - A + 1) / rampMin));
    const attackDaily = rng.uniform(15, 60) * daily * 1.5 * 0.55;
    const leg: Leg = { target: () => T, extra: 0, delayH: rng.uniform(0.5, 6), notBefore: endA + Math.round(rng.uniform(0.5, 3) * 60) };
    return {
      clock: c,
      days: 0,
      streams: [
        stream(verify(rng), daily, shape),
        stream(notifySms(rng), daily * 0.5, shape),
        stream(spread('premium-sms', rng.uniform(0.08, 0.25), 0.4, 0.6), attackDaily, attack),
      ],
      fixed: [],
      ...noise(rng),
      funding: { type: 'deplete', installAt: 0, legs: [leg], finalTopUp: true, tailH: rng.uniform(6, 36) },
      readings: readingPlan({ jitterSec: 10, skipP: 0.015 }),
      refundShare: 0,
    };
  },
};

export const DRY_KINDS: readonly KindDef[] = [
  freshInstallDry, stepUpDry, growthDry, callcenterDry, manualCycles, numberRenewalDry, dailyBatchDry, smsPumping,
];
