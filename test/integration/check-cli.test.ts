/** `wallet-sentinel check`: one poll, status JSON on stdout, Nagios exit codes, nothing written. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { shardOf } from '../../src/fleet/shard.js';
import { Simulator } from '../../src/simulator/simulator.js';
import { baseEnv, CLI, Daemon, runCli, tempDir, waitFor, type StatusDoc } from '../helpers/daemon.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';

const KEY = 'sk_live_check_key_2468';

const cases: Array<{ name: string; sim: () => Simulator; env?: Record<string, string>; code: number; alert?: string }> = [
  { name: 'OK', sim: () => new Simulator({ apiKey: KEY, balance: 500 }), code: 0 },
  { name: 'WARNING below LOW_BALANCE_THRESHOLD', sim: () => new Simulator({ apiKey: KEY, balance: 80 }), env: { LOW_BALANCE_THRESHOLD: '100', CRITICAL_BALANCE_THRESHOLD: '10' }, code: 1, alert: 'low_balance' },
  { name: 'CRITICAL below CRITICAL_BALANCE_THRESHOLD', sim: () => new Simulator({ apiKey: KEY, balance: 5 }), env: { LOW_BALANCE_THRESHOLD: '100', CRITICAL_BALANCE_THRESHOLD: '10' }, code: 2, alert: 'low_balance' },
  { name: 'CRITICAL on a 402', sim: () => new Simulator({ apiKey: KEY, balance: 0 }), code: 2, alert: 'wallet_exhausted' },
  { name: 'UNKNOWN on a 401', sim: () => new Simulator({ apiKey: 'another-key' }), code: 3 },
];

for (const c of cases) {
  test(`check: ${c.name} → exit ${c.code}`, async (t) => {
    const sim = c.sim();
    await sim.start();
    t.after(() => sim.close());
    const stateDir = tempDir();
    const r = await runCli(['check'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: stateDir, ...c.env });
    assert.equal(r.code, c.code, r.stderr);
    const doc = JSON.parse(r.stdout) as StatusDoc;
    const s = doc.accounts[0]!;
    if (c.alert) assert.ok(s.alerts.some((a) => a.alertname === c.alert), JSON.stringify(s.alerts));
    assert.equal(sim.balanceRequests(), 1, 'one poll');
    assert.deepEqual(readdirSync(stateDir), [], 'check writes nothing');
  });
}

test('check: an unreachable API is UNKNOWN with the reason in the status', async () => {
  const r = await runCli(['check'], { TELEPHONY_API_URL: 'http://127.0.0.1:9', TELEPHONY_API_KEY: KEY, STATE_DIR: tempDir(), REQUEST_TIMEOUT_MS: '500' });
  assert.equal(r.code, 3);
  assert.equal((JSON.parse(r.stdout) as StatusDoc).accounts[0]!.last_error?.kind, 'network');
});

test('a wallets file whose problems outnumber what a spread can take (130,000 at the default stack; 15,000 here on a 100 KiB stack): exit 78 listing them, not a crash', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'key'), 'k\n');
  const n = 15_000;
  const lines = ['wallets:'];
  for (let i = 0; i < n; i++) lines.push(`  - {name: w${i}, api_key_file: key, colour: red}`);
  writeFileSync(join(dir, 'wallets.yaml'), `${lines.join('\n')}\n`);
  const r = await runCli(['check'], { WALLETS_FILE: 'wallets.yaml', STATE_DIR: tempDir() }, { cwd: dir, nodeArgs: ['--stack-size=100'], timeoutMs: 120_000 });
  assert.equal(r.code, 78, r.stderr.slice(-500));
  assert.equal(r.stderr.match(/unknown key 'colour'/g)?.length, n);
});

test('a *_FILE that is a device or a pipe: /dev/zero and a pipe that never ends are exit 78 within 5 s, several such pipes too (they share 4 s); a pipe that is written (`<(pass show …)`) is read', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const env = { TELEPHONY_API_URL: sim.url, STATE_DIR: tempDir() };
  const zero = await runCli(['check'], { ...env, TELEPHONY_API_KEY_FILE: '/dev/zero' }, { timeoutMs: 30_000 });
  assert.equal(zero.code, 78, zero.stderr);
  assert.match(zero.stderr, /TELEPHONY_API_KEY_FILE: cannot read \/dev\/zero: it is larger than 1 MiB/);
  // bash's process substitution: /dev/fd/N, a pipe whose writer is `sleep` (never writes) or `printf`
  const viaBash = (substitution: string, others = '') =>
    new Promise<{ code: number | null; stderr: string; stdout: string }>((done) => {
      const child = spawn('bash', ['-c', `${others} TELEPHONY_API_KEY_FILE=<(${substitution}) exec "$0" "$1" check`, process.execPath, CLI], { env: baseEnv(env), cwd: tempDir(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  const silent = await viaBash('sleep 8 2>/dev/null'); // its stdout is the pipe: held open, never written
  assert.equal(silent.code, 78, silent.stderr);
  // 4 s, or what was left of them when the load had already taken a moment (a loaded machine: 3.9 s)
  assert.match(silent.stderr, /TELEPHONY_API_KEY_FILE: cannot read \/dev\/fd\/\d+: it had no end within (4 s|[\d.]+ s, what was left of the 4 s that the files named by the settings share)/);
  // Three silent pipes took 4 s each (12 s); now the files of one load share 4 s, and a written pipe read after them is still read
  const never = '<(sleep 8 2>/dev/null)';
  const three = await viaBash(`printf '%s\\n' ${KEY}`, `ALERT_WEBHOOK_URL=http://127.0.0.1:9/h ALERT_WEBHOOK_SECRET_FILE=${never} SMTP_URL_FILE=${never} ALERT_PAGERDUTY_ROUTING_KEY_FILE=${never}`);
  assert.equal(three.code, 78, three.stderr);
  assert.equal(three.stderr.match(/had no end within/g)?.length, 3, three.stderr);
  assert.equal(three.stderr.match(/had no end within 0 s, what was left of the 4 s that the files named by the settings share/g)?.length, 2, three.stderr);
  assert.doesNotMatch(three.stderr, /TELEPHONY_API_KEY_FILE/);
  const written = await viaBash(`printf '%s\\n' ${KEY}`);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(sim.balanceRequests(), 1, 'the key read from the pipe was accepted');
  // a named pipe whose writer comes a second after the reader opened it (it read as empty: ended)
  const fifo = join(tempDir(), 'key.fifo');
  execFileSync('mkfifo', [fifo]);
  const writer = spawn('sh', ['-c', `sleep 1; printf '%s\\n' ${KEY} > "$0"`, fifo], { stdio: 'ignore' });
  const late = await runCli(['check'], { ...env, TELEPHONY_API_KEY_FILE: fifo });
  writer.kill();
  assert.equal(late.code, 0, late.stderr);
  assert.equal(sim.balanceRequests(), 2);
});

test('a bearer key with a letter outside ASCII: the poll fails saying a header cannot carry it, and nothing is sent (the HTTP client dropped the letter and sent another key)', async (t) => {
  const key = 'sk_live_SEKRIT_\u043a\u043b\u044e\u0447';
  const sim = new Simulator({ apiKey: key, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const r = await runCli(['check'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: key, STATE_DIR: tempDir() });
  assert.equal(r.code, 3, r.stderr);
  const err = (JSON.parse(r.stdout) as StatusDoc).accounts[0]!.last_error;
  assert.equal(err?.kind, 'bad_request');
  assert.match(err?.message ?? '', /a credential sent in a request header holds a character other than printable ASCII/);
  assert.equal(sim.balanceRequests(), 0, 'nothing sent');
  assert.ok(!(r.stdout + r.stderr).includes('SEKRIT'));
});

test('unknown command: usage and exit 64', async () => {
  const r = await runCli(['frobnicate'], {});
  assert.equal(r.code, 64);
  assert.match(r.stderr, /Usage:/);
});

// ---------------------------------------------------------------- check --format nagios, usage and --help

const PERF = /^[a-z_]+=(?:-?\d+(?:\.\d+)?|U)(?:s)?(?:;[\d.:]*){0,4}$/;

for (const c of cases) {
  test(`check --format nagios: ${c.name} → one plugin line, exit ${c.code}`, async (t) => {
    const sim = c.sim();
    await sim.start();
    t.after(() => sim.close());
    const r = await runCli(['check', '--format', 'nagios'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: tempDir(), ...c.env });
    assert.equal(r.code, c.code, r.stderr);
    assert.equal(r.stdout.split('\n').length, 2, 'exactly one line');
    const [text, perf] = r.stdout.trim().split(' | ');
    assert.match(text!, new RegExp(`^WALLET ${['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'][c.code]} - wallet 'default'`));
    if (c.alert) assert.match(text!, new RegExp(c.alert));
    for (const item of perf!.split(' ')) assert.match(item, PERF);
    assert.equal(sim.balanceRequests(), 1, 'one poll');
  });
}

test('check --format nagios: the example of the brief, thresholds in the perfdata (warn/crit as "alert below" ranges)', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 80 });
  await sim.start();
  t.after(() => sim.close());
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: tempDir(), LOW_BALANCE_THRESHOLD: '100', CRITICAL_BALANCE_THRESHOLD: '50' };
  const r = await runCli(['check', '--format=nagios'], env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^WALLET WARNING - wallet 'default' balance 80 USD, runway not known yet: low_balance \(warning\) \| balance=80;100:;50: runway=U;259200:;86400:;0 burn_rate=U;;;0\n$/);
  // JSON stays the default, and --format json is the same
  const json = await runCli(['check'], env);
  const explicit = await runCli(['check', '--format', 'json'], env);
  assert.equal((JSON.parse(json.stdout) as StatusDoc).accounts[0]!.balance, 80);
  assert.equal(explicit.code, 1);
  assert.deepEqual(Object.keys(JSON.parse(explicit.stdout) as object), Object.keys(JSON.parse(json.stdout) as object));
});

test('usage: a bad --format, a missing backtest FILE → that command\'s usage on stderr, exit 64, nothing polled', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 80 });
  await sim.start();
  t.after(() => sim.close());
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: tempDir() };
  for (const [argv, message, usage] of [
    [['check', '--format', 'xml'], /--format must be json or nagios, not "xml"/, /Usage: wallet-sentinel check \[--format json\|nagios\]/],
    [['check', '--format'], /--format needs a value/, /Usage: wallet-sentinel check/],
    [['backtest'], /backtest: missing FILE/, /Usage: wallet-sentinel backtest FILE/],
  ] as const) {
    const r = await runCli([...argv], env);
    assert.equal(r.code, 64, argv.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, message);
    assert.match(r.stderr, usage);
  }
  assert.equal(sim.balanceRequests(), 0);
});

test('<command> --help prints that command\'s usage on stdout, exit 0, without settings', async () => {
  for (const [argv, usage] of [
    [['check', '--help'], /^Usage: wallet-sentinel check \[--format json\|nagios\]/],
    [['backtest', '--help'], /^Usage: wallet-sentinel backtest FILE/],
    [['test-alert', '-h'], /^Usage: wallet-sentinel test-alert/],
    [['start', '--help'], /^Usage: wallet-sentinel \[start\]/],
    [['help', 'check'], /^Usage: wallet-sentinel check/],
    [['--help'], /^wallet-sentinel \S+: guards prepaid API wallets \(Telephony\.io, Twilio, Telnyx, Vonage, Plivo, …\)\n\nUsage:/],
  ] as const) {
    const r = await runCli([...argv], {});
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, usage, argv.join(' '));
    assert.equal(r.stderr, '');
  }
});

// A poll that succeeded is judged by the rules, as a first check with no history is (the contract's UNKNOWN is
// for a failed poll); the Nagios line, or stderr, says the history is unknown.
const NOTADB = 'cannot read the state database in STATE_DIR \\(SQLITE_NOTADB\\): history unknown';
for (const [balance, code, line] of [
  [500, 0, `WALLET OK - wallet 'default' balance 500 USD, runway not known yet; ${NOTADB} \\| balance=500;100:;10:`],
  [0, 2, `WALLET CRITICAL - wallet 'default' balance 0, empty: low_balance \\(critical\\), wallet_exhausted \\(critical\\); ${NOTADB} \\| balance=0;`],
  [5, 2, `WALLET CRITICAL - wallet 'default' balance 5 USD, runway not known yet: low_balance \\(critical\\); ${NOTADB} \\| balance=5;100:;10:`],
  [80, 1, `WALLET WARNING - wallet 'default' balance 80 USD, runway not known yet: low_balance \\(warning\\); ${NOTADB} \\| balance=80;100:;10:`],
] as const) {
  test(`check: a state database that cannot be read, balance ${balance}: exit ${code}, the balance still read, not a crash (exit 1, WARNING to Nagios)`, async (t) => {
    const sim = new Simulator({ apiKey: KEY, balance });
    await sim.start();
    t.after(() => sim.close());
    const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: tempDir(), LOW_BALANCE_THRESHOLD: '100', CRITICAL_BALANCE_THRESHOLD: '10' };
    writeFileSync(join(env.STATE_DIR, 'wallet-sentinel.db'), 'not a database, a torn copy\n');
    for (const format of ['nagios', 'json']) {
      const r = await runCli(['check', '--format', format], env);
      assert.equal(r.code, code, r.stdout + r.stderr);
      // the JSON has no line to say it in: stderr does
      assert.match(format === 'nagios' ? r.stdout : r.stderr, new RegExp(format === 'nagios' ? `^${line}` : NOTADB));
    }
    assert.equal(sim.balanceRequests(), 2, 'the balance was still read');
  });
}

test('check run by a user who may not read STATE_DIR: the poll decides (OK), the line says the history is unknown', async (t) => {
  const why = process.getuid?.() !== 0 ? 'needs root to run check as another user' : !existsSync('/usr/bin/setpriv') ? 'needs setpriv (util-linux)' : undefined;
  if (why) {
    assert.ok(!process.env.CI, `CI must run this: ${why}`);
    return t.skip(why);
  }
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const stateDir = tempDir(); // 0700, root's: the daemon's, as systemd's StateDirectoryMode=0700 makes it
  writeFileSync(join(stateDir, 'wallet-sentinel.db'), '');
  const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'check', '--format', 'nagios'], {
      cwd: '/',
      env: { PATH: process.env.PATH, TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('close', (code) => resolve({ code, stdout }));
  });
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /^WALLET OK - wallet 'default' balance 500 USD, runway not known yet; cannot read the state database in STATE_DIR \(EACCES\): history unknown \|/);
});

test('check: a STATE_DIR that is a file: the poll decides (OK), the line says the history is unknown', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const notADir = join(tempDir(), 'state');
  writeFileSync(notADir, 'a file where the directory should be\n');
  const r = await runCli(['check', '--format', 'nagios'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: notADir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^WALLET OK - wallet 'default' balance 500 USD, runway not known yet; cannot read the state database in STATE_DIR \(ENOTDIR\): history unknown \|/);
});

test('check: a shard that holds none of the file\'s wallets is UNKNOWN (exit 3), not OK', async () => {
  const dir = tempDir();
  const file = join(dir, 'wallets.yaml');
  writeFileSync(join(dir, 'key'), 'k\n');
  let name = 'a';
  for (let i = 0; shardOf(name, 2) !== 1; i++) name = `w${i}`; // a wallet of shard 1; this process is shard 0
  writeFileSync(file, `wallets:\n  - {name: ${name}, api_url: "http://127.0.0.1:9", api_key_file: ${join(dir, 'key')}}\n`);
  const r = await runCli(['check', '--format', 'nagios'], { WALLETS_FILE: file, SHARD_COUNT: '2', SHARD_INDEX: '0', STATE_DIR: tempDir() });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /^WALLET UNKNOWN - 0 wallets: none of the 1 configured falls in shard 0 of 2/);
});

test('check while a Retry-After the daemon saved still runs: no request, UNKNOWN (exit 3) saying until when', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  sim.enqueue({ status: 429, headers: { 'Retry-After': '600' } });
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY });
  await waitFor(async () => (await daemon.status()).rate_limited_until, 'the 429 to be saved');
  assert.equal(await daemon.stop(), 0);
  const asked = sim.balanceRequests();

  const r = await runCli(['check', '--format', 'nagios'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: daemon.stateDir });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /^WALLET UNKNOWN - wallet 'default': poll failed: rate limited until \d{4}-\d\d-\d\dT[\d:.]+Z/);
  assert.equal(sim.balanceRequests(), asked, 'no request before the Retry-After passed');
});

test('a 429 that answers the poll in flight at SIGTERM is waited out after the restart (the stop kept no failed poll, and dropped the Retry-After with it)', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, POLL_SCHEDULE: '*/2 * * * * *' });
  await waitFor(async () => (await daemon.status()).balance !== null, 'a first reading');
  sim.enqueue({ status: 429, headers: { 'Retry-After': '3600' }, delayMs: 1_500 });
  await waitFor(() => sim.requests.some((r) => r.served === 429), 'the poll that gets the 429 under way');
  assert.equal(await daemon.stop(), 0); // the attempt in flight is waited for: the 429 lands once stopping
  const asked = sim.balanceRequests();
  const r = await runCli(['check', '--format', 'nagios'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: daemon.stateDir });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /^WALLET UNKNOWN - wallet 'default': poll failed: rate limited until \d{4}-/);
  assert.equal(sim.balanceRequests(), asked, 'no request before the Retry-After passed');
});

