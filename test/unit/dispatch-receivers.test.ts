/**
 * The dispatcher with receivers (issue 11): routing by receiver and severity, many sends in flight per
 * target with each alert's notifications in order, and digests for channels that group. HTTP targets are
 * real servers on loopback; the digest tests use an in-memory channel (what is grouped is the dispatcher's
 * decision, not the channel's).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { Secret } from '../../src/config/secret.js';
import type { Notification } from '../../src/domain/alerts.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher, type DispatcherDeps } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { NotifyError } from '../../src/errors.js';
import type { Receiver } from '../../src/notify/registry.js';
import { WebhookNotifier } from '../../src/notify/webhook/webhook.js';
import { waitFor } from '../helpers/daemon.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { SlowWebhook } from '../helpers/receivers.js';
import { outboxIn, savedOutbox } from '../helpers/state.js';

const log = pino({ level: 'silent' });
const note = (over: Partial<Notification> = {}) => sampleNotification(over);
const receiver = (name: string, notifiers: Notifier[], over: Partial<Receiver> = {}): Receiver => ({ name, severities: undefined, groupIntervalMs: 0, notifiers, alertmanagers: [], ...over });

/** A dispatcher on the outbox in `dir` (a restart is another one on the same `dir`). */
const onOutbox = (dir: string, receivers: Receiver[], over: Partial<DispatcherDeps> = {}): Dispatcher =>
  new Dispatcher({ receivers, store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20, ...over });

function dispatcher(t: TestContext, receivers: Receiver[], over: Partial<DispatcherDeps> = {}): Dispatcher {
  const dir = mkdtempSync(join(tmpdir(), 'ws-dispatch-'));
  const d = onOutbox(dir, receivers, over);
  t.after(async () => {
    await d.stop(100);
    rmSync(dir, { recursive: true, force: true });
  });
  return d;
}

/** An in-memory channel; with `digest`, it groups (like email and Slack). */
function memory(key: string, digest: boolean): Notifier & { sent: Notification[][] } {
  const sent: Notification[][] = [];
  return {
    channel: 'email',
    key,
    label: key,
    sent,
    send: async (n) => void sent.push([n]),
    ...(digest ? { sendDigest: async (ns: readonly Notification[]) => void sent.push([...ns]) } : {}),
  };
}

/** A grouping mail target whose digests go to `take` (their alert ids); a single notification is accepted. */
function digestMail(take: (ids: string[]) => void): Notifier {
  return { channel: 'email', key: 'mail', label: 'mail', send: async () => undefined, sendDigest: async (ns) => take(ns.map((n) => n.id)) };
}

/** A grouping mail target where one recipient's mailbox is full for a1's firing alone (452, retried); `sent` what it took. */
function mailRefusingA1Firing(): { mail: Notifier; sent: string[][] } {
  const sent: string[][] = [];
  const take = (ns: readonly Notification[]) => {
    if (ns.some((n) => n.id === 'a1' && n.status === 'firing')) throw new NotifyError('server', 'mail: 452 mailbox full (temporary)', { retryable: true });
    sent.push(ns.map((n) => n.id));
  };
  return { sent, mail: { channel: 'email', key: 'mail', label: 'mail', send: async (n) => take([n]), sendDigest: async (ns) => take(ns) } };
}

/**
 * A digest target (300 ms by default) on which a1's firing keeps failing (sent at once, refused), and a2
 * (another wallet) opened a digest. A test that adds to that digest gives it time: on a loaded machine
 * 300 ms passed between two enqueues and the digest went without the second.
 */
async function a1FailingA2Collected(t: TestContext, groupIntervalMs = 300): Promise<{ d: Dispatcher; sent: string[][] }> {
  const { mail, sent } = mailRefusingA1Firing();
  const d = dispatcher(t, [receiver('default', [mail], { groupIntervalMs })]);
  await d.start();
  await d.enqueue([note({ id: 'a1', account: 'w1' })]);
  await d.enqueue([note({ id: 'a2', account: 'w2' })]);
  return { d, sent };
}

/** A slow webhook on loopback, closed after the test. */
async function httpReceiver(t: TestContext, delayMs: number, answer: (body: { id: string; status: string }, seen: number) => number): Promise<SlowWebhook> {
  const rx = new SlowWebhook(delayMs, answer);
  await rx.start();
  t.after(() => rx.close());
  return rx;
}

test('a receiver renamed while the daemon was stopped: what it owed goes to the one receiver with its destination now, not given up', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-dispatch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const owed = (id: string, target: string, seq: number) => ({ deliveryId: id, target, notification: note({ id }), seq, createdAt: Date.now(), attempts: 1, nextAttemptAt: Date.now(), lastError: 'HTTP 503' });
  const digest = { ...owed('d1', 'gone/email:7777', 2), more: [note({ id: 'd2' }), note({ id: 'd3' })] };
  await outboxIn(dir, log).save({ deliveries: [owed('a', 'ops/webhook:1f2e', 0), owed('b', 'gone/webhook:9999', 1), digest], delivered: {} });
  const oncall = memory('oncall/webhook:1f2e', false); // 'ops' renamed 'oncall', the same URL
  const other = memory('team/webhook:5a5a', false);
  const lines: { msg: string; ids?: string[] }[] = [];
  const logged = pino({ level: 'error' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) });
  const d = new Dispatcher({ receivers: [receiver('oncall', [oncall]), receiver('team', [other])], store: outboxIn(dir, log), metrics: createMetrics(), log: logged, retryBaseDelayMs: 20 });
  t.after(() => d.stop(100));
  await d.start();
  await waitFor(() => d.pending === 0, 'the owed one sent, the other given up');
  assert.deepEqual(oncall.sent.map((s) => s[0]!.id), ['a']);
  assert.deepEqual(other.sent, [], 'a destination no receiver has is given up, not sent elsewhere');
  const given = lines.filter((l) => /given up/.test(l.msg)); // in the order they were saved: the same millisecond or not
  assert.deepEqual(given.map((l) => l.msg).sort(), ['owed digest of 3 notifications given up: its channel is no longer configured', 'owed notification given up: its channel is no longer configured'], 'a digest is said as what it holds, not as its first alert');
  assert.deepEqual(given.find((l) => l.ids)?.ids, ['d1', 'd2', 'd3']);
});

