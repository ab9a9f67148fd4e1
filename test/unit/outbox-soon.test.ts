/**
 * What a target accepted leaves the database soon, not with the grouped commit up to a second later: until
 * that commit a kill sends it again at the next start, and a crash loop (a memory limit start-up cannot fit)
 * did so at every restart. The grouping delay here is a minute (`flushMs`), so "soon" cannot be confused
 * with it; the database is a real SQLite file, the unwritable STATE_DIR a path under a regular file (ENOTDIR).
 * And the other way round: a new notification leaves only once the commit that writes it is done.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { Notification } from '../../src/domain/alerts.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { OutboxStore } from '../../src/notify/outbox-store.js';
import { StateDb, type Participant } from '../../src/store/db.js';
import { SOON_MS } from '../../src/store/flush-timer.js';
import { WriteHealth } from '../../src/store/write-health.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { savedOutbox } from '../helpers/state.js';

const log = pino({ level: 'silent' });
const MINUTE = 60_000;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ws-soon-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A participant that writes one meta row per commit. */
function counter(): Participant {
  let n = 0;
  return { write: (db) => void db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('soon-test', ?)").run(String(++n)), committed: () => undefined };
}

/** `p`, or a rejection naming `what` after `ms` (the grouped commit here is a minute away). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not come within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('a change staged soon is committed without waiting for the grouped commit, and a burst of them shares one commit', async (t) => {
  let commits = 0;
  const db = new StateDb(tempDir(t), log, { flushMs: MINUTE, afterCommit: () => commits++ });
  db.init(Date.now());
  const p = counter();
  await within(Promise.all(Array.from({ length: 50 }, () => db.stage(p, { soon: true }))), 15_000, 'the commit asked for soon');
  assert.equal(commits, 1, 'fifty acceptances in one turn of the event loop: one commit');
  await db.close();
});

test('a change staged soon brings forward the grouped commit already set for later, and shares it', async (t) => {
  let commits = 0;
  const db = new StateDb(tempDir(t), log, { flushMs: MINUTE, afterCommit: () => commits++ });
  db.init(Date.now());
  const p = counter();
  const grouped = db.stage(p); // a minute away
  await within(Promise.all([grouped, db.stage(p, { soon: true })]), 15_000, 'the commit asked for soon');
  assert.equal(commits, 1);
  await db.close();
});

/**
 * A database whose STATE_DIR cannot be made (a file where its parent should be), grouping commits for
 * `flushMs` and retrying a failed one after a minute, under mocked timers: its first commit has failed.
 */
async function failedOnce(t: TestContext, flushMs: number): Promise<{ db: StateDb; p: Participant; failures: () => number }> {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const blocker = join(tempDir(t), 'blocker');
  writeFileSync(blocker, 'not a directory');
  let failures = 0;
  const health = new WriteHealth({ stateDir: join(blocker, 'state'), log, onFailure: () => failures++ });
  const db = new StateDb(join(blocker, 'state'), log, { flushMs, retryMs: MINUTE, health });
  const p = counter();
  await assert.rejects(db.stage(p, { now: true }));
  assert.equal(failures, 1);
  return { db, p, failures: () => failures };
}

test('while commits fail, a change staged soon waits as any other: a failing disk is not tried faster', async (t) => {
  const { db, p, failures } = await failedOnce(t, MINUTE);
  const next = db.stage(p, { soon: true }).catch(() => 'failed');
  t.mock.timers.tick(SOON_MS * 5);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(failures(), 1, 'not tried again before the grouped commit');
  t.mock.timers.tick(MINUTE);
  assert.equal(await next, 'failed');
  assert.equal(failures(), 2);
});

test('after a failed commit, a new change is tried at its own flush, not held back to the retry', async (t) => {
  const { db, p, failures } = await failedOnce(t, 1_000);
  const next = db.stage(p).catch(() => 'failed');
  t.mock.timers.tick(1_000);
  assert.equal(await next, 'failed');
  assert.equal(failures(), 2, 'tried at the flush a second later, not at the retry a minute later');
});

/** A channel that records what it accepted. */
function accepting(): Notifier & { sent: Notification[] } {
  const sent: Notification[] = [];
  return { channel: 'webhook', key: 'hook', label: 'hook', sent, send: (n) => (sent.push(n), Promise.resolve()) };
}

test('a delivery a target accepted is gone from the database without waiting for the grouped commit (a kill before it sent it again)', async (t) => {
  const dir = tempDir(t);
  const db = new StateDb(dir, log, { flushMs: MINUTE });
  db.init(Date.now());
  const hook = accepting();
  const d = new Dispatcher({ notifiers: [hook], store: new OutboxStore(db, log), metrics: createMetrics(), log, retryBaseDelayMs: MINUTE });
  await d.start();
  t.after(() => d.stop(0).catch(() => undefined));
  const queued = d.enqueue([sampleNotification()]);
  await db.flush(); // the commit that holds the notification: then it is sent
  await queued;
  await within(
    (async () => {
      while (hook.sent.length === 0 || (await savedOutbox(dir)).deliveries.length > 0) await new Promise((r) => setTimeout(r, 20));
    })(),
    15_000,
    'the commit that removes the accepted delivery',
  );
  assert.equal(hook.sent.length, 1);
  assert.equal(d.pending, 0);
});

test('a new notification leaves once the commit that holds it is done, even when an attempt at its target lands before that commit', async (t) => {
  const dir = tempDir(t);
  let commits = 0;
  const db = new StateDb(dir, log, { flushMs: MINUTE, afterCommit: () => commits++ });
  db.init(Date.now());
  const sent: string[] = [];
  let landB = (): void => undefined;
  const hook: Notifier = {
    channel: 'webhook',
    key: 'hook',
    label: 'hook',
    send: (n) => (n.id === 'b' ? new Promise<void>((r) => (landB = r)) : Promise.resolve()).then(() => void sent.push(`${n.id} after commit ${commits}`)),
  };
  const d = new Dispatcher({ notifiers: [hook], store: new OutboxStore(db, log), metrics: createMetrics(), log, retryBaseDelayMs: MINUTE });
  await d.start();
  t.after(() => d.stop(0).catch(() => undefined));
  const first = d.enqueue([sampleNotification({ id: 'b', account: 'w2' })]);
  await db.flush();
  await first; // b in flight
  const before = commits;
  const second = d.enqueue([sampleNotification({ id: 'a', account: 'w1' })]); // the commit that holds it: a minute away
  landB(); // b accepted: its target looks for more to send, and its removal is committed soon
  await within(second, 15_000, "a's commit (with b's removal, soon)");
  await within((async () => { while (sent.length < 2) await new Promise((r) => setTimeout(r, 10)); })(), 15_000, 'a sent');
  assert.deepEqual(sent, [`b after commit ${before}`, `a after commit ${before + 1}`]);
});
