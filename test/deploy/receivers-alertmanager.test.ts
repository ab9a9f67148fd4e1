/**
 * Issue 11 against the real Alertmanager (prometheus-alertmanager, on loopback): a WALLETS_FILE receiver
 * with an `alertmanager` channel hands it the wallets that name it, with their labels, and a receiver
 * limited to `severities: [critical]` hands it nothing else.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { requireBinary } from '../helpers/promtool.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';
import { freePort, startProcess } from './lib.js';

type AmAlert = { labels: Record<string, string> };

test('receivers: the real Alertmanager gets the wallets that name it, with their labels; a critical-only receiver hands it no warning', async (t) => {
  if (!requireBinary(t, 'prometheus-alertmanager', 'prometheus-alertmanager')) return;
  const dir = tempDir('ws-am-receivers-');
  const amPort = await freePort();
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: devnull\n  group_wait: 1s\nreceivers:\n  - name: devnull\n');
  mkdirSync(join(dir, 'am-data'));
  const am = startProcess(t, 'prometheus-alertmanager', [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=']);
  const amUrl = `http://127.0.0.1:${amPort}`;
  await waitFor(async () => (await fetch(`${amUrl}/-/ready`)).ok, () => `alertmanager ready (${am.output()})`, 20_000);

  const up = new WalletsUpstream();
  up.add('voice', 50); // warning, to a critical-only receiver: not handed over
  up.add('core', 10); // critical
  up.add('sms', 50); // warning
  await up.start();
  t.after(() => up.close());
  const thresholds = ['low_balance_threshold: 100', 'critical_balance_threshold: 20'];
  const file = writeWalletsFile(dir, up, ['voice', 'core', 'sms'], {
    voice: [...thresholds, 'labels: {team: voice}', 'receivers: [am-critical]'],
    core: [...thresholds, 'labels: {team: core}', 'receivers: [am-critical]'],
    sms: [...thresholds, 'labels: {team: sms}', 'receivers: [am-all]'],
  });
  appendFileSync(file, `receivers:\n  am-critical:\n    severities: [critical]\n    alertmanager: [{url: "${amUrl}"}]\n  am-all:\n    alertmanager: [{url: "${amUrl}"}]\n`);
  const d = await Daemon.start({ WALLETS_FILE: file });
  t.after(() => d.kill());

  const list = () => fetch(`${amUrl}/api/v2/alerts?filter=${encodeURIComponent('service="wallet-sentinel"')}`).then((r) => r.json() as Promise<AmAlert[]>);
  await waitFor(async () => (await list()).length >= 2, 'core and sms in Alertmanager', 30_000);
  // a few more syncs of every wallet: had voice's warning been handed over, it would be there by now
  await waitFor(async () => ((await d.metric('wallet_sentinel_alertmanager_posts_total{outcome="sent"}')) ?? 0) >= 6, 'more syncs');
  const alerts = (await list()).map((a) => [a.labels.account, a.labels.severity, a.labels.team]).sort();
  assert.deepEqual(alerts, [['core', 'critical', 'core'], ['sms', 'warning', 'sms']]);
  assert.equal(await d.stop(), 0);
});
