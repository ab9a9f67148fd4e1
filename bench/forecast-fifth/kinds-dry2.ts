// Depleting kinds: each sizes its balance from the EXPECTED spend curve so the wallet runs dry where the kind
// intends, at a time when spend is flowing. Noise moves the depletion by hours; the history always runs long
// enough after it (endAfter) that noise cannot remove it.
import type { Rng } from '../forecast-blackbox/prng.js';
import { expectedPrice, localClock, type KindDef, type LocalTime, type PriceModel } from './engine.js';
import {
  SMS_US,
  US_TZ,
  VOICE_US_OUT,
  clampMinutes,
  common,
  days,
  dryTopups,
  endAfter,
  generous,
  nextLocal,
  obsJitter,
  pickStart,
  shape,
  sizeTo,
} from './shapes.js';
import { quickSpend } from './simulate.js';

const eveningWeekendDry: KindDef = {
  name: 'evening-weekend-dry',
  depletions: 1,
  what: 'consumer marketplace masked calls + proxied SMS, evening and weekend peaks; runs dry on a Friday/Saturday evening, topped up next day',
  build(rng: Rng) {
    const tz = rng.pick(['America/Los_Angeles', 'America/New_York', 'America/Sao_Paulo', 'Europe/London', 'Asia/Manila']);
    const start = pickStart(rng);
    const clock = localClock(tz, start);
    const level = rng.uniform(0.5, 6);
    const voice: PriceModel = { type: 'voice', perMin: 0.022, medianSec: 80, sigma: 1.1, firstInc: 60, inc: 60, answer: 0.8 };
    const near = nextLocal(clock, days(rng.uniform(3.2, 6)), (lt) => (lt.dow === 5 || lt.dow === 6) && lt.hour >= 19.5 && lt.hour < 23);
    const extra = rng.uniform(0, 24);
    const delay = rng.uniform(600, 1200);
    const runway = rng.uniform(6, 25);
    let end = 0;
    return {
      ...common(rng, tz, start),
      streams: [voice, SMS_US],
      rate: (_m: number, lt: LocalTime) => {
        const k = level * shape('evening', 'evening', lt);
        return [k, 3 * k];
      },
      setup(c) {
        const target = c.flowingNear(near, 120);
        end = endAfter(c, 0, target, extra);
        return { minutes: end, initial: sizeTo(c, 0, target) };
      },
      adjust: dryTopups({ delays: [delay], hours: [9, 23], amount: (_k, m, c) => generous(c, m, end, runway) }),
      obs: () => obsJitter(rng, 10, 0.03),
    };
  },
};

const irsfAttackDry: KindDef = {
  name: 'irsf-attack-dry',
  depletions: 1,
  what: 'SIP trunk with modest traffic; a night-time toll-fraud burst (premium destinations, $0.8-2.5/min) drains it within 0.75-4 h; owner tops up after the attack',
  build(rng: Rng) {
    const tz = rng.pick([...US_TZ, 'Europe/Rome', 'Europe/London', 'America/Toronto']);
    const start = pickStart(rng);
    const clock = localClock(tz, start);
    const level = rng.uniform(0.5, 4);
    const base: PriceModel = { type: 'voice', perMin: 0.009, medianSec: 90, sigma: 1.0, firstInc: 6, inc: 6, answer: 0.75 };
    const premium: PriceModel = {
      type: 'voice',
      perMin: rng.uniform(0.8, 2.5),
      medianSec: rng.uniform(180, 420),
      sigma: 0.8,
      firstInc: 1,
      inc: 1,
      answer: 0.95,
    };
    const baseRate = (_m: number, lt: LocalTime): number => level * shape('allday', 'smallbiz', lt);
    const atk = nextLocal(clock, days(rng.uniform(3.2, 6.5)), (lt) => lt.hour >= 22 || lt.hour < 3);
    const atkLen = Math.round(rng.uniform(8, 14) * 60);
    const decimals = 4;
    const daily = quickSpend([base], (m, lt) => [baseRate(m, lt)], decimals, clock, 0, days(7)) / 7;
    const initial = daily * rng.uniform(8, 30);
    const remaining = initial - quickSpend([base], (m, lt) => [baseRate(m, lt)], decimals, clock, 0, atk);
    const hourly = remaining / rng.uniform(0.75, 4);
    const premRate = hourly / 60 / expectedPrice(premium, decimals);
    const topupAt = atk + atkLen + rng.int(60, 180);
    const runway = rng.uniform(15, 40);
    const extra = rng.uniform(12, 48);
    let end = 0;
    return {
      ...common(rng, tz, start),
      decimals,
      streams: [base, premium],
      rate: (m: number, lt: LocalTime) => [baseRate(m, lt), m >= atk && m < atk + atkLen ? premRate : 0],
      setup() {
        end = clampMinutes(topupAt + extra * 60);
        return { minutes: end, initial };
      },
      adjust: (s, c) => (s.m === topupAt ? generous(c, s.m, end, runway) : 0),
      obs: () => obsJitter(rng, 4, 0.005),
    };
  },
};

