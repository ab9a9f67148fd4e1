// The wallet simulator behind the black-box corpus: a minute-by-minute ledger of charges, top-ups and credits,
// read once a minute the way a poller sees it (rounded, with gaps while the poller was down).
import type { Rng } from './prng.js';

export const MINUTE = 60;
export const HOUR = 3600;
export const DAY = 86400;

export interface Row {
  t: number;
  b: number;
}

/** How one unit of traffic is billed. */
export type Billing =
  | { kind: 'calls'; callsPerMinute: number } // per started minute, heavy-tailed durations
  | { kind: 'sms'; messagesPerMinute: number } // fixed price per message
  | { kind: 'api'; requestsPerMinute: number }; // tiny fixed price per request

export interface Scenario {
  start: number; // unix seconds, minute-aligned
  minutes: number;
  balance0: number;
  /** expected spend in credits per hour at time t (level × shape × trend), bursts included */
  ratePerHour: (t: number) => number;
  billing: Billing;
  /** decimals kept by the upstream: 0 = whole credits, 4 = 0.0001 */
  decimals: number;
  /** monthly charge for rented numbers at 00:00 UTC on the 1st */
  monthlyRental?: number;
  autoRecharge?: { below: number; amount: number; delayMinutes: number };
  /** credits added at fixed times (manual top-ups, refunds, goodwill credits) */
  credits?: Array<{ t: number; amount: number }>;
  /** after the balance hits 0, someone tops up by `amount` after `delayMinutes` */
  topUpAfterEmpty?: { delayMinutes: number; amount: number };
  /** [from, to) spans with no reading (daemon down) */
  gaps?: Array<[number, number]>;
}

/** Mean and spread of one billed unit, measured once per scenario (so the spend follows ratePerHour). */
function unitCharge(billing: Billing, rng: Rng): { draw: () => number; mean: number; sd: number } {
  let draw: () => number;
  if (billing.kind === 'calls') draw = () => Math.min(180, Math.ceil(rng.logNormal(1.6, 1.1)));
  else if (billing.kind === 'sms') draw = () => (rng.next() < 0.15 ? 2 : 1); // long messages are two parts
  else draw = () => 1;
  let s = 0;
  let s2 = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) {
    const x = draw();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  return { draw, mean, sd: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

function unitsPerMinute(billing: Billing): number {
  if (billing.kind === 'calls') return billing.callsPerMinute;
  if (billing.kind === 'sms') return billing.messagesPerMinute;
  return billing.requestsPerMinute;
}

function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** Expected consumption from `from` to `to` (no noise): used to size balances so depletions land on time. */
export function expectedSpend(ratePerHour: (t: number) => number, from: number, to: number): number {
  let s = 0;
  for (let t = from; t < to; t += MINUTE) s += ratePerHour(t) / 60;
  return s;
}

export function simulate(sc: Scenario, rng: Rng): Row[] {
  const unit = unitCharge(sc.billing, rng);
  // the price of one billed unit, so that the nominal units a minute cost the scenario's mean rate over a week
  const weekMean = expectedSpend(sc.ratePerHour, sc.start, sc.start + 7 * DAY) / (7 * 24 * 60);
  const price = Math.max(1e-6, weekMean / (unitsPerMinute(sc.billing) * unit.mean));
  const credits = [...(sc.credits ?? [])].sort((x, y) => x.t - y.t);
  let ci = 0;
  let balance = sc.balance0;
  let rechargeAt = -1;
  let emptySince = -1;
  const rows: Row[] = [];
  for (let m = 0; m < sc.minutes; m++) {
    const t = sc.start + m * MINUTE;
    // spend in the minute that ends at t
    const expected = sc.ratePerHour(t) / 60; // credits this minute
    if (expected > 0 && balance > 0) {
      // the unit count scales with the rate; the price per unit is fixed for the scenario
      const lambda = expected / (price * unit.mean);
      const n = rng.poisson(lambda);
      let units = 0;
      if (n <= 200) for (let i = 0; i < n; i++) units += unit.draw();
      else units = Math.max(0, n * unit.mean + Math.sqrt(n) * unit.sd * rng.normal());
      balance -= units * price;
    }
    if (sc.monthlyRental && new Date(t * 1000).getUTCDate() === 1 && t % DAY === 0 && balance > 0) balance -= sc.monthlyRental;
    while (ci < credits.length && (credits[ci] as { t: number }).t <= t) {
      balance += (credits[ci] as { amount: number }).amount;
      ci++;
    }
    if (balance <= 0) {
      balance = 0; // the upstream refuses the charge that would overdraw: calls are cut, the wallet reads 0
      if (emptySince < 0) emptySince = t;
      if (sc.topUpAfterEmpty && t - emptySince >= sc.topUpAfterEmpty.delayMinutes * MINUTE) {
        balance += sc.topUpAfterEmpty.amount;
        emptySince = -1;
      }
    } else emptySince = -1;
    if (sc.autoRecharge) {
      if (rechargeAt < 0 && balance < sc.autoRecharge.below) rechargeAt = t + sc.autoRecharge.delayMinutes * MINUTE;
      if (rechargeAt >= 0 && t >= rechargeAt) {
        balance += sc.autoRecharge.amount;
        rechargeAt = -1;
        emptySince = -1;
      }
    }
    if (sc.gaps?.some(([from, to]) => t >= from && t < to)) continue;
    rows.push({ t, b: Math.max(0, roundTo(balance, sc.decimals)) });
  }
  return rows;
}

export function toCsv(rows: readonly Row[]): string {
  const lines = ['timestamp,balance'];
  for (const r of rows) lines.push(`${r.t},${r.b}`);
  return `${lines.join('\n')}\n`;
}
