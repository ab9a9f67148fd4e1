/**
 * A daemon that runs for months without a restart: the accounts a reload removed are deleted once idle past
 * the 14 days the readings are kept, as a start would (StateStore.sweepUnclaimed, from the housekeeping after
 * commits). Before, only a start deleted them: in bench/longrun (16 simulated days, a SIGHUP on day 1 swapping
 * 4 of 8 wallets) all 12 accounts and the removed wallets' readings were still there at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { INITIAL_ACCOUNT_STATE, applyPoll, type AccountState } from '../../src/domain/account.js';
import type { AlertBook } from '../../src/domain/alerts.js';
import { DB_FILE } from '../../src/store/db.js';
import { KEEP_HOURS } from '../../src/store/readings.js';
import { StateStore, SWEEP_EVERY_MS } from '../../src/store/state-store.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { readingRows } from '../helpers/reading-rows.js';
import { staleDeleted } from '../helpers/state.js';

const T0 = Date.parse('2026-12-07T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const log = pino({ level: 'silent' });

/** `n` polls a minute apart from `from`; with `firing`, a low_balance alert fires from the first. */
function polled(n: number, from: number, firing = false): AccountState {
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < n; i++) s = applyPoll(s, { ok: true, status: 200, balance: 1000 - i, currency: 'USD', requiredCredits: null }, from + i * MIN, 1).state;
  const alerts: AlertBook = firing ? { low_balance: { id: 'f1', alertname: 'low_balance', severity: 'warning', startsAt: from, lastNotifiedAt: from } } : {};
  return { ...s, alerts };
}

function rowsOf(dir: string): Record<string, number> {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  try {
    const out: Record<string, number> = {};
    for (const name of ['gone', 'firing', 'keep']) {
      const id = (db.prepare('SELECT id FROM accounts WHERE name = ?').get(name) as { id: number } | undefined)?.id;
      out[name] = id === undefined ? 0 : readingRows(db, id) + 1;
    }
    out.alert_events = (db.prepare('SELECT COUNT(*) AS n FROM alert_events').get() as { n: number }).n;
    return out;
  } finally {
    db.close();
  }
}

test('a running daemon deletes the rows of wallets a reload removed once idle past 14 days and firing nothing, hourly at most; no restart needed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let clock = T0;
  const store = new StateStore(dir, log, { flushMs: 60_000, now: () => clock });
  await store.init(T0);
  store.releasePreloaded(T0);
  // two wallets polled for 3 hours, one with an alert firing, then removed by a reload (their state leaves memory)
  void store.account('gone').save(polled(180, T0), [sampleNotification()]);
  void store.account('firing').save(polled(180, T0, true));
  await store.db.flush();
  const forgetting = Promise.all(['gone', 'firing'].map((n) => store.forget(n, () => true)));
  await store.db.flush();
  await forgetting;
  let keep = polled(1, T0);
  /** 64 commits (one housekeeping round) of a wallet still watched, polled at `clock`, and those of the deletions it started. */
  const commits = async () => {
    for (let i = 0; i < 64; i++) {
      keep = applyPoll(keep, { ok: true, status: 200, balance: 500, currency: 'USD', requiredCredits: null }, clock, 1).state;
      void store.account('keep').save(keep);
      await store.db.flush();
    }
    await staleDeleted(store);
  };
  const before = rowsOf(dir);
  assert.ok(before.gone! > 1 && before.firing! > 1 && before.alert_events! > 0, `rows of both first: ${JSON.stringify(before)}`);

  const edge = T0 + 179 * MIN + KEEP_HOURS * HOUR; // 'gone' last polled KEEP_HOURS before this
  clock = edge - 30 * MIN;
  await commits();
  assert.deepEqual(rowsOf(dir), { ...before, keep: rowsOf(dir).keep }, 'idle for less than 14 days: kept');

  clock = edge + 10 * MIN; // stale now, but the last sweep was less than SWEEP_EVERY_MS ago
  assert.ok(clock - (edge - 30 * MIN) < SWEEP_EVERY_MS);
  await commits();
  assert.equal(rowsOf(dir).gone, before.gone, 'at most one sweep an hour');

  clock = edge + 2 * HOUR;
  await commits();
  const after = rowsOf(dir);
  assert.equal(after.gone, 0, `the removed wallet's account and readings are deleted: ${JSON.stringify(after)}`);
  assert.equal(after.alert_events, 0, 'and its alert events');
  assert.equal(after.firing, before.firing, 'one still firing stays (its alerts are closed first)');
  assert.ok(after.keep! > 1, 'the watched wallet is untouched');
  assert.deepEqual(await store.account('gone').load(clock), INITIAL_ACCOUNT_STATE, 'added back, it starts afresh');
  await store.close();
});

test("deleting an unclaimed account that holds the journal's newest entry keeps that entry's number given out: the next entries of another account are not taken for ones its snapshot covers", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const open = async (now: number) => {
    const s = new StateStore(dir, log, { flushMs: 60_000 });
    await s.init(now);
    return s;
  };
  // run 1: in its last commit, `gone` writes the journal's newest entry and `keep` a snapshot covering it
  let store = await open(T0);
  store.releasePreloaded(T0);
  for (const name of ['keep', 'gone']) void store.account(name).save(polled(2, T0));
  await store.db.flush();
  void store.account('gone').save(polled(3, T0));
  void store.account('keep').compact();
  await store.db.flush();
  await store.close();
  // run 2, past KEEP_HOURS: `gone` is no wallet's now, and its rows are deleted; `keep` polls on
  const later = T0 + (KEEP_HOURS + 1) * HOUR;
  store = await open(later);
  const kept = store.account('keep');
  const loaded = await kept.load(later);
  store.releasePreloaded(later);
  await staleDeleted(store); // before the next commit, while `gone` holds the newest entry
  let s = loaded;
  for (let i = 0; i < 3; i++) {
    s = applyPoll(s, { ok: true, status: 200, balance: 900 - i, currency: 'USD', requiredCredits: null }, later + i * MIN, 1).state;
    void kept.save(s);
    await store.db.flush();
  }
  await store.close();
  // run 3: `keep` loads as it was last saved
  store = await open(later);
  t.after(() => store.close());
  assert.deepEqual(await store.account('keep').load(later), s);
});
