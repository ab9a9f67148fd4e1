/**
 * The API key, the SMTP password and the webhook secret never appear in a log line, an error, a metric,
 * the status page or the state file — on every path we can drive (AssertNotifyLeaksNoSecret, our way).
 */
import assert from 'node:assert/strict';
import { savedAccount, savedOutbox } from '../helpers/state.js';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { Simulator, type ScriptedResponse } from '../../src/simulator/simulator.js';
import { Daemon, runCli, waitFor } from '../helpers/daemon.js';
import { WebhookReceiver } from '../helpers/receivers.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';
import { credentialsOf, PROVIDER_CASES, startProviderSim, writeProviderWallets } from '../helpers/providers.js';

const KEY = 'sk_live_NEVER_PRINT_ME_7f3a9c';
const SMTP_PASSWORD = 'smtp-pw-NEVER_PRINT_ME_51b2';
const WEBHOOK_SECRET = 'whsec-NEVER_PRINT_ME_0d4e';
const SLACK_TOKEN = 'slack-token-NEVER_PRINT_ME_77aa';
const PAGERDUTY_KEY = 'pd-routing-NEVER_PRINT_ME_31c1';
const SECRETS = [KEY, SMTP_PASSWORD, WEBHOOK_SECRET, SLACK_TOKEN, PAGERDUTY_KEY, 'NEVER_PRINT_ME'];

function assertNoSecret(where: string, text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains a secret (${s})`);
}

test('no secret in logs, errors, /metrics, /api/status, webhook bodies or the state files on any path', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 300, burnPerHour: 3600 });
  await sim.start();
  t.after(() => sim.close());
  const hook = new WebhookReceiver(WEBHOOK_SECRET);
  await hook.start();
  t.after(() => hook.close());
  hook.answers.push(500, 500); // the delivery-failure path is logged too
  const secretEnv = {
    TELEPHONY_API_URL: sim.url,
    TELEPHONY_API_KEY: KEY,
    SMTP_URL: `smtp://alerts:${SMTP_PASSWORD}@127.0.0.1:9`, // refused: a failing channel
    ALERT_EMAIL_FROM: 'sentinel@example.com',
    ALERT_EMAIL_TO: 'ops@example.com',
    ALERT_WEBHOOK_URL: `${hook.url},slack+http://127.0.0.1:9/services/${SLACK_TOKEN},pagerduty+http://127.0.0.1:9/v2/enqueue`,
    ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ALERT_PAGERDUTY_ROUTING_KEY: PAGERDUTY_KEY,
    ALERT_RETRY_BASE_DELAY: '200ms',
    LOW_BALANCE_THRESHOLD: '1000', // fires at once: every channel is exercised
    REQUEST_TIMEOUT_MS: '300',
    LOG_LEVEL: 'debug',
  };
  const d = await Daemon.start(secretEnv);
  t.after(() => d.kill());
  const paths: ScriptedResponse[] = [
    { status: 401 },
    { status: 500 },
    { status: 429, headers: { 'Retry-After': '1' } },
    { status: 200, body: '<html>oops</html>' },
    { status: 302, headers: { Location: 'http://127.0.0.1:9/elsewhere' } },
    { status: 402 },
    { hang: true },
    { status: 400 },
    // An upstream that echoes the key (in part: a whole one is token-shaped) as its machine-readable code.
    { status: 401, body: JSON.stringify({ error: 'unauthorized', code: 'key_NEVER_PRINT_ME_revoked' }) },
    { status: 403, body: JSON.stringify({ error: 'forbidden', code: 'live_NEVER_PRINT_ME' }) },
  ];
  for (const p of paths) {
    const before = sim.balanceRequests();
    sim.setOverride(p);
    await waitFor(() => sim.balanceRequests() > before + 1, `a poll answered ${JSON.stringify(p)}`);
  }
  sim.setOverride(null);
  await waitFor(async () => (await d.metric('telephony_api_up{account="default"}')) === 1, 'recovery');
  await waitFor(() => hook.received.length > 0, 'a webhook delivered after its failures');
  for (const r of hook.received) assertNoSecret('webhook body and headers', r.raw + JSON.stringify({ ...r.headers, 'x-wallet-sentinel-signature': undefined }));
  assert.equal(hook.received[0]!.verified, true);

  assertNoSecret('/metrics', (await d.get('/metrics')).text);
  assertNoSecret('/api/status', (await d.get('/api/status')).text);
  for (const path of ['/', '/wallets/default', '/api/wallets', '/api/wallets/default', '/api/wallets/default/history', '/api/wallets/default/history?step=bogus', '/wallets/nope']) {
    assertNoSecret(path, (await d.get(path)).text);
  }
  assertNoSecret('/readyz', (await d.get('/readyz')).text);
  assert.equal(await d.stop(), 0);
  assertNoSecret('stdout', d.stdout);
  assertNoSecret('stderr', d.stderr);
  assert.ok(d.stderr.includes('poll failed'), 'the failure paths were logged');
  assert.ok(d.stderr.includes('notification failed'), 'the delivery failures were logged');
  for (const f of readdirSync(d.stateDir)) assertNoSecret(f, readFileSync(join(d.stateDir, f), 'utf8'));
  // The database's snapshots are compressed: grep them decoded too (journal rows and the outbox are plain text above).
  assert.ok(readdirSync(d.stateDir).includes('wallet-sentinel.db'), 'the state database was written');
  assertNoSecret('state database, decoded', JSON.stringify(await savedAccount(d.stateDir, 'default')) + JSON.stringify(await savedOutbox(d.stateDir)));

  for (const args of [['check'], ['check', '--format', 'nagios'], ['test-alert']]) {
    const r = await runCli(args, { ...secretEnv, STATE_DIR: d.stateDir });
    assertNoSecret(`${args.join(' ')} stdout`, r.stdout);
    assertNoSecret(`${args.join(' ')} stderr`, r.stderr);
  }
  const bad = await runCli(['start'], { ...secretEnv, REQUEST_TIMEOUT_MS: 'x', SMTP_URL: `http://alerts:${SMTP_PASSWORD}@x` });
  assert.equal(bad.code, 78);
  assertNoSecret('config errors', bad.stderr);
});