test('check answered 429 does not claim the wallet is left alone: it saves nothing, so it says the next check asks again', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  sim.enqueue({ status: 429, headers: { 'Retry-After': '600' } });
  const stateDir = tempDir();
  const r = await runCli(['check', '--format', 'nagios'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: stateDir });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /^WALLET UNKNOWN - wallet 'default': poll failed: .*answered 429 \(rate limited\); wait 10m, until \S+Z .*check saves nothing, so the next check asks again/);
  assert.doesNotMatch(r.stdout, /not asked again/);
  assert.deepEqual(readdirSync(stateDir), [], 'check writes nothing');
});

/** A tmpfs STATE_DIR with a little history a daemon wrote and stopped (undefined: no tmpfs here, the test skipped), and check's environment. */
async function historyOnTmpfs(t: TestContext): Promise<{ fs: Tmpfs; env: Record<string, string> } | undefined> {
  const fs = mountTmpfs(t, '8m');
  if (!fs) return undefined;
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: fs.dir };
  const daemon = await Daemon.start(env, { stateDir: fs.dir });
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.status()).samples >= 2, 'a little history');
  assert.equal(await daemon.stop(), 0);
  return { fs, env };
}

test('check on a STATE_DIR it cannot write (a read-only mount, or another user than the daemon\'s) reads the history and exits by the balance: a WAL reader could not make its -shm there, and every check was UNKNOWN', async (t) => {
  const made = await historyOnTmpfs(t);
  if (!made) return;
  const { fs, env } = made;
  const before = readdirSync(fs.dir).sort();
  fs.readOnly();
  const r = await runCli(['check', '--format', 'nagios'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^WALLET OK - /);
  assert.deepEqual(readdirSync(fs.dir).sort(), before, 'nothing created');
});

test('check on a full disk where the daemon\'s failed commits left an empty -wal and a -shm too short to use: the intact history is read, not UNKNOWN (SQLITE_IOERR_SHMSIZE)', async (t) => {
  const made = await historyOnTmpfs(t);
  if (!made) return;
  const { fs, env } = made;
  writeFileSync(join(fs.dir, 'wallet-sentinel.db-wal'), '');
  writeFileSync(join(fs.dir, 'wallet-sentinel.db-shm'), 'abc'); // what a commit that failed on ENOSPC left
  fs.fill();
  t.after(() => fs.unfill());
  const r = await runCli(['check', '--format', 'nagios'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^WALLET OK - /);
});
