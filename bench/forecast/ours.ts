/**
 * wallet-sentinel, scored from what it says: the webhook-body JSON lines that `wallet-sentinel backtest`
 * prints (replay() → webhookBody(n, n.decidedAt), exactly the CLI's path in src/cli/backtest.ts), read
 * back as the independent evaluation reads the CLI's stdout.
 *
 * Only `depletion_forecast` counts. `wallet_exhausted` fires at 0 (it reports a depletion, it does not
 * forecast one) and `spend_anomaly` is about a burst, not the runway; `low_balance` cannot fire (the run
 * has no balance thresholds).
 *
 * From the lines of one alert id (in order):
 *   any       [first firing line's sent_at, resolved line's sent_at) (open if never resolved);
 *   critical  from each firing line at severity critical (escalation, or a start at critical) until the
 *             next line of that id at warning (a repeat after a silent de-escalation) or the resolve;
 *   alarms    the first firing line of each (id, severity) pair: an escalation is a second alarm,
 *             repeats are not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Row } from '../../src/backtest/input.js';
import { replay } from '../../src/backtest/replay.js';
import type { Notification } from '../../src/domain/alerts.js';
import { loadSettings } from '../../src/config/load.js';
import { repeatPolicy, type EvaluationConfig } from '../../src/domain/evaluate.js';
import { webhookBody } from '../../src/notify/webhook/body.js';
import type { Alarm, AlertRecord, Interval, Severity } from './scoring.js';

/** The environment of the run (issue 9): runway 72 h / 24 h, no balance thresholds, repeats every 4 h. */
export const BENCH_ENV: Readonly<Record<string, string>> = {
  RUNWAY_WARNING_HOURS: '72',
  RUNWAY_CRITICAL_HOURS: '24',
  ALERT_REPEAT_INTERVAL: '4h',
};

/** The settings the CLI would load from BENCH_ENV (no .env: an empty folder as cwd). */
let cached: EvaluationConfig | undefined;
export function benchConfig(): EvaluationConfig {
  if (cached) return cached;
  const cwd = mkdtempSync(join(tmpdir(), 'ws-bench-'));
  const { settings } = loadSettings({ ...BENCH_ENV }, { cwd, requireApiKey: false });
  rmSync(cwd, { recursive: true, force: true });
  const wallet = settings.wallets[0]!;
  if (wallet.rules.lowBalanceThreshold !== undefined || wallet.rules.criticalBalanceThreshold !== undefined) {
    throw new Error('bench: balance thresholds must be unset');
  }
  cached = { account: wallet.name, rules: wallet.rules, repeat: repeatPolicy(settings.alerts) };
  return cached;
}

/**
 * The JSON lines `wallet-sentinel backtest` prints for these rows (without the trailing newline), and how
 * long replay() itself took (the notifications are turned into lines after the clock stops).
 */
export function timedBacktest(rows: readonly Row[], cfg: EvaluationConfig): { lines: string[]; replayMs: number } {
  const notifications: Notification[] = [];
  const started = performance.now();
  replay(rows, cfg, (n) => notifications.push(n));
  const replayMs = performance.now() - started;
  return { lines: notifications.map((n) => JSON.stringify(webhookBody(n, n.decidedAt))), replayMs };
}

export const backtestLines = (rows: readonly Row[], cfg: EvaluationConfig): string[] => timedBacktest(rows, cfg).lines;

interface Line {
  status: 'firing' | 'resolved';
  alertname: string;
  severity: Severity;
  id: string;
  sent_at: string;
  starts_at: string;
  [field: string]: unknown;
}

/** The fields that are not the alert's identity or timing. */
const IDENTITY = new Set(['version', 'status', 'alertname', 'severity', 'account', 'currency', 'starts_at', 'sent_at', 'id']);
/**
 * For --verbose: every other field of the line (balance, rate, runway, summary, and whatever the
 * estimator adds to the body later), so the forecast behind each alarm is visible.
 */
const detail = (l: Line): string =>
  Object.entries(l)
    .filter(([k]) => !IDENTITY.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}`)
    .join(' ');

/** The depletion_forecast alerts in the backtest's JSON lines, in the scoring's terms. */
export function recordFromLines(jsonLines: readonly string[]): AlertRecord {
  const any: Interval[] = [];
  const critical: Interval[] = [];
  const alarms: Alarm[] = [];
  const open = new Map<string, { since: number; criticalSince: number | null; seen: Set<Severity> }>();
  for (const text of jsonLines) {
    const l = JSON.parse(text) as Line;
    if (l.alertname !== 'depletion_forecast') continue;
    const t = Date.parse(l.sent_at);
    let s = open.get(l.id);
    if (l.status === 'firing') {
      if (!s) {
        s = { since: t, criticalSince: null, seen: new Set() };
        open.set(l.id, s);
      }
      if (!s.seen.has(l.severity)) {
        s.seen.add(l.severity);
        alarms.push({ t, severity: l.severity, id: l.id, detail: detail(l) });
      }
      if (l.severity === 'critical') s.criticalSince ??= t;
      else if (s.criticalSince !== null) {
        critical.push({ start: s.criticalSince, end: t });
        s.criticalSince = null;
      }
    } else if (s) {
      any.push({ start: s.since, end: t });
      if (s.criticalSince !== null) critical.push({ start: s.criticalSince, end: t });
      open.delete(l.id);
    }
  }
  for (const s of open.values()) {
    any.push({ start: s.since, end: Infinity });
    if (s.criticalSince !== null) critical.push({ start: s.criticalSince, end: Infinity });
  }
  return { any, critical, alarms };
}
