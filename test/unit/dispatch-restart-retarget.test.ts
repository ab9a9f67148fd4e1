/**
 * A channel changed while the daemon was stopped: the outbox keeps the keys of the targets it had, so the next
 * start tells a webhook whose URL was corrected (the only one of its receiver and kind gone, one new: what it
 * owed goes there, as a reload would move it) from one removed beside another (given up, not sent twice).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import Database from 'better-sqlite3';
import type { Notification } from '../../src/domain/alerts.js';
import { NotifyError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import type { Receiver } from '../../src/notify/registry.js';
import { DB_FILE } from '../../src/store/db.js';
import { waitFor } from '../helpers/daemon.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { outboxIn, savedOutbox } from '../helpers/state.js';

const receiver = (name: string, notifiers: Notifier[]): Receiver => ({ name, severities: undefined, groupIntervalMs: 0, notifiers, alertmanagers: [] });

function memory(key: string): Notifier & { sent: Notification[] } {
  const sent: Notification[] = [];
  return { channel: 'webhook', key, label: key, sent, send: async (n) => void sent.push(n) };
}

function refusing(key: string): Notifier & { tried: number } {
  const n = {
    channel: 'webhook' as const,
    key,
    label: key,
    tried: 0,
    send: async () => {
      n.tried++;
      throw new NotifyError('network', 'connection refused', { retryable: true });
    },
  };
  return n;
}

/** One run of the dispatcher on `dir`'s state database; its log lines in `lines`. */
function run(t: TestContext, dir: string, receivers: Receiver[], lines: { msg: string; to?: string; owed?: number }[] = []): Dispatcher {
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) });
  const d = new Dispatcher({ receivers, store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20 });
  t.after(() => d.stop(100));
  return d;
}

function stateDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ws-restart-retarget-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Stops a first run owing `ids` at the refusing target `key` (of receiver `name`, beside `others`). */
async function stoppedOwing(t: TestContext, dir: string, name: string, key: string, others: Notifier[], ids: string[]): Promise<void> {
  const dead = refusing(key);
  const d = run(t, dir, [receiver(name, [dead, ...others])]);
  await d.start();
  await d.enqueue(ids.map((id) => sampleNotification({ id })), [name]);
  await waitFor(() => dead.tried >= ids.length, 'each tried at the refusing URL');
  await d.stop(100);
}

test('a webhook URL corrected while the daemon was stopped: what the old URL owed goes to the new one at the start, said in the log', async (t) => {
  const dir = stateDir(t);
  await stoppedOwing(t, dir, 'ops', 'ops/webhook:dead', [], ['a1', 'a2']);
  const fixed = memory('ops/webhook:f1xd');
  const lines: { msg: string; to?: string; owed?: number }[] = [];
  const d = run(t, dir, [receiver('ops', [fixed])], lines);
  await d.start();
  await waitFor(() => d.pending === 0, 'the owed notifications sent');
  assert.deepEqual(fixed.sent.map((n) => n.id).sort(), ['a1', 'a2']);
  assert.ok(!lines.some((l) => /given up/.test(l.msg)), JSON.stringify(lines));
  const moved = lines.find((l) => /owed notifications moved/.test(l.msg));
  assert.deepEqual({ to: moved?.to, owed: moved?.owed }, { to: 'ops/webhook:f1xd', owed: 2 });
});

test('a second webhook removed while the daemon was stopped: what it owed is given up, not sent again to the one kept (which had it)', async (t) => {
  const dir = stateDir(t);
  const kept = memory('team/webhook:kept');
  await stoppedOwing(t, dir, 'team', 'team/webhook:gone', [kept], ['b1']);
  assert.equal(kept.sent.length, 1);
  const again = memory('team/webhook:kept');
  const lines: { msg: string }[] = [];
  const d = run(t, dir, [receiver('team', [again])], lines);
  await d.start();
  await waitFor(() => d.pending === 0, 'nothing owed');
  assert.deepEqual(again.sent, [], 'the kept webhook took b1 in the first run');
  assert.ok(lines.some((l) => l.msg === 'owed notification given up: its channel is no longer configured'), JSON.stringify(lines));
});

