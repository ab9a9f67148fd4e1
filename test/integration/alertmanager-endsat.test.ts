/**
 * The endsAt wallet-sentinel gives an alert it posts to Alertmanager must reach past the wallet's next poll
 * even on an uneven POLL_SCHEDULE (business hours, `0 9,17 * * 1-5`): four times the gap between the NEXT
 * TWO ticks ended every still-firing alert in Alertmanager overnight (a resolve page), then fired it anew.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { WebhookReceiver } from '../helpers/receivers.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';

test('an alert posted before a long gap in POLL_SCHEDULE stays valid in Alertmanager until past the next poll', async (t) => {
  const up = new WalletsUpstream();
  up.add('bizhours', 50);
  await up.start();
  t.after(() => up.close());
  const am = new WebhookReceiver();
  await am.start();
  t.after(() => am.close());
  // Every 2 s, but only in the UTC hour two hours from now: the start-up poll is the only one for over an hour,
  // while the gap between the next two ticks is 2 s.
  const now = new Date();
  const hour = (now.getUTCHours() + 2) % 24;
  const nextTick = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours() + 2);
  const file = writeWalletsFile(tempDir('ws-am-endsat-'), up, ['bizhours'], { bizhours: ['low_balance_threshold: 100'] });
  const daemon = await Daemon.start({ WALLETS_FILE: file, ALERTMANAGER_URL: am.url.replace(/\/hook$/, ''), POLL_SCHEDULE: `*/2 * ${hour} * * *`, POLL_TIMEZONE: 'UTC' });
  t.after(() => daemon.kill());
  const posted = await waitFor(() => am.received.find((r) => r.path === '/api/v2/alerts'), 'low_balance posted to Alertmanager');
  const [alert] = JSON.parse(posted.raw) as { labels: { alertname: string }; endsAt: string }[];
  assert.equal(alert!.labels.alertname, 'low_balance');
  assert.ok(Date.parse(alert!.endsAt) > nextTick, `endsAt ${alert!.endsAt} is after the next poll at ${new Date(nextTick).toISOString()}`);
});
