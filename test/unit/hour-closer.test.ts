/**
 * The readings of closed hours: written once the fleet is CLOSE_AFTER_MS into the new hour, in account order,
 * CLOSE_CHUNK accounts a commit (hour-closer.ts), into the hour-first tables; the account-first table older
 * builds wrote is still read and emptied as its rows age (readings.ts).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { applyPoll, INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import { DB_FILE } from '../../src/store/db.js';
import { CLOSE_AFTER_MS, CLOSE_CHUNK } from '../../src/store/hour-closer.js';
import { encodeReadings, hourKey, hourOf, keyOf } from '../../src/store/readings.js';
import type { StateStore } from '../../src/store/state-store.js';
import { openState } from '../helpers/state.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-11-30T10:00:00.250Z'); // an hour's start (and a quarter second)
const H0 = hourOf(T0);
const log = pino({ level: 'silent' });

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-hours-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const poll = (s: AccountState, minute: number): AccountState =>
  applyPoll(s, { ok: true, status: 200, balance: 1e6 - minute * 3, currency: 'USD', requiredCredits: null }, T0 + minute * MIN, 1).state;

/** One value from the database file, read apart from the store. */
function query(dir: string, sql: string, ...args: number[]): number {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  try {
    return (db.prepare(sql).pluck().get(...args) as number | null) ?? 0;
  } finally {
    db.close();
  }
}

/** The ids of the accounts with a whole row of hour H0 in the database file. */
function writtenIds(dir: string): number[] {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT key FROM readings_full WHERE key >= ? AND key < ?').pluck().all(hourKey(0, H0), hourKey(0, H0 + 1)) as number[]).map((k) => k - hourKey(0, H0));
  } finally {
    db.close();
  }
}

const idsOf = (dir: string, names: readonly string[]): number[] => {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  try {
    return names.map((n) => db.prepare('SELECT id FROM accounts WHERE name = ?').pluck().get(n) as number);
  } finally {
    db.close();
  }
};

/** Every account of `store` in `names` polls at `minute` (in a shuffled order), then one commit. */
async function minuteOf(store: StateStore, states: Map<string, AccountState>, names: readonly string[], minute: number): Promise<void> {
  const order = [...names].sort((a, b) => ((a.length * 31 + minute * 17 + a.charCodeAt(a.length - 1)) % 7) - ((b.length * 31 + minute * 17 + b.charCodeAt(b.length - 1)) % 7));
  for (const n of order) {
    const s = poll(states.get(n) ?? INITIAL_ACCOUNT_STATE, minute);
    states.set(n, s);
    void store.account(n).save(s);
  }
  await store.db.flush();
}

test(`a fleet's closed hour waits until ${CLOSE_AFTER_MS / MIN} min into the next, then is written in account order, ${CLOSE_CHUNK} accounts a commit`, async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const names = Array.from({ length: CLOSE_CHUNK + 37 }, (_, i) => `w${String((i * 7919) % (CLOSE_CHUNK + 37)).padStart(4, '0')}`);
  for (const n of names) await store.account(n).load(T0);
  store.releasePreloaded(T0);
  const states = new Map<string, AccountState>();
  for (let m = 0; m <= 61; m++) await minuteOf(store, states, names, m);
  // Minute 61 is 1 min 0.25 s into the hour: every account closed hour H0, none written yet.
  assert.deepEqual(writtenIds(dir), [], 'nothing of the closed hour written before the fleet is 2 min into the next');
  assert.equal(store.hours.pending, names.length);
  await minuteOf(store, states, names, 62); // the pass begins with this commit...
  await store.db.flush(); // ...and writes its first chunk in the next
  const ids = idsOf(dir, names).sort((a, b) => a - b);
  assert.deepEqual(writtenIds(dir), ids.slice(0, CLOSE_CHUNK), 'the first chunk: the lowest account ids, whatever order they polled in');
  await store.db.flush();
  assert.deepEqual(writtenIds(dir), ids, 'the rest in the next commit');
  assert.equal(store.hours.pending, 0);
  // The charts read the same readings before and after (from memory, then from the database).
  const one = store.account(names[0]!).readRange(T0, T0 + HOUR - 1);
  assert.equal(one.length, 60);
  await store.close();
  const again = await openState(dir, log);
  const back = again.account(names[0]!);
  await back.load(T0 + 62 * MIN);
  assert.deepEqual(back.readRange(T0, T0 + HOUR - 1), one);
  await again.close();
});

test('a stop while a pass is under way: the stop\'s commit is the last, and the next start writes the rest', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const names = Array.from({ length: CLOSE_CHUNK + 37 }, (_, i) => `w${i}`);
  const states = new Map<string, AccountState>();
  for (let m = 0; m <= 62; m++) await minuteOf(store, states, names, m);
  await store.close();
  const commits = store.commits;
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.equal(store.commits, commits, 'no commit after close() resolved');
  assert.equal(writtenIds(dir).length, CLOSE_CHUNK);
  const again = await openState(dir, log, { flushMs: 60_000 });
  for (const n of names) await again.account(n).load(T0 + 63 * MIN);
  again.releasePreloaded(T0 + 63 * MIN);
  await minuteOf(again, states, names, 63);
  await again.db.flush();
  assert.equal(writtenIds(dir).length, names.length);
  await again.close();
});

test('an hour closed after the pass began (a wallet polled every 5 min) is written at the next commit', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  store.releasePreloaded(T0);
  const states = new Map<string, AccountState>();
  for (let m = 0; m <= 62; m++) await minuteOf(store, states, m % 5 === 3 ? ['fast', 'slow'] : ['fast'], m);
  await store.db.flush();
  const [fast, slow] = idsOf(dir, ['fast', 'slow']);
  assert.deepEqual(writtenIds(dir), [fast], 'the fleet (one wallet) written at 2 min past');
  await minuteOf(store, states, ['fast', 'slow'], 63); // slow's first poll of the new hour closes its hour
  await store.db.flush();
  assert.deepEqual(writtenIds(dir).sort(), [fast, slow].sort());
  await store.close();
});

