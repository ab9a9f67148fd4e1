/**
 * Issue 11: named receivers in WALLETS_FILE, routing by receiver and severity, labels that travel,
 * digests for email and chat, delivery that does not wait for a dead target, owed digests across a restart.
 * The real daemon over real sockets: an SMTP server, webhook receivers, a Slack-like receiver.
 */
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Daemon, runCli, tempDir, waitFor } from '../helpers/daemon.js';
import { BlackHole, MailCatcher, SlackReceiver, WebhookReceiver } from '../helpers/receivers.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';

async function started<T extends { start(): Promise<unknown>; close(): Promise<void> }>(t: TestContext, x: T): Promise<T> {
  await x.start();
  t.after(() => x.close());
  return x;
}

/** A wallets file for `up` with `extra` lines per wallet and a `receivers:` block (YAML lines, indented by 2). */
function walletsFile(dir: string, up: WalletsUpstream, extra: Record<string, string[]>, receivers: string[]): string {
  const file = writeWalletsFile(dir, up, [...up.wallets.keys()], extra);
  appendFileSync(file, `receivers:\n${receivers.map((l) => `  ${l}`).join('\n')}\n`);
  return file;
}

const sentCount = (d: Daemon) => d.logs().filter((l) => l.msg === 'notification sent' || l.msg === 'digest sent').length;

test('routing: each wallet reaches the receivers it names, severities limit a receiver, labels travel to webhook, PagerDuty, Slack, email and Alertmanager', async (t) => {
  const up = new WalletsUpstream();
  up.add('voice', 50); // low_balance warning
  up.add('core', 10); // low_balance critical
  up.add('plain', 50); // warning, no receivers: the environment's `default`
  await up.start();
  t.after(() => up.close());
  const voiceHook = await started(t, new WebhookReceiver());
  const pd = await started(t, new WebhookReceiver());
  const slack = await started(t, new SlackReceiver());
  const envHook = await started(t, new WebhookReceiver());
  const am = await started(t, new WebhookReceiver());
  const mail = await started(t, new MailCatcher());
  const dir = tempDir('ws-receivers-');
  writeFileSync(join(dir, 'pd-key'), 'pd-routing-key-1\n');
  writeFileSync(join(dir, 'smtp-url'), `${mail.url()}\n`);
  const thresholds = ['low_balance_threshold: 100', 'critical_balance_threshold: 20'];
  const file = walletsFile(
    dir,
    up,
    {
      voice: [...thresholds, 'labels: {team: voice, env: prod}', 'receivers: [voice-hook, oncall]'],
      core: [...thresholds, 'labels: {team: core}', 'receivers: [oncall, chat, am]'],
      plain: [...thresholds, 'labels: {team: ops}', 'receivers: [default, finance]'],
    },
    [
      'voice-hook:',
      `  webhook: [{url: "${voiceHook.url}"}]`,
      'oncall:',
      '  severities: [critical]',
      `  pagerduty: [{url: "${pd.url}", routing_key_file: ${join(dir, 'pd-key')}}]`,
      'chat:',
      `  slack: [{url: "${slack.url}"}]`,
      'am:',
      `  alertmanager: [{url: "${am.url}"}]`,
      'finance:',
      `  email: [{to: [finance@example.com], from: sentinel@example.com, smtp_url_file: ${join(dir, 'smtp-url')}}]`,
    ],
  );
  const d = await Daemon.start({ WALLETS_FILE: file, ALERT_WEBHOOK_URL: envHook.url });
  t.after(() => d.kill());

  // voice → voice-hook (the warning; oncall takes only critical), core → oncall + chat + am, plain → default + finance
  await waitFor(() => sentCount(d) >= 5 && am.received.length >= 1, () => `five deliveries and an Alertmanager post\n${d.stderr}`);
  assert.equal(await d.stop(), 0);
  assert.equal(sentCount(d), 5, d.stderr);

  assert.deepEqual(voiceHook.bodies().map((b) => [b.account, b.severity]), [['voice', 'warning']]);
  assert.deepEqual(voiceHook.bodies()[0]!.labels, { team: 'voice', env: 'prod' });
  assert.equal(voiceHook.bodies()[0]!.provider, 'telephony-io');

  const pds = pd.bodies() as Array<{ routing_key: string; event_action: string; payload: { custom_details: Record<string, unknown> } }>;
  assert.deepEqual(pds.map((b) => [b.payload.custom_details.account, b.payload.custom_details.severity, b.event_action, b.routing_key]), [['core', 'critical', 'trigger', 'pd-routing-key-1']]);
  assert.deepEqual(pds[0]!.payload.custom_details.labels, { team: 'core' });

  assert.equal(slack.texts.length, 1);
  assert.match(slack.texts[0]!, /wallet 'core'/);
  assert.match(slack.texts[0]!, /Labels: team=core/);

  const posted = am.received.flatMap((r) => r.body as unknown as Array<{ labels: Record<string, string> }>);
  assert.ok(posted.length > 0 && posted.every((a) => a.labels.account === 'core' && a.labels.team === 'core'), JSON.stringify(posted));

  assert.deepEqual(envHook.bodies().map((b) => [b.account, b.severity]), [['plain', 'warning']]);
  assert.deepEqual(envHook.bodies()[0]!.labels, { team: 'ops' });
  assert.equal(mail.mails.length, 1);
  assert.match(mail.mails[0]!.to, /finance@example\.com/);
  assert.match(mail.mails[0]!.subject, /^\[FIRING\] low_balance .*'plain'/);
  assert.match(mail.mails[0]!.text, /Labels: team=ops/);
});

