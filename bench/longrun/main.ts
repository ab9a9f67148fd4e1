/**
 * `npm run bench:longrun -- --days 21 --speed 400`: the REAL daemon (`node dist/main.js start`) and the simulator
 * (`dist/simulator/main.js --spec`), both under libfaketime at the same rate (their clocks, monotonic time and
 * timers run --speed times faster), for --days simulated days. Wallets drain and are topped up by the simulator's
 * scripted top-ups, so alerts fire and resolve many times; a webhook receiver here records every notification.
 * Every simulated day one row: heap after a forced GC (a preload, heap-probe.mjs), RSS, fds, SQLite file sizes,
 * rows per table and freelist (on a copy), series in /metrics, /api/status and status page bytes, log bytes,
 * notifications. At --hup-day a SIGHUP swaps half the wallets for new ones. At the end every wallet is topped up
 * for good: every alert the receiver saw start must resolve. Skips (exit 0, a line saying why) without faketime.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Child, freePort, ROOT, sleep, until } from '../fleet/procs.js';
import { SoakHook } from '../soak/receivers.js';
import { census, grown, type Census } from './heap-census.js';
import { httpGet, readDaily, type Reading } from './sample.js';

const { values } = parseArgs({ options: { days: { type: 'string', default: '21' }, speed: { type: 'string', default: '400' }, wallets: { type: 'string', default: '30' }, 'hup-day': { type: 'string' }, keep: { type: 'boolean', default: false } } });
const days = Number(values.days);
const speed = Number(values.speed);
const n = Number(values.wallets);
const hupDay = Number(values['hup-day'] ?? Math.max(1, Math.floor(days / 4)));
if (!(days >= 1 && speed >= 1 && speed <= 2000 && Number.isInteger(n) && n >= 4)) {
  process.stderr.write('usage: node --import tsx bench/longrun/main.ts [--days 21] [--speed 400] [--wallets 30] [--hup-day D] [--keep]\n');
  process.exit(64);
}
const probeLib = spawnSync('faketime', ['-f', '+0', 'sh', '-c', 'printf %s "$LD_PRELOAD"'], { encoding: 'utf8' });
if (probeLib.error || probeLib.status !== 0 || probeLib.stdout.trim() === '') {
  process.stdout.write(`bench:longrun skipped: libfaketime's \`faketime\` is not usable here (${probeLib.error?.message ?? probeLib.stderr.trim()}); apt-get install -y faketime\n`);
  process.exit(0);
}
const HOUR = 3_600_000;
const dayRealMs = (24 * HOUR) / speed;
const FAKE = `@2026-12-07 00:00:00 x${speed}`;
const fakeEnv = { LD_PRELOAD: probeLib.stdout.trim(), FAKETIME: FAKE, TZ: 'UTC' };
const t0 = Date.now();
const say = (s: string) => process.stderr.write(`[longrun ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${s}\n`);

// ---- wallets: kinds by period/amount; topped up by the simulator every P with A < burn·P, so each cycle ends at 0 ----
interface W { name: string; path: string; apiKey: string; kind: string; balance: number; burnPerHour: number; topupEverySeconds: number; topupAmount: number }
const KINDS = [
  { kind: 'cycle12h', amount: 210, burn: 18, periodH: 12 }, // low → critical → exhausted 20 min → resolved, twice a day
  { kind: 'cycle36h', amount: 600, burn: 20, periodH: 36 }, // 6 h exhausted every 36 h
  { kind: 'weekly', amount: 3000, burn: 20, periodH: 168 }, // 18 h exhausted a week: repeats
  { kind: 'healthy', amount: 1_000_000, burn: 10, periodH: 0 },
];
const wallets: W[] = [];
for (let i = 1; i <= n + Math.ceil(n / 2); i++) {
  const k = KINDS[i % KINDS.length]!;
  const period = k.periodH === 0 ? 0 : k.periodH * 3600 + (i % 7) * 600; // stagger the top-ups
  wallets.push({ name: `lr${String(i).padStart(3, '0')}`, path: `/t/${i}/v1/wallet/balance`, apiKey: `sk_longrun_${randomBytes(10).toString('hex')}`, kind: k.kind, balance: k.amount, burnPerHour: k.burn, topupEverySeconds: period, topupAmount: k.amount });
}
const initial = wallets.slice(0, n);
const extra = wallets.slice(n);

const tmp = mkdtempSync(join(tmpdir(), 'ws-bench-longrun-'));
const stateDir = join(tmp, 'state');
const keyDir = join(tmp, 'keys');
mkdirSync(stateDir);
mkdirSync(keyDir, { mode: 0o700 });
const walletsFile = join(tmp, 'wallets.yaml');
const logFile = join(tmp, 'daemon.log');
const probeFile = join(tmp, 'heap.jsonl');
writeFileSync(join(tmp, 'spec.json'), JSON.stringify({ wallets: wallets.map(({ kind: _k, ...w }) => w) }));

const hook = new SoakHook('hook', `whsec_${randomBytes(12).toString('hex')}`, `tok_${randomBytes(12).toString('hex')}`);
await hook.start();
// the simulator under the same fake clock (its balances drain in simulated time)
const sim = new Child([join(ROOT, 'dist/simulator/main.js'), '--port', '0', '--spec', join(tmp, 'spec.json')], fakeEnv);
const simUrl = await until(() => /listening on (http:\/\/\S+)/.exec(sim.output())?.[1], 'the simulator to listen', 60_000);

/** A control call on a connection of its own: the simulator's keep-alive timeout runs on the fast clock too (5 s is ms here). */
const simPost = (path: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request(`${simUrl}/_sim/${path}`, { method: 'POST', agent: false, signal: AbortSignal.timeout(10_000) }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`simulator ${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });

function writeWallets(list: readonly W[]): void {
  const q = JSON.stringify;
  const lines = ['defaults:', `  api_url: ${q(simUrl)}`, '  low_balance_threshold: 80', '  critical_balance_threshold: 30', 'wallets:'];
  for (const w of list) {
    writeFileSync(join(keyDir, w.name), `${w.apiKey}\n`, { mode: 0o600 });
    lines.push(`  - name: ${q(w.name)}`, `    balance_path: ${q(w.path)}`, `    api_key_file: ${q(join(keyDir, w.name))}`);
  }
  writeFileSync(`${walletsFile}.tmp`, `${lines.join('\n')}\n`);
  renameSync(`${walletsFile}.tmp`, walletsFile);
}
let watched = [...initial];
writeWallets(watched);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const logFd = openSync(logFile, 'a');
const daemon = spawn(process.execPath, ['--expose-gc', '--heapsnapshot-signal=SIGUSR2', '--import', join(import.meta.dirname, 'heap-probe.mjs'), join(ROOT, 'dist/main.js'), 'start'], {
  cwd: tmp,
  stdio: ['ignore', logFd, logFd],
  env: {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...fakeEnv, WALLETS_FILE: walletsFile, STATE_DIR: stateDir,
    METRICS_HOST: '127.0.0.1', METRICS_PORT: String(port), POLL_SCHEDULE: '* * * * *', LOG_LEVEL: 'info',
    // 50 s of the fast clock (77 ms real at x650): the default 10 s was 15 ms, and a starved simulator timed out
    REQUEST_TIMEOUT_MS: '50000',
    ALERT_WEBHOOK_URL: hook.url, ALERT_WEBHOOK_SECRET: hook.secret, LONGRUN_PROBE_FILE: probeFile, LONGRUN_PROBE_EVERY_MS: String(6 * HOUR),
  },
});
let exited: string | null = null;
daemon.on('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
process.on('exit', () => {
  daemon.kill('SIGKILL');
  sim.proc.kill('SIGKILL');
  if (!values.keep) rmSync(tmp, { recursive: true, force: true });
});
await until(async () => (await httpGet(`${base}/readyz`, 2000)).status === 200, 'the daemon to be ready', 120_000);
const r0 = Date.now();
say(`daemon pid ${daemon.pid}, simulator ${simUrl}, ${n} wallets (+${extra.length} at day ${hupDay}), ${days} days at x${speed} (a day is ${(dayRealMs / 1000).toFixed(0)} s); files in ${tmp}`);

/** SIGUSR2 → the daemon writes Heap.*.heapsnapshot into its cwd; wait until it is complete (its size holds), then count. */
async function snapshot(): Promise<Census> {
  const before = new Set(readdirSync(tmp));
  daemon.kill('SIGUSR2');
  const file = await until(() => readdirSync(tmp).find((f) => f.endsWith('.heapsnapshot') && !before.has(f)), 'a heap snapshot', 120_000);
  let size = -1;
  await until(() => {
    const now = statSync(join(tmp, file)).size;
    const done = now === size && now > 0 && readFileSync(join(tmp, file), 'utf8').trimEnd().endsWith('}');
    size = now;
    return done;
  }, 'the snapshot to be written', 300_000, 1000);
  const c = census(join(tmp, file), /^lr\d{3}\/[a-z_]+\/[a-z0-9]+$/);
  rmSync(join(tmp, file));
  return c;
}
const snapDays = new Set([Math.min(days, 15), days]);
const censuses: Array<[number, Census]> = [];
const rows: Reading[] = [];
const notes: string[] = [];
const perDay = (d: number) => hook.accepted.filter((h) => h.at >= r0 + (d - 1) * dayRealMs && h.at < r0 + d * dayRealMs);
const cols = ['day', 'clock', 'heap', 'rss', 'fds', 'thr', 'db', 'wal', 'shm', 'readings', 'journal', 'events', 'accts', 'free', 'series', 'api', 'page', 'logΔ', 'fire', 'res', 'open'];
process.stdout.write(`${cols.join('\t')}\n`);
let lastLog = 0;
for (let day = 1; day <= days; day++) {
  while (Date.now() < r0 + day * dayRealMs && !exited) await sleep(250);
  if (exited) {
    notes.push(`the daemon ended on day ${day}: ${exited}`);
    break;
  }
  const r = await readDaily({ day, pid: daemon.pid!, base, stateDir, logFile, probeFile });
  rows.push(r);
  const got = perDay(day);
  process.stdout.write(`${[day, r.clock.slice(5, 16), r.heapMiB, r.rssMiB, r.fds, r.threads, r.dbKiB, r.walKiB, r.shmKiB, r.rows.readings, r.rows.journal, r.rows.alert_events, r.rows.accounts, r.freelist, r.series, r.statusKiB, r.pageKiB, r.logKiB - lastLog, got.filter((h) => h.body.status === 'firing').length, got.filter((h) => h.body.status === 'resolved').length, r.firing.length].join('\t')}\n`);
  lastLog = r.logKiB;
  if (snapDays.has(day)) {
    const c = await snapshot();
    censuses.push([day, c]);
    notes.push(`day ${day} heap snapshot: ${c.alertIds} distinct alert ids held as strings; ${r.firing.length} alerts firing`);
    if (censuses.length === 2) notes.push(`objects grown from day ${censuses[0]![0]} to ${day}: ${grown(censuses[0]![1], c).join(', ')}`);
  }
  if (day === hupDay) {
    const drop = watched.filter((_, i) => i % 2 === 0);
    watched = [...watched.filter((w) => !drop.includes(w)), ...extra];
    writeWallets(watched);
    daemon.kill('SIGHUP');
    notes.push(`day ${day}: SIGHUP removed ${drop.map((w) => w.name).join(' ')}; added ${extra.length}`);
    await until(async () => (await httpGet(`${base}/metrics`, 10_000)).body.includes(`account="${extra.at(-1)!.name}"`), 'the reload', 60_000);
    const m = (await httpGet(`${base}/metrics`, 10_000)).body;
    const stale = drop.filter((w) => m.includes(`account="${w.name}"`));
    const api = (await httpGet(`${base}/api/status`, 10_000)).body;
    notes.push(`after the SIGHUP: removed wallets still in /metrics: ${stale.length}; in /api/status: ${drop.filter((w) => api.includes(`"${w.name}"`)).length}`);
  }
}

// ---- the end: every wallet topped up for good and burning nothing; every started alert must resolve ----
if (!exited) {
  for (const w of wallets) {
    await simPost(`wallets/${w.name}/burn?per_hour=0`);
    await simPost(`wallets/${w.name}/topup?amount=100000`);
  }
  const open = () => {
    const last = new Map<string, string>();
    for (const h of hook.accepted) if (h.body.id) last.set(`${h.body.id}`, `${h.body.account} ${h.body.alertname} ${h.body.status}`);
    return [...last.values()].filter((s) => s.endsWith('firing') && watched.some((w) => s.startsWith(`${w.name} `)));
  };
  await until(() => open().length === 0, 'every alert to resolve', Math.max(60_000, 6 * HOUR / speed)).catch(() => notes.push(`alerts still open at a receiver 6 simulated hours after every wallet was topped up: ${open().join('; ')}`));
  const final = await readDaily({ day: days + 1, pid: daemon.pid!, base, stateDir, logFile, probeFile });
  notes.push(`end: telephony_alert_firing=1 series: ${final.firing.length}; accounts in /api/status: ${final.accounts}; rows ${JSON.stringify(final.rows)}`);
  const secrets = [hook.secret, hook.token, ...wallets.map((w) => w.apiKey)];
  const logText = (await import('node:fs')).readFileSync(logFile, 'utf8');
  notes.push(`secrets in the daemon log: ${secrets.filter((s) => logText.includes(s)).length}`);
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  notes.push(`SIGTERM: ${exited}`);
}
const total = hook.accepted.length;
notes.push(`notifications accepted: ${total} (${hook.accepted.filter((h) => h.body.status === 'resolved').length} resolved); unsigned: ${hook.accepted.filter((h) => !h.signed).length}`);
writeFileSync(join(tmp, 'readings.json'), JSON.stringify(rows, null, 1));
for (const l of notes) process.stdout.write(`# ${l}\n`);
process.stdout.write(`# files: ${tmp}${values.keep ? '' : ' (removed; --keep keeps them)'}\n`);
await hook.close();
process.exit(0); // the 'exit' handler stops the simulator (its piped stderr kept this process alive) and removes the files