test('WEB_CONFIG_FILE: neither the scrape password nor its bcrypt hash appears in logs, 401 answers or config errors', async (t) => {
  const password = 'scrape-NEVER_PRINT_ME_a91f';
  const hash = bcrypt.hashSync(password, 4);
  const dir = mkdtempSync(join(tmpdir(), 'ws-secrets-web-'));
  const file = join(dir, 'web.yml');
  writeFileSync(file, `basic_auth_users:\n  prometheus: ${hash}\n`);
  const sim = new Simulator({ apiKey: KEY });
  await sim.start();
  t.after(() => sim.close());
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, WEB_CONFIG_FILE: file, LOG_LEVEL: 'debug' });
  t.after(() => d.kill());
  const auth = (user: string, pw: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
  const texts: string[] = [];
  for (const headers of [{}, auth('prometheus', `${password}x`), auth(`${password}`, password), auth('prometheus', password)]) {
    const res = await fetch(`${d.url}/api/status`, { headers });
    texts.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
  }
  assert.match(texts[3]!, /^200 /);
  assert.equal(await d.stop(), 0);
  for (const text of [...texts, d.stdout, d.stderr]) {
    assert.ok(!text.includes(password) && !text.includes(hash), `a password or hash leaked: ${text.slice(0, 200)}`);
  }
  // A bad entry next to a good one: the error names the key, never the good or bad value.
  writeFileSync(file, `basic_auth_users:\n  prometheus: ${hash}\n  other: ${password}\n`);
  const bad = await runCli(['start'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, WEB_CONFIG_FILE: file });
  assert.equal(bad.code, 78);
  assert.match(bad.stderr, /basic_auth_users\.other: is not a bcrypt hash/);
  assertNoSecret('web config errors', bad.stderr);
  assert.ok(!bad.stderr.includes(hash));
});

