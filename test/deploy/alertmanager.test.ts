/**
 * deploy/alertmanager/alertmanager.yml: amtool accepts it, severities route to the right receivers,
 * and the real Alertmanager delivers critical alerts by email and webhook, warnings by email only,
 * mutes a warning while the critical of the same alert and account fires, and mutes the runway and
 * forecast alerts of an account while its TelephonyWalletExhausted fires.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/daemon.js';
import { requireBinary } from '../helpers/promtool.js';
import { startReceivers } from '../helpers/receivers.js';
import { ALERTMANAGER_CONFIG, readYaml, run, startAlertmanager, waitUntil } from './lib.js';

test('amtool check-config accepts alertmanager.yml', (t) => {
  if (!requireBinary(t, 'amtool', 'prometheus-alertmanager')) return;
  const r = run('amtool', ['check-config', ALERTMANAGER_CONFIG]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
});

test('routing: critical goes to the email+webhook receiver, warning to email only', (t) => {
  if (!requireBinary(t, 'amtool', 'prometheus-alertmanager')) return;
  const route = (...labels: string[]) => run('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, ...labels]).stdout;
  assert.equal(route('severity=critical', 'alertname=TelephonyWalletExhausted', 'account=shop'), 'team-critical');
  assert.equal(route('severity=warning', 'alertname=TelephonyWalletRunwayLow', 'account=shop'), 'team-email');
  // wallet-sentinel's own alerts (ALERTMANAGER_URL) carry the same labels
  assert.equal(route('severity=critical', 'alertname=wallet_exhausted', 'account=shop', 'service=wallet-sentinel'), 'team-critical');
  assert.equal(route('severity=warning', 'alertname=poll_failing', 'account=shop', 'service=wallet-sentinel'), 'team-email');

  const cfg = readYaml<{ route: { group_by: string[] }; receivers: Array<{ name: string; email_configs?: unknown[]; webhook_configs?: unknown[] }>; inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }> }>(ALERTMANAGER_CONFIG);
  assert.deepEqual(cfg.route.group_by, ['alertname'], 'a fleet-wide outage is one notification per alert name, not one per wallet');
  const critical = cfg.receivers.find((r) => r.name === 'team-critical')!;
  assert.ok(critical.email_configs?.length && critical.webhook_configs?.length, 'critical: email and webhook');
  const warning = cfg.receivers.find((r) => r.name === 'team-email')!;
  assert.ok(warning.email_configs?.length && !warning.webhook_configs, 'warning: email only');
  assert.deepEqual(cfg.inhibit_rules, [
    { source_matchers: ['severity="critical"', 'account=~".+"'], target_matchers: ['severity="warning"', 'account=~".+"'], equal: ['alertname', 'account'] },
    { source_matchers: ['severity="critical"', 'alertname=~"WalletSentinel.+"'], target_matchers: ['severity="warning"', 'alertname=~"WalletSentinel.+"'], equal: ['alertname', 'instance'] },
    {
      source_matchers: ['alertname="TelephonyWalletExhausted"', 'account=~".+"'],
      target_matchers: ['alertname=~"TelephonyWalletRunwayLow|TelephonyWalletDepletionForecast"', 'account=~".+"'],
      equal: ['account'],
    },
    { source_matchers: ['alertname="wallet_exhausted"', 'account=~".+"'], target_matchers: ['alertname=~"depletion_forecast|low_balance"', 'account=~".+"'], equal: ['account'] },
  ]);
});

test('the real Alertmanager with this config: delivers by severity and inhibits the warning under its critical', { timeout: 90_000 }, async (t) => {
  const { mail, hook } = await startReceivers(t);
  const am = await startAlertmanager(t, tempDir('ws-am-'), mail.port, hook.url);
  if (!am) return;

  const alert = (alertname: string, severity: string, account: string) => ({ labels: { alertname, severity, account, service: 'wallet-sentinel' }, annotations: { summary: `${alertname} ${severity} ${account}` } });
  const post = await fetch(`${am}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([alert('depletion_forecast', 'critical', 'shop'), alert('depletion_forecast', 'warning', 'shop'), alert('low_balance', 'warning', 'shop')]),
  });
  assert.equal(post.status, 200, await post.text());

  interface AmAlert {
    labels: Record<string, string>;
    status: { state: string; inhibitedBy: string[] };
  }
  const listed = await waitUntil(async () => {
    const list = (await (await fetch(`${am}/api/v2/alerts`)).json()) as AmAlert[];
    return list.length === 3 ? list : undefined;
  }, () => 'three alerts in Alertmanager');
  const state = (name: string, sev: string) => listed.find((a) => a.labels.alertname === name && a.labels.severity === sev)!.status;
  assert.equal(state('depletion_forecast', 'critical').state, 'active');
  assert.equal(state('depletion_forecast', 'warning').state, 'suppressed', 'the warning is inhibited by its critical');
  assert.equal(state('depletion_forecast', 'warning').inhibitedBy.length, 1);
  assert.equal(state('low_balance', 'warning').state, 'active', 'another alert of the account is not inhibited');

  // critical: one webhook and one email; the lone warning: one email; the inhibited warning: nothing
  await waitUntil(() => hook.received.length >= 1 && mail.mails.length >= 2, () => `deliveries (webhook ${hook.received.length}, mail ${mail.mails.length})`);
  await new Promise((r) => setTimeout(r, 3000)); // group_wait is 1 s: anything else would have come by now
  const hooked = hook.bodies().flatMap((b) => (b.alerts as Array<{ labels: Record<string, string> }>).map((a) => `${a.labels.alertname}/${a.labels.severity}`));
  assert.deepEqual(hooked, ['depletion_forecast/critical']);
  const subjects = mail.mails.map((m) => m.subject).sort();
  assert.equal(subjects.length, 2, subjects.join('\n'));
  assert.match(subjects[0]!, /depletion_forecast.*critical/);
  assert.match(subjects[1]!, /low_balance.*warning/);
  assert.ok(!subjects.some((s) => /depletion_forecast.*warning/.test(s)), 'the inhibited warning was not mailed');
  assert.ok(mail.mails.every((m) => m.to.includes('oncall@wallet-sentinel.example')));
});

test("the real Alertmanager: a watcher alert's critical on one instance mutes that instance's warning only (the WalletSentinel* alerts have no account)", { timeout: 90_000 }, async (t) => {
  const { mail, hook } = await startReceivers(t);
  const am = await startAlertmanager(t, tempDir('ws-am-watch-'), mail.port, hook.url);
  if (!am) return;
  const alert = (severity: string, instance: string) => ({ labels: { alertname: 'WalletSentinelNotificationsStuck', severity, instance, job: 'wallet-sentinel' }, annotations: { summary: `${severity} ${instance}` } });
  const post = await fetch(`${am}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([alert('critical', 'a:9721'), alert('warning', 'a:9721'), alert('warning', 'b:9721')]),
  });
  assert.equal(post.status, 200, await post.text());
  const listed = await waitUntil(async () => {
    const list = (await (await fetch(`${am}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string>; status: { state: string } }>;
    return list.length === 3 ? list : undefined;
  }, () => 'three alerts in Alertmanager');
  const state = (sev: string, instance: string) => listed.find((a) => a.labels.severity === sev && a.labels.instance === instance)!.status.state;
  assert.equal(state('critical', 'a:9721'), 'active');
  assert.equal(state('warning', 'a:9721'), 'suppressed', 'under its own instance\'s critical');
  assert.equal(state('warning', 'b:9721'), 'active', "another instance's warning is its own problem: not muted by a's page");
});

test('the real Alertmanager: an empty wallet pages once on either path, TelephonyWalletExhausted (wallet_exhausted) muting the runway and forecast (forecast and low balance) alerts of its account only', { timeout: 90_000 }, async (t) => {
  const { mail, hook } = await startReceivers(t);
  const am = await startAlertmanager(t, tempDir('ws-am-empty-'), mail.port, hook.url);
  if (!am) return;
  // what rules.yml raises for one empty wallet (labels after `by (account)`), plus another wallet's runway
  const alert = (alertname: string, severity: string, account: string) => ({ labels: { alertname, severity, account }, annotations: { summary: `${alertname} ${severity} ${account}` } });
  const post = await fetch(`${am}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([
      alert('TelephonyWalletExhausted', 'critical', 'shop'),
      alert('TelephonyWalletRunwayLow', 'critical', 'shop'),
      alert('TelephonyWalletRunwayLow', 'warning', 'shop'),
      alert('TelephonyWalletDepletionForecast', 'critical', 'shop'),
      alert('TelephonyWalletRunwayLow', 'critical', 'cafe'),
      // what the daemon posts itself (ALERTMANAGER_URL) for the same empty wallet, and another's forecast
      alert('wallet_exhausted', 'critical', 'shop'),
      alert('depletion_forecast', 'critical', 'shop'),
      alert('low_balance', 'critical', 'shop'),
      alert('depletion_forecast', 'critical', 'cafe'),
    ]),
  });
  assert.equal(post.status, 200, await post.text());
  const listed = await waitUntil(async () => {
    const list = (await (await fetch(`${am}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string>; status: { state: string } }>;
    return list.length === 9 ? list : undefined;
  }, () => 'nine alerts in Alertmanager');
  const state = (name: string, sev: string, account: string) => listed.find((a) => a.labels.alertname === name && a.labels.severity === sev && a.labels.account === account)!.status.state;
  assert.equal(state('TelephonyWalletExhausted', 'critical', 'shop'), 'active');
  assert.equal(state('TelephonyWalletRunwayLow', 'critical', 'shop'), 'suppressed', 'the runway of an empty wallet is no second page');
  assert.equal(state('TelephonyWalletRunwayLow', 'warning', 'shop'), 'suppressed');
  assert.equal(state('TelephonyWalletDepletionForecast', 'critical', 'shop'), 'suppressed', 'nor is the forecast a third');
  assert.equal(state('TelephonyWalletRunwayLow', 'critical', 'cafe'), 'active', "another wallet's runway is not muted by shop's being empty");
  assert.equal(state('wallet_exhausted', 'critical', 'shop'), 'active');
  assert.equal(state('depletion_forecast', 'critical', 'shop'), 'suppressed', "the daemon's forecast of an empty wallet is no second page");
  assert.equal(state('low_balance', 'critical', 'shop'), 'suppressed', 'nor is its low balance a third');
  assert.equal(state('depletion_forecast', 'critical', 'cafe'), 'active');

  await waitUntil(() => hook.bodies().flatMap((b) => b.alerts as unknown[]).length >= 4, () => `webhooks (${hook.received.length})`);
  await new Promise((r) => setTimeout(r, 3000)); // group_wait is 1 s: anything else would have come by now
  const hooked = hook.bodies().flatMap((b) => (b.alerts as Array<{ labels: Record<string, string> }>).map((a) => `${a.labels.alertname}/${a.labels.account}`));
  assert.deepEqual(hooked.sort(), ['TelephonyWalletExhausted/shop', 'TelephonyWalletRunwayLow/cafe', 'depletion_forecast/cafe', 'wallet_exhausted/shop']);
});

test('test-alert against the real Alertmanager: accepted, listed as alertname=test from wallet-sentinel, ending by itself', { timeout: 90_000 }, async (t) => {
  const { mail, hook } = await startReceivers(t);
  const am = await startAlertmanager(t, tempDir('ws-am-test-'), mail.port, hook.url);
  if (!am) return;
  const r = await runCli(['test-alert'], { ALERTMANAGER_URL: am });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok\s+alertmanager#1/m);
  const listed = await waitUntil(async () => {
    const list = (await (await fetch(`${am}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string>; endsAt: string; annotations: Record<string, string> }>;
    return list.find((a) => a.labels.alertname === 'test');
  }, () => 'the test alert in Alertmanager');
  assert.equal(listed.labels.service, 'wallet-sentinel');
  assert.match(listed.annotations.summary!, /TEST/);
  assert.ok(Date.parse(listed.endsAt) - Date.now() < 10 * 60_000, `ends within minutes (${listed.endsAt})`);
});
