/**
 * One history through the three methods: wallet-sentinel (the backtest's JSON lines), predict_linear and
 * the static thresholds, all scored by scoring.ts. Returns plain data (it crosses worker threads).
 */
import type { EvaluationConfig } from '../../src/domain/evaluate.js';
import { predictLinear, staticThresholds } from './baselines.js';
import { HOUR_MS, type BenchHistory } from './corpus.js';
import { recordFromLines, timedBacktest } from './ours.js';
import { scoreHistory, type HistoryScore } from './scoring.js';

export const METHODS = ['ours', 'predict_linear', 'static'] as const;
export type Method = (typeof METHODS)[number];

export interface CheckResult {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface HistoryResult {
  readonly name: string;
  readonly kind: string;
  readonly part: BenchHistory['part'];
  readonly seed: number;
  readonly description: string;
  readonly rows: number;
  /** The first reading's time (a depletion's warning can be due while the history is young, report.ts warnedApart). */
  readonly startMs: number;
  readonly spanMs: number;
  /** replay() alone over the whole history (no JSON), wall clock. */
  readonly replayMs: number;
  readonly scores: Record<Method, HistoryScore>;
  readonly check?: CheckResult;
}

function check(h: BenchHistory, lines: readonly string[]): CheckResult | undefined {
  const t0 = h.rows[0]!.t;
  const fired = lines
    .map((l) => JSON.parse(l) as { alertname: string; status: string; severity: string; sent_at: string })
    .filter((l) => l.alertname === 'depletion_forecast' && l.status === 'firing');
  if (h.check === 'quiet-first-24h') {
    const early = fired.filter((l) => Date.parse(l.sent_at) < t0 + 24 * HOUR_MS);
    return { name: h.check, pass: early.length === 0, detail: early.length ? `${early[0]!.severity} at ${early[0]!.sent_at}` : 'quiet' };
  }
  if (h.check === 'critical-first-hour') {
    const crit = fired.find((l) => l.severity === 'critical');
    const at = crit ? Date.parse(crit.sent_at) - t0 : null;
    return { name: h.check, pass: at !== null && at <= HOUR_MS, detail: at === null ? 'no critical' : `critical after ${(at / 60_000).toFixed(0)} min` };
  }
  return undefined;
}

export function runHistory(h: BenchHistory, cfg: EvaluationConfig): HistoryResult {
  const { lines, replayMs } = timedBacktest(h.rows, cfg);
  const c = check(h, lines);
  return {
    name: h.name,
    kind: h.kind,
    part: h.part,
    seed: h.seed,
    description: h.description,
    rows: h.rows.length,
    startMs: h.rows[0]!.t,
    spanMs: h.rows.at(-1)!.t - h.rows[0]!.t,
    replayMs,
    scores: {
      ours: scoreHistory(h.rows, recordFromLines(lines)),
      predict_linear: scoreHistory(h.rows, predictLinear(h.rows)),
      static: scoreHistory(h.rows, staticThresholds(h.rows)),
    },
    ...(c ? { check: c } : {}),
  };
}
