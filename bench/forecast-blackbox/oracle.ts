/**
 * Diagnostic, not a benchmark of ours: could ANY runway-threshold forecast meet issue 9's targets on the
 * corpora written without reading ours (this folder's, bench/forecast-third's … -eighth's)?
 *   npm run bench:forecast-blackbox-oracle [-- --corpus blackbox|third|fourth|fifth|sixth|seventh|eighth] [--seeds N] [--per-kind MARGIN]
 * The oracle knows each history's expected spend exactly (the corpus's own expected-spend curve: every
 * rate × its mean price, scheduled charges such as rentals, blasts and batch jobs included), but not the draws
 * (the charges; on the third corpus also the daily and slow traffic factors) nor top-ups and refunds. It fires a severity when the
 * runway at that expected spend is under the horizon × (1 + margin) and resolves 5 % above that, as
 * bench/forecast/oracle.ts does for our own corpus. It is scored by this folder's scoring, next to
 * predict_linear and static, so its rows compare with `main.ts --corpus …`; on the third corpus it also
 * fires at z standard deviations of the spend over the horizon (as its engine draws it). Nothing that learns from the
 * past knows more of the future than this, so where no margin meets the targets here, no forecast alerting on
 * a runway threshold can.
 */
import { predictLinearNotes, staticNotes } from './baselines.js';
import { CORPORA } from './corpora.js';
import { oracleNotes } from './oracle-rule.js';
import { addScores, emptyScore, scoreHistory, type Score } from './scoring.js';

const MARGINS = [-0.05, 0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25];
/** Margins of z standard deviations of the spend over the horizon (its charges, the daily factor, the slow wobble). */
const ZS = [0.5, 1, 1.5, 2, 3];
/** The finer grid each severity's margin is drawn from when the two need not share one. */
const PAIR_MARGINS = [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.125, 0.15, 0.2, 0.25];

const fa = (s: Score): number => s.falseWarning + s.falseCritical;
const pct = (m: number): string => `${m >= 0 ? '+' : ''}${(m * 100).toFixed(1)} %`;
const row = (label: string, s: Score): string =>
  `| ${label} | ${s.missed} | ${s.warned72} of ${s.warnEligible} | ${s.crit24} of ${s.critEligible} | ${fa(s)} (${s.falseWarning} + ${s.falseCritical}) |`;

function main(): void {
  const args = process.argv.slice(2);
  const value = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const seeds = Number(value('--seeds') ?? 8);
  const corpus = value('--corpus') ?? 'third';
  const perKind = value('--per-kind') === undefined ? null : Number(value('--per-kind'));
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error('--seeds takes a whole number ≥ 1');
  if (!Object.hasOwn(CORPORA, corpus)) throw new Error(`--corpus takes ${Object.keys(CORPORA).join(', ')}`);
  if (perKind !== null && !Number.isFinite(perKind)) throw new Error('--per-kind takes a margin as a fraction, e.g. 0.05');
  const totals = new Map<string, Score>();
  const byKind = new Map<string, Score>();
  const pairs = new Map<string, Score>();
  const add = (map: Map<string, Score>, key: string, s: Score) => map.set(key, addScores(map.get(key) ?? emptyScore(), s));
  let histories = 0;
  for (const h of CORPORA[corpus as keyof typeof CORPORA](seeds)) {
    histories++;
    const { start, cum, spread } = h.expected();
    add(totals, 'predict_linear', scoreHistory(h.rows, predictLinearNotes(h.rows)).score);
    add(totals, 'static', scoreHistory(h.rows, staticNotes(h.rows)).score);
    for (const m of MARGINS) {
      const s = scoreHistory(h.rows, oracleNotes(h.rows, start, cum, m, spread)).score;
      add(totals, `oracle ${pct(m)}`, s);
      if (perKind !== null && Math.abs(m - perKind) < 1e-9) add(byKind, h.kind, s);
    }
    if (spread) for (const z of ZS) add(totals, `oracle ${z} σ`, scoreHistory(h.rows, oracleNotes(h.rows, start, cum, { z }, spread)).score);
    // every pair of a warning margin and a critical margin (the two severities need not share one)
    const w = PAIR_MARGINS.map((m) => oracleNotes(h.rows, start, cum, m, null, 'warning'));
    const c = PAIR_MARGINS.map((m) => oracleNotes(h.rows, start, cum, m, null, 'critical'));
    w.forEach((wn, i) => c.forEach((cn, j) => add(pairs, `${i}/${j}`, scoreHistory(h.rows, [...wn, ...cn].sort((a, b) => a.t - b.t)).score)));
  }
  const pl = totals.get('predict_linear')!;
  const limit = 2 * fa(totals.get('static')!);
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${x}`;
  const leadsMet = (s: Score) => s.missed === 0 && s.warned72 >= pl.warned72 && s.crit24 >= pl.crit24;
  const meetsAll = (s: Score) => leadsMet(s) && fa(s) <= limit && fa(s) < fa(pl);
  const out = [
    `Corpus ${corpus}, ${seeds} seeds per kind, ${histories} histories; the oracle knows the expected spend.`,
    '',
    '| method | missed | warned ≥ 72 h | critical ≥ 24 h | false alarms (warning + critical) |',
    '|---|---:|---:|---:|---:|',
    ...[...totals].map(([label, s]) => row(label, s)),
    '',
    `Targets: warned ≥ ${pl.warned72}, critical ≥ ${pl.crit24}, false alarms ≤ ${limit} (2 × static) and < ${fa(pl)}.`,
    ...[...totals].filter(([l]) => l.startsWith('oracle')).map(([l, s]) => {
      return `${l}: ${meetsAll(s) ? 'meets every target' : 'fails'} (warned ${signed(s.warned72 - pl.warned72)}, critical ${signed(s.crit24 - pl.crit24)}, false alarms ${signed(fa(s) - limit)} against the limit)`;
    }),
  ];
  const meets = [...pairs].filter(([, s]) => meetsAll(s));
  const [best] = [...pairs].filter(([, s]) => leadsMet(s)).sort((a, b) => fa(a[1]) - fa(b[1]));
  const label = (key: string) => key.split('/').map((i, k) => `${k ? 'critical' : 'warning'} ${pct(PAIR_MARGINS[Number(i)]!)}`).join(', ');
  out.push(
    '',
    `Pairs of a warning and a critical margin (${PAIR_MARGINS.length} × ${PAIR_MARGINS.length}, from ${pct(0)} to ${pct(PAIR_MARGINS.at(-1)!)}): ${meets.length} meet every target.`,
    best
      ? `Fewest false alarms with both lead targets met: ${label(best[0])}: warned ${best[1].warned72}, critical ${best[1].crit24}, false alarms ${fa(best[1])} (${best[1].falseWarning} + ${best[1].falseCritical}; limit ${limit}).`
      : 'No pair meets both lead targets.',
  );
  if (perKind !== null) {
    out.push('', `Per kind at ${pct(perKind)}:`, '', '| kind | missed | warned ≥ 72 h | critical ≥ 24 h | false alarms |', '|---|---:|---:|---:|---:|');
    for (const [k, s] of byKind) out.push(row(k, s));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