test('routing: a notification reaches the receivers named, and a receiver limited to critical gets only critical ones', async (t) => {
  const team = memory('team', false);
  const oncall = memory('oncall', false);
  const other = memory('other', false);
  const d = dispatcher(t, [receiver('default', [other]), receiver('team', [team]), receiver('oncall', [oncall], { severities: ['critical'] })]);
  await d.start();
  await d.enqueue([note({ id: 'w' }), note({ id: 'c', severity: 'critical' })], ['team', 'oncall']);
  await waitFor(() => d.pending === 0, 'all delivered');
  assert.deepEqual(team.sent.map((s) => s[0]!.id), ['w', 'c']);
  assert.deepEqual(oncall.sent.map((s) => s[0]!.id), ['c']);
  assert.deepEqual(other.sent, [], 'a receiver not named gets nothing');
});

test('a critical-only receiver gets the resolve of an alert it was told of, even after a de-escalation, and nothing of an alert that never was critical', async (t) => {
  const oncall = memory('oncall', false);
  const d = dispatcher(t, [receiver('oncall', [oncall], { severities: ['critical'] })]);
  await d.start();
  const to = ['oncall'];
  await d.enqueue([note({ id: 'x' }), note({ id: 'y' })], to); // both start as warnings
  await d.enqueue([note({ id: 'x', severity: 'critical', reason: 'escalation' })], to);
  await d.enqueue([note({ id: 'x', severity: 'warning', reason: 'repeat' })], to); // de-escalated, repeated
  await d.enqueue([note({ id: 'x', status: 'resolved', reason: 'resolve' }), note({ id: 'y', status: 'resolved', reason: 'resolve' })], to);
  await waitFor(() => d.pending === 0 && oncall.sent.length === 2, 'delivered');
  assert.deepEqual(oncall.sent.map(([n]) => `${n!.id}:${n!.status}:${n!.severity}`), ['x:firing:critical', 'x:resolved:warning']);
});

test("a wallet's receivers changed while its alert fires (a reload): the resolve reaches the receiver that was told, and the new one", async (t) => {
  const ops = memory('ops', false);
  const fin = memory('fin', false);
  const d = dispatcher(t, [receiver('ops', [ops]), receiver('fin', [fin])]);
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await d.enqueue([note({ id: 'a', status: 'resolved', reason: 'resolve' })], ['fin']); // the reload moved the wallet to fin
  await waitFor(() => d.pending === 0 && ops.sent.length === 2, 'delivered');
  assert.deepEqual(ops.sent.map(([n]) => `${n!.id}:${n!.status}`), ['a:firing', 'a:resolved'], 'the incident ops opened is closed');
  assert.deepEqual(fin.sent.map(([n]) => `${n!.id}:${n!.status}`), ['a:resolved']);
  // and once resolved, nothing more is remembered of it: a new alert goes only where it is routed
  await d.enqueue([note({ id: 'b' }), note({ id: 'b', status: 'resolved', reason: 'resolve' })], ['fin']);
  await waitFor(() => d.pending === 0 && fin.sent.length === 3, 'delivered');
  assert.equal(ops.sent.length, 2);
});

test('many sends in flight per target, and each alert still in order: a resolve never overtakes its firing, even when the firing needs a retry', async (t) => {
  // Every firing is refused once (503): without the order rule its resolve would be accepted first.
  const rx = await httpReceiver(t, 40, (b, seen) => (b.status === 'firing' && seen === 0 ? 503 : 200));
  const target = new WebhookNotifier({ url: new Secret(rx.url), label: 'hook' }, { secret: undefined });
  const d = dispatcher(t, [receiver('default', [target])]);
  await d.start();
  const ids = Array.from({ length: 40 }, (_, i) => `alert-${i}`);
  await d.enqueue(ids.flatMap((id) => [note({ id }), note({ id, status: 'resolved', reason: 'resolve' })]));
  await waitFor(() => d.pending === 0, 'all delivered', 30_000);
  assert.equal(rx.accepted.length, 80, 'each notification accepted exactly once');
  assert.equal(new Set(rx.accepted).size, 80);
  for (const id of ids) assert.ok(rx.accepted.indexOf(`${id}:firing`) < rx.accepted.indexOf(`${id}:resolved`), `${id}: firing before resolved`);
  assert.ok(rx.maxInFlight > 1, `more than one send in flight at once (${rx.maxInFlight})`);
  assert.ok(rx.maxInFlight <= 16, `bounded (${rx.maxInFlight})`);
});

test('digests: the first notification of a quiet target leaves at once, what follows within the group interval is one message; a target that does not group gets one per alert', async (t) => {
  const mail = memory('mail', true);
  const hook = memory('hook', false);
  const d = dispatcher(t, [receiver('default', [mail, hook], { groupIntervalMs: 1_500 })]);
  await d.start();
  await d.enqueue([note({ id: 'a1', account: 'w1' })]);
  await waitFor(() => mail.sent.length === 1, 'the first, at once');
  await d.enqueue([note({ id: 'a2', account: 'w2' }), note({ id: 'a3', account: 'w3' })]);
  await d.enqueue([note({ id: 'a4', account: 'w1', status: 'resolved', reason: 'resolve' })]);
  await waitFor(() => hook.sent.length === 4, 'the hook, one per alert, at once');
  assert.equal(mail.sent.length, 1, 'what other wallets send next waits for the interval');
  assert.equal(d.pending, 3, 'three notifications owed to the mail target, in one digest');
  assert.deepEqual(Object.fromEntries(d.owedByAlert()), { a2: 1, a3: 1, a4: 1 }, 'each alert in the open digest owes that one delivery');
  await waitFor(() => mail.sent.length === 2, 'the digest', 10_000);
  assert.deepEqual(mail.sent.map((m) => m.map((n) => n.id)), [['a1'], ['a2', 'a3', 'a4']]);
  assert.deepEqual(hook.sent.map((m) => m.map((n) => n.id)), [['a1'], ['a2'], ['a3'], ['a4']]);
  // after a digest the target is not quiet: the next one waits for the following interval
  await d.enqueue([note({ id: 'a5', account: 'w1' })]);
  assert.equal(mail.sent.length, 2);
  await waitFor(() => mail.sent.length === 3, 'the next digest', 10_000);
  assert.deepEqual(mail.sent[2]!.map((n) => n.id), ['a5']);
});

