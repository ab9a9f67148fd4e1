// Depleting kinds: each sizes its balance from the EXPECTED spend curve so the wallet runs dry where the kind
// intends, at a time when spend is flowing. Noise moves the depletion by hours; the history always runs long
// enough after it (endAfter) that noise cannot remove it.
import type { Rng } from '../forecast-blackbox/prng.js';
import { localClock, type KindDef, type LocalTime, type PriceModel } from './engine.js';
import {
  SMS_US,
  US_TZ,
  VERIFY,
  VOICE_US_OUT,
  common,
  days,
  dryTopups,
  endAfter,
  generous,
  nextLocal,
  obsJitter,
  outage,
  pickStart,
  shape,
  sizeTo,
  smoothstep,
  smsPrice,
  type Hourly,
} from './shapes.js';

const freshInstallDry: KindDef = {
  name: 'fresh-install-dry',
  depletions: 1,
  what: 'new install, traffic ramps up over hours; the credit it started with runs out 3-6 days after install, topped up 1-20 h later',
  build(rng: Rng) {
    const tz = rng.pick([...US_TZ, 'Europe/London', 'America/Toronto']);
    const start = pickStart(rng);
    const level = rng.logNormal(1.2, 0.5);
    const ramp = rng.uniform(4, 30) * 60;
    const hourly = rng.pick<Hourly>(['consumer', 'allday']);
    const targetDay = rng.uniform(3.5, 5.5);
    const extra = rng.uniform(0, 30);
    const delay = rng.uniform(60, 1200);
    const runway = rng.uniform(10, 40);
    let end = 0;
    return {
      ...common(rng, tz, start),
      streams: [SMS_US, VOICE_US_OUT, VERIFY],
      rate: (m: number, lt: LocalTime) => {
        const k = level * (0.1 + 0.9 * smoothstep(m, ramp)) * shape(hourly, 'consumer', lt);
        return [k, 0.12 * k, 0.25 * k];
      },
      setup(c) {
        const target = c.flowingNear(days(targetDay));
        end = endAfter(c, 0, target, extra);
        return { minutes: end, initial: sizeTo(c, 0, target) };
      },
      adjust: dryTopups({ delays: [delay], hours: [7, 23], amount: (_k, m, c) => generous(c, m, end, runway) }),
      obs: () => obsJitter(rng, 6, 0.01),
    };
  },
};

const viralGrowthDry: KindDef = {
  name: 'viral-growth-dry',
  depletions: 1,
  what: 'consumer app sign-ups (OTP SMS + WhatsApp auth) doubling every 2.5-5 days; runs dry on day 4-9; early poller outage in half',
  build(rng: Rng) {
    const tz = rng.pick(['Asia/Kolkata', 'America/Sao_Paulo', 'Asia/Jakarta', 'Africa/Lagos', 'America/Mexico_City']);
    const start = pickStart(rng);
    const level = rng.logNormal(0.8, 0.5);
    const doubling = rng.uniform(2.5, 5);
    const sms = smsPrice(rng.uniform(0.03, 0.09));
    const wa: PriceModel = { type: 'flat', price: rng.uniform(0.004, 0.03) + 0.005 };
    const targetDay = rng.uniform(4.5, 8.5);
    const out = rng.next() < 0.5 ? outage(rng, 60, days(2)) : undefined;
    const refill = rng.next() < 0.5;
    const delay = rng.uniform(180, 1800);
    const runway = rng.uniform(5, 15);
    const extra = rng.uniform(0, 24);
    let end = 0;
    return {
      ...common(rng, tz, start),
      streams: [sms, wa],
      rate: (m: number, lt: LocalTime) => {
        const k = level * 2 ** (m / 1440 / doubling) * shape('consumer', 'consumer', lt);
        return [0.6 * k, 0.4 * k];
      },
      setup(c) {
        const target = c.flowingNear(days(targetDay));
        end = endAfter(c, 0, target, extra);
        return { minutes: end, initial: sizeTo(c, 0, target) };
      },
      adjust: dryTopups({ delays: [refill ? delay : 1e9], hours: [8, 22], amount: (_k, m, c) => generous(c, m, end, runway) }),
      obs: () => {
        const o = obsJitter(rng, 6, 0.02);
        return out === undefined ? o : { ...o, outage: out };
      },
    };
  },
};

