/**
 * `npm run bench:store`: the state database under a fleet's load, without the network. WALLETS wallets
 * (default 10,000), each with a full 28-hour in-memory history, are polled MINUTES times (default 60: one
 * snapshot period and one closed hour per wallet) through the very StateStore the daemon uses, committed as
 * the daemon commits them: one transaction a second at a poll rate of WALLETS a minute. Prints bytes
 * written per poll, the store's CPU per poll, commit times, by minute of the hour the bytes, longest commit
 * and live heap (V8's used heap and external memory after a full collection: run with --expose-gc), the
 * database size and the time and memory to load every wallet's state at start-up. Asserts nothing.
 *
 *   WALLETS=10000 MINUTES=60 STATE_DIR=/var/tmp/ws-bench npm run bench:store
 *
 * STATE_DIR should be on a real disk (default: a fresh folder under os.tmpdir()): a tmpfs counts no
 * block-layer writes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { applyPoll, INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import { lastSampleT, sampleCount } from '../../src/domain/packed.js';
import { accountStateToPlain } from '../../src/domain/plain.js';
import { DB_FILE } from '../../src/store/db.js';
import { BUSY_COMMIT, FLUSH_MS } from '../../src/store/flush-timer.js';
import { HOUR_MS, hourOf, seedReadings } from '../../src/store/readings.js';
import { StateStore } from '../../src/store/state-store.js';

const WALLETS = Number(process.env.WALLETS ?? 10_000);
const MINUTES = Number(process.env.MINUTES ?? 60);
const dir = process.env.STATE_DIR ?? mkdtempSync(join(tmpdir(), 'ws-bench-store-'));
const log = pino({ level: 'warn' });
const MIN = 60_000;
const T0 = Date.parse('2026-11-02T00:00:00Z'); // a Monday, on the hour

const io = (): { wchar: number; writeBytes: number } => {
  const text = readFileSync('/proc/self/io', 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(text)![1]);
  // net of cancelled_write_bytes: pages dirtied and then truncated or deleted before writeback (the -shm
  // file of each commit) never reach the disk
  return { wchar: get('wchar'), writeBytes: get('write_bytes') - get('cancelled_write_bytes') };
};
const rssMiB = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const fileBytes = (f: string): number => {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
};
const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const fmt = (n: number, d = 2): string => n.toFixed(d);

/** One wallet's reading at minute i: a drain that varies by hour, a little jitter. */
const balanceAt = (w: number, i: number): number => 50_000 - i * (0.4 + ((w + Math.floor(i / 60)) % 5) * 0.2) + (i % 7 === 0 ? 0.05 : 0);

if (process.env.LOAD_ONLY) {
  const rssBefore = rssMiB();
  const heapBefore = process.memoryUsage().heapUsed / 2 ** 20;
  const cpu = cpuMs();
  const t = performance.now();
  const store = new StateStore(dir, log);
  await store.init(Date.now());
  const names = Array.from({ length: WALLETS }, (_, w) => `wallet-${String(w).padStart(5, '0')}`);
  const loaded: AccountState[] = [];
  for (const n of names) loaded.push(await store.account(n).load(Date.now()));
  store.releasePreloaded(T0);
  const ms = performance.now() - t;
  (globalThis as { gc?: () => void }).gc?.();
  console.log(`start-up: load ${WALLETS} wallets' state in ${fmt(ms / 1000, 2)} s (${fmt((cpuMs() - cpu) / 1000, 2)} s CPU); RSS ${fmt(rssBefore, 0)} → ${fmt(rssMiB(), 0)} MiB, V8 heap used ${fmt(heapBefore, 0)} → ${fmt(process.memoryUsage().heapUsed / 2 ** 20, 0)} MiB holding every state (${loaded.reduce((n, x) => n + sampleCount(x.history.samples), 0)} samples in memory)`);
  const range = store.account(names[0]!).readRange(0, Date.parse('2100-01-01'));
  console.log(`readings of one wallet on disk and open: ${range.length}`);
  await store.close();
  process.exit(0);
}