test('WALLETS_FILE: no wallet key (literal or from a file) in logs, /metrics, /api/status, reload errors, config errors, check or the state files', async (t) => {
  const up = new WalletsUpstream();
  const names = ['lit', 'filed', 'bad-key'];
  for (const n of names) up.add(n, 50);
  await up.start();
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'ws-secrets-wallets-'));
  // `lit` has its key written in the file (warned about); `bad-key` sends a wrong key (401 path)
  const file = writeWalletsFile(dir, up, ['filed', 'bad-key'], { 'bad-key': ['labels: {team: x}'] });
  writeFileSync(join(dir, 'keys', 'bad-key'), 'wrong-NEVER_PRINT_ME_bad\n');
  const lit = `  - name: lit\n    balance_path: /w/lit/balance\n    api_key: ${up.wallets.get('lit')!.key}\n    low_balance_threshold: 100\n`;
  writeFileSync(file, readFileSync(file, 'utf8') + lit);
  const walletKeys = [...up.wallets.values()].map((w) => w.key);
  const assertNoKey = (where: string, text: string) => {
    assertNoSecret(where, text);
    for (const k of [...walletKeys, 'wrong-NEVER_PRINT_ME_bad']) assert.ok(!text.includes(k), `${where} contains a wallet key`);
  };
  const d = await Daemon.start({ WALLETS_FILE: file, LOG_LEVEL: 'debug' });
  t.after(() => d.kill());
  await waitFor(async () => (await d.get('/readyz')).status === 200, 'every wallet polled');
  assert.ok(d.stderr.includes("wallet 'lit' (#3): api_key: a key written in the file"), 'the literal key is warned about');
  // a reload with problems in it: the error lines name keys, never their values
  writeFileSync(file, `wallets:\n  - name: lit\n    api_key: ${up.wallets.get('lit')!.key}\n    api_key_file: ${join(dir, 'keys', 'filed')}\n    colour: red\n`);
  d.child.kill('SIGHUP');
  await waitFor(() => d.logs().some((l) => l.msg.startsWith('reload failed')), 'the failed reload');
  assertNoKey('/metrics', (await d.get('/metrics')).text);
  assertNoKey('/api/status', (await d.get('/api/status')).text);
  assert.equal(await d.stop(), 0);
  assertNoKey('stderr', d.stderr);
  assertNoKey('stdout', d.stdout);
  for (const f of readdirSync(d.stateDir)) assertNoKey(f, readFileSync(join(d.stateDir, f), 'utf8'));
  const check = await runCli(['check'], { WALLETS_FILE: file, STATE_DIR: d.stateDir });
  assert.equal(check.code, 78, 'the broken file is a config error for check too');
  assertNoKey('check config errors', check.stderr);
  writeWalletsFile(dir, up, ['filed', 'bad-key']);
  writeFileSync(join(dir, 'keys', 'bad-key'), 'wrong-NEVER_PRINT_ME_bad\n');
  const ok = await runCli(['check', '--format', 'nagios'], { WALLETS_FILE: file, STATE_DIR: d.stateDir });
  assert.equal(ok.code, 3, ok.stdout + ok.stderr); // bad-key: a 401 is a failed poll (UNKNOWN)
  assertNoKey('check stdout', ok.stdout);
  assertNoKey('check stderr', ok.stderr);
});

