/**
 * `npm run bench:forecast [-- --part tuning|heldout|all] [--kind NAME] [--seeds N] [--verbose]
 *                         [--json FILE] [--csv DIR] [--no-parity] [--workers N] [--start-shift]`
 *
 * Replays every history of the corpus through wallet-sentinel (the JSON lines `wallet-sentinel backtest`
 * prints, from replay()), predict_linear and static thresholds, scores the three with the same code
 * (scoring.ts) and prints Markdown: totals per method and per kind, tuning and held-out parts separately,
 * and PASS/FAIL lines for issue 9's targets. Deterministic except the replay time. A FAIL does not change
 * the exit code (the figures are the product); bad options exit 64.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from '../../src/backtest/input.js';
import { historyOf, plan, type BenchHistory, type Part, type Planned } from './corpus.js';
import { KINDS, runParallel } from './jobs.js';
import { backtestLines, BENCH_ENV, benchConfig, timedBacktest } from './ours.js';
import { markdown, REPLAY_BUDGET_MS } from './report.js';
import type { HistoryResult } from './run.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'dist/main.js');
export const DEFAULT_SEEDS = 5;
const FOURTEEN_DAYS_ROWS = 14 * 24 * 60 + 1;

export interface Options {
  part: Part | 'all';
  kind?: string;
  seeds: number;
  verbose: boolean;
  json?: string;
  csv?: string;
  parity: boolean;
  workers: number;
  /** Start each history at an hour of the week drawn from its name, not Monday 00:00 UTC (a check of what the start flatters). */
  startShift: boolean;
}

class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = { part: 'all', seeds: DEFAULT_SEEDS, verbose: false, parity: true, workers: Math.min(2, availableParallelism()), startShift: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--part') {
      const v = value();
      if (v !== 'tuning' && v !== 'heldout' && v !== 'all') throw new UsageError(`--part: tuning, heldout or all, got "${v}"`);
      o.part = v;
    } else if (a === '--kind') o.kind = value();
    else if (a === '--seeds' || a === '--workers') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`${a}: an integer from 1 to 1000, got "${v}"`);
      if (a === '--seeds') o.seeds = n;
      else o.workers = n;
    } else if (a === '--verbose') o.verbose = true;
    else if (a === '--json') o.json = value();
    else if (a === '--csv') o.csv = value();
    else if (a === '--no-parity') o.parity = false;
    else if (a === '--start-shift') o.startShift = true;
    else throw new UsageError(`unknown option "${a}"`);
  }
  if (o.kind !== undefined && !KINDS.some((k) => k.name === o.kind)) throw new UsageError(`--kind: one of ${KINDS.map((k) => k.name).join(', ')}; got "${o.kind}"`);
  return o;
}

/** Which pipeline produced the figures: a digest of src/domain/*.ts (the estimator changes in parallel). */
function domainDigest(): string {
  const dir = join(ROOT, 'src/domain');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts')).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  return hash.digest('hex').slice(0, 12);
}

const csvText = (rows: readonly Row[]): string => `timestamp,balance\n${rows.map((r) => `${new Date(r.t).toISOString()},${r.balance}`).join('\n')}\n`;

/**
 * The built CLI (`node dist/main.js backtest FILE`, the independent evaluation's path) must print exactly
 * the lines the bench scores. Needs `npm run build` first; a stale dist/ shows up as a FAIL.
 */
function parity(histories: readonly BenchHistory[]): string {
  if (!existsSync(CLI)) return '- N/A  parity with `node dist/main.js backtest`: dist/ not built (run `npm run build`)';
  const cfg = benchConfig();
  const failed: string[] = [];
  let lines = 0;
  for (const h of histories) {
    let stdout: string;
    try {
      stdout = withCsv(h, cliBacktest);
    } catch (err) {
      const e = err as { status?: number; stderr?: string };
      const lines = String(e.stderr ?? '').trim().split('\n');
      const why = (lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? '').slice(0, 200);
      return `- FAIL parity with \`node dist/main.js backtest\`: exit ${e.status ?? '?'} on ${h.name}: ${why}`;
    }
    const ours = backtestLines(h.rows, cfg);
    lines += ours.length;
    if (stdout !== ours.map((l) => `${l}\n`).join('')) failed.push(h.name);
  }
  const names = histories.map((h) => h.name).join(', ');
  return failed.length
    ? `- FAIL parity with \`node dist/main.js backtest\`: different lines for ${failed.join(', ')} (is dist/ stale? run \`npm run build\`)`
    : `- PASS parity with \`node dist/main.js backtest\`: identical JSON lines (${lines}) for ${names}`;
}

