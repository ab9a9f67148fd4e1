// The kinds of history in the black-box corpus. Each kind is one thing real prepaid wallets do; its seeds
// vary the level, the timezone, the timing and the noise. Balances are sized from the expected spend so a
// depletion lands roughly where the kind wants it (the noise moves it by hours).
import { hashSeed, makeRng, type Rng } from './prng.js';
import { businessHours, consumerEvenings, flat, normalised, sineDaily, sum, withWindows, type Shape } from './shapes.js';
import { DAY, expectedSpend, HOUR, MINUTE, simulate, type Row, type Scenario } from './sim.js';

export interface History {
  kind: string;
  seed: number;
  name: string;
  rows: Row[];
}

interface Kind {
  name: string;
  build: (rng: Rng, seed: number) => Scenario;
}

const TZS = [-5, 1, 5.5, 9, -8, 3] as const;

function startTime(rng: Rng, month = 9, dayFrom = 2, dayTo = 24): number {
  return Date.UTC(2026, month, rng.int(dayFrom, dayTo), rng.int(0, 23), rng.int(0, 59)) / 1000;
}

function rate(level: number, shape: Shape): (t: number) => number {
  return (t) => level * shape(t);
}

const kinds: Kind[] = [
  {
    // a fresh install on a healthy wallet: 4–9 days of runway, three days of history, no top-up
    name: 'fresh_healthy',
    build(rng, seed) {
      const start = startTime(rng);
      const shape = normalised([flat, consumerEvenings(TZS[seed % 6] ?? 0), businessHours(1), sineDaily(-5, 0.5)][seed % 4] ?? flat, start);
      const level = rng.uniform(2, 200);
      return {
        start, minutes: 3 * 24 * 60, balance0: level * rng.uniform(100, 220), ratePerHour: rate(level, shape),
        billing: { kind: 'calls', callsPerMinute: level / 20 }, decimals: 4,
      };
    },
  },
  {
    // a wallet that really runs dry about 12 h after install, then is topped up generously
    name: 'dry_12h',
    build(rng) {
      const start = startTime(rng);
      const r = rate(rng.uniform(5, 500), normalised(sineDaily(rng.pick(TZS), 0.3), start));
      return {
        start, minutes: 3 * 24 * 60, balance0: expectedSpend(r, start, start + rng.uniform(11, 13) * HOUR), ratePerHour: r,
        billing: { kind: 'calls', callsPerMinute: 2 }, decimals: 4,
        topUpAfterEmpty: { delayMinutes: rng.int(240, 600), amount: expectedSpend(r, start, start + 12 * DAY) },
      };
    },
  },
  {
    // weekday business hours in one timezone, one public holiday, runs out on day 9–12, refilled next morning
    name: 'b2b_hours',
    build(rng, seed) {
      const start = startTime(rng);
      const tz = TZS[seed % 4] ?? 0;
      const holiday = Math.floor((start + tz * HOUR) / DAY) + rng.int(2, 6);
      const r = rate(rng.uniform(3, 300), normalised(businessHours(tz, [holiday]), start));
      return {
        start, minutes: 14 * 24 * 60, balance0: expectedSpend(r, start, start + rng.uniform(9, 12) * DAY), ratePerHour: r,
        billing: { kind: 'calls', callsPerMinute: 1.5 }, decimals: 4,
        topUpAfterEmpty: { delayMinutes: rng.int(12 * 60, 30 * 60), amount: expectedSpend(r, start, start + 14 * DAY) },
      };
    },
  },
  {
    // consumer traffic: evenings and weekends; even seeds run out on day 6–8, odd seeds have ~25 days
    name: 'b2c_evenings',
    build(rng, seed) {
      const start = startTime(rng);
      const r = rate(rng.uniform(1, 120), normalised(consumerEvenings(rng.pick(TZS)), start));
      const runs = seed % 2 === 0 ? rng.uniform(6, 8) : 25;
      return {
        start, minutes: 10 * 24 * 60, balance0: expectedSpend(r, start, start + runs * DAY), ratePerHour: r,
        billing: { kind: 'calls', callsPerMinute: 0.8 }, decimals: 4,
        topUpAfterEmpty: { delayMinutes: rng.int(6 * 60, 14 * 60), amount: expectedSpend(r, start, start + 10 * DAY) },
      };
    },
  },
  {
    // a slow wallet (about a month of runway) with a one-hour 10× spike every other day
    name: 'spiky_slow',
    build(rng) {
      const start = startTime(rng);
      const spikes = [];
      for (let d = rng.int(0, 1); d < 10; d += 2) {
        const from = start + d * DAY + rng.int(0, 22) * HOUR;
        spikes.push({ from, to: from + HOUR, factor: 10 });
      }
      const level = rng.uniform(1, 20);
      const r = rate(level, withWindows(normalised(sineDaily(rng.pick(TZS), 0.2), start), spikes));
      return {
        start, minutes: 10 * 24 * 60, balance0: expectedSpend(r, start, start + 30 * DAY), ratePerHour: r,
        billing: { kind: 'api', requestsPerMinute: 5 }, decimals: 4,
      };
    },
  },
  {
    // usage that grows steadily (5 → 45 credits/h × scale over two weeks); runs out on day 12.5–13.5
    name: 'growth',
    build(rng) {
      const start = startTime(rng);
      const scale = rng.uniform(0.5, 20);
      const daily = normalised(sineDaily(rng.pick(TZS), 0.4), start);
      const r = (t: number): number => scale * (5 + (40 * (t - start)) / (14 * DAY)) * daily(t);
      return {
        start, minutes: 14 * 24 * 60, balance0: expectedSpend(r, start, start + rng.uniform(12.5, 13.5) * DAY), ratePerHour: r,
        billing: { kind: 'calls', callsPerMinute: 1 }, decimals: 4,
        topUpAfterEmpty: { delayMinutes: rng.int(120, 480), amount: expectedSpend(r, start, start + 10 * DAY) },
      };
    },
  },
  {
    // a service switched off (odd seeds) or migrated away over 12 h (even seeds) on day 3–4.5; never runs out
    name: 'switched_off',
    build(rng, seed) {
      const start = startTime(rng);
      const off = start + rng.uniform(3, 4.5) * DAY;
      const base = normalised(seed % 2 ? consumerEvenings(rng.pick(TZS)) : sineDaily(rng.pick(TZS), 0.3), start);
      const level = rng.uniform(5, 400);
      const r = (t: number): number => {
        if (t < off) return level * base(t);
        if (seed % 2) return level * 0.03;
        return level * base(t) * Math.max(0.1, 1 - (t - off) / (12 * HOUR));
      };
      return {
        start, minutes: 10 * 24 * 60, balance0: level * 24 * rng.uniform(6, 7), ratePerHour: r,
        billing: { kind: 'calls', callsPerMinute: 1 }, decimals: 4,
      };
    },
  },
  {
    // rented numbers charged at 00:00 UTC on the 1st (35–80 % of the usage the balance was sized for); seeds 0, 1 run out
    name: 'monthly_rental',
    build(rng, seed) {
      const start = Date.UTC(2026, 9, rng.int(25, 28), rng.int(0, 23)) / 1000;
      const r = rate(rng.uniform(2, 80), normalised(sineDaily(rng.pick(TZS), 0.3), start));
      const usage = expectedSpend(r, start, start + (seed % 4 < 2 ? rng.uniform(6, 8) : 40) * DAY);
      const rental = usage * rng.uniform(0.35, 0.8);
      return {
        start, minutes: 10 * 24 * 60, balance0: usage + rental, ratePerHour: r, monthlyRental: rental,
        billing: { kind: 'sms', messagesPerMinute: 3 }, decimals: 4,
        topUpAfterEmpty: { delayMinutes: rng.int(60, 600), amount: usage },
      };
    },
  },
  {
    // auto-recharge: topped up by 3–5 days of usage when below 1–1.5 days of usage; never runs out
    name: 'auto_recharge',
    build(rng, seed) {
      const start = startTime(rng);
      const tz = rng.pick(TZS);
      const r = rate(rng.uniform(2, 300), normalised(seed % 2 ? businessHours(tz) : consumerEvenings(tz), start));
      const day = expectedSpend(r, start, start + 7 * DAY) / 7;
      return {
        start, minutes: 14 * 24 * 60, balance0: day * rng.uniform(3, 5), ratePerHour: r,
        billing: { kind: 'calls', callsPerMinute: 1.2 }, decimals: 4,
        autoRecharge: { below: day * rng.uniform(1, 1.5), amount: day * rng.uniform(3, 5), delayMinutes: rng.int(1, 15) },
      };
    },
  },
  {
    // manual top-ups at random times; runs dry, stays at 0 for hours, gets refilled, may run dry again
    name: 'manual_topups',
    build(rng) {
      const start = startTime(rng);
      const r = rate(rng.uniform(1, 150), normalised(sineDaily(rng.pick(TZS), 0.5), start));
      const day = expectedSpend(r, start, start + 7 * DAY) / 7;
      const credits = [];
      for (let i = rng.int(1, 2); i > 0; i--) credits.push({ t: start + rng.uniform(1, 12) * DAY, amount: day * rng.uniform(0.5, 2) });
      return {
        start, minutes: 14 * 24 * 60, balance0: day * rng.uniform(3, 4), ratePerHour: r, credits,
        billing: { kind: 'calls', callsPerMinute: 0.7 }, decimals: 4,
        topUpAfterEmpty: { delayMinutes: rng.int(120, 720), amount: day * rng.uniform(4, 6) },
      };
    },
  },
  {
    // SMS: a low base, 3–5 campaign bursts of 20–60 min at 20–50×, a one-day 10× marketing day in even seeds
    name: 'sms_campaigns',
    build(rng, seed) {
      const start = startTime(rng);
      const windows = [];
      for (let i = rng.int(3, 5); i > 0; i--) {
        const from = start + Math.floor(rng.uniform(0.5, 9.5) * DAY / MINUTE) * MINUTE;
        windows.push({ from, to: from + rng.int(20, 60) * MINUTE, factor: rng.uniform(20, 50) });
      }
      if (seed % 2 === 0) {
        const from = start + rng.int(3, 7) * DAY;
        windows.push({ from, to: from + DAY, factor: 10 });
      }
      const level = rng.uniform(0.5, 60);
      return {
        start, minutes: 10 * 24 * 60, balance0: level * 24 * 45, ratePerHour: rate(level, withWindows(normalised(businessHours(rng.pick(TZS)), start), windows)),
        billing: { kind: 'sms', messagesPerMinute: 4 }, decimals: 4,
      };
    },
  },
  {
    // whole credits, and the poller down for 2–8 h three to five times; runs out on day 5–6.5
    name: 'gaps_whole_credits',
    build(rng) {
      const start = startTime(rng);
      const r = rate(rng.uniform(2, 40), normalised(consumerEvenings(rng.pick(TZS)), start));
      const gaps: Array<[number, number]> = [];
      for (let i = rng.int(3, 5); i > 0; i--) {
        const from = start + Math.floor(rng.uniform(0.3, 7.5) * DAY / MINUTE) * MINUTE;
        gaps.push([from, from + rng.int(120, 480) * MINUTE]);
      }
      return {
        start, minutes: 8 * 24 * 60, balance0: Math.round(expectedSpend(r, start, start + rng.uniform(5, 6.5) * DAY)), ratePerHour: r,
        billing: { kind: 'calls', callsPerMinute: 0.5 }, decimals: 0, gaps,
        topUpAfterEmpty: { delayMinutes: rng.int(180, 480), amount: Math.round(expectedSpend(r, start, start + 5 * DAY)) },
      };
    },
  },
  {
    // a large wallet (100 000–500 000) of a multi-timezone B2B reseller, with refunds; runs out on day 7–8.5
    name: 'big_wallet_refunds',
    build(rng) {
      const start = startTime(rng);
      const balance0 = rng.uniform(100_000, 500_000);
      const shape = normalised(sum(businessHours(-5), businessHours(1), businessHours(8)), start);
      const days = rng.uniform(7, 8.5);
      const unit = expectedSpend((t) => shape(t), start, start + days * DAY);
      const credits = [];
      for (let i = rng.int(4, 8); i > 0; i--) credits.push({ t: start + rng.uniform(0.5, days - 1.5) * DAY, amount: balance0 * rng.uniform(0.005, 0.02) });
      const refunded = credits.reduce((s, c) => s + c.amount, 0);
      return {
        start, minutes: 10 * 24 * 60, balance0, ratePerHour: rate((balance0 + refunded) / unit, shape), credits,
        billing: { kind: 'calls', callsPerMinute: 60 }, decimals: 2,
        topUpAfterEmpty: { delayMinutes: rng.int(60, 240), amount: balance0 },
      };
    },
  },
  {
    // a tiny API-credit wallet (20–60) billed per request, read to 0.0001; runs out on day 3.5–4.5
    name: 'tiny_api_wallet',
    build(rng) {
      const start = startTime(rng);
      const balance0 = rng.uniform(20, 60);
      const shape = normalised(sineDaily(rng.pick(TZS), 0.6), start);
      const days = rng.uniform(3.5, 4.5);
      const r = rate(balance0 / expectedSpend(shape, start, start + days * DAY), shape);
      return {
        start, minutes: 6 * 24 * 60, balance0, ratePerHour: r,
        billing: { kind: 'api', requestsPerMinute: 3 }, decimals: 4,
        topUpAfterEmpty: { delayMinutes: rng.int(360, 1080), amount: balance0 },
      };
    },
  },
];

export const KIND_NAMES: readonly string[] = kinds.map((k) => k.name);

/** Every history with the scenario it was drawn from (its expected spend: corpora.ts). */
export function generateScenarios(seeds: number): Array<{ history: History; scenario: Scenario }> {
  const out: Array<{ history: History; scenario: Scenario }> = [];
  for (const kind of kinds) {
    for (let seed = 0; seed < seeds; seed++) {
      const rng = makeRng(hashSeed(`${kind.name}#${seed}`));
      const scenario = kind.build(rng, seed);
      const rows = simulate(scenario, rng);
      out.push({ history: { kind: kind.name, seed, name: `${kind.name}#${seed}`, rows }, scenario });
    }
  }
  return out;
}