test('provider presets: no credential of any preset (nor its Basic or query form) in logs, /metrics, /api/status, config errors, check or the state files', async (t) => {
  const sim = await startProviderSim(PROVIDER_CASES, 40, { burnPerHour: 3600 });
  t.after(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), 'ws-secrets-providers-'));
  const file = writeProviderWallets(dir, sim.url, PROVIDER_CASES, ['low_balance_threshold: 100']);
  const creds = PROVIDER_CASES.flatMap((c) => Object.values(credentialsOf(c)));
  const forms = [...creds, ...creds.map((v) => Buffer.from(v).toString('base64').slice(0, 16)), ...creds.map((v) => encodeURIComponent(v))];
  const assertNoCredential = (where: string, text: string) => {
    assertNoSecret(where, text);
    for (const f of forms) assert.ok(!text.includes(f), `${where} contains a credential (${f.slice(0, 12)}…)`);
  };
  const d = await Daemon.start({ WALLETS_FILE: file, POLL_SCHEDULE: '* * * * * *', LOG_LEVEL: 'debug', REQUEST_TIMEOUT_MS: '300' });
  t.after(() => d.kill());
  // Every failure path of every preset: rejected credentials, a server error, a broken body, a redirect, a 400.
  const paths: ScriptedResponse[] = [{ status: 401 }, { status: 403 }, { status: 500 }, { status: 200, body: '<html>oops</html>' }, { status: 200, body: { balance: 'x' } }, { status: 302, headers: { Location: 'http://127.0.0.1:9/x' } }, { status: 400 }];
  for (const c of PROVIDER_CASES) sim.wallet(c.name).enqueue(...paths);
  await waitFor(() => PROVIDER_CASES.every((c) => sim.wallet(c.name).requests > paths.length + 1), 'every scripted answer served', 30_000);
  await waitFor(async () => (await d.metric('telephony_api_up{account="twilio"}')) === 1, 'recovery');
  assertNoCredential('/metrics', (await d.get('/metrics')).text);
  assertNoCredential('/api/status', (await d.get('/api/status')).text);
  assert.equal(await d.stop(), 0);
  assertNoCredential('stderr', d.stderr);
  assertNoCredential('stdout', d.stdout);
  assert.ok(d.stderr.includes('answered 401'), 'the auth failure path was logged');
  for (const f of readdirSync(d.stateDir)) assertNoCredential(f, readFileSync(join(d.stateDir, f), 'utf8'));
  // check, with one wallet's credential wrong (its 401 path) and the rest right
  writeFileSync(join(dir, 'keys', 'twilio-auth_token'), 'wrong-twilio-NEVER_PRINT_ME\n');
  const check = await runCli(['check'], { WALLETS_FILE: file, STATE_DIR: d.stateDir });
  assert.equal(check.code, 3, check.stdout + check.stderr);
  assertNoCredential('check stdout', check.stdout);
  assertNoCredential('check stderr', check.stderr);
  // config errors: an unknown credential key and a literal credential where a file is expected both name keys, never values
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, `wallets:\n  - name: a\n    provider: twilio\n    credentials: {account_sid: ${creds[1]}, auth_tokn: ${creds[2]}, auth_token_file: /nonexistent/NEVER_PRINT_ME}\n`);
  const cfg = await runCli(['check'], { WALLETS_FILE: bad });
  assert.equal(cfg.code, 78, cfg.stderr);
  assert.ok(cfg.stderr.includes("'auth_tokn' is not a twilio credential"), cfg.stderr);
  for (const f of creds) assert.ok(!cfg.stderr.includes(f), 'config errors hold no credential');
});

