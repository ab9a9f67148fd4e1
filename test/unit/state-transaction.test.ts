/**
 * The poll cycle (AccountMonitor → Dispatcher → state database) puts the notifications a poll owes and the
 * alert state that owes them into one commit. Real monitor, dispatcher, outbox and database; the channel
 * is a notifier that never answers, so the delivery stays owed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { OutboxStore } from '../../src/notify/outbox-store.js';
import { AccountMonitor } from '../../src/poller/monitor.js';
import { StateStore } from '../../src/store/state-store.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';
import { savedAccount, savedOutbox } from '../helpers/state.js';

const log = pino({ level: 'silent' });
const T0 = Date.parse('2026-11-27T10:00:00Z');

test('a poll that starts an alert commits the owed notification and the alert book in one transaction', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-tx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new StateStore(dir, log, { flushMs: 50 });
  await store.init(T0);
  const metrics = createMetrics();
  const hung: Notifier = { key: 'webhook:hung', label: 'hung', channel: 'webhook', send: (_n, signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) };
  let now = T0;
  const dispatcher = new Dispatcher({ notifiers: [hung], store: new OutboxStore(store.db, log), metrics, log, retryBaseDelayMs: 60_000, now: () => now });
  let balance = 500;
  const monitor = new AccountMonitor({
    evaluation: { account: 'default', rules: { ...DEFAULT_RULES, lowBalanceThreshold: 100, runwayWarningHours: 0, runwayCriticalHours: 0 }, repeat: { repeatIntervalMs: 3_600_000, runwayFraction: 0, minRepeatIntervalMs: 300_000 } },
    poll: async () => ({ ok: true, status: 200, balance, currency: 'USD', requiredCredits: null }),
    notify: (n) => dispatcher.enqueue(n),
    store: store.account('default'),
    log,
    now: () => now,
  });
  await monitor.init();
  store.releasePreloaded(T0);
  await dispatcher.start();
  await monitor.pollNow({});
  now += 60_000;

  const commits = store.commits;
  balance = 80; // below the threshold: low_balance starts and is owed to the hung target
  await monitor.pollNow({});
  assert.equal(store.commits, commits + 1, 'one commit for the poll: the outbox row and the alert state together');
  assert.equal((await savedOutbox(dir)).deliveries.length, 1);
  assert.ok((await savedAccount(dir, 'default')).alerts.low_balance, 'the alert state that owes it');
  void dispatcher.stop(10).catch(() => undefined);
  await store.close();
});