test(`a wallet polled hourly within ${CLOSE_AFTER_MS / MIN} min of the hour's turn (POLL_SCHEDULE "0 * * * *"): its closed hour is written at the next poll, not never`, async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  store.releasePreloaded(T0);
  const states = new Map<string, AccountState>();
  for (const m of [1, 61]) await minuteOf(store, states, ['hourly'], m); // 10:01, 11:01: hour H0 closed
  await store.db.flush();
  assert.deepEqual(writtenIds(dir), [], 'no commit has been 2 min into the hour yet');
  await minuteOf(store, states, ['hourly'], 121); // 12:01: hour H0 waited a whole hour
  await store.db.flush();
  assert.deepEqual(writtenIds(dir), idsOf(dir, ['hourly']));
  assert.equal(store.hours.pending, 0);
  await store.close();
});

test('a stop between an hour\'s close and its writing loses none of it: the next start writes it from the saved state', async (t) => {
  const dir = tempDir(t);
  let store = await openState(dir, log, { flushMs: 60_000 });
  const states = new Map<string, AccountState>();
  for (let m = 0; m <= 61; m++) await minuteOf(store, states, ['a'], m);
  await store.close();
  assert.deepEqual(writtenIds(dir), []);
  store = await openState(dir, log, { flushMs: 60_000 });
  await store.account('a').load(T0 + 62 * MIN);
  store.releasePreloaded(T0 + 62 * MIN);
  for (let m = 62; m <= 63; m++) await minuteOf(store, states, ['a'], m);
  await store.db.flush();
  await store.close();
  const [id] = idsOf(dir, ['a']);
  assert.deepEqual(writtenIds(dir), [id]);
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  const blob = db.prepare('SELECT data FROM readings_full WHERE key = ?').pluck().get(hourKey(id!, H0)) as Buffer;
  db.close();
  // The state keeps the last hour whole (older readings one per 15 min): the readings of the closed hour that
  // were younger than an hour at the stop are all there.
  assert.ok(blob.byteLength / 24 >= 55, `${blob.byteLength / 24} readings of the closed hour`);
});

test('rows an older build wrote (account first) are read with the new ones, thinned once a day old, and deleted as they pass 14 days', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const states = new Map<string, AccountState>();
  await minuteOf(store, states, ['a'], 0);
  const [id] = idsOf(dir, ['a']);
  // The older build's table: an hour every hour for 15 days before H0, each whole (60 readings; thinning
  // them was that build's job, and the last day before an upgrade is never thinned by this one).
  store.db.writeNow((db) => {
    const put = db.prepare('INSERT INTO readings (key, data) VALUES (?, ?)');
    for (let h = H0 - 15 * 24; h < H0; h++) put.run(keyOf(id!, h), encodeReadings(Array.from({ length: 60 }, (_, k) => ({ t: h * HOUR + k * MIN, balance: 2e6 - h, consumed: 0 }))));
  });
  await store.close();
  const next = await openState(dir, log, { flushMs: 60_000 });
  await next.account('a').load(T0);
  next.releasePreloaded(T0);
  for (let m = 1; m <= 62; m++) await minuteOf(next, states, ['a'], m);
  await next.db.flush();
  const all = next.account('a').readRange(0, Infinity);
  const perHour = new Map<number, number>();
  for (const x of all) perHour.set(hourOf(x.t), (perHour.get(hourOf(x.t)) ?? 0) + 1);
  assert.equal(Math.min(...perHour.keys()), H0 - 14 * 24 + 1, 'the oldest hour read is 14 days before the newest written');
  assert.equal(perHour.get(H0), 60, 'the hour this build wrote, whole');
  assert.equal(perHour.get(H0 - 23), 60, 'an hour of the older build less than a day old, whole');
  assert.equal(perHour.get(H0 - 30), 6, 'one more than a day old, one reading per 10 min');
  assert.equal(query(dir, 'SELECT COUNT(*) FROM readings WHERE key >= ? AND key < ?', keyOf(id!, 0), keyOf(id! + 1, 0)), 14 * 24 - 1, 'the older rows past 14 days are deleted');
  await next.close();
});

test('a wallet polled for 15 days keeps one day whole and 14 thinned on disk, not more', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const states = new Map<string, AccountState>();
  for (let m = 0; m < 15 * 24 * 60 + 5; m += 1) {
    const s = poll(states.get('a') ?? INITIAL_ACCOUNT_STATE, m);
    states.set('a', s);
    void store.account('a').save(s);
    if (m % 30 === 29) await store.db.flush();
  }
  await store.db.flush();
  await store.close();
  const [id] = idsOf(dir, ['a']);
  const last = H0 + 15 * 24 - 1; // the last hour closed
  assert.equal(query(dir, 'SELECT hour FROM readings_through WHERE account_id = ?', id!), last);
  assert.equal(query(dir, 'SELECT COUNT(*) FROM readings_full'), 24, 'whole: the last 24 hours');
  assert.equal(query(dir, 'SELECT MIN(key) FROM readings_full'), hourKey(id!, last - 23));
  assert.equal(query(dir, 'SELECT COUNT(*) FROM readings_thin'), 14 * 24, 'thinned: the last 14 days');
  assert.equal(query(dir, 'SELECT MIN(key) FROM readings_thin'), hourKey(id!, last - 14 * 24 + 1));
});