test('receivers: no channel secret of WALLETS_FILE (Slack URL, PagerDuty key, webhook URL and HMAC secret, SMTP password) in logs, errors, /metrics, /api/status, test-alert or the state files', async (t) => {
  const up = new WalletsUpstream();
  up.add('w', 50);
  await up.start();
  t.after(() => up.close());
  const hook = new WebhookReceiver(WEBHOOK_SECRET);
  await hook.start();
  t.after(() => hook.close());
  hook.answers.push(500); // a failed attempt is logged too
  const dir = mkdtempSync(join(tmpdir(), 'ws-secrets-receivers-'));
  const secretFile = (name: string, value: string) => {
    writeFileSync(join(dir, name), `${value}\n`);
    return join(dir, name);
  };
  const file = writeWalletsFile(dir, up, ['w'], { w: ['low_balance_threshold: 100', 'receivers: [all]'] });
  const receivers = [
    'receivers:',
    '  all:',
    `    slack: [{url_file: ${secretFile('slack', `http://127.0.0.1:9/services/${SLACK_TOKEN}`)}}]`, // refused: failure path
    `    pagerduty: [{url: "http://127.0.0.1:9/v2/enqueue", routing_key_file: ${secretFile('pd', PAGERDUTY_KEY)}}]`,
    `    webhook: [{url_file: ${secretFile('hook', `${hook.url}?token=${SLACK_TOKEN}`)}, secret_file: ${secretFile('hmac', WEBHOOK_SECRET)}}]`,
    `    email: [{to: [ops@example.com], from: a@example.com, smtp_url_file: ${secretFile('smtp', `smtp://alerts:${SMTP_PASSWORD}@127.0.0.1:9`)}}]`,
  ];
  writeFileSync(file, `${readFileSync(file, 'utf8')}${receivers.join('\n')}\n`);
  const d = await Daemon.start({ WALLETS_FILE: file, ALERT_RETRY_BASE_DELAY: '200ms', LOG_LEVEL: 'debug' });
  t.after(() => d.kill());
  await waitFor(() => hook.received.length >= 1, 'the signed webhook, after a 500');
  assert.equal(hook.received[0]!.verified, true, 'signed with the secret of secret_file');
  await waitFor(() => d.logs().filter((l) => l.msg.startsWith('notification failed')).length >= 3, 'the refused channels logged');
  // a reload with a broken receiver: the lines name keys, never values
  writeFileSync(file, `${readFileSync(file, 'utf8')}  broken:\n    slack: [{url: "http://127.0.0.1:9/${SLACK_TOKEN}", colour: red}]\n    pagerduty: [{routing_key: ${PAGERDUTY_KEY}, routing_key_file: /nonexistent}]\n`);
  d.child.kill('SIGHUP');
  await waitFor(() => d.logs().some((l) => l.msg.startsWith('reload failed')), 'the failed reload');
  const overview = (await d.get('/')).text;
  assert.match(overview, /Alerts are not getting through/, 'the refused channels are on the status page');
  assertNoSecret('/ (the channels that fail)', overview);
  assertNoSecret('/metrics', (await d.get('/metrics')).text);
  assertNoSecret('/api/status', (await d.get('/api/status')).text);
  assert.equal(await d.stop(), 0);
  assertNoSecret('stderr', d.stderr);
  assertNoSecret('stdout', d.stdout);
  for (const f of readdirSync(d.stateDir)) assertNoSecret(f, readFileSync(join(d.stateDir, f), 'latin1'));
  const bad = await runCli(['check'], { WALLETS_FILE: file, STATE_DIR: d.stateDir });
  assert.equal(bad.code, 78);
  assert.match(bad.stderr, /receiver 'broken': slack #1: colour: unknown key/);
  assertNoSecret('config errors', bad.stderr);
  // test-alert through every channel of every receiver
  writeFileSync(file, readFileSync(file, 'utf8').split('  broken:')[0]!);
  const ta = await runCli(['test-alert'], { WALLETS_FILE: file, STATE_DIR: d.stateDir }, { timeoutMs: 60_000 });
  assert.equal(ta.code, 1, ta.stdout + ta.stderr); // the refused ones fail
  assert.match(ta.stdout, /ok {6}all\/webhook#1 \(127\.0\.0\.1:\d+\)/);
  assertNoSecret('test-alert stdout', ta.stdout);
  assertNoSecret('test-alert stderr', ta.stderr);
});

test("an upstream that echoes what the request sent as its error code: a token in balance_path's query string, the key with other separators", async (t) => {
  const token = 'acme_voice_prod_2026'; // name-shaped, shares nothing with the wallet's api_key: only the query hides it
  const c = { name: 'echo', provider: 'generic', simCurrency: 'CHF', currency: 'CHF', extra: [`balance_path: /api/account?access_token=${token}&format=json`, 'balance_field: account.credit', "auth: header X-Api-Key", "balance_regex: '^(\\d+) cents'", 'balance_scale: 0.01'] };
  const sim = await startProviderSim([c], 40);
  t.after(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), 'ws-secrets-echo-'));
  const file = writeProviderWallets(dir, sim.url, [c]);
  const key = credentialsOf(c).api_key!;
  const echoes = [token, key.replaceAll('-', '.').replaceAll('_', '-'), 'insufficient_funds'];
  sim.wallet('echo').enqueue(...echoes.map((code) => ({ status: 403, body: JSON.stringify({ code }) })));
  const d = await Daemon.start({ WALLETS_FILE: file, POLL_SCHEDULE: '* * * * * *', LOG_LEVEL: 'debug', REQUEST_TIMEOUT_MS: '300' });
  t.after(() => d.kill());
  await waitFor(() => sim.wallet('echo').requests > echoes.length + 1, 'every echo served');
  const status = (await d.get('/api/status')).text;
  assert.equal(await d.stop(), 0);
  for (const [where, text] of [['/api/status', status], ['stderr', d.stderr], ['stdout', d.stdout]] as const) {
    for (const e of echoes.slice(0, 2)) assert.ok(!text.includes(e), `${where} shows the echo ${e}`);
  }
  assert.ok(d.stderr.includes('its code: insufficient_funds'), 'a code that echoes nothing is still logged');
});

