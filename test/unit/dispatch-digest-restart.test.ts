/**
 * An open digest across a restart: what the outbox saved of it is what it holds at the stop. Its alerts'
 * newer notifications (a resolve, an escalation) take their older ones' place while it collects (target.ts
 * keepLatest); the row kept the older ones, and the restart sent the alerts' starts again instead.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { Notification } from '../../src/domain/alerts.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import type { Receiver } from '../../src/notify/registry.js';
import { waitFor } from '../helpers/daemon.js';
import { sampleNotification as note } from '../helpers/fixtures.js';
import { outboxIn } from '../helpers/state.js';

const log = pino({ level: 'silent' });
const line = (n: Notification) => `${n.id}:${n.status}:${n.severity}`;

test('an open digest whose alerts resolved or escalated while it collected is saved so: a restart sends the resolve and the critical, not the starts again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-digest-restart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sent: string[][] = [];
  const mail: Notifier = { channel: 'email', key: 'mail', label: 'mail', send: async (n) => void sent.push([line(n)]), sendDigest: async (ns) => void sent.push(ns.map(line)) };
  const receivers = (groupIntervalMs: number): Receiver[] => [{ name: 'default', severities: undefined, groupIntervalMs, notifiers: [mail], alertmanagers: [] }];

  const before = new Dispatcher({ receivers: receivers(3_600_000), store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20 });
  await before.start();
  await before.enqueue([note({ id: 'a1', account: 'w1' })]); // a quiet target: sent at once
  await waitFor(() => sent.length === 1, 'the first alert sent');
  await before.enqueue([note({ id: 'a2', account: 'w2' }), note({ id: 'a3', account: 'w3' })]); // a digest opens, for an hour
  await before.enqueue([note({ id: 'a2', account: 'w2', status: 'resolved', reason: 'resolve' }), note({ id: 'a3', account: 'w3', severity: 'critical', reason: 'escalation' })]);
  await before.stop(100);
  assert.equal(sent.length, 1, 'the digest still collected at the stop');

  const after = new Dispatcher({ receivers: receivers(3_600_000), store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20 });
  await after.start();
  after.setReceivers(receivers(50)); // its interval shortened: it leaves now
  t.after(() => after.stop(100));
  await waitFor(() => sent.length === 2, 'the digest sent after the restart');
  assert.deepEqual(sent[1], ['a2:resolved:warning', 'a3:firing:critical']);
});