// A full 28 h history (the domain keeps 28 h in memory): built once, then shared by every wallet at the
// start (the store does not care whose samples they are; each wallet's polls diverge from there).
let template: AccountState = INITIAL_ACCOUNT_STATE;
const HISTORY = 28 * 60;
for (let i = 0; i < HISTORY; i++) template = applyPoll(template, { ok: true, status: 200, balance: balanceAt(0, i), currency: 'USD', requiredCredits: null }, T0 + i * MIN, 1).state;

console.log(`# bench:store — ${WALLETS} wallets × ${MINUTES} polls, STATE_DIR ${dir}`);
console.log(`state per wallet: ${sampleCount(template.history.samples)} samples, ${fmt(JSON.stringify(accountStateToPlain(template)).length / 1024, 1)} KiB as plain JSON`);

const names = Array.from({ length: WALLETS }, (_, w) => `wallet-${String(w).padStart(5, '0')}`);
let store = new StateStore(dir, log, { flushMs: 3_600_000 }); // commits are driven below, at the daemon's pace
await store.init(Date.now());
const states = names.map(() => template);

// Seed: every wallet's first save is a snapshot (what a fresh database costs once; not counted below).
let seedCpu = cpuMs();
for (let w = 0; w < WALLETS; w++) {
  await store.account(names[w]!).load(T0);
  void store.account(names[w]!).save(states[w]!);
  if (w % 500 === 499) await store.db.flush();
}
await store.db.flush();
store.releasePreloaded(T0);
// 14 days of readings per wallet, as the readings tables hold them in steady state (the last day whole, 14 days
// thinned to one per 10 min), up to the hour before the last sample: the polls below then close an hour and
// drop the rows past their keep, as they would after weeks of running.
const lastHour = hourOf(lastSampleT(template.history.samples)!);
const SEED_HOURS = Number(process.env.SEED_DAYS ?? 14) * 24;
const seedIds = store.db.read((db) => names.map((n) => (db.prepare<[string], { id: number }>('SELECT id FROM accounts WHERE name = ?').get(n)!).id));
const walletOf = new Map(seedIds.map((id, w) => [id, w]));
for (let h0 = lastHour - SEED_HOURS; h0 < lastHour; h0 += 24) {
  const hours = Array.from({ length: Math.min(24, lastHour - h0) }, (_, k) => h0 + k);
  store.db.writeNow((db) => seedReadings(db, seedIds, hours, (id, h) => Array.from({ length: 60 }, (_, k) => ({ t: h * HOUR_MS + k * MIN, balance: balanceAt(walletOf.get(id)!, k), consumed: k })), lastHour - 1));
}
await store.close();
// A restart: every wallet comes back from the database, its open hour found from the readings table.
store = new StateStore(dir, log, { flushMs: 3_600_000 });
await store.init(Date.now());
for (const n of names) await store.account(n).load(Date.now());
store.releasePreloaded(T0);
seedCpu = cpuMs() - seedCpu;
console.log(`seed (a snapshot and ${SEED_HOURS / 24} days of readings per wallet): ${fmt(seedCpu / 1000, 1)} s CPU, database ${fmt(fileBytes(join(dir, DB_FILE)) / 2 ** 20, 1)} MiB`);

