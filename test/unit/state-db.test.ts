/** The state database: round-trips, the journal and snapshots, history ranges, the shared transaction, faults, the 0.1 import. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { inflateRawSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { INITIAL_ACCOUNT_STATE, applyPoll, shiftClock, type AccountState } from '../../src/domain/account.js';
import type { Notification } from '../../src/domain/alerts.js';
import type { AlertBook } from '../../src/domain/alerts.js';
import { SNAPSHOT_EVERY } from '../../src/store/account-store.js';
import { OutboxStore } from '../../src/notify/outbox-store.js';
import { DB_FILE, type Participant } from '../../src/store/db.js';
import { apply, diff, entryOf, MAX_DELTA_CHARS, Replay, type Delta } from '../../src/store/journal.js';
import { savedStateOrFresh } from '../../src/store/read-only.js';
import { StateStore } from '../../src/store/state-store.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { openState, outboxIn } from '../helpers/state.js';
import { sampleAt, sampleCount } from '../../src/domain/packed.js';
import { UPDATES_KEPT } from '../../src/domain/profile.js';
import { accountStateFromPlain, type PlainAccountState } from '../../src/domain/plain.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { readingRows } from '../helpers/reading-rows.js';

const T0 = Date.parse('2026-11-27T10:00:00.123Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const log = pino({ level: 'silent' });

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-db-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Poll number i of a wallet that spends unevenly, fails now and then and has a top-up and an alert. */
function poll(s: AccountState, i: number): AccountState {
  const t = T0 + i * MIN;
  if (i % 97 === 50) return applyPoll(s, { ok: false, kind: 'server', message: 'HTTP 503' }, t, 1).state;
  // a top-up at 700, a one-off charge (the profile's lastOneOffHour) at 850
  const balance = 10_000 - i * (0.5 + (Math.floor(i / 60) % 4) * 0.3) + (i > 700 ? 3_000 : 0) - (i >= 850 ? 2_000 : 0) + (i % 13 === 0 ? 0.2 : 0);
  const next = applyPoll(s, { ok: true, status: 200, balance, currency: 'EUR', requiredCredits: null }, t, 1).state;
  const alerts: AlertBook = i > 300 ? { low_balance: { id: 'a1', alertname: 'low_balance', severity: i > 400 ? 'critical' : 'warning', startsAt: T0 + 300 * MIN, lastNotifiedAt: t } } : {};
  return { ...next, alerts };
}

const countRows = (dir: string, table: string): number => {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

test('save → load gives back the very same state, across restarts, journal entries and snapshots', async (t) => {
  const dir = tempDir(t);
  let store = await openState(dir, log, { flushMs: 60_000 });
  let account = store.account('prod');
  assert.deepEqual(await account.load(T0), INITIAL_ACCOUNT_STATE);
  store.releasePreloaded(T0);
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < 1_000; i++) {
    s = poll(s, i);
    const saved = account.save(s);
    if (i % 7 === 0) await store.db.flush(); // several polls per commit, as under load
    if (i % 211 === 0) {
      await store.db.flush();
      await saved;
      store = await openState(dir, log, { flushMs: 60_000 });
      account = store.account('prod');
      assert.deepEqual(await account.load(T0 + i * MIN), s, `restart after poll ${i}`);
      store.releasePreloaded(T0);
    }
  }
  await store.close();
  assert.ok(s.history.profile.lastOneOffHour !== undefined, 'the run exercises every part of the profile');
  assert.deepEqual(await (await openState(dir, log)).account('prod').load(0), s);
  // Snapshots fold the journal and housekeeping trims it: it stays bounded, whatever the number of polls.
  assert.ok(countRows(dir, 'journal') <= 3 * SNAPSHOT_EVERY, `journal rows ${countRows(dir, 'journal')}`);
});

test('the database holds the plain form: journal entries and snapshots have arrays of objects and null buckets; the store holds the packed state itself, no copy', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const account = store.account('prod');
  await account.load(T0);
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < 3 * SNAPSHOT_EVERY; i++) {
    s = poll(s, i);
    void account.save(s);
    await store.db.flush();
    assert.equal(await account.load(T0 + i * MIN), s, 'the very state saved (packed, shared with the monitor), not a plain copy');
  }
  await store.close();
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  t.after(() => db.close());
  const deltas = (db.prepare('SELECT delta FROM journal').all() as { delta: string }[]).map((r) => JSON.parse(r.delta) as Delta);
  const parts = deltas.flatMap((d) => (d.p ? [d.p] : []));
  assert.ok(deltas.some((d) => d.a?.[0]?.length === 3), 'samples appended as [t, balance, consumed]');
  assert.ok(parts.some((p) => p.recent), 'an hour closed in a journal entry');
  for (const p of parts) {
    for (const h of p.recent ?? []) assert.deepEqual(Object.keys(h).sort(), ['charges', 'consumed', 'hour', 'observedMs', 'oneOff']);
    for (const d of p.days ?? []) assert.deepEqual(Object.keys(d).sort(), ['consumed', 'day', 'observedMs']);
    if (p.rates) assert.ok(p.rates.length === 168 && p.rates.every((x) => x === null || typeof x === 'number'));
    for (const [hour, prior] of p.updates ?? []) assert.ok(Number.isInteger(hour) && (prior === null || typeof prior === 'number'), 'an update is [epoch hour, value before]');
    assert.ok((p.updates?.length ?? 0) <= UPDATES_KEPT && !('prior' in p) && !('updatedHour' in p));
    if (p.rates) assert.ok(p.rates.includes(null), 'a bucket never observed is null (not NaN, which JSON cannot hold)');
  }
  const snap = db.prepare("SELECT snapshot FROM accounts WHERE name = 'prod'").get() as { snapshot: Buffer };
  const doc = JSON.parse(inflateRawSync(snap.snapshot).toString('utf8')) as { history: { samples: { t: number[] }; profile: { recent: unknown[]; rates: unknown[] } } };
  assert.ok(doc.history.samples.t.length > 0, 'samples by column');
  assert.equal(typeof doc.history.profile.recent[0], 'object');
  assert.ok(doc.history.profile.rates.includes(null));
});

test('a journal entry leaves out the profile parts the domain made anew with the same content, and keeps those that changed', () => {
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < 3 * 60; i++) s = poll(s, i);
  const profile = s.history.profile;
  const copy = <T>(x: T): T => (Array.isArray(x) ? ([...x] as T) : x); // a new array, the same values
  const rebuilt = { ...s, history: { ...s.history, profile: { ...profile, rates: copy(profile.rates), recent: copy(profile.recent), days: copy(profile.days), updates: copy(profile.updates) } } };
  assert.notEqual(rebuilt.history.profile.rates, profile.rates);
  assert.deepEqual(diff(s, rebuilt), {}, 'nothing to write');
  let next = s;
  for (let i = 3 * 60; i < 4 * 60 + 2; i++) next = poll(next, i); // an hour later: the profile closed an hour
  const d = diff(s, next);
  assert.ok(d.p?.recent && d.p.rates, `the parts that changed are written: ${Object.keys(d.p ?? {}).join(', ')}`);
  assert.deepEqual(apply(s, JSON.parse(JSON.stringify(d)) as Delta), next);
  assert.deepEqual(apply(s, JSON.parse(JSON.stringify(diff(s, rebuilt))) as Delta), rebuilt, 'the state read back is the same');
});

