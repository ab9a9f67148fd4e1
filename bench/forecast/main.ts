/**
 * `npm run bench:forecast [-- --seed N] [-- --verbose] [-- --csv DIR]`
 *
 * Replays every history of the corpus through wallet-sentinel's own pipeline (`replay()`, the code
 * `backtest` and the daemon run) and through the two baselines (predict_linear, static thresholds),
 * scores all three the same way (see metrics.ts for the definitions, printed under the table) and
 * prints Markdown tables, the totals line and PASS/FAIL lines for the targets. Deterministic: the same
 * seed gives the same tables (only the replay-time table varies from run to run).
 *
 * Ours is read per row, not only from the notifications: a de-escalation (critical → warning) is silent
 * by design, so "was a critical alert firing at the minute before the depletion?" needs each row's
 * conditions. The loop that reads them is replay()'s own loop (observe() row by row); its notifications
 * are checked to be identical to replay()'s, so both describe the same run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replay } from '../../src/backtest/replay.js';
import type { Row } from '../../src/backtest/input.js';
import type { RuleSettings } from '../../src/config/settings.js';
import { INITIAL_ACCOUNT_STATE } from '../../src/domain/account.js';
import type { Notification } from '../../src/domain/alerts.js';
import { observe, repeatPolicy, type EvaluationConfig } from '../../src/domain/evaluate.js';
import type { Forecast } from '../../src/domain/forecast.js';
import {
  predictLinearTrack,
  sizedStaticTrack,
  staticTrack,
  STATIC_CRITICAL_CREDITS,
  STATIC_WARNING_CREDITS,
  type SeverityTrack,
} from './baselines.js';
import { corpus, DAY_MS, DEFAULT_SEED, HOUR_MS, T0, type BenchHistory } from './corpus.js';
import { cumulativeDrops, median, score, type Score } from './metrics.js';
import { DEFAULT_RULES } from '../../test/helpers/fixtures.js';

// ---------------------------------------------------------------- wallet-sentinel's settings

export const RULES: RuleSettings = DEFAULT_RULES;
export const CONFIG: EvaluationConfig = {
  account: 'bench',
  rules: RULES,
  repeat: repeatPolicy({ repeatIntervalMs: 4 * 3600e3, repeatRunwayFraction: 0 }),
};
/** The replay-time target, for a 14-day history at 1-minute resolution. */
const REPLAY_BUDGET_MS = 1000;

// ---------------------------------------------------------------- running

const METHODS = ['ours', 'predict_linear', 'static', 'static_sized'] as const;
type Method = (typeof METHODS)[number];

interface Result {
  h: BenchHistory;
  replayMs: number;
  notifications: Notification[];
  scores: Record<Method, Score>;
  anomalyStarts: number[];
  /** Ours: the forecast at the first row of each depletion_forecast episode, by row index. */
  episodeForecasts: Map<number, Forecast>;
}

/**
 * Why ours' episode started, read off the forecast at its first row:
 *   band    the central runway was above the threshold; the pessimistic band (short history) fired it;
 *   burst   the 1 h rate took over (rate method: > 3× the longest window; profile: > 2× expected);
 *   profile the weekly-profile runway (after a full week of history);
 *   rate    the longest window rate (before a week of history).
 */
export type Cause = 'band' | 'burst' | 'profile' | 'rate';
export const CAUSES: readonly Cause[] = ['band', 'burst', 'profile', 'rate'];

export function cause(f: Forecast, thresholdS: number, balance: number): Cause {
  if (f.runwaySeconds >= thresholdS && f.alertRunwaySeconds < thresholdS) return 'band';
  const r1h = f.rates['1h'];
  const longest = [f.rates['24h'], f.rates['6h'], r1h].find((r) => Number.isFinite(r)) ?? 0;
  // the 1 h rate was taken over, and it is what set the runway
  const burst =
    Number.isFinite(r1h) && r1h > 0 && f.burnRatePerHour === r1h && (f.method === 'profile' || r1h > 3 * longest) && Math.abs(f.runwaySeconds - (balance / r1h) * 3600) < 1;
  if (burst) return 'burst';
  return f.method === 'profile' ? 'profile' : 'rate';
}

function episodeCause(r: Result, row: number, startsCritical: boolean): Cause {
  return cause(r.episodeForecasts.get(row)!, (startsCritical ? RULES.runwayCriticalHours : RULES.runwayWarningHours) * 3600, r.h.rows[row]!.balance);
}

