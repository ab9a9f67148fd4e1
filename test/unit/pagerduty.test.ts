/** PagerDutyNotifier against a real loopback receiver: an incident per alert and severity, so an escalation pages; a 400 is the routing key's. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { Secret } from '../../src/config/secret.js';
import type { Notification } from '../../src/domain/alerts.js';
import { NotifyError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher } from '../../src/notify/dispatch.js';
import { PagerDutyNotifier } from '../../src/notify/pagerduty/pagerduty.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { WebhookReceiver } from '../helpers/receivers.js';
import { outboxIn } from '../helpers/state.js';
import { waitFor } from '../helpers/daemon.js';

const KEY = 'R0UTING-KEY-DISTINCTIVE-do-not-leak';

async function pagerduty(t: TestContext): Promise<WebhookReceiver> {
  const pd = new WebhookReceiver();
  await pd.start();
  t.after(() => pd.close());
  return pd;
}

test("an escalation opens the critical incident (it pages: appended to the warning's, it paged nobody) and closes the warning's; a repeat after a quiet de-escalation reopens the warning's and closes the critical; a resolve closes both", async (t) => {
  const pd = new WebhookReceiver();
  await pd.start();
  t.after(() => pd.close());
  const notifier = new PagerDutyNotifier({ url: new Secret(pd.url), label: 'pd' }, new Secret('R0UTING'));
  const id = 'w/depletion_forecast/abc';
  const events = async (over: Partial<Notification>) => {
    const before = pd.received.length;
    await notifier.send(sampleNotification({ id, alertname: 'depletion_forecast', ...over }), new AbortController().signal);
    return pd.received.slice(before).map((r) => `${String(r.body.event_action)} ${String(r.body.dedup_key)}`);
  };
  assert.deepEqual(await events({ severity: 'warning', reason: 'start' }), [`trigger ${id}`]);
  assert.deepEqual(await events({ severity: 'critical', reason: 'escalation' }), [`trigger ${id}/critical`, `resolve ${id}`]);
  assert.deepEqual(await events({ severity: 'critical', reason: 'repeat' }), [`trigger ${id}/critical`, `resolve ${id}`]);
  assert.deepEqual(await events({ severity: 'warning', reason: 'repeat' }), [`trigger ${id}`, `resolve ${id}/critical`]);
  assert.deepEqual(await events({ severity: 'warning', status: 'resolved', reason: 'resolve' }), [`resolve ${id}`, `resolve ${id}/critical`]);
  assert.deepEqual(await events({ severity: 'critical', reason: 'start' }), [`trigger ${id}/critical`], 'an alert that starts critical opens its critical incident only');
  assert.deepEqual(await events({ severity: 'critical', reason: 'test' }), [`trigger ${id}/critical`, `resolve ${id}/critical`], "test-alert's incident closes itself");
  assert.ok(pd.received.every((r) => r.body.routing_key === 'R0UTING' && (r.body.payload as { severity: string }).severity !== undefined));
});

test("a 400 (PagerDuty's answer to a routing key it cannot route) is refused for the channel's settings, says to check routing_key and never quotes it", async (t) => {
  const pd = await pagerduty(t);
  pd.answers.push(400);
  const notifier = new PagerDutyNotifier({ url: new Secret(pd.url), label: 'pd' }, new Secret(KEY));
  const err = await notifier.send(sampleNotification(), new AbortController().signal).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof NotifyError, String(err));
  assert.equal(err.retryable, false);
  assert.equal(err.setting, true, 'the settings: kept for when they are fixed, not given up');
  assert.match(err.message, /pd answered 400 \(.*check the routing key \(routing_key, or ALERT_PAGERDUTY_ROUTING_KEY\).*\); not retried/);
  assert.ok(!err.message.includes(KEY));
});

test('a wrong routing key: the refused notification is kept and the next waits untried; a restart with the key fixed opens the incident, then closes it', async (t) => {
  const pd = await pagerduty(t);
  const dir = mkdtempSync(join(tmpdir(), 'ws-pd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = pino({ level: 'silent' });
  const dispatcherWith = async (key: string) => {
    const d = new Dispatcher({ notifiers: [new PagerDutyNotifier({ url: new Secret(pd.url), label: 'pd' }, new Secret(key), Date.now, 'webhook:pd')], store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 50 });
    t.after(() => d.stop(100));
    await d.start();
    return d;
  };
  pd.answers.push(400);
  const wrong = await dispatcherWith('wrong');
  await wrong.enqueue([sampleNotification({ id: 'w/low_balance/1' })]);
  await waitFor(() => wrong.troubled().length === 1, 'the channel refusing');
  await wrong.enqueue([sampleNotification({ id: 'w/low_balance/1', status: 'resolved', reason: 'resolve' })]);
  assert.equal(wrong.pending, 2, 'both owed: the refused one kept, its resolve waiting');
  await wrong.stop(100);
  assert.equal(pd.received.length, 0, 'nothing taken');

  const fixed = await dispatcherWith(KEY);
  await waitFor(() => fixed.pending === 0, 'both sent once the key is right');
  assert.deepEqual(
    pd.received.map((r) => `${String(r.body.event_action)} ${String(r.body.dedup_key)} ${String(r.body.routing_key === KEY)}`),
    ['trigger w/low_balance/1 true', 'resolve w/low_balance/1 true', 'resolve w/low_balance/1/critical true'],
  );
});
