// Print one history, thinned: node --import tsx bench/forecast-eighth/inspect.ts <kind#seed> [everyMinutes]
import { depletions, simulateEighthDetailed } from './corpus.js';
import { HORIZON } from './kit.js';

const [name, every = '60'] = process.argv.slice(2);
const [kind, seed] = (name ?? '').split('#');
if (!kind || seed === undefined) { console.error('usage: inspect.ts <kind#seed> [everyMinutes]'); process.exit(2); }
const d = simulateEighthDetailed(kind, Number(seed));
const N = d.expectedCum.length - 1 - HORIZON;
const dep = new Set(depletions(d.history.rows));
console.log(`${d.history.name} start=${new Date(d.start * 1000).toISOString()} N=${N} opening=${d.opening.toFixed(4)} redraws=${d.redraws} problems=${d.problems.join('; ') || 'none'}`);
for (const x of d.moneyIn) console.log(`  money-in m=${x.m} (${(x.m / 1440).toFixed(2)}d) +${x.amount.toFixed(2)} ${x.why}`);
let next = 0;
d.history.rows.forEach((r, i) => {
  const m = Math.floor((r.t - d.start) / 60);
  if (m >= next || dep.has(i)) {
    console.log(`${new Date(r.t * 1000).toISOString()} m=${m} b=${r.b} expCum=${d.expectedCum[m]!.toFixed(2)}${dep.has(i) ? '  <-- depletion' : ''}`);
    next = m + Number(every);
  }
});