test("digests: one wallet's own notifications never wait (its escalation and resolve leave at once), until another wallet's open a digest", async (t) => {
  const mail = memory('mail', true);
  const d = dispatcher(t, [receiver('default', [mail], { groupIntervalMs: 60_000 })]);
  await d.start();
  await d.enqueue([note({ id: 'x', account: 'w1' })]);
  await waitFor(() => mail.sent.length === 1, 'the first, at once');
  await d.enqueue([note({ id: 'x', account: 'w1', severity: 'critical', reason: 'escalation' })]);
  await waitFor(() => mail.sent.length === 2, 'the escalation, at once (a 60 s interval would hold a digest)');
  await d.enqueue([note({ id: 'x', account: 'w1', status: 'resolved', reason: 'resolve' })]);
  await waitFor(() => mail.sent.length === 3, 'the resolve, at once');
  await d.enqueue([note({ id: 'y', account: 'w2' })]);
  assert.equal(d.pending, 1, "another wallet's alert within the interval opens a digest");
  assert.equal(mail.sent.length, 3);
});

test('a digest says each alert as it stands when it leaves: a start, its escalation and its resolve collected in one interval are one line, the last (a blip across the fleet read as pages for wallets all fine)', async (t) => {
  const mail = memory('mail', true);
  const hook = memory('hook', false);
  const d = dispatcher(t, [receiver('default', [mail, hook], { groupIntervalMs: 4_000 })]);
  await d.start();
  await d.enqueue([note({ id: 'w0/low', account: 'w0' })]);
  await waitFor(() => mail.sent.length === 1, 'the first, at once');
  await d.enqueue([note({ id: 'w1/low', account: 'w1' }), note({ id: 'w2/low', account: 'w2' }), note({ id: 'w3/low', account: 'w3' })]); // the digest opens with w1
  await d.enqueue([note({ id: 'w2/low', account: 'w2', severity: 'critical', reason: 'escalation' })]);
  await d.enqueue([note({ id: 'w1/low', account: 'w1', status: 'resolved', reason: 'resolve' }), note({ id: 'w3/low', account: 'w3', status: 'resolved', reason: 'resolve' })]);
  assert.equal(d.pending, 3, 'one per alert in the open digest');
  assert.deepEqual(Object.fromEntries(d.owedByAlert()), { 'w1/low': 1, 'w2/low': 1, 'w3/low': 1 });
  await waitFor(() => hook.sent.length === 7, 'a target that does not group gets every notification');
  await waitFor(() => mail.sent.length === 2, 'the digest', 20_000);
  assert.deepEqual(
    mail.sent[1]!.map((n) => [n.id, n.status, n.reason]),
    [
      ['w1/low', 'resolved', 'resolve'],
      ['w2/low', 'firing', 'escalation'],
      ['w3/low', 'resolved', 'resolve'],
    ],
  );
});

test('a reload that shortens group_interval: the digest already collecting leaves when the new interval ends, not the old one', async (t) => {
  const mail = memory('mail', true);
  const d = dispatcher(t, [receiver('default', [mail], { groupIntervalMs: 24 * 3_600_000 })]);
  await d.start();
  await d.enqueue([note({ id: 'x', account: 'w1' })]);
  await waitFor(() => mail.sent.length === 1, 'the first, at once');
  await d.enqueue([note({ id: 'y', account: 'w2' })]);
  assert.equal(d.pending, 1, 'a digest opened, due in 24 h');
  d.setReceivers([receiver('default', [mail], { groupIntervalMs: 50 })]);
  await waitFor(() => mail.sent.length === 2, 'the digest, 50 ms after the first (not a day)');
  assert.equal(d.pending, 0);
});

test('a digest resumed at start, then a reload that shortens group_interval: due the new interval after it opened, and a refusal is retried, not given up', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-dispatch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const mail = (sendDigest: Notifier['sendDigest']): Notifier => ({ channel: 'email', key: 'mail', label: 'mail', send: async () => undefined, sendDigest });
  const day = (n: Notifier) => [receiver('default', [n], { groupIntervalMs: 24 * 3_600_000 })];
  const first = onOutbox(dir, day(mail(async () => undefined)));
  await first.start();
  await first.enqueue([note({ id: 'a1', account: 'w1' })]); // sent at once
  await first.enqueue([note({ id: 'a2', account: 'w2' }), note({ id: 'a3', account: 'w3' })]); // the day's digest opens
  assert.equal(first.pending, 2);
  await first.stop(100);
  let tries = 0;
  const refusing = mail(async () => {
    tries++;
    throw new NotifyError('server', 'mail: 451 try later', { retryable: true });
  });
  const second = onOutbox(dir, day(refusing));
  t.after(() => second.stop(100));
  await second.start(); // a restart: the target has sent nothing since, the digest is collecting
  second.setReceivers([receiver('default', [refusing], { groupIntervalMs: 50 })]);
  await waitFor(() => tries >= 2, 'the digest tried, refused, and tried again');
  assert.equal(second.pending, 2, 'still owed');
  assert.ok(Number.isFinite(second.oldestOwedAgeSeconds()), 'its due time is a time');
});

/**
 * Receivers A (`down`, refusing) and B (`b`); w/low's firing enqueued for A and still owed at the stop. Returns
 * the dispatcher of the restart on the same outbox, A's channel now `a`, started (stopped after the test).
 */
