/**
 * Diagnostic, not part of the benchmark's scoring: how well could ANY forecast do on the tuning part?
 *   node --import tsx bench/forecast/oracle.ts [--part tuning|heldout] [--seeds N] [--kind NAME] [--per-kind] [--list MARGIN]
 * (--part heldout: the held-out seeds of the tuning kinds; the held-out kinds have their own generator and
 * no expected spend.)
 * The oracle knows each history's expected spend exactly — the generator's rate at every minute, future
 * campaigns, switch-offs and rentals included — but not its random draws (the Poisson charges, the hourly
 * busy/quiet multiplier); refunds and top-ups it does not expect. Its runway is the time the expected
 * spend takes to reach the balance; it fires when that runway is under the horizon × (1 + margin) — a
 * fixed margin, or z standard deviations of the spend to come — and resolves 5 % above that, and is
 * scored exactly like the three methods. No estimator that learns from the past knows more about the
 * future, so where the oracle cannot warn ≥ 72 h as often as predict_linear within the false-alarm limit
 * at any margin, no forecast alerting on such a threshold can either: the rest is the noise of the spend
 * itself, which predict_linear turns into leads by firing at every swing (bench/forecast/README.md,
 * round 8).
 */
import type { Row } from '../../src/backtest/input.js';
import { built as builtOf, expectedCumulative, expectedRunwayMinutes, plan, type Expected } from './corpus.js';
import { predictLinear, staticThresholds } from './baselines.js';
import { KINDS } from './jobs.js';
import { addScore, emptyTotals, falseAlarms, scoreHistory, type Alarm, type AlertRecord, type Interval, type Totals } from './scoring.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const args = process.argv.slice(2);
const seeds = args.includes('--seeds') ? Number(args[args.indexOf('--seeds') + 1]) : 12;
const kindArg = args.includes('--kind') ? args[args.indexOf('--kind') + 1] : undefined;
const part = (args.includes('--part') ? args[args.indexOf('--part') + 1] : 'tuning') as 'tuning' | 'heldout';
const MARGINS = [-0.05, 0, 0.025, 0.05, 0.075, 0.1, 0.15];
/** Margins of z standard deviations of the spend to come (its Poisson and charge-size noise and the hourly multiplier). */
const ZS = [0.5, 1, 1.5, 2];
const RESOLVE = 1.05;
/** --list M: every depletion's leads for the oracle at margin M (a fraction). */
const listAt = args.includes('--list') ? Number(args[args.indexOf('--list') + 1]) : undefined;

/** The oracle's inputs for one history, read once for every margin. */
interface Known {
  readonly e: Expected;
  readonly cum: Float64Array;
  /** E[size²] of a charge in units² (1 when every charge is one unit). */
  readonly size2: number;
}

function known(rows: readonly Row[], e: Expected): Known {
  // sampled after the rows were drawn, from the same stream, so the history does not depend on it
  const size2 = e.eventSize ? Array.from({ length: 4000 }, () => e.eventSize!() ** 2).reduce((a, b) => a + b) / 4000 : 1;
  return { e, cum: expectedCumulative(rows, e, 30 * 24 * 60), size2 };
}

function oracle(rows: readonly Row[], { e, cum, size2 }: Known, margin: number | { z: number }): AlertRecord {
  const t0 = rows[0]!.t;
  const out = { warning: [] as Interval[], critical: [] as Interval[] };
  const since: { warning: number | null; critical: number | null } = { warning: null, critical: null };
  const horizon = { warning: 72, critical: 24 };
  for (const row of rows) {
    const i = Math.round((row.t - t0) / MINUTE);
    const hours = row.balance <= 0 ? 0 : expectedRunwayMinutes(cum, i, row.balance) / 60;
    for (const sev of ['warning', 'critical'] as const) {
      const H = horizon[sev];
      const m = typeof margin === 'number' ? margin : margin.z * Math.sqrt((e.unit * size2) / Math.max(row.balance, 1e-9) + (e.hourSigma * e.hourSigma) / H);
      const fire = H * (1 + m);
      if (since[sev] === null && hours < fire && row.balance > 0) since[sev] = row.t;
      else if (since[sev] !== null && (hours > fire * RESOLVE || row.balance <= 0)) {
        out[sev].push({ start: since[sev]!, end: row.t });
        since[sev] = null;
      }
    }
  }
  for (const sev of ['warning', 'critical'] as const) if (since[sev] !== null) out[sev].push({ start: since[sev]!, end: Infinity });
  const alarms: Alarm[] = [];
  for (const sev of ['warning', 'critical'] as const) for (const iv of out[sev]) alarms.push({ t: iv.start, severity: sev, id: `oracle/${sev}/${iv.start}` });
  alarms.sort((a, b) => a.t - b.t);
  return { any: [...out.warning, ...out.critical], critical: out.critical, alarms };
}