const stepUpDry: KindDef = {
  name: 'step-up-dry',
  depletions: 1,
  what: 'API lookups + SMS; a new customer goes live on day 1-4 (x2-3.5 over a few hours); runs dry 1.5+ days later, stays dry',
  build(rng: Rng) {
    const tz = rng.pick(['Europe/London', 'Europe/Madrid', 'America/New_York', 'Europe/Warsaw']);
    const start = pickStart(rng);
    const level = rng.uniform(0.5, 4);
    const stepAt = days(rng.uniform(1.2, 4));
    const stepRamp = rng.uniform(120, 480);
    const factor = rng.uniform(2, 3.5);
    const sms = smsPrice(rng.uniform(0.04, 0.08));
    const targetDay = rng.uniform(Math.max(stepAt / 1440 + 1.5, 3.5), 8.5);
    const extra = rng.uniform(0, 24);
    return {
      ...common(rng, tz, start),
      streams: [{ type: 'flat', price: 0.005 }, sms],
      rate: (m: number, lt: LocalTime) => {
        const k =
          level *
          (1 + (factor - 1) * smoothstep(m - stepAt, stepRamp)) *
          (0.5 * shape('allday', 'flat', lt) + 0.5 * shape('business', 'business', lt));
        return [k, 0.4 * k];
      },
      setup(c) {
        const target = c.flowingNear(days(targetDay));
        return { minutes: endAfter(c, 0, target, extra), initial: sizeTo(c, 0, target) };
      },
      obs: () => obsJitter(rng, 3, 0.005),
    };
  },
};

const officeHoursDry: KindDef = {
  name: 'office-hours-dry',
  depletions: 1,
  what: 'outbound call team, weekdays 8-18 local (Berlin/Chicago/Tokyo/Sydney/Paris), 6/6 per-second voice; runs dry on a weekday afternoon; balance refreshes every 3-10 min',
  build(rng: Rng) {
    const tz = rng.pick(['Europe/Berlin', 'America/Chicago', 'Asia/Tokyo', 'Australia/Sydney', 'Europe/Paris']);
    const start = pickStart(rng);
    const clock = localClock(tz, start);
    const level = rng.uniform(2, 25);
    const voice: PriceModel = {
      type: 'voice',
      perMin: rng.uniform(0.01, 0.05),
      medianSec: rng.uniform(60, 150),
      sigma: 1.0,
      firstInc: 6,
      inc: 6,
      answer: rng.uniform(0.45, 0.65),
    };
    const sms = smsPrice(rng.uniform(0.03, 0.08));
    const near = nextLocal(clock, days(rng.uniform(3.2, 7)), (lt) => lt.dow >= 1 && lt.dow <= 5 && lt.hour >= 10 && lt.hour < 16);
    const extra = rng.uniform(0, 24);
    const delay = rng.uniform(30, 300);
    const runway = rng.uniform(8, 30);
    let end = 0;
    return {
      ...common(rng, tz, start),
      streams: [voice, sms],
      rate: (_m: number, lt: LocalTime) => {
        const k = level * shape('business', 'business', lt);
        return [k, 0.15 * k];
      },
      setup(c) {
        const target = c.flowingNear(near, 180);
        end = endAfter(c, 0, target, extra);
        return { minutes: end, initial: sizeTo(c, 0, target) };
      },
      adjust: dryTopups({
        delays: [delay],
        hours: [8, 11],
        weekdaysOnly: true,
        amount: (_k, m, c) => generous(c, m, end, runway),
      }),
      obs: () => ({ jitterSec: rng.int(0, 4), skipProb: rng.uniform(0, 0.005), refreshEvery: rng.int(3, 10) }),
    };
  },
};

export const DRY_KINDS_A: readonly KindDef[] = [freshInstallDry, viralGrowthDry, stepUpDry, officeHoursDry];
