/** PagerDutyNotifier against a real loopback receiver: an incident per alert and severity, so an escalation pages. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret } from '../../src/config/secret.js';
import type { Notification } from '../../src/domain/alerts.js';
import { PagerDutyNotifier } from '../../src/notify/pagerduty/pagerduty.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { WebhookReceiver } from '../helpers/receivers.js';

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
