/**
 * SMTP failures say what to fix, against real SMTP servers on loopback: a wrong password, a self-signed
 * certificate (and SMTP_CA_FILE that trusts it), a refused port. Checked twice: through the real
 * `test-alert` command (what a user reads) and through EmailNotifier itself (whether a retry happens).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createServer, type AddressInfo } from 'node:net';
import type { Notification } from '../../src/domain/alerts.js';
import { NotifyError } from '../../src/errors.js';
import { EmailNotifier } from '../../src/notify/email/email.js';
import { Secret } from '../../src/config/secret.js';
import { runCli, tempDir } from '../helpers/daemon.js';
import { MailCatcher } from '../helpers/receivers.js';
import { selfSignedCert } from '../helpers/tls.js';
import { freePort } from '../deploy/lib.js';

const PASSWORD = 'smtp-pw-NEVER_PRINT_ME_e2b1';
const MAIL = { ALERT_EMAIL_FROM: 'sentinel@example.com', ALERT_EMAIL_TO: 'ops@example.com' };

/** A real SMTP server on loopback; `accept` decides logins; `tls` makes it smtps (TLS from the first byte). */
async function smtpServer(t: TestContext, opts: { accept: boolean; tls?: { key: string; cert: string } }): Promise<{ port: number; delivered: () => number }> {
  let delivered = 0;
  const server = new SMTPServer({
    logger: false,
    allowInsecureAuth: true,
    authOptional: false,
    disabledCommands: opts.tls ? [] : ['STARTTLS'],
    ...(opts.tls ? { secure: true, key: opts.tls.key, cert: opts.tls.cert } : {}),
    onAuth: (_a, _s, cb) => (opts.accept ? cb(null, { user: 'alerts' }) : cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))),
    onData: (stream, _s, cb) => {
      stream.resume();
      stream.on('end', () => {
        delivered++;
        cb();
      });
    },
  });
  server.on('error', () => {}); // a client that drops the TLS handshake is not the test's failure
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.server.address() as AddressInfo).port, delivered: () => delivered };
}

const NOTE: Notification = {
  id: 'default/test/1',
  account: 'default',
  alertname: 'test',
  severity: 'warning',
  status: 'firing',
  reason: 'test',
  startsAt: 0,
  decidedAt: 0,
  wallet: { balance: 1, currency: 'USD', burnRatePerHour: null, runwaySeconds: null },
};

/** One send through the real EmailNotifier; the NotifyError it throws (or undefined when it was accepted). */
async function sendOnce(smtpUrl: string, caPem?: string, requireTls = false): Promise<NotifyError | undefined> {
  const n = new EmailNotifier({ smtpUrl: new Secret(smtpUrl), from: MAIL.ALERT_EMAIL_FROM, to: [MAIL.ALERT_EMAIL_TO], requireTls, caPem });
  try {
    await n.send(NOTE, AbortSignal.timeout(20_000));
    return undefined;
  } catch (err) {
    assert.ok(err instanceof NotifyError, String(err));
    return err;
  } finally {
    n.close();
  }
}

test('SMTP 535: names the user and password in SMTP_URL (not the addresses), once per line, not retried, password never shown', async (t) => {
  const { port } = await smtpServer(t, { accept: false });
  const url = `smtp://alerts:${PASSWORD}@127.0.0.1:${port}`;
  const r = await runCli(['test-alert'], { SMTP_URL: url, ...MAIL });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith('FAILED'));
  assert.equal(line, `FAILED  email (127.0.0.1:${port}): authentication failed (535); check the user and password in SMTP_URL`);
  assert.ok(!(r.stdout + r.stderr).includes(PASSWORD));

  const err = await sendOnce(url);
  assert.equal(err?.retryable, false);
  assert.equal(err?.reason, 'config');
});

