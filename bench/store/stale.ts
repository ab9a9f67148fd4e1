/**
 * `npm run bench:stale`: what deleting the accounts no wallet claims costs (unclaimed.ts). STALE accounts
 * (default 2,000: a shard rebalanced) last polled over 14 days ago, each with 14 days of readings, beside KEPT
 * wallets still watched (default 2,000, 14 days of readings too; MIXED=1: of the same hours, ids interleaved; BEHIND=1:
 * the stale ones' journal past their snapshot) and a journal of JOURNAL entries (default
 * 200,000: what 2,000 wallets polled every minute keep at most; 10,000 keep ~600,000); then deleted as a start does (`start`: releasePreloaded) or as a
 * running daemon's hourly sweep does (`sweep`: sweepUnclaimed). Prints the wall time, the longest the event
 * loop was held (the longest gaps between the ticks of a 1 ms timer), the bytes written and the WAL of the largest
 * commit (its size as the connection closes). Asserts nothing.
 *
 *   npm run bench:stale -- start|sweep
 *
 * The seeded database is kept in SEED_DIR (default: a folder under os.tmpdir(), made once per STALE/KEPT/
 * JOURNAL) and copied for every run.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { applyPoll, INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import { DB_FILE } from '../../src/store/db.js';
import { HOUR_MS, hourOf, KEEP_HOURS, seedReadings } from '../../src/store/readings.js';
import { StateStore } from '../../src/store/state-store.js';

const mode = process.argv[2];
if (mode !== 'start' && mode !== 'sweep') {
  process.stderr.write('usage: stale.ts start|sweep\n');
  process.exit(64);
}
const STALE = Number(process.env.STALE ?? 2_000);
const KEPT = Number(process.env.KEPT ?? 2_000);
const JOURNAL = Number(process.env.JOURNAL ?? 200_000);
/** The kept wallets' ids alternate with the stale ones' and their readings are of the same hours (a daemon stopped for 14 days, restarted on a new shard): every page of readings holds rows of both. */
const MIXED = process.env.MIXED === '1';
/** The stale wallets' last saves are journal entries past their snapshot (a daemon stopped for 14 days and started without them): a start folds them first. */
const BEHIND = process.env.BEHIND === '1';
const MIN = 60_000;
const NOW = Date.parse('2026-12-01T00:30:00Z');
const GONE_AT = NOW - KEEP_HOURS * HOUR_MS - 2 * HOUR_MS; // the stale wallets' last poll
const log = pino({ level: 'info' }, pino.destination(2));
const seedDir = process.env.SEED_DIR ?? join(tmpdir(), `ws-bench-stale-${STALE}-${KEPT}-${JOURNAL}${MIXED ? '-mixed' : ''}${BEHIND ? '-behind' : ''}`);
const staleName = (i: number) => `gone-${String(i).padStart(5, '0')}`;
const keptName = (i: number) => `kept-${String(i).padStart(5, '0')}`;

function polled(n: number, from: number): AccountState {
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < n; i++) s = applyPoll(s, { ok: true, status: 200, balance: 1000 - i, currency: 'USD', requiredCredits: null }, from + i * MIN, 1).state;
  return s;
}

/** Every account saved (the stale ones with journal entries past their first snapshot, then forgotten), 14 days of readings each, a journal filler. */
async function seed(): Promise<void> {
  mkdirSync(seedDir, { recursive: true });
  const store = new StateStore(seedDir, pino({ level: 'warn' }), { flushMs: 3_600_000 });
  await store.init(GONE_AT);
  store.releasePreloaded(GONE_AT - KEEP_HOURS * HOUR_MS);
  const gone = polled(60, GONE_AT - 60 * MIN);
  const kept = polled(60, NOW - 60 * MIN);
  // MIXED: ids alternate (a shard by hash), else the stale ones come first
  for (let i = 0; i < Math.max(STALE, KEPT); i++) {
    if (i < STALE) void store.account(staleName(i)).save(gone);
    if (MIXED && i < KEPT) void store.account(keptName(i)).save(kept);
  }
  await store.db.flush();
  for (let k = 1; k <= 2; k++) {
    const s = polled(60 + k, GONE_AT - 60 * MIN);
    for (let i = 0; i < STALE; i++) void store.account(staleName(i)).save(s);
    await store.db.flush();
  }
  if (!BEHIND) {
    const forgetting = Promise.all(Array.from({ length: STALE }, (_, i) => store.forget(staleName(i), () => true)));
    await store.db.flush();
    await forgetting;
  }
  for (let i = 0; i < KEPT; i++) void store.account(keptName(i)).save(kept);
  await store.db.flush();
  // an entry past its snapshot: the journal after it is kept by the housekeeping (StateStore.write), as a fleet's
  // polls keep theirs, as long as it is within the slack that leaves a wallet unfolded (2 × 60 entries a wallet)
  void store.account(keptName(0)).save(polled(61, NOW - 60 * MIN));
  await store.db.flush();
  const ids = (prefix: string) => store.db.read((db) => db.prepare(`SELECT id FROM accounts WHERE name LIKE '${prefix}%' ORDER BY id`).pluck().all() as number[]);
  const samples = (h: number) => Array.from({ length: 60 }, (_, k) => ({ t: h * HOUR_MS + k * MIN, balance: 1000 - k, consumed: k }));
  for (const [accounts, last] of [[ids('gone-'), hourOf(GONE_AT)], [ids('kept-'), MIXED ? hourOf(GONE_AT) : hourOf(NOW) - 1]] as const) {
    for (let h0 = last - KEEP_HOURS + 1; h0 <= last; h0 += 24) {
      const hours = Array.from({ length: Math.min(24, last + 1 - h0) }, (_, k) => h0 + k);
      store.db.writeNow((db) => seedReadings(db, accounts, hours, (_id, h) => samples(h), last));
    }
  }
  const delta = JSON.stringify({ s: { balance: 912.5, lastPollAt: NOW, lastSuccessAt: NOW }, o: { hour: 123456, consumed: 1.5, n: 12 }, a: [[NOW, 912.5, 0.5]], r: [NOW - 28 * HOUR_MS] });
  for (let done = 0; done < JOURNAL; done += 50_000) {
    store.db.writeNow((db) => {
      const put = db.prepare('INSERT INTO journal (account_id, delta) VALUES (0, ?)'); // of no account: a fleet's polls, as far as the sweep cares
      for (let i = done; i < Math.min(JOURNAL, done + 50_000); i++) put.run(delta);
    });
  }
  await store.close();
}

