// More kinds that run dry: event-driven spikes (TV votes, payday) and a freshly installed integration.
import { type Kind, type Plan, drawObs, ecumOf, perDay, skeleton, spendAhead } from './engine.js';
import { DAY, SHAPES, WEEKS, makeClock, nextWorking, nice, patternRate, startIn2026, tzOffsetMin, wholeMinute } from './kit.js';

const mins = (days: number): number => Math.round(days * DAY);

function sizeTo(p: Plan, T: number): Float64Array {
  const ecum = ecumOf(p);
  p.opening = ecum[T]!;
  return ecum;
}

const tvVote: Kind = {
  name: 'tv-vote', dry: true,
  blurb: 'second-screen/voting SMS for a TV show on fixed evenings (local time), 2–8 baseline days of spend per show; runs dry mid-show, often panic-refilled within minutes',
  build(rng) {
    const zone = rng.pick(['Europe/London', 'Europe/Madrid', 'America/Sao_Paulo', 'Australia/Sydney', 'Africa/Lagos', 'Asia/Manila']);
    const N = mins(rng.uniform(4, 14));
    const start = startIn2026(rng, N + 4 * DAY);
    const c = makeClock(zone, start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const b0 = rng.logNormal(10, 0.9);
    p.rate = patternRate(c, b0, SHAPES.consumer, WEEKS.consumer);
    const days = rng.pick([[6, 0], [1, 2, 3, 4, 5], [rng.int(0, 6)], [2, 4]]);
    const s0 = rng.pick([19 * 60 + 30, 20 * 60, 21 * 60]), dur = rng.int(90, 150);
    const S = b0 * rng.uniform(2, 8);
    const w = Array.from({ length: dur }, (_, i) => (i / dur < 0.85 ? 0.3 + 1.7 * (i / dur) ** 2 : 3));
    const ws = w.reduce((a, b) => a + b, 0);
    const id = new Int32Array(p.rate.length).fill(-1);
    const showStarts: number[] = [];
    for (let m = 0; m < p.rate.length; m++) {
      const k = c.lmin[m]! - s0;
      if (k < 0 || k >= dur || !days.includes(c.dow[m]!)) continue;
      if (k === 0 || m === 0) showStarts.push(m);
      p.rate[m] = p.rate[m]! + (S * w[k]!) / ws;
      id[m] = c.lday[m]!;
    }
    p.episode = { id, sigma: 0.35 };
    p.eventMean = rng.uniform(0.02, 0.05); p.eventSigma = 0.4; p.hourSigma = 0.2;
    const ok = showStarts.filter((m) => m >= mins(2) && m <= Math.min(mins(12), N - mins(0.5)));
    const T = ok.length > 0 ? rng.pick(ok) + Math.round(rng.uniform(0.3, 0.9) * dur) : mins(rng.uniform(2, Math.min(12, N / DAY - 0.8)));
    const ecum = sizeTo(p, T);
    const never = rng.next() < 0.1;
    p.onEmpty = (m, _n, r) => {
      if (id[m]! >= 0) return { at: m + r.int(8, 40), amount: nice(S * r.uniform(1.5, 3)) };
      if (never) return null;
      const at = nextWorking(c, m + 1, 8, 11, [0, 1, 2, 3, 4, 5, 6]);
      return at < 0 ? null : { at: at + Math.round(r.logNormal(60, 0.7)), amount: nice(S * r.uniform(1, 3) + perDay(ecum) * 3) };
    };
    return p;
  },
};

type Ymd = [number, number, number];
function paydays(mode: string): Ymd[] {
  const out: Ymd[] = [];
  const wd = (y: number, mo: number, d: number): number => new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
  const back = (y: number, mo: number, d: number): Ymd => {
    let dd = d;
    while (wd(y, mo, dd) === 0 || wd(y, mo, dd) === 6) dd--;
    return [y, mo, dd];
  };
  if (mode === 'biweekly') {
    for (let t = Date.UTC(2026, 0, 9); t < Date.UTC(2027, 0, 1); t += 14 * 86400000) {
      const d = new Date(t);
      out.push([2026, d.getUTCMonth() + 1, d.getUTCDate()]);
    }
    return out;
  }
  for (let mo = 1; mo <= 12; mo++) {
    const last = new Date(Date.UTC(2026, mo, 0)).getUTCDate();
    if (mode === 'semimonthly') out.push(back(2026, mo, 15));
    out.push(back(2026, mo, last));
  }
  return out;
}

const payrollDay: Kind = {
  name: 'payroll-day', dry: true,
  blurb: 'HR/payroll SMS: quiet business baseline, payslip burst 05:00–10:00 local on paydays (monthly, semi-monthly or biweekly); runs dry during the payday burst',
  build(rng) {
    const zone = rng.pick(['Europe/London', 'Asia/Kolkata', 'America/New_York', 'Africa/Johannesburg', 'Asia/Manila', 'Europe/Paris']);
    const mode = rng.pick(['monthly', 'semimonthly', 'biweekly']);
    const all = paydays(mode);
    const P = rng.pick(all.filter(([, mo, d]) => mo > 1 || d > 12));
    const pUtc = Date.UTC(P[0], P[1] - 1, P[2], 6) / 1000;
    const lead = rng.uniform(2, 10);
    const start = wholeMinute(pUtc - tzOffsetMin(zone, pUtc) * 60 - lead * 86400);
    const N = mins(Math.min(14, Math.max(3, lead + rng.uniform(1.5, 4))));
    const c = makeClock(zone, start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const base = rng.logNormal(15, 0.9), K = rng.uniform(5, 25);
    p.rate = patternRate(c, base, SHAPES.business, WEEKS.business);
    const pset = new Set(all.map(([y, mo, d]) => Date.UTC(y, mo - 1, d) / 86400000));
    const id = new Int32Array(p.rate.length).fill(-1);
    let T = -1;
    const tri = (x: number): number => (x < 120 ? x / 120 : Math.max(0, (300 - x) / 180)); // 05:00 -> peak 07:00 -> 10:00
    const triSum = Array.from({ length: 300 }, (_, i) => tri(i + 0.5)).reduce((a, b) => a + b, 0);
    for (let m = 0; m < p.rate.length; m++) {
      const k = c.lmin[m]! - 300;
      if (pset.has(c.lday[m]!) && k >= 0 && k < 300) {
        p.rate[m] = p.rate[m]! + (base * K * tri(k + 0.5)) / triSum;
        id[m] = c.lday[m]!;
        if (T < 0 && c.lday[m] === Date.UTC(P[0], P[1] - 1, P[2]) / 86400000 && k >= 30) T = m + Math.round(rng.uniform(0, 180));
      }
      const kb = c.lmin[m]! - 16 * 60; // advance notice the afternoon before
      if (pset.has(c.lday[m]! + 1) && kb >= 0 && kb < 120) p.rate[m] = p.rate[m]! + (0.2 * base * K) / 120;
    }
    p.episode = { id, sigma: 0.2 };
    p.eventMean = 0.0079 * rng.uniform(1, 3); p.eventSigma = 0.3;
    if (T < 0) T = mins(lead);
    sizeTo(p, T);
    p.onEmpty = (m, _n, r) => {
      const w = nextWorking(c, m + 1, 8, 18, [1, 2, 3, 4, 5]);
      return w < 0 ? null : { at: w + Math.round(r.logNormal(120, 0.6)), amount: nice(base * (K + r.uniform(15, 30))) };
    };
    return p;
  },
};

const installRamp: Kind = {
  name: 'install-ramp', dry: true,
  blurb: 'freshly installed shop-notification integration: adoption ramps up (logistic, then slow growth) and the starter balance runs out 1.6–3.2 days in; later refills may be skipped',
  build(rng) {
    const N = mins(rng.uniform(3, 12));
    const start = startIn2026(rng, N + 4 * DAY);
    const c = makeClock(rng.pick(['Europe/Amsterdam', 'America/Chicago', 'Asia/Singapore', 'Australia/Brisbane', 'UTC']), start, N + 4 * DAY);
    const p = skeleton(start, N, drawObs(rng, N));
    const base = rng.logNormal(30, 1), t50 = rng.uniform(0.5, 2), w = rng.uniform(0.2, 0.6), g = rng.uniform(0.03, 0.08);
    p.rate = patternRate(c, base, SHAPES.consumer, WEEKS.consumer, (m) => {
      const t = m / DAY;
      return Math.pow(1 + g, t) / (1 + Math.exp(-(t - t50) / w));
    });
    p.eventMean = 0.0079; p.eventSigma = 0.25; p.daySigma = 0.15;
    const T = mins(rng.uniform(1.6, Math.min(3.2, N / DAY - 0.8)));
    const ecum = sizeTo(p, T);
    p.onEmpty = (m, n, r) => {
      if (n > 1 && r.next() < 0.5) return null;
      return { at: m + Math.round(r.logNormal(300, 0.8)), amount: nice(spendAhead(ecum, m, 1) * r.uniform(3, 10)) };
    };
    return p;
  },
};

export const DRY_KINDS_B: Kind[] = [tvVote, payrollDay, installRamp];