const manualTopupDry: KindDef = {
  name: 'manual-topup-dry',
  depletions: 2,
  what: 'small business reminders (SMS + calls); runs dry ~4 days in, owner tops up 1-16 h later just enough for ~4 more days, runs dry again, then tops up generously',
  build(rng: Rng) {
    const tz = rng.pick(US_TZ);
    const start = pickStart(rng);
    const level = rng.uniform(0.3, 3);
    const d1 = rng.uniform(3.3, 4.6);
    const d2 = rng.uniform(3.2, 4.3);
    const delays = [rng.uniform(60, 960), rng.uniform(60, 960)];
    const runway = rng.uniform(10, 30);
    const end = days(14);
    return {
      ...common(rng, tz, start),
      streams: [SMS_US, VOICE_US_OUT],
      rate: (_m: number, lt: LocalTime) => {
        const k = level * shape('business', 'smallbiz', lt);
        return [k, 0.3 * k];
      },
      setup(c) {
        return { minutes: end, initial: sizeTo(c, 0, c.flowingNear(days(d1))) };
      },
      adjust: dryTopups({
        delays,
        hours: [8, 21],
        amount: (k, m, c) => (k === 0 ? sizeTo(c, m, c.flowingNear(m + days(d2))) : generous(c, m, end, runway)),
      }),
      obs: () => obsJitter(rng, 5, 0.01),
    };
  },
};

const iotFleetDry: KindDef = {
  name: 'iot-fleet-dry',
  depletions: 1,
  what: 'M2M fleet reporting on a UTC cron (lumps at :00-:02, nightly log upload 02:00), fleet grows linearly as devices are installed; runs dry on a cron lump, stays dry',
  build(rng: Rng) {
    const tz = rng.pick(['UTC', 'Europe/Amsterdam', 'America/Chicago']);
    const start = pickStart(rng);
    const d0 = rng.logNormal(1200, 0.6);
    const growth = rng.uniform(0.04, 0.2);
    const report: PriceModel = { type: 'pick', prices: [0.004, 0.006, 0.008], weights: [0.5, 0.3, 0.2] };
    const wake: PriceModel = { type: 'flat', price: 0.0035 };
    const upload: PriceModel = { type: 'flat', price: 0.02 };
    const targetDay = rng.uniform(3.5, 6.5);
    const extra = rng.uniform(0, 24);
    const base = common(rng, tz, start);
    return {
      ...base,
      dayNoise: 0.03,
      hourNoise: 0.03,
      streams: [report, wake, upload],
      rate: (m: number) => {
        const mins = start / 60 + m;
        const mh = mins % 60;
        const uh = Math.floor(mins / 60) % 24;
        const fleet = d0 * (1 + (growth * m) / 1440);
        const rep = mh === 0 ? 0.55 : mh === 1 ? 0.3 : mh === 2 ? 0.1 : 0.05 / 57;
        return [fleet * rep, (fleet * 0.02) / 60, uh === 2 && mh < 10 ? fleet * 0.1 : 0];
      },
      setup(c) {
        const target = c.flowingNear(days(targetDay));
        return { minutes: endAfter(c, 0, target, extra), initial: sizeTo(c, 0, target) };
      },
      obs: () => ({ jitterSec: rng.int(0, 2), skipProb: 0.002, refreshEvery: 1 }),
    };
  },
};

export const DRY_KINDS_B: readonly KindDef[] = [eveningWeekendDry, irsfAttackDry, manualTopupDry, iotFleetDry];
