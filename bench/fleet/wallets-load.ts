/**
 * `npm run bench:wallets-load`: what loading a large WALLETS_FILE costs the real CLI. Writes N-wallet files
 * (src/simulator/wallets-file.ts, each key in its own file as the simulator writes them), valid and with one
 * bad wallet at the end, and times `node dist/main.js check` on each: the whole process, from spawn to exit,
 * and its peak RSS (`/usr/bin/time`). `check` is given `LOG_LEVEL=bogus` so that it stops with exit 78 once
 * the settings are loaded (the wallets file is read whole and its problems reported even when a variable is
 * bad) instead of polling: the figure is the load's, start to refusal. Then, with `--daemon`, a daemon's
 * start-up to /healthz 200 with SHARD_COUNT=10 on the valid file. Asserts nothing.
 *
 *   npm run bench:wallets-load                                   10,000 / 50,000 / 100,000 wallets, 3 runs
 *   npm run bench:wallets-load -- --wallets 100000 --runs 5 --entry /tmp/old/dist/main.js --daemon
 *
 * Flags: --wallets N (repeatable), --runs R (3), --entry (dist/main.js), --keys files|shared (`shared`: one
 * `api_key_file` in `defaults`, no key file per wallet; the format has no way to take a key from the
 * environment), --daemon, --keep.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fleetSpecs } from '../../src/simulator/fleet.js';
import { writeWalletsFile } from '../../src/simulator/wallets-file.js';
import { percentile, table, type Row } from './analysis.js';
import { Child, freePort, httpGet, ROOT, until } from './procs.js';

const { values: f } = parseArgs({
  options: {
    wallets: { type: 'string', multiple: true, default: ['10000', '50000', '100000'] },
    runs: { type: 'string', default: '3' },
    entry: { type: 'string', default: 'dist/main.js' },
    keys: { type: 'string', default: 'files' },
    daemon: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(f.runs);
const entry = isAbsolute(f.entry) ? f.entry : join(ROOT, f.entry);
if (f.keys !== 'files' && f.keys !== 'shared') throw new Error('--keys is files or shared');
const log = (s: string) => process.stderr.write(`[bench:wallets-load ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const tmp = mkdtempSync(join(tmpdir(), 'ws-bench-wallets-load-'));

/** Writes the valid file and its copy with a bad wallet appended (an unknown key, a threshold that is not a number). */
function writeFiles(n: number): { valid: string; bad: string } {
  const dir = join(tmp, String(n));
  const valid = join(dir, 'wallets.yaml');
  const specs = fleetSpecs({ count: n });
  const shared = f.keys === 'shared';
  writeWalletsFile({
    file: valid,
    keyDir: join(dir, 'keys'),
    apiUrl: 'http://127.0.0.1:9',
    wallets: shared ? specs.slice(0, 1) : specs,
    extra: (_, i) => ({ low_balance_threshold: 100 + (i % 50), labels: { team: `t${i % 7}`, env: 'prod' } }),
  });
  if (shared) {
    // the same entries without api_key_file, the first wallet's key file as everyone's default
    const keyFile = join(dir, 'keys', specs[0]!.name);
    const body = specs.map((w, i) => `  - name: "${w.name}"\n    api_url: "http://127.0.0.1:9"\n    balance_path: "${w.path}"\n    low_balance_threshold: ${100 + (i % 50)}\n    labels: {"team": "t${i % 7}", "env": "prod"}\n`).join('');
    writeFileSync(valid, `defaults:\n  api_key_file: "${keyFile}"\nwallets:\n${body}`);
  }
  const bad = join(dir, 'wallets-bad.yaml');
  writeFileSync(bad, readFileSync(valid));
  appendFileSync(bad, `  - name: "bad-at-the-end"\n    api_url: "http://127.0.0.1:9"\n    api_key: "k"\n    low_balance_thresold: 5\n    runway_warning_hours: "soon"\n`);
  return { valid, bad };
}

/** One run of `check` on `file`: wall seconds, peak RSS (MiB), the exit code and the problem lines' count. */
function timeCheck(file: string): { s: number; mib: number; code: number; lines: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '@@ %e %M', process.execPath, entry, 'check'], {
    cwd: tmp,
    env: { PATH: process.env.PATH ?? '', WALLETS_FILE: file, STATE_DIR: join(tmp, 'state'), LOG_LEVEL: 'bogus' },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const m = /@@ ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no figures from /usr/bin/time: ${r.stderr.slice(-2000)}`);
  const code = Number(/exited with non-zero status (\d+)/.exec(r.stderr)?.[1] ?? 0);
  return { s: Number(m[1]), mib: Number(m[2]) / 1024, code, lines: (r.stderr.match(/^config error: /gm) ?? []).length };
}

/** A daemon on `file` with SHARD_COUNT=10 (shard 0): spawn to /healthz 200, in seconds. */
async function daemonStart(file: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = new Child([entry], { WALLETS_FILE: file, STATE_DIR: mkdtempSync(join(tmp, 'state-')), METRICS_HOST: '127.0.0.1', METRICS_PORT: String(port), LOG_LEVEL: 'warn', SHARD_COUNT: '10', SHARD_INDEX: '0', POLL_SCHEDULE: '0 0 1 1 *', MALLOC_ARENA_MAX: '2' });
  try {
    await until(async () => (await httpGet(`http://127.0.0.1:${port}/healthz`, 2_000, {}, true)).status === 200 || (child.running ? false : Promise.reject(new Error(child.output()))), '/healthz', 120_000, 50);
    return (performance.now() - t0) / 1000;
  } finally {
    await child.stop();
  }
}

const rows: Row[] = [];
const med = (xs: number[]) => percentile(xs, 50);
for (const n of f.wallets.map(Number)) {
  const files = writeFiles(n);
  log(`${n} wallets (${f.keys === 'files' ? 'a key file each' : 'one key file in defaults'}): ${files.valid}`);
  for (const [what, file] of [['valid', files.valid], ['bad wallet at the end', files.bad]] as const) {
    const runs = Array.from({ length: RUNS }, () => timeCheck(file));
    const codes = [...new Set(runs.map((r) => `${r.code} (${r.lines} problem line${r.lines === 1 ? '' : 's'})`))].join(', ');
    const s = med(runs.map((r) => r.s));
    rows.push({ what: `check, ${n} wallets, ${what}: exit ${codes}; wall, peak RSS (median of ${RUNS})`, figure: `${s.toFixed(2)} s (${Math.min(...runs.map((r) => r.s)).toFixed(2)}–${Math.max(...runs.map((r) => r.s)).toFixed(2)}), ${med(runs.map((r) => r.mib)).toFixed(0)} MiB`, target: 'exit 78 < 5 s', pass: s < 5 });
    log(`${rows.at(-1)!.what}: ${rows.at(-1)!.figure}`);
  }
  if (f.daemon) {
    const starts: number[] = [];
    for (let i = 0; i < RUNS; i++) starts.push(await daemonStart(files.valid));
    rows.push({ what: `daemon SHARD_COUNT=10, ${n} wallets: spawn to /healthz 200 (median of ${RUNS})`, figure: `${med(starts).toFixed(2)} s (${Math.min(...starts).toFixed(2)}–${Math.max(...starts).toFixed(2)})`, target: '', pass: null });
    log(`${rows.at(-1)!.what}: ${rows.at(-1)!.figure}`);
  }
}
process.stdout.write(`${table(rows)}\n`);
if (f.keep) log(`kept ${tmp}`);
else rmSync(tmp, { recursive: true, force: true });
