/**
 * Digests across a channel outage (grouping.ts): the notifications that must wait for their alerts' earlier
 * deliveries wait together. A minute's Slack or SMTP outage during a fleet-wide event otherwise turned every
 * wallet's escalation and resolve into a message of its own once the channel came back (362 for 200 wallets).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { Notification } from '../../src/domain/alerts.js';
import { NotifyError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { notificationsOf, type Delivery } from '../../src/notify/delivery.js';
import { Dispatcher, type DispatcherDeps } from '../../src/notify/dispatch.js';
import { addTo } from '../../src/notify/grouping.js';
import type { Notifier } from '../../src/notify/notifier.js';
import type { Receiver } from '../../src/notify/registry.js';
import { newTarget, removeFrom } from '../../src/notify/target.js';
import { waitFor } from '../helpers/daemon.js';
import { sampleNotification as note } from '../helpers/fixtures.js';
import { outboxIn, savedOutbox } from '../helpers/state.js';

const log = pino({ level: 'silent' });
const line = (n: Notification) => `${n.id}:${n.status}:${n.severity}`;

/** A grouping mail channel that refuses everything (a 421, retried) while `down`; `sent` what it took, `tried` every attempt's size. */
function flakyMail(key = 'mail', down = true): { mail: Notifier; sent: string[][]; tried: number[]; state: { down: boolean } } {
  const sent: string[][] = [];
  const tried: number[] = [];
  const state = { down };
  const take = (ns: readonly Notification[]) => {
    tried.push(ns.length);
    if (state.down) throw new NotifyError('server', 'mail: 421 service not available (temporary)', { retryable: true });
    sent.push(ns.map(line));
  };
  return { sent, tried, state, mail: { channel: 'email', key, label: key, send: async (n) => take([n]), sendDigest: async (ns) => take(ns) } };
}

const receiver = (name: string, notifiers: Notifier[], groupIntervalMs = 200): Receiver => ({ name, severities: undefined, groupIntervalMs, notifiers, alertmanagers: [] });

function newDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ws-digest-outage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const onOutbox = (dir: string, receivers: Receiver[], over: Partial<DispatcherDeps> = {}): Dispatcher =>
  new Dispatcher({ receivers, store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20, ...over });

function dispatcher(t: TestContext, mail: Notifier, over: Partial<DispatcherDeps> = {}, groupIntervalMs = 200): Dispatcher {
  const d = onOutbox(newDir(t), [receiver('default', [mail], groupIntervalMs)], over);
  t.after(() => d.stop(100));
  return d;
}

const wallets = Array.from({ length: 30 }, (_, i) => `w${i + 1}`);

test('a fleet-wide event during a mail outage: once the channel is back, the escalations and resolves that waited for the firings leave as one digest, in order, not one mail each', async (t) => {
  const { mail, sent, tried, state } = flakyMail();
  const d = dispatcher(t, mail);
  await d.start();
  await d.enqueue([note({ id: 'w0/a', account: 'w0' })]); // a quiet target: tried at once, refused
  await d.enqueue(wallets.map((w) => note({ id: `${w}/a`, account: w }))); // a digest opens
  await waitFor(() => tried.includes(30), 'the digest of 30 tried at the end of its interval, and refused', 10_000);
  // the fleet's next turn while the channel is still down: every wallet escalates, half of them then resolve
  await d.enqueue([note({ id: 'w0/a', account: 'w0', severity: 'critical', reason: 'escalation' }), ...wallets.map((w) => note({ id: `${w}/a`, account: w, severity: 'critical', reason: 'escalation' }))]);
  await d.enqueue(wallets.slice(0, 15).map((w) => note({ id: `${w}/a`, account: w, status: 'resolved', reason: 'resolve' })));
  state.down = false;
  await waitFor(() => d.pending === 0, 'everything delivered once the channel is back', 20_000);

  const at = (l: string) => sent.findIndex((m) => m.includes(l));
  assert.deepEqual(
    sent.map((m) => m.length).sort((a, b) => a - b),
    [1, 1, 30, 30],
    `w0's firing, the digest, and what waited behind each (w0's escalation on its own: it waited for w0's firing alone): ${JSON.stringify(sent)}`,
  );
  assert.ok(at('w0/a:firing:warning') < at('w0/a:firing:critical'), "w0's escalation after its firing");
  wallets.forEach((w, i) => {
    const latest = i < 15 ? `${w}/a:resolved:warning` : `${w}/a:firing:critical`; // a digest says each alert as it stands
    assert.ok(at(`${w}/a:firing:warning`) >= 0 && at(`${w}/a:firing:warning`) < at(latest), `${w}: its firing, then ${latest}`);
  });
});