test('digests: the first alert of a quiet receiver leaves at once; what follows within group_interval is one email and one Slack message listing every wallet', async (t) => {
  const up = new WalletsUpstream();
  const names = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
  for (const n of names) up.add(n, 40 + names.indexOf(n));
  await up.start();
  t.after(() => up.close());
  const mail = await started(t, new MailCatcher());
  const slack = await started(t, new SlackReceiver());
  const dir = tempDir('ws-digest-');
  const file = walletsFile(
    dir,
    up,
    Object.fromEntries(names.map((n) => [n, ['low_balance_threshold: 100', 'receivers: [people]']])),
    ['people:', '  group_interval: 8s', `  email: [{to: [finance@example.com]}]`, `  slack: [{url: "${slack.url}"}]`],
  );
  const d = await Daemon.start({ WALLETS_FILE: file, SMTP_URL: mail.url(), ALERT_EMAIL_FROM: 'sentinel@example.com', ALERT_EMAIL_TO: 'ops@example.com' });
  t.after(() => d.kill());

  // The first notification is not held for the group interval: it arrives while the digest is still owed.
  await waitFor(() => mail.mails.length >= 1 && slack.texts.length >= 1, 'the first email and Slack message');
  assert.ok(!d.logs().some((l) => l.msg === 'digest sent'), 'the first notification left before any digest');
  assert.equal(mail.mails.length, 1);
  assert.equal(slack.texts.length, 1);
  const first = /wallet '(w\d)'/.exec(mail.mails[0]!.subject)![1]!;

  await waitFor(() => mail.mails.length >= 2 && slack.texts.length >= 2, 'the digests', 30_000);
  const digest = mail.mails[1]!;
  assert.match(digest.subject, /^\[FIRING\] 5 alert notifications for 5 wallets .*: low_balance — 'w\d' balance 4\d USD, 'w\d' balance 4\d USD, 'w\d' balance 4\d USD, 2 more$/);
  for (const n of names.filter((x) => x !== first)) {
    assert.match(digest.text, new RegExp(`wallet '${n}': balance 4\\d USD, runway unknown`), `${n} in the digest (polled once: its runway is not known, not "not burning")`);
    assert.match(slack.texts[1]!, new RegExp(`wallet '${n}'`));
  }
  assert.ok(!digest.text.includes(`wallet '${first}'`), 'the wallet sent at once is not repeated');
  assert.match(digest.text, /What to do:\n- Top up the wallet/);
  assert.match(slack.texts[1]!, /What to do/);
  // ops@ (the environment's default receiver) is not named by any wallet: nothing reaches it
  assert.ok(mail.mails.every((m) => !m.to.includes('ops@example.com')));
});

