// Prints what the third corpus contains and checks its invariants.
//   node --import tsx bench/forecast-third/summary.ts [--seeds 4] [--quiet] [--kind name]
// Exit code 1 when an invariant fails.

import { buildThird, generateThirdCorpus, THIRD_INTENDED_DEPLETIONS, THIRD_KIND_NAMES, type History, type Row } from './corpus.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const seeds = Number(arg('--seeds') ?? 4);
const quiet = args.includes('--quiet');
const only = arg('--kind');

/** Depletions (reading <= 0 after one > 0) with the hours since the last reset point (the start, or a top-up adding >= half the prior balance). */
function depletions(rows: Row[]): { i: number; sinceResetH: number; sinceStartH: number }[] {
  const out: { i: number; sinceResetH: number; sinceStartH: number }[] = [];
  let reset = rows[0]!.t;
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1]!.b;
    const cur = rows[i]!.b;
    if (cur > prev && cur - prev >= 0.5 * prev) reset = rows[i]!.t;
    if (cur <= 0 && prev > 0) out.push({ i, sinceResetH: (rows[i]!.t - reset) / 3600, sinceStartH: (rows[i]!.t - rows[0]!.t) / 3600 });
  }
  return out;
}

const failures: string[] = [];
const unexpected: string[] = [];
const fail = (msg: string): void => void failures.push(msg);
let histories = 0;
let totalDep = 0;
let eligible72 = 0;
let depletingHistories = 0;
const fmt = (x: number): string => (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(4));

for (const kind of THIRD_KIND_NAMES) {
  if (only && kind !== only) continue;
  for (let seed = 0; seed < seeds; seed++) {
    const run = buildThird(kind, seed, kind === 'fresh_healthy' ? 40 * 60 : 0);
    const { rows, name } = run.history;
    histories++;
    let minGap = Infinity;
    let maxGap = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (!Number.isInteger(r.t)) fail(`${name}: t not an integer at ${i}`);
      if (!Number.isFinite(r.b) || r.b < 0) fail(`${name}: bad balance ${r.b} at ${i}`);
      if (i > 0) {
        const g = r.t - rows[i - 1]!.t;
        if (g <= 0) fail(`${name}: t not increasing at ${i}`);
        minGap = Math.min(minGap, g);
        maxGap = Math.max(maxGap, g);
      }
    }
    const days = (rows[rows.length - 1]!.t - rows[0]!.t) / 86400;
    if (days < 2.95 || days > 14.01) fail(`${name}: ${days.toFixed(2)} days`);
    const deps = depletions(rows);
    totalDep += deps.length;
    if (deps.length > 0) depletingHistories++;
    eligible72 += deps.filter((d) => d.sinceResetH >= 72).length;
    if (deps.length !== THIRD_INTENDED_DEPLETIONS[kind]) unexpected.push(`${name}: ${deps.length} depletions, intended ${THIRD_INTENDED_DEPLETIONS[kind]}`);
    if (kind === 'fresh_healthy') {
      if (deps.length > 0) fail(`${name}: fresh_healthy depleted`);
      if (!(run.plan.meta.runwayH! > 96)) fail(`${name}: runway ${run.plan.meta.runwayH} h`);
      const ext = run.extended!;
      if (ext.depletions.some((m) => m < 100 * 60) || !(ext.bal[100 * 60 - 1]! > 0)) fail(`${name}: truly runs out inside 100 h`);
    }
    if (kind === 'dry_12h') {
      const h = deps[0]?.sinceStartH;
      if (h === undefined || h < 10 || h > 14) fail(`${name}: first depletion at ${h} h`);
    }
    if (!quiet) {
      const meta = Object.entries(run.plan.meta).map(([k, v]) => `${k}=${fmt(v)}`).join(' ');
      const dep = deps.map((d) => `${d.sinceResetH.toFixed(1)}h${d.sinceResetH !== d.sinceStartH ? `(@${d.sinceStartH.toFixed(1)})` : ''}`).join(',');
      console.log(
        `${name.padEnd(26)} ${days.toFixed(2).padStart(5)}d ${String(rows.length).padStart(6)} rows  b ${fmt(rows[0]!.b).padStart(9)} -> ${fmt(rows[rows.length - 1]!.b).padStart(9)}  dep=${deps.length} [${dep}]  gap ${minGap}-${maxGap}s  ${meta}`,
      );
    }
  }
}

// Timing and determinism over the whole corpus (or, with --kind, over that kind's histories only).
const gen = (): History[] => (only ? Array.from({ length: seeds }, (_, s) => buildThird(only, s).history) : generateThirdCorpus(seeds));
const t0 = performance.now();
const a = gen();
const ms = performance.now() - t0;
const digest = (hs: History[]): string => hs.map((h) => `${h.name}:${h.rows.map((r) => `${r.t},${r.b}`).join(';')}`).join('|');
const deterministic = digest(a) === digest(gen());
if (!deterministic) fail('two generations differ');
const rowsTotal = a.reduce((s, h) => s + h.rows.length, 0);

console.log(`\nkinds ${THIRD_KIND_NAMES.length} (${THIRD_KIND_NAMES.filter((k) => THIRD_INTENDED_DEPLETIONS[k]! > 0).length} meant to deplete), seeds ${seeds}, histories ${histories}`);
console.log(`histories with a depletion ${depletingHistories}, depletions ${totalDep}, eligible for a 72 h lead ${eligible72}`);
console.log(`${only ? `${only} only` : `generateThirdCorpus(${seeds})`}: ${a.length} histories, ${rowsTotal} rows in ${ms.toFixed(0)} ms; deterministic: ${deterministic}`);
if (unexpected.length) console.log(`not as intended (${unexpected.length}):\n  ${unexpected.join('\n  ')}`);
if (failures.length) {
  console.log(`FAILED (${failures.length}):\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
} else console.log('all checks passed');
