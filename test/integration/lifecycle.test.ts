/** Start-up refusal, clean stop, restart with history, corrupt state. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, writeSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { savedAccount } from '../helpers/state.js';
import { Simulator } from '../../src/simulator/simulator.js';
import { writeWalletsFile } from '../../src/simulator/wallets-file.js';
import { baseEnv, CLI, Daemon, runCli, tempDir, waitFor } from '../helpers/daemon.js';
import { sampleCount } from '../../src/domain/packed.js';

const KEY = 'sk_live_lifecycle_key_4321';
const A = '{account="default"}';

/** Makes a FIFO at `path`. */
function mkfifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/** Opens the FIFO for writing once a process reading it (held in its open or read) has it open. */
function fifoWriter(path: string, what: string): Promise<number> {
  return waitFor(() => {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK); // ENXIO until a reader has it open
    } catch {
      return undefined;
    }
  }, what);
}

/** Writes `text` to the FIFO and closes it, releasing its reader (if it still lives: a dead one's pipe is broken). */
function release(fd: number, text: string): void {
  try {
    writeSync(fd, text);
  } catch {
    // EPIPE: the reader was ended by the signal
  }
  closeSync(fd);
}

test('bad settings: exit 78 within 5 s, one line per problem naming the variable, nothing polled or written', async (t) => {
  const sim = new Simulator({ apiKey: KEY });
  await sim.start();
  t.after(() => sim.close());
  const stateDir = join(tempDir(), 'state');
  // runCli fails the test if the process has not exited by its deadline: the contract's 5 s
  const r = await runCli(['start'], {
    TELEPHONY_API_URL: sim.url,
    TELEPHONY_API_KEY: KEY,
    STATE_DIR: stateDir,
    POLL_SCHEDULE: 'every minute',
    REQUEST_TIMEOUT_MS: 'soon',
    LOG_LEVEL: 'loud',
    SMTP_URL_FILE: '/nonexistent/smtp-url',
  }, { timeoutMs: 5000 });
  assert.equal(r.code, 78);
  const lines = r.stderr.trim().split('\n');
  for (const name of ['POLL_SCHEDULE', 'REQUEST_TIMEOUT_MS', 'LOG_LEVEL', 'SMTP_URL_FILE']) {
    assert.equal(lines.filter((l) => l.includes(`${name}:`)).length, 1, `one line for ${name}:\n${r.stderr}`);
  }
  assert.equal(lines.length, 4, r.stderr);
  assert.equal(sim.requests.length, 0, 'nothing polled');
  assert.equal(existsSync(stateDir), false, 'nothing written');
});

test('a missing API key and an empty one that hides .env are configuration errors', async () => {
  const cwd = tempDir();
  writeFileSync(join(cwd, '.env'), `TELEPHONY_API_KEY=${KEY}\n`);
  const r = await runCli(['start'], { TELEPHONY_API_KEY: '' }, { cwd });
  assert.equal(r.code, 78);
  assert.match(r.stderr, /TELEPHONY_API_KEY: .*empty string/);
  assert.ok(!r.stderr.includes(KEY));
  const r2 = await runCli(['check'], {});
  assert.equal(r2.code, 78);
  assert.match(r2.stderr, /TELEPHONY_API_KEY/);
});

test('.env and TELEPHONY_API_KEY_FILE are read; SIGTERM stops cleanly with state written; a restart keeps history and counters', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 1000, burnPerHour: 36_000 });
  await sim.start();
  t.after(() => sim.close());
  const cwd = tempDir();
  writeFileSync(join(cwd, 'key'), `${KEY}\n`);
  writeFileSync(join(cwd, '.env'), `TELEPHONY_API_URL=${sim.url}\nTELEPHONY_API_KEY_FILE=${join(cwd, 'key')}\nACCOUNT_NAME=ops\n`);
  const first = await Daemon.start({}, { cwd });
  t.after(() => first.kill());
  await waitFor(async () => Number.isFinite((await first.metric('telephony_wallet_runway_seconds{account="ops"}')) ?? Infinity), 'a finite runway');
  assert.equal(sim.requests.at(-1)!.authorization, `Bearer ${KEY}`, 'key file read, newline trimmed');

  assert.equal(await first.stop('SIGTERM'), 0);
  assert.ok(first.logs().some((l) => l.msg === 'wallet-sentinel stopped'));
  const saved = await savedAccount(first.stateDir, 'ops');
  const samplesBefore = sampleCount(saved.history.samples);
  const consumedBefore = saved.history.consumedTotal;
  assert.ok(samplesBefore >= 3 && consumedBefore > 0);
  assert.equal(readdirSync(first.stateDir).filter((f) => f.endsWith('.tmp')).length, 0, 'no temp file left');

  const second = await Daemon.start({}, { cwd, stateDir: first.stateDir });
  t.after(() => second.kill());
  // before the restarted daemon's first poll lands, its counter already carries the old spend
  const consumedAfter = await waitFor(() => second.metric('telephony_wallet_consumed_credits_total{account="ops"}'), 'the counter');
  assert.ok(consumedAfter >= consumedBefore, `counter restored: ${consumedAfter} >= ${consumedBefore}`);
  await waitFor(async () => (await second.status()).samples > samplesBefore, 'history to continue');
  assert.ok(Number.isFinite((await second.metric('telephony_wallet_runway_seconds{account="ops"}'))!), 'runway finite right away from the kept history');
  assert.equal(await second.stop('SIGINT'), 0, 'SIGINT stops cleanly too');
});