test('notifications waiting for different deliveries do not wait together: each leaves when what it waits for has', async (t) => {
  // a1's firing alone is refused (one recipient's full mailbox); the digest of a2 and a3 is refused once.
  const sent: string[][] = [];
  let digestRefused = false;
  const take = (ns: readonly Notification[]) => {
    if (ns.some((n) => n.id === 'a1' && n.status === 'firing')) throw new NotifyError('server', 'mail: 452 mailbox full (temporary)', { retryable: true });
    if (ns.length > 1 && !digestRefused) {
      digestRefused = true;
      throw new NotifyError('server', 'mail: 421 try again later', { retryable: true });
    }
    sent.push(ns.map(line));
  };
  const mail: Notifier = { channel: 'email', key: 'mail', label: 'mail', send: async (n) => take([n]), sendDigest: async (ns) => take(ns) };
  const d = dispatcher(t, mail);
  await d.start();
  await d.enqueue([note({ id: 'a1', account: 'w1' })]);
  await d.enqueue([note({ id: 'a2', account: 'w2' }), note({ id: 'a3', account: 'w3' })]);
  await waitFor(() => digestRefused, 'the digest of a2 and a3 refused once', 10_000);
  // a1's resolve waits for a1's firing; a2's and a3's escalations wait for their digest only: they must not be
  // held by a1's firing
  await d.enqueue([note({ id: 'a1', account: 'w1', status: 'resolved', reason: 'resolve' }), note({ id: 'a2', account: 'w2', severity: 'critical', reason: 'escalation' }), note({ id: 'a3', account: 'w3', severity: 'critical', reason: 'escalation' })]);
  await waitFor(() => sent.flat().includes('a2:firing:critical') && sent.flat().includes('a3:firing:critical'), 'a2 and a3 escalated while a1 still fails', 10_000);
  assert.deepEqual(Object.fromEntries(d.owedByAlert()), { a1: 2 }, "a1's firing and its resolve owed, nothing else");
  assert.ok(!sent.flat().some((l) => l.startsWith('a1:')), 'nothing of a1 overtook its firing');
  assert.deepEqual(sent.slice(-2), [['a2:firing:warning', 'a3:firing:warning'], ['a2:firing:critical', 'a3:firing:critical']], 'the digest, then the two escalations that waited for it, together');
});

test('a waiting digest collects for one group interval: a resolve decided 20 h into an outage waits in a digest of its own, and has its own 24 h (it was given up with the escalation that opened the digest)', async (t) => {
  const T0 = Date.parse('2026-12-07T08:00:00Z');
  let clock = T0;
  const { mail, sent, tried, state } = flakyMail();
  const d = dispatcher(t, mail, { now: () => clock, monotonic: () => clock }, 60_000);
  await d.start();
  await d.enqueue([note({ id: 'a1', account: 'w1' })]);
  await waitFor(() => tried.length >= 1, "a1's firing tried, refused");
  clock += 60_000;
  await d.enqueue([note({ id: 'a1', account: 'w1', severity: 'critical', reason: 'escalation' })]); // waits for the firing
  clock = T0 + 20 * 3_600_000;
  await d.enqueue([note({ id: 'a1', account: 'w1', status: 'resolved', reason: 'resolve' })]);
  clock = T0 + 24 * 3_600_000 + 5 * 60_000; // still down: the firing and the escalation, tried again, are past their 24 h
  await d.enqueue([note({ id: 'b1', account: 'w2' })]); // pumps the target
  await waitFor(() => (d.owedByAlert().get('a1') ?? 0) <= 1, "a1's firing and escalation given up");
  clock = T0 + 25 * 3_600_000; // the server back
  state.down = false;
  await d.enqueue([note({ id: 'b2', account: 'w3' })]);
  await waitFor(() => d.pending === 0, 'nothing owed');
  assert.ok(sent.flat().includes('a1:resolved:warning'), `a1's resolve (5 h old when the server came back) is delivered: ${JSON.stringify(sent)}`);
});