test('the journal entry and snapshot of a save are made by save(), not in the commit (where a fleet\'s hour turn piled them up)', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const account = store.account('prod');
  await account.load(T0);
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < 10; i++) s = poll(s, i);
  await account.save(s);
  for (let i = 10; i < 200; i++) s = poll(s, i); // 190 readings in one entry: too large, so a snapshot
  void account.save(s);
  const require = createRequire(import.meta.url);
  const zlib = require('node:zlib') as typeof import('node:zlib');
  const [deflate, stringify] = [zlib.deflateRawSync, JSON.stringify];
  let [deflated, large] = [0, 0];
  zlib.deflateRawSync = ((...a: Parameters<typeof deflate>) => (deflated++, deflate(...a))) as typeof deflate;
  JSON.stringify = ((...a: Parameters<typeof stringify>) => {
    const out = stringify(...a);
    if (typeof out === 'string' && out.length > 1_000) large++;
    return out;
  }) as typeof stringify;
  syncBuiltinESMExports();
  try {
    await store.db.flush();
  } finally {
    zlib.deflateRawSync = deflate;
    JSON.stringify = stringify;
    syncBuiltinESMExports();
  }
  assert.deepEqual({ deflated, large }, { deflated: 0, large: 0 }, 'the commit only writes');
  await store.close();
  assert.deepEqual(await (await openState(dir, log)).account('prod').load(0), s);
});

test('a save written as a snapshot holds the snapshot alone until its commit, not the long journal entry it replaces', () => {
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < 10; i++) s = poll(s, i);
  let later = s;
  for (let i = 10; i < 200; i++) later = poll(later, i); // 190 readings in one entry: too large
  const replaced = entryOf(s, later);
  assert.ok(replaced.blob instanceof Buffer);
  assert.equal(replaced.text, undefined, 'the entry is not kept beside its snapshot');
  assert.equal(entryOf(undefined, s).text, undefined, 'nothing committed: a snapshot alone');
  const next = entryOf(s, poll(s, 10));
  assert.ok(typeof next.text === 'string' && next.text.length < MAX_DELTA_CHARS && next.blob === undefined, 'a short entry is written as itself');
});

test('many accounts in one database, each with its own state; one load reads them all', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const states = new Map<string, AccountState>();
  for (let i = 0; i < 30; i++) {
    for (let w = 0; w < 50; w++) {
      const name = `w-${w}`;
      const s = poll(states.get(name) ?? INITIAL_ACCOUNT_STATE, i + w);
      states.set(name, s);
      void store.account(name).save(s);
    }
    await store.db.flush();
  }
  const again = await openState(dir, log);
  for (const [name, s] of states) assert.deepEqual(await again.account(name).load(0), s, name);
});

test('a forgotten account (a wallet removed) leaves memory and loses nothing: its last state, journal entries and all, is read back from the database, also after the journal was trimmed', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  store.releasePreloaded(T0);
  let gone = INITIAL_ACCOUNT_STATE;
  let keep = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < 30; i++) { // past a snapshot: the last states are journal entries
    gone = poll(gone, i);
    void store.account('gone').save(gone);
    await store.db.flush();
  }
  const fresh = poll(INITIAL_ACCOUNT_STATE, 5);
  void store.account('new').save(fresh); // staged, never committed yet
  assert.equal(store.accountsInMemory, 2);

  await store.forget('gone', () => false);
  assert.equal(store.accountsInMemory, 2, 'added back meanwhile: kept');
  await Promise.all([store.forget('gone', () => true), store.forget('new', () => true)]);
  assert.equal(store.accountsInMemory, 0);
  // the others go on: snapshots and housekeeping trim the journal past what the forgotten account had written
  for (let i = 0; i < 3 * SNAPSHOT_EVERY; i++) {
    keep = poll(keep, i);
    void store.account('keep').save(keep);
    await store.db.flush();
  }
  assert.deepEqual(await store.account('gone').load(0), gone, 'added back: read from the database');
  assert.deepEqual(await store.account('new').load(0), fresh, 'one never committed before its forgetting was written first');
  await store.close();
  const again = await openState(dir, log);
  assert.deepEqual(await again.account('gone').load(0), gone, 'and after a restart');
});

/** A store past start-up holding the saved states of `names` (each forgotten: in the database only), with the states. */
async function forgottenStates(t: TestContext, names: readonly string[]): Promise<{ dir: string; store: StateStore; saved: Map<string, AccountState> }> {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  store.releasePreloaded(T0);
  const saved = new Map<string, AccountState>();
  for (const [k, name] of names.entries()) {
    let s = INITIAL_ACCOUNT_STATE;
    for (let i = 0; i < 20 + k; i++) s = poll(s, i);
    void store.account(name).save(s);
    saved.set(name, s);
  }
  await store.db.flush();
  const forgetting = Promise.all(names.map((n) => store.forget(n, () => true)));
  await store.db.flush(); // the forgetting's fold, committed now rather than at the next timed commit
  await forgetting;
  assert.equal(store.accountsInMemory, 0);
  return { dir, store, saved };
}

test('the wallets a reload adds are read from the database together, before any of them starts: each gets its own state, one never stored a fresh one', async (t) => {
  const { dir, store, saved } = await forgottenStates(t, ['a', 'b']);
  const loaded = await store.prefetched(['a', 'b', 'never'], T0, async () => {
    // Read one by one, each take() would open the file now: damaged under them, they would start afresh.
    writeFileSync(join(dir, DB_FILE), Buffer.alloc(8192, 0x5a));
    return Promise.all(['a', 'b', 'never'].map((n) => store.account(n).load(T0)));
  });
  assert.deepEqual(loaded, [saved.get('a'), saved.get('b'), INITIAL_ACCOUNT_STATE]);
});

test('a reload\'s read of the added wallets leaves out one whose store is still in memory: forgotten meanwhile, its last state is read after it was written', async (t) => {
  const { store, saved } = await forgottenStates(t, ['a']);
  const later = poll(saved.get('a')!, 40);
  void store.account('a').save(later); // removed by a reload and still being forgotten when the next one adds it back
  const loaded = await store.prefetched(['a'], T0, async () => {
    const forgetting = store.forget('a', () => true); // its last state written, then out of memory, before the new wallet loads
    await store.db.flush();
    await forgetting;
    return store.account('a').load(T0);
  });
  assert.deepEqual(loaded, later);
});

test('20 saves before one commit: the last one wins', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log);
  const states: AccountState[] = [];
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < 20; i++) states.push((s = poll(s, i)));
  await Promise.all(states.map((x) => store.account('default').save(x)));
  assert.deepEqual(await (await openState(dir, log)).account('default').load(0), states.at(-1));
});

test('abandoned (another daemon took STATE_DIR): what is staged and anything saved later is dropped, its saves still settle, and close writes nothing', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log);
  const first = poll(INITIAL_ACCOUNT_STATE, 0);
  await store.account('default').save(first);
  const pending = store.account('default').save(poll(first, 1)); // staged, not committed yet
  assert.equal(store.db.abandon(), 1);
  await pending;
  await store.account('default').save(poll(first, 2));
  await store.close();
  assert.equal(countRows(dir, 'journal'), 0, 'no journal entry after the first save\'s snapshot');
  assert.deepEqual(await (await openState(dir, log)).account('default').load(0), first);
});