test('a corrupt state database is set aside, said at error level with what starting fresh costs, and the daemon starts fresh', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 100 });
  await sim.start();
  t.after(() => sim.close());
  const stateDir = tempDir('ws-state-');
  writeFileSync(join(stateDir, 'wallet-sentinel.db'), 'SQLite format 3\0 but not really: a torn copy of a backup'.repeat(200));
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY }, { stateDir });
  t.after(() => d.kill());
  await waitFor(async () => (await d.metric(`telephony_api_up${A}`)) === 1, 'a good poll');
  assert.ok(d.logs().some((l) => l.level === 'error' && /^state database is corrupt or unreadable; set aside, starting with no history: the alerts that were firing fire again under new ids/.test(l.msg)), d.stderr.slice(-2000));
  const aside = readdirSync(stateDir).find((f) => f.startsWith('wallet-sentinel.db.corrupt-'));
  assert.ok(aside, 'set aside');
  assert.match(readFileSync(join(stateDir, aside), 'utf8'), /a torn copy/, 'kept as it was, for inspection');
  await waitFor(async () => sampleCount((await savedAccount(stateDir, 'default')).history.samples) > 0, 'a fresh database with the new poll');
});

test('a metrics port already in use: a clear error and exit 1, not a hang', async (t) => {
  const sim = new Simulator({ apiKey: KEY });
  await sim.start();
  t.after(() => sim.close());
  const port = new URL(sim.url).port;
  const r = await runCli(['start'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, METRICS_HOST: '127.0.0.1', METRICS_PORT: port, STATE_DIR: tempDir() });
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`METRICS_PORT ${port} on 127.0.0.1 is already in use`), r.stderr);
});

test('SIGTERM while a client holds half a request open: the stop cuts it after its grace and exits 0', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY });
  t.after(() => d.kill());
  const socket = connect(d.port, '127.0.0.1');
  t.after(() => socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write('GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // no blank line: the request never ends
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const code = await Promise.race([d.stop(), new Promise<string>((resolve) => setTimeout(() => resolve('still running after 30 s'), 30_000).unref())]);
  assert.equal(code, 0);
  await closed;
});

test('killed (-9) the moment its page reached the receiver: the restart knows the alert, resends it under the same id and resolves that id (it fired again under a new one, the first never resolved)', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 100 });
  await sim.start();
  t.after(() => sim.close());
  const stateDir = tempDir('ws-state-');
  const got: Array<{ alertname: string; status: string; id: string }> = [];
  let daemon: Daemon | undefined;
  const receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { alertname: string; status: string; id: string };
      got.push(body);
      if (got.length === 1) daemon?.child.kill('SIGKILL'); // the page is out; the daemon dies before answering can matter
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.after(() => receiver.close());
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, ALERT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, ALERT_RETRY_BASE_DELAY: '1s' };
  daemon = await Daemon.start({ ...env, LOW_BALANCE_THRESHOLD: '200' }, { stateDir });
  t.after(() => daemon?.kill());
  await waitFor(() => got.length >= 1, 'the first page');
  await daemon.exited;
  // restarted with the balance now above its threshold: the alert it knows resolves
  daemon = await Daemon.start({ ...env, LOW_BALANCE_THRESHOLD: '50' }, { stateDir });
  const low = () => got.filter((b) => b.alertname === 'low_balance');
  await waitFor(() => low().some((b) => b.status === 'resolved'), () => `the resolve (got ${JSON.stringify(got)})`);
  assert.deepEqual(new Set(low().map((b) => b.id)).size, 1, `one id throughout: ${JSON.stringify(low())}`);
  assert.equal(low()[0]!.status, 'firing');
});

