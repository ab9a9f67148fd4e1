/** A digest holding a told resolve splits at a hand-over (told.ts splitTold): what stays keeps what the digest had reached. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Notification } from '../../src/domain/alerts.js';
import { notificationsOf } from '../../src/notify/delivery.js';
import { addTo } from '../../src/notify/grouping.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { handOver, newTarget, removeFrom } from '../../src/notify/target.js';
import { sampleNotification as note } from '../helpers/fixtures.js';

const mail = (key: string): Notifier => ({ channel: 'email', key, label: key, send: async () => undefined, sendDigest: async () => undefined });
const line = (n: Notification) => `${n.id}:${n.status}`;

test("an email digest with a told resolve, taken by some of its recipients and retried for the others, splits at a hand-over: the resolve that stays is not sent again to those who have it", () => {
  const from = newTarget(mail('ops/email:bbbb'), 60_000, false);
  const to = newTarget(mail('ops/email:aaaa'), 60_000, false);
  removeFrom(from, addTo(from, note({ id: 'x', account: 'w1' }), 0, 1)); // x's firing left at once, taken
  const digest = addTo(from, note({ id: 'c', account: 'w2' }), 1_000, 2); // another wallet within the interval: the open digest
  assert.equal(addTo(from, note({ id: 'x', account: 'w1', status: 'resolved', reason: 'resolve' }), 2_000, 3, 'told'), digest);
  // its interval over, tried: one recipient took it, the other's mailbox deferred it
  Object.assign(digest, { open: false, dueAt: 60_000, attempts: 1, nextAttemptAt: 65_000, lastError: '452 mailbox full', reached: ['ann@example.com'] });
  from.open = undefined;
  from.retired = true;
  handOver(from, to);
  assert.deepEqual([...to.queue].map((x) => notificationsOf(x).map(line)), [['c:firing']], "the other wallet's line moves");
  const stays = [...from.queue];
  assert.deepEqual(stays.map((x) => notificationsOf(x).map(line)), [['x:resolved']], 'the told resolve stays');
  assert.deepEqual(stays[0]!.reached, ['ann@example.com'], 'ann has it already (the digest she took held it)');
});
