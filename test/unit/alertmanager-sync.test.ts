/**
 * AlertmanagerSync against two real HTTP servers on 127.0.0.1 standing in for Alertmanagers: what each is
 * told when a reload moves a firing wallet from one to the other, and when it removes the wallet.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import pino from 'pino';
import type { AlertmanagerTarget } from '../../src/config/settings.js';
import type { AlertBook, WalletSnapshot } from '../../src/domain/alerts.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { AlertmanagerHealth, AlertmanagerSync } from '../../src/notify/alertmanager/alertmanager.js';
import { WebhookReceiver } from '../helpers/receivers.js';

const T0 = Date.UTC(2026, 11, 4, 12);
const WALLET: WalletSnapshot = { balance: 50, currency: 'USD', burnRatePerHour: 10, runwaySeconds: 5 * 3600 };
const FIRING: AlertBook = { low_balance: { id: 'w2/low_balance/1', alertname: 'low_balance', severity: 'warning', startsAt: T0, lastNotifiedAt: T0 } };

async function alertmanager(t: TestContext): Promise<{ rx: WebhookReceiver; target: AlertmanagerTarget }> {
  const rx = new WebhookReceiver();
  await rx.start();
  t.after(() => rx.close());
  return { rx, target: { baseUrl: new URL(rx.url).origin, label: `alertmanager (${new URL(rx.url).host})` } };
}

/** What the last post to `rx` said of each alert: its alertname and whether it ended (endsAt ≤ now). */
function lastPost(rx: WebhookReceiver, now: number): string[] {
  const body = rx.received.at(-1)?.body as unknown as Array<{ labels: Record<string, string>; endsAt: string }>;
  return body.map((a) => `${a.labels.alertname} ${Date.parse(a.endsAt) <= now ? 'resolved' : 'firing'}`);
}

test('a reload moving a firing wallet from one Alertmanager to another: the old one keeps hearing it while it fires and gets its resolve; a removed wallet resolves everywhere it was posted', async (t) => {
  const amx = await alertmanager(t);
  const amy = await alertmanager(t);
  let targets = [amx.target];
  const sync = new AlertmanagerSync({ targets: () => targets, account: 'w2', labels: () => ({}), resendTtlMs: () => 300_000, metrics: createMetrics(), health: new AlertmanagerHealth(pino({ level: 'silent' })) });

  await sync.sync(FIRING, WALLET, T0);
  assert.deepEqual(lastPost(amx.rx, T0), ['low_balance firing']);

  targets = [amy.target]; // SIGHUP: receivers [amx] → [amy], amx gone from the file
  await sync.sync(FIRING, WALLET, T0 + 60_000);
  assert.deepEqual(lastPost(amy.rx, T0 + 60_000), ['low_balance firing']);
  assert.equal(amx.rx.received.length, 2, 'amx still hears the alert it was told of');
  assert.deepEqual(lastPost(amx.rx, T0 + 60_000), ['low_balance firing']);

  await sync.sync({}, WALLET, T0 + 120_000); // topped up: resolved
  assert.deepEqual(lastPost(amx.rx, T0 + 120_000), ['low_balance resolved'], 'amx gets the resolve, not an expiry hours later');
  assert.deepEqual(lastPost(amy.rx, T0 + 120_000), ['low_balance resolved']);

  await sync.sync(FIRING, WALLET, T0 + 180_000); // a new episode: amx is no longer told anything
  assert.equal(amx.rx.received.length, 3);

  targets = []; // SIGHUP: the wallet removed together with its receiver
  await sync.sync({}, WALLET, T0 + 240_000);
  assert.deepEqual(lastPost(amy.rx, T0 + 240_000), ['low_balance resolved']);
  const posts = amy.rx.received.length;
  await sync.sync({}, WALLET, T0 + 300_000);
  assert.equal(amy.rx.received.length, posts, 'once resolved there, nothing more');
});

test('a resolve an Alertmanager no longer routed to did not take is posted again at the next sync', async (t) => {
  const amx = await alertmanager(t);
  let targets = [amx.target];
  const sync = new AlertmanagerSync({ targets: () => targets, account: 'w2', labels: () => ({}), resendTtlMs: () => 300_000, metrics: createMetrics(), health: new AlertmanagerHealth(pino({ level: 'silent' })) });
  await sync.sync(FIRING, WALLET, T0);
  targets = [];
  amx.rx.answers.push(503);
  await sync.sync({}, WALLET, T0 + 60_000);
  assert.equal(amx.rx.received.length, 1, 'the 503 was not recorded');
  await sync.sync({}, WALLET, T0 + 120_000);
  assert.deepEqual(lastPost(amx.rx, T0 + 120_000), ['low_balance resolved']);
});
