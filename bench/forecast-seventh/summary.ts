// node --import tsx bench/forecast-seventh/summary.ts [--seeds 8]
// One line per history, a per-kind roll-up, and the corpus invariants (exit 1 on any failure).
import { performance } from 'node:perf_hooks';
import { FUTURE_MINUTES, depletionIndices, leadDays, resetIndex, riseIndices, validate } from './checks.js';
import { SEVENTH_KINDS, simulateSeventhDetail } from './corpus.js';

function parseSeeds(argv: readonly string[]): number {
  const i = argv.indexOf('--seeds');
  const v = i >= 0 ? Number(argv[i + 1]) : 8;
  if (!Number.isInteger(v) || v < 1) throw new Error('--seeds needs a positive integer');
  return v;
}

interface Roll {
  histories: number;
  depleted: number;
  depletions: number;
  leads: number[];
  realised: number;
  expected: number;
  redraws: number;
  days: number[];
}

const seeds = parseSeeds(process.argv.slice(2));
const t0 = performance.now();
let failures = 0;
const rolls = new Map<string, Roll>();

for (const spec of SEVENTH_KINDS) {
  const roll: Roll = { histories: 0, depleted: 0, depletions: 0, leads: [], realised: 0, expected: 0, redraws: 0, days: [] };
  rolls.set(spec.name, roll);
  for (let seed = 0; seed < seeds; seed++) {
    let d;
    try {
      d = simulateSeventhDetail(spec.name, seed);
    } catch (e) {
      failures++;
      console.log(`FAIL ${spec.name}#${seed}: ${(e as Error).message}`);
      continue;
    }
    const { history, expectedCum, start } = d;
    const rows = history.rows;
    const errs = validate(history, expectedCum, start, spec.depletes);
    const L = expectedCum.length - FUTURE_MINUTES - 1;
    const deps = depletionIndices(rows);
    const leads = leadDays(rows);
    const rises = riseIndices(rows);
    const resets = new Set(deps.map((i) => resetIndex(rows, i)).filter((i) => i > 0)).size;
    // honesty check: realised spend between consecutive positive readings without a rise, against expectedCum
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1]!;
      const b = rows[i]!;
      if (a.b <= 0 || b.b <= 0 || b.b > a.b) continue;
      roll.realised += a.b - b.b;
      roll.expected += expectedCum[Math.floor((b.t - start) / 60)]! - expectedCum[Math.floor((a.t - start) / 60)]!;
    }
    roll.histories++;
    roll.depleted += deps.length > 0 ? 1 : 0;
    roll.depletions += deps.length;
    roll.leads.push(...leads);
    roll.redraws += d.redraws;
    roll.days.push(L / 1440);
    const firstPositive = rows.find((r) => r.b > 0)?.b ?? 0;
    const money = d.topups.length;
    const startIso = new Date(start * 1000).toISOString().slice(0, 16).replace('T', ' ');
    console.log(
      [
        errs.length ? 'FAIL' : 'ok  ',
        history.name.padEnd(22),
        `${(L / 1440).toFixed(1).padStart(4)}d`,
        `from ${startIso}Z`,
        `start ${rows[0]!.b === 0 ? `0->${firstPositive}` : rows[0]!.b}`.padEnd(18),
        `depletions ${deps.length}`,
        `lead ${leads.length ? leads.map((x) => x.toFixed(1)).join('/') : '-'}`.padEnd(14),
        `top-ups ${money} (rises ${rises.length}, resets ${resets})`,
        `rows ${rows.length}`,
        d.redraws ? `redraws ${d.redraws}` : '',
        errs.join('; '),
      ].join('  '),
    );
    if (errs.length) failures++;
  }
}

console.log('\nkind                   depleting  hist  with-D  D-total  lead min/median(d)  lead<3d  days min-max  spend realised/expected  redraws');
let total = 0;
for (const spec of SEVENTH_KINDS) {
  const r = rolls.get(spec.name)!;
  const sorted = [...r.leads].sort((a, b) => a - b);
  const med = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : Number.NaN;
  total += r.depletions;
  console.log(
    [
      spec.name.padEnd(22),
      (spec.depletes ? 'yes' : 'no').padEnd(9),
      String(r.histories).padStart(5),
      String(r.depleted).padStart(7),
      String(r.depletions).padStart(8),
      `${sorted.length ? sorted[0]!.toFixed(1) : '-'} / ${Number.isNaN(med) ? '-' : med.toFixed(1)}`.padStart(19),
      String(sorted.filter((x) => x < 3).length).padStart(8),
      `${Math.min(...r.days).toFixed(1)}-${Math.max(...r.days).toFixed(1)}`.padStart(13),
      (r.expected > 0 ? (r.realised / r.expected).toFixed(3) : '-').padStart(24),
      String(r.redraws).padStart(8),
    ].join(' '),
  );
}
const secs = (performance.now() - t0) / 1000;
console.log(`\n${SEVENTH_KINDS.length} kinds x ${seeds} seeds, ${total} depletions, generated and checked in ${secs.toFixed(1)} s, ${failures} failure(s)`);
if (failures > 0) process.exitCode = 1;