test('readings: full resolution for a day, one per 10 min after, nothing past 14 days; a range reads across the open hour', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const account = store.account('default');
  await account.load(T0);
  let s = INITIAL_ACCOUNT_STATE;
  const polls = 15 * 24 * 60 + 30;
  for (let i = 0; i < polls; i++) {
    s = applyPoll(s, { ok: true, status: 200, balance: 1e6 - i, currency: 'USD', requiredCredits: null }, T0 + i * MIN, 1).state;
    void account.save(s);
    if (i % 60 === 59) await store.db.flush();
  }
  await store.db.flush();
  const end = T0 + (polls - 1) * MIN;
  const all = account.readRange(0, end);
  assert.ok(all[0]!.t >= end - 14 * 24 * HOUR - 2 * HOUR, `oldest ${(end - all[0]!.t) / HOUR} h old`);
  const lastDay = all.filter((x) => x.t > end - 23 * HOUR);
  assert.equal(lastDay.length, 23 * 60, 'every reading of the last day');
  const older = all.filter((x) => x.t < end - 26 * HOUR);
  for (let i = 1; i < older.length; i++) assert.ok(older[i]!.t - older[i - 1]!.t >= 10 * MIN, 'thinned to one per 10 min');
  assert.ok(older.length > 12 * 24 * 5, `older readings kept: ${older.length}`);
  assert.deepEqual(all.at(-1), sampleAt(s.history.samples, -1), 'the open hour is included');
  const hour = account.readRange(end - HOUR + 1, end);
  assert.equal(hour.length, 60);
  assert.ok(hour.every((x, i) => i === 0 || x.t > hour[i - 1]!.t), 'oldest first');
});

test('readings: hours that turned a day old while the daemon was down (no hour closed then) are thinned by the next hour that closes', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const account = store.account('default');
  await account.load(T0);
  let s = INITIAL_ACCOUNT_STATE;
  // Polls every minute for 30 h, none for 8 h (down), then 30 h more.
  const minutes = [...Array.from({ length: 30 * 60 }, (_, i) => i), ...Array.from({ length: 30 * 60 }, (_, i) => 38 * 60 + i)];
  for (const i of minutes) {
    s = applyPoll(s, { ok: true, status: 200, balance: 1e6 - i, currency: 'USD', requiredCredits: null }, T0 + i * MIN, 1).state;
    void account.save(s);
    if (i % 60 === 59) await store.db.flush();
  }
  await store.db.flush();
  const end = T0 + minutes.at(-1)! * MIN;
  const older = account.readRange(0, end - 26 * HOUR);
  const perHour = new Map<number, number>();
  for (const x of older) perHour.set(Math.floor((x.t - T0) / HOUR), (perHour.get(Math.floor((x.t - T0) / HOUR)) ?? 0) + 1);
  assert.ok(perHour.size >= 20, `hours read: ${perHour.size}`);
  // Hours 5–13 turned a day old during the gap: every hour more than a day old holds at most 6 readings.
  for (const [h, n] of perHour) assert.ok(n <= 7, `hour ${h} (${n} readings) was not thinned`);
});

test('a range far past now reads only its own account, never the next accounts\' rows', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const mine = (await store.account('a').load(T0), store.account('a'));
  await store.account('b').load(T0);
  let [a, b] = [INITIAL_ACCOUNT_STATE, INITIAL_ACCOUNT_STATE];
  for (let i = 0; i < 3 * 60; i++) {
    const t = T0 + i * MIN;
    a = applyPoll(a, { ok: true, status: 200, balance: 42, currency: 'USD', requiredCredits: null }, t, 1).state;
    b = applyPoll(b, { ok: true, status: 200, balance: 1e12, currency: 'USD', requiredCredits: null }, t, 1).state;
    void mine.save(a);
    void store.account('b').save(b);
    if (i % 60 === 59) await store.db.flush(); // hours close into the readings table
  }
  await store.db.flush();
  const far = mine.readRange(0, 8.64e15); // hours past the account's key range (2^21 hours) used to run into b's
  assert.deepEqual(far, mine.readRange(0, T0 + 3 * HOUR));
  assert.ok(far.length >= 2 * 60);
  assert.deepEqual([...new Set(far.map((r) => r.balance))], [42]);
});

test('the owed notifications and the alert state that owes them commit in one transaction', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 60_000 });
  const outbox = new OutboxStore(store.db, log); // as in the daemon: one database for both
  await outbox.load(T0);
  const n = sampleNotification();
  const doc = { deliveries: [{ deliveryId: 'd1', target: 'webhook:0', notification: n, createdAt: T0, attempts: 0, nextAttemptAt: T0, lastError: null }], delivered: {} };
  const state = poll(INITIAL_ACCOUNT_STATE, 301);
  // What the poll cycle does: the dispatcher mirrors the outbox, then the monitor saves the state.
  const mirrored = outbox.mirror(() => doc);
  const saved = store.account('default').save(state);
  assert.equal(countRows(dir, 'outbox'), 0, 'nothing on disk before the commit');
  // A third part of the same commit fails: the transaction rolls back, neither the outbox nor the state lands.
  let fail = true;
  const breaker: Participant = {
    write: () => {
      if (fail) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
    },
    committed: () => undefined,
  };
  void store.db.stage(breaker).catch(() => undefined);
  await assert.rejects(store.db.flush());
  await assert.rejects(saved, 'the save was told its commit failed');
  assert.equal(await mirrored, false, 'so was the outbox');
  assert.equal(countRows(dir, 'outbox'), 0);
  assert.deepEqual(await new StateStore(dir, log, { readOnly: true }).account('default').load(0), INITIAL_ACCOUNT_STATE);
  fail = false;
  await store.db.flush(); // the retry carries all three again
  assert.equal(countRows(dir, 'outbox'), 1);
  assert.deepEqual((await (await openState(dir, log)).account('default').load(0)).alerts, state.alerts);
});

test('a corrupt database file is set aside, said at error level with what starting fresh costs, and a fresh one is made', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, DB_FILE), 'not a database at all, just text that someone copied here'.repeat(100));
  const lines: string[] = [];
  const warnLog = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  const store = await openState(dir, warnLog);
  assert.deepEqual(await store.account('default').load(T0), INITIAL_ACCOUNT_STATE);
  const said = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => /state database is corrupt or unreadable; set aside/.test(l.msg));
  assert.equal(said.length, 1, lines.join(''));
  assert.equal(said[0]!.level, 50, 'error, not warn: alerts page again');
  assert.match(said[0]!.msg, /starting with no history: the alerts that were firing fire again under new ids .* the notifications that were owed are not sent/);
  const aside = readdirSync(dir).filter((f) => f.startsWith(`${DB_FILE}.corrupt-`));
  assert.equal(aside.length, 1);
  assert.match(readFileSync(join(dir, aside[0]!), 'utf8'), /just text/);
  await store.account('default').save(poll(INITIAL_ACCOUNT_STATE, 1));
  assert.deepEqual(await (await openState(dir, log)).account('default').load(0), poll(INITIAL_ACCOUNT_STATE, 1));
});

