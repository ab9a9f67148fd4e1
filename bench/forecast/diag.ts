/**
 * Diagnostic (tuning part by default; never tune on --part heldout): how far the forecast's runways are from the runway that actually
 * followed, at points where the truth is near the horizons. Not part of the benchmark's scoring.
 *   node --import tsx bench/forecast/diag.ts [--part tuning|heldout] [--kind NAME] [--seeds N] [--real | --vs-oracle] [--per-seed] [--band] [--lag]
 * --band: how often the runway that followed (16–110 h) fell inside the forecast's 80 % band, below or above it,
 * per kind and over all kinds (bench/forecast/README.md, round 13).
 * --real: the truth is the next real depletion (refunds and top-ups included), not the balance less the
 * drops that followed. --vs-oracle: the "truth" is the runway at the generator's expected spend (tuning
 * kinds only; refunds not expected), so the ratio is the estimator's own error without the luck of the
 * spend that followed. --per-seed: each seed's median ratio too — a bias shows as medians on one side of 1
 * seed after seed (monthly_rental's rental left in the level: 9 of 12 below 1), noise as medians on both sides.
 * --lag: could the forecast calibrate itself on its own record (round 22)? Pairs, at each point, how far the
 * spend of the last 24 h was from what the forecast expected a day ago (log actual / expected) with how far
 * the runway read now is from the runway that followed (log actual / central); prints their correlation and
 * the error left after the best linear correction, per kind and over all kinds.
 */
import { INITIAL_ACCOUNT_STATE } from '../../src/domain/account.js';
import { observe } from '../../src/domain/evaluate.js';
import { built as builtOf, expectedCumulative, expectedRunwayMinutes, plan } from './corpus.js';
import { KINDS } from './jobs.js';
import { benchConfig } from './ours.js';