test('ALERT_EMAIL_FROM with a display name ("Wallet Sentinel <sentinel@example.com>"): accepted, the header carries the name, the envelope the address', async (t) => {
  const mail = new MailCatcher();
  await mail.start();
  t.after(() => mail.close());
  const r = await runCli(['test-alert'], { SMTP_URL: mail.url(), ALERT_EMAIL_FROM: 'Wallet Sentinel <sentinel@example.com>', ALERT_EMAIL_TO: 'ops@example.com' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(mail.mails.length, 1);
  assert.equal(mail.mails[0]!.from, '"Wallet Sentinel" <sentinel@example.com>');
  assert.equal(mail.mails[0]!.mailFrom, 'sentinel@example.com');
  const bad = await runCli(['test-alert'], { SMTP_URL: mail.url(), ALERT_EMAIL_FROM: 'Wallet Sentinel <not an address>', ALERT_EMAIL_TO: 'ops@example.com' });
  assert.equal(bad.code, 78);
  assert.match(bad.stderr, /ALERT_EMAIL_FROM: is not an email address/);
});

test('smtps:// to a self-signed server: says TLS and why, is not retried; SMTP_CA_FILE trusting that certificate delivers', async (t) => {
  const tls = selfSignedCert(t);
  if (!tls) return;
  const server = await smtpServer(t, { accept: true, tls });
  const url = `smtps://alerts:${PASSWORD}@127.0.0.1:${server.port}`;

  const r = await runCli(['test-alert'], { SMTP_URL: url, ...MAIL });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^FAILED {2}email \(127\.0\.0\.1:\d+\): TLS certificate refused \(DEPTH_ZERO_SELF_SIGNED_CERT\): the server's certificate is self-signed; set SMTP_CA_FILE/m);
  const err = await sendOnce(url);
  assert.equal(err?.retryable, false, 'a certificate does not fix itself: no retry');

  const ok = await runCli(['test-alert'], { SMTP_URL: url, SMTP_CA_FILE: tls.certFile, ...MAIL });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^ok\s+email/m);
  assert.equal(server.delivered(), 1);

  // a certificate for another name: the message says hostname mismatch
  const other = selfSignedCert(t, { san: 'DNS:mail.internal.test', name: 'other' })!;
  const otherServer = await smtpServer(t, { accept: true, tls: other });
  const mismatch = await sendOnce(`smtps://alerts:${PASSWORD}@127.0.0.1:${otherServer.port}`, other.cert);
  assert.match(mismatch?.message ?? '', /ERR_TLS_CERT_ALTNAME_INVALID.*hostname mismatch/);
  assert.equal(mismatch?.retryable, false);
});

test('SMTP_CA_FILE that cannot be read, holds no certificate or a damaged one: exit 78 naming it, before anything is sent', async () => {
  const dir = tempDir();
  const notPem = join(dir, 'ca.txt');
  writeFileSync(notPem, 'hello\n');
  const damaged = join(dir, 'damaged.pem'); // a block cut short: Node's TLS skipped it without a word, and every send failed on the server's certificate
  writeFileSync(damaged, '-----BEGIN CERTIFICATE-----\nMIIBnotreallyacertificate==\n-----END CERTIFICATE-----\n');
  for (const [file, why] of [[join(dir, 'missing.pem'), /SMTP_CA_FILE: cannot read .*missing\.pem: ENOENT/], [notPem, /SMTP_CA_FILE: .*ca\.txt holds no PEM certificate/], [damaged, /SMTP_CA_FILE: .*damaged\.pem holds a block that is no certificate \(the 1st of 1/]] as const) {
    const r = await runCli(['test-alert'], { SMTP_URL: 'smtps://a:b@127.0.0.1:9', SMTP_CA_FILE: file, ...MAIL });
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, why);
  }
});

test('a refused SMTP port: "connection refused by host:port", retried later', async () => {
  const port = await freePort(); // free: nothing listens there
  const url = `smtp://alerts:${PASSWORD}@127.0.0.1:${port}`;
  const r = await runCli(['test-alert'], { SMTP_URL: url, ...MAIL });
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^FAILED {2}email \\(127\\.0\\.0\\.1:${port}\\): connection refused by 127\\.0\\.0\\.1:${port};`, 'm'));
  assert.ok(!(r.stdout + r.stderr).includes(PASSWORD));
  const err = await sendOnce(url);
  assert.equal(err?.retryable, true, 'a server that is down may come back');
});

test('STARTTLS answered 454 (TLS not available for a temporary reason, RFC 3207): retried later, not given up as a setting to fix', async (t) => {
  // a raw server: smtp-server cannot answer STARTTLS with a 454
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.write('220 mx.test ESMTP\r\n');
    s.on('data', (b) => {
      const line = b.toString();
      if (/^EHLO/i.test(line)) s.write('250-mx.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n');
      else if (/^STARTTLS/i.test(line)) s.write('454 4.7.0 TLS not available due to temporary reason\r\n');
      else if (/^QUIT/i.test(line)) s.end('221 bye\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const err = await sendOnce(`smtp://127.0.0.1:${(server.address() as AddressInfo).port}`, undefined, true);
  assert.deepEqual([err?.reason, err?.retryable], ['server', true], err?.message);
  assert.match(err?.message ?? '', /answered 454 to STARTTLS \(temporary\)/);
});

/** A loopback SMTP server that answers each RCPT with `refuse(address)`'s code (undefined: accepted) and records each mail's recipients and header lines. */
async function recordingSmtp(t: TestContext, refuse: (address: string) => number | undefined): Promise<{ url: Secret; mails: string[][]; headers: Record<string, string>[] }> {
  const mails: string[][] = [];
  const headers: Record<string, string>[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo: (addr, _s, cb) => {
      const code = refuse(addr.address);
      if (code === undefined) return cb();
      cb(Object.assign(new Error(code < 500 ? 'Greylisted, try again later' : 'No such user'), { responseCode: code }));
    },
    onData: (stream, session, cb) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(session.envelope.rcptTo.map((r) => r.address));
        const head = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
        headers.push(Object.fromEntries(head.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()])));
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: new Secret(`smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`), mails, headers };
}

