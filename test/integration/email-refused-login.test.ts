/**
 * A wrong SMTP password on day one: the real daemon, a real SMTP server (smtp-server) that answers a wrong
 * login 535. What the alerts owed is kept, shows as owed in /metrics (so WalletSentinelNotificationsStuck
 * fires) and on the status page, and is mailed once the password is fixed: by a SIGHUP for a receiver's smtp_url, by a restart for
 * SMTP_URL. Before, each was given up at its first refusal, and the fix sent nothing.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { MailCatcher } from '../helpers/receivers.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';

const RIGHT = 'right-PASSWORD-7d41c0';
const WRONG = 'wrong-PASSWORD-93be1f';
const KEPT = /^notification kept until its channel is fixed: .*authentication failed \(535\)/;

async function setUp(t: TestContext): Promise<{ up: WalletsUpstream; mail: MailCatcher }> {
  const up = new WalletsUpstream();
  up.add('m', 50); // low_balance warning at the first poll
  await up.start();
  t.after(() => up.close());
  const mail = new MailCatcher();
  mail.password = RIGHT;
  await mail.start();
  t.after(() => mail.close());
  return { up, mail };
}

/** Kept, owed in /metrics, never given up, no password in the log. */
async function keptAndOwed(d: Daemon, mail: MailCatcher): Promise<void> {
  await waitFor(() => d.logs().some((l) => KEPT.test(l.msg)), () => `the refused warning kept\n${d.stderr}`);
  assert.equal(await d.metric('wallet_sentinel_notifications_owed'), 1);
  assert.equal(mail.mails.length, 0);
  assert.ok(!d.logs().some((l) => /given up/.test(l.msg)), d.stderr);
  const page = (await d.get('/')).text;
  assert.match(page, /Alerts are not getting through<\/strong> to one channel:.*authentication failed \(535\).*one notification owed for [^;]*; its settings were refused: one is tried again at /s);
  assert.ok(!page.includes(WRONG), 'no password on the status page');
}

test("a receiver's smtp_url with a wrong password: the warning is kept and owed, and mailed after the file is fixed and reloaded", async (t) => {
  const { up, mail } = await setUp(t);
  const dir = tempDir('ws-refused-login-');
  const write = (password: string) => {
    const file = writeWalletsFile(dir, up, ['m'], { m: ['low_balance_threshold: 100', 'receivers: [ops]'] });
    appendFileSync(file, `receivers:\n  ops:\n    email: [{to: [ops@example.com], from: sentinel@example.com, smtp_url: "${mail.url('alerts', password)}"}]\n`);
    return file;
  };
  const d = await Daemon.start({ WALLETS_FILE: write(WRONG) });
  t.after(() => d.kill());
  await keptAndOwed(d, mail);

  write(RIGHT);
  d.child.kill('SIGHUP');
  await waitFor(() => mail.mails.length === 1, () => `the kept warning mailed after the reload\n${d.stderr}`);
  assert.match(mail.mails[0]!.subject, /\bm\b/);
  assert.ok(d.logs().some((l) => /channels whose settings were refused are tried again/.test(l.msg)), d.stderr);
  await waitFor(async () => (await d.metric('wallet_sentinel_notifications_owed')) === 0, 'nothing owed');
  assert.doesNotMatch((await d.get('/')).text, /not getting through/, 'the status page no longer says so');
  assert.equal(await d.stop(), 0);
  assert.ok(!d.stderr.includes(WRONG) && !d.stderr.includes(RIGHT), 'no password in the log');
});

test('SMTP_URL with a wrong password: the warning is kept across the stop, and the restart with the password fixed mails it', async (t) => {
  const { up, mail } = await setUp(t);
  const dir = tempDir('ws-refused-login-env-');
  const file = writeWalletsFile(dir, up, ['m'], { m: ['low_balance_threshold: 100'] });
  const env = (password: string) => ({ WALLETS_FILE: file, SMTP_URL: mail.url('alerts', password), ALERT_EMAIL_FROM: 'sentinel@example.com', ALERT_EMAIL_TO: 'ops@example.com' });
  const first = await Daemon.start(env(WRONG));
  t.after(() => first.kill());
  await keptAndOwed(first, mail);
  const logins = mail.logins;
  assert.equal(await first.stop(), 0);
  assert.equal(mail.logins, logins, 'not retried with the wrong password');

  const second = await Daemon.start(env(RIGHT), { stateDir: first.stateDir });
  t.after(() => second.kill());
  await waitFor(() => mail.mails.length === 1, () => `the kept warning mailed after the restart\n${second.stderr}`);
  assert.equal(mail.mails[0]!.to, 'ops@example.com');
  assert.equal(await second.stop(), 0);
  assert.ok(!first.stderr.includes(WRONG) && !second.stderr.includes(RIGHT), 'no password in the log');
});
