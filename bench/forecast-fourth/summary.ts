// Prints the fourth corpus and checks its invariants; exits 1 if one fails.
// usage: node --import tsx bench/forecast-fourth/summary.ts [--seeds 8]
import { FOURTH_DEPLETIONS, FOURTH_KIND_NAMES, simulateFourth, type Row } from './corpus.js';

const CHECK_SEEDS = 16; // invariants are always checked on seeds 0..15 (or more if asked)
const TARGET_TOLERANCE_H = 24; // noise may move a depletion by hours (across one night at most)

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

interface Depletion { i: number; sinceResetH: number }
function depletions(rows: Row[]): Depletion[] {
  const out: Depletion[] = [];
  let reset = rows[0]?.t ?? 0;
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1];
    const cur = rows[i];
    if (!prev || !cur) continue;
    if (cur.b > prev.b && cur.b - prev.b >= 0.5 * prev.b) reset = cur.t; // top-up adding >= half the balance
    if (cur.b <= 0 && prev.b > 0) out.push({ i, sinceResetH: (cur.t - reset) / 3600 });
  }
  return out;
}

const seeds = arg('--seeds', 8);
const checkSeeds = Math.max(seeds, CHECK_SEEDS);
const failures: string[] = [];
const fail = (msg: string): void => { failures.push(msg); };
const weekdays = new Set<number>();
const hours = new Set<number>();
let histories = 0;
let totalDays = 0;
let quiet = 0;
const sinceReset: number[] = [];
const t0 = Date.now();
const WD = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

console.log('history                   start(UTC)        days   rows  first -> last         gaps min/max   depletions (h since reset point, h vs intended)');
for (const kind of FOURTH_KIND_NAMES) {
  const want = FOURTH_DEPLETIONS[kind] ?? -1;
  for (let seed = 0; seed < checkSeeds; seed++) {
    const h = simulateFourth(kind, seed);
    const rows = h.rows;
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (!first || !last) { fail(`${h.name}: no rows`); continue; }
    histories++;
    let minGap = Infinity;
    let maxGap = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!r) continue;
      if (!Number.isInteger(r.t)) fail(`${h.name}: t not integer at ${i}`);
      if (!Number.isFinite(r.b) || r.b < 0) fail(`${h.name}: bad balance ${r.b} at ${i}`);
      const p = rows[i - 1];
      if (p) {
        const g = r.t - p.t;
        if (g <= 0) fail(`${h.name}: t not strictly increasing at ${i}`);
        minGap = Math.min(minGap, g);
        maxGap = Math.max(maxGap, g);
      }
    }
    const days = (last.t - first.t) / 86400;
    totalDays += days;
    const startDate = new Date(first.t * 1000);
    weekdays.add(startDate.getUTCDay());
    hours.add(startDate.getUTCHours());
    if (days < 2.99 || days > 14.01) fail(`${h.name}: ${days.toFixed(2)} days`);
    if (startDate.getUTCFullYear() !== 2026) fail(`${h.name}: starts outside 2026`);
    if (minGap < 50) fail(`${h.name}: readings ${minGap}s apart`);
    if (maxGap > 10.5 * 3600) fail(`${h.name}: gap of ${(maxGap / 3600).toFixed(1)} h`);
    const deps = depletions(rows);
    if (deps.length !== want) fail(`${h.name}: ${deps.length} depletions, intended ${want}`);
    if (h.targets.length !== want) fail(`${h.name}: ${h.targets.length} targets, intended ${want}`);
    if (deps.length === 0) quiet++;
    const described = deps.map((d, k) => {
      const r = rows[d.i];
      const target = h.targets[k];
      const off = r && target !== undefined ? (r.t - target) / 3600 : NaN;
      if (!(Math.abs(off) <= TARGET_TOLERANCE_H)) fail(`${h.name}: depletion ${k + 1} is ${off.toFixed(1)} h from its target`);
      sinceReset.push(d.sinceResetH);
      return `${d.sinceResetH.toFixed(1)}h (${off >= 0 ? '+' : ''}${off.toFixed(1)})`;
    });
    if (seed === 0) {
      const again = simulateFourth(kind, seed);
      if (JSON.stringify(again.rows) !== JSON.stringify(rows)) fail(`${h.name}: not deterministic`);
    }
    if (seed < seeds) {
      const start = `${WD[startDate.getUTCDay()]} ${startDate.toISOString().slice(5, 16).replace('T', ' ')}`;
      console.log(
        `${h.name.padEnd(25)} ${start.padEnd(16)} ${days.toFixed(2).padStart(6)} ${String(rows.length).padStart(6)}  `
        + `${first.b.toFixed(2).padStart(8)} -> ${last.b.toFixed(2).padEnd(9)} ${String(minGap).padStart(4)}s/${(maxGap / 3600).toFixed(1).padStart(4)}h   `
        + (described.length ? described.join(', ') : '-'),
      );
    }
  }
}
if (weekdays.size < 5) fail(`starts cover only ${weekdays.size} weekdays`);
if (hours.size < 12) fail(`starts cover only ${hours.size} UTC hours`);

const ge = (h: number): number => sinceReset.filter((x) => x >= h).length;
console.log(`\nchecked ${histories} histories (${FOURTH_KIND_NAMES.length} kinds x ${checkSeeds} seeds) in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${totalDays.toFixed(0)} days`);
console.log(`depletions: ${sinceReset.length}; with reset point >= 72 h before: ${ge(72)}, >= 24 h: ${ge(24)}; histories without depletion: ${quiet}`);
console.log(`start weekdays seen: ${weekdays.size}/7, start UTC hours seen: ${hours.size}/24`);
if (failures.length) {
  console.log(`\n${failures.length} invariant failure(s):`);
  for (const f of failures.slice(0, 50)) console.log(`  FAIL ${f}`);
  process.exit(1);
}
console.log('all invariants hold');