test('a recipient refused at RCPT among accepted ones: deferred (451) is retried for that recipient only; refused for good (550) fails the send, not retried', async (t) => {
  let greylisted = 1; // oncall@ is deferred once, then accepted
  const { url, mails } = await recordingSmtp(t, (address) => {
    if (address === 'oncall@example.com' && greylisted-- > 0) return 451;
    return address === 'typo@example.com' ? 550 : undefined;
  });
  const mailer = (to: string[]) => new EmailNotifier({ smtpUrl: url, from: MAIL.ALERT_EMAIL_FROM, to, requireTls: false, caPem: undefined });

  const grey = mailer(['finance@example.com', 'oncall@example.com']);
  t.after(() => grey.close());
  const first = await grey.send(NOTE, AbortSignal.timeout(20_000)).then(() => undefined, (e: unknown) => e);
  assert.ok(first instanceof NotifyError && first.retryable, `the attempt failed, to be retried: ${String(first)}`);
  assert.match(first.message, /deferred 1 of 2 recipients \(451, temporary\): 1 got it$/);
  assert.deepEqual(first.reached, ['finance@example.com'], 'the error says who has it (the delivery keeps it, across restarts)');
  await grey.send(NOTE, AbortSignal.timeout(20_000), first.reached);
  assert.deepEqual(mails, [['finance@example.com'], ['oncall@example.com']], 'the retry went to the deferred recipient only');
  await grey.send(NOTE, AbortSignal.timeout(20_000), ['finance@example.com', 'oncall@example.com']);
  assert.equal(mails.length, 2, 'every recipient has it: nothing is sent again');

  const typo = mailer(['ops@example.com', 'typo@example.com']);
  t.after(() => typo.close());
  const refused = await typo.send(NOTE, AbortSignal.timeout(20_000)).then(() => undefined, (e: unknown) => e);
  assert.ok(refused instanceof NotifyError && !refused.retryable, `failed for good: ${String(refused)}`);
  assert.match(refused.message, /refused 1 of 2 recipients for good \(550\): 1 got it; check the addresses in ALERT_EMAIL_TO/);
  assert.deepEqual(refused.reached, ['ops@example.com'], 'who has it: the delivery is given up, not kept for a fixed setting (its resolve would wait behind it)');
  assert.deepEqual(mails[2], ['ops@example.com']);
});

