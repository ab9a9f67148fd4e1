// Runs the real CLI (`node dist/main.js backtest FILE.csv`) as a black box: an empty working directory (no
// .env), only the settings issue 9 names, at most two processes at once. Reads the webhook-body JSON lines.
import { spawn } from 'node:child_process';
import type { Note } from './scoring.js';

export const BACKTEST_ENV = {
  RUNWAY_WARNING_HOURS: '72',
  RUNWAY_CRITICAL_HOURS: '24',
  ALERT_REPEAT_INTERVAL: '4h',
  LOG_LEVEL: 'warn',
} as const;

export interface CliResult {
  notes: Note[]; // depletion_forecast only
  lines: number; // every JSON line on stdout
}

/** Parse the CLI's stdout: one webhook body per line; anything that is not one is an error (contract §6). */
export function parseBacktestOutput(stdout: string): CliResult {
  const notes: Note[] = [];
  let lines = 0;
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    lines++;
    const body = JSON.parse(line) as Record<string, unknown>;
    const { alertname, status, severity, id, sent_at: sentAt } = body;
    if (typeof id !== 'string' || typeof sentAt !== 'string' || (status !== 'firing' && status !== 'resolved')) {
      throw new Error(`not a webhook body: ${line.slice(0, 200)}`);
    }
    if (severity !== 'warning' && severity !== 'critical') throw new Error(`unknown severity in: ${line.slice(0, 200)}`);
    const t = Date.parse(sentAt) / 1000;
    if (!Number.isFinite(t)) throw new Error(`sent_at is not a time: ${sentAt}`);
    if (alertname === 'depletion_forecast') notes.push({ t, id, status, severity });
  }
  return { notes, lines };
}

export function runBacktest(cli: string, csv: string, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...BACKTEST_ENV };
    const child = spawn(process.execPath, [cli, 'backtest', csv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`backtest ${csv} exited ${code}: ${Buffer.concat(err).toString().slice(0, 500)}`));
        return;
      }
      try {
        resolve(parseBacktestOutput(Buffer.concat(out).toString()));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** map with at most `limit` tasks in flight, results in input order */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