async function restartedOwingAtA(t: TestContext, down: Notifier, a: Notifier, b: Notifier): Promise<Dispatcher> {
  const dir = mkdtempSync(join(tmpdir(), 'ws-dispatch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = onOutbox(dir, [receiver('A', [down]), receiver('B', [b])]);
  await first.start();
  await first.enqueue([note({ id: 'w/low' })], ['A']);
  await first.stop(100);
  const second = onOutbox(dir, [receiver('A', [a]), receiver('B', [b])]);
  t.after(() => second.stop(100));
  await second.start();
  return second;
}

test('a firing owed at a restart and accepted after it at receiver A, the wallet now routed to B: its resolve reaches A too (the incident A opened closes)', async (t) => {
  const down: Notifier = { channel: 'webhook', key: 'A/webhook:a', label: 'A', send: async () => { throw new NotifyError('server', 'webhook: 503', { retryable: true }); } };
  const [b, a] = [memory('B/webhook:b', false), memory('A/webhook:a', false)];
  const second = await restartedOwingAtA(t, down, a, b);
  await waitFor(() => a.sent.length === 1, 'the owed firing, accepted at A after the restart');
  await second.enqueue([note({ id: 'w/low', status: 'resolved', reason: 'resolve' })], ['B']); // the wallet names B now
  await waitFor(() => second.pending === 0, 'the resolve delivered');
  assert.deepEqual(a.sent.flat().map((n) => n.status), ['firing', 'resolved'], 'A took the firing in this process: it gets the resolve');
  assert.deepEqual(b.sent.flat().map((n) => n.status), ['resolved']);
});

test('a firing owed at a restart and NOT yet accepted at receiver A when its resolve comes (A still down), the wallet now routed to B: the resolve follows the firing at A (it paged for an alert already over, and the incident stayed open)', async (t) => {
  let up = false;
  const sent: string[] = [];
  const flaky: Notifier = { channel: 'webhook', key: 'A/webhook:a', label: 'A', send: async (n) => { if (!up) throw new NotifyError('server', 'webhook: 503', { retryable: true }); sent.push(n.status); } };
  const b = memory('B/webhook:b', false);
  const second = await restartedOwingAtA(t, flaky, flaky, b);
  await second.enqueue([note({ id: 'w/low', status: 'resolved', reason: 'resolve' })], ['B']); // A still owes the firing
  up = true;
  await waitFor(() => second.pending === 0, 'all delivered');
  assert.deepEqual(sent, ['firing', 'resolved'], 'A gets the resolve after the firing it owed');
  assert.deepEqual(b.sent.flat().map((n) => n.status), ['resolved']);
});

test('a reload that hands an open digest over to a new channel writes it: the database names the new channel before anything else is committed (a crash then lost the digest)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-dispatch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fin = (key: string) => [receiver('fin', [memory(key, true)], { groupIntervalMs: 3_600_000 })];
  const d = onOutbox(dir, fin('fin/email:old'));
  t.after(() => d.stop(100));
  await d.start();
  await d.enqueue([note({ id: 'w1/low', account: 'w1' })], ['fin']); // leaves at once
  await d.enqueue([note({ id: 'w2/low', account: 'w2' }), note({ id: 'w3/low', account: 'w3' })], ['fin']); // the hour's digest opens
  await waitFor(() => d.pending === 2, 'the digest collecting');
  await waitFor(async () => (await savedOutbox(dir)).deliveries.some((x) => x.target === 'fin/email:old'), 'the digest written at its channel');
  d.setReceivers(fin('fin/email:new')); // the receiver's recipients changed
  await waitFor(async () => (await savedOutbox(dir)).deliveries.every((x) => x.target === 'fin/email:new'), 'the digest written at its new channel');
  assert.equal(d.pending, 2);
});

test('a reload that removes a wallet together with its receiver: the wallet\'s closing resolve still reaches that receiver (its incident stayed open); a firing for a receiver no longer there is not sent, and said', async (t) => {
  const pd = memory('pd', false);
  const other = memory('other', false);
  const lines: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ws-dispatch-'));
  const d = new Dispatcher({ receivers: [receiver('default', []), receiver('pd', [pd]), receiver('other', [other])], store: outboxIn(dir, log), metrics: createMetrics(), log: pino({ level: 'error' }, { write: (l: string) => void lines.push(l) }), retryBaseDelayMs: 20 });
  t.after(async () => {
    await d.stop(100);
    rmSync(dir, { recursive: true, force: true });
  });
  await d.start();
  await d.enqueue([note({ id: 'w1/low' })], ['pd']);
  await waitFor(() => pd.sent.length === 1, 'the firing delivered');
  d.setReceivers([receiver('default', []), receiver('other', [other])]); // the reload: `pd` and its wallet gone
  await d.enqueue([note({ id: 'w1/low', status: 'resolved', reason: 'unwatched' })], ['pd']);
  await waitFor(() => d.pending === 0, 'all delivered');
  assert.deepEqual(pd.sent.map((s) => `${s[0]!.id}:${s[0]!.status}`), ['w1/low:firing', 'w1/low:resolved']);
  await d.enqueue([note({ id: 'w2/low' })], ['pd']);
  assert.equal(pd.sent.length, 2, 'a new alert goes to no removed receiver');
  assert.ok(lines.some((l) => l.includes('"receiver":"pd"') && l.includes('no longer configured')), lines.join(''));
});

test("a receiver a reload removed while an alert told of there still fires: its resolve reaches it after any number of later reloads; one no firing alert names is let go", async (t) => {
  const old = memory('pd-old', false);
  const gone = memory('gone', false);
  const now = memory('pd-new', false);
  const d = dispatcher(t, [receiver('default', []), receiver('pd-old', [old]), receiver('gone', [gone])]);
  await d.start();
  await d.enqueue([note({ id: 'a/low' })], ['pd-old']);
  await waitFor(() => old.sent.length === 1, 'the firing delivered');
  // an on-call rotation: the wallet moves to pd-new and pd-old goes (`gone` too, told of nothing)
  d.setReceivers([receiver('default', []), receiver('pd-new', [now])]);
  d.setReceivers([receiver('default', []), receiver('pd-new', [now])]); // any other edit: a second reload
  await d.enqueue([note({ id: 'a/low', status: 'resolved' })], ['pd-new']);
  await waitFor(() => d.pending === 0, 'all delivered');
  assert.deepEqual(old.sent.map((s) => `${s[0]!.id}:${s[0]!.status}`), ['a/low:firing', 'a/low:resolved'], 'the incident pd-old opened is closed');
  d.setReceivers([receiver('default', []), receiver('pd-new', [now])]);
  await d.enqueue([note({ id: 'b/low', status: 'resolved' })], ['gone']);
  assert.equal(gone.sent.length, 0, 'a receiver removed two reloads ago and told of nothing is not kept');
});

test('when a target last accepted a notification is known for every firing alert of a 500-wallet outage, and forgotten once its resolve is accepted', async (t) => {
  const mail = memory('mail', false);
  const d = dispatcher(t, [receiver('default', [mail])]);
  await d.start();
  const firing = Array.from({ length: 500 }, (_, i) => note({ id: `w${i}/low`, account: `w${i}` }));
  await d.enqueue(firing);
  await waitFor(() => mail.sent.length === 500, 'every firing delivered');
  assert.deepEqual(firing.filter((n) => d.lastDeliveredAt(n.id) === undefined).map((n) => n.id), [], 'none reads as never notified');
  await d.enqueue([note({ id: 'w0/low', account: 'w0', status: 'resolved' })]);
  await waitFor(() => mail.sent.length === 501, 'the resolve delivered');
  assert.equal(d.lastDeliveredAt('w0/low'), undefined);
  assert.notEqual(d.lastDeliveredAt('w1/low'), undefined);
});

test('the owed gauges: a digest still collecting is not late, one that closed and fails counts from the end of its interval; each notification in it is owed', async (t) => {
  let clock = 1_800_000_000_000;
  const attempts: string[][] = [];
  const mail = digestMail((ids) => {
    attempts.push(ids);
    throw new NotifyError('server', 'mail: the server answered 451 (temporary)', { retryable: true });
  });
  const d = dispatcher(t, [receiver('default', [mail], { groupIntervalMs: 60_000 })], { retryBaseDelayMs: 600_000, now: () => clock, monotonic: () => clock });
  await d.start();
  await d.enqueue([note({ id: 'a1', account: 'w1' })]); // a quiet target: sent at once
  await d.enqueue([note({ id: 'a2', account: 'w2' }), note({ id: 'a3', account: 'w3' })]); // the digest opens
  clock += 50_000;
  assert.equal(d.pending, 2, 'two notifications owed, in one digest');
  assert.equal(d.oldestOwedAgeSeconds(), 0, 'collecting for 50 s of a 60 s interval is not late');
  clock += 15_000; // the interval ended 5 s ago
  await d.enqueue([note({ id: 'a1', account: 'w1', status: 'resolved', reason: 'resolve' })]); // joins the digest, and pumps the target: it is due
  await waitFor(() => attempts.length === 1, 'the digest tried, and refused');
  clock += 30_000;
  assert.equal(d.oldestOwedAgeSeconds(), 35, 'owed since its interval ended, not since it opened (95 s)');
});

test('a mail whose recipients were partly reached is retried after a restart to the others only: who has it is kept with the owed delivery', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-dispatch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let tries = 0;
  const greylisting: Notifier = {
    channel: 'email',
    key: 'mail',
    label: 'mail',
    send: async () => {
      tries++;
      throw new NotifyError('server', 'mail: the server deferred 1 of 2 recipients (451, temporary): 1 got it', { retryable: true, reached: ['finance@example.com'] });
    },
  };
  const first = new Dispatcher({ receivers: [receiver('default', [greylisting])], store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 60_000 });
  await first.start();
  await first.enqueue([note({ id: 'a/low' })]);
  await waitFor(() => tries === 1, 'the first attempt, half taken');
  await first.stop(100);

  const asked: (readonly string[] | undefined)[] = [];
  const up: Notifier = { channel: 'email', key: 'mail', label: 'mail', send: async (_n, _s, reached) => void asked.push(reached) };
  const second = new Dispatcher({ receivers: [receiver('default', [up])], store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20, now: () => Date.now() + 120_000 });
  t.after(() => second.stop(100));
  await second.start();
  await waitFor(() => asked.length === 1, 'the owed mail, retried after the restart', 10_000);
  assert.deepEqual(asked[0], ['finance@example.com'], 'the retry knows who has it');
});

