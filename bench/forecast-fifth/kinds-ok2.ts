// Non-depleting kinds: the balance covers the expected spend of the whole history plus a runway of several days
// at the post-history rate (and at least a quarter of the history's spend), so they must never run dry.
import type { Rng } from '../forecast-blackbox/prng.js';
import { expectedPrice, localClock, type Charge, type KindDef, type LocalTime, type PriceModel } from './engine.js';
import {
  SMS_US,
  SMS_US_MKT,
  US_TZ,
  VOICE_US_OUT,
  common,
  days,
  healthy,
  nextLocal,
  obsJitter,
  outage,
  pickStart,
  roundUp,
  shape,
} from './shapes.js';

const marketingBlast: KindDef = {
  name: 'marketing-blast',
  depletions: 0,
  what: 'retail brand: low transactional SMS plus 1-2 weekly campaign blasts (10k-150k SMS in 20-90 min), each preceded by a top-up of about its cost (the balance alone would cover it); undelivered messages credited back 1-2 days later',
  build(rng: Rng) {
    const tz = rng.pick([...US_TZ, 'America/Toronto']);
    const start = pickStart(rng);
    const clock = localClock(tz, start);
    const level = rng.uniform(0.2, 3);
    const minutes = days(rng.uniform(5, 14));
    const base = common(rng, tz, start);
    const first = nextLocal(clock, days(rng.uniform(0.8, 3)), (lt) => lt.dow >= 2 && lt.dow <= 4 && ((lt.hour >= 10 && lt.hour < 12) || (lt.hour >= 17 && lt.hour < 19)));
    const blastStarts = first + days(8) < minutes ? [first, first + days(7)] : [first];
    const blasts = blastStarts.map((b) => {
      const volume = rng.uniform(10000, 150000);
      const len = rng.int(20, 90);
      const cost = volume * expectedPrice(SMS_US_MKT, base.decimals);
      return { b, end: b + len, rate: volume / len, cost };
    });
    const events: Charge[] = [];
    for (const x of blasts) {
      events.push({ minute: Math.max(1, x.b - rng.int(60, 1200)), amount: roundUp(x.cost * rng.uniform(0.6, 1.4), 100) });
      events.push({ minute: x.end + rng.int(1440, 2880), amount: Math.round(rng.uniform(0.02, 0.06) * x.cost * 100) / 100 });
    }
    const runway = rng.uniform(5, 30);
    return {
      ...base,
      streams: [SMS_US, SMS_US_MKT],
      rate: (m: number, lt: LocalTime) => {
        let mkt = 0;
        for (const x of blasts) if (m >= x.b && m < x.end) mkt += x.rate;
        return [level * shape('consumer', 'consumer', lt), mkt];
      },
      setup: (c) => ({ minutes, initial: healthy(c, minutes, runway) }),
      adjust: (s) => {
        let add = 0;
        for (const e of events) if (e.minute === s.m) add += e.amount;
        return add;
      },
      obs: () => obsJitter(rng, 6, 0.01),
    };
  },
};

const autoRecharge: KindDef = {
  name: 'auto-recharge',
  depletions: 0,
  what: 'busy contact centre with auto-recharge: when the balance drops below a threshold (5x the busiest 30 min) the card is charged 2-6x the threshold 1-4 min later',
  build(rng: Rng) {
    const tz = rng.pick([...US_TZ, 'Europe/London', 'Asia/Kolkata']);
    const start = pickStart(rng);
    const level = rng.uniform(5, 40);
    const voice: PriceModel = { type: 'voice', perMin: 0.013, medianSec: 150, sigma: 0.9, firstInc: 60, inc: 60, answer: 0.75 };
    const minutes = days(rng.uniform(3, 12));
    const delay = rng.int(1, 4);
    const mult = rng.uniform(2, 6);
    const fill = rng.uniform(0.2, 1);
    let threshold = 0;
    let amount = 0;
    let pendingAt = -1;
    return {
      ...common(rng, tz, start),
      streams: [voice, SMS_US],
      rate: (_m: number, lt: LocalTime) => {
        const x = level * (0.6 * shape('business', 'business', lt) + 0.4 * shape('allday', 'flat', lt));
        return [x, 0.2 * x];
      },
      setup(c) {
        let peak = 0;
        for (let m = 0; m < minutes; m += 5) peak = Math.max(peak, c.spend(m, m + 30));
        threshold = roundUp(5 * peak, 50);
        amount = roundUp(threshold * mult, 50);
        return { minutes, initial: threshold + amount * fill };
      },
      adjust(s) {
        if (pendingAt < 0 && s.balance < threshold) pendingAt = s.m + delay;
        if (pendingAt >= 0 && s.m >= pendingAt) {
          pendingAt = -1;
          return amount;
        }
        return 0;
      },
      obs: () => ({ jitterSec: rng.int(0, 3), skipProb: rng.uniform(0, 0.005), refreshEvery: rng.int(1, 5) }),
    };
  },
};