test('two webhooks of a receiver replaced by one while stopped: which became which is unknown, so neither hands over', async (t) => {
  const dir = stateDir(t);
  await stoppedOwing(t, dir, 'ops', 'ops/webhook:one', [refusing('ops/webhook:two')], ['c1']);
  const other = memory('ops/webhook:new');
  const d = run(t, dir, [receiver('ops', [other])]);
  await d.start();
  await waitFor(() => d.pending === 0, 'given up');
  assert.deepEqual(other.sent, []);
});

test("a reload that changes a receiver's channels writes the targets at once, so a crash before anything else commits still knows them", async (t) => {
  const dir = stateDir(t);
  const d = run(t, dir, [receiver('ops', [memory('ops/webhook:aaaa')])]);
  await d.start();
  d.setReceivers([receiver('ops', [memory('ops/webhook:aaaa')]), receiver('team', [memory('team/webhook:bbbb')])]);
  await waitFor(() => savedBook(dir) === JSON.stringify({ live: ['ops/webhook:aaaa', 'team/webhook:bbbb'], heirs: {} }), 'the reloaded targets committed');
});

/** The `targets` row as committed. */
function savedBook(dir: string): string | undefined {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'targets'").get() as { value: string } | undefined)?.value;
  } finally {
    db.close();
  }
}

test('killed while the firing is in flight at the URL a reload corrected (it hangs): the next start sends the firing and its resolve to the new URL', async (t) => {
  const dir = stateDir(t);
  let tries = 0;
  const hanging: Notifier = { channel: 'webhook', key: 'ops/webhook:dead', label: 'dead', send: (_n, signal) => (tries++, new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new NotifyError('aborted', 'aborted', { retryable: true }))))) };
  const first = run(t, dir, [receiver('ops', [hanging])]);
  await first.start();
  await first.enqueue([sampleNotification({ id: 'a1' })], ['ops']);
  await waitFor(() => tries === 1, 'the firing in flight at the hanging URL');
  first.setReceivers([receiver('ops', [memory('ops/webhook:f1xd')])]);
  await first.enqueue([sampleNotification({ id: 'a1', status: 'resolved', reason: 'resolve' })], ['ops']);
  // what a SIGKILL leaves: the last commit, with both waiting at the old URL and the reload's heir
  await waitFor(() => savedBook(dir) === JSON.stringify({ live: ['ops/webhook:f1xd'], heirs: { 'ops/webhook:dead': 'ops/webhook:f1xd' } }), 'the heir committed');
  await waitFor(async () => (await savedOutbox(dir)).deliveries.length === 2, 'the firing and its resolve committed');

  const fixed = memory('ops/webhook:f1xd');
  const second = run(t, dir, [receiver('ops', [fixed])]);
  await second.start();
  await waitFor(() => fixed.sent.length === 2, 'both sent at the corrected URL');
  assert.deepEqual(fixed.sent.map((n) => `${n.id}:${n.status}`), ['a1:firing', 'a1:resolved']);
});

test('a webhook moved from ALERT_WEBHOOK_URL into a named receiver while stopped (the same URL): what it owed follows it', async (t) => {
  const dir = stateDir(t);
  await stoppedOwing(t, dir, 'default', 'webhook:webhook:1f2e', [], ['d1']);
  const moved = memory('ops/webhook:1f2e');
  const d = run(t, dir, [receiver('default', []), receiver('ops', [moved])]);
  await d.start();
  await waitFor(() => d.pending === 0, 'sent');
  assert.deepEqual(moved.sent.map((n) => n.id), ['d1']);
});

