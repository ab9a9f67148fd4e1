// npm run bench:forecast-blackbox [-- --csv-dir DIR] [--cli PATH] [--verbose] [--seeds N] [--corpus blackbox|third|fourth|fifth|sixth|seventh|eighth]
// An independent, black-box evaluation of depletion_forecast against issue 9's definitions (see README.md here).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { predictLinearNotes, staticNotes } from './baselines.js';
import { CORPORA, type Corpus } from './corpora.js';
import { render, targets, type HistoryResult } from './report.js';
import { pool, runBacktest } from './runner.js';
import { scoreHistory } from './scoring.js';
import { toCsv } from './sim.js';

interface Options {
  csvDir: string | null;
  cli: string | null;
  verbose: boolean;
  seeds: number;
  corpus: Corpus;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { csvDir: null, cli: null, verbose: false, seeds: 4, corpus: 'blackbox' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--csv-dir') o.csvDir = resolve(value());
    else if (a === '--cli') o.cli = resolve(value());
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--seeds') {
      o.seeds = Number(value());
      if (!Number.isInteger(o.seeds) || o.seeds < 1) throw new Error('--seeds takes a whole number ≥ 1');
    } else if (a === '--corpus') {
      const c = value();
      if (!Object.hasOwn(CORPORA, c)) throw new Error(`--corpus takes ${Object.keys(CORPORA).join(', ')}`);
      o.corpus = c as Corpus;
    } else throw new Error(`unknown option ${a}; usage: main.ts [--csv-dir DIR] [--cli PATH] [--verbose] [--seeds N] [--corpus ${Object.keys(CORPORA).join('|')}]`);
  }
  return o;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  let cli = opts.cli;
  if (cli === null) {
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    cli = join(repo, 'dist', 'main.js');
  }
  const csvDir = opts.csvDir ?? mkdtempSync(join(tmpdir(), 'ws-blackbox-csv-'));
  mkdirSync(csvDir, { recursive: true });
  const cwd = mkdtempSync(join(tmpdir(), 'ws-blackbox-cwd-')); // empty: no .env to pick up
  try {
    const corpus = [...CORPORA[opts.corpus](opts.seeds)];
    const results = await pool(corpus, 2, async (h): Promise<HistoryResult> => {
      const file = join(csvDir, `${h.name.replace('#', '-')}.csv`);
      writeFileSync(file, toCsv(h.rows));
      const { notes } = await runBacktest(cli as string, file, cwd);
      const ours = scoreHistory(h.rows, notes);
      const pl = scoreHistory(h.rows, predictLinearNotes(h.rows));
      const st = scoreHistory(h.rows, staticNotes(h.rows));
      return {
        kind: h.kind, name: h.name, start: (h.rows[0] as { t: number }).t, ours: notes,
        scores: { 'wallet-sentinel': ours.score, predict_linear: pl.score, static: st.score },
        verdicts: { 'wallet-sentinel': ours.verdicts, predict_linear: pl.verdicts, static: st.verdicts },
        leads: { 'wallet-sentinel': ours.leads, predict_linear: pl.leads, static: st.leads },
      };
    });
    process.stdout.write(render(results, { cli, verbose: opts.verbose, corpus: opts.corpus }));
    if (opts.csvDir) process.stderr.write(`CSVs kept in ${csvDir}\n`);
    return targets(results).every((t) => t.ok) ? 0 : 1;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    if (!opts.csvDir) rmSync(csvDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
