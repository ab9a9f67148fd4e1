/**
 * `npm run bench:fleet`: issue 10's fleet benchmark. Prints figures against the targets; asserts nothing.
 *
 *   npm run bench:fleet                                  10,000 wallets, one-minute schedule, 5 minutes measured
 *   npm run bench:fleet -- --wallets 500 --minutes 2     a short run
 *   npm run bench:fleet -- --mode env --interval-seconds 1 --minutes 1
 *                                                        one wallet through today's TELEPHONY_* settings
 *   npm run bench:fleet -- --mode sim-only               the simulator alone, polled by the bench itself
 *
 * The simulator runs as its own process (its CPU is printed apart from the daemon's) and logs every balance
 * request; the REAL daemon (`node dist/main.js start`) gets WALLETS_FILE, POLL_CONCURRENCY and STATE_DIR in
 * a temporary directory. Flags: --wallets N (10000), --minutes M measured (5), --interval-seconds S (60),
 * --concurrency C (32), --reload R (1000; 0 skips the reload), --after-reload-intervals K (2),
 * --log-level L (info), --mode fleet|env|sim-only (fleet), --keep (keep the temporary directory).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fleetSpecs, type FleetOptions } from '../../src/simulator/fleet.js';
import { writeWalletsFile } from '../../src/simulator/wallets-file.js';
import { parseRequestLog, percentile, pollStats, rssKiBFromStatus, table, type Row } from './analysis.js';
import { runLoad } from './loadgen.js';
import { Child, freePort, httpGet, procFigures, ROOT, scrape, sleep, startSimulator, until, type ProcFigures } from './procs.js';
import { seedHistory } from './seed.js';

const { values: f } = parseArgs({
  options: {
    wallets: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '5' },
    'interval-seconds': { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '32' },
    reload: { type: 'string', default: '1000' },
    'after-reload-intervals': { type: 'string', default: '2' },
    'log-level': { type: 'string', default: 'info' },
    mode: { type: 'string', default: 'fleet' },
    keep: { type: 'boolean', default: false },
  },
});
const mode = f.mode as 'fleet' | 'env' | 'sim-only';
if (!['fleet', 'env', 'sim-only'].includes(mode)) throw new Error(`--mode must be fleet, env or sim-only, got ${mode}`);
const N = mode === 'env' ? 1 : Number(f.wallets);
const DURATION = Number(f.minutes) * 60_000;
const I = Number(f['interval-seconds']) * 1000;
const CONCURRENCY = Number(f.concurrency);
const RELOAD = mode === 'fleet' ? Math.min(Number(f.reload), N) : 0;
const AFTER = Number(f['after-reload-intervals']);
const schedule = I === 60_000 ? '* * * * *' : I % 1000 === 0 && I < 60_000 ? `*/${I / 1000} * * * * *` : null;
if (!schedule) throw new Error('--interval-seconds must be 60 or divide 60');

const log = (s: string) => process.stderr.write(`[bench:fleet ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

const tmp = mkdtempSync(join(tmpdir(), 'ws-bench-fleet-'));
const stateDir = join(tmp, 'state');
mkdirSync(stateDir);
const requestLog = join(tmp, 'requests.log');
const walletsFile = join(tmp, 'wallets.yaml');
const keyDir = join(tmp, 'keys');
const fleet: FleetOptions = { count: N + RELOAD, balance: 100_000, burnPerHour: 60, spread: 0.5 };
const specs = fleetSpecs(fleet);
writeFileSync(join(tmp, 'spec.json'), JSON.stringify({ fleet }));
const rows: Row[] = [];

log(`${mode}: ${N} wallets (+${RELOAD} for the reload), every ${I / 1000} s, ${DURATION / 60_000} min measured, POLL_CONCURRENCY=${CONCURRENCY}; files in ${tmp}`);
const sim = await startSimulator(['--spec', join(tmp, 'spec.json'), '--request-log', requestLog]);
log(`simulator pid ${sim.child.pid} at ${sim.url}`);

const cleanUp = async (daemon?: Child) => {
  await daemon?.stop('SIGKILL');
  await sim.child.stop();
  if (!f.keep) rmSync(tmp, { recursive: true, force: true });
};

/** Simulator CPU per balance request over [a, b]. */
function simRow(a: ProcFigures, b: ProcFigures, requests: number): Row {
  const per = (b.cpuMs - a.cpuMs) / Math.max(1, requests);
  return { what: 'simulator CPU per request (not the daemon)', figure: `${ms(per)} (${requests} req, ${mib(b.rssKiB)} RSS)`, target: '(for reference)', pass: null };
}

function pollsOf(names: readonly string[], from: number, to: number) {
  return pollStats(parseRequestLog(readFileSync(requestLog, 'utf8')), names, from, to, I);
}
function pollRows(names: readonly string[], from: number, to: number, label: string): Row[] {
  const p = pollsOf(names, from, to);
  return [
    { what: `${label}: polls in window`, figure: `${p.polls} for ${p.wallets} wallets (${p.neverPolled} never polled, ${p.doubled} doubled, max gap ${(p.maxGapMs / 1000).toFixed(1)} s)`, target: 'every wallet every interval', pass: p.neverPolled === 0 },
    { what: `${label}: missed slots`, figure: String(p.missed), target: '0', pass: p.missed === 0 },
    { what: `${label}: lateness after slot p99 / max`, figure: `${ms(percentile(p.lateness, 99))} / ${ms(Math.max(0, ...p.lateness))}`, target: 'p99 < 5000 ms', pass: percentile(p.lateness, 99) < 5000 },
  ];
}

if (mode === 'sim-only') {
  const names = specs.slice(0, N);
  const from = Date.now() + 2000;
  const to = from + DURATION;
  const s0 = procFigures(sim.child.pid);
  const c0 = process.cpuUsage();
  log(`polling ${N} wallets from the bench process until ${new Date(to).toISOString()}`);
  const r = await runLoad(sim.url, names, I, to, CONCURRENCY);
  const s1 = procFigures(sim.child.pid);
  const c = process.cpuUsage(c0);
  await sleep(500); // the log stream's last writes
  rows.push(
    simRow(s0, s1, r.sent),
    { what: 'simulator CPU share of one core', figure: `${(((s1.cpuMs - s0.cpuMs) / (to - from + 2000)) * 100).toFixed(1)} %`, target: '(little)', pass: null },
    { what: 'simulator RSS', figure: mib(s1.rssKiB), target: '(for reference)', pass: null },
    { what: 'load generator: requests / failed', figure: `${r.sent} / ${r.failed} (${[...r.statuses].map(([k, v]) => `${k}: ${v}`).join(', ')})`, target: 'none failed', pass: r.failed === 0 && r.statuses.size === 1 && r.statuses.has(200) },
    { what: 'load generator: slot → answer p99', figure: ms(percentile(r.latencyMs, 99)), target: '(for reference)', pass: null },
    { what: 'load generator CPU per request (bench process)', figure: ms((c.user + c.system) / 1000 / Math.max(1, r.sent)), target: '(for reference)', pass: null },
    ...pollRows(names.map((w) => w.name), from, to, 'log analysis'),
  );
  console.log(table(rows));
  await cleanUp();
  process.exit(0);
}

// ---- the daemon --------------------------------------------------------------------------------------
const initial = specs.slice(0, N);
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const seed = await seedHistory(stateDir, initial, 14, Date.now());
log(seed.note);
let env: Record<string, string> = { STATE_DIR: stateDir, METRICS_HOST: '127.0.0.1', METRICS_PORT: String(port), POLL_SCHEDULE: schedule, LOG_LEVEL: f['log-level']!, POLL_CONCURRENCY: String(CONCURRENCY), MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', NODE_OPTIONS: process.env.BENCH_DAEMON_NODE_OPTIONS ?? '--max-semi-space-size=4', ...(process.env.GLIBC_TUNABLES ? { GLIBC_TUNABLES: process.env.GLIBC_TUNABLES } : {}) }; // as the image and the unit run it
if (mode === 'fleet') {
  writeWalletsFile({ file: walletsFile, keyDir, apiUrl: sim.url, wallets: initial });
  env = { ...env, WALLETS_FILE: walletsFile };
} else {
  writeWalletsFile({ file: walletsFile, keyDir, apiUrl: sim.url, wallets: initial }); // for the key file only
  env = { ...env, ACCOUNT_NAME: initial[0]!.name, TELEPHONY_API_URL: sim.url, TELEPHONY_BALANCE_PATH: initial[0]!.path, TELEPHONY_API_KEY_FILE: join(keyDir, initial[0]!.name) };
}
/**
 * BENCH_DAEMON_NODE_FLAGS: Node/V8 flags for the daemon alone, to try a heap setting (some are refused in
 * NODE_OPTIONS). BENCH_DAEMON_STDOUT=FILE keeps the daemon's stdout (`--trace-gc`'s lines; the log is on stderr).
 */
const nodeFlags = (process.env.BENCH_DAEMON_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const startDaemon = () => new Child([...nodeFlags, join(ROOT, 'dist/main.js'), 'start'], env, process.env.BENCH_DAEMON_STDOUT);
/** Until `path` answers 200: true, or false once the daemon exits or the time is up. */
async function waitStatus(d: Child, path: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && d.running) {
    if ((await httpGet(base + path, 2000).catch(() => null))?.status === 200) return true;
    await sleep(50);
  }
  return false;
}

let daemon = startDaemon();
const spawned = Date.now();
if (!(await waitStatus(daemon, '/healthz', 60_000))) {
  log(`the daemon did not come up (exit ${daemon.proc.exitCode}); its stderr:\n${daemon.output()}`);
  rows.push({ what: 'daemon start', figure: `exit ${daemon.proc.exitCode}: ${daemon.output().split('\n').filter(Boolean).slice(0, 3).join(' | ')}`, target: 'starts', pass: false });
  console.log(table(rows));
  await cleanUp(daemon);
  process.exit(1);
}
const ready = await waitStatus(daemon, '/readyz', 2 * I + 30_000);
log(`daemon pid ${daemon.pid}: /healthz after ${Date.now() - spawned} ms; /readyz ${ready ? 'ok' : 'never 200'}`);

// warm-up: one whole interval, so every wallet has its first poll behind it
await sleep(I + 2000);
const from = Date.now();
const to = from + DURATION;
const names = initial.map((w) => w.name);
const d0 = procFigures(daemon.pid);
const s0 = procFigures(sim.child.pid);
let maxRss = d0.rssKiB;
/** The largest RSS seen in each wall-clock minute (an hour's turn shows apart from the minutes around it). */
const rssByMinute = new Map<string, number>();
const health: number[] = [];
let healthFailed = 0;
const scrapes: Array<{ ms: number; found: number; status: number; bytes: number; plain: number }> = [];
/** The daemon's own counts of polls it skipped (by reason) and of answers that were not 200 (by code), summed over its wallets. */
const upstreamCounts = (body: string): Map<string, number> => {
  const out = new Map<string, number>();
  for (const m of body.matchAll(/^telephony_poll_skipped_total\{[^}]*reason="([^"]+)"[^}]*\} (\S+)$/gm)) out.set(`skipped ${m[1]}`, (out.get(`skipped ${m[1]}`) ?? 0) + Number(m[2]));
  for (const m of body.matchAll(/^telephony_api_requests_total\{[^}]*code="([^"]+)"[^}]*\} (\S+)$/gm)) if (m[1] !== '200') out.set(`answered ${m[1]}`, (out.get(`answered ${m[1]}`) ?? 0) + Number(m[2]));
  return out;
};
let firstCounts: Map<string, number> | undefined;
let lastCounts = new Map<string, number>();
/** The daemon's own memory view from its last scrape (prom-client's default metrics), to split RSS. */
let heap = { used: NaN, total: NaN, external: NaN };
log(`measuring until ${new Date(to).toISOString()}`);
const probe = (async () => {
  while (Date.now() < to) {
    try {
      const r = await httpGet(`${base}/healthz`, 5000);
      health.push(r.ms);
      if (r.status !== 200) healthFailed++;
    } catch {
      healthFailed++;
    }
    await sleep(200);
  }
})();
const sampler = (async () => {
  let k = 1; // five scrapes, spread over the window
  while (Date.now() < to && daemon.running) {
    const rss = procFigures(daemon.pid).rssKiB;
    maxRss = Math.max(maxRss, rss);
    const minute = new Date().toISOString().slice(11, 16);
    rssByMinute.set(minute, Math.max(rss, rssByMinute.get(minute) ?? 0));
    if (k <= 5 && Date.now() >= from + (k * DURATION) / 6) {
      k++;
      const r = await scrape(`${base}/metrics`, 30_000).catch(() => ({ status: 0, body: '', ms: NaN, bytes: NaN }));
      const found = new Set([...r.body.matchAll(/^telephony_wallet_balance_credits\{[^}]*account="([^"]+)"/gm)].map((m) => m[1]));
      scrapes.push({ ms: r.ms, found: names.filter((n) => found.has(n)).length, status: r.status, bytes: r.bytes, plain: Buffer.byteLength(r.body) });
      if (r.status === 200) (firstCounts ??= upstreamCounts(r.body), (lastCounts = upstreamCounts(r.body)));
      const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(r.body)?.[1] ?? NaN);
      heap = { used: gauge('nodejs_heap_size_used_bytes'), total: gauge('nodejs_heap_size_total_bytes'), external: gauge('nodejs_external_memory_bytes') };
    }
    await sleep(Math.min(1000, Math.max(1, to - Date.now())));
  }
})();
await Promise.all([probe, sampler]);
const d1 = procFigures(daemon.pid);
const s1 = procFigures(sim.child.pid);
await sleep(1000);
const p = pollsOf(names, from, to);
const cpuPerPoll = (d1.cpuMs - d0.cpuMs) / Math.max(1, p.polls);
const bytesPerPoll = (d1.writeBytes - d0.writeBytes) / Math.max(1, p.polls);
rows.push(
  ...pollRows(names, from, to, 'polls'),
  { what: '/healthz p99 / max while polling', figure: `${ms(percentile(health, 99))} / ${ms(Math.max(0, ...health))} (${health.length} probes, ${healthFailed} failed)`, target: 'p99 < 50 ms', pass: percentile(health, 99) < 50 && healthFailed === 0 },
  {
    what: '/metrics scrape, all wallets (asking for gzip, as Prometheus does)',
    figure: scrapes.length === 0 ? 'no scrape' : `max ${ms(Math.max(...scrapes.map((s) => s.ms)))} over ${scrapes.length} scrapes; balances for ${Math.min(...scrapes.map((s) => s.found))}/${N} wallets; ${mb(Math.max(...scrapes.map((s) => s.bytes)))} sent for ${mb(Math.max(...scrapes.map((s) => s.plain)))} of text`,
    target: '< 1000 ms, every wallet',
    pass: scrapes.length > 0 && scrapes.every((s) => s.status === 200 && s.ms < 1000 && s.found === N),
  },
  { what: seed.seeded ? 'RSS max, every wallet with a 14-day history' : 'RSS max (this run\'s history only)', figure: `${mib(maxRss)} (${(maxRss * 1024 / 1e6).toFixed(0)} MB)`, target: '< 400 MB', pass: maxRss * 1024 < 400e6 },
  { what: 'RSS max by minute (UTC)', figure: [...rssByMinute].map(([m, kib]) => `${m} ${(kib / 1024).toFixed(0)}`).join(', ') + ' MiB', target: '(for reference)', pass: null },
  { what: 'of which: V8 heap used / total, external (last scrape)', figure: `${(heap.used / 2 ** 20).toFixed(0)} / ${(heap.total / 2 ** 20).toFixed(0)} MiB, ${(heap.external / 2 ** 20).toFixed(0)} MiB`, target: '(for reference)', pass: null },
  { what: 'CPU per poll (daemon)', figure: `${ms(cpuPerPoll)} (${(d1.cpuMs - d0.cpuMs).toFixed(0)} ms / ${p.polls} polls)`, target: '<= 2 ms', pass: cpuPerPoll <= 2 },
  { what: 'disk written per poll (daemon)', figure: `${(bytesPerPoll / 1024).toFixed(2)} KiB`, target: '< 2 KiB', pass: bytesPerPoll < 2048 },
  simRow(s0, s1, p.polls),
  {
    what: "the daemon's skipped polls and failed answers (first to last scrape)",
    figure: [...lastCounts].map(([k, n]) => [k, n - (firstCounts?.get(k) ?? 0)] as const).filter(([, n]) => n > 0).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none',
    target: '(for reference)',
    pass: null,
  },
);

// ---- reload: remove the first RELOAD wallets, add RELOAD new ones ------------------------------------
if (RELOAD > 0 && daemon.running) {
  const next = specs.slice(RELOAD, N + RELOAD);
  const added = specs.slice(N).map((w) => w.name);
  const removed = specs.slice(0, RELOAD).map((w) => w.name);
  writeWalletsFile({ file: walletsFile, keyDir, apiUrl: sim.url, wallets: next });
  const hupAt = Date.now();
  daemon.proc.kill('SIGHUP');
  // /healthz while the reload runs: how long the daemon's event loop is held by reading the file
  let reloading = true;
  const reloadHealth: number[] = [];
  const reloadProbe = (async () => {
    while (reloading) {
      reloadHealth.push(await httpGet(`${base}/healthz`, 30_000).then((r) => r.ms, () => NaN));
      await sleep(50);
    }
  })();
  const applied = await until(
    async () => {
      const body = (await scrape(`${base}/metrics`, 30_000)).body;
      const info = new Set([...body.matchAll(/^telephony_wallet_info\{[^}]*account="([^"]+)"/gm)].map((m) => m[1]));
      return /^wallet_sentinel_config_last_reload_successful 1$/m.test(body) && added.every((n) => info.has(n)) && !removed.some((n) => info.has(n));
    },
    'the reloaded set on /metrics',
    60_000,
    250, // a full scrape of 10,000 wallets is not free: do not load the daemon while timing it
  ).then(
    () => Date.now() - hupAt,
    () => NaN,
  );
  reloading = false;
  await reloadProbe;
  log(`reload applied after ${applied} ms; watching ${AFTER} more interval(s)`);
  await sleep(AFTER * I + 2000);
  const unchanged = specs.slice(RELOAD, N).map((w) => w.name);
  const kept = pollsOf(unchanged, hupAt - I, hupAt + AFTER * I);
  const fresh = pollsOf(added, hupAt + applied, hupAt + AFTER * I);
  const gone = pollsOf(removed, hupAt + applied + 10_000, hupAt + AFTER * I);
  // The daemon's own figure: SIGHUP handled to the set applied (its 'wallets reloaded' log line). The
  // /metrics figure adds the wait for a scrape that shows it, and a full scrape of 10,000 wallets is ~1 s.
  const own = [...daemon.output().matchAll(/"ms":(\d+)[^\n]*"msg":"wallets reloaded"/g)].map((m) => Number(m[1])).at(-1) ?? NaN;
  rows.push(
    { what: `reload (+${RELOAD} / -${RELOAD}) applied (the daemon's log)`, figure: Number.isNaN(own) ? 'no log line' : ms(own), target: '< 2000 ms', pass: own < 2000 },
    { what: '/healthz max while reloading', figure: `${ms(Math.max(...reloadHealth))} (${reloadHealth.length} probes)`, target: '(for reference)', pass: null },
    { what: `reload (+${RELOAD} / -${RELOAD}) until /metrics shows it`, figure: Number.isNaN(applied) ? 'never (60 s)' : `${ms(applied)} (scrapes included)`, target: '(for reference)', pass: null },
    { what: 'reload: missed slots of unchanged wallets', figure: `${kept.missed} (${kept.neverPolled} never polled)`, target: '0', pass: kept.missed === 0 },
    { what: 'reload: added wallets polled / removed still polled', figure: `${fresh.wallets - fresh.neverPolled}/${RELOAD} / ${gone.polls}`, target: `${RELOAD}/${RELOAD} / 0`, pass: fresh.neverPolled === 0 && gone.polls === 0 },
  );
}

// ---- restart on the state it wrote ------------------------------------------------------------------
const stopping = Date.now();
const code = await daemon.stop('SIGTERM');
const stoppedMs = Date.now() - stopping;
rows.push(
  { what: 'SIGTERM exit code', figure: String(code), target: '0', pass: code === 0 },
  // every wallet's state written: within the grace period of the unit and the manifests (30 s), with room
  { what: 'SIGTERM to exit (every state written)', figure: ms(stoppedMs), target: '< 10000 ms', pass: stoppedMs < 10_000 },
);
daemon = startDaemon();
const restarted = Date.now();
const healthyAfter = (await waitStatus(daemon, '/healthz', 60_000)) ? Date.now() - restarted : NaN;
const readyAfter = (await waitStatus(daemon, '/readyz', 2 * I + 30_000)) ? Date.now() - restarted : NaN;
rows.push({ what: `start-up on ${mode === 'fleet' ? `${N} wallets'` : 'its'} state to /readyz 200`, figure: `${ms(readyAfter)} (/healthz after ${ms(healthyAfter)})`, target: '< 10000 ms', pass: readyAfter < 10_000 });
// the most the restarted daemon's RSS reached while loading the state and polling every wallet once
const peakKiB = rssKiBFromStatus(readFileSync(`/proc/${daemon.pid}/status`, 'utf8'), 'VmHWM');
rows.push({ what: 'start-up: RSS peak until /readyz (VmHWM)', figure: `${mib(peakKiB)} (${(peakKiB * 1024 / 1e6).toFixed(0)} MB)`, target: '(for reference)', pass: null });
await daemon.stop('SIGTERM');

console.log(table(rows));
await cleanUp();