const args = process.argv.slice(2);
const kindArg = args.includes('--kind') ? args[args.indexOf('--kind') + 1] : undefined;
const seeds = args.includes('--seeds') ? Number(args[args.indexOf('--seeds') + 1]) : 5;
const part = (args.includes('--part') ? args[args.indexOf('--part') + 1] : 'tuning') as 'tuning' | 'heldout';
const H = 3_600_000;
const vsOracle = args.includes('--vs-oracle');
const lag = args.includes('--lag');
const cfg = benchConfig();
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN; };
/** --lag: per kind, (last day's spend error, runway error now) pairs. */
const lagPairs = new Map<string, [number, number][]>();
const byKind = new Map<string, { w: number[]; c: number[]; lateW: number; earlyW: number; nW: number; lateC: number; earlyC: number; nC: number; seedW: number[]; seedC: number[]; inBand: number; belowBand: number; nBand: number }>();
for (const job of plan(KINDS, part, seeds)) {
  if (kindArg && job.kind.name !== kindArg) continue;
  const built = builtOf(job.kind, job.seed);
  if (vsOracle && !built.expected) continue;
  const rows = built.rows;
  const expected = vsOracle ? expectedCumulative(rows, built.expected!, 30 * 24 * 60) : null;
  // cumulative consumption (drops only)
  const cum = new Float64Array(rows.length);
  for (let i = 1; i < rows.length; i++) cum[i] = cum[i - 1]! + Math.max(0, rows[i - 1]!.balance - rows[i]!.balance);
  let state = INITIAL_ACCOUNT_STATE;
  let j = 0;
  /** --lag: by time, every sampled point's row and the spend it expected over the next 24 h. */
  const expectedDay = new Map<number, { i: number; spend: number }>();
  const k = byKind.get(job.kind.name) ?? { w: [], c: [], lateW: 0, earlyW: 0, nW: 0, lateC: 0, earlyC: 0, nC: 0, seedW: [], seedC: [], inBand: 0, belowBand: 0, nBand: 0 };
  const [w0, c0] = [k.w.length, k.c.length];
  byKind.set(job.kind.name, k);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const obs = observe(state, { ok: true, status: 200, balance: row.balance, currency: null, requiredCredits: null }, row.t, cfg);
    state = obs.state;
    if (i % 30 !== 0 || row.balance <= 0) continue;
    if (lag) expectedDay.set(row.t, { i, spend: obs.forecast.burnRatePerHour * 24 });
    if ((row.t - rows[0]!.t) < 24 * H) continue;
    let actual: number;
    if (expected) {
      actual = expectedRunwayMinutes(expected, Math.round((row.t - rows[0]!.t) / 60_000), row.balance) / 60;
      if (!Number.isFinite(actual)) continue;
    } else {
      if (j < i) j = i;
      if (args.includes('--real')) { while (j < rows.length && rows[j]!.balance > 0) j++; }
      // (the float sum of the drops may end a hair under the balance that ran out: judgeAlarm's tolerance)
      else while (j < rows.length && cum[j]! - cum[i]! < row.balance - 1e-9 * Math.max(1, row.balance)) j++;
      if (j >= rows.length) continue;
      actual = (rows[j]!.t - row.t) / H;
    }
    const f = obs.forecast;
    const dayAgo = lag ? expectedDay.get(row.t - 24 * H) : undefined;
    if (dayAgo && dayAgo.spend > 0 && cum[i]! > cum[dayAgo.i]! && Number.isFinite(f.runwaySeconds) && f.runwaySeconds > 0 && actual > 16 && actual < 110) {
      const pairs = lagPairs.get(job.kind.name) ?? [];
      lagPairs.set(job.kind.name, pairs);
      pairs.push([Math.log((cum[i]! - cum[dayAgo.i]!) / dayAgo.spend), Math.log((actual * 3600) / f.runwaySeconds)]);
    }
    if (actual > 16 && actual < 110) {
      k.nBand++;
      if (actual * 3600 < f.runwayLowSeconds) k.belowBand++;
      else if (actual * 3600 <= f.runwayHighSeconds) k.inBand++;
    }
    if (actual > 50 && actual < 110) {
      k.w.push(f.runwaySeconds / 3600 / actual);
      k.nW++;
      const fires = f.alertRunwaySeconds / 3600 < 72;
      if (fires && actual > 79.2) k.earlyW++;
      if (!fires && actual < 72 && actual > 60) k.lateW++;
    }
    if (actual > 16 && actual < 36) {
      k.c.push(f.runwaySeconds / 3600 / actual);
      k.nC++;
      const fires = f.criticalAlertRunwaySeconds / 3600 < 24;
      if (fires && actual > 26.4) k.earlyC++;
      if (!fires && actual < 24 && actual > 20) k.lateC++;
    }
  }
  // this seed's median ratios (NaN: no point in that range)
  k.seedW.push(q(k.w.slice(w0), 0.5));
  k.seedC.push(q(k.c.slice(c0), 0.5));
}
/** One line of --band: of n points, how many had the runway that followed inside the band, and how many under it. */
const bandLine = (n: number, inside: number, below: number): string => {
  const pct = (x: number) => `${((100 * x) / Math.max(1, n)).toFixed(0)} %`;
  return `80 % band (16-110 h): ${n} points, inside ${pct(inside)}, runway shorter than the band ${pct(below)}, longer ${pct(n - inside - below)}`;
};
/** --lag: correlation of the two errors, and the runway error's RMS before and after the best correction e − β·c. */
const lagLine = (pairs: readonly [number, number][]): string => {
  const n = pairs.length;
  const [mc, me] = [pairs.reduce((a, p) => a + p[0], 0) / n, pairs.reduce((a, p) => a + p[1], 0) / n];
  let [sxy, sxx, syy] = [0, 0, 0];
  for (const [c, e] of pairs) [sxy, sxx, syy] = [sxy + (c - mc) * (e - me), sxx + (c - mc) ** 2, syy + (e - me) ** 2];
  const beta = sxy / sxx;
  const rms = (g: (p: readonly [number, number]) => number) => Math.sqrt(pairs.reduce((a, p) => a + g(p) ** 2, 0) / n);
  return `${String(n).padStart(5)} points, correlation ${(sxy / Math.sqrt(sxx * syy)).toFixed(2)}, runway error RMS ${rms((p) => p[1]).toFixed(3)} -> ${rms((p) => p[1] - beta * p[0]).toFixed(3)} (beta ${beta.toFixed(2)})`;
};
if (lag) {
  console.log(`all kinds: ${lagLine([...lagPairs.values()].flat())}`);
  for (const [name, pairs] of lagPairs) if (pairs.length > 1) console.log(`  ${name.padEnd(22)} ${lagLine(pairs)}`);
}
if (args.includes('--band')) {
  const all = [...byKind.values()].reduce((a, k) => ({ n: a.n + k.nBand, in: a.in + k.inBand, below: a.below + k.belowBand }), { n: 0, in: 0, below: 0 });
  console.log(`all kinds, ${bandLine(all.n, all.in, all.below)}`);
}
console.log('kind | n(w) | ratio central/actual p10 p50 p90 (50-110h) | FA-risk pts | late pts | n(c) | ratio p10 p50 p90 (16-36h) | FA-risk | late');
for (const [name, k] of byKind) {
  const f = (x: number) => x.toFixed(2);
  console.log(`${name.padEnd(22)} ${String(k.nW).padStart(4)}  ${f(q(k.w, 0.1))} ${f(q(k.w, 0.5))} ${f(q(k.w, 0.9))}  ${String(k.earlyW).padStart(4)} ${String(k.lateW).padStart(4)} | ${String(k.nC).padStart(4)} ${f(q(k.c, 0.1))} ${f(q(k.c, 0.5))} ${f(q(k.c, 0.9))}  ${String(k.earlyC).padStart(4)} ${String(k.lateC).padStart(4)}`);
  if (args.includes('--band')) console.log(`  ${bandLine(k.nBand, k.inBand, k.belowBand)}`);
  if (args.includes('--per-seed')) {
    // A sign test of sorts: how many seeds' medians fall below 1 (pessimistic) and above (optimistic).
    const line = (xs: number[]) => {
      const known = xs.filter((x) => !Number.isNaN(x));
      return `${xs.map((x) => (Number.isNaN(x) ? '—' : f(x))).join(' ')}  (${known.filter((x) => x < 1).length} below 1, ${known.filter((x) => x > 1).length} above)`;
    };
    console.log(`  per seed, 50-110h: ${line(k.seedW)}`);
    console.log(`  per seed, 16-36h:  ${line(k.seedC)}`);
  }
}