/** replay()'s loop, reading each row's depletion_forecast severity and the notifications. */
function oursTrack(rows: readonly Row[]): { track: SeverityTrack; notifications: Notification[]; episodeForecasts: Map<number, Forecast> } {
  const track = new Int8Array(rows.length);
  const notifications: Notification[] = [];
  const episodeForecasts = new Map<number, Forecast>();
  let state = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const obs = observe(state, { ok: true, status: 200, balance: row.balance, currency: null, requiredCredits: null }, row.t, CONFIG);
    state = obs.state;
    const sev = obs.conditions.depletion_forecast;
    track[i] = sev === 'critical' ? 2 : sev === 'warning' ? 1 : 0;
    if (track[i] !== 0 && (i === 0 || track[i - 1] === 0)) episodeForecasts.set(i, obs.forecast);
    notifications.push(...obs.notifications);
  }
  return { track, notifications, episodeForecasts };
}

function run(h: BenchHistory): Result {
  const notifications: Notification[] = [];
  const started = performance.now();
  replay(h.rows, CONFIG, (n) => notifications.push(n));
  const replayMs = performance.now() - started;

  const ours = oursTrack(h.rows);
  if (JSON.stringify(ours.notifications) !== JSON.stringify(notifications)) {
    throw new Error(`${h.name}: the per-row loop disagrees with replay(); the bench no longer mirrors src/backtest/replay.ts`);
  }
  const cum = cumulativeDrops(h.rows);
  return {
    h,
    replayMs,
    notifications,
    scores: {
      ours: score(h.rows, h.topups, ours.track, cum),
      predict_linear: score(h.rows, h.topups, predictLinearTrack(h.rows), cum),
      static: score(h.rows, h.topups, staticTrack(h.rows), cum),
      static_sized: score(h.rows, h.topups, sizedStaticTrack(h.rows), cum),
    },
    anomalyStarts: notifications.filter((n) => n.alertname === 'spend_anomaly' && n.reason === 'start').map((n) => n.startsAt),
    episodeForecasts: ours.episodeForecasts,
  };
}

// ---------------------------------------------------------------- formatting

/** "d5 18:02": day since the start (day 0 = Monday 2024-03-04) and UTC time. */
export function when(t: number): string {
  const d = Math.floor((t - T0) / DAY_MS);
  const hhmm = new Date(t).toISOString().slice(11, 16);
  return `d${d} ${hhmm}`;
}
const hours = (ms: number): string => (ms / HOUR_MS).toFixed(1);
const triple = (f: (m: Method) => string | number): string => METHODS.map((m) => String(f(m))).join(' / ');
const table = (header: string[], rows: string[][]): string =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function anomalyPass(r: Result): boolean {
  return r.h.anomalyExpected ? r.anomalyStarts.length > 0 : r.anomalyStarts.length === 0;
}

function hitCell(r: Result, kind: 'warned72' | 'critical24'): string {
  const elig = r.scores.ours.depletions.filter((d) => (kind === 'warned72' ? d.eligible72 : d.eligible24)).length;
  if (r.scores.ours.depletions.length === 0) return '—';
  if (elig === 0) return 'n/e';
  const hits = (m: Method) => r.scores[m].depletions.filter((d) => (kind === 'warned72' ? d.eligible72 : d.eligible24) && d[kind]).length;
  return `${triple(hits)} of ${elig}`;
}

/** Which pipeline produced the figures: a digest of src/domain/*.ts (others edit src/ in parallel). */
function domainDigest(): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../src/domain');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts')).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  return hash.digest('hex').slice(0, 12);
}

