/**
 * Deadlines that survive garbage collection (nodejs/node#57736): the real daemon runs under
 * `node --expose-gc` with a hook that forces a full collection every 20 ms, while a webhook receiver
 * (and then the upstream) accepts connections and never answers.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, ROOT, waitFor } from '../helpers/daemon.js';
import { BlackHole, WebhookReceiver } from '../helpers/receivers.js';

const KEY = 'sk_live_deadline_key_2468';
const FORCE_GC = ['--expose-gc', '--import', join(ROOT, 'test/helpers/force-gc.mjs')];
/** SEND_TIMEOUT_MS is 15 s: the timeout must come, but on 2 shared cores give it room. */
const SEND_WAIT_MS = 60_000;

test('under forced GC a webhook (and an Alertmanager) that never answers times out and is retried; the other target is served at once', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 0 });
  await sim.start();
  t.after(() => sim.close());
  const hole = new BlackHole();
  await hole.start();
  t.after(() => hole.close());
  const amHole = new BlackHole();
  await amHole.start();
  t.after(() => amHole.close());
  const hook = new WebhookReceiver();
  await hook.start();
  t.after(() => hook.close());

  const daemon = await Daemon.start(
    {
      TELEPHONY_API_URL: sim.url,
      TELEPHONY_API_KEY: KEY,
      ALERT_WEBHOOK_URL: `${hole.url},${hook.url}`,
      ALERTMANAGER_URL: amHole.url.replace(/\/hook$/, ''),
      LOW_BALANCE_THRESHOLD: '100',
      ALERT_RETRY_BASE_DELAY: '300ms',
      RUNWAY_WARNING_HOURS: '0',
      RUNWAY_CRITICAL_HOURS: '0',
      REQUEST_TIMEOUT_MS: '1000',
    },
    { nodeArgs: FORCE_GC },
  );
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.metric('telephony_api_up{account="default"}')) === 1, 'a first good poll');

  sim.setBalance(80);
  await waitFor(() => hook.received.length === 1 && hole.connections === 1, 'the healthy target served while the other hangs', 15_000);
  assert.equal(hook.received[0]!.body.alertname, 'low_balance');
  await waitFor(async () => (await daemon.metric('wallet_sentinel_notifications_owed')) === 1, 'one delivery owed (the hung target)');
  await waitFor(async () => ((await daemon.metric('wallet_sentinel_notification_oldest_owed_age_seconds')) ?? 0) > 0, 'the owed delivery ages');

  const timedOut = () => daemon.logs().find((l) => l.msg.startsWith('notification failed, will retry') && l.reason === 'timeout');
  await waitFor(timedOut, () => `the hung send to time out despite forced GC\n${daemon.stderr.slice(-2000)}`, SEND_WAIT_MS);
  assert.ok((await daemon.metric('telephony_alert_notifications_total{channel="webhook",outcome="failed"}'))! >= 1, 'the timeout counts as a failed attempt');
  await waitFor(() => hole.connections >= 2, 'a retry after the timeout', 15_000);
  await waitFor(async () => ((await daemon.metric('wallet_sentinel_alertmanager_posts_total{outcome="failed"}')) ?? 0) >= 1, 'the Alertmanager post to time out', 15_000);
  await waitFor(() => amHole.connections >= 2, 'the next sync posts again', 15_000);
  assert.equal(hook.received.length, 1, 'the healthy target got its notification once');

  // The upstream client's deadline holds under GC too: a poll that hangs ends as a timeout.
  sim.setOverride({ hang: true });
  await waitFor(async () => ((await daemon.metric('telephony_api_requests_total{account="default",code="timeout"}')) ?? 0) >= 1, 'a hung poll to time out', 30_000);
  assert.equal(daemon.logs().filter((l) => l.msg.startsWith('notification delivery stuck')).length, 0, 'no attempt outlived its deadline');
  sim.setOverride(null);
  assert.equal(await daemon.stop(), 0);
});

test('a stop while Alertmanager hangs: its post is cut after a few seconds and the daemon stops cleanly (it waited out the 15 s send timeout, and the sync queued behind it, past docker-compose\'s 20 s grace)', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 80, burnPerHour: 0 });
  await sim.start();
  t.after(() => sim.close());
  const amHole = new BlackHole();
  await amHole.start();
  t.after(() => amHole.close());
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, ALERTMANAGER_URL: amHole.url.replace(/\/hook$/, ''), LOW_BALANCE_THRESHOLD: '100', LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());
  await waitFor(() => amHole.connections >= 1, 'a post to the Alertmanager that never answers');
  assert.equal(await daemon.stop(), 0);
  assert.ok(daemon.logs().some((l) => l.msg.startsWith('stopping: Alertmanager did not answer within 3 s; its posts are cut')), daemon.stderr.slice(-2000));
  assert.ok(daemon.logs().some((l) => l.msg === 'wallet-sentinel stopped' && l.clean === true), 'the last state written and the stop logged');
});