test('an empty (0-byte) database file (a cp or restore that failed) is set aside and said at error level with what starting fresh costs, not read as a new database', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, DB_FILE), '');
  const lines: { level: number; msg: string; movedTo?: string }[] = [];
  const capture = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
  const store = await openState(dir, capture);
  assert.equal(lines.length, 1, JSON.stringify(lines));
  const [line] = lines;
  assert.equal(line!.level, 50);
  assert.match(line!.msg, /^state database is empty \(0 bytes: a copy or a restore that failed\?\); set aside, starting with no history: the alerts that were firing fire again under new ids .* the notifications that were owed are not sent/);
  assert.match(line!.movedTo ?? '', new RegExp(`/${DB_FILE}\\.corrupt-`));
  assert.equal(statSync(line!.movedTo!).size, 0, 'the empty file kept as it was');
  await store.account('default').save(poll(INITIAL_ACCOUNT_STATE, 1));
  assert.deepEqual(await (await openState(dir, log)).account('default').load(0), poll(INITIAL_ACCOUNT_STATE, 1), 'a fresh database in its place');
});

test('a save into a STATE_DIR that cannot be created rejects (ENOTDIR); once it can, the same store saves again', async (t) => {
  const dir = tempDir(t);
  const blocker = join(dir, 'a-regular-file');
  writeFileSync(blocker, 'x');
  const store = new StateStore(join(blocker, 'state'), log);
  await assert.rejects(store.account('default').save(poll(INITIAL_ACCOUNT_STATE, 1)), { code: 'ENOTDIR' });
  rmSync(blocker);
  await store.account('default').save(poll(INITIAL_ACCOUNT_STATE, 2));
  assert.deepEqual(await (await openState(join(blocker, 'state'), log)).account('default').load(0), poll(INITIAL_ACCOUNT_STATE, 2));
});

test('STATE_DIR emptied while running: the next commit writes every account and every owed row again, not a change against rows that are gone', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 10 });
  store.releasePreloaded(T0);
  const outbox = new OutboxStore(store.db, log);
  const n = sampleNotification();
  const doc = { deliveries: [{ deliveryId: 'd1', target: 'webhook:0', notification: n, createdAt: T0, attempts: 1, nextAttemptAt: T0, lastError: 'HTTP 503' }], delivered: { [n.id]: T0 } };
  let [a, b] = [poll(INITIAL_ACCOUNT_STATE, 1), poll(INITIAL_ACCOUNT_STATE, 1)];
  for (let i = 2; i <= 320; i++) [a, b] = [poll(a, i), poll(b, i)]; // an alert from poll 300
  await Promise.all([store.account('a').save(a), store.account('b').save(b), outbox.mirror(() => doc)]);

  rmSync(dir, { recursive: true, force: true });
  store.db.read(() => undefined); // a read meanwhile (the status page) makes an empty database: it must not hide the loss
  assert.equal(countRows(dir, 'accounts'), 0);
  a = poll(a, 321); // one wallet polls; the other and the outbox have nothing new
  await store.account('a').save(a);
  await store.close();

  const again = await openState(dir, log);
  assert.deepEqual(await again.account('a').load(0), a);
  assert.deepEqual(await again.account('b').load(0), b, 'the wallet that did not poll is written again too');
  assert.deepEqual((await outboxIn(dir, log).load(0)).deliveries.map((d) => d.deliveryId), ['d1'], 'the owed delivery is back on disk');
});

test('an older copy of the database put back while running (a backup restored): the next commit writes every account again, not a change against the newer state it no longer holds', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 10 });
  store.releasePreloaded(T0);
  const outbox = new OutboxStore(store.db, log);
  const owed = (id: string) => ({ deliveryId: id, target: 'webhook:0', notification: sampleNotification(), createdAt: T0, attempts: 1, nextAttemptAt: T0, lastError: 'HTTP 503' });
  let [a, b] = [poll(INITIAL_ACCOUNT_STATE, 1), poll(INITIAL_ACCOUNT_STATE, 1)];
  await Promise.all([store.account('a').save(a), store.account('b').save(b), outbox.mirror(() => ({ deliveries: [owed('d1'), owed('d2')], delivered: {} }))]);
  const backup = join(dir, 'backup.db');
  cpSync(join(dir, DB_FILE), backup); // connections close after each commit: the file is whole
  for (let i = 2; i <= 4; i++) [a, b] = [poll(a, i), poll(b, i)];
  await Promise.all([store.account('a').save(a), store.account('b').save(b), outbox.mirror(() => ({ deliveries: [owed('d2')], delivered: {} }))]); // d1 delivered

  cpSync(backup, join(dir, DB_FILE)); // the older copy, same instance
  a = poll(a, 5); // one wallet polls; the other has nothing new
  await store.account('a').save(a);
  await store.close();

  const again = await openState(dir, log);
  assert.deepEqual(await again.account('a').load(0), a);
  assert.deepEqual(await again.account('b').load(0), b, 'the wallet that did not poll is written again too');
  assert.deepEqual((await outboxIn(dir, log).load(0)).deliveries.map((d) => d.deliveryId), ['d2'], 'd1, delivered since the copy, is not owed again');
});

test('notSaved: the notifications of owed deliveries no commit wrote, and those an open digest took since its row was written', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 10 });
  const outbox = new OutboxStore(store.db, log);
  const n = (id: string) => ({ ...sampleNotification(), id });
  const digest = { deliveryId: 'd1', target: 'email:0', notification: n('a'), more: [n('b')], open: true, createdAt: T0, attempts: 0, nextAttemptAt: T0 + HOUR, lastError: null };
  await outbox.save({ deliveries: [digest], delivered: {} });
  assert.equal(outbox.notSaved([digest]), 0);
  digest.more.push(n('c'), n('d'));
  const fresh = { deliveryId: 'd2', target: 'webhook:0', notification: n('e'), createdAt: T0, attempts: 0, nextAttemptAt: T0, lastError: null };
  assert.equal(outbox.notSaved([digest, fresh]), 3, 'c and d in the digest, e without a row');
  await store.close();
});

test('a closed digest keeps when it became due across a restart (what its owed age counts from)', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 10 });
  const n = (id: string) => ({ ...sampleNotification(), id });
  const digest = { deliveryId: 'd1', target: 'email:0', notification: n('a'), more: [n('b')], open: false, dueAt: T0 + HOUR, createdAt: T0, attempts: 2, nextAttemptAt: T0 + 2 * HOUR, lastError: 'refused' };
  await new OutboxStore(store.db, log).save({ deliveries: [digest], delivered: {} });
  await store.close();
  const again = await openState(dir, log, { flushMs: 10 });
  assert.equal((await new OutboxStore(again.db, log).load(0)).deliveries[0]!.dueAt, T0 + HOUR);
  await again.close();
});