const decliningRentals: KindDef = {
  name: 'declining-rentals',
  depletions: 0,
  what: 'legacy account migrating away: traffic decays (half-life 1.5-5 d) to 10-30%; number rentals + 10DLC campaign fees still bill on the 1st of the month',
  build(rng: Rng) {
    const tz = rng.pick([...US_TZ, 'Europe/London']);
    const first = Date.UTC(2026, rng.int(1, 11), 1) / 1000;
    const start = first - rng.int(days(1.5), days(9)) * 60;
    const feeAt = (first - start) / 60 + rng.int(0, 240);
    const fee = Math.round((rng.int(20, 400) * 1.15 + rng.int(0, 8) * 2.15 + rng.int(1, 3) * 10) * 100) / 100;
    const level = rng.uniform(1, 12);
    const floor = rng.uniform(0.1, 0.3);
    const half = rng.uniform(1.5, 5);
    const minutes = Math.min(days(14), Math.max(feeAt + days(1.5), days(rng.uniform(5, 14))));
    const runway = rng.uniform(6, 30);
    const out = rng.next() < 0.3 ? outage(rng, 60, minutes - days(1)) : undefined;
    return {
      ...common(rng, tz, start),
      streams: [VOICE_US_OUT, SMS_US],
      fixed: [{ minute: feeAt, amount: fee }],
      rate: (m: number, lt: LocalTime) => {
        const x = level * (floor + (1 - floor) * 0.5 ** (m / 1440 / half)) * (0.5 * shape('business', 'business', lt) + 0.5 * shape('allday', 'flat', lt));
        return [x, 0.6 * x];
      },
      setup: (c) => ({ minutes, initial: healthy(c, minutes, runway) }),
      obs: () => {
        const o = { ...obsJitter(rng, 5, 0.01), refreshEvery: rng.int(3, 10) };
        return out === undefined ? o : { ...o, outage: out };
      },
    };
  },
};

const promoExpiry: KindDef = {
  name: 'promo-expiry',
  depletions: 0,
  what: 'API lookups + SMS paid partly from promotional credit (used first) that expires at 00:00 UTC mid-history: the unused promo vanishes in one step; paid balance stays healthy',
  build(rng: Rng) {
    const tz = rng.pick(['Europe/London', 'Europe/Berlin', 'America/New_York', 'Asia/Singapore']);
    const start = pickStart(rng);
    const level = rng.uniform(1, 20);
    const lookup: PriceModel = { type: 'flat', price: rng.pick([0.005, 0.008, 0.01]) };
    const minutes = days(rng.uniform(5, 14));
    const expFrom = days(rng.uniform(1.5, minutes / 1440 - 1.5));
    const exp = expFrom + ((1440 - ((start / 60 + expFrom) % 1440)) % 1440);
    const promoMult = rng.uniform(1.4, 4);
    const runway = rng.uniform(6, 40);
    let promo = 0;
    return {
      ...common(rng, tz, start),
      streams: [lookup, SMS_US],
      rate: (_m: number, lt: LocalTime) => {
        const x = level * (0.6 * shape('allday', 'flat', lt) + 0.4 * shape('business', 'business', lt));
        return [x, 0.2 * x];
      },
      extraExpected(c) {
        const used = c.spend(0, exp);
        promo = roundUp(used * promoMult, 50);
        return [{ minute: exp, amount: promo - used }];
      },
      setup(c) {
        const paid = roundUp(c.spend(exp + 1, minutes) + Math.max(runway * c.dailyAfter(minutes), 0.25 * c.spend(0, minutes)), 10);
        return { minutes, initial: promo + paid };
      },
      adjust: (s) => (s.m === exp ? -Math.max(0, promo - s.spent) : 0),
      obs: () => obsJitter(rng, 4, 0.005),
    };
  },
};

export const OK_KINDS_B: readonly KindDef[] = [marketingBlast, autoRecharge, decliningRentals, promoExpiry];
