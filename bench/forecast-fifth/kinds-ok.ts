// Non-depleting kinds: the balance covers the expected spend of the whole history plus a runway of several days
// at the post-history rate (and at least a quarter of the history's spend), so they must never run dry.
import type { Rng } from '../forecast-blackbox/prng.js';
import { expectedPrice, localClock, type KindDef, type LocalTime, type PriceModel } from './engine.js';
import {
  SMS_US,
  US_TZ,
  VERIFY,
  VOICE_US_OUT,
  WA_CONV,
  WA_MSG_FEE,
  common,
  days,
  healthy,
  nextLocal,
  obsJitter,
  outage,
  pickStart,
  shape,
  smoothstep,
  smsPrice,
  type Hourly,
} from './shapes.js';

const freshInstallHealthy: KindDef = {
  name: 'fresh-install-healthy',
  depletions: 0,
  what: 'new install with a generous credit; traffic ramps up over hours; an OTP retry-loop bug (x8-30 verifications for 0.5-4 h) on day 0.3-2.5',
  build(rng: Rng) {
    const tz = rng.pick([...US_TZ, 'Europe/London', 'Europe/Dublin']);
    const start = pickStart(rng);
    const level = rng.logNormal(1.2, 0.5);
    const ramp = rng.uniform(4, 30) * 60;
    const hourly = rng.pick<Hourly>(['consumer', 'allday']);
    const loopAt = days(rng.uniform(0.3, 2.5));
    const loopEnd = loopAt + rng.int(30, 240);
    const loopX = rng.uniform(8, 30);
    const minutes = days(rng.uniform(5, 14));
    const runway = rng.uniform(6, 45);
    return {
      ...common(rng, tz, start),
      streams: [SMS_US, VOICE_US_OUT, VERIFY],
      rate: (m: number, lt: LocalTime) => {
        const k = level * (0.1 + 0.9 * smoothstep(m, ramp)) * shape(hourly, 'consumer', lt);
        return [k, 0.12 * k, 0.25 * Math.max(k, 0.3 * level) * (m >= loopAt && m < loopEnd ? loopX : 1)];
      },
      setup: (c) => ({ minutes, initial: healthy(c, minutes, runway) }),
      obs: () => obsJitter(rng, 5, 0.005),
    };
  },
};

const logisticPlateau: KindDef = {
  name: 'logistic-plateau',
  depletions: 0,
  what: 'WhatsApp business messaging growing x3-6 along an S-curve (midpoint day 1.5-4.5) then levelling off; never dry; poller outage in half',
  build(rng: Rng) {
    const tz = rng.pick(['America/Sao_Paulo', 'Asia/Kolkata', 'Europe/Madrid', 'America/Mexico_City', 'Asia/Jakarta']);
    const start = pickStart(rng);
    const level = rng.uniform(0.3, 3);
    const k = rng.uniform(3, 6);
    const mid = rng.uniform(1.5, 4.5);
    const width = rng.uniform(0.35, 1);
    const minutes = days(rng.uniform(8, 14));
    const runway = rng.uniform(5, 20);
    const out = rng.next() < 0.5 ? outage(rng, 60, minutes - days(1)) : undefined;
    return {
      ...common(rng, tz, start),
      streams: [WA_CONV, WA_MSG_FEE],
      rate: (m: number, lt: LocalTime) => {
        const g = 1 + (k - 1) / (1 + Math.exp(-(m / 1440 - mid) / width));
        const x = level * g * shape('consumer', 'consumer', lt);
        return [x, 2.5 * x];
      },
      setup: (c) => ({ minutes, initial: healthy(c, minutes, runway) }),
      obs: () => {
        const o = obsJitter(rng, 6, 0.01);
        return out === undefined ? o : { ...o, outage: out };
      },
    };
  },
};

const stepDown: KindDef = {
  name: 'step-down',
  depletions: 0,
  what: 'contact centre loses its biggest client on day 1-5: traffic drops to 25-50% within hours; balance healthy at the new level',
  build(rng: Rng) {
    const tz = rng.pick([...US_TZ, 'Europe/Berlin', 'Asia/Singapore']);
    const start = pickStart(rng);
    const level = rng.uniform(1, 15);
    const voice: PriceModel = { type: 'voice', perMin: 0.013, medianSec: 120, sigma: 0.9, firstInc: 60, inc: 60, answer: 0.8 };
    const dropAt = days(rng.uniform(1, 5));
    const to = rng.uniform(0.25, 0.5);
    const ramp = rng.uniform(60, 360);
    const minutes = days(rng.uniform(7, 14));
    const runway = rng.uniform(5, 25);
    return {
      ...common(rng, tz, start),
      streams: [voice, SMS_US],
      rate: (m: number, lt: LocalTime) => {
        const x = level * (1 - (1 - to) * smoothstep(m - dropAt, ramp)) * (0.7 * shape('business', 'business', lt) + 0.3 * shape('allday', 'flat', lt));
        return [x, 0.5 * x];
      },
      setup: (c) => ({ minutes, initial: healthy(c, minutes, runway) }),
      obs: () => ({ ...obsJitter(rng, 4, 0.005), refreshEvery: rng.int(1, 5) }),
    };
  },
};

const smsPumpingCredit: KindDef = {
  name: 'sms-pumping-credit',
  depletions: 0,
  what: 'sign-up OTP SMS; one night-time SMS-pumping attack (x4-15 volume at $0.05-0.31/segment, 1-5 h) that ends; provider credits 30-100% of it 1-3 days later',
  build(rng: Rng) {
    const tz = rng.pick([...US_TZ, 'Europe/London', 'Europe/Paris']);
    const start = pickStart(rng);
    const clock = localClock(tz, start);
    const level = rng.uniform(0.5, 6);
    const otp = tz.startsWith('America') ? SMS_US : smsPrice(0.072);
    const pump: PriceModel = { type: 'pick', prices: [0.05, 0.0825, 0.1102, 0.23, 0.31], weights: [0.25, 0.25, 0.2, 0.2, 0.1] };
    const minutes = days(rng.uniform(4, 12));
    const atk = nextLocal(clock, days(rng.uniform(1, minutes / 1440 - 2.5)), (lt) => lt.hour < 5);
    const atkEnd = atk + rng.int(60, 300);
    const pumpRate = level * rng.uniform(4, 15);
    const base = common(rng, tz, start);
    const attackCost = pumpRate * (atkEnd - atk) * expectedPrice(pump, base.decimals);
    const creditAt = nextLocal(clock, atkEnd + days(rng.uniform(1, 3)), (lt) => lt.dow >= 1 && lt.dow <= 5 && lt.hour >= 10 && lt.hour < 17);
    const credit = Math.round(rng.uniform(0.3, 1) * attackCost * 100) / 100;
    const runway = rng.uniform(5, 30);
    return {
      ...base,
      streams: [otp, pump],
      rate: (m: number, lt: LocalTime) => [level * shape('consumer', 'consumer', lt), m >= atk && m < atkEnd ? pumpRate : 0],
      setup: (c) => ({ minutes, initial: healthy(c, minutes, runway) }),
      adjust: (s) => (s.m === creditAt ? credit : 0),
      obs: () => ({ jitterSec: rng.int(0, 5), skipProb: rng.uniform(0, 0.01), refreshEvery: rng.int(2, 6) }),
    };
  },
};

export const OK_KINDS_A: readonly KindDef[] = [freshInstallHealthy, logisticPlateau, stepDown, smsPumpingCredit];
