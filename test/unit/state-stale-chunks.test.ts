/**
 * Accounts no wallet has claimed for 14 days are deleted DELETE_CHUNK a commit (unclaimed.ts), over the
 * commits after a start or a sweep, not all in one transaction that held the event loop for seconds: after
 * every commit each account is there whole or gone whole, a reload that takes one back before its commit
 * keeps its state, one taken back and given up again (polled since) is not deleted, a new account never
 * meets another's rows, and a commit the disk refuses leaves the rest for the next sweep, said once.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { INITIAL_ACCOUNT_STATE, applyPoll, type AccountState } from '../../src/domain/account.js';
import { DB_FILE } from '../../src/store/db.js';
import { HOUR_MS, hourOf, KEEP_HOURS, seedReadings } from '../../src/store/readings.js';
import { StateStore } from '../../src/store/state-store.js';
import { DELETE_CHUNK, JOURNAL_SLICE } from '../../src/store/unclaimed.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { readingRows } from '../helpers/reading-rows.js';
import { staleDeleted } from '../helpers/state.js';

const T0 = Date.parse('2026-12-07T00:30:00Z');
const LATER = T0 + (KEEP_HOURS + 2) * HOUR_MS; // every account of the seed is stale by then
const MIN = 60_000;
const silent = pino({ level: 'silent' });
/** Five chunks, in id order. */
const NAMES = Array.from({ length: 4 * DELETE_CHUNK + 10 }, (_, i) => `gone-${String(i).padStart(3, '0')}`);

function polled(n: number, from: number, balance = 1000): AccountState {
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < n; i++) s = applyPoll(s, { ok: true, status: 200, balance: balance - i, currency: 'USD', requiredCredits: null }, from + i * MIN, 1).state;
  return s;
}

/** Every account of NAMES with rows in every table: a snapshot, journal entries past it (after a journal slice of other entries), readings, alert events, routing. */
async function seed(t: TestContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ws-stale-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new StateStore(dir, silent, { flushMs: 3_600_000 });
  await store.init(T0);
  store.releasePreloaded(T0);
  for (const name of NAMES) {
    store.account(name).route('{"receivers":["default"]}');
    void store.account(name).save(polled(3, T0), [sampleNotification({ account: name })]);
  }
  await store.db.flush();
  store.db.writeNow((db) => {
    const put = db.prepare("INSERT INTO journal (account_id, delta) VALUES (0, '')");
    for (let i = 0; i < JOURNAL_SLICE; i++) put.run();
    const ids = db.prepare('SELECT id FROM accounts').pluck().all() as number[];
    const hours = [hourOf(T0) - 2, hourOf(T0) - 1];
    seedReadings(db, ids, hours, (id, h) => [{ t: h * HOUR_MS + id, balance: 1000, consumed: 0 }], hourOf(T0) - 1);
  });
  for (const name of NAMES) void store.account(name).save(polled(4, T0));
  await store.db.flush();
  await store.close();
  return dir;
}

/** Every account's rows, by name, and how many rows belong to no account. */
function rowsIn(dir: string): { of: Map<string, string>; orphans: number } {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  try {
    const n = (sql: string, id: number) => (db.prepare(sql).get(id) as { n: number }).n;
    const of = new Map<string, string>();
    for (const { id, name } of db.prepare('SELECT id, name FROM accounts').all() as { id: number; name: string }[]) {
      const counts = ['journal', 'alert_events', 'account_routing'].map((table) => n(`SELECT COUNT(*) AS n FROM ${table} WHERE account_id = ?`, id));
      of.set(name, `journal ${counts[0]}, alert events ${counts[1]}, routing ${counts[2]}, readings ${readingRows(db, id)}`);
    }
    const owners = ['journal WHERE account_id != 0', 'alert_events', 'account_routing', 'account_clock', 'readings_through'].map((from) => `SELECT account_id AS id FROM ${from}`);
    owners.push('SELECT key % 4294967296 FROM readings_full', 'SELECT key % 4294967296 FROM readings_thin');
    const orphans = (db.prepare(`SELECT COUNT(*) AS n FROM (${owners.join(' UNION ')}) WHERE id NOT IN (SELECT id FROM accounts)`).get() as { n: number }).n;
    return { of, orphans };
  } finally {
    db.close();
  }
}

/** Each account in `rows` is as in `before`, and no row is left of one deleted. */
function wholeOrGone(before: Map<string, string>, dir: string, why: string): Map<string, string> {
  const { of, orphans } = rowsIn(dir);
  for (const [name, rows] of of) if (before.has(name)) assert.equal(rows, before.get(name), `${why}: ${name} whole`);
  assert.equal(orphans, 0, `${why}: no row of an account deleted`);
  return of;
}