test('accounts no wallet claims, idle past the 14 days the readings are kept and firing nothing, are deleted with all their rows at start; the others stay', async (t) => {
  const dir = tempDir(t);
  const first = await openState(dir, log, { flushMs: 10 });
  first.releasePreloaded(T0);
  const upTo = (n: number) => {
    let s = INITIAL_ACCOUNT_STATE;
    for (let i = 1; i <= n; i++) s = poll(s, i);
    return s;
  };
  const gone = first.account('gone');
  gone.route('{"receivers":["default"]}');
  await Promise.all([gone.save(upTo(130), [sampleNotification()]), first.account('recent').save(upTo(1_000)), first.account('firing').save(upTo(310))]);
  await gone.save(poll(upTo(130), 131)); // a journal entry on top of the snapshot
  await first.close();
  const goneId = (() => {
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    try {
      return (db.prepare("SELECT id FROM accounts WHERE name = 'gone'").get() as { id: number }).id;
    } finally {
      db.close();
    }
  })();
  const rowsOfGone = () => {
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    try {
      const n = (sql: string, ...args: number[]) => (db.prepare(sql).get(...args) as { n: number }).n;
      return {
        accounts: n('SELECT COUNT(*) AS n FROM accounts WHERE id = ?', goneId),
        journal: n('SELECT COUNT(*) AS n FROM journal WHERE account_id = ?', goneId),
        readings: readingRows(db, goneId),
        alert_events: n('SELECT COUNT(*) AS n FROM alert_events WHERE account_id = ?', goneId),
        account_routing: n('SELECT COUNT(*) AS n FROM account_routing WHERE account_id = ?', goneId),
      };
    } finally {
      db.close();
    }
  };
  const before = rowsOfGone();
  assert.ok(Object.values(before).every((n) => n > 0), `every table holds rows of it first: ${JSON.stringify(before)}`);
  const edge = T0 + 131 * MIN + 14 * 24 * HOUR; // 'gone' last polled 14 days before this

  const young = await openState(dir, log, { flushMs: 10 });
  young.releasePreloaded(edge - HOUR);
  await young.close();
  assert.deepEqual(rowsOfGone(), before, 'idle for less than 14 days: kept');

  const later = await openState(dir, log, { flushMs: 10 });
  later.releasePreloaded(edge + HOUR);
  await later.stale.running; // with the commits that follow
  assert.deepEqual(rowsOfGone(), { accounts: 0, journal: 0, readings: 0, alert_events: 0, account_routing: 0 }, 'deleted');
  // a reload adds the wallet back right after: it starts afresh, and what it saves is kept
  assert.deepEqual(await later.account('gone').load(edge + HOUR), INITIAL_ACCOUNT_STATE);
  const back = applyPoll(INITIAL_ACCOUNT_STATE, { ok: true, status: 200, balance: 42, currency: 'EUR', requiredCredits: null }, edge + HOUR, 1).state;
  await later.account('gone').save(back);
  await later.close();
  const again = await openState(dir, log);
  assert.deepEqual(await again.account('recent').load(0), upTo(1_000), 'an unclaimed account polled within 14 days stays');
  assert.deepEqual(await again.account('firing').load(0), upTo(310), 'one with alerts firing stays (closed by the fleet at start)');
  assert.deepEqual(await again.account('gone').load(0), back);
  await again.close();
});

test('a wall-clock step moves the stored readings and alert events with the timeline, across a restart: none is left out, none written twice', async (t) => {
  for (const step of [-2 * HOUR, 3 * HOUR]) {
    const dir = tempDir(t);
    let store = await openState(dir, log, { flushMs: 10 });
    store.releasePreloaded(T0);
    let s = INITIAL_ACCOUNT_STATE;
    let now = T0;
    let polled: { t: number; balance: number }[] = []; // every reading, on the clock of now
    const pollAt = async (i: number, decided: Notification[] = []) => {
      now += MIN;
      s = applyPoll(s, { ok: true, status: 200, balance: 10_000 - i, currency: 'EUR', requiredCredits: null }, now, 1).state;
      polled.push({ t: now, balance: 10_000 - i });
      await store.account('a').save(s, decided);
    };
    const stored = () => store.account('a').readRange(0, Infinity).map(({ t, balance }) => ({ t, balance }));
    const fired = { ...sampleNotification(), decidedAt: T0 + 100 * MIN };
    for (let i = 1; i <= 200; i++) await pollAt(i, i === 100 ? [fired] : []);
    // the monitor (poller/monitor.ts) moves its state and tells the store
    s = shiftClock(s, step);
    store.account('a').shift(step);
    now += step;
    polled = polled.map((r) => ({ ...r, t: r.t + step }));
    for (let i = 201; i <= 300; i++) await pollAt(i);
    assert.deepEqual(stored(), polled, `step ${step / HOUR} h: every reading once, moved with the clock`);
    assert.deepEqual(store.account('a').alertEvents(0, Infinity).map((e) => e.t), [fired.decidedAt + step]);
    await store.close();

    store = await openState(dir, log, { flushMs: 10 });
    assert.deepEqual(await store.account('a').load(now), s);
    store.releasePreloaded(now);
    for (let i = 301; i <= 400; i++) await pollAt(i);
    assert.deepEqual(stored(), polled, `step ${step / HOUR} h, after a restart`);
    assert.deepEqual(store.account('a').alertEvents(0, Infinity).map((e) => e.t), [fired.decidedAt + step]);
    await store.close();
  }
});

test('a wall-clock step between a save and its commit: the staged state is archived on its own timeline, and the readings after the step are not left out', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 3_600_000 }); // commits only when flushed here
  store.releasePreloaded(T0);
  let s = INITIAL_ACCOUNT_STATE;
  let now = T0;
  let polled: { t: number; balance: number }[] = [];
  const pollAt = (i: number) => {
    now += MIN;
    s = applyPoll(s, { ok: true, status: 200, balance: 10_000 - i, currency: 'EUR', requiredCredits: null }, now, 1).state;
    polled.push({ t: now, balance: 10_000 - i });
    return store.account('a').save(s);
  };
  for (let i = 1; i <= 100; i++) {
    void pollAt(i);
    await store.db.flush();
  }
  void pollAt(101); // staged; its commit waits (a slow disk, a commit retried)
  const step = -2 * HOUR;
  store.account('a').shift(step); // the next poll finds the clock stepped back
  await store.db.flush(); // the commit of poll 101 comes after the step
  s = shiftClock(s, step);
  now += step;
  polled = polled.map((r) => ({ ...r, t: r.t + step }));
  for (let i = 102; i <= 200; i++) {
    void pollAt(i);
    await store.db.flush();
  }
  assert.deepEqual(store.account('a').readRange(0, Infinity).map(({ t, balance }) => ({ t, balance })), polled);
  await store.close();
});

test('STATE_DIR remounted read-only: the readings and alert events read what memory holds instead of throwing (the status page answers)', async (t) => {
  const fs = mountTmpfs(t);
  if (!fs) return;
  const store = await openState(fs.dir, log, { flushMs: 10 });
  store.releasePreloaded(T0);
  let s = poll(INITIAL_ACCOUNT_STATE, 1);
  for (let i = 2; i <= 5; i++) s = poll(s, i);
  await store.account('a').save(s);
  fs.readOnly(); // the writer's connection (exclusive locking, WAL) cannot open the file there: SQLITE_IOERR_LOCK
  assert.equal(store.account('a').readRange(0, Infinity).length, 5, 'the open hour, from memory');
  assert.deepEqual(store.account('a').alertEvents(0, Infinity), []);
  fs.readWrite();
  await store.close();
});

