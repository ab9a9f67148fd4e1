// Prints the sixth corpus and checks its invariants. Usage:
//   node --import tsx bench/forecast-sixth/summary.ts [--seeds 8]
// Prints `--seeds` histories per kind; invariants are checked for seeds 0..max(15, seeds-1). Exit 1 on failure.

import { SIXTH_KINDS, simulateSixthDetailed } from './corpus.js';
import type { Row } from './readings.js';

const argIdx = process.argv.indexOf('--seeds');
const printSeeds = argIdx >= 0 ? Number(process.argv[argIdx + 1]) : 8;
if (!Number.isInteger(printSeeds) || printSeeds < 1) {
  console.error('usage: summary.ts [--seeds N]');
  process.exit(2);
}
const checkSeeds = Math.max(16, printSeeds);
const YEAR_START = Date.UTC(2026, 0, 1) / 1000;
const YEAR_END = Date.UTC(2027, 0, 1) / 1000;

interface Depletion {
  index: number;
  hoursSinceReset: number;
}

/** A depletion is a reading <= 0 after a reading > 0; its reset point is the latest top-up adding >= half the balance. */
function depletions(rows: readonly Row[]): Depletion[] {
  const out: Depletion[] = [];
  let resetT = rows[0]?.t ?? 0;
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1] as Row;
    const cur = rows[i] as Row;
    if (cur.b > prev.b && cur.b - prev.b >= 0.5 * prev.b) resetT = cur.t;
    if (cur.b <= 0 && prev.b > 0) out.push({ index: i, hoursSinceReset: (cur.t - resetT) / 3600 });
  }
  return out;
}

const failures: string[] = [];
const fail = (msg: string): void => {
  failures.push(msg);
};
const fmt = (x: number, d = 1): string => x.toFixed(d);
const t0 = performance.now();
const perKind: string[] = [];
let worstRatio = 0;

for (const def of SIXTH_KINDS) {
  const hrs: number[] = [];
  let over72 = 0;
  let lines = 0;
  for (let seed = 0; seed < checkSeeds; seed++) {
    const r = simulateSixthDetailed(def.name, seed);
    const { rows, name } = r.history;
    if (name !== `${def.name}#${seed}` || r.history.kind !== def.name || r.history.seed !== seed) fail(`${name}: bad naming`);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      if (!Number.isInteger(row.t)) fail(`${name}: non-integer t at ${i}`);
      if (i > 0 && row.t <= (rows[i - 1] as Row).t) fail(`${name}: t not strictly increasing at ${i}`);
      if (!Number.isFinite(row.b) || row.b < 0) fail(`${name}: bad balance ${row.b} at ${i}`);
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (!first || !last) {
      fail(`${name}: empty history`);
      continue;
    }
    const spanDays = (last.t - first.t) / 86400;
    if (spanDays < 2.99 || spanDays > 14.01) fail(`${name}: span ${fmt(spanDays, 2)} days outside 3..14`);
    if (first.t < YEAR_START || first.t >= YEAR_END) fail(`${name}: starts outside 2026`);
    const need = r.endMinute + 4 * 1440 + 1;
    if (r.expectedCum.length < need) fail(`${name}: expectedCum too short (${r.expectedCum.length} < ${need})`);
    for (let m = 1; m < r.expectedCum.length; m++) {
      if (!((r.expectedCum[m] ?? 0) >= (r.expectedCum[m - 1] ?? 0))) {
        fail(`${name}: expectedCum decreases at ${m}`);
        break;
      }
    }
    const deps = depletions(rows);
    if (def.depleting) {
      if (r.intended.length === 0) fail(`${name}: no planned depletion`);
      if (deps.length !== r.intended.length) fail(`${name}: ${deps.length} depletions, ${r.intended.length} intended`);
      // The realised depletion must sit near the plan in expected-spend terms: the spend expected between
      // the reset and the realised depletion within 0.67..1.5 of what the balance was sized for.
      deps.forEach((d, k) => {
        const reset = r.resets[k] ?? 0;
        const plan = r.intended[k] ?? 0;
        const at = Math.round(((rows[d.index] as Row).t - r.start) / 60);
        const ec = (m: number): number => r.expectedCum[Math.min(m, r.expectedCum.length - 1)] ?? 0;
        const ratio = (ec(at) - ec(reset)) / Math.max(1e-9, ec(plan + 1) - ec(reset));
        worstRatio = Math.max(worstRatio, Math.abs(Math.log(ratio)));
        if (!(ratio >= 0.67 && ratio <= 1.5)) fail(`${name}: depletion ${k} at ${fmt(ratio, 2)}x the planned expected spend`);
      });
    } else if (deps.length > 0) fail(`${name}: non-depleting kind has ${deps.length} depletion(s)`);
    for (const d of deps) {
      hrs.push(d.hoursSinceReset);
      if (d.hoursSinceReset >= 72) over72++;
    }
    if (seed < printSeeds) {
      let minGap = Infinity;
      let maxGap = 0;
      for (let i = 1; i < rows.length; i++) {
        const g = (rows[i] as Row).t - (rows[i - 1] as Row).t;
        minGap = Math.min(minGap, g);
        maxGap = Math.max(maxGap, g);
      }
      const depText = deps.length ? deps.map((d) => `${fmt(d.hoursSinceReset)}h`).join(',') : '-';
      const planText = r.intended.length
        ? ` plan-offset ${deps.map((d, k) => fmt(((rows[d.index] as Row).t - r.start - (r.intended[k] ?? 0) * 60) / 3600)).join(',')}h`
        : '';
      console.log(
        `${name.padEnd(30)} ${r.tz.padEnd(20)} ${fmt(spanDays, 2).padStart(5)}d ${String(rows.length).padStart(6)} rows ` +
          `b ${fmt(first.b, 2).padStart(9)} -> ${fmt(last.b, 2).padStart(9)}  topups ${r.topUps.length}  ` +
          `depl ${depText}${planText}  gap ${minGap}-${maxGap}s`,
      );
      lines++;
    }
  }
  if (lines) console.log('');
  const range = hrs.length ? `${fmt(Math.min(...hrs))}..${fmt(Math.max(...hrs))} h` : '-';
  perKind.push(
    `${def.name.padEnd(26)} ${def.depleting ? 'depleting' : 'quiet    '}  depletions ${String(hrs.length).padStart(3)}  ` +
      `since-reset ${range.padEnd(16)} >=72h: ${over72}`,
  );
}

console.log(`per kind over seeds 0..${checkSeeds - 1}:`);
for (const line of perKind) console.log('  ' + line);

// determinism: a history is a pure function of kind#seed
for (const def of SIXTH_KINDS) {
  const a = JSON.stringify(simulateSixthDetailed(def.name, 3).history);
  const b = JSON.stringify(simulateSixthDetailed(def.name, 3).history);
  if (a !== b) fail(`${def.name}#3: not deterministic`);
}

console.log(`\nworst realised/planned expected-spend ratio at a depletion: x${fmt(Math.exp(worstRatio), 3)} (either way)`);
console.log(`${SIXTH_KINDS.length} kinds x ${checkSeeds} seeds checked in ${fmt((performance.now() - t0) / 1000, 1)} s`);
if (failures.length) {
  console.log(`INVARIANTS FAILED (${failures.length}):`);
  for (const f of failures.slice(0, 60)) console.log('  ' + f);
  process.exit(1);
}
console.log('all invariants hold');
