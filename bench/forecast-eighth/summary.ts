// Summary + invariant check for the eighth corpus.
//   node --import tsx bench/forecast-eighth/summary.ts [--seeds N] [--quiet]
import { EIGHTH_KINDS, depletions, resetPoint, simulateEighthDetailed } from './corpus.js';
import { HORIZON } from './kit.js';

const args = process.argv.slice(2);
const si = args.indexOf('--seeds');
const seeds = si >= 0 ? Number(args[si + 1]) : 8;
const quiet = args.includes('--quiet');
if (!Number.isInteger(seeds) || seeds < 1) {
  console.error('usage: summary.ts [--seeds N] [--quiet]');
  process.exit(2);
}

const t0 = process.hrtime.bigint();
let failures = 0;
const roll: string[] = [];
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const q = (xs: number[], f: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
};

for (const k of EIGHTH_KINDS) {
  const ratios: number[] = [], firstRun: number[] = [], days: number[] = [];
  let depleted = 0, deps = 0, money = 0, redraws = 0, rows = 0, bad = 0;
  for (let s = 0; s < seeds; s++) {
    const d = simulateEighthDetailed(k.name, s);
    const h = d.history, rs = h.rows;
    const N = d.expectedCum.length - 1 - HORIZON;
    const ratio = d.demand / d.expectedCum[N]!;
    const dl = depletions(rs);
    const runs = dl.map((i) => (rs[i]!.t - rs[resetPoint(rs, i)]!.t) / 86400);
    ratios.push(ratio); days.push(N / 1440);
    if (runs.length > 0) { depleted++; firstRun.push(runs[0]!); }
    deps += dl.length; money += d.moneyIn.length; redraws += d.redraws; rows += rs.length;
    if (d.problems.length > 0) { bad++; failures++; }
    if (!quiet || d.problems.length > 0) {
      console.log([
        pad(h.name, 20), `${(N / 1440).toFixed(2)}d`, new Date(d.start * 1000).toISOString().slice(0, 16) + 'Z',
        `open=${rs[0]!.b.toFixed(2)}`, `dep=${dl.length}${runs.length ? ' [' + runs.map((x) => x.toFixed(2)).join(',') + ']d' : ''}`,
        `in=${d.moneyIn.length}`, `rows=${rs.length}`, `spend/exp=${ratio.toFixed(3)}`, d.redraws ? `redraw=${d.redraws}` : '',
        d.problems.length ? `FAIL: ${d.problems.join('; ')}` : '',
      ].filter(Boolean).join('  '));
    }
  }
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  roll.push([
    pad(k.name, 17), k.dry ? 'dry ' : 'wet ', `depleted ${depleted}/${seeds}`, `deps ${pad(String(deps), 3)}`,
    `U->D1 med ${Number.isNaN(q(firstRun, 0.5)) ? '  -  ' : q(firstRun, 0.5).toFixed(2)}d [${firstRun.length ? Math.min(...firstRun).toFixed(1) + '..' + Math.max(...firstRun).toFixed(1) : '-'}]`,
    `spend/exp mean ${mean.toFixed(3)} [${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)}]`,
    `days ${Math.min(...days).toFixed(1)}..${Math.max(...days).toFixed(1)}`, `money-in ${money}`, `rows ${rows}`, `redraws ${redraws}`,
    bad ? `FAILED ${bad}` : 'ok',
  ].join('  '));
}

console.log('\nper-kind roll-up');
for (const line of roll) console.log(line);
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`\n${EIGHTH_KINDS.length} kinds x ${seeds} seeds, ${failures} failing histories, ${secs.toFixed(1)} s`);
process.exit(failures > 0 ? 1 : 0);
