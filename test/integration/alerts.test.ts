/**
 * Alerts end to end: the real daemon, the simulator, a real SMTP server and a real webhook receiver
 * that verifies signatures.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, runCli, tempDir, waitFor } from '../helpers/daemon.js';
import { startReceivers, WebhookReceiver } from '../helpers/receivers.js';

const KEY = 'sk_live_alerts_key_1357';
const SECRET = 'whsec_alerts_secret_9753';
const CONTRACT_KEYS = ['account', 'alertname', 'balance', 'burn_rate_per_hour', 'currency', 'id', 'runway_seconds', 'sent_at', 'severity', 'starts_at', 'status', 'summary', 'version'];

async function setup(t: TestContext, env: Record<string, string> = {}, opts: { stateDir?: string } = {}) {
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 0 });
  await sim.start();
  t.after(() => sim.close());
  const { mail, hook } = await startReceivers(t, SECRET);
  const alertEnv = {
    TELEPHONY_API_URL: sim.url,
    TELEPHONY_API_KEY: KEY,
    SMTP_URL: mail.url(),
    ALERT_EMAIL_FROM: 'sentinel@example.com',
    ALERT_EMAIL_TO: 'ops@example.com,oncall@example.com',
    ALERT_WEBHOOK_URL: hook.url,
    ALERT_WEBHOOK_SECRET: SECRET,
    LOW_BALANCE_THRESHOLD: '100',
    CRITICAL_BALANCE_THRESHOLD: '20',
    ALERT_RETRY_BASE_DELAY: '300ms',
    // setBalance() drops look like heavy spend: keep depletion_forecast out of the threshold tests
    RUNWAY_WARNING_HOURS: '0',
    RUNWAY_CRITICAL_HOURS: '0',
    ...env,
  };
  const daemon = await Daemon.start(alertEnv, opts);
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.metric('telephony_api_up{account="default"}')) === 1, 'a first good poll');
  return { sim, mail, hook, daemon, alertEnv };
}

/** Waits for `n` more successful polls: time passes in poll ticks, not sleeps. */
async function polls(daemon: Daemon, n: number): Promise<void> {
  const count = async () => (await daemon.metric('telephony_api_requests_total{account="default",code="200"}')) ?? 0;
  const start = await count();
  await waitFor(async () => (await count()) >= start + n, `${n} more polls`);
}