test('an API that stops answering: no wallet key in the refusal lines, the failed polls, /metrics, /api/status or the state files', async (t) => {
  const up = new WalletsUpstream();
  const names = Array.from({ length: 8 }, (_, i) => `quiet-${i}`);
  for (const n of names) up.add(n, 50);
  await up.start();
  t.after(() => up.close());
  up.silent = true;
  const file = writeWalletsFile(mkdtempSync(join(tmpdir(), 'ws-secrets-silent-')), up, names);
  const d = await Daemon.start({ WALLETS_FILE: file, POLL_SCHEDULE: '* * * * * *', POLL_CONCURRENCY: '4', REQUEST_TIMEOUT_MS: '300', LOG_LEVEL: 'debug' });
  t.after(() => d.kill());
  await waitFor(() => d.logs().some((l) => /^poll failed: not asked/.test(l.msg)), 'a poll failed unasked', 30_000);
  const keys = [...up.wallets.values()].map((w) => w.key);
  const assertNoKey = (where: string, text: string) => {
    assertNoSecret(where, text);
    for (const k of keys) assert.ok(!text.includes(k), `${where} contains a wallet key`);
  };
  assertNoKey('/metrics', (await d.get('/metrics')).text);
  assertNoKey('/api/status', (await d.get('/api/status')).text);
  assert.equal(await d.stop(), 0);
  assert.ok(d.logs().some((l) => /^the API of wallet quiet-\d .* gave no answer/.test(l.msg)), 'the refusal was told');
  assertNoKey('stderr', d.stderr);
  for (const f of readdirSync(d.stateDir)) assertNoKey(f, readFileSync(join(d.stateDir, f), 'utf8'));
});

test("an uncaught exception is said by its name and message, exit 1: Node's own print showed the error's properties, where an HTTP library's error carries its request's headers", async () => {
  // thrown once the daemon's handler is there, however long its start takes (a fixed 300 ms was not, on a
  // loaded machine, and Node's own print came instead); after 20 s without one, thrown anyway (and the test fails)
  const thrower = `let n = 0; const t = setInterval(() => { if (process.listenerCount('uncaughtException') === 0 && ++n < 2000) return; clearInterval(t); throw Object.assign(new Error('boom'), { config: { headers: { Authorization: 'Bearer ${KEY}' } } }); }, 10);`;
  const r = await runCli(['start'], { TELEPHONY_API_URL: 'http://127.0.0.1:9', TELEPHONY_API_KEY: KEY, METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' }, { nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(thrower)}`] });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /wallet-sentinel: uncaught exception: Error: boom/);
  assert.ok(!(r.stdout + r.stderr).includes(KEY), r.stderr);
});
