/**
 * More tuning kinds: what real prepaid telephony wallets show besides the issue's six. Same generator and
 * the same per-seed magnitudes as kinds.ts.
 */
import { dayAt, dayOf, DAY_MS, fmt, HOUR_MS, MINUTE_MS, unitFor, type Kind } from './corpus.js';
import { balanceOf, eventsPerMinute, flat, hourOfDay, kind, meanRate, sizedToEmpty, twoWeeks, weekday } from './kinds.js';

/** Monday 2024-02-26 00:00 UTC: 1 March (a Friday) is day 4. */
const T0_FEB = Date.UTC(2024, 1, 26);
const FIRST_OF_MARCH = Date.UTC(2024, 2, 1);

export const WALLET_KINDS: readonly Kind[] = [
  kind('monthly_rental', 'the monthly rental of phone numbers: 30–50 % of the balance charged at once on the 1st (day 4); some run out after it', (n, t0) => {
    const start = balanceOf(n);
    const runwayD = n.between(12, 20);
    const r = start / (runwayD * 24);
    const rental = start * n.between(0.3, 0.5);
    return {
      description: `${fmt(start)} credits at ${fmt(r)}/h (${runwayD.toFixed(0)} days), ${fmt(rental)} rental on 1 March 00:00 (day 4)`,
      days: 14,
      t0: T0_FEB,
      start,
      rate: () => r,
      unit: unitFor(r, eventsPerMinute(n)),
      charge: (t) => (t === FIRST_OF_MARCH ? rental : 0),
    };
  }),

  kind('rental_at_install', 'a new install whose first 10 h hold the monthly rental of its numbers (5–30 % of the balance at once), then 9–14 days of runway left at a steady spend: never runs out in its week', (n, t0) => {
    const start = balanceOf(n);
    const rental = start * n.between(0.05, 0.3);
    const runwayD = n.between(9, 14);
    const r = (start - rental) / (runwayD * 24);
    const at = t0 + n.int(1, 600) * MINUTE_MS;
    return {
      description: `${fmt(start)} credits, ${fmt(rental)} rental ${Math.round((at - t0) / MINUTE_MS)} min after the first reading, then ${fmt(r)}/h (${runwayD.toFixed(0)} days)`,
      days: 7,
      start,
      rate: () => r,
      unit: unitFor(r, eventsPerMinute(n)),
      charge: (t) => (t === at ? rental : 0),
    };
  }, 'quiet-first-24h'),

  kind('service_off', 'steady spend (5–8 days of runway) until the service is switched off on day 2–4: spend stops, never runs out', (n, t0) => {
    const start = balanceOf(n);
    const r = start / (n.between(5, 8) * 24);
    const off = dayAt(t0, n.between(2, 4));
    return {
      description: `${fmt(start)} credits at ${fmt(r)}/h, switched off on day ${dayOf(t0, off)}`,
      days: 10,
      start,
      rate: (t) => (t < off ? r : 0),
      unit: unitFor(r, eventsPerMinute(n)),
    };
  }),

  kind('refunds', 'spend with refunds: frequent small ones (10–25 % of the spend back) and one or two big ones (hours of spend); runs out on day 6–9', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(6, 9) * DAY_MS;
    const back = n.between(0.1, 0.25);
    const r = sizedToEmpty(flat, start, emptyAt, t0)(t0) / (1 - back);
    const unit = unitFor(r, eventsPerMinute(n));
    const small = Math.max(unit, r / 60) * n.between(2, 6);
    const big = new Set(Array.from({ length: n.int(1, 2) }, () => dayAt(t0, n.int(1, 5), n.int(0, 23))));
    const bigSize = r * n.between(2, 8);
    return {
      description: `${fmt(start)} credits, ${fmt(r)}/h charged, ${(back * 100).toFixed(0)} % refunded, ${big.size} big refund(s) of ${fmt(bigSize)}; empty on day ~${dayOf(t0, emptyAt)}`,
      days: 10,
      start,
      rate: () => r,
      unit,
      refunds: { prob: (r / 60) * back / small, size: () => small },
      topup: (t) => (big.has(t) ? bigSize : 0),
    };
  }),

  kind('weekend_consumer', 'consumer traffic: evenings busy, weekends 3× weekdays; runs out on day 8–12', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(8, 12) * DAY_MS;
    const shape = (t: number) => (weekday(t) ? 1 : 3) * (hourOfDay(t) >= 18 ? 2.5 : hourOfDay(t) < 7 ? 0.2 : 1);
    const rate = sizedToEmpty(shape, start, emptyAt, t0);
    return twoWeeks(n, t0, `${fmt(start)} credits, ${fmt(meanRate(rate, t0))}/h on average, weekends 3×; empty on day ~${dayOf(t0, emptyAt)}`, start, rate);
  }),

  kind('whole_credits', 'a small wallet read in whole credits (50–500 credits, 0.2–4 credits/h): the balance moves in steps; runs out on day 5–12', (n, t0) => {
    const start = Math.round(n.logBetween(50, 500));
    const emptyAt = t0 + n.between(5, 12) * DAY_MS;
    const rate = sizedToEmpty(flat, start, emptyAt, t0);
    return {
      description: `${start} credits at ${fmt(rate(t0))}/h, read in whole credits; empty on day ~${dayOf(t0, emptyAt)}`,
      days: 14,
      start,
      rate,
      unit: n.pick([0.05, 0.25, 1]),
      wholeCredits: true,
    };
  }),

  kind('daemon_gaps', 'business-day spend with 2–4 gaps of 2–12 h without readings (the daemon was down); runs out on day 6–9', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(6, 9) * DAY_MS;
    const shape = (t: number) => (hourOfDay(t) >= 7 && hourOfDay(t) < 20 ? 1 : 0.2);
    const rate = sizedToEmpty(shape, start, emptyAt, t0);
    const gaps = Array.from({ length: n.int(2, 4) }, () => {
      const from = t0 + Math.round(n.between(0.5, 8.5) * 24 * 60) * MINUTE_MS;
      return [from, from + Math.round(n.between(2, 12) * 60) * MINUTE_MS] as const;
    });
    return {
      description: `${fmt(start)} credits, ${fmt(meanRate(rate, t0))}/h on average, ${gaps.length} gaps (${gaps.map(([a, b]) => `day ${dayOf(t0, a)} ${((b - a) / HOUR_MS).toFixed(0)} h`).join(', ')}); empty on day ~${dayOf(t0, emptyAt)}`,
      days: 10,
      start,
      rate,
      unit: unitFor(meanRate(rate, t0), eventsPerMinute(n)),
      gaps,
    };
  }),

  kind('auto_recharge', 'auto-recharge: 3–6 days of runway; whenever the balance drops below 20 % of the start, 60 % of the start is added; never runs out', (n) => {
    const start = balanceOf(n);
    const r = start / (n.between(3, 6) * 24);
    return {
      description: `${fmt(start)} credits at ${fmt(r)}/h, +${fmt(0.6 * start)} below ${fmt(0.2 * start)}`,
      days: 14,
      start,
      rate: () => r,
      unit: unitFor(r, eventsPerMinute(n)),
      topup: (_t, balance) => (balance < 0.2 * start ? 0.6 * start : 0),
    };
  }),

  kind('manual_topups', 'topped up by hand after running dry: 3–5 days of runway, then empty (calls fail) for 1–30 h until someone notices and adds 4–6 days of spend; runs out 2–3 times', (n) => {
    const start = balanceOf(n);
    const r = start / (n.between(3, 5) * 24);
    const refills = [0, 1, 2, 3].map(() => ({ waitMs: n.logBetween(1, 30) * HOUR_MS, hours: n.between(96, 144) }));
    let emptySince: number | null = null;
    let k = 0;
    return {
      description: `${fmt(start)} credits at ${fmt(r)}/h, refilled by hand ${refills.map((x) => `${(x.waitMs / HOUR_MS).toFixed(0)} h`).join(', ')} after each empty`,
      days: 14,
      start,
      rate: () => r,
      unit: unitFor(r, eventsPerMinute(n)),
      topup: (t, balance) => {
        if (balance > 0) return 0;
        emptySince ??= t;
        const next = refills[k % refills.length]!;
        if (t - emptySince < next.waitMs) return 0;
        emptySince = null;
        k++;
        return r * next.hours;
      },
    };
  }),

  kind('dry_in_12h', 'a wallet that truly runs dry 10–12 h after the first reading (Poisson-noisy spend from minute 0)', (n) => {
    const start = balanceOf(n);
    const hours = n.between(10, 12);
    const r = start / hours;
    return { description: `${fmt(start)} credits at ${fmt(r)}/h: empty after ~${hours.toFixed(1)} h`, days: 3, start, rate: () => r, unit: unitFor(r, eventsPerMinute(n)) };
  }, 'critical-first-hour'),

  kind('dormant', 'a dormant wallet: a few charges a day (months of runway), sometimes one bigger charge; never runs out', (n, t0) => {
    const start = balanceOf(n);
    const perDay = start * n.logBetween(0.0005, 0.01);
    const unit = perDay / n.between(1, 6);
    const bigAt = dayAt(t0, n.int(1, 10), n.int(0, 23));
    const big = n.uniform() < 0.5 ? start * n.between(0.02, 0.1) : 0;
    return {
      description: `${fmt(start)} credits, ${fmt(perDay)}/day in ${fmt(unit)} charges${big ? `, one charge of ${fmt(big)} on day ${dayOf(t0, bigAt)}` : ''}`,
      days: 14,
      start,
      rate: () => perDay / 24,
      unit,
      hourSigma: 0.5,
      charge: (t) => (t === bigAt ? big : 0),
    };
  }),
  kind('call_minutes', 'voice calls billed per started minute, durations lognormal (median 1–3 min, σ 0.7–1.4, at most 4 h): charges of very different sizes, from a few calls a day to many a minute; runs out on day 5–10', (n, t0) => {
    const start = balanceOf(n);
    const emptyAt = t0 + n.between(5, 10) * DAY_MS;
    const median = n.between(1, 3);
    const sigma = n.between(0.7, 1.4);
    const minutes = (): number => Math.min(240, Math.ceil(median * Math.exp(sigma * n.normal())));
    const mean = meanBilledMinutes(median, sigma);
    const shape = (t: number) => (hourOfDay(t) >= 8 && hourOfDay(t) < 20 ? 1 : 0.3);
    const rate = sizedToEmpty(shape, start, emptyAt, t0);
    const callsPerMinute = n.logBetween(0.004, 4);
    return {
      description: `${fmt(start)} credits, ${fmt(meanRate(rate, t0))}/h on average in calls (${fmt(callsPerMinute * 60)}/h, median ${median.toFixed(1)} min, σ ${sigma.toFixed(2)}); empty on day ~${dayOf(t0, emptyAt)}`,
      days: 12,
      start,
      rate,
      unit: meanRate(rate, t0) / 60 / callsPerMinute,
      eventSize: () => minutes() / mean,
    };
  }),
];

/** Mean billed minutes of a call (whole minutes, started ones count, at most 240) with lognormal duration: Σ P(d > k). */
function meanBilledMinutes(median: number, sigma: number): number {
  let s = 0;
  for (let k = 0; k < 240; k++) s += k === 0 ? 1 : 1 - normalCdf(Math.log(k / median) / sigma);
  return s;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