test('a clock stepped back two hours while stopped: what was owed is retried when due, not two hours later; the step is said', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-dispatch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let tries = 0;
  const down: Notifier = {
    channel: 'webhook',
    key: 'hook',
    label: 'hook',
    send: async () => {
      tries++;
      throw new NotifyError('server', 'hook: HTTP 503', { retryable: true });
    },
  };
  const first = new Dispatcher({ receivers: [receiver('default', [down])], store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 300 });
  await first.start();
  await first.enqueue([note({ id: 'a/low' })]);
  await waitFor(() => tries === 1, 'the first attempt, refused');
  await first.stop(100);

  const up = memory('hook', false);
  const lines: string[] = [];
  const second = new Dispatcher({ receivers: [receiver('default', [up])], store: outboxIn(dir, log), metrics: createMetrics(), log: pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }), retryBaseDelayMs: 300, now: () => Date.now() - 2 * 3_600_000 });
  t.after(() => second.stop(100));
  await second.start();
  await waitFor(() => up.sent.length === 1, 'the owed notification, at its retry time', 10_000);
  assert.ok(lines.some((l) => l.includes('saved outbox is') && l.includes('moved back to now')), lines.join(''));
  assert.ok(second.oldestOwedAgeSeconds() < 60);
});

test("one alert's failing delivery holds back only that alert: its resolve does not join a digest (which would hold every wallet in it for up to 24 h)", async (t) => {
  // One recipient's full mailbox (a 452 to that message only) keeps a1's firing retried. Its resolve must
  // wait for it; other wallets' alerts, in a digest or on their own, must not.
  const { d, sent } = await a1FailingA2Collected(t, 3_000); // a3 must join a2's digest, whatever the load
  await d.enqueue([note({ id: 'a1', account: 'w1', status: 'resolved', reason: 'resolve' })]);
  await d.enqueue([note({ id: 'a3', account: 'w3' })]);
  await waitFor(() => sent.length === 1, 'the digest sent at the end of its interval while a1 still fails');
  assert.deepEqual(sent, [['a2', 'a3']], "a1's resolve is not in it: it waits for a1's firing");
  assert.deepEqual(Object.fromEntries(d.owedByAlert()), { a1: 2 }, "a1's firing and its resolve are owed, in that order");
  await d.enqueue([note({ id: 'a4', account: 'w4' })]);
  await waitFor(() => sent.length === 2, 'the next digest too');
  assert.deepEqual(sent[1], ['a4']);
});

