// More healthy kinds: IoT fleet, marketing blasts with carrier refunds, school terms, southern-hemisphere DST.
import { type Kind, drawObs, ecumOf, perDay, skeleton } from './engine.js';
import { DAY, SHAPES, WEEKS, makeClock, nextWorking, nice, patternRate, startIn2026, tzOffsetMin, wholeMinute } from './kit.js';
import { keepAbove, officeDelay } from './kinds-wet.js';

const mins = (days: number): number => Math.round(days * DAY);

const iotFleet: Kind = {
  name: 'iot-fleet', dry: false,
  blurb: 'M2M/IoT SIM fleet: flat 24/7 traffic with synchronised heartbeat bursts every 15/30/60 min, a device batch activated mid-history, daily SIM fees; deep prepaid balance, no top-ups',
  build(rng) {
    const N = mins(rng.uniform(3, 14));
    const start = startIn2026(rng, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    p.obs.decimals = rng.pick([4, 4, 2] as const);
    const base = rng.logNormal(60, 1.2), P = rng.pick([15, 30, 60]);
    const A = mins(rng.uniform(0.2, 0.8) * (N / DAY)), s = rng.uniform(0.1, 0.6);
    const abs0 = start / 60, simFee = base * rng.uniform(0.1, 0.3);
    for (let m = 0; m < p.rate.length; m++) {
      const burst = (abs0 + m) % P === 0;
      const per = (base / DAY) * P * (burst ? 0.3 : 0.7 / (P - 1));
      p.rate[m] = per * (1 + s * Math.min(1, Math.max(0, (m - A) / 120)));
      if ((abs0 + m) % DAY === 0) p.fees[m] = simFee;
    }
    p.eventMean = 0.002; p.eventSigma = 0.3; p.daySigma = 0.03; p.hourSigma = 0.05;
    const ecum = ecumOf(p);
    p.opening = ecum[ecum.length - 1]! * rng.uniform(1.25, 3);
    return p;
  },
};

const blastRefunds: Kind = {
  name: 'blast-refunds', dry: false,
  blurb: 'marketing SMS: scheduled campaign blasts (front-loaded, 2–10 baseline days each), daily carrier refunds for undelivered messages, an occasional promo credit; finance tops up in office hours',
  build(rng) {
    const N = mins(rng.uniform(3, 14));
    const start = startIn2026(rng, N + 4 * DAY);
    const c = makeClock(rng.pick(['Europe/London', 'America/Chicago', 'Asia/Dubai', 'Europe/Rome', 'America/Mexico_City']), start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const b0 = rng.logNormal(50, 1);
    p.rate = patternRate(c, b0, SHAPES.consumer, WEEKS.consumer);
    const days = rng.pick([[2, 4], [1, 3, 5], [5], [2]]);
    const t0 = rng.int(10, 17) * 60 + rng.pick([0, 30]), dur = rng.int(20, 60);
    const decay = Array.from({ length: dur }, (_, k) => Math.exp(-k / (dur / 3)));
    const dsum = decay.reduce((a, b) => a + b, 0);
    const size = b0 * rng.uniform(2, 10);
    const id = new Int32Array(p.rate.length).fill(-1);
    for (let m = 0; m < p.rate.length; m++) {
      const k = c.lmin[m]! - t0;
      if (k >= 0 && k < dur && days.includes(c.dow[m]!)) {
        p.rate[m] = p.rate[m]! + (size * decay[k]!) / dsum;
        id[m] = c.lday[m]!;
      }
    }
    p.episode = { id, sigma: 0.25 };
    p.eventMean = 0.0079; p.eventSigma = 0.2;
    p.refund = { frac: rng.uniform(0.01, 0.05), minuteOfDayUtc: rng.int(240, 480) };
    if (rng.next() < 0.4) p.scheduled.push({ m: rng.int(60, N - 60), amount: nice(b0 * rng.uniform(1, 5)), why: 'promo' });
    keepAbove(p, rng, 1.3, 2, [10, 30], officeDelay(c, 240), 'finance');
    return p;
  },
};

// Approximate 2026 term boundaries (effective local date, 'on' = term resumes, 'off' = break starts).
const TERMS: Record<string, Array<[string, number, number]>> = {
  'Europe/London': [['off', 3, 30], ['on', 4, 13], ['off', 5, 25], ['on', 6, 1], ['off', 7, 23], ['on', 9, 3], ['off', 10, 26], ['on', 11, 2], ['off', 12, 21]],
  'Australia/Sydney': [['on', 2, 2], ['off', 4, 7], ['on', 4, 22], ['off', 7, 6], ['on', 7, 21], ['off', 9, 28], ['on', 10, 13], ['off', 12, 18]],
  'Pacific/Auckland': [['on', 2, 3], ['off', 4, 6], ['on', 4, 21], ['off', 7, 6], ['on', 7, 20], ['off', 9, 28], ['on', 10, 12], ['off', 12, 17]],
  'America/New_York': [['off', 4, 3], ['on', 4, 13], ['off', 6, 26], ['on', 9, 10], ['off', 12, 24]],
};
const SCHOOL = [0.05, 0.02, 0.02, 0.02, 0.03, 0.1, 0.6, 2.6, 2.8, 1.2, 0.6, 0.5, 0.8, 0.6, 1.2, 2.2, 1.8, 1, 1.2, 1.1, 0.6, 0.3, 0.15, 0.08];

const schoolTerm: Kind = {
  name: 'school-term', dry: false,
  blurb: 'school parent-messaging: absence alerts 07–09 and pick-up 14–17 local on weekdays; history straddles a term boundary (usage falls to ~8% in breaks or returns); termly prepaid',
  build(rng) {
    const zone = rng.pick(Object.keys(TERMS));
    const [kindOf, mo, d] = rng.pick(TERMS[zone]!);
    const bDay = Date.UTC(2026, mo - 1, d) / 86400000;
    const lead = rng.uniform(1.5, 8);
    const bUtc = bDay * 86400;
    const start = wholeMinute(bUtc - tzOffsetMin(zone, bUtc) * 60 - lead * 86400);
    const N = mins(Math.min(14, Math.max(4, lead + rng.uniform(2, 8))));
    const c = makeClock(zone, start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const low = rng.uniform(0.05, 0.12);
    const inTerm = (ld: number): boolean => (kindOf === 'on' ? ld >= bDay : ld < bDay);
    const base = rng.logNormal(8, 0.9);
    p.rate = patternRate(c, base, SCHOOL, [0.08, 1, 1, 1, 1, 0.9, 0.05], (m) => (inTerm(c.lday[m]!) ? 1 : low));
    p.eventMean = 0.04; p.eventSigma = 0.5; p.daySigma = 0.2;
    const ecum = ecumOf(p);
    p.opening = ecum[ecum.length - 1]! * rng.uniform(1.4, 4);
    if (kindOf === 'on' && rng.next() < 0.5) {
      const w = nextWorking(c, Math.max(0, Math.round((bUtc - start) / 60)), 9, 16, [1, 2, 3, 4, 5]);
      if (w >= 0) p.scheduled.push({ m: w + Math.round(rng.logNormal(600, 1)), amount: nice(perDay(ecum) * rng.uniform(40, 70)), why: 'term-budget' });
    }
    return p;
  },
};

const southernDst: Kind = {
  name: 'southern-dst', dry: false,
  blurb: 'AU/NZ clinic appointment reminders: fixed-local-time batches (09:00, 17:00) plus two-way replies; a southern-hemisphere DST change (Apr or Sep/Oct) shifts the batches in UTC; auto-recharge',
  build(rng) {
    const zone = rng.pick(['Australia/Sydney', 'Australia/Melbourne', 'Australia/Adelaide', 'Pacific/Auckland']);
    const nz = zone === 'Pacific/Auckland';
    const anchor = rng.pick([Date.UTC(2026, 3, 4, 16), nz ? Date.UTC(2026, 8, 26, 14) : Date.UTC(2026, 9, 3, 16)]) / 1000;
    const lead = rng.uniform(1, 6);
    const start = wholeMinute(anchor - lead * 86400);
    const N = mins(Math.min(14, Math.max(4, lead + rng.uniform(2, 8))));
    const c = makeClock(zone, start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const base = rng.logNormal(40, 1), d1 = rng.int(10, 30), d2 = rng.int(10, 30), sat = rng.uniform(0, 0.5);
    p.rate = patternRate(c, base * 0.3, SHAPES.business, WEEKS.business);
    for (let m = 0; m < p.rate.length; m++) {
      const dow = c.dow[m]!, w = dow >= 1 && dow <= 5 ? 1 : dow === 6 ? sat : 0;
      if (w === 0) continue;
      const k1 = c.lmin[m]! - 9 * 60, k2 = c.lmin[m]! - 17 * 60;
      if (k1 >= 0 && k1 < d1) p.rate[m] = p.rate[m]! + (w * base * 0.55 * 1.4) / d1;
      if (k2 >= 0 && k2 < d2) p.rate[m] = p.rate[m]! + (w * base * 0.15 * 1.4) / d2;
    }
    p.eventMean = 0.05; p.eventSigma = 0.3;
    keepAbove(p, rng, 1.2, 1.8, [10, 30], (_m, r) => r.int(1, 3));
    return p;
  },
};

export const WET_KINDS_B: Kind[] = [iotFleet, blastRefunds, schoolTerm, southernDst];