if (part !== 'tuning' && part !== 'heldout') usage(`--part: tuning or heldout, got "${part}"`);
if (!(Number.isInteger(seeds) && seeds > 0)) usage('--seeds: a whole number above 0');
if (kindArg !== undefined && !KINDS.some((k) => k.name === kindArg && k.part === 'tuning')) usage(`--kind: a tuning kind, got "${kindArg}"`);
if (listAt !== undefined && !Number.isFinite(listAt)) usage('--list: a margin as a fraction, e.g. 0.05');
function usage(message: string): never {
  console.error(`bench:forecast-oracle: ${message}`);
  process.exit(64);
}

const totals = new Map<string, Totals>();
const perKind = new Map<string, Map<string, Totals>>();
const add = (method: string, kind: string, rows: readonly Row[], rec: AlertRecord) => {
  const s = scoreHistory(rows, rec);
  totals.set(method, addScore(totals.get(method) ?? emptyTotals(), s));
  const k = perKind.get(kind) ?? new Map<string, Totals>();
  perKind.set(kind, k);
  k.set(method, addScore(k.get(method) ?? emptyTotals(), s));
};
for (const job of plan(KINDS, part, seeds)) {
  if (kindArg && job.kind.name !== kindArg) continue;
  const name = `${job.kind.name}#${job.seed}`;
  const built = builtOf(job.kind, job.seed);
  if (!built.expected) continue;
  const h = { name, rows: built.rows };
  const k = known(h.rows, built.expected);
  add('predict_linear', job.kind.name, h.rows, predictLinear(h.rows));
  add('static', job.kind.name, h.rows, staticThresholds(h.rows));
  for (const m of MARGINS) add(`oracle ${m >= 0 ? '+' : ''}${(m * 100).toFixed(1)} %`, job.kind.name, h.rows, oracle(h.rows, k, m));
  if (listAt !== undefined) {
    for (const d of scoreHistory(h.rows, oracle(h.rows, k, listAt)).depletions) {
      const lead = (ms: number | null) => (ms === null ? '-' : (ms / HOUR).toFixed(1));
      console.log(`${h.name} depletion ${new Date(d.t).toISOString().slice(0, 16)} oracle ${listAt}: lead ${lead(d.leadMs)} h, critical lead ${lead(d.criticalLeadMs)} h`);
    }
  }
  for (const z of ZS) add(`oracle ${z} σ`, job.kind.name, h.rows, oracle(h.rows, k, { z }));
}
const line = (name: string, t: Totals) =>
  `| ${name} | ${t.missed} | ${t.warned72} of ${t.eligible72} (${t.warned72ByFalse}) | ${t.critical24} of ${t.eligible24} (${t.critical24ByFalse}) | ${falseAlarms(t)} (${t.falseWarning} + ${t.falseCritical}) | ${t.alarms} |`;
console.log(`${part === 'tuning' ? 'Tuning part' : 'Held-out seeds of the tuning kinds'}, ${seeds} seeds${kindArg ? `, kind ${kindArg}` : ''}: the oracle (expected spend known exactly) at each alert margin\n`);
console.log('In brackets: of those leads, how many were won by a false alarm (the alert that counted first began with one).\n');
console.log('| method | missed | warned ≥ 72 h | critical ≥ 24 h | false alarms (warning + critical) | alarms |\n|---|---:|---:|---:|---:|---:|');
for (const [name, t] of totals) console.log(line(name, t));
if (args.includes('--per-kind')) {
  for (const [kind, m] of perKind) {
    console.log(`\n${kind}`);
    for (const [name, t] of m) console.log(line(name, t));
  }
}