test('a recipient written with an upper-case or IDN domain that took an attempt another recipient was deferred from is not mailed again at the retry', async (t) => {
  let greylisted = 1;
  const { url, mails } = await recordingSmtp(t, (address) => (address === 'oncall@example.com' && greylisted-- > 0 ? 451 : undefined));
  const mailer = new EmailNotifier({ smtpUrl: url, from: MAIL.ALERT_EMAIL_FROM, to: ['Ops@Example.COM', 'finance@jõgeva.ee', 'oncall@example.com'], requireTls: false, caPem: undefined });
  t.after(() => mailer.close());
  const first = await mailer.send(NOTE, AbortSignal.timeout(20_000)).then(() => undefined, (e: unknown) => e);
  assert.ok(first instanceof NotifyError && first.retryable, `the attempt failed, to be retried: ${String(first)}`);
  assert.deepEqual(first.reached, ['Ops@Example.COM', 'finance@jõgeva.ee'], 'who has it, as configured');
  await mailer.send(NOTE, AbortSignal.timeout(20_000), first.reached);
  assert.deepEqual(mails.slice(1), [['oncall@example.com']], 'the retry went to the deferred recipient only');
});

test("a receiver's own email channel: named as its receiver's in the line, and a refused login points at that entry's smtp_url, not SMTP_URL", async (t) => {
  const { port } = await smtpServer(t, { accept: false });
  const dir = tempDir('ws-email-receiver-');
  writeFileSync(join(dir, 'smtp-url'), `smtp://alerts:${PASSWORD}@127.0.0.1:${port}\n`);
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, [
    'wallets:',
    '  - {name: w1, api_url: "http://127.0.0.1:9", api_key: k1, receivers: [finance]}',
    'receivers:',
    `  finance: {email: [{to: [finance@example.com], from: sentinel@example.com, smtp_url_file: ${join(dir, 'smtp-url')}}]}`,
    '',
  ].join('\n'));
  const r = await runCli(['test-alert'], { WALLETS_FILE: file });
  const label = `finance/email#1 (127.0.0.1:${port})`;
  const line = r.stdout.split('\n').find((l) => l.startsWith('FAILED'));
  assert.equal(line, `FAILED  ${label}: authentication failed (535); check the user and password in the smtp_url of ${label}`, r.stdout + r.stderr);
  assert.ok(!(r.stdout + r.stderr).includes(PASSWORD));
});

test("one notification keeps its Message-ID at every attempt (a retry of a message the server took is one message to the mail client); an alert's messages share a thread root", async (t) => {
  let greylisted = 1;
  const { url, headers } = await recordingSmtp(t, (address) => (address === 'oncall@example.com' && greylisted-- > 0 ? 451 : undefined));
  const mailer = new EmailNotifier({ smtpUrl: url, from: 'Wallet Sentinel <sentinel@Alerts.Example.com>', to: ['ops@example.com', 'oncall@example.com'], requireTls: false, caPem: undefined });
  t.after(() => mailer.close());
  const start: Notification = { ...NOTE, id: 'default/depletion_forecast', alertname: 'depletion_forecast', reason: 'start', startsAt: 1_000, decidedAt: 1_000 };
  const first = await mailer.send(start, AbortSignal.timeout(20_000)).then(() => undefined, (e: unknown) => e);
  assert.ok(first instanceof NotifyError && first.retryable, String(first));
  await mailer.send(JSON.parse(JSON.stringify(start)) as Notification, AbortSignal.timeout(20_000), first.reached);
  const escalation: Notification = { ...start, severity: 'critical', reason: 'escalation', decidedAt: 2_000 };
  await mailer.send(escalation, AbortSignal.timeout(20_000));
  const [a, b, c] = headers.map((h) => h['message-id']);
  assert.match(a!, /^<[0-9a-f]{32}@alerts\.example\.com>$/, 'a hash at the sender\'s domain: no account name in the header');
  assert.equal(b, a, 'the retry (as after a restart: the outbox round-trip) has the first attempt\'s Message-ID');
  assert.notEqual(c, a, 'the escalation is another message');
  assert.equal(headers[2]!.references, headers[0]!.references, 'one thread');
  assert.equal(headers[2]!['in-reply-to'], headers[0]!.references);
  assert.notEqual(headers[0]!.references, a);

  await mailer.sendDigest([start, escalation], AbortSignal.timeout(20_000));
  await mailer.sendDigest([start, escalation], AbortSignal.timeout(20_000));
  assert.equal(headers[3]!['message-id'], headers[4]!['message-id'], 'a digest sent again is the same message');
  assert.ok(![a, c].includes(headers[3]!['message-id']));
});

