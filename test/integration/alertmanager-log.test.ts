/**
 * An Alertmanager outage while many wallets fire: the log says so once per Alertmanager (and way of
 * failing), not once per wallet: 10,000 firing wallets logged 20,000 lines for one Alertmanager restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { WebhookReceiver } from '../helpers/receivers.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';

test('an Alertmanager answering 503 to 40 firing wallets: one warning, then one line when it takes posts again', async (t) => {
  const names = Array.from({ length: 40 }, (_, i) => `w-${String(i).padStart(2, '0')}`);
  const up = new WalletsUpstream();
  for (const n of names) up.add(n, 50);
  await up.start();
  t.after(() => up.close());
  const am = new WebhookReceiver();
  await am.start();
  t.after(() => am.close());
  const extra = Object.fromEntries(names.map((n) => [n, ['low_balance_threshold: 100']]));
  const file = writeWalletsFile(tempDir('ws-am-log-'), up, names, extra);
  const daemon = await Daemon.start({ WALLETS_FILE: file, ALERTMANAGER_URL: new URL(am.url).origin, POLL_SCHEDULE: '* * * * * *', LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());
  const posted = () => new Set(am.received.flatMap((r) => (r.body as unknown as Array<{ labels: { account: string } }>).map((a) => a.labels.account)));
  await waitFor(() => posted().size === names.length, 'every wallet posted to Alertmanager', 20_000);
  const failing = names.length * 3;
  am.answers.push(...Array<number>(failing).fill(503));
  await waitFor(() => am.answers.length === 0, 'the outage answered', 20_000);
  const before = am.received.length;
  await waitFor(() => am.received.length >= before + names.length * 2, 'posts taken again', 20_000);
  const lines = daemon.logs().filter((l) => l.component === 'alertmanager');
  const failed = lines.filter((l) => /alertmanager post failed/.test(String(l.msg)));
  const back = lines.filter((l) => /reachable again/.test(String(l.msg)));
  assert.equal(failed.length, 1, `one warning for the outage, not one per wallet (${failed.length})`);
  assert.equal(back.length, 1, `one line when it is back (${back.length})`);
});