test('stale accounts are deleted a chunk a commit, each whole; a reload taking one back before its commit keeps its state; one polled since is kept', async (t) => {
  const dir = await seed(t);
  const before = rowsIn(dir).of;
  assert.equal(before.size, NAMES.length);
  assert.ok([...before.values()].every((rows) => /events [1-9].*routing [1-9].*readings [1-9]/.test(rows)), `rows in every table: ${[...before.values()][0]}`);
  const store = new StateStore(dir, silent, { flushMs: 3_600_000 }); // commits when told here
  t.after(() => store.close());
  await store.init(LATER);
  store.releasePreloaded(LATER);
  const commit = async () => {
    await tick(); // the pass looks up the journal, then stages its first chunk
    await store.db.flush();
  };

  await commit();
  let left = wholeOrGone(before, dir, 'first commit');
  assert.deepEqual([...before.keys()].filter((n) => !left.has(n)), NAMES.slice(0, DELETE_CHUNK), 'the first chunk is gone, the others are whole');

  // a reload takes back one of the next chunk and reads it while that chunk commits; one of the first starts afresh
  const [taken, late] = [NAMES[DELETE_CHUNK + 5]!, NAMES[0]!];
  assert.match(before.get(taken)!, /^journal [1-9]/, 'its last save an entry past its snapshot');
  const seen = await store.prefetched([taken, late, 'new-1'], LATER, async () => {
    await store.db.flush();
    return Promise.all([taken, late, 'new-1'].map((n) => store.account(n).load(LATER)));
  });
  assert.deepEqual(seen[0], polled(4, T0), 'taken back before its commit: its state');
  assert.deepEqual(seen[1], INITIAL_ACCOUNT_STATE, 'taken back after its commit: afresh');
  left = wholeOrGone(before, dir, 'second commit');
  assert.deepEqual([...before.keys()].filter((n) => left.has(n)), [taken, ...NAMES.slice(2 * DELETE_CHUNK)]);
  // one of the last chunk taken back, polled and given up again (the third and fourth commits, each with a
  // chunk): unclaimed again at its own chunk's commit, but no longer stale, its row no longer as judged
  const polledAgain = NAMES.at(-1)!;
  assert.deepEqual(await store.account(polledAgain).load(LATER), polled(4, T0));
  const recent = polled(2, LATER, 500);
  for (const name of [taken, polledAgain]) before.delete(name); // written from here on
  await Promise.all([store.account(polledAgain).save(recent), store.account('new-1').save(recent), store.account(taken).save(recent), store.db.flush()]);
  await Promise.all([store.forget(polledAgain, () => true), store.db.flush()]);
  await staleDeleted(store);
  left = wholeOrGone(before, dir, 'the last commit');
  assert.deepEqual([...left.keys()].filter((n) => n.startsWith('gone-')).sort(), [taken, polledAgain].sort());
  // an account made after the pass may have the last one's id: none of its rows is left for it to read
  await Promise.all([store.account('new-2').save(recent), store.db.flush()]);
  for (const name of ['new-1', 'new-2']) assert.deepEqual(store.account(name).alertEvents(0, Infinity), [], `${name} reads no other account's events`);
  wholeOrGone(new Map(), dir, 'new accounts');
  await store.close();

  const again = new StateStore(dir, silent);
  await again.init(LATER);
  t.after(() => again.close());
  assert.deepEqual(await again.account(taken).load(LATER), recent);
  assert.deepEqual(await again.account(polledAgain).load(LATER), recent);
});

test('a commit the disk refuses ends the pass with one warning; the accounts deleted before stay deleted, the rest whole, for the next sweep', async (t) => {
  const dir = await seed(t);
  const before = rowsIn(dir).of;
  const refused = NAMES[DELETE_CHUNK + 3]!;
  const file = new Database(join(dir, DB_FILE));
  file.exec(`CREATE TRIGGER refuse BEFORE DELETE ON accounts WHEN OLD.name = '${refused}' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
  file.close();
  const lines: { level: number; msg: string; accounts?: number }[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
  const store = new StateStore(dir, log, { flushMs: 3_600_000, retryMs: 3_600_000, now: () => LATER });
  t.after(() => store.close());
  await store.init(LATER);
  store.releasePreloaded(LATER);
  while (store.stale.running) {
    await tick();
    await store.db.flush().catch(() => undefined);
  }
  const said = () => lines.filter((l) => /no wallet (has )?claim/.test(l.msg)).map((l) => `${l.level} ${l.msg} (${l.accounts ?? '-'})`);
  assert.deepEqual(said(), [
    '30 deleted the state of accounts no wallet has claimed for over 14 days (' + DELETE_CHUNK + ')',
    '40 cannot delete the state of accounts no wallet claims; tried again within the hour and at the next start (-)',
  ]);
  const left = wholeOrGone(before, dir, 'refused');
  assert.deepEqual([...before.keys()].filter((n) => left.has(n)), NAMES.slice(DELETE_CHUNK), 'the chunk refused and the next are whole');

  const fixed = new Database(join(dir, DB_FILE));
  fixed.exec('DROP TRIGGER refuse');
  fixed.close();
  await store.sweepUnclaimed(LATER);
  await staleDeleted(store);
  assert.equal(rowsIn(dir).of.size, 0, 'the next sweep deletes the rest');
  assert.equal(said().length, 3, `said once each: ${said().join('; ')}`);
});
