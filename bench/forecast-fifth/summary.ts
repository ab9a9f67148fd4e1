// node --import tsx bench/forecast-fifth/summary.ts [--seeds 8]
// Prints one line per history and checks the corpus invariants (always over at least seeds 0..15); exits 1 on failure.
import { FIFTH_KIND_NAMES, intendedDepletions, simulateFifth, type Row } from './corpus.js';

const arg = process.argv.indexOf('--seeds');
const shown = arg >= 0 ? Number(process.argv[arg + 1]) : 8;
if (!Number.isInteger(shown) || shown < 1) {
  console.error('usage: summary.ts [--seeds N]');
  process.exit(2);
}
const checked = Math.max(shown, 16);

interface Depletion {
  index: number;
  hoursSinceReset: number;
  resetIndex: number;
}

/** depletions (reading <= 0 after a reading > 0) and the reset point each one counts from */
function depletions(rows: readonly Row[]): { deps: Depletion[]; resets: number } {
  const deps: Depletion[] = [];
  let resetT = rows[0]?.t ?? 0;
  let resetIndex = 0;
  let resets = 0;
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1];
    const cur = rows[i];
    if (prev === undefined || cur === undefined) continue;
    const rise = cur.b - prev.b;
    if (rise > 0 && rise >= 0.5 * prev.b) {
      resetT = cur.t;
      resetIndex = i;
      resets++;
    }
    if (cur.b <= 0 && prev.b > 0) deps.push({ index: i, hoursSinceReset: (cur.t - resetT) / 3600, resetIndex });
  }
  return { deps, resets };
}

/** hours from the reset point until the EXPECTED spend would empty the balance it had, and the expected
 * spend rate at the actual depletion relative to the busiest minute of the surrounding 24 h */
function expectedView(rows: readonly Row[], d: Depletion, cum: Float64Array, start: number): { expHours: number; flow: number } {
  const r = rows[d.resetIndex];
  const x = rows[d.index];
  if (r === undefined || x === undefined) return { expHours: NaN, flow: NaN };
  const m0 = Math.round((r.t - start) / 60);
  const base = cum[m0] ?? 0;
  let m = m0;
  while (m < cum.length - 1 && (cum[m] ?? 0) - base < r.b) m++;
  const rate = (k: number): number => (cum[k + 1] ?? 0) - (cum[k] ?? 0);
  const md = Math.round((x.t - start) / 60) - 1;
  let peak = 0;
  for (let k = Math.max(0, md - 720); k < Math.min(cum.length - 1, md + 720); k++) peak = Math.max(peak, rate(k));
  let here = 0;
  for (let k = md - 30; k <= md; k++) here = Math.max(here, rate(Math.max(0, k)));
  return { expHours: (m - m0) / 60, flow: peak > 0 ? here / peak : 0 };
}

const failures: string[] = [];
const fail = (msg: string): void => {
  failures.push(msg);
};
let total = 0;
let longLead = 0;
let depCount = 0;
let maxShift = 0;
let lowFlow = 0;
const shifts: number[] = [];
const began = Date.now();
const year2026 = [Date.UTC(2026, 0, 1) / 1000, Date.UTC(2027, 0, 1) / 1000];
const weekdays = new Set<number>();
const hours = new Set<number>();

