/**
 * `npm run bench:startup`: issue 10's start-up figure on its own, and in pairs. Seeds N wallets' state (14 days
 * of history each, as bench:fleet does), polls them once with the real daemon so the state is the daemon's own,
 * then starts the daemon again R times per variant, variants taken in turn, and prints per variant the median
 * time from spawn to /healthz and to /readyz 200 (every wallet's first poll done), the daemon's CPU until then
 * (all threads, and its main thread alone: the one /readyz waits on, and the figure other processes on the
 * machine disturb least), and its RSS peak (VmHWM) until then. Asserts nothing.
 *
 *   npm run bench:startup                                          this build, 10,000 wallets, 3 starts
 *   npm run bench:startup -- --runs 5 --variant 'old|/tmp/old/dist/main.js' --variant 'new|dist/main.js'
 *   npm run bench:startup -- --variant 'base|dist/main.js' --variant 'gc|dist/main.js|--trace-gc'
 *
 * A variant is `label|entry point|Node flags` (flags optional); the default is this build's dist/main.js.
 * Flags: --wallets N (10000), --runs R (3), --concurrency C (32), --keep (keep the temporary directory).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fleetSpecs, type FleetOptions } from '../../src/simulator/fleet.js';
import { writeWalletsFile } from '../../src/simulator/wallets-file.js';
import { cpuMsFromStat, percentile, rssKiBFromStatus, table, type Row } from './analysis.js';
import { Child, freePort, httpGet, procFigures, ROOT, sleep, startSimulator } from './procs.js';
import { seedHistory } from './seed.js';

const { values: f } = parseArgs({
  options: {
    wallets: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    variant: { type: 'string', multiple: true, default: ['this build|dist/main.js'] },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(f.wallets);
const RUNS = Number(f.runs);
if (!(N >= 1 && RUNS >= 1)) throw new Error('--wallets and --runs must be positive numbers');
const variants = f.variant.map((v) => {
  const [label, entry, flags = ''] = v.split('|');
  if (!label || !entry) throw new Error(`--variant must be 'label|entry point|flags', got ${v}`);
  return { label, entry: isAbsolute(entry) ? entry : join(ROOT, entry), flags: flags.split(' ').filter(Boolean) };
});

const log = (s: string) => process.stderr.write(`[bench:startup ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const tmp = mkdtempSync(join(tmpdir(), 'ws-bench-startup-'));
const stateDir = join(tmp, 'state');
mkdirSync(stateDir);
const walletsFile = join(tmp, 'wallets.yaml');
const fleet: FleetOptions = { count: N, balance: 100_000, burnPerHour: 60, spread: 0.5 };
const specs = fleetSpecs(fleet);
writeFileSync(join(tmp, 'spec.json'), JSON.stringify({ fleet }));
const sim = await startSimulator(['--spec', join(tmp, 'spec.json')]);
writeWalletsFile({ file: walletsFile, keyDir: join(tmp, 'keys'), apiUrl: sim.url, wallets: specs });
log(`${N} wallets, ${RUNS} start(s) per variant; files in ${tmp}`);
log((await seedHistory(stateDir, specs, 14, Date.now())).note);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// as bench:fleet, the image and the systemd unit run it; the schedule's next slot is at most a minute away
const env = { STATE_DIR: stateDir, WALLETS_FILE: walletsFile, METRICS_HOST: '127.0.0.1', METRICS_PORT: String(port), POLL_SCHEDULE: '* * * * *', LOG_LEVEL: 'warn', POLL_CONCURRENCY: f.concurrency, MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=4' };

async function waitStatus(d: Child, path: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && d.running) {
    if ((await httpGet(base + path, 2000).catch(() => null))?.status === 200) return Date.now();
    await sleep(25);
  }
  throw new Error(`${path} never answered 200 (exit ${d.proc.exitCode}); stderr:\n${d.output()}`);
}

interface Start { healthz: number; readyz: number; cpu: number; mainCpu: number; hwm: number }
async function start(v: (typeof variants)[number]): Promise<Start> {
  const spawned = Date.now();
  const d = new Child([...v.flags, v.entry, 'start'], env);
  try {
    const healthz = (await waitStatus(d, '/healthz', 60_000)) - spawned;
    const readyz = (await waitStatus(d, '/readyz', 120_000)) - spawned;
    const cpu = procFigures(d.pid).cpuMs;
    const mainCpu = cpuMsFromStat(readFileSync(`/proc/${d.pid}/task/${d.pid}/stat`, 'utf8')); // the main thread's id is the process's
    const hwm = rssKiBFromStatus(readFileSync(`/proc/${d.pid}/status`, 'utf8'), 'VmHWM');
    return { healthz, readyz, cpu, mainCpu, hwm };
  } finally {
    const code = await d.stop('SIGTERM');
    if (code !== 0) log(`${v.label}: exit ${code}; stderr:\n${d.output()}`);
  }
}

try {
  log('a first start, so that the state is what the daemon itself wrote (not timed)');
  await start(variants[0]!);
  const results = new Map(variants.map((v) => [v.label, [] as Start[]]));
  for (let r = 0; r < RUNS; r++) {
    for (const v of variants) {
      const s = await start(v);
      results.get(v.label)!.push(s);
      log(`${v.label} #${r + 1}: /healthz ${s.healthz} ms, /readyz ${s.readyz} ms, CPU ${s.cpu} ms (main thread ${s.mainCpu} ms), VmHWM ${(s.hwm / 1024).toFixed(0)} MiB`);
    }
  }
  const med = (xs: number[]) => percentile(xs, 50);
  const rows: Row[] = variants.flatMap((v) => {
    const s = results.get(v.label)!;
    const all = (k: keyof Start, unit: (x: number) => string) => `${unit(med(s.map((x) => x[k])))} (${s.map((x) => unit(x[k])).join(', ')})`;
    const msOf = (x: number) => `${x.toFixed(0)} ms`;
    return [
      { what: `${v.label}: to /readyz 200 (median, each)`, figure: all('readyz', msOf), target: '< 10000 ms', pass: med(s.map((x) => x.readyz)) < 10_000 },
      { what: `${v.label}: to /healthz`, figure: all('healthz', msOf), target: '(for reference)', pass: null },
      { what: `${v.label}: CPU until /readyz`, figure: all('cpu', msOf), target: '(for reference)', pass: null },
      { what: `${v.label}: main thread's CPU until /readyz`, figure: all('mainCpu', msOf), target: '(for reference)', pass: null },
      { what: `${v.label}: RSS peak until /readyz (VmHWM)`, figure: all('hwm', (k) => `${(k / 1024).toFixed(0)} MiB`), target: '(for reference)', pass: null },
    ];
  });
  console.log(table(rows));
} finally {
  await sim.child.stop();
  if (!f.keep) rmSync(tmp, { recursive: true, force: true });
}