test('read-only (check): its statements see one commit: a trim of the journal committed between its read of the accounts and of the journal is not half seen', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 10 });
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 1; i <= 30; i++) await store.account('a').save((s = poll(s, i))); // a snapshot, then journal entries
  assert.ok(countRows(dir, 'journal') > 0);
  const prepare = Database.prototype.prepare;
  let trimmed = false;
  // The daemon commits while check is between its two reads (in check: the seconds 10,000 snapshots take to decode).
  Database.prototype.prepare = function (this: Database.Database, sql: string) {
    if (!trimmed && sql.startsWith('SELECT seq, account_id, delta FROM journal')) {
      trimmed = true;
      const other = new Database(join(dir, DB_FILE));
      other.prepare('DELETE FROM journal').run();
      other.close();
    }
    return prepare.call(this, sql);
  } as typeof prepare;
  try {
    assert.deepEqual(await new StateStore(dir, log, { readOnly: true }).account('a').load(T0), s, 'the state as of the first read, whole');
  } finally {
    Database.prototype.prepare = prepare;
  }
  assert.ok(trimmed);
  await store.close();
});

test("a database of a newer schema (a rollback after an upgrade): check reads it as unreadable, naming why; the daemon sets it aside without writing a table into it", async (t) => {
  const dir = tempDir(t);
  const newer = new Database(join(dir, DB_FILE));
  newer.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema', '99'); CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT, wallet BLOB)");
  newer.close();
  const read = await savedStateOrFresh(new StateStore(dir, log, { readOnly: true }), 'default', T0);
  assert.equal(read.problem, "cannot read the state database in STATE_DIR (it was written by a newer wallet-sentinel: schema version 99 is newer than this build's 1)");
  const store = await openState(dir, log);
  await store.close();
  const aside = readdirSync(dir).find((f) => f.startsWith(`${DB_FILE}.corrupt-`));
  assert.ok(aside, readdirSync(dir).join(', '));
  const kept = new Database(join(dir, aside), { readonly: true });
  assert.deepEqual(kept.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => (r as { name: string }).name), ['accounts', 'meta'], 'the newer file as it was');
  kept.close();
});

test('a rollback onto a newer version\'s database says so at error level, with what starting without it costs and how to get it back, not "corrupt"', async (t) => {
  const dir = tempDir(t);
  const newer = new Database(join(dir, DB_FILE));
  newer.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema', '2'); CREATE TABLE outbox (delivery_id TEXT PRIMARY KEY, body TEXT NOT NULL); INSERT INTO outbox VALUES ('d1', '{}'), ('d2', '{}')");
  newer.close();
  const lines: { level: number; msg: string; movedTo?: string; reason?: string; owedNotificationsSetAside?: number }[] = [];
  const capture = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
  const store = await openState(dir, capture);
  await store.close();
  assert.equal(lines.length, 1, JSON.stringify(lines));
  const [line] = lines;
  assert.equal(line!.level, 50, 'error, not warn');
  assert.match(line!.msg, /written by a newer wallet-sentinel/);
  assert.doesNotMatch(line!.msg, /corrupt/);
  assert.match(line!.msg, /fire again under new ids/);
  assert.match(line!.msg, /rename the file set aside back to wallet-sentinel\.db/);
  assert.equal(line!.reason, "schema version 2 is newer than this build's 1");
  assert.equal(line!.owedNotificationsSetAside, 2);
  assert.ok(line!.movedTo && existsSync(line!.movedTo));
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(`${DB_FILE}.corrupt-`)), [line!.movedTo!.slice(dir.length + 1)], 'no -wal or -shm left beside the file set aside by the count');
  const kept = new Database(line!.movedTo!, { readonly: true });
  assert.deepEqual(kept.prepare("SELECT value FROM meta WHERE key = 'schema'").get(), { value: '2' }, 'the newer file as it was');
  kept.close();
});

test('a database an older build wrote (schema 1, test/fixtures/state-db-v1) is taken over whole: history, alert ids and owed notifications, nothing set aside', async (t) => {
  const dir = tempDir(t);
  cpSync(resolve(import.meta.dirname, '../fixtures/state-db-v1/wallet-sentinel.db'), join(dir, DB_FILE));
  const store = await openState(dir, log);
  const s = await store.account('w2').load(T0);
  assert.equal(sampleCount(s.history.samples), 12);
  assert.equal(s.balance, 967.084);
  assert.deepEqual(s.alerts, { low_balance: { id: 'w2/low_balance/mxbfd8n0', alertname: 'low_balance', severity: 'warning', startsAt: 1796536367100, lastNotifiedAt: 1796536367100 } });
  const owed = await new OutboxStore(store.db, log).load(T0);
  assert.deepEqual(owed.deliveries.map((d) => [d.notification.id, d.notification.reason, d.target]), [['w2/low_balance/mxbfd8n0', 'start', 'webhook:webhook:1a90d92595145a78']]);
  await store.close();
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.corrupt-')), [], 'not set aside');
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  assert.deepEqual(db.prepare("SELECT value FROM meta WHERE key = 'schema'").get(), { value: '1' });
  db.close();
});

test('read-only (check): a missing database stays missing; an existing one is neither changed nor joined by -wal/-shm files', async (t) => {
  const dir = tempDir(t);
  const ro = new StateStore(dir, log, { readOnly: true });
  assert.deepEqual(await ro.account('default').load(T0), INITIAL_ACCOUNT_STATE);
  assert.deepEqual(readdirSync(dir), []);
  const store = await openState(dir, log);
  await store.account('default').save(poll(INITIAL_ACCOUNT_STATE, 3));
  await store.close();
  const before = { files: readdirSync(dir).sort(), bytes: readFileSync(join(dir, DB_FILE)), mtime: statSync(join(dir, DB_FILE)).mtimeMs };
  assert.deepEqual(before.files, [DB_FILE]);
  assert.deepEqual(await new StateStore(dir, log, { readOnly: true }).account('default').load(T0), poll(INITIAL_ACCOUNT_STATE, 3));
  assert.deepEqual(readdirSync(dir).sort(), before.files);
  assert.deepEqual(readFileSync(join(dir, DB_FILE)), before.bytes);
  assert.equal(statSync(join(dir, DB_FILE)).mtimeMs, before.mtime);
});

const FIXTURE = resolve(import.meta.dirname, '../fixtures/state-0.1');

test('a 0.1 STATE_DIR is imported once: every account and the outbox, then the JSON files are renamed *.imported', async (t) => {
  const dir = tempDir(t);
  cpSync(FIXTURE, dir, { recursive: true });
  const file = JSON.parse(readFileSync(join(FIXTURE, 'account-prod-eu.json'), 'utf8')) as { state: PlainAccountState };
  // 0.1 kept no refills; its plain arrays of objects are packed once read.
  const expected = { state: accountStateFromPlain({ ...file.state, history: { ...file.state.history, refills: [] } }) };
  const outbox = JSON.parse(readFileSync(join(FIXTURE, 'outbox.json'), 'utf8')) as { deliveries: unknown[]; delivered: Record<string, number> };
  // `check` before any daemon upgraded the folder reads 0.1's file where it is, changing nothing.
  assert.deepEqual(await new StateStore(dir, log, { readOnly: true }).account('prod-eu').load(T0), expected.state);
  assert.equal(existsSync(join(dir, DB_FILE)), false);

  const store = await openState(dir, log);
  assert.deepEqual(await store.account('prod-eu').load(T0), expected.state);
  assert.equal((await store.account('default').load(T0)).balance, 42.5);
  const owed = await outboxIn(dir, log).load(T0);
  assert.deepEqual(owed.deliveries, outbox.deliveries);
  assert.deepEqual(owed.delivered, outbox.delivered);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.json')), [], 'no 0.1 file left to import again');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.imported')).sort(), ['account-default.json.imported', 'account-prod-eu.json.imported', 'outbox.json.imported']);

  // The database wins from now on: a 0.1 file that turns up again does not overwrite newer state.
  const newer = poll(expected.state, 2_000);
  await store.account('prod-eu').save(newer);
  cpSync(join(FIXTURE, 'account-prod-eu.json'), join(dir, 'account-prod-eu.json'));
  assert.deepEqual(await (await openState(dir, log)).account('prod-eu').load(T0), newer);
});