test('an owed notification given up at start for its age names its channel by label, with its status and severity (not only a key digest)', async (t) => {
  const dir = stateDir(t);
  const at = Date.now() - 25 * 3600_000;
  const old = { deliveryId: 'x1', target: 'ops/webhook:aaaa', notification: sampleNotification({ id: 'a1', severity: 'critical' }), seq: 0, createdAt: at, attempts: 3, nextAttemptAt: at, lastError: 'HTTP 503' };
  await outboxIn(dir, pino({ level: 'silent' })).save({ deliveries: [old], delivered: {} });
  const ops = { ...memory('ops/webhook:aaaa'), label: 'ops/webhook#1 (127.0.0.1:1)' };
  const lines: { msg: string; target?: string; status?: string; severity?: string }[] = [];
  const d = run(t, dir, [receiver('ops', [ops])], lines);
  await d.start();
  const given = lines.find((l) => /given up: due more than 24 h ago/.test(l.msg));
  assert.deepEqual({ target: given?.target, status: given?.status, severity: given?.severity }, { target: 'ops/webhook#1 (127.0.0.1:1)', status: 'firing', severity: 'critical' });
});

test("a resolve owed to the old URL that took its alert's firing (a reload corrected the URL) stays its own across a restart: the new URL gets the resolve once, not a second copy", async (t) => {
  const dir = stateDir(t);
  let repeats = 0;
  const took: string[] = [];
  const u1: Notifier = {
    channel: 'webhook',
    key: 'ops/webhook:u1',
    label: 'u1',
    send: async (n, signal) => {
      if (n.reason !== 'repeat') return void took.push(`${n.id}:${n.status}`);
      repeats++;
      await new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new NotifyError('aborted', 'aborted', { retryable: true }))));
    },
  };
  const first = run(t, dir, [receiver('ops', [u1])]);
  await first.start();
  await first.enqueue([sampleNotification({ id: 'a' })], ['ops']);
  await waitFor(() => took.length === 1, 'the firing taken at u1');
  await first.enqueue([sampleNotification({ id: 'a', reason: 'repeat' })], ['ops']);
  await waitFor(() => repeats === 1, 'a repeat in flight at u1');
  first.setReceivers([receiver('ops', [memory('ops/webhook:u2')])]);
  await first.enqueue([sampleNotification({ id: 'a', status: 'resolved', reason: 'resolve' })], ['ops']); // to u2, and pinned at u1
  await first.stop(100);

  const u2 = memory('ops/webhook:u2');
  const second = run(t, dir, [receiver('ops', [u2])]);
  await second.start();
  await waitFor(() => second.pending === 0, 'nothing owed');
  assert.deepEqual(u2.sent.map((n) => `${n.status}/${n.reason}`), ['firing/repeat', 'resolved/resolve']);
});

/**
 * A first run: alert `a` fires at u1; a reload changes the URL to u2, which refuses; the alert repeats and resolves
 * there, and its resolve is told to u1 too (pinned: u1 took the firing), which takes it. Stopped owing the resolve
 * (and nothing else of `a`) at u2.
 */
async function resolvedAtU1WhileU2Owes(t: TestContext, dir: string): Promise<Notification[]> {
  const u1 = memory('ops/webhook:u1');
  const u2 = refusing('ops/webhook:u2');
  const first = run(t, dir, [receiver('ops', [u1])]);
  await first.start();
  await first.enqueue([sampleNotification({ id: 'a' })], ['ops']);
  await waitFor(() => u1.sent.length === 1, 'the firing taken at u1');
  first.setReceivers([receiver('ops', [u2])]);
  await first.enqueue([sampleNotification({ id: 'a', reason: 'repeat' })], ['ops']);
  await waitFor(() => u2.tried >= 1, 'the repeat refused at u2');
  await first.enqueue([sampleNotification({ id: 'a', status: 'resolved', reason: 'resolve' })], ['ops']);
  await waitFor(() => u1.sent.length === 2, 'the resolve taken at u1');
  await first.stop(100);
  return u1.sent;
}

