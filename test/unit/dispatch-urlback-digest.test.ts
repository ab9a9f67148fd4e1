/**
 * A URL (an email's recipients) changed by a reload and changed back, on a channel with grouping (taken.ts with
 * grouping.ts), after the old destination A took the resolve told to it (helper-168's review of f518cbc):
 * - a digest at B carrying the alert's escalation, the resolve waiting behind it: the digest moves back to A, and
 *   so must the resolve (dropped, A's last word on the alert was FIRING);
 * - the alert firing again under the same id replaces the taken resolve's line in B's waiting digest: the new
 *   firing must reach A (it was dropped as the resolve A had).
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
import { Dispatcher } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import type { Receiver } from '../../src/notify/registry.js';
import { waitFor } from '../helpers/daemon.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { outboxIn } from '../helpers/state.js';

const log = pino({ level: 'silent' });
const t0 = Date.parse('2026-11-27T10:00:00Z');
const line = (n: Notification) => `${n.id}:${n.status}:${n.severity}`;

function mail(key: string, down = false) {
  const got: string[][] = [];
  const state = { down, tries: 0, sizes: [] as number[] };
  const take = async (ns: readonly Notification[]) => {
    state.tries++;
    state.sizes.push(ns.length);
    if (state.down) throw new NotifyError('server', `${key}: 421 try later`, { retryable: true });
    got.push(ns.map(line));
  };
  const n: Notifier = { channel: 'email', key, label: key, send: (x) => take([x]), sendDigest: (xs) => take(xs) };
  return { n, got, state };
}
const ops = (...notifiers: Notifier[]): Receiver[] => opsEvery(300, ...notifiers);
const opsEvery = (groupIntervalMs: number, ...notifiers: Notifier[]): Receiver[] => [{ name: 'ops', severities: undefined, groupIntervalMs, notifiers, alertmanagers: [] }];

test('email with grouping, URL (recipients) changed and changed back after A took the resolve told to it: A must not end on the alert FIRING', async (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-review-'));
  const A = mail('ops/email:aaaa');
  const B = mail('ops/email:bbbb', true);
  const d = new Dispatcher({ receivers: ops(A.n), store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20 });
  t.after(async () => { await d.stop(100); rmSync(dir, { recursive: true, force: true }); });
  await d.start();
  await d.enqueue([sampleNotification({ id: 'a', account: 'w1' })], ['ops']);
  await waitFor(() => A.got.length === 1, 'a firing at A');
  d.setReceivers(ops(B.n));
  await d.enqueue([sampleNotification({ id: 'c', account: 'w2', decidedAt: t0 + 1 })], ['ops']); // leaves at once (B quiet), refused
  await d.enqueue([sampleNotification({ id: 'a', account: 'w1', severity: 'critical', reason: 'escalation', decidedAt: t0 + 2 })], ['ops']); // opens a digest
  await d.enqueue([sampleNotification({ id: 'e', account: 'w3', decidedAt: t0 + 3 })], ['ops']); // joins it
  await waitFor(() => B.state.sizes.includes(2), 'the digest tried at B (refused)', 3000);
  await d.enqueue([sampleNotification({ id: 'a', account: 'w1', severity: 'critical', status: 'resolved', reason: 'resolve', decidedAt: t0 + 4 })], ['ops']);
  await waitFor(() => A.got.length === 2, 'the resolve taken at A (pinned there)');
  d.setReceivers(ops(A.n)); // changed back
  await waitFor(() => d.pending === 0, () => `nothing owed (A got ${JSON.stringify(A.got)})`, 3000);
  const forA = A.got.flat().filter((l) => l.startsWith('a:'));
  assert.equal(forA.at(-1), 'a:resolved:critical', `A's last word on a: ${JSON.stringify(A.got)}`);
});

test('the same with a restart between the two changes (resume.ts staleAtHeirs): A must not end on the alert FIRING', async (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-review-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const A = mail('ops/email:aaaa');
  const B = mail('ops/email:bbbb', true);
  const first = new Dispatcher({ receivers: ops(A.n), store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20 });
  await first.start();
  await first.enqueue([sampleNotification({ id: 'a', account: 'w1' })], ['ops']);
  await waitFor(() => A.got.length === 1, 'a firing at A');
  first.setReceivers(ops(B.n));
  await first.enqueue([sampleNotification({ id: 'c', account: 'w2', decidedAt: t0 + 1 })], ['ops']);
  await first.enqueue([sampleNotification({ id: 'a', account: 'w1', severity: 'critical', reason: 'escalation', decidedAt: t0 + 2 })], ['ops']);
  await first.enqueue([sampleNotification({ id: 'e', account: 'w3', decidedAt: t0 + 3 })], ['ops']);
  await waitFor(() => B.state.sizes.includes(2), 'the digest tried at B (refused)', 3000);
  await first.enqueue([sampleNotification({ id: 'a', account: 'w1', severity: 'critical', status: 'resolved', reason: 'resolve', decidedAt: t0 + 4 })], ['ops']);
  await waitFor(() => A.got.length === 2, 'the resolve taken at A (pinned there)');
  await first.stop(100);
  const A2 = mail('ops/email:aaaa');
  const second = new Dispatcher({ receivers: ops(A2.n), store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20 }); // changed back while stopped
  t.after(() => second.stop(100));
  await second.start();
  await waitFor(() => second.pending === 0, () => `nothing owed (A got ${JSON.stringify(A2.got)})`, 3000);
  const all = [...A.got, ...A2.got];
  assert.equal(all.flat().filter((l) => l.startsWith('a:')).at(-1), 'a:resolved:critical', `A's last word on a: ${JSON.stringify(all)}`);
});

test('email with grouping: the alert fires again (same id) after A took the resolve told to it; changed back to A, A gets the new firing', async (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-review-'));
  const A = mail('ops/email:aaaa');
  const B = mail('ops/email:bbbb', true);
  const d = new Dispatcher({ receivers: opsEvery(5_000, A.n), store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20 });
  t.after(async () => { await d.stop(100); rmSync(dir, { recursive: true, force: true }); });
  await d.start();
  await d.enqueue([sampleNotification({ id: 'a' })], ['ops']);
  await waitFor(() => A.got.length === 1, 'a firing at A');
  d.setReceivers(opsEvery(5_000, B.n)); // recipients changed; B refuses for now
  await d.enqueue([sampleNotification({ id: 'a', severity: 'critical', reason: 'escalation', decidedAt: t0 + 1 })], ['ops']);
  await waitFor(() => B.state.tries >= 1, 'the escalation refused at B');
  await d.enqueue([sampleNotification({ id: 'a', severity: 'critical', status: 'resolved', reason: 'resolve', decidedAt: t0 + 2 })], ['ops']);
  await waitFor(() => A.got.length === 2, 'the resolve taken at A (pinned there)');
  await d.enqueue([sampleNotification({ id: 'a', reason: 'start', startsAt: t0 + 3, decidedAt: t0 + 3 })], ['ops']); // fires again, same id
  d.setReceivers(opsEvery(5_000, A.n)); // changed back
  await waitFor(() => d.pending === 0, () => `nothing owed (A got ${JSON.stringify(A.got)})`, 3000);
  const after = A.got.flat().slice(2);
  assert.ok(after.includes('a:firing:warning'), `A never told that a fires again: ${JSON.stringify(A.got)}`);
});