test('SIGTERM while App.start() runs (held in its STATE_DIR probe): no poll starts, the stop is said, exit 0', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const gate = mkfifo(join(tempDir(), 'gate'));
  const d = Daemon.spawn({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, LOG_LEVEL: 'info', WS_TEST_HOLD_FIFO: gate }, { nodeArgs: ['--import', join(import.meta.dirname, '../helpers/hold-probe.mjs')] });
  t.after(() => d.kill());
  // not a test of timing: the daemon cannot get past its probe before the gate is written, and the signal is sent first
  const fd = await fifoWriter(gate, 'the daemon held in App.start()');
  d.child.kill('SIGTERM');
  release(fd, 'go');
  assert.equal(await d.exit(), 0, d.stderr);
  assert.equal(sim.requests.length, 0, `nothing polled after the signal:\n${d.stderr}`);
  const msgs = d.logs().map((l) => l.msg);
  assert.ok(!msgs.includes('wallet-sentinel started'), d.stderr);
  assert.ok(d.logs().some((l) => l.msg === 'stop asked during start-up: nothing is polled' && l.signal === 'SIGTERM'), d.stderr);
  assert.ok(d.logs().some((l) => l.msg === 'stopping' && l.signal === 'SIGTERM'), d.stderr);
  assert.ok(msgs.includes('wallet-sentinel stopped'), d.stderr);
});

test('SIGTERM or SIGINT while the program still loads (reading WALLETS_FILE): remembered, then the stop is said and it exits 0, nothing polled', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const dir = tempDir();
  const wallets = readFileSync(writeWalletsFile({ file: join(dir, 'wallets.yaml'), keyDir: join(dir, 'keys'), apiUrl: sim.url, wallets: [{ name: 'default', path: '/v1/wallet/balance', apiKey: KEY }] }), 'utf8');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const file = mkfifo(join(tempDir(), 'wallets.yaml'));
    const d = Daemon.spawn({ WALLETS_FILE: file, LOG_LEVEL: 'info' });
    t.after(() => d.kill());
    // not a test of timing: the settings (and so run.ts's stop) wait for the file, and the signal comes first
    const fd = await fifoWriter(file, 'the daemon reading WALLETS_FILE');
    d.child.kill(signal);
    release(fd, wallets);
    assert.equal(await d.exit(), 0, `${signal}: ${d.stderr}`);
    assert.ok(d.logs().some((l) => l.msg === 'stop asked during start-up: nothing is polled' && l.signal === signal), d.stderr);
    assert.ok(d.logs().some((l) => l.msg === 'stopping' && l.signal === signal), d.stderr);
    assert.ok(d.logs().some((l) => l.msg === 'wallet-sentinel stopped'), d.stderr);
    assert.ok(!d.logs().some((l) => l.msg === 'wallet-sentinel started'), d.stderr);
  }
  assert.equal(sim.requests.length, 0, 'nothing polled');
});

test('check and backtest are not held by the daemon\'s early catch: SIGTERM while they read their input ends them', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const dir = tempDir();
  const runs = [
    { args: ['check'], input: mkfifo(join(dir, 'key')), text: `${KEY}\n`, env: { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY_FILE: join(dir, 'key') } },
    { args: ['backtest', join(dir, 'history.csv')], input: mkfifo(join(dir, 'history.csv')), text: 'timestamp,balance\n1700000000,100\n', env: {} },
  ];
  for (const run of runs) {
    const child = spawn(process.execPath, [CLI, ...run.args], { cwd: dir, env: baseEnv({ STATE_DIR: join(dir, 'state'), ...run.env }), stdio: 'ignore' });
    t.after(() => child.kill('SIGKILL'));
    const ended = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const fd = await fifoWriter(run.input, `${run.args[0]} reading its input`);
    child.kill('SIGTERM');
    release(fd, run.text);
    assert.equal(await ended, 'SIGTERM', run.args[0]);
  }
  assert.equal(sim.requests.length, 0, 'check never polled');
});

test('SIGTERM while a poll waits on an upstream that drips its answer: that attempt may run out, no retry is sent after the signal, exit 0', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  sim.setOverride({ drip: { intervalMs: 300 } }); // headers, then a space every 300 ms: never a whole answer
  await sim.start();
  t.after(() => sim.close());
  // A yearly schedule: the next slot is far, so nothing but the stop keeps the poll from retrying.
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, REQUEST_TIMEOUT_MS: '2000', POLL_SCHEDULE: '0 0 1 1 *', LOG_LEVEL: 'info' });
  t.after(() => d.kill());
  await waitFor(() => sim.requests.length === 1, 'the first attempt, dripping');
  const signalledAt = Date.now();
  assert.equal(await d.stop('SIGTERM'), 0, d.stderr);
  assert.deepEqual(sim.requests.filter((r) => r.at >= signalledAt).map((r) => r.served), [], 'no attempt after SIGTERM');
  assert.ok(d.logs().some((l) => l.msg === 'wallet-sentinel stopped'), d.stderr);
});