test("a reload that changes where a receiver's webhook points (the old URL failing): what it owed goes to the new one; a webhook merely removed hands nothing to the one kept", async (t) => {
  const refusing = (key: string): Notifier & { tried: number } => {
    const n = { channel: 'webhook' as const, key, label: key, tried: 0, send: async () => { n.tried++; throw new NotifyError('network', 'connection refused', { retryable: true }); } };
    return n;
  };
  const dead = refusing('ops/webhook:dead');
  const fixed = memory('ops/webhook:f1xd', false);
  const d = dispatcher(t, [receiver('ops', [dead])]);
  await d.start();
  await d.enqueue([note({ id: 'a1' }), note({ id: 'a2' })], ['ops']);
  await waitFor(() => dead.tried >= 2, 'both tried at the dead URL');
  await waitFor(() => d.oldestOwedAgeSeconds() > 0, 'owed');
  d.setReceivers([receiver('ops', [fixed])]); // the URL corrected, the file reloaded
  await d.enqueue([note({ id: 'a1', status: 'resolved', reason: 'resolve' })], ['ops']);
  await waitFor(() => d.pending === 0, 'all delivered');
  assert.deepEqual(fixed.sent.map(([n]) => `${n!.id}:${n!.status}`).sort(), ['a1:firing', 'a1:resolved', 'a2:firing']);
  assert.ok(fixed.sent.findIndex(([n]) => n!.status === 'resolved') > fixed.sent.findIndex(([n]) => n!.id === 'a1'), "a1's resolve after its firing");

  const gone = refusing('team/webhook:gone');
  const kept = memory('team/webhook:kept', false);
  const d2 = dispatcher(t, [receiver('team', [gone, kept])]);
  await d2.start();
  await d2.enqueue([note({ id: 'b1' })], ['team']);
  await waitFor(() => gone.tried >= 1 && kept.sent.length === 1, 'tried at both');
  d2.setReceivers([receiver('team', [kept])]); // one of two webhooks removed
  await waitFor(() => gone.tried >= 2, 'the removed one still finishes what it owes, at its own URL');
  assert.equal(kept.sent.length, 1, 'the kept webhook had it already: not a second time');
});

test('a PagerDuty routing key changed by a reload while its incident is open: the resolve reaches the old key too (it opened the incident), and the new one; a URL corrected before it ever took the firing gets no resolve', async (t) => {
  const oldKey = memory('ops/pagerduty:0ld', false);
  const newKey = memory('ops/pagerduty:n3w', false);
  const d = dispatcher(t, [receiver('ops', [oldKey])]);
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => d.pending === 0, 'the firing accepted at the old key');
  d.setReceivers([receiver('ops', [newKey])]); // the routing key rotated, the file reloaded
  await d.enqueue([note({ id: 'a', status: 'resolved', reason: 'resolve' })], ['ops']);
  await waitFor(() => d.pending === 0 && oldKey.sent.length === 2, 'delivered');
  assert.deepEqual(oldKey.sent.map(([n]) => `${n!.id}:${n!.status}`), ['a:firing', 'a:resolved'], 'the incident the old key opened is closed');
  assert.deepEqual(newKey.sent.map(([n]) => `${n!.id}:${n!.status}`), ['a:resolved']);
  // Once resolved nothing is kept: the next alert goes only to the key configured.
  await d.enqueue([note({ id: 'b' }), note({ id: 'b', status: 'resolved', reason: 'resolve' })], ['ops']);
  await waitFor(() => d.pending === 0 && newKey.sent.length === 3, 'delivered');
  assert.equal(oldKey.sent.length, 2);

  // A URL that never took the firing (refused until corrected): the firing went to the corrected one, and so does the resolve alone.
  let refused = 0;
  const dead: Notifier = { channel: 'webhook', key: 'fin/webhook:dead', label: 'dead', send: async () => void (refused++, (() => { throw new NotifyError('network', 'connection refused', { retryable: true }); })()) };
  const fixed = memory('fin/webhook:f1xd', false);
  const d2 = dispatcher(t, [receiver('fin', [dead])]);
  await d2.start();
  await d2.enqueue([note({ id: 'c' })], ['fin']);
  await waitFor(() => refused >= 1, 'refused at the dead URL');
  d2.setReceivers([receiver('fin', [fixed])]);
  await d2.enqueue([note({ id: 'c', status: 'resolved', reason: 'resolve' })], ['fin']);
  // nothing owed: a resolve queued at the dead URL would stay owed there, refused
  await waitFor(() => d2.pending === 0 && fixed.sent.length === 2, 'delivered, and nothing owed at the dead URL');
  assert.deepEqual(fixed.sent.map(([n]) => `${n!.id}:${n!.status}`), ['c:firing', 'c:resolved']);
});