test('SMTP_URL\'s query is nodemailer\'s options, but never ?logger/?debug (the SMTP dialogue on stdout), nor ?requireTLS=false while TLS is required; a query that turns TLS off is warned at start', async (t) => {
  const mail = new MailCatcher();
  await mail.start();
  t.after(() => mail.close());
  const chatty = await runCli(['test-alert'], { SMTP_URL: `${mail.url()}?logger=true&debug=true`, ...MAIL });
  assert.equal(chatty.code, 0, chatty.stdout + chatty.stderr);
  assert.equal(mail.mails.length, 1);
  assert.doesNotMatch(chatty.stdout + chatty.stderr, /EHLO|MAIL FROM|354/, 'no SMTP dialogue printed');

  // A plain server (no STARTTLS): where TLS is required, the query cannot send the login in clear.
  const plain = await smtpServer(t, { accept: true });
  const url = `smtp://alerts:${PASSWORD}@127.0.0.1:${plain.port}/?requireTLS=false&pool=false`;
  const err = await sendOnce(url, undefined, true);
  assert.ok(err, 'refused: the server offers no TLS');
  assert.equal(plain.delivered(), 0);
  assert.equal(await sendOnce(url, undefined, false), undefined, 'where TLS is not required, the same URL delivers');

  const insecure = await runCli(['test-alert'], { SMTP_URL: `${mail.url()}?tls.rejectUnauthorized=false`, ...MAIL });
  assert.equal(insecure.code, 0, insecure.stdout + insecure.stderr);
  assert.match(insecure.stdout + insecure.stderr, /SMTP_URL: its query turns TLS protection off: tls\.rejectUnauthorized=false/);
});

test('SMTP_URL ?pool=true: a sender closed while mails are going out through it (a reload replaced it) lets them finish, and a mail after it opens a new pool', async (t) => {
  const smtp = new MailCatcher();
  await smtp.start();
  t.after(() => smtp.close());
  const mailer = new EmailNotifier({ smtpUrl: new Secret(`${smtp.url()}?pool=true`), from: MAIL.ALERT_EMAIL_FROM, to: [MAIL.ALERT_EMAIL_TO], requireTls: false, caPem: undefined });
  t.after(() => mailer.close());
  const sends = Array.from({ length: 6 }, (_, i) => mailer.send({ ...NOTE, id: `w${i}/low` }, AbortSignal.timeout(20_000)));
  mailer.close(); // the reload: the pool these six are using
  const failed = (await Promise.allSettled(sends)).filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
  assert.deepEqual(failed, [], 'none failed (each was ECONNECTION, retried, counted failed)');
  await mailer.send({ ...NOTE, id: 'w/resolved', status: 'resolved' }, AbortSignal.timeout(20_000)); // a resolve to the channel that took its firing
  assert.equal(smtp.mails.length, 7);
});
