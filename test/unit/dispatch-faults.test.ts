/**
 * Dispatcher and outbox when things break: an attempt that outlives its deadline is logged, an outbox that
 * cannot be written never holds a notification back, and the write is retried by itself once it can succeed.
 * The unwritable STATE_DIR is real: a path under a regular file (ENOTDIR), which stops root as well.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { Notification } from '../../src/domain/alerts.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher } from '../../src/notify/dispatch.js';
import { OwedNotSavedError } from '../../src/notify/outbox-store.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { WriteHealth } from '../../src/store/write-health.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { outboxIn, savedOutbox } from '../helpers/state.js';

const note = (): Notification => sampleNotification();

/** A logger whose lines land in `lines`. */
function capture(): { log: pino.Logger; lines: Array<{ level: number; msg: string; [k: string]: unknown }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s) as { level: number; msg: string }) });
  return { log, lines };
}

/** A channel that records sends; `hang` makes a send never settle, whatever its signal says. */
function channel(key: string, behaviour: 'ok' | 'hang' | 'fail'): Notifier & { sent: Notification[] } {
  const sent: Notification[] = [];
  return {
    channel: 'webhook',
    key,
    label: key,
    sent,
    send(n: Notification) {
      if (behaviour === 'hang') return new Promise<void>(() => undefined);
      if (behaviour === 'fail') return Promise.reject(new Error('down'));
      sent.push(n);
      return Promise.resolve();
    },
  };
}

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function dirs(t: TestContext): { root: string; blocker: string; stateDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'ws-dispatch-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const blocker = join(root, 'blocker');
  return { root, blocker, stateDir: join(blocker, 'state') };
}

test('an attempt still in flight past its deadline is logged once as stuck', async (t) => {
  const { log, lines } = capture();
  const { root } = dirs(t);
  const d = new Dispatcher({ notifiers: [channel('hung', 'hang')], store: outboxIn(root, log), metrics: createMetrics(), log, retryBaseDelayMs: 50, stuckAfterMs: 30 });
  await d.start();
  await d.enqueue([note()]);
  await until(() => lines.some((l) => l.msg.startsWith('notification delivery stuck')), 'the stuck line');
  await new Promise((r) => setTimeout(r, 100));
  const stuck = lines.filter((l) => l.msg.startsWith('notification delivery stuck'));
  assert.equal(stuck.length, 1);
  assert.equal(stuck[0]!.target, 'hung');
  assert.equal(stuck[0]!.level, 50, 'logged as an error');
  void d.stop(10).catch(() => undefined); // the hung send never settles: do not wait for it
});

test('STATE_DIR unwritable: the notification is still sent; the outbox write is retried by itself once the disk is back', async (t) => {
  const { log, lines } = capture();
  const { blocker, stateDir } = dirs(t);
  writeFileSync(blocker, 'not a directory');
  const metrics = createMetrics();
  const health = new WriteHealth({ stateDir, log, onChange: (ok) => metrics.stateWriteHealthy.set(ok ? 1 : 0), onFailure: () => metrics.stateWriteFailures.inc() });
  const store = outboxIn(stateDir, log, { health, retryMs: 50 });
  const ok = channel('ok', 'ok');
  const down = channel('down', 'fail');
  const d = new Dispatcher({ notifiers: [ok, down], store, metrics, log, retryBaseDelayMs: 60_000 });
  await d.start();
  await d.enqueue([note()]); // resolves although nothing can be written
  await until(() => ok.sent.length === 1, 'the send from memory');
  assert.equal(health.healthy, false);
  assert.match(health.reason!, /cannot write STATE_DIR .*state: ENOTDIR/);
  assert.equal((await metrics.stateWriteHealthy.get()).values[0]!.value, 0);
  await until(() => lines.filter((l) => l.msg.includes('state commit failed')).length >= 3, 'a few retries of the write');
  assert.ok((await metrics.stateWriteFailures.get()).values[0]!.value >= 3);
  assert.equal(lines.filter((l) => l.msg.startsWith('state directory not writable')).length, 1, 'one line for the change, not one per failed write');
  assert.equal(d.pending, 1, 'the failing target still owes its delivery');
  assert.equal(d.lastDeliveredAt(note().id) !== undefined, true);
  assert.equal(d.owedByAlert().get(note().id), 1);

  rmSync(blocker); // the disk is back; no new notification comes
  await until(() => health.healthy, 'the outbox saved without a new alert');
  const saved = await savedOutbox(stateDir);
  assert.deepEqual(saved.deliveries.map((x) => x.target), ['down']);
  assert.ok(saved.delivered[note().id]! > 0);
  await until(() => health.healthy, 'healthy again');
  assert.equal((await metrics.stateWriteHealthy.get()).values[0]!.value, 1);
  assert.equal(lines.filter((l) => l.msg === 'state directory writable again').length, 1);
  assert.deepEqual(readdirSync(stateDir).filter((f) => f.endsWith('.tmp')), []);
  await d.stop(10);
});

