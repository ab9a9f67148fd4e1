// Kinds that never run dry (auto-recharge, finance top-ups or simply a deep balance).
import type { Rng } from '../forecast-blackbox/prng.js';
import { type Kind, type Plan, drawObs, ecumOf, max4d, perDay, skeleton } from './engine.js';
import { DAY, SHAPES, WEEKS, makeClock, localMinute, nextWorking, nice, patternRate, startIn2026, tzOffsetMin, wholeMinute, type Clock } from './kit.js';

const mins = (days: number): number => Math.round(days * DAY);
const WEEKDAYS = [1, 2, 3, 4, 5];

/** Card auto-recharge (or a finance rule) keeping the balance above ~1.2–2.5x the worst 4-day expected spend. */
export function keepAbove(p: Plan, rng: Rng, lo: number, hi: number, days: [number, number], delay: (m: number, r: Rng) => number, why = 'auto'): void {
  const ecum = ecumOf(p);
  const threshold = max4d(ecum, p.minutes) * rng.uniform(lo, hi);
  const amount = nice(Math.max(perDay(ecum) * rng.uniform(days[0], days[1]), threshold * 0.5));
  p.auto = { threshold, amount, delay, why };
  p.opening = threshold + amount * rng.uniform(0.2, 1.2);
}

/** Finance only acts in office hours: delay until the next working hour + reaction time. */
export function officeDelay(c: Clock, react: number): (m: number, r: Rng) => number {
  return (m, r) => {
    const w = nextWorking(c, m + 1, 9, 17, WEEKDAYS);
    return (w < 0 ? m + 3 * DAY : w) - m + r.logNormal(react, 0.8);
  };
}