test('start-up replay (all entries at once) gives the same state as applying them one by one', () => {
  let s = INITIAL_ACCOUNT_STATE;
  const states: AccountState[] = [s];
  for (let i = 0; i < 950; i++) states.push((s = poll(s, i)));
  assert.ok(s.history.profile.lastOneOffHour !== undefined, 'a one-off charge was recorded (poll 850)');
  const deltas = states.slice(1).map((x, i) => JSON.parse(JSON.stringify(diff(states[i]!, x))) as Delta);
  assert.ok(deltas.some((d) => d.o) && deltas.some((d) => d.r) && deltas.some((d) => d.p), 'the entries exercise every kind of change');
  let one = states[0]!;
  const replay = new Replay(states[0]!);
  for (const d of deltas) {
    one = apply(one, d);
    replay.add(d);
  }
  assert.deepEqual(one, s);
  assert.deepEqual(replay.result(), s);
});

test("an account whose stored state cannot be read starts fresh with a warning; the others keep theirs", async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log);
  await Promise.all([store.account('good').save(poll(INITIAL_ACCOUNT_STATE, 5)), store.account('bad').save(poll(INITIAL_ACCOUNT_STATE, 6))]);
  const db = new Database(join(dir, DB_FILE));
  db.prepare("UPDATE accounts SET snapshot = ? WHERE name = 'bad'").run(Buffer.from('garbage'));
  db.close();
  const lines: string[] = [];
  const again = await openState(dir, pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }));
  assert.deepEqual(await again.account('bad').load(0), INITIAL_ACCOUNT_STATE);
  assert.deepEqual(await again.account('good').load(0), poll(INITIAL_ACCOUNT_STATE, 5));
  assert.ok(lines.some((l) => l.includes('"account":"bad"') && l.includes('unreadable; starting it fresh')), lines.join(''));
  await again.account('bad').save(poll(INITIAL_ACCOUNT_STATE, 7)); // written as a fresh snapshot
  assert.deepEqual(await (await openState(dir, log)).account('bad').load(0), poll(INITIAL_ACCOUNT_STATE, 7));
});

test('owed notifications read back whole (a credit limit, the provider\'s words on a suspension); an unreadable one is said once, then deleted, not at every start', async (t) => {
  const dir = tempDir(t);
  const outbox = outboxIn(dir, log);
  await outbox.load(T0);
  const n = sampleNotification({
    alertname: 'auth_failed',
    wallet: { balance: -20, currency: 'USD', burnRatePerHour: 3, runwaySeconds: 600, autoRecharge: true, creditLimit: 50 },
    preset: { name: 'twilio', title: 'Twilio', topUp: 'Top up.', credentials: ['account_sid', 'auth_token'], suspends: 'Twilio suspends below 0' },
    labels: { team: 'voice' },
    provider: 'twilio',
  });
  const doc = { deliveries: [{ deliveryId: 'd1', target: 'webhook:0', notification: n, createdAt: T0, attempts: 1, nextAttemptAt: T0, lastError: null }], delivered: {} };
  await outbox.save(doc);
  const db = new Database(join(dir, DB_FILE));
  db.prepare('INSERT INTO outbox (delivery_id, body) VALUES (?, ?)').run('torn', '{"deliveryId":"torn"}');
  db.close();

  const lines: string[] = [];
  const again = outboxIn(dir, pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }));
  const loaded = await again.load(T0);
  assert.deepEqual(loaded.deliveries, doc.deliveries, 'every field of the notification, as written');
  assert.equal(lines.filter((l) => l.includes('"deliveryId":"torn"') && l.includes('unreadable; it is lost')).length, 1);
  await again.save(loaded); // the next commit, with nothing else to change
  assert.equal(countRows(dir, 'outbox'), 1, 'the unreadable row is gone, the good one kept');
});

test('a reader holding a read transaction (check, a backup, an ad-hoc query) does not stop a commit: it waited 5 s with the event loop frozen, then failed as "not writable"', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log);
  store.releasePreloaded(T0);
  await store.account('a').save(poll(INITIAL_ACCOUNT_STATE, 1));
  const reader = new Database(join(dir, DB_FILE), { readonly: true });
  t.after(() => reader.close());
  reader.exec('BEGIN');
  assert.equal((reader.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n, 1);
  const next = poll(poll(INITIAL_ACCOUNT_STATE, 1), 2);
  await store.account('a').save(next); // rejected (SQLITE_BUSY, told as EIO) while the reader held its lock
  assert.equal((reader.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n, 1, 'the reader still in its transaction');
  reader.exec('COMMIT');
  await store.close();
  assert.deepEqual(await (await openState(dir, log)).account('a').load(0), next);
});

/** Overwrites the root page of `table` (the header and the schema stay sound, so opening works): a torn copy, a bad sector. */
function damageTable(dir: string, table: string): void {
  const path = join(dir, DB_FILE);
  const db = new Database(path, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const root = (db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').get(table) as { rootpage: number }).rootpage;
  db.close();
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
  closeSync(fd);
}

test('a database damaged past its header, met at start: set aside with a warning and a fresh start (it exited 1 at every start)', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log);
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 1; i <= 60; i++) s = poll(s, i);
  await Promise.all(['a', 'b', 'c'].map((n) => store.account(n).save(s)));
  await store.close();
  damageTable(dir, 'journal');

  const lines: string[] = [];
  const again = await openState(dir, pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }));
  assert.equal(await again.account('a').load(0), INITIAL_ACCOUNT_STATE, 'a fresh start');
  assert.ok(lines.some((l) => l.includes('state database is corrupt; set aside')), lines.join(''));
  assert.equal(readdirSync(dir).filter((f) => f.startsWith(`${DB_FILE}.corrupt-`)).length, 1, 'the damaged file kept aside');
  const next = poll(INITIAL_ACCOUNT_STATE, 61);
  await again.account('a').save(next);
  await again.close();
  assert.deepEqual(await (await openState(dir, log)).account('a').load(0), next, 'the fresh database takes commits');
});

test('a database damaged past its header while running: the next commit sets it aside and writes every state this process holds to a fresh one (it failed as EIO for good)', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log, { flushMs: 10 });
  store.releasePreloaded(T0);
  let [a, b] = [INITIAL_ACCOUNT_STATE, INITIAL_ACCOUNT_STATE];
  for (let i = 1; i <= 60; i++) [a, b] = [poll(a, i), poll(b, i)];
  await Promise.all([store.account('a').save(a), store.account('b').save(b)]);
  damageTable(dir, 'journal');
  a = poll(a, 61); // only one wallet polls
  await store.account('a').save(a);
  await store.close();
  const again = await openState(dir, log);
  assert.deepEqual(await again.account('a').load(0), a);
  assert.deepEqual(await again.account('b').load(0), b, 'the wallet that did not poll is written to the fresh file too');
});