test('stop with owed deliveries and an unwritable STATE_DIR rejects with OwedNotSavedError; with nothing owed it only warns', async (t) => {
  const { log } = capture();
  const { blocker, stateDir } = dirs(t);
  writeFileSync(blocker, 'not a directory');
  const owing = new Dispatcher({ notifiers: [channel('down', 'fail')], store: outboxIn(stateDir, log), metrics: createMetrics(), log, retryBaseDelayMs: 60_000 });
  await owing.start();
  await owing.enqueue([note()]);
  await assert.rejects(owing.stop(10), (err: unknown) => err instanceof OwedNotSavedError && /1 owed notification\(s\) could not be saved .*wallet-sentinel\.db \(ENOTDIR\)/.test(err.message));

  const { log: log2, lines } = capture();
  const done = new Dispatcher({ notifiers: [channel('ok', 'ok')], store: outboxIn(stateDir, log2), metrics: createMetrics(), log: log2, retryBaseDelayMs: 60_000 });
  await done.start();
  await done.enqueue([note()]);
  await until(() => done.pending === 0, 'delivered');
  await done.stop(10);
  assert.ok(lines.some((l) => l.msg.startsWith('cannot write the outbox at stop')));
});

test('a receiver that is down owes no repeat of an alert that notified again since: a later repeat, the escalation or the resolve replaces one not sent yet; back, it gets every other notification, in order', async (t) => {
  const { log } = capture();
  const { root } = dirs(t);
  let down = true;
  const sent: Notification[] = [];
  const flaky: Notifier = { channel: 'webhook', key: 'flaky', label: 'flaky', send: (n) => (down ? Promise.reject(new Error('down')) : (sent.push(n), Promise.resolve())) };
  const d = new Dispatcher({ notifiers: [flaky], store: outboxIn(root, log), metrics: createMetrics(), log, retryBaseDelayMs: 20 });
  await d.start();
  t.after(() => d.stop(0)); // an assertion that fails leaves no retry timer holding the run open
  const start = note();
  const hour = 3_600_000;
  const repeats = [1, 2, 3].map((k) => sampleNotification({ reason: 'repeat', severity: k > 1 ? 'critical' : 'warning', decidedAt: start.decidedAt + k * hour }));
  const escalation = sampleNotification({ reason: 'escalation', severity: 'critical', decidedAt: start.decidedAt + 1.5 * hour });
  const other = sampleNotification({ id: 'other/low_balance/x1', account: 'other', reason: 'repeat', decidedAt: start.decidedAt + hour });
  for (const batch of [[start], [repeats[0]!, other], [escalation], [repeats[1]!]]) await d.enqueue(batch);
  assert.equal(d.pending, 4, 'the start, the escalation (the repeat before it went), the latest repeat, and the other alert\'s own');
  await d.enqueue([repeats[2]!]);
  assert.equal(d.pending, 4, 'one repeat replaced by the next');
  await d.enqueue([sampleNotification({ status: 'resolved', reason: 'resolve', decidedAt: start.decidedAt + 4 * hour })]);
  assert.equal(d.pending, 4, 'the resolve replaced the last repeat');
  down = false;
  await until(() => d.pending === 0, 'everything owed delivered');
  await d.stop(100);
  assert.deepEqual(sent.filter((n) => n.id === start.id).map((n) => `${n.reason}@${(n.decidedAt - start.decidedAt) / hour}`), ['start@0', 'escalation@1.5', 'resolve@4']);
  assert.deepEqual(sent.filter((n) => n.id === other.id).map((n) => n.reason), ['repeat']);
});
