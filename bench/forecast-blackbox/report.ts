// Markdown output: totals per method, per kind per method, issue 9's targets as PASS/FAIL lines.
import { addScores, emptyScore, type DepletionLeads, type Note, type Score, type Verdict } from './scoring.js';

export const METHODS = ['wallet-sentinel', 'predict_linear', 'static'] as const;
export type Method = (typeof METHODS)[number];

export interface HistoryResult {
  kind: string;
  name: string;
  start: number;
  scores: Record<Method, Score>;
  verdicts: Record<Method, Verdict[]>;
  leads: Record<Method, DepletionLeads[]>;
  ours: Note[];
}

const HEAD = '| | depletions | missed | warned ≥ 72 h | critical ≥ 24 h | false alarms (warning + critical) | alarms |\n|---|---|---|---|---|---|---|';

function row(label: string, s: Score): string {
  const fa = s.falseWarning + s.falseCritical;
  return `| ${label} | ${s.depletions} | ${s.missed} | ${s.warned72} of ${s.warnEligible} | ${s.crit24} of ${s.critEligible} | ${fa} (${s.falseWarning} + ${s.falseCritical}) | ${s.alarms} |`;
}

export function totals(results: readonly HistoryResult[], method: Method): Score {
  return results.reduce((acc, r) => addScores(acc, r.scores[method]), emptyScore());
}

export interface Target {
  ok: boolean;
  text: string;
}

export function targets(results: readonly HistoryResult[]): Target[] {
  const [o, p, s] = METHODS.map((m) => totals(results, m)) as [Score, Score, Score];
  const fa = (x: Score): number => x.falseWarning + x.falseCritical;
  const out: Target[] = [
    { ok: o.missed === 0, text: `wallet-sentinel misses 0 depletions (misses ${o.missed} of ${o.depletions})` },
    { ok: fa(o) < fa(p), text: `false alarms fewer than predict_linear's (${fa(o)} vs ${fa(p)})` },
    { ok: fa(o) <= 2 * fa(s), text: `false alarms at most twice static's (${fa(o)} vs 2 × ${fa(s)} = ${2 * fa(s)})` },
    { ok: o.warned72 >= p.warned72, text: `warned ≥ 72 h at least as often as predict_linear (${o.warned72} of ${o.warnEligible} vs ${p.warned72} of ${p.warnEligible})` },
    { ok: o.crit24 >= p.crit24, text: `critical ≥ 24 h at least as often as predict_linear (${o.crit24} of ${o.critEligible} vs ${p.crit24} of ${p.critEligible})` },
  ];
  // the two kinds' own checks, on the corpora that have them (the fourth to eighth name their kinds their own way)
  const fresh = results.filter((r) => r.kind === 'fresh_healthy');
  const early = fresh.filter((r) => r.ours.some((n) => n.status === 'firing' && n.t < r.start + 24 * 3600));
  if (fresh.length > 0) out.push({
    ok: early.length === 0,
    text: `fresh healthy install: no depletion_forecast in the first 24 h (${fresh.length - early.length} of ${fresh.length} seeds clean${early.length ? `; fired: ${early.map((r) => r.name).join(', ')}` : ''})`,
  });
  const dry = results.filter((r) => r.kind === 'dry_12h');
  const paged = dry.filter((r) => r.ours.some((n) => n.status === 'firing' && n.severity === 'critical' && n.t <= r.start + 3600));
  if (dry.length > 0) out.push({
    ok: paged.length === dry.length,
    text: `12-h-dry wallet: critical within the first hour (${paged.length} of ${dry.length} seeds${paged.length < dry.length ? `; late or never: ${dry.filter((r) => !paged.includes(r)).map((r) => r.name).join(', ')}` : ''})`,
  });
  return out;
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace('.000Z', 'Z');
}

export function render(results: readonly HistoryResult[], opts: { cli: string; verbose: boolean; corpus: string }): string {
  const kinds = [...new Set(results.map((r) => r.kind))];
  const deps = totals(results, 'wallet-sentinel').depletions;
  const lines: string[] = [
    `# Black-box forecast benchmark (corpus: ${opts.corpus})`,
    '',
    `${results.length} histories, ${kinds.length} kinds, ${deps} depletions; CLI: \`${opts.cli}\``,
    '',
    '## Totals',
    '',
    HEAD,
    ...METHODS.map((m) => row(m, totals(results, m))),
    '',
    `Leads won by a false alarm (the alert behind the lead began with an alarm that was not justified; a diagnostic, not one of issue 9's numbers): ${METHODS.map((m) => {
      const t = totals(results, m);
      return `${m} ${t.warned72ByFalse} of ${t.warned72} warned, ${t.crit24ByFalse} of ${t.crit24} critical`;
    }).join('; ')}.`,
    '',
    '## Targets (issue 9)',
    '',
    ...targets(results).map((t) => `- ${t.ok ? 'PASS' : 'FAIL'} ${t.text}`),
  ];
  for (const m of METHODS) {
    lines.push('', `## Per kind: ${m}`, '', HEAD.replace('| |', '| kind |'));
    for (const k of kinds) lines.push(row(k, totals(results.filter((r) => r.kind === k), m)));
  }
  if (opts.verbose) {
    const h = (x: number | null): string => (x === null ? 'none' : `${(x / 3600).toFixed(1)} h`);
    lines.push('', '## Every depletion (leads: warning-or-critical / critical)', '');
    for (const r of results) {
      for (const m of METHODS) {
        for (const d of r.leads[m]) {
          lines.push(`- ${r.name} ${m} D ${iso(d.d)} (U + ${((d.d - d.u) / 3600).toFixed(1)} h): lead ${h(d.any)} / ${h(d.critical)}`);
        }
      }
    }
    lines.push('', '## Every alarm', '');
    for (const r of results) {
      for (const m of METHODS) {
        for (const v of r.verdicts[m]) {
          lines.push(`- ${r.name} ${m} ${v.severity} at ${iso(v.t)} (+${((v.t - r.start) / 3600).toFixed(1)} h) ${v.justified ? 'justified' : 'FALSE'} [${v.id}]`);
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