test('a damaged page met when a wallet added by a reload is read: the file is set aside and the wallet starts fresh (it was refused at every SIGHUP until a restart)', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log);
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 1; i <= 60; i++) s = poll(s, i);
  await Promise.all(['a', 'b'].map((n) => store.account(n).save(s)));
  await store.close();
  damageTable(dir, 'sqlite_autoindex_accounts_1'); // the name index: start-up's full scan never reads it

  const lines: string[] = [];
  const again = await openState(dir, pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }));
  t.after(() => again.close());
  assert.deepEqual(await again.account('a').load(T0), s, 'start-up reads every account without the index');
  again.releasePreloaded(T0);
  assert.equal(await again.account('added').load(T0), INITIAL_ACCOUNT_STATE, 'the wallet added later starts fresh');
  assert.ok(lines.some((l) => l.includes('state database is corrupt; set aside')), lines.join(''));
  assert.equal(readdirSync(dir).filter((f) => f.startsWith(`${DB_FILE}.corrupt-`)).length, 1, 'the damaged file kept aside');
});

test('a damaged page in the chart history at start keeps every wallet\'s alert state and the owed notifications (the whole file was set aside: a fresh start that forgot them)', async (t) => {
  const dir = tempDir(t);
  const store = await openState(dir, log);
  store.releasePreloaded(T0);
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 1; i <= 400; i++) {
    s = poll(s, i);
    if (i % 60 === 0) await store.account('a').save(s);
  }
  await store.account('a').save(s);
  const outbox = new OutboxStore(store.db, log);
  await outbox.load(T0);
  await outbox.save({ deliveries: [{ deliveryId: 'd1', target: 'webhook:0', notification: sampleNotification(), createdAt: T0, attempts: 1, nextAttemptAt: T0, lastError: 'HTTP 503' }], delivered: {} });
  await store.close();
  damageTable(dir, 'readings');

  const lines: string[] = [];
  const warn = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  const again = await openState(dir, warn);
  t.after(() => again.close());
  const loaded = await again.account('a').load(T0 + 400 * MIN);
  assert.deepEqual(loaded.alerts, s.alerts, 'the firing alert, with its id');
  assert.equal(loaded.balance, s.balance);
  assert.deepEqual((await new OutboxStore(again.db, warn).load(T0)).deliveries.map((d) => d.deliveryId), ['d1'], 'the owed notification');
  assert.ok(lines.some((l) => l.includes('the chart history is on a damaged page')), lines.join(''));
  assert.equal(readdirSync(dir).filter((f) => f.startsWith(`${DB_FILE}.corrupt-`)).length, 0, 'nothing set aside');
});

test('owed notifications on a damaged page at start: the file is set aside and the outbox starts empty, not a crash', async (t) => {
  const dir = tempDir(t);
  const outbox = outboxIn(dir, log);
  await outbox.load(T0);
  const n = sampleNotification();
  await outbox.save({ deliveries: [{ deliveryId: 'd1', target: 'webhook:0', notification: n, createdAt: T0, attempts: 0, nextAttemptAt: T0, lastError: null }], delivered: {} });
  damageTable(dir, 'outbox');
  const lines: string[] = [];
  const again = outboxIn(dir, pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }));
  assert.deepEqual(await again.load(T0), { deliveries: [], delivered: {} });
  assert.ok(lines.some((l) => l.includes('state database is corrupt; set aside')), lines.join(''));
});

test("SQLite's temporary storage is memory, for the daemon's connection and a read-only look: the containers' root (/tmp, /var/tmp) is read-only", async (t) => {
  const { openWal, readUnchanged } = await import('../../src/store/db-file.js');
  const path = join(tempDir(t), 'state.db');
  const db = openWal(path);
  const MEMORY = 2;
  assert.equal(db.pragma('temp_store', { simple: true }), MEMORY);
  db.close();
  assert.equal(readUnchanged(path, (r) => r.pragma('temp_store', { simple: true })), MEMORY);
});

test('a read-only look (check) during which a daemon commits and folds its WAL into the file is made again: never a mix of commits, nor SQLITE_CORRUPT', async (t) => {
  const { readUnchanged } = await import('../../src/store/db-file.js');
  const dir = tempDir(t);
  const path = join(dir, 'state.db');
  const setup = new Database(path);
  setup.pragma('journal_mode = WAL');
  setup.exec("CREATE TABLE marks (v TEXT); INSERT INTO marks VALUES ('before')");
  setup.close();
  let reads = 0;
  const seen = readUnchanged(path, (db) => {
    reads++;
    const v = db.prepare('SELECT v FROM marks').pluck().get();
    if (reads === 1) {
      const daemon = new Database(path); // a daemon's commit, folded back into the file at its close
      daemon.pragma('journal_mode = WAL');
      daemon.prepare("UPDATE marks SET v = 'after'").run();
      daemon.close();
    }
    return v;
  });
  assert.deepEqual([seen, reads], ['after', 2], 'the read the commit landed in was made again');
  const { ChangedWhileRead } = await import('../../src/store/db-file.js');
  let n = 0;
  assert.throws(
    () =>
      readUnchanged(path, () => {
        const daemon = new Database(path); // a daemon committing under every read
        daemon.prepare('INSERT INTO marks VALUES (?)').run(String(++n));
        daemon.close();
      }),
    (e: unknown) => e instanceof ChangedWhileRead && /changed while it was read, 5 times/.test(e.message),
  );
});

test("a read-only look (check) at a database no writer has open creates nothing: a daemon that opened it meanwhile keeps its commit (removing the -wal the look made lost it)", async (t) => {
  const { readUnchanged } = await import('../../src/store/db-file.js');
  const dir = tempDir(t);
  const path = join(dir, 'state.db');
  const setup = new Database(path);
  setup.pragma('journal_mode = WAL');
  setup.exec('CREATE TABLE marks (v TEXT)');
  setup.close();
  assert.deepEqual(readdirSync(dir), ['state.db'], 'no writer has it open');
  let daemon: Database.Database | undefined;
  const marks = readUnchanged(path, (db) => {
    daemon = new Database(path); // a daemon starting during the look: it opens and reads, it has not written yet
    daemon.pragma('journal_mode = WAL');
    daemon.prepare('SELECT count(*) FROM marks').get();
    return db.prepare('SELECT count(*) FROM marks').pluck().get();
  });
  assert.equal(marks, 0);
  daemon!.prepare('INSERT INTO marks VALUES (?)').run('committed');
  const backup = new Database(path, { readonly: true }); // a reader open at the daemon's close (a backup): the WAL is not folded back
  backup.prepare('BEGIN').run();
  backup.prepare('SELECT count(*) FROM marks').get();
  daemon!.close();
  backup.prepare('COMMIT').run();
  backup.close();
  const after = new Database(path, { readonly: true });
  t.after(() => after.close());
  assert.deepEqual(after.prepare('SELECT v FROM marks').pluck().all(), ['committed']);
});