// Polls: WALLETS a minute, committed as the daemon commits them: once a second when busy (a commit of
// BUSY_COMMIT or more changes), else 100 ms after a poll.
const perSecond = WALLETS / 60;
const perCommit = Math.max(1, Math.round(perSecond * (perSecond * (FLUSH_MS.busy / 1000) >= BUSY_COMMIT ? FLUSH_MS.busy : FLUSH_MS.quiet) / 1000));
const commitMs: number[] = [];
const perSaveMs: number[] = [];
let pending = 0;
let storeCpu = 0;
let domainCpu = 0;
const before = { io: io(), db: fileBytes(join(dir, DB_FILE)) };
const started = Date.now();
const byMinute: { bytes: number; commitMax: number; liveMiB: number }[] = [];
const gc = (globalThis as { gc?: () => void }).gc;
const liveMiB = (): number => (gc?.(), (process.memoryUsage().heapUsed + process.memoryUsage().external) / 2 ** 20);
console.log(`live heap + external before the first poll: ${fmt(liveMiB(), 0)} MiB`);
for (let m = 0; m < MINUTES; m++) {
  const i = HISTORY + m;
  const [minuteIo, minuteCommits] = [io().wchar, commitMs.length];
  for (let w = 0; w < WALLETS; w++) {
    let c = cpuMs();
    const outcome = { ok: true as const, status: 200 as const, balance: balanceAt(w, i), currency: 'USD', requiredCredits: null };
    states[w] = applyPoll(states[w]!, outcome, T0 + i * MIN + (w / WALLETS) * MIN, 1).state;
    domainCpu += cpuMs() - c;
    c = cpuMs();
    void store.account(names[w]!).save(states[w]!);
    if (++pending === perCommit) {
      const t = performance.now();
      await store.db.flush();
      const ms = performance.now() - t;
      commitMs.push(ms);
      perSaveMs.push(ms / pending);
      pending = 0;
    }
    storeCpu += cpuMs() - c;
  }
  byMinute.push({ bytes: (io().wchar - minuteIo) / WALLETS, commitMax: Math.max(0, ...commitMs.slice(minuteCommits)), liveMiB: liveMiB() });
}
await store.db.flush();
const polls = WALLETS * MINUTES;
const after = { io: io(), db: fileBytes(join(dir, DB_FILE)) };
const wall = (Date.now() - started) / 1000;

console.log('');
console.log(`polls: ${polls} in ${fmt(wall, 1)} s wall (${perCommit} saves per commit)`);
console.log(`bytes written per poll: ${fmt((after.io.wchar - before.io.wchar) / polls, 0)} B (write syscalls, WAL + checkpoint + journal), ${fmt((after.io.writeBytes - before.io.writeBytes) / polls, 0)} B (block layer, /proc/self/io write_bytes − cancelled_write_bytes)`);
console.log(`database growth per poll: ${fmt((after.db - before.db) / polls, 0)} B; database now ${fmt(after.db / 2 ** 20, 1)} MiB`);
console.log(`store CPU per poll: ${fmt(storeCpu / polls, 3)} ms (stage + its share of the commit); domain applyPoll: ${fmt(domainCpu / polls, 3)} ms`);
console.log(`commit: median ${fmt(q(commitMs, 0.5))} ms, p99 ${fmt(q(commitMs, 0.99))} ms, max ${fmt(Math.max(...commitMs))} ms`);
// The hour closes at minute 0 (every wallet's first poll of a new hour); its readings are written from minute 2 on (hour-closer.ts).
console.log(`by minute of the hour: ${byMinute.slice(0, 8).map((x, m) => `:${String(m).padStart(2, '0')} ${fmt(x.bytes, 0)} B/poll, commit max ${fmt(x.commitMax, 1)} ms, live ${fmt(x.liveMiB, 0)} MiB`).join('; ')}`);
console.log(`per save (commit time / saves in it): median ${fmt(q(perSaveMs, 0.5), 3)} ms, p99 ${fmt(q(perSaveMs, 0.99), 3)} ms`);
await store.close();

// Start-up, in a fresh process (so its memory is only what loading costs): every wallet's state read back
// (snapshots + journal replay) as a restarted daemon does.
const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], {
  env: { ...process.env, LOAD_ONLY: '1', STATE_DIR: dir, WALLETS: String(WALLETS) },
  stdio: 'inherit',
});
if (child.status !== 0) console.log(`load run failed: ${child.status}`);
if (!process.env.STATE_DIR) rmSync(dir, { recursive: true, force: true });