function print(results: Result[], seed: number, verbose: boolean): boolean {
  const out: string[] = [];
  out.push(`## Forecast benchmark (seed ${seed}, src/domain ${domainDigest()})`, '');
  out.push(
    table(
      ['History', 'Days', 'Rows', 'Start', 'Top-ups', 'Runs out', 'Description'],
      results.map((r) => [
        r.h.name,
        String(r.h.days),
        String(r.h.rows.length),
        r.h.rows[0]!.balance.toFixed(0),
        String(r.h.topups.length),
        r.scores.ours.depletions.map((d) => when(d.t)).join(', ') || '—',
        r.h.description,
      ]),
    ),
    '',
  );

  const rowsOut = results.map((r) => {
    const s = r.scores;
    const dep = s.ours.depletions;
    return [
      r.h.name,
      String(dep.length),
      dep.length ? triple((m) => s[m].depletions.filter((d) => d.missed).length) : '—',
      dep.length ? triple((m) => s[m].depletions.map((d) => hours(d.leadMs)).join(',')) : '—',
      hitCell(r, 'warned72'),
      hitCell(r, 'critical24'),
      triple((m) => s[m].episodes.length),
      triple((m) => s[m].falseAlarms),
      triple((m) => s[m].unjudged),
      `${r.anomalyStarts.length}${r.anomalyStarts.length ? ` (${when(r.anomalyStarts[0]!)})` : ''} ${anomalyPass(r) ? 'PASS' : 'FAIL'}`,
    ];
  });
  const all = (m: Method) => results.flatMap((r) => r.scores[m].depletions);
  const sum = (m: Method, f: (s: Score) => number) => results.reduce((a, r) => a + f(r.scores[m]), 0);
  const elig72 = all('ours').filter((d) => d.eligible72).length;
  const elig24 = all('ours').filter((d) => d.eligible24).length;
  const depletions = all('ours').length;
  const missed = (m: Method) => all(m).filter((d) => d.missed).length;
  const falseAlarms = (m: Method) => sum(m, (s) => s.falseAlarms);
  const medianLead = (m: Method) => median(all(m).map((d) => d.leadMs));
  rowsOut.push([
    '**total**',
    String(depletions),
    triple(missed),
    `median ${triple((m) => hours(medianLead(m)))}`,
    `${triple((m) => all(m).filter((d) => d.eligible72 && d.warned72).length)} of ${elig72}`,
    `${triple((m) => all(m).filter((d) => d.eligible24 && d.critical24).length)} of ${elig24}`,
    triple((m) => sum(m, (s) => s.episodes.length)),
    triple(falseAlarms),
    triple((m) => sum(m, (s) => s.unjudged)),
    `${results.filter(anomalyPass).length}/${results.length} PASS`,
  ]);
  out.push(
    table(
      ['History', 'Depl.', 'Missed', 'Lead h', 'Warned ≥72h', 'Critical ≥24h', 'Episodes', 'False alarms', 'Unjudged', 'spend_anomaly'],
      rowsOut,
    ),
    '',
  );
  out.push(
    `Cells with four figures read **ours / predict_linear / static / static_sized**. ours = wallet-sentinel's depletion_forecast ` +
      `(warning < 72 h, critical < 24 h of runway, hysteresis 5 %); predict_linear = \`predict_linear(balance[6h], 72h|24h) < 0\` for 5m; ` +
      `static = balance < ${STATIC_WARNING_CREDITS} (warning) / < ${STATIC_CRITICAL_CREDITS} (critical) credits for 5m; ` +
      `static_sized = balance < 3 days (warning) / 1 day (critical) of the wallet's average daily spend, for 5m. ` +
      `"n/e": no depletion eligible (burn not visible that long before). spend_anomaly: ours' firings (first start), ` +
      `PASS when it fires on a burst/fraud history and stays quiet elsewhere.`,
    '',
    '- **Depletion**: the first minute the balance is ≤ 0 after being > 0; "at the depletion" is judged at the minute before it (at 0, depletion_forecast hands over to wallet_exhausted).',
    '- **Alert episode**: a firing period of depletion_forecast (ours) or of the baseline\'s warning-or-critical alert.',
    '- **Warned ≥72h**: a warning-or-critical episode firing continuously from ≥ 72 h before the depletion until it; counted only where the burn was visible that early (history start and last top-up ≥ 72 h before the depletion): hit of eligible.',
    '- **Critical ≥24h**: likewise with the critical severity and 24 h.',
    '- **Missed**: no critical alert firing at the minute before the depletion.',
    '- **Lead time**: depletion time − start of the episode (any severity) still firing at the minute before it; 0 if none. Totals: median over all depletions.',
    '- **False alarm**: an episode starting at t with balance b(t) whose following consumption (sum of balance drops; top-ups and refunds ignored) over 72 h — 24 h if it starts as critical — plus 10 % is below b(t): the wallet would not have run out in that window even without top-ups (the 10 % keeps a forecast that is right to within hours at the threshold from counting as false; it applies to every method). Episodes whose window runs past the end of the history are **unjudged**.',
    '',
  );

  const fourteen = results.filter((r) => r.h.days === 14);
  out.push(
    '### Replay time (replay() through the whole history; wall clock, varies by machine)',
    '',
    table(
      ['History', 'Rows', 'Replay ms'],
      results.map((r) => [r.h.name, String(r.h.rows.length), r.replayMs.toFixed(0)]),
    ),
    '',
  );

  const slowest = results.reduce((a, r) => (r.replayMs > a.replayMs ? r : a));
  out.push(
    `**Totals**: ${depletions} depletions · missed ${triple(missed)} · false alarms ${triple(falseAlarms)} · ` +
      `median lead time ${triple((m) => hours(medianLead(m)))} h · slowest replay ${slowest.replayMs.toFixed(0)} ms (${slowest.h.name}, ${slowest.h.rows.length} rows)`,
    '',
  );

  const byCause = (verdict: 'false' | 'all') =>
    CAUSES.map((c) => {
      const n = results.reduce(
        (a, r) => a + r.scores.ours.episodes.filter((e) => (verdict === 'all' || e.verdict === verdict) && episodeCause(r, e.start, e.startsCritical) === c).length,
        0,
      );
      return `${c} ${n}`;
    }).join(' · ');
  out.push(
    `**Ours' episodes by what started them** (band: the short-history pessimistic band, central runway above the threshold; ` +
      `burst: the 1 h rate took over; profile / rate: the central forecast): all ${byCause('all')}; false alarms ${byCause('false')}`,
    '',
  );

  const worst14 = fourteen.reduce((a, r) => Math.max(a, r.replayMs), 0);
  const targets: [boolean, string][] = [
    [missed('ours') === 0, `zero missed depletions for ours: ${missed('ours')} missed of ${depletions}`],
    [falseAlarms('ours') < falseAlarms('predict_linear'), `fewer false alarms than predict_linear: ${falseAlarms('ours')} vs ${falseAlarms('predict_linear')}`],
    [
      falseAlarms('ours') < falseAlarms('static') && falseAlarms('ours') < falseAlarms('static_sized'),
      `fewer false alarms than the static thresholds (fixed / sized): ${falseAlarms('ours')} vs ${falseAlarms('static')} / ${falseAlarms('static_sized')}`,
    ],
    [medianLead('ours') >= medianLead('predict_linear'), `median lead time ≥ predict_linear's: ${hours(medianLead('ours'))} h vs ${hours(medianLead('predict_linear'))} h`],
    [
      fourteen.length > 0 && worst14 < REPLAY_BUDGET_MS,
      `a 14-day 1-minute history replays in < ${REPLAY_BUDGET_MS} ms: slowest of ${fourteen.length} 14-day histories (${fourteen[0]?.h.rows.length ?? 0} rows) ${worst14.toFixed(0)} ms`,
    ],
    [results.every(anomalyPass), `spend_anomaly fires on burst/fraud only: ${results.filter(anomalyPass).length}/${results.length}`],
  ];
  for (const [ok, text] of targets) out.push(`- ${ok ? 'PASS' : 'FAIL'} ${text}`);

  if (verbose) {
    out.push('', '### Episodes (verbose)');
    for (const r of results) {
      out.push('', `#### ${r.h.name}`);
      for (const m of METHODS) {
        const eps = r.scores[m].episodes;
        out.push(`- ${m}: ${eps.length} episode(s)`);
        for (const e of eps) {
          const f = m === 'ours' ? r.episodeForecasts.get(e.start) : undefined;
          const why = f
            ? ` [${episodeCause(r, e.start, e.startsCritical)}: ${f.method}/${f.confidence}, rates 1h/6h/24h ${(['1h', '6h', '24h'] as const).map((w) => f.rates[w].toFixed(2)).join('/')}, ` +
              `central ${hours(f.runwaySeconds * 1000)} h, alert ${hours(f.alertRunwaySeconds * 1000)} h]`
            : '';
          out.push(
            `  - ${when(r.h.rows[e.start]!.t)} → ${e.end < r.h.rows.length ? when(r.h.rows[e.end]!.t) : 'end'} starts ${e.startsCritical ? 'critical' : 'warning'} at b=${e.balance.toFixed(2)}; ` +
              `consumed next ${e.startsCritical ? 24 : 72} h: ${e.consumed === null ? '—' : e.consumed.toFixed(2)} → ${e.verdict}${why}`,
          );
        }
      }
      for (const n of r.notifications) {
        out.push(`  - ${when(n.decidedAt)} ${n.alertname} ${n.status} ${n.reason} ${n.severity} b=${n.wallet.balance} runway=${n.wallet.runwaySeconds === null ? '∞' : hours(n.wallet.runwaySeconds * 1000)}h rate=${n.wallet.burnRatePerHour?.toFixed(2)}`);
      }
    }
  }
  console.log(out.join('\n'));
  return targets.every(([ok]) => ok);
}

// ---------------------------------------------------------------- main

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const seedArg = argValue('--seed');
  const seed = seedArg === undefined ? DEFAULT_SEED : Number(seedArg);
  if (!Number.isInteger(seed)) throw new Error(`--seed: an integer, got ${seedArg}`);
  const histories = corpus(seed);
  const csvDir = argValue('--csv');
  if (csvDir) {
    mkdirSync(csvDir, { recursive: true });
    for (const h of histories) {
      writeFileSync(join(csvDir, `${h.name}.csv`), `timestamp,balance\n${h.rows.map((r) => `${new Date(r.t).toISOString()},${r.balance}`).join('\n')}\n`);
    }
  }
  const results = histories.map(run);
  print(results, seed, process.argv.includes('--verbose'));
  // The figures are the product: a FAIL is reported, not an error exit (exit code stays 0).
}

main();