const wchar = (): number => Number(/^wchar: (\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
const size = (f: string): number => (existsSync(f) ? statSync(f).size : 0);
const mib = (n: number): string => (n / 2 ** 20).toFixed(1);

if (!existsSync(join(seedDir, DB_FILE))) {
  const t = performance.now();
  await seed();
  process.stdout.write(`seeded ${seedDir} in ${((performance.now() - t) / 1000).toFixed(0)} s: ${mib(size(join(seedDir, DB_FILE)))} MiB\n`);
}
const dir = mkdtempSync(join(tmpdir(), 'ws-bench-stale-run-'));
copyFileSync(join(seedDir, DB_FILE), join(dir, DB_FILE));
const file = join(dir, DB_FILE);
const store = new StateStore(dir, log, { now: () => NOW }); // commits as the daemon's: 100 ms after a change (1 s under a fleet's load)
await store.init(NOW);
for (let i = 0; i < KEPT; i++) await store.account(keptName(i)).load(NOW);
if (mode === 'sweep') store.releasePreloaded(GONE_AT + HOUR_MS); // a start before they were stale: nothing deleted
// The WAL as each connection closes (the store opens one per commit, and its close folds the WAL back and
// removes it): the largest is the largest commit's.
let wal = 0;
const close = Database.prototype.close;
Database.prototype.close = function (this: Database.Database) {
  if (this.name === file) wal = Math.max(wal, size(`${file}-wal`));
  return close.call(this);
};
const held: number[] = [];
let beat = performance.now();
const heart = setInterval(() => {
  held.push(performance.now() - beat);
  beat = performance.now();
}, 1);
await new Promise((r) => setTimeout(r, 20));
const [w0, t0, c0] = [wchar(), performance.now(), process.cpuUsage()];
if (mode === 'start') store.releasePreloaded(NOW);
else await store.sweepUnclaimed(NOW);
await store.stale.running;
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
await new Promise((r) => setTimeout(r, 20));
clearInterval(heart);
const written = wchar() - w0;
const left = store.db.read((db) => db.prepare("SELECT COUNT(*) FROM accounts WHERE name LIKE 'gone-%'").pluck().get() as number);
const owners = ['journal WHERE account_id != 0', 'alert_events', 'account_routing', 'account_clock', 'readings_through'].map((from) => `SELECT account_id AS id FROM ${from}`);
owners.push('SELECT key % 4294967296 FROM readings_full', 'SELECT key % 4294967296 FROM readings_thin');
const orphans = store.db.read((db) => db.prepare(`SELECT COUNT(*) FROM (${owners.join(' UNION ')}) WHERE id NOT IN (SELECT id FROM accounts)`).pluck().get() as number);
const longest = held.sort((a, b) => b - a).slice(0, 3).map((ms) => ms.toFixed(0)).join(', ');
const over = (ms: number) => held.filter((x) => x > ms).length;
process.stdout.write(`${mode}: ${STALE} stale accounts (of ${STALE + KEPT}), journal ${JOURNAL}: ${ms.toFixed(0)} ms in all (${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU), event loop held ${longest} ms at most (${over(50)} times over 50 ms, ${over(100)} over 100 ms), ${mib(written)} MiB written, largest commit's WAL ${mib(wal)} MiB, ${left} stale left, rows of ${orphans} accounts deleted left\n`);
await store.close();
rmSync(dir, { recursive: true, force: true });