test("a resolve owed at one destination only (pinned: the wallet moved to another receiver) does not pin a waiting digest: another wallet's escalation in it follows the channel to its new recipients at a restart", async (t) => {
  const dir = newDir(t);
  const team = () => receiver('team', [flakyMail('team/email:t', false).mail]);
  const first = onOutbox(dir, [receiver('ops', [flakyMail('ops/email:a').mail]), team()]);
  await first.start();
  await first.enqueue([note({ id: 'w0', account: 'w0' })], ['ops']); // a quiet target: alone, refused
  await first.enqueue([note({ id: 'w1', account: 'w1' }), note({ id: 'w2', account: 'w2' })], ['ops']); // a digest opens
  await waitFor(async () => (await savedOutbox(dir)).deliveries.some((x) => (x as Delivery).attempts > 0 && ((x as Delivery).more?.length ?? 0) > 0), 'the digest of w1 and w2 tried, refused, and saved so');
  await first.stop(100);
  // restarted with w1 routed to team; ops still down: w1's resolve goes to team, and (pinned) to ops, which owes its firing
  const second = onOutbox(dir, [receiver('ops', [flakyMail('ops/email:a').mail]), team()]);
  await second.start();
  await second.enqueue([note({ id: 'w1', account: 'w1', status: 'resolved', reason: 'resolve' })], ['team']);
  await second.enqueue([note({ id: 'w2', account: 'w2', severity: 'critical', reason: 'escalation' })], ['ops']);
  await second.stop(100);
  // restarted with ops' recipients changed (a new destination): what ops owed follows, but what is pinned there
  const fixed = flakyMail('ops/email:b', false);
  const third = onOutbox(dir, [receiver('ops', [fixed.mail]), team()]);
  t.after(() => third.stop(100));
  await third.start();
  await waitFor(() => fixed.sent.flat().includes('w2:firing:critical'), () => `w2's escalation (never pinned) reaches ops' new destination: ${JSON.stringify(fixed.sent)}`);
});

test("a resolve owed at one destination only (pinned) neither joins nor opens an open digest: the other wallets' lines in it would stay behind with it at a hand-over, or be given up at a restart", () => {
  const ch: Notifier = { channel: 'email', key: 'mail', label: 'mail', send: async () => undefined, sendDigest: async () => undefined };
  const t = newTarget(ch, 60_000, false);
  removeFrom(t, addTo(t, note({ id: 'w1', account: 'w1' }), 0, 1)); // sent at once (a quiet target) and taken
  const digest = addTo(t, note({ id: 'w2', account: 'w2' }), 1_000, 2); // another wallet within the interval: the open digest
  assert.equal(t.open, digest);
  const resolve = addTo(t, note({ id: 'w1', account: 'w1', status: 'resolved', reason: 'resolve' }), 2_000, 3, 'pinned');
  assert.notEqual(resolve, digest, 'the pinned resolve is a delivery of its own');
  assert.deepEqual(notificationsOf(digest).map(line), ['w2:firing:warning'], 'the open digest holds only what may follow the channel');
  assert.equal(resolve.open, undefined);
  // …and with no open digest, a pinned resolve does not open one that later wallets would join
  const quiet = newTarget(ch, 60_000, false);
  removeFrom(quiet, addTo(quiet, note({ id: 'w3', account: 'w3' }), 0, 1));
  const alone = addTo(quiet, note({ id: 'w4', account: 'w4', status: 'resolved', reason: 'resolve' }), 1_000, 2, 'pinned');
  assert.equal(quiet.open, undefined, 'no digest opened by a pinned resolve');
  assert.notEqual(addTo(quiet, note({ id: 'w5', account: 'w5' }), 1_500, 3), alone, "a later wallet's firing does not join it");
});

test('a waiting digest that leaves (taken or given up) leaves no entry behind in its target\'s map of waiting digests', () => {
  const ch: Notifier = { channel: 'email', key: 'mail', label: 'mail', send: async () => undefined, sendDigest: async () => undefined };
  const t = newTarget(ch, 60_000, false);
  let now = 0;
  const firings = wallets.map((w, i) => addTo(t, note({ id: `${w}/a`, account: w }), (now += 120_000), i)); // each alone (a quiet target)
  const waiting = wallets.map((w, i) => addTo(t, note({ id: `${w}/a`, account: w, status: 'resolved', reason: 'resolve' }), now, 100 + i)); // each behind its own firing
  assert.equal(t.waiting?.size, wallets.length);
  for (const x of [...firings, ...waiting]) removeFrom(t, x);
  assert.equal(t.waiting?.size, 0);
});