test("a receiver's Retry-After pauses the whole target, not only the delivery it answered: no other notification is tried there before it ends", async (t) => {
  let clock = 1_800_000_000_000;
  const tried: string[] = [];
  const hook: Notifier = {
    channel: 'webhook',
    key: 'hook',
    label: 'hook',
    send: async (n) => {
      tried.push(n.id);
      if (tried.length === 1) throw new NotifyError('rate_limited', 'hook answered 429', { retryable: true, retryAfterMs: 60_000 });
    },
  };
  const d = dispatcher(t, [receiver('default', [hook])], { now: () => clock, monotonic: () => clock });
  await d.start();
  await d.enqueue([note({ id: 'a1', account: 'w1' })]);
  await waitFor(() => d.oldestOwedAgeSeconds() === 0 && tried.length === 1 && d.pending === 1, 'a1 refused with Retry-After');
  clock += 30_000;
  await d.enqueue([note({ id: 'a2', account: 'w2' })]); // enqueue pumps the target at once: a due delivery starts here
  assert.deepEqual(tried, ['a1'], 'a2 waits for the end of the pause the receiver asked for');
  clock += 31_000;
  await d.enqueue([note({ id: 'a3', account: 'w3' })]);
  await waitFor(() => d.pending === 0, 'all delivered once the pause ended');
  assert.deepEqual(tried.slice(1).sort(), ['a1', 'a2', 'a3']);
});

test('a URL corrected by a reload while a firing is in flight at the old one: the new URL gets the firing, then its resolve (the resolve never moves ahead of it)', async (t) => {
  let release!: () => void;
  const hanging = new Promise<void>((r) => (release = r));
  let oldTries = 0;
  const dead: Notifier = {
    channel: 'webhook',
    key: 'ops/webhook:dead',
    label: 'old',
    send: async () => {
      if (++oldTries === 1) await hanging; // a host that does not answer (15 s in real life)
      throw new NotifyError('network', 'connect ETIMEDOUT', { retryable: true });
    },
  };
  const fixed = memory('ops/webhook:f1xd', false);
  const d = dispatcher(t, [receiver('ops', [dead])]);
  await d.start();
  await d.enqueue([note({ id: 'a1' })], ['ops']);
  await waitFor(() => oldTries === 1, 'the firing in flight at the old URL');
  await d.enqueue([note({ id: 'a1', status: 'resolved', reason: 'resolve' }), note({ id: 'b1' })], ['ops']);
  d.setReceivers([receiver('ops', [fixed])]);
  await waitFor(() => fixed.sent.length === 1, 'b1 (nothing of it in flight) moved and sent at once');
  assert.deepEqual(fixed.sent.map(([n]) => n!.id), ['b1'], "a1's resolve stays behind its firing");
  release(); // the firing's attempt fails at the old URL: it moves, and its resolve after it
  await waitFor(() => d.pending === 0, 'all delivered');
  assert.deepEqual(fixed.sent.map(([n]) => `${n!.id}:${n!.status}`), ['b1:firing', 'a1:firing', 'a1:resolved']);
  assert.equal(oldTries, 1, 'the old URL is not tried again (nor was b1 at it: a channel that has taken nothing has one attempt out)');
});

test('what a reload moves once the attempt in flight at the old URL lands is said, as what moved at the reload is', async (t) => {
  let release!: () => void;
  const hanging = new Promise<void>((r) => (release = r));
  const dead: Notifier = {
    channel: 'webhook',
    key: 'ops/webhook:dead',
    label: 'old',
    send: async () => {
      tries++;
      await hanging;
      throw new NotifyError('network', 'connect ETIMEDOUT', { retryable: true });
    },
  };
  let tries = 0;
  const fixed = memory('ops/webhook:f1xd', false);
  const lines: string[] = [];
  const d = dispatcher(t, [receiver('ops', [dead])], { log: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }) });
  await d.start();
  await d.enqueue([note({ id: 'a1' })], ['ops']);
  await waitFor(() => tries === 1, 'the firing in flight at the old URL');
  d.setReceivers([receiver('ops', [fixed])]);
  release();
  await waitFor(() => d.pending === 0, 'all delivered');
  assert.deepEqual(fixed.sent.map(([n]) => n!.id), ['a1']);
  const moved = lines.map((l) => JSON.parse(l) as { msg: string; from?: string; to?: string; owed?: number }).filter((l) => /owed notifications moved/.test(l.msg));
  assert.equal(moved.length, 1, `one line says the firing moved: ${lines.join('')}`);
  assert.deepEqual([moved[0]!.from, moved[0]!.to, moved[0]!.owed], ['old', 'ops/webhook:f1xd', 1]);
});

test('a URL changed by a reload and changed back while an attempt is in flight: what the typo took comes home', async (t) => {
  const gotA: string[] = [];
  let bTries = 0;
  const slowA = (): Notifier => ({ channel: 'webhook', key: 'ops/webhook:aaaa', label: 'A', send: async (n) => { await new Promise((r) => setTimeout(r, 300)); gotA.push(n.id); } });
  const deadB: Notifier = { channel: 'webhook', key: 'ops/webhook:bbbb', label: 'B', send: async () => { bTries++; throw new NotifyError('network', 'ECONNREFUSED', { retryable: true }); } };
  const d = dispatcher(t, [receiver('ops', [slowA()])], { concurrency: 1 });
  await d.start();
  await d.enqueue([note({ id: 'a1' }), note({ id: 'a2' })], ['ops']); // a1 in flight at A, a2 waiting
  d.setReceivers([receiver('ops', [deadB])]); // a typo: a2 moves to B
  await d.enqueue([note({ id: 'a3' })], ['ops']);
  await waitFor(() => bTries >= 2, 'B refuses');
  d.setReceivers([receiver('ops', [slowA()])]); // reverted while a1 is still in flight at A
  await waitFor(() => d.pending === 0, 'all delivered at A');
  assert.deepEqual(gotA.sort(), ['a1', 'a2', 'a3']);
});

test("a resolve that waits for its alert's failing firing does not open a digest either (one opened by it held every wallet that joined)", async (t) => {
  const { d, sent } = await a1FailingA2Collected(t);
  await waitFor(() => sent.length === 1, 'that digest sent');
  await d.enqueue([note({ id: 'a1', account: 'w1', status: 'resolved', reason: 'resolve' })]); // no digest open now
  await d.enqueue([note({ id: 'a3', account: 'w3' })]);
  await waitFor(() => sent.some((m) => m.includes('a3')), 'a3 delivered while a1 still fails');
  assert.deepEqual(Object.fromEntries(d.owedByAlert()), { a1: 2 });
});