const ZONES = ['America/New_York', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney', 'America/Sao_Paulo', 'Africa/Nairobi', 'Asia/Jakarta'];

const tenantPool: Kind = {
  name: 'tenant-pool', dry: false,
  blurb: 'reseller/ISV wallet shared by 3–5 tenants in different time zones with different rhythms; one tenant may onboard or churn mid-history; card auto-recharge',
  build(rng) {
    const N = mins(rng.uniform(3, 14));
    const start = startIn2026(rng, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const n = rng.int(3, 5), total = rng.logNormal(200, 1);
    const shares = Array.from({ length: n }, () => rng.logNormal(1, 0.8));
    const sum = shares.reduce((a, b) => a + b, 0);
    const change = rng.next() < 0.5 ? rng.pick(['onboard', 'churn']) : 'none';
    const A = mins(rng.uniform(0.2, 0.8) * (N / DAY));
    const shapes = [SHAPES.business, SHAPES.consumer, SHAPES.otp, SHAPES.flat];
    for (let i = 0; i < n; i++) {
      const c = makeClock(rng.pick(ZONES), start, N + 4 * DAY);
      const k = rng.int(0, 3);
      const wk = k === 0 ? WEEKS.business : k === 3 ? WEEKS.flat : WEEKS.consumer;
      const mult = i !== 0 || change === 'none' ? undefined
        : change === 'onboard' ? (m: number) => Math.min(1, Math.max(0, (m - A) / DAY))
        : (m: number) => Math.min(1, Math.max(0, (A + 60 - m) / 60));
      const r = patternRate(c, (total * shares[i]!) / sum, shapes[k]!, wk, mult);
      for (let m = 0; m < p.rate.length; m++) p.rate[m] = p.rate[m]! + r[m]!;
    }
    p.eventMean = 0.01; p.eventSigma = 0.6;
    keepAbove(p, rng, 1.15, 1.8, [5, 20], (_m, r) => r.int(1, 4));
    return p;
  },
};

const monthFlip: Kind = {
  name: 'month-flip', dry: false,
  blurb: 'straddles a month boundary: usage halves or doubles at local midnight on the 1st (new contract/budget) and a monthly number/short-code rental posts at 00:00 UTC; deep balance + finance top-up',
  build(rng) {
    const zone = rng.pick(ZONES);
    const mo = rng.int(2, 12);
    const bUtc = Date.UTC(2026, mo - 1, 1) / 1000;
    const lead = rng.uniform(1.5, 9);
    const start = wholeMinute(bUtc - tzOffsetMin(zone, bUtc) * 60 - lead * 86400);
    const N = mins(Math.min(14, Math.max(4, lead + rng.uniform(1.5, 8))));
    const c = makeClock(zone, start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const Bm = localMinute(c, bUtc / 86400, 0, 0);
    const f = rng.pick([0.5, 0.6, 1.7, 2]);
    const base = rng.logNormal(60, 1);
    const biz = rng.next() < 0.5;
    p.rate = patternRate(c, base, biz ? SHAPES.business : SHAPES.consumer, biz ? WEEKS.business : WEEKS.consumer, (m) => (Bm >= 0 && m >= Bm ? f : 1));
    const feeM = (bUtc - start) / 60;
    if (feeM >= 0 && feeM < p.fees.length) p.fees[feeM] = base * rng.uniform(3, 20);
    p.eventMean = 0.0079; p.eventSigma = 0.3;
    const ecum = ecumOf(p);
    p.opening = ecum[ecum.length - 1]! * rng.uniform(1.3, 2.5);
    if (Bm >= 0 && rng.next() < 0.6) {
      const w = nextWorking(c, Bm + mins(rng.uniform(0, 2)), 9, 17, WEEKDAYS);
      if (w >= 0) p.scheduled.push({ m: w + Math.round(rng.logNormal(120, 0.7)), amount: nice(perDay(ecum) * rng.uniform(15, 30)), why: 'finance' });
    }
    return p;
  },
};

const hourlyRefresh: Kind = {
  name: 'hourly-refresh', dry: false,
  blurb: 'provider only refreshes the balance endpoint hourly (readings move in hourly steps, top-ups show up late); finance tops up in office hours when low',
  build(rng) {
    const N = mins(rng.uniform(3, 14));
    const start = startIn2026(rng, N + 4 * DAY);
    const c = makeClock(rng.pick(ZONES), start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    p.obs.cache = 60; p.obs.cachePhase = rng.int(0, 59);
    p.rate = patternRate(c, rng.logNormal(300, 1), SHAPES.otp, WEEKS.consumer);
    p.eventMean = 0.0079; p.eventSigma = 0.2;
    keepAbove(p, rng, 1.6, 2.5, [10, 30], officeDelay(c, 180), 'finance');
    return p;
  },
};

const fixtureAlerts: Kind = {
  name: 'fixture-alerts', dry: false,
  blurb: 'sports-alert messaging: fixtures on midweek evenings and weekend afternoons, each worth 0.5–4 baseline days and very uneven in size; big harmless swings, auto-recharge',
  build(rng) {
    const zone = rng.pick(['Europe/London', 'Europe/Madrid', 'America/Sao_Paulo', 'America/Argentina/Buenos_Aires', 'Africa/Lagos', 'Asia/Kolkata']);
    const N = mins(rng.uniform(3, 14));
    const start = startIn2026(rng, N + 4 * DAY);
    const c = makeClock(zone, start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const b0 = rng.logNormal(20, 1);
    p.rate = patternRate(c, b0, SHAPES.consumer, WEEKS.consumer);
    const id = new Int32Array(p.rate.length).fill(-1);
    const shape = (k: number): number => (k < 5 ? 3 : k >= 45 && k < 60 ? 0.3 : k >= 105 ? 2.5 : 1);
    const shapeSum = Array.from({ length: 115 }, (_, k) => shape(k)).reduce((a, b) => a + b, 0);
    let ep = 0;
    for (let d = c.lday[0]!; d <= c.lday[c.len - 1]!; d++) {
      const dow = (((d + 4) % 7) + 7) % 7;
      let times: number[] = [];
      if (dow >= 2 && dow <= 4 && rng.next() < 0.45) times = [rng.pick([19 * 60 + 45, 20 * 60, 21 * 60])];
      else if (dow === 0 || dow === 6) times = [12 * 60 + 30, 15 * 60, 17 * 60 + 30, 20 * 60].filter(() => rng.next() < 0.5);
      else if (rng.next() < 0.25) times = [20 * 60];
      for (const t of times) {
        const m0 = localMinute(c, d, Math.floor(t / 60), t % 60);
        if (m0 < 0 || c.lmin[m0]! - t > 2) continue;
        const F = b0 * rng.uniform(0.5, 4);
        for (let k = 0; k < 115 && m0 + k < c.len; k++) {
          p.rate[m0 + k] = p.rate[m0 + k]! + (F * shape(k)) / shapeSum;
          id[m0 + k] = ep;
        }
        ep++;
      }
    }
    p.episode = { id, sigma: 0.6 };
    p.eventMean = 0.005; p.eventSigma = 0.3; p.hourSigma = 0.25;
    keepAbove(p, rng, 1.2, 1.6, [7, 25], (_m, r) => r.int(1, 5));
    return p;
  },
};

export const WET_KINDS_A: Kind[] = [tenantPool, monthFlip, hourlyRefresh, fixtureAlerts];