test('a URL changed and changed back while the daemon was stopped, the old URL having taken the resolve told to it: it is not sent there again at the start', async (t) => {
  const dir = stateDir(t);
  const before = await resolvedAtU1WhileU2Owes(t, dir);
  const u1 = memory('ops/webhook:u1');
  const lines: { msg: string }[] = [];
  const second = run(t, dir, [receiver('ops', [u1])], lines);
  await second.start();
  await waitFor(() => second.pending === 0, 'nothing owed');
  assert.deepEqual([...before, ...u1.sent].map((n) => `${n.status}/${n.reason}`), ['firing/start', 'resolved/resolve'], 'u1: start and resolve, once');
  assert.ok(lines.some((l) => /owed notifications dropped/.test(l.msg)), JSON.stringify(lines));
});

test('a restart between a URL changed and changed back by reloads, the old URL having taken the resolve told to it: the reload back does not send it there again', async (t) => {
  const dir = stateDir(t);
  const before = await resolvedAtU1WhileU2Owes(t, dir);
  const second = run(t, dir, [receiver('ops', [refusing('ops/webhook:u2')])]);
  await second.start();
  const u1 = memory('ops/webhook:u1');
  second.setReceivers([receiver('ops', [u1])]);
  await waitFor(() => second.pending === 0, 'nothing owed');
  assert.deepEqual([...before, ...u1.sent].map((n) => `${n.status}/${n.reason}`), ['firing/start', 'resolved/resolve'], 'u1: start and resolve, once');
});

for (const back of ['up', 'down until the URL changes again'] as const) {
  test(`a resolve owed at a URL changed back (told to it, pinned) and at the one it had been changed to: the next start sends it once (${back})`, async (t) => {
    const dir = stateDir(t);
    const u1 = memory('ops/webhook:u1');
    let u1down = 0;
    const first = run(t, dir, [receiver('ops', [{ ...u1, send: async (n, s) => (u1.sent.length === 0 ? u1.send(n, s) : refusing('ops/webhook:u1').send(n, s).finally(() => u1down++)) }])]);
    await first.start();
    await first.enqueue([sampleNotification({ id: 'a' })], ['ops']);
    await waitFor(() => u1.sent.length === 1, 'the firing taken at u1 (down from then on)');
    const u2 = refusing('ops/webhook:u2');
    first.setReceivers([receiver('ops', [u2])]);
    await first.enqueue([sampleNotification({ id: 'a', status: 'resolved', reason: 'resolve' })], ['ops']); // to u2, and pinned at u1
    await waitFor(() => u1down >= 1 && u2.tried >= 1, 'the resolve refused at both');
    first.setReceivers([receiver('ops', [refusing('ops/webhook:u1')])]); // changed back: u2's copy waits for u1's
    await first.stop(100);
    assert.deepEqual(u1.sent.map((n) => `${n.id}:${n.status}`), ['a:firing']);

    if (back === 'up') {
      const again = memory('ops/webhook:u1');
      const second = run(t, dir, [receiver('ops', [again])]);
      await second.start();
      await waitFor(() => second.pending === 0, 'nothing owed');
      assert.deepEqual(again.sent.map((n) => `${n.id}:${n.status}`), ['a:resolved'], 'once (was twice: its own, and the copy u2 owed)');
      return;
    }
    const second = run(t, dir, [receiver('ops', [refusing('ops/webhook:u1')])]);
    await second.start();
    await second.stop(100);
    const fixed = memory('ops/webhook:u2');
    const third = run(t, dir, [receiver('ops', [fixed])]); // changed again while stopped
    await third.start();
    await waitFor(() => third.pending === 0, 'nothing owed');
    assert.deepEqual(fixed.sent.map((n) => `${n.id}:${n.status}`), ['a:resolved'], 'the configured URL gets the resolve: the one copy kept is not pinned to u1');
  });
}