test('a daily digest (group interval 24 h) refused once at its end is retried, not given up: a delivery is kept 24 h from when it became due, not from when the digest opened', async (t) => {
  let clock = 1_800_000_000_000;
  let refuse = true;
  let tries = 0;
  const digests: string[][] = [];
  const mail = digestMail((ids) => {
    tries++;
    if (refuse) throw new NotifyError('server', 'mail: 451 try later', { retryable: true });
    digests.push(ids);
  });
  const d = dispatcher(t, [receiver('default', [mail], { groupIntervalMs: 24 * 3_600_000 })], { retryBaseDelayMs: 1_000, now: () => clock, monotonic: () => clock, random: () => 0.5 });
  await d.start();
  await d.enqueue([note({ id: 'a1', account: 'w1' })]); // sent at once
  await d.enqueue([note({ id: 'a2', account: 'w2' })]); // opens the day's digest
  clock += 24 * 3_600_000 + 1_000; // the day is over
  await d.enqueue([note({ id: 'a3', account: 'w3' })]); // joins it and pumps: it is due, and refused
  await waitFor(() => tries === 1, 'the digest tried and refused'); // its failure is handled before a timer runs
  assert.equal(d.pending, 2, 'still owed, not given up');
  refuse = false;
  clock += 60_000;
  await d.enqueue([note({ id: 'a1', account: 'w1', status: 'resolved', reason: 'resolve' })]); // pumps again
  await waitFor(() => digests.length === 1, 'the digest delivered on its retry');
  assert.deepEqual(digests[0], ['a2', 'a3']);
});

test("what a reload moves to a corrected URL is tried there at once, not after the old URL's backoff", async (t) => {
  let tried = 0;
  const dead: Notifier = { channel: 'webhook', key: 'ops/webhook:dead', label: 'old', send: async () => { tried++; throw new NotifyError('network', 'connection refused', { retryable: true }); } };
  const fixed = memory('ops/webhook:f1xd', false);
  const d = dispatcher(t, [receiver('ops', [dead])], { retryBaseDelayMs: 600_000 }); // the next try at the old URL: in 10 min
  await d.start();
  await d.enqueue([note({ id: 'a1' })], ['ops']);
  await waitFor(() => tried === 1 && d.pending === 1, 'refused once, waiting for its retry');
  d.setReceivers([receiver('ops', [fixed])]);
  await waitFor(() => fixed.sent.length === 1, 'delivered at the corrected URL', 5_000);
});

/**
 * A channel whose first attempt hangs until `land(accept)`; its later attempts are accepted or refused as
 * `accepts` says. `got`: the notifications it accepted, as `id:status`.
 */
function hangingOnce(key: string, accepts: boolean): Notifier & { got: string[]; tries: number; land: (accept: boolean) => void } {
  let land: (accept: boolean) => void = () => undefined;
  const first = new Promise<boolean>((r) => (land = r));
  const ch = {
    channel: 'webhook' as const,
    key,
    label: key,
    got: [] as string[],
    tries: 0,
    land: (accept: boolean) => land(accept),
    send: async (n: Notification) => {
      const ok = ++ch.tries === 1 ? await first : accepts;
      if (!ok) throw new NotifyError('network', `${key}: connection refused`, { retryable: true });
      ch.got.push(`${n.id}:${n.status}`);
    },
  };
  return ch;
}

for (const accepted of [false, true]) {
  test(`a resolve decided after a reload replaced the channel its firing is still in flight at, which then ${accepted ? 'takes' : 'refuses'} it: each destination gets the alert in order${accepted ? ', the old one its resolve' : ''}`, async (t) => {
    const old = hangingOnce('ops/webhook:0ld', accepted);
    const fixed = memory('ops/webhook:n3w', false);
    const d = dispatcher(t, [receiver('ops', [old])]);
    await d.start();
    await d.enqueue([note({ id: 'a1' })], ['ops']);
    await waitFor(() => old.tries === 1, 'the firing in flight at the old destination');
    d.setReceivers([receiver('ops', [fixed])]); // the reload corrects the URL
    await d.enqueue([note({ id: 'a1', status: 'resolved', reason: 'resolve' })], ['ops']);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(fixed.sent.length, 0, 'the resolve waits for its firing');
    old.land(accepted);
    await waitFor(() => d.pending === 0, 'all delivered');
    const got = fixed.sent.map((s) => `${s[0]!.id}:${s[0]!.status}`);
    if (accepted) {
      assert.deepEqual(old.got, ['a1:firing', 'a1:resolved'], 'the incident the old destination opened is closed there');
      assert.deepEqual(got, []);
    } else assert.deepEqual(got, ['a1:firing', 'a1:resolved']);
  });
}

test('a URL corrected twice while an attempt at the first is in flight: what waited behind it reaches the last one, in order', async (t) => {
  const first = hangingOnce('ops/webhook:u1', false);
  const typo = hangingOnce('ops/webhook:u2', false);
  typo.land(false);
  const good = memory('ops/webhook:u3', false);
  const d = dispatcher(t, [receiver('ops', [first])]);
  await d.start();
  await d.enqueue([note({ id: 'a1' })], ['ops']);
  await waitFor(() => first.tries === 1, 'the firing in flight at u1');
  await d.enqueue([note({ id: 'a1', status: 'resolved', reason: 'resolve' })], ['ops']); // waits behind it
  d.setReceivers([receiver('ops', [typo])]);
  d.setReceivers([receiver('ops', [good])]);
  first.land(false);
  await waitFor(() => d.pending === 0, 'all delivered at u3');
  assert.deepEqual(good.sent.map((s) => `${s[0]!.id}:${s[0]!.status}`), ['a1:firing', 'a1:resolved']);
  assert.equal(first.tries, 1, 'not retried at u1');
});
