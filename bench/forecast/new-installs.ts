/**
 * `npm run bench:new-installs [-- --seeds N]`: issue 9's "a brand-new install on a healthy wallet (runway over 4
 * days) sends no depletion_forecast in its first 24 h in any seed", on installs the main corpus does not hold:
 * new_install there spends the same every hour, from Monday 00:00. Here (30 h each, the first 24 h checked):
 * - business_open: a business (08–18 UTC weekdays, nights at 1–5 %, weekends half that) installed at a random
 *   minute of its open hours on a random weekday, its money lasting 97–150 h by the calendar, so 40–60 h at
 *   its open-hours rate: its first minutes look like a wallet with a day or two left;
 * - evening_peak: consumer traffic peaking at 20:00 UTC (quiet at 04:00), installed at a random hour, 97–150 h.
 * Charges 0.05–20 a minute (few and large to many and small), as the main corpus's. Prints, per kind, how many
 * seeds sent a depletion_forecast in their first 24 h and the first few of them.
 */
import { benchConfig } from './ours.js';
import { DAY_MS, history, HOUR_MS, MINUTE_MS, unitFor, type Kind } from './corpus.js';
import { balanceOf, businessDay, eventsPerMinute, hourOfDay, kind, sizedToEmpty, weekday } from './kinds.js';
import { runHistory } from './run.js';

const KINDS: readonly Kind[] = [
  kind('business_open', 'a business installed in its open hours, 97–150 h of money by the calendar', (n, t0) => {
    const at = t0 + n.int(0, 4) * DAY_MS + n.int(8, 17) * HOUR_MS + n.int(0, 59) * MINUTE_MS;
    const night = n.between(0.01, 0.05);
    const shape = businessDay(night, (t) => !weekday(t));
    const start = balanceOf(n);
    const runwayH = n.between(97, 150);
    const rate = sizedToEmpty(shape, start, at + runwayH * HOUR_MS, at);
    return { description: `installed ${new Date(at).toISOString()}, ${runwayH.toFixed(0)} h of money, ${(start / rate(at)).toFixed(0)} h at the install's rate`, days: 1.25, t0: at, start, rate, unit: unitFor(rate(at), eventsPerMinute(n)) };
  }, 'quiet-first-24h'),
  kind('evening_peak', 'consumer traffic peaking at 20:00 UTC, installed at a random hour, 97–150 h of money', (n, t0) => {
    const at = t0 + n.int(0, 6) * DAY_MS + n.int(0, 23) * HOUR_MS + n.int(0, 59) * MINUTE_MS;
    const shape = (t: number): number => 0.15 + Math.exp(-(((((hourOfDay(t) + (t % HOUR_MS) / HOUR_MS - 20 + 36) % 24) - 12) / 3) ** 2) / 2);
    const start = balanceOf(n);
    const runwayH = n.between(97, 150);
    const rate = sizedToEmpty(shape, start, at + runwayH * HOUR_MS, at);
    return { description: `installed ${new Date(at).toISOString()}, ${runwayH.toFixed(0)} h of money, ${(start / rate(at)).toFixed(0)} h at the install's rate`, days: 1.25, t0: at, start, rate, unit: unitFor(start / runwayH, eventsPerMinute(n)) };
  }, 'quiet-first-24h'),
];

const arg = process.argv.indexOf('--seeds');
const seeds = arg > 0 ? Number(process.argv[arg + 1]) : 100;
if (!Number.isInteger(seeds) || seeds < 1) {
  process.stderr.write('--seeds: a positive integer\n');
  process.exit(64);
}
const cfg = benchConfig();
// Split by the runway at the install's own rate: under twice the critical horizon, the first hours cannot tell
// the wallet from one that truly runs dry in a day (a Friday-evening install of a business whose weekend is
// quiet); any forecast without the pattern pages there.
const atInstall = (description: string): number => Number(/, (\d+) h at the install's rate/.exec(description)?.[1]);
for (const k of KINDS) {
  const groups = { 'under 48 h at the install\'s rate': { n: 0, failed: [] as string[] }, '48 h or more at the install\'s rate': { n: 0, failed: [] as string[] } };
  for (let s = 1; s <= seeds; s++) {
    const r = runHistory(history(k, 'tuning', s), cfg);
    const g = atInstall(r.description) < 48 ? groups['under 48 h at the install\'s rate'] : groups['48 h or more at the install\'s rate'];
    g.n++;
    if (r.check && !r.check.pass) g.failed.push(`${r.name} (${r.description}): ${r.check.detail}`);
  }
  for (const [what, g] of Object.entries(groups)) {
    process.stdout.write(`${k.name}, ${what}: ${g.failed.length} of ${g.n} seeds sent a depletion_forecast in their first 24 h\n`);
    for (const f of g.failed.slice(0, 3)) process.stdout.write(`  ${f}\n`);
  }
}