/** `use` called with the history written as a CSV into a fresh empty folder (no .env there); the folder is removed afterwards. */
function withCsv<T>(h: BenchHistory, use: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ws-bench-cli-'));
  try {
    const file = join(dir, `${h.name.replace('#', '_')}.csv`);
    writeFileSync(file, csvText(h.rows));
    return use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `node dist/main.js backtest FILE` as the independent evaluation runs it (its folder as cwd, the bench's settings only): its stdout. */
const cliBacktest = (file: string): string =>
  execFileSync(process.execPath, [CLI, 'backtest', file], { cwd: dirname(file), env: { PATH: process.env.PATH ?? '', ...BENCH_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });

/** The first history of the run that is 14 days long at one reading a minute (each generated once). */
function firstFourteenDays(jobs: readonly Planned[]): BenchHistory | undefined {
  for (const j of jobs) {
    const h = historyOf(j);
    if (h.rows.length >= FOURTEEN_DAYS_ROWS) return h;
  }
  return undefined;
}

/**
 * The replay-time target, measured on its own: replay() of the first 14-day history of the run, three
 * times in the main thread after the scoring (the per-history times in the table run next to another
 * worker); PASS when the median is under the budget.
 */
function replayTiming(h: BenchHistory | undefined): string {
  if (!h) return `- N/A  a 14-day 1-minute history replays in < ${REPLAY_BUDGET_MS} ms: no 14-day history in this run`;
  const cfg = benchConfig();
  const ms = [0, 1, 2].map(() => timedBacktest(h.rows, cfg).replayMs);
  const median = [...ms].sort((a, b) => a - b)[1]!;
  return (
    `- ${median < REPLAY_BUDGET_MS ? 'PASS' : 'FAIL'} a 14-day 1-minute history replays in < ${REPLAY_BUDGET_MS} ms: ${h.name} (${h.rows.length} rows) ` +
    `${ms.map((x) => x.toFixed(0)).join(' / ')} ms, median ${median.toFixed(0)} ms (wall clock, machine-dependent)`
  );
}

/**
 * The same target read as a user times it: the whole command `node dist/main.js backtest FILE` on that
 * history, Node's start-up and the file's reading included, three runs one after the other (wall clock from
 * spawn to exit); PASS when the median is under the budget.
 */
function commandTiming(h: BenchHistory | undefined): string {
  const what = `the whole command \`node dist/main.js backtest\` on a 14-day 1-minute history, Node's start-up included, takes < ${REPLAY_BUDGET_MS} ms`;
  if (!existsSync(CLI) || !h) return `- N/A  ${what}: ${h ? 'dist/ not built (run `npm run build`)' : 'no 14-day history in this run'}`;
  const ms = withCsv(h, (file) =>
    [0, 1, 2].map(() => {
      const t = performance.now();
      cliBacktest(file);
      return performance.now() - t;
    }),
  );
  const median = [...ms].sort((a, b) => a - b)[1]!;
  return `- ${median < REPLAY_BUDGET_MS ? 'PASS' : 'FAIL'} ${what}: ${h.name} ${ms.map((x) => x.toFixed(0)).join(' / ')} ms, median ${median.toFixed(0)} ms (wall clock, machine-dependent)`;
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench:forecast: ${err.message}`);
    process.exitCode = 64;
    return;
  }
  const jobs = plan(KINDS, o.part, o.seeds, o.startShift).filter((j) => o.kind === undefined || j.kind.name === o.kind);
  if (jobs.length === 0) {
    console.error(`bench:forecast: nothing to run: ${o.kind} is a held-out kind, scored in the held-out part only (--part heldout or all)`);
    process.exitCode = 64;
    return;
  }
  const started = performance.now();
  if (o.csv) {
    mkdirSync(o.csv, { recursive: true });
    for (const j of jobs) {
      const h = historyOf(j);
      writeFileSync(join(o.csv, `${h.part}-${h.name.replace('#', '_')}.csv`), csvText(h.rows));
    }
  }
  const results: HistoryResult[] = await runParallel(
    jobs.map((j) => ({ kind: j.kind.name, part: j.part, seed: j.seed, shiftHours: j.shiftHours })),
    o.workers,
  );
  const header =
    `## Forecast benchmark (src/domain ${domainDigest()}; ${o.seeds} seeds per kind and part` +
    `${o.kind ? `; kind ${o.kind}` : ''}${o.startShift ? '; starts shifted through the week' : ''}; ${results.length} histories; ${((performance.now() - started) / 1000).toFixed(0)} s)`;
  const { text, json } = markdown(results, header, o.verbose);
  console.log(text);
  const fourteenDays = firstFourteenDays(jobs);
  const extra = [replayTiming(fourteenDays)];
  if (o.parity) {
    // two histories of different shapes (one with holes in the readings) when the run has them
    const preferred = ['daemon_gaps', 'business_hours'].map((k) => jobs.find((j) => j.kind.name === k)).filter((j) => j !== undefined);
    const sample = (preferred.length === 2 ? preferred : jobs.slice(0, 2)).map(historyOf);
    extra.push(parity(sample), commandTiming(fourteenDays));
  }
  console.log(extra.join('\n'));
  if (o.json) {
    const doc = { seeds: o.seeds, part: o.part, kind: o.kind ?? null, domain: domainDigest(), ...(json as object), checks: extra.map((l) => l.replace(/^- /, '')) };
    writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
  }
}

await main();