test('a digest owed at stop is sent by the next start, listing every wallet it held', async (t) => {
  const up = new WalletsUpstream();
  const names = ['a1', 'a2', 'a3', 'a4'];
  for (const n of names) up.add(n, 50);
  await up.start();
  t.after(() => up.close());
  const mail = await started(t, new MailCatcher());
  const dir = tempDir('ws-digest-restart-');
  const file = walletsFile(
    dir,
    up,
    Object.fromEntries(names.map((n) => [n, ['low_balance_threshold: 100', 'receivers: [finance]']])),
    ['finance:', '  group_interval: 12s', `  email: [{to: [finance@example.com], from: sentinel@example.com, smtp_url: "${mail.url()}"}]`],
  );
  const env = { WALLETS_FILE: file };
  const first = await Daemon.start(env);
  t.after(() => first.kill());
  await waitFor(() => mail.mails.length === 1 && first.logs().filter((l) => l.msg === 'alert start').length === names.length, 'the first email, every wallet firing');
  assert.equal(await first.stop(), 0);
  assert.equal(mail.mails.length, 1, 'the digest was still owed at stop');
  assert.ok(!first.logs().some((l) => l.msg === 'digest sent'));

  const second = await Daemon.start(env, { stateDir: first.stateDir });
  t.after(() => second.kill());
  await waitFor(() => mail.mails.length === 2, () => `the owed digest\n${second.stderr}`, 30_000);
  // the SMTP server has the message before the daemon hears its 250: the log line may come a moment later
  await waitFor(() => second.logs().some((l) => l.msg === 'digest sent'), 'the second process to log the digest it sent');
  const inFirst = /wallet '(a\d)'/.exec(mail.mails[0]!.subject)![1]!;
  const listed = [...mail.mails[1]!.text.matchAll(/wallet '(a\d)'/g)].map((m) => m[1]);
  assert.deepEqual([...listed].sort(), names.filter((n) => n !== inFirst).sort(), 'each wallet exactly once across both emails');
  assert.equal(await second.stop(), 0);
});

test('a receiver that never answers delays no other: the live receiver gets every alert while the dead one still holds its first attempt', async (t) => {
  const up = new WalletsUpstream();
  const names = Array.from({ length: 20 }, (_, i) => `x${i}`);
  for (const n of names) up.add(n, 50);
  await up.start();
  t.after(() => up.close());
  const dead = await started(t, new BlackHole());
  const live = await started(t, new WebhookReceiver());
  const dir = tempDir('ws-dead-');
  const file = walletsFile(
    dir,
    up,
    Object.fromEntries(names.map((n) => [n, ['low_balance_threshold: 100', 'receivers: [dead, live]']])),
    ['dead:', `  webhook: [{url: "${dead.url}"}]`, 'live:', `  webhook: [{url: "${live.url}"}]`],
  );
  const d = await Daemon.start({ WALLETS_FILE: file });
  t.after(() => d.kill());
  await waitFor(() => live.received.length === names.length, () => `every alert at the live receiver\n${d.stderr}`);
  // Not one attempt at the dead receiver has ended yet (its timeout is 15 s): nothing waited for it.
  assert.ok(!d.logs().some((l) => l.msg.startsWith('notification failed')), 'the live receiver was served before any dead attempt timed out');
  // It has taken nothing yet, so it has one attempt out (a wrong setting costs one refusal, not one per alert).
  await waitFor(() => dead.open >= 1, 'the first attempt at the dead receiver');
  assert.equal(dead.open, 1, 'one attempt in flight at the dead receiver');
  assert.deepEqual(new Set(live.bodies().map((b) => b.account)), new Set(names));
});

test('SIGHUP reloads the receivers: a wallet moved to another receiver, and a receiver given a new URL, take effect for the next notification', async (t) => {
  const up = new WalletsUpstream();
  up.add('m', 50); // warning now; critical after the reload
  up.add('n', 50);
  await up.start();
  t.after(() => up.close());
  const a = await started(t, new WebhookReceiver());
  const b = await started(t, new WebhookReceiver());
  const c = await started(t, new WebhookReceiver());
  const dir = tempDir('ws-receivers-reload-');
  const thresholds = ['low_balance_threshold: 100', 'critical_balance_threshold: 20'];
  const write = (mTo: string, teamUrl: string) =>
    walletsFile(dir, up, { m: [...thresholds, `receivers: [${mTo}]`], n: [...thresholds, 'receivers: [team]'] }, ['first:', `  webhook: [{url: "${a.url}"}]`, 'second:', `  webhook: [{url: "${b.url}"}]`, 'team:', `  webhook: [{url: "${teamUrl}"}]`]);
  const file = write('first', a.url);
  const d = await Daemon.start({ WALLETS_FILE: file });
  t.after(() => d.kill());
  // m names `first`, n names `team`: both at a so far
  await waitFor(() => a.received.length === 2, 'both warnings at a');

  write('second', c.url);
  d.child.kill('SIGHUP');
  await waitFor(() => d.logs().some((l) => l.msg === 'wallets reloaded'), 'the reload');
  up.wallets.get('m')!.balance = 10;
  up.wallets.get('n')!.balance = 10;
  await waitFor(() => b.received.length === 1 && c.received.length === 1, () => `the escalations at the new targets\n${d.stderr}`);
  assert.deepEqual(b.bodies().map((x) => [x.account, x.severity]), [['m', 'critical']]);
  assert.deepEqual(c.bodies().map((x) => [x.account, x.severity]), [['n', 'critical']]);
  assert.deepEqual(a.bodies().map((x) => [x.account, x.severity]).sort(), [['m', 'warning'], ['n', 'warning']], 'the old targets got nothing new');
  assert.equal(await d.stop(), 0);
});

