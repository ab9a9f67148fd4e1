/**
 * bench:longrun's daily reading of the running daemon: /proc figures, the state files and a COPY of the SQLite
 * database (row counts per table, freelist), /metrics (series count, heap gauges), /api/status and the status page
 * sizes, the log's growth, and the last forced-GC heap figure the preload wrote.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseMetrics } from '../../test/helpers/daemon.js';
import { httpGet as get } from '../fleet/procs.js';

/**
 * A GET on a connection of its own, tried twice: the daemon's keep-alive timeout (5 s) runs on the fast clock
 * (8 ms at x650), so a kept-alive socket is closed under a reused request (ECONNRESET, which ended a run).
 */
export async function httpGet(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  try {
    return await get(url, timeoutMs, {}, true);
  } catch {
    return get(url, timeoutMs, {}, true);
  }
}

export interface Reading {
  day: number;
  /** the daemon's clock at the last heap probe (ISO) */
  clock: string;
  heapMiB: number | null;
  rssMiB: number;
  fds: number;
  threads: number;
  dbKiB: number;
  walKiB: number;
  shmKiB: number;
  rows: Record<string, number>;
  freelist: number;
  pages: number;
  series: number;
  heapGaugeMiB: number | null;
  statusKiB: number;
  pageKiB: number;
  logKiB: number;
  resources: Record<string, number>;
  firing: Array<{ account: string; alertname: string; severity: string }>;
  accounts: number;
}

const kib = (n: number) => Math.round(n / 1024);
const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);

/** Opens a copy of the database (db + -wal; SQLite replays the WAL copy, a torn last frame is ignored by its checksum). */
function dbFigures(stateDir: string): { rows: Record<string, number>; freelist: number; pages: number } {
  const db = join(stateDir, 'wallet-sentinel.db');
  const tmp = mkdtempSync(join(tmpdir(), 'ws-longrun-db-'));
  try {
    copyFileSync(db, join(tmp, 'c.db'));
    if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, join(tmp, 'c.db-wal'));
    const c = new Database(join(tmp, 'c.db'));
    const rows: Record<string, number> = {};
    for (const { name } of c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>) {
      rows[name] = (c.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
    }
    const freelist = c.pragma('freelist_count', { simple: true }) as number;
    const pages = c.pragma('page_count', { simple: true }) as number;
    c.close();
    return { rows, freelist, pages };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function readDaily(o: { day: number; pid: number; base: string; stateDir: string; logFile: string; probeFile: string }): Promise<Reading> {
  const status = readFileSync(`/proc/${o.pid}/status`, 'utf8');
  const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  const probes = existsSync(o.probeFile) ? readFileSync(o.probeFile, 'utf8').trim().split('\n').filter(Boolean) : [];
  const last = probes.length ? (JSON.parse(probes.at(-1)!) as { t: number; heapUsed: number; resources: Record<string, number> }) : null;
  const metrics = (await httpGet(`${o.base}/metrics`, 60_000)).body;
  const m = parseMetrics(metrics);
  const api = (await httpGet(`${o.base}/api/status`, 60_000)).body;
  const page = (await httpGet(`${o.base}/`, 60_000)).body;
  const parsed = JSON.parse(api) as { accounts: Array<{ name?: string; account?: string; alerts?: unknown[]; firing?: unknown[] }> };
  const firing: Reading['firing'] = [];
  for (const line of metrics.split('\n')) {
    const f = /^telephony_alert_firing\{account="([^"]+)",alertname="([^"]+)",severity="([^"]+)"\} 1$/.exec(line);
    if (f) firing.push({ account: f[1]!, alertname: f[2]!, severity: f[3]! });
  }
  const stateDb = join(o.stateDir, 'wallet-sentinel.db');
  return {
    day: o.day,
    clock: last ? new Date(last.t).toISOString() : '',
    heapMiB: last ? Math.round((last.heapUsed / 2 ** 20) * 10) / 10 : null,
    rssMiB: Math.round(field('VmRSS') / 1024),
    fds: readdirSync(`/proc/${o.pid}/fd`).length,
    threads: field('Threads'),
    dbKiB: kib(size(stateDb)),
    walKiB: kib(size(`${stateDb}-wal`)),
    shmKiB: kib(size(`${stateDb}-shm`)),
    ...dbFigures(o.stateDir),
    series: metrics.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
    heapGaugeMiB: m.has('nodejs_heap_size_used_bytes') ? Math.round((m.get('nodejs_heap_size_used_bytes')! / 2 ** 20) * 10) / 10 : null,
    statusKiB: kib(api.length),
    pageKiB: kib(page.length),
    logKiB: kib(size(o.logFile)),
    resources: last?.resources ?? {},
    firing,
    accounts: parsed.accounts.length,
  };
}