test('fire, no duplicate inside the repeat interval, escalate, resolve: same id, email and signed webhook', async (t) => {
  // Every email on its own, as it is decided (digests: test/integration/receivers.test.ts).
  const { sim, mail, hook, daemon } = await setup(t, { ALERT_GROUP_INTERVAL: '0' });
  sim.setBalance(80);
  await waitFor(() => hook.received.length === 1 && mail.mails.length === 1, 'the firing notification on both channels');
  const fired = hook.received[0]!;
  assert.equal(fired.verified, true, 'signature verifies');
  // The contract's keys, plus ONE object saying what the forecast rests on (issue 9).
  assert.deepEqual(Object.keys(fired.body).sort(), [...CONTRACT_KEYS, 'forecast', 'provider', 'labels'].sort());
  const basis = fired.body.forecast as Record<string, unknown>;
  assert.deepEqual(Object.keys(basis).sort(), ['basis', 'cautious', 'confidence', 'method', 'runway_high_seconds', 'runway_low_seconds']);
  assert.equal(typeof basis.basis, 'string');
  assert.equal(fired.body.status, 'firing');
  assert.equal(fired.body.alertname, 'low_balance');
  assert.equal(fired.body.severity, 'warning');
  assert.equal(fired.body.balance, 80);
  assert.equal(fired.body.currency, 'USD');
  assert.equal(fired.body.version, '1');
  assert.match(String(fired.body.sent_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(String(fired.headers['content-type']), /application\/json/);
  const email = mail.mails[0]!;
  assert.match(email.subject, /^\[FIRING\]/);
  assert.ok(email.subject.includes('low_balance') && email.subject.includes('default') && email.subject.includes('80'), email.subject);
  assert.match(email.text, /Top up/);
  assert.match(email.text, /Forecast: method \w+, confidence \w+/);
  assert.match(email.html, /Top up/);
  assert.match(email.to, /ops@example\.com.*oncall@example\.com/);
  assert.equal(await daemon.metric('telephony_alert_firing{account="default",alertname="low_balance",severity="warning"}'), 1);

  await polls(daemon, 3);
  assert.equal(hook.received.length, 1, 'no repeat inside ALERT_REPEAT_INTERVAL (4h)');
  assert.equal(mail.mails.length, 1);

  sim.setBalance(10);
  await waitFor(() => hook.received.length === 2 && mail.mails.length === 2, 'the escalation');
  assert.equal(hook.received[1]!.body.severity, 'critical');
  assert.equal(hook.received[1]!.body.id, fired.body.id, 'same id across escalation');
  assert.equal(await daemon.metric('telephony_alert_firing{account="default",alertname="low_balance",severity="critical"}'), 1);
  assert.equal(await daemon.metric('telephony_alert_firing{account="default",alertname="low_balance",severity="warning"}'), 0);

  sim.setBalance(50); // de-escalation to warning: silent
  await polls(daemon, 2);
  assert.equal(hook.received.length, 2);

  sim.setBalance(900); // a top-up resolves it
  await waitFor(() => hook.received.length === 3 && mail.mails.length === 3, 'the resolve');
  const resolved = hook.received[2]!;
  assert.equal(resolved.body.status, 'resolved');
  assert.equal(resolved.body.id, fired.body.id, 'same id on resolve');
  assert.equal(resolved.verified, true);
  assert.match(mail.mails[2]!.subject, /^\[RESOLVED\] low_balance/);
  assert.equal(await daemon.metric('telephony_alert_firing{account="default",alertname="low_balance",severity="warning"}'), 0);
  assert.equal(await daemon.metric('telephony_alert_notifications_total{channel="webhook",outcome="sent"}'), 3);
  assert.equal(await daemon.metric('telephony_alert_notifications_total{channel="email",outcome="sent"}'), 3);
  const status = await daemon.status();
  assert.deepEqual(status.alerts, []);
});

test('a still-firing alert repeats after ALERT_REPEAT_INTERVAL with the same id', async (t) => {
  const { sim, hook } = await setup(t, { ALERT_REPEAT_INTERVAL: '3s', SMTP_URL: '', ALERT_EMAIL_FROM: '', ALERT_EMAIL_TO: '' });
  sim.setBalance(50);
  await waitFor(() => hook.received.length >= 2, 'a repeat', 20_000);
  const [first, second] = hook.received;
  assert.equal(second!.body.id, first!.body.id);
  assert.equal(second!.body.status, 'firing');
  assert.ok(Date.parse(String(second!.body.sent_at)) - Date.parse(String(first!.body.sent_at)) >= 3000 - 1000, 'not before the interval');
});

test('a balance hovering at the threshold does not flap (hysteresis), and clearing it resolves once', async (t) => {
  const { sim, hook, daemon } = await setup(t, { SMTP_URL: '', ALERT_EMAIL_FROM: '', ALERT_EMAIL_TO: '' });
  sim.setBalance(99);
  await waitFor(() => hook.received.length === 1, 'the firing notification');
  for (const b of [100.5, 99.5, 101, 104, 99.8, 103]) {
    sim.setBalance(b);
    await polls(daemon, 1);
  }
  assert.equal(hook.received.length, 1, 'no resolve/refire while within 5 % of the threshold');
  sim.setBalance(110);
  await waitFor(() => hook.received.length === 2, 'the resolve');
  assert.equal(hook.received[1]!.body.status, 'resolved');
});

test('SMTP answering 421 and a webhook answering 500 for a while: each notification arrives later, exactly once', async (t) => {
  const { sim, mail, hook, daemon } = await setup(t);
  mail.rejectNext = 2;
  hook.answers.push(500, 500, 503);
  sim.setBalance(80);
  await waitFor(() => hook.received.length === 1 && mail.mails.length === 1, 'delivery after the failures', 30_000);
  await polls(daemon, 3);
  assert.equal(hook.received.length, 1, 'exactly once');
  assert.equal(mail.mails.length, 1, 'exactly once');
  assert.equal(mail.attempts, 3);
  assert.equal(await daemon.metric('telephony_alert_notifications_total{channel="webhook",outcome="failed"}'), 3);
  assert.equal(await daemon.metric('telephony_alert_notifications_total{channel="email",outcome="failed"}'), 2);
  assert.equal(await daemon.metric('telephony_alert_notifications_total{channel="webhook",outcome="sent"}'), 1);
});

test('SIGTERM while a notification is owed, then restart: sent once, and nothing already sent is repeated', async (t) => {
  const { sim, hook, mail, daemon, alertEnv } = await setup(t, { ALERT_RETRY_BASE_DELAY: '10s' });
  hook.answers.push(500); // first webhook attempt fails, the retry waits ~10 s: still owed at SIGTERM
  sim.setBalance(80);
  await waitFor(() => mail.mails.length === 1 && hook.answers.length === 0, 'email sent, webhook failed once');
  assert.equal(await daemon.stop(), 0);
  assert.equal(hook.received.length, 0);

  const again = await Daemon.start({ ...alertEnv, ALERT_RETRY_BASE_DELAY: '300ms' }, { stateDir: daemon.stateDir });
  t.after(() => again.kill());
  await waitFor(() => hook.received.length === 1, 'the owed webhook after restart', 20_000);
  assert.equal(hook.received[0]!.body.status, 'firing');
  await polls(again, 3);
  assert.equal(hook.received.length, 1, 'sent once');
  assert.equal(mail.mails.length, 1, 'the email sent before the restart is not repeated');
});

test('401 raises auth_failed, 402 raises wallet_exhausted at once; both resolve', async (t) => {
  const { sim, hook } = await setup(t, { SMTP_URL: '', ALERT_EMAIL_FROM: '', ALERT_EMAIL_TO: '' });
  sim.setOverride({ status: 401 });
  await waitFor(() => hook.bodies().some((b) => b.alertname === 'auth_failed' && b.status === 'firing'), 'auth_failed');
  assert.equal(hook.bodies().find((b) => b.alertname === 'auth_failed')!.severity, 'critical');
  sim.setOverride(null);
  await waitFor(() => hook.bodies().some((b) => b.alertname === 'auth_failed' && b.status === 'resolved'), 'auth_failed resolved');

  sim.setOverride({ status: 402, body: { error: 'Insufficient credits', code: 'insufficient_balance', required_credits: 1.5, current_balance: 0 } });
  await waitFor(() => hook.bodies().some((b) => b.alertname === 'wallet_exhausted'), 'wallet_exhausted');
  const ex = hook.bodies().find((b) => b.alertname === 'wallet_exhausted')!;
  assert.equal(ex.severity, 'critical');
  assert.equal(ex.balance, 0);
  sim.setOverride(null);
  await waitFor(() => hook.bodies().some((b) => b.alertname === 'wallet_exhausted' && b.status === 'resolved'), 'wallet_exhausted resolved at the first 200 above 0');
});

test('test-alert: says which channel worked; exit 0 when all did, 1 otherwise', async (t) => {
  const { mail, hook } = await startReceivers(t, SECRET);
  const env = {
    SMTP_URL: mail.url(),
    ALERT_EMAIL_FROM: 'sentinel@example.com',
    ALERT_EMAIL_TO: 'ops@example.com',
    ALERT_WEBHOOK_URL: hook.url,
    ALERT_WEBHOOK_SECRET: SECRET,
  };
  const ok = await runCli(['test-alert'], env);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^ok\s+email/m);
  assert.match(ok.stdout, /^ok\s+webhook#1/m);
  assert.equal(mail.mails.length, 1);
  assert.match(mail.mails[0]!.subject, /TEST/);
  assert.equal(hook.received[0]!.body.alertname, 'test');
  assert.equal(hook.received[0]!.verified, true);

  hook.answers.push(500);
  const bad = await runCli(['test-alert'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^FAILED\s+webhook#1.*500/m);
  assert.match(bad.stdout, /^ok\s+email/m);

  // an Alertmanager is a channel too (env and a receiver naming the same one: posted once); its alert ends by itself
  const am = new WebhookReceiver();
  await am.start();
  t.after(() => am.close());
  const amUrl = am.url.replace(/\/hook$/, '');
  const withAm = await runCli(['test-alert'], { ALERTMANAGER_URL: amUrl });
  assert.equal(withAm.code, 0, withAm.stdout + withAm.stderr);
  assert.match(withAm.stdout, /^ok\s+alertmanager#1/m);
  assert.match(withAm.stdout, /1 of 1 channel/);
  assert.deepEqual(am.received.map((r) => r.path), ['/api/v2/alerts']);
  const [posted] = JSON.parse(am.received[0]!.raw) as { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string }[];
  assert.equal(posted!.labels.alertname, 'test');
  assert.equal(posted!.labels.service, 'wallet-sentinel');
  assert.match(posted!.annotations.summary!, /TEST/);
  assert.ok(Date.parse(posted!.endsAt) > Date.parse(posted!.startsAt) && Date.parse(posted!.endsAt) - Date.parse(posted!.startsAt) <= 10 * 60_000, 'it ends by itself within minutes');
  am.answers.push(503);
  const amDown = await runCli(['test-alert'], { ALERTMANAGER_URL: amUrl });
  assert.equal(amDown.code, 1);
  assert.match(amDown.stdout, /^FAILED\s+alertmanager#1 \(127\.0\.0\.1:\d+\): answered 503$/m);

  // the first wallet's labels travel with the test as with a real alert: an Alertmanager route on them applies
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'key'), 'k-test\n', { mode: 0o600 });
  writeFileSync(join(dir, 'wallets.yaml'), `wallets:\n  - name: voice\n    api_url: http://127.0.0.1:9\n    api_key_file: ${join(dir, 'key')}\n    labels: {team: voice}\n`);
  const labelled = await runCli(['test-alert'], { ALERT_WEBHOOK_URL: hook.url, ALERT_WEBHOOK_SECRET: SECRET, ALERTMANAGER_URL: amUrl, WALLETS_FILE: join(dir, 'wallets.yaml') });
  assert.equal(labelled.code, 0, labelled.stdout + labelled.stderr);
  const [routed] = JSON.parse(am.received.at(-1)!.raw) as { labels: Record<string, string> }[];
  assert.equal(routed!.labels.team, 'voice');
  assert.equal(routed!.labels.account, 'voice');
  assert.deepEqual(hook.received.at(-1)!.body.labels, { team: 'voice' });

  const none = await runCli(['test-alert'], {});
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no alert channel configured/);
  assert.equal(none.stdout, '', 'an error goes to stderr');
});

test('test-alert with a state database that cannot be read: the notification still goes out, without a balance, and a warning says why (it crashed with exit 1)', async (t) => {
  const { hook } = await startReceivers(t, SECRET);
  const stateDir = tempDir();
  writeFileSync(join(stateDir, 'wallet-sentinel.db'), 'not a database, a torn copy\n');
  const r = await runCli(['test-alert'], { ALERT_WEBHOOK_URL: hook.url, STATE_DIR: stateDir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok\s+webhook#1/m);
  assert.match(r.stderr, /cannot read the state database in STATE_DIR \(SQLITE_NOTADB\): the test notification carries no balance/);
  assert.equal(hook.received[0]!.body.alertname, 'test');
  assert.equal(hook.received[0]!.body.balance, null);
});

test('depletion_forecast fires from a real burn, says when the money runs out, and a top-up resolves it', async (t) => {
  const { sim, hook, mail } = await setup(t, { RUNWAY_WARNING_HOURS: '1', RUNWAY_CRITICAL_HOURS: '0.001', LOW_BALANCE_THRESHOLD: '', CRITICAL_BALANCE_THRESHOLD: '' });
  sim.setBurnPerHour(36_000); // 10 credits/s: about 50 s of runway
  await waitFor(() => hook.bodies().some((b) => b.alertname === 'depletion_forecast'), 'depletion_forecast', 30_000);
  const fired = hook.bodies().find((b) => b.alertname === 'depletion_forecast')!;
  assert.equal(fired.status, 'firing');
  assert.ok(typeof fired.runway_seconds === 'number' && fired.runway_seconds < 3600);
  assert.ok(typeof fired.burn_rate_per_hour === 'number' && fired.burn_rate_per_hour > 0);
  assert.match(String(fired.summary), /will run out in /);
  await waitFor(() => mail.mails.some((m) => m.subject.includes('depletion_forecast')), 'the email');
  assert.match(mail.mails.find((m) => m.subject.includes('depletion_forecast'))!.text, /Expected to run out: \d{4}-/);
  sim.setBurnPerHour(0);
  sim.topUp(1_000_000);
  await waitFor(() => hook.bodies().some((b) => b.alertname === 'depletion_forecast' && b.status === 'resolved'), 'the resolve after a top-up', 30_000);
  assert.equal(hook.bodies().find((b) => b.alertname === 'depletion_forecast' && b.status === 'resolved')!.id, fired.id);
});

test("test-alert through PagerDuty: the incident it opens is resolved at once (PagerDuty has no endsAt; it stayed open until closed by hand)", async (t) => {
  const pd = new WebhookReceiver();
  await pd.start();
  t.after(() => pd.close());
  const dir = tempDir('ws-test-alert-pd-');
  writeFileSync(join(dir, 'key'), 'k\n');
  writeFileSync(join(dir, 'pd-key'), 'R0UTING_KEY_NEVER_PRINTED\n');
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, `wallets:\n  - {name: a, api_key_file: ${join(dir, 'key')}, receivers: [pd]}\nreceivers:\n  pd:\n    pagerduty: [{url: "${pd.url}", routing_key_file: ${join(dir, 'pd-key')}}]\n`);
  const r = await runCli(['test-alert'], { WALLETS_FILE: file });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const events = pd.received.map((x) => [x.body.event_action, x.body.dedup_key]);
  assert.deepEqual(events.map(([a]) => a), ['trigger', 'resolve']);
  assert.equal(events[0]![1], events[1]![1], 'the same dedup_key');
  assert.ok(!(r.stdout + r.stderr).includes('R0UTING_KEY'), 'the routing key is never printed');
});

test('an alert that resolves at the first poll after a restart is resolved in Alertmanager too (it stayed active there until its endsAt)', async (t) => {
  const am = new WebhookReceiver();
  await am.start();
  t.after(() => am.close());
  const amUrl = am.url.replace(/\/hook$/, '');
  type Posted = { labels: Record<string, string>; endsAt: string };
  const posts = () => am.received.map((r) => JSON.parse(r.raw) as Posted[]);
  const { sim, daemon, alertEnv } = await setup(t, { ALERTMANAGER_URL: amUrl });
  sim.setBalance(80);
  await waitFor(() => posts().some((p) => p.some((a) => a.labels.alertname === 'low_balance')), 'low_balance posted to Alertmanager');
  assert.equal(await daemon.stop(), 0);
  sim.setBalance(500); // topped up while the daemon was stopped
  const before = am.received.length;
  const again = await Daemon.start(alertEnv, { stateDir: daemon.stateDir });
  t.after(() => again.kill());
  const resolvedThere = () => posts().slice(before).some((p) => p.some((a) => a.labels.alertname === 'low_balance' && Date.parse(a.endsAt) <= Date.now()));
  await waitFor(resolvedThere, 'the resolve posted to Alertmanager after the restart');
  // one still firing across a restart is not resolved there
  sim.setBalance(80);
  await waitFor(() => posts().slice(before).some((p) => p.some((a) => a.labels.alertname === 'low_balance' && Date.parse(a.endsAt) > Date.now())), 'low_balance firing again');
  assert.equal(await again.stop(), 0);
  const mark = am.received.length;
  const third = await Daemon.start(alertEnv, { stateDir: daemon.stateDir });
  t.after(() => third.kill());
  await polls(third, 3);
  assert.ok(
    posts().slice(mark).every((p) => p.every((a) => a.labels.alertname !== 'low_balance' || Date.parse(a.endsAt) > Date.now())),
    'still firing after the restart: posted as firing, never resolved',
  );
});