test("a webhook URL corrected while the daemon was stopped: the next start sends what the wrong URL owed to the right one (before, it was given up as a channel no longer configured)", async (t) => {
  const up = new WalletsUpstream();
  up.add('m', 50);
  await up.start();
  t.after(() => up.close());
  const wrong = await started(t, new WebhookReceiver());
  wrong.answers.push(...Array<number>(1000).fill(503)); // a service that is not the receiver: every attempt retried
  const right = await started(t, new WebhookReceiver());
  const dir = tempDir('ws-receivers-corrected-');
  const write = (url: string) => walletsFile(dir, up, { m: ['low_balance_threshold: 100', 'receivers: [ops]'] }, ['ops:', `  webhook: [{url: "${url}"}]`]);
  const first = await Daemon.start({ WALLETS_FILE: write(wrong.url) });
  t.after(() => first.kill());
  await waitFor(() => wrong.answers.length <= 998, () => `the warning tried twice at the wrong URL\n${first.stderr}`);
  assert.equal(await first.stop(), 0);

  const second = await Daemon.start({ WALLETS_FILE: write(right.url) }, { stateDir: first.stateDir });
  t.after(() => second.kill());
  await waitFor(() => right.received.length === 1, () => `the owed warning at the corrected URL\n${second.stderr}`);
  assert.deepEqual([right.bodies()[0]!.account, right.bodies()[0]!.status, right.bodies()[0]!.severity], ['m', 'firing', 'warning']);
  assert.ok(second.logs().some((l) => /owed notifications moved to the destination that replaced theirs/.test(l.msg)), second.stderr);
  assert.ok(!second.logs().some((l) => /given up/.test(l.msg)), second.stderr);
  assert.equal(await second.stop(), 0);
});

test('wallets left on an empty `default` beside receivers that have channels: warned at start, at a reload that leaves them so, and by test-alert (their alerts went nowhere, unsaid)', async (t) => {
  const up = new WalletsUpstream();
  up.add('heard', 500);
  up.add('b', 500);
  await up.start();
  t.after(() => up.close());
  const hook = await started(t, new WebhookReceiver());
  const dir = tempDir('ws-receivers-unheard-');
  const write = (bReceivers: string) => walletsFile(dir, up, { heard: ['receivers: [hook]'], b: bReceivers === '' ? [] : [`receivers: [${bReceivers}]`] }, ['hook:', `  webhook: [{url: "${hook.url}"}]`]);
  const env = { WALLETS_FILE: write('') }; // no channel in the environment: `default` has none
  const warned = (d: Daemon) => d.logs().filter((l) => l.level === 'warn' && /notify only receivers with no channel/.test(l.msg));
  const d = await Daemon.start(env);
  t.after(() => d.kill());
  await waitFor(() => warned(d).length === 1, () => `the warning at start\n${d.stderr}`);
  assert.match(warned(d)[0]!.msg, /^1 wallet\(s\) notify only receivers with no channel \(default\): .*ALERT_EMAIL_TO.*: b$/);

  const reloaded = async (n: number) => waitFor(() => d.logs().filter((l) => l.msg === 'wallets reloaded').length === n, () => `reload ${n}\n${d.stderr}`);
  write('hook');
  d.child.kill('SIGHUP');
  await reloaded(1);
  write('default');
  d.child.kill('SIGHUP');
  await reloaded(2);
  await waitFor(() => warned(d).length === 2, () => `the warning at the reload that put b back on default, none at the one that moved it\n${d.stderr}`);
  assert.equal(await d.stop(), 0);

  const test = await runCli(['test-alert'], env);
  assert.equal(test.code, 0, test.stderr);
  assert.match(test.stderr, /1 wallet\(s\) notify only receivers with no channel \(default\)/);
});