for (const kind of FIFTH_KIND_NAMES) {
  const want = intendedDepletions(kind);
  console.log(`\n== ${kind} (intended depletions: ${want})`);
  for (let seed = 0; seed < checked; seed++) {
    const { history, expectedCum, start } = simulateFifth(kind, seed);
    const rows = history.rows;
    total++;
    if (history.name !== `${kind}#${seed}`) fail(`${history.name}: bad name`);
    let minGap = Infinity;
    let maxGap = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (r === undefined) continue;
      if (!Number.isInteger(r.t)) fail(`${history.name}: t not an integer at row ${i}`);
      if (!Number.isFinite(r.b) || r.b < 0) fail(`${history.name}: bad balance ${r.b} at row ${i}`);
      const p = rows[i - 1];
      if (p !== undefined) {
        const gap = r.t - p.t;
        if (gap <= 0) fail(`${history.name}: t not strictly increasing at row ${i}`);
        minGap = Math.min(minGap, gap);
        maxGap = Math.max(maxGap, gap);
      }
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (first === undefined || last === undefined) {
      fail(`${history.name}: no rows`);
      continue;
    }
    const spanDays = (last.t - first.t) / 86400;
    if (spanDays < 3 - 1e-9 || spanDays > 14 + 1 / 1440) fail(`${history.name}: ${spanDays.toFixed(2)} days is outside 3-14`);
    if (start < year2026[0]! || last.t >= year2026[1]!) fail(`${history.name}: not in 2026`);
    const endMinute = Math.ceil((last.t - start) / 60);
    if (expectedCum.length < endMinute + 4 * 1440 + 1) fail(`${history.name}: expectedCum too short`);
    for (let m = 1; m < expectedCum.length; m++) {
      if (!((expectedCum[m] ?? NaN) >= (expectedCum[m - 1] ?? NaN))) {
        fail(`${history.name}: expectedCum not non-decreasing at ${m}`);
        break;
      }
    }
    const { deps, resets } = depletions(rows);
    if (deps.length !== want) fail(`${history.name}: ${deps.length} depletions, intended ${want}`);
    depCount += deps.length;
    longLead += deps.filter((d) => d.hoursSinceReset >= 72).length;
    const views = deps.map((d) => expectedView(rows, d, expectedCum, start));
    views.forEach((v, i) => {
      const shift = (deps[i]?.hoursSinceReset ?? 0) - v.expHours;
      shifts.push(Math.abs(shift));
      maxShift = Math.max(maxShift, Math.abs(shift));
      if (v.flow < 0.25) lowFlow++;
    });
    const d0 = new Date(start * 1000);
    weekdays.add(d0.getUTCDay());
    hours.add(d0.getUTCHours());
    if (seed < shown) {
      const depText =
        deps.length === 0 ? '-' : deps.map((d, i) => `${d.hoursSinceReset.toFixed(1)}h(exp ${(views[i]?.expHours ?? NaN).toFixed(1)}h)`).join(',');
      console.log(
        `${history.name.padEnd(26)} ${d0.toISOString().slice(0, 16)} ${spanDays.toFixed(2).padStart(5)}d rows=${String(rows.length).padStart(5)} ` +
          `b ${first.b.toFixed(2)} -> ${last.b.toFixed(2)} resets=${resets} depletions=${depText} gap ${minGap}-${maxGap}s`,
      );
    }
  }
}

const again = simulateFifth(FIFTH_KIND_NAMES[0] ?? '', 3).history;
const twice = simulateFifth(FIFTH_KIND_NAMES[0] ?? '', 3).history;
if (JSON.stringify(again) !== JSON.stringify(twice)) fail('not deterministic');
if (weekdays.size < 7) fail(`start weekdays cover only ${weekdays.size}/7`);

console.log(
  `\n${total} histories (${FIFTH_KIND_NAMES.length} kinds x ${checked} seeds) in ${((Date.now() - began) / 1000).toFixed(1)} s; ` +
    `${depCount} depletions, ${longLead} with reset point >= 72 h before; start weekdays ${weekdays.size}/7, UTC start hours ${hours.size}/24`,
);
shifts.sort((a, b) => a - b);
const median = shifts[Math.floor(shifts.length / 2)] ?? 0;
console.log(
  `depletion vs expected-curve timing: median |shift| ${median.toFixed(1)} h, max ${maxShift.toFixed(1)} h; ` +
    `${lowFlow} depletions where expected spend was < 25% of the surrounding 24 h peak`,
);
if (failures.length > 0) {
  console.log(`\nFAILED (${failures.length}):`);
  for (const f of failures.slice(0, 60)) console.log(`  ${f}`);
  process.exit(1);
}
console.log('all invariants hold');
