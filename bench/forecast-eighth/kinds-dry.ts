// Kinds that run dry. Each draws a target depletion minute T and sizes the opening balance to the
// expected spend up to T, then decides what the owner does once the wallet is empty.
import type { Rng } from '../forecast-blackbox/prng.js';
import { type Kind, type Plan, drawObs, ecumOf, perDay, skeleton, spendAhead } from './engine.js';
import { DAY, SHAPES, WEEKS, makeClock, nextWorking, nice, patternRate, startIn2026, wholeMinute, type Clock } from './kit.js';

const mins = (days: number): number => Math.round(days * DAY);
const WEEKDAYS = [1, 2, 3, 4, 5];

/** Common tail: size the opening balance so the expected spend reaches it at T. */
function sizeTo(p: Plan, T: number): Float64Array {
  const ecum = ecumOf(p);
  p.opening = ecum[T]!;
  return ecum;
}

/** Refill when the owner is next at work (+ a log-normal reaction time). */
function atWork(c: Clock, m: number, rng: Rng, lo: number, hi: number, days: readonly number[], reactMin: number): number {
  const w = nextWorking(c, m + 1, lo, hi, days);
  return w < 0 ? -1 : w + Math.round(rng.logNormal(reactMin, 0.7));
}

const dstDialer: Kind = {
  name: 'dst-dialer', dry: true,
  blurb: 'US outbound call centre (TCPA calling hours, local time) straddling a 2026 DST change; refilled next working morning',
  build(rng) {
    const zone = rng.pick(['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles']);
    const anchor = rng.pick([Date.UTC(2026, 2, 8, 8), Date.UTC(2026, 10, 1, 8)]) / 1000;
    const lead = rng.uniform(1, 5);
    const N = mins(Math.min(14, Math.max(lead + 2, rng.uniform(5, 13))));
    const start = wholeMinute(anchor - lead * 86400);
    const c = makeClock(zone, start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    p.rate = patternRate(c, rng.logNormal(150, 0.9), SHAPES.callcenter, [0, 1, 1, 1, 1, 0.95, 0.3]);
    p.eventMean = rng.uniform(0.02, 0.06); p.eventSigma = 0.9; // calls billed per 6 s, heavy-ish durations
    const T = mins(rng.uniform(2, Math.min(10, N / DAY - 1)));
    const ecum = sizeTo(p, T);
    const never = rng.next() < 0.2;
    p.onEmpty = (m, _n, r) => {
      if (never) return null;
      const at = atWork(c, m, r, 8.5, 11, WEEKDAYS, 45);
      return at < 0 ? null : { at, amount: nice(perDay(ecum) * r.uniform(3, 10)) };
    };
    return p;
  },
};

const kathmanduSixDay: Kind = {
  name: 'kathmandu-sixday', dry: true,
  blurb: 'B2B SMS (bank/co-op OTP) in Asia/Kathmandu (UTC+5:45), Sun–Fri working week; owner tops up in small partial amounts',
  build(rng) {
    const N = mins(rng.uniform(4, 14));
    const start = startIn2026(rng, N + 4 * DAY);
    const c = makeClock('Asia/Kathmandu', start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    p.rate = patternRate(c, rng.logNormal(25, 0.8), SHAPES.nepalOffice, WEEKS.sunToFri);
    p.eventMean = 0.0042; p.eventSigma = 0.35;
    const T = mins(rng.uniform(2, Math.min(8, N / DAY - 1)));
    const ecum = sizeTo(p, T);
    p.onEmpty = (m, n, r) => {
      const at = atWork(c, m, r, 10, 17, [0, 1, 2, 3, 4, 5], 70);
      if (at < 0) return null;
      return { at, amount: nice(n <= 2 ? spendAhead(ecum, at, r.uniform(0.4, 2)) : perDay(ecum) * r.uniform(5, 15)) };
    };
    return p;
  },
};

const retryLeak: Kind = {
  name: 'retry-leak', dry: true,
  blurb: 'consumer-app SMS wallet; a misconfigured retry loop adds a flat 24/7 leak mid-history, which drains it; nobody fixes the loop',
  build(rng) {
    const N = mins(rng.uniform(5, 14));
    const start = startIn2026(rng, N + 4 * DAY);
    const c = makeClock(rng.pick(['Europe/London', 'Europe/Berlin', 'America/New_York', 'UTC']), start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const base = rng.logNormal(40, 1);
    const T = mins(rng.uniform(3, Math.min(12, N / DAY - 1)));
    const L = Math.max(mins(0.5), T - mins(rng.uniform(0.4, 2.5)));
    const leak = (base / DAY) * rng.uniform(1, 5);
    p.rate = patternRate(c, base, SHAPES.consumer, WEEKS.consumer);
    for (let m = L; m < p.rate.length; m++) p.rate[m] = p.rate[m]! + leak * Math.min(1, (m - L + 1) / 45);
    p.eventMean = 0.0079; p.eventSigma = 0.2;
    sizeTo(p, T);
    const never = rng.next() < 0.5;
    p.onEmpty = (m, _n, r) => {
      if (never) return null;
      const at = m + Math.round(r.logNormal(360, 0.7));
      return { at, amount: nice(base * r.uniform(2, 6)) }; // sized from the pre-leak habit
    };
    return p;
  },
};

const llmCredits: Kind = {
  name: 'llm-credits', dry: true,
  blurb: 'prepaid LLM API credits: token-priced requests with very heavy-tailed cost, nightly batch/eval job; credit packs bought (or not) after it runs out',
  build(rng) {
    const N = mins(rng.uniform(3, 10));
    const start = startIn2026(rng, N + 4 * DAY);
    const c = makeClock(rng.pick(['America/Los_Angeles', 'Europe/Paris', 'Asia/Kolkata', 'America/New_York']), start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const base = rng.logNormal(30, 1.1);
    p.rate = patternRate(c, base, SHAPES.business, WEEKS.devs);
    if (rng.next() < 0.7) { // cron'd eval / agent batch on weeknights
      const h = rng.int(0, 5) * 60 + rng.pick([0, 15, 30]), dur = rng.int(40, 150), share = rng.uniform(0.2, 0.8);
      for (let m = 0; m < p.rate.length; m++) {
        const dm = c.lmin[m]! - h;
        if (dm >= 0 && dm < dur && c.dow[m]! >= 1 && c.dow[m]! <= 5) p.rate[m] = p.rate[m]! + (base * share) / dur;
      }
    }
    p.eventMean = rng.uniform(0.01, 0.2); p.eventSigma = rng.uniform(1.5, 2.2);
    p.daySigma = 0.25; p.hourSigma = 0.3;
    p.obs.decimals = rng.pick([2, 4] as const);
    const T = mins(rng.uniform(1.8, Math.min(5.5, N / DAY - 0.8)));
    const ecum = sizeTo(p, T);
    const never = rng.next() < 0.35;
    const packs = [5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000];
    p.onEmpty = (m, _n, r) => {
      if (never) return null;
      const want = perDay(ecum) * r.uniform(2, 8);
      return { at: m + 10 + Math.round(r.logNormal(240, 1)), amount: packs.find((x) => x >= want) ?? nice(want) };
    };
    return p;
  },
};

const arrearsVoice: Kind = {
  name: 'arrears-voice', dry: true,
  blurb: 'SIP trunk wallet: calls rated in hourly batches posted 5–25 min after the hour (stairs) + daily DID rental at 00:00 UTC; runs dry 8–12.5 days in',
  build(rng) {
    const N = mins(rng.uniform(10.5, 14));
    const start = startIn2026(rng, N + 4 * DAY);
    const c = makeClock(rng.pick(['Europe/Berlin', 'Europe/London', 'Europe/Madrid', 'Europe/Warsaw']), start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const base = rng.logNormal(80, 1);
    p.rate = patternRate(c, base, SHAPES.business, WEEKS.business);
    p.batch = { period: 60, align: 0, lag: rng.int(5, 25) };
    const did = (rng.int(5, 300) * rng.uniform(0.8, 1.5)) / 30;
    for (let m = 0; m < p.fees.length; m++) if ((start / 60 + m) % DAY === 0) p.fees[m] = did;
    p.eventMean = 0.05; p.eventSigma = 1;
    const T = mins(rng.uniform(8, Math.min(12.5, N / DAY - 1)));
    const ecum = sizeTo(p, T);
    p.onEmpty = (m, _n, r) => ({ at: m + Math.round(r.logNormal(90, 0.6)), amount: nice(perDay(ecum) * r.uniform(15, 30)) });
    return p;
  },
};

export const DRY_KINDS_A: Kind[] = [dstDialer, kathmanduSixDay, retryLeak, llmCredits, arrearsVoice];
