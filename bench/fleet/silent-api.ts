/**
 * `npm run bench:silent-api`: a fleet whose one API stops answering (it takes the connection and never
 * replies). How long until every wallet has `poll_failing`, how many requests the daemon still sends, and
 * whether /healthz stays quick while thousands of polls fail unasked (fleet/origins.ts). Asserts nothing.
 *
 *   npm run bench:silent-api                              2,000 wallets, every 15 s, POLL_CONCURRENCY 32
 *   npm run bench:silent-api -- --wallets 500 --interval-seconds 10 --timeout-ms 2000 --limit-minutes 3
 *
 * The real daemon (`node dist/main.js start`) with a WALLETS_FILE whose api_url is a loopback socket that
 * accepts and never answers. Every 2 s a scrape counts the wallets with poll_failing; /healthz is probed
 * every 250 ms on a connection of its own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile, table, type Row } from './analysis.js';
import { Child, freePort, httpGet, procFigures, ROOT, sleep } from './procs.js';

const { values: f } = parseArgs({
  options: {
    wallets: { type: 'string', default: '2000' },
    'interval-seconds': { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '32' },
    'timeout-ms': { type: 'string', default: '10000' },
    'limit-minutes': { type: 'string', default: '5' },
  },
});
const N = Number(f.wallets);
const I = Number(f['interval-seconds']);
const LIMIT_MS = Number(f['limit-minutes']) * 60_000;
if (!(N > 0) || !(I > 0 && I < 60 && 60 % I === 0)) throw new Error('--wallets must be > 0 and --interval-seconds divide 60');
const log = (s: string) => process.stderr.write(`[bench:silent-api ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

// The silent API: every connection is held open and never answered.
const held = new Set<Socket>();
let connections = 0;
const silent = createServer((s) => {
  connections++;
  held.add(s);
  s.on('data', () => {}); // reads the request, answers nothing
  s.on('close', () => held.delete(s));
  s.on('error', () => {});
});
await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
const apiUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;

const tmp = mkdtempSync(join(tmpdir(), 'ws-bench-silent-'));
const keyDir = join(tmp, 'keys');
mkdirSync(keyDir);
mkdirSync(join(tmp, 'state'));
const names = Array.from({ length: N }, (_, i) => `s${String(i).padStart(5, '0')}`);
const lines = ['defaults:', `  api_url: ${apiUrl}`, 'wallets:'];
for (const name of names) {
  writeFileSync(join(keyDir, name), `key-${name}\n`, { mode: 0o600 });
  lines.push(`  - name: ${name}`, `    api_key_file: ${join(keyDir, name)}`);
}
writeFileSync(join(tmp, 'wallets.yaml'), `${lines.join('\n')}\n`);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const daemon = new Child([join(ROOT, 'dist/main.js'), 'start'], {
  WALLETS_FILE: join(tmp, 'wallets.yaml'),
  STATE_DIR: join(tmp, 'state'),
  METRICS_HOST: '127.0.0.1',
  METRICS_PORT: String(port),
  POLL_SCHEDULE: `*/${I} * * * * *`,
  POLL_CONCURRENCY: f.concurrency!,
  REQUEST_TIMEOUT_MS: f['timeout-ms']!,
  LOG_LEVEL: 'info',
  MALLOC_ARENA_MAX: '2',
});
const started = Date.now();
log(`${N} wallets on one silent API, every ${I} s, POLL_CONCURRENCY=${f.concurrency}, REQUEST_TIMEOUT_MS=${f['timeout-ms']}; daemon pid ${daemon.pid}`);

const health: number[] = [];
let healthFailed = 0;
let probing = true;
const prober = (async () => {
  while (probing) {
    const r = await httpGet(`${base}/healthz`, 5000, {}, true).catch(() => null);
    if (r?.status === 200) health.push(r.ms);
    else if (health.length > 0) healthFailed++; // before the first 200 the daemon is still starting
    await sleep(250);
  }
})();

const firingCount = (body: string) => (body.match(/^telephony_alert_firing\{[^}]*alertname="poll_failing"[^}]*\} 1$/gm) ?? []).length;
let firing = 0;
let allAt = NaN;
let firstAt = NaN;
while (Date.now() - started < LIMIT_MS && daemon.running) {
  await sleep(2000);
  const r = await httpGet(`${base}/metrics`, 30_000).catch(() => null);
  if (!r) continue;
  firing = firingCount(r.body);
  if (firing > 0 && Number.isNaN(firstAt)) firstAt = Date.now() - started;
  if (firing === N) {
    allAt = Date.now() - started;
    break;
  }
}
const cpu = procFigures(daemon.pid);
probing = false;
await prober;
await daemon.stop('SIGTERM');
for (const s of held) s.destroy();
silent.close();
rmSync(tmp, { recursive: true, force: true });

const secs = (ms: number) => (Number.isNaN(ms) ? 'never' : `${(ms / 1000).toFixed(1)} s`);
const rows: Row[] = [
  { what: 'poll_failing on the first wallet (from exec)', figure: secs(firstAt), target: '(for reference)', pass: null },
  { what: 'poll_failing on every wallet (from exec)', figure: Number.isNaN(allAt) ? `${firing} of ${N} after ${secs(LIMIT_MS)}` : secs(allAt), target: `< ${6 * I} s (6 intervals)`, pass: allAt < 6 * I * 1000 },
  { what: 'requests sent to the silent API (connections)', figure: String(connections), target: '(for reference)', pass: null },
  { what: '/healthz p99 / max meanwhile', figure: `${percentile(health, 99).toFixed(0)} / ${Math.max(0, ...health).toFixed(0)} ms (${health.length} probes, ${healthFailed} failed)`, target: 'max < 1000 ms', pass: Math.max(0, ...health) < 1000 && healthFailed === 0 },
  { what: 'daemon CPU, start to the end of the run', figure: `${(cpu.cpuMs / 1000).toFixed(1)} s`, target: '(for reference)', pass: null },
  { what: 'daemon RSS at the end', figure: `${(cpu.rssKiB / 1024).toFixed(0)} MiB`, target: '(for reference)', pass: null },
];
console.log(table(rows));
