/** `wallet-sentinel backtest`: the CLI on CSV and Prometheus input, and the same alerts as the live daemon. */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { savedAccount } from '../helpers/state.js';
import { baseEnv, CLI, Daemon, runCli, tempDir, waitFor } from '../helpers/daemon.js';
import { WebhookReceiver } from '../helpers/receivers.js';
import { samplesToPlain } from '../../src/domain/packed.js';
import { PROVIDER_CASES, startProviderSim, writeProviderWallets } from '../helpers/providers.js';

const T0 = Date.parse('2026-11-02T00:00:00Z') / 1000;
/** 6 h at one sample a minute: 500 credits falling 1/min, a top-up of 400 at minute 300. */
function history(): Array<[number, number]> {
  const rows: Array<[number, number]> = [];
  for (let m = 0; m <= 360; m++) rows.push([T0 + m * 60, 500 - m + (m >= 300 ? 400 : 0)]);
  return rows;
}
const ENV = { LOW_BALANCE_THRESHOLD: '300', CRITICAL_BALANCE_THRESHOLD: '250', RUNWAY_WARNING_HOURS: '0', RUNWAY_CRITICAL_HOURS: '0' };

test('backtest replays a CSV: one contract JSON line per notification on stdout, in simulated time, no API key', async () => {
  const dir = tempDir();
  const file = join(dir, 'history.csv');
  writeFileSync(file, `timestamp,balance\n${history().map(([t, b]) => `${new Date(t * 1000).toISOString()},${b}`).join('\n')}\n`);
  const r = await runCli(['backtest', file], ENV);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const seen = lines.map((l) => `${String(l.alertname)}:${String(l.status)}:${String(l.severity)}`);
  assert.deepEqual(seen, ['low_balance:firing:warning', 'low_balance:firing:critical', 'low_balance:resolved:critical']);
  // below 300 at minute 201, below 250 at minute 251, back above 300 × 1.05 at the top-up (minute 300)
  assert.equal(lines[0]!.starts_at, new Date((T0 + 201 * 60) * 1000).toISOString().replace('.000', ''));
  assert.equal(lines[0]!.sent_at, lines[0]!.starts_at);
  assert.equal(lines[1]!.sent_at, new Date((T0 + 251 * 60) * 1000).toISOString().replace('.000', ''));
  assert.equal(lines[2]!.sent_at, new Date((T0 + 300 * 60) * 1000).toISOString().replace('.000', ''));
  assert.equal(new Set(lines.map((l) => l.id)).size, 1, 'one alert instance');
  assert.match(r.stderr, /backtest done/, 'the summary goes to stderr');

  // the same history as Prometheus query_range JSON (unix seconds) gives the same notifications
  const prom = join(dir, 'range.json');
  writeFileSync(prom, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { account: 'default' }, values: history().map(([t, b]) => [t, String(b)]) }] } }));
  const r2 = await runCli(['backtest', prom], ENV);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(r2.stdout, r.stdout);
  // a series that carries the balance gauge's currency label: the notifications name it, as the live ones did
  writeFileSync(prom, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { account: 'default', currency: 'EUR' }, values: history().map(([t, b]) => [t, String(b)]) }] } }));
  const r3 = await runCli(['backtest', prom], ENV);
  assert.equal(r3.code, 0, r3.stderr);
  const eur = r3.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(eur.map((l) => l.currency), ['EUR', 'EUR', 'EUR']);
  assert.deepEqual(lines.map((l) => l.currency), [null, null, null], 'a CSV names no currency');
});

test("backtest - reads the history from standard input (`curl … | wallet-sentinel backtest -`): a file named '-' was not found", () => {
  const csv = `timestamp,balance\n${history().map(([t, b]) => `${new Date(t * 1000).toISOString()},${b}`).join('\n')}\n`;
  const r = spawnSync(process.execPath, [CLI, 'backtest', '-'], { input: csv, cwd: tempDir(), env: baseEnv(ENV), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { alertname: string }).alertname), ['low_balance', 'low_balance', 'low_balance']);
});

test('backtest into a pipe read late gets every line: the exit waits for stdout (it dropped all past the pipe\'s 64 KiB)', async () => {
  const dir = tempDir();
  const file = join(dir, 'sixty-days.csv');
  // 60 days at one reading per 5 min under a low-balance threshold: 360 notifications, ~200 kB of JSON lines
  writeFileSync(file, `timestamp,balance\n${Array.from({ length: 60 * 288 }, (_, i) => `${1_700_000_000 + i * 300},${(90 - i * 0.001).toFixed(2)}`).join('\n')}\n`);
  const child = spawn(process.execPath, [CLI, 'backtest', file], { env: { PATH: process.env.PATH, LOW_BALANCE_THRESHOLD: '100' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.stdout.pause(); // nobody reads stdout until the replay is done and the process would have exited
  let err = '';
  await new Promise<void>((resolve) => child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d).includes('backtest done') && resolve()));
  // Before the fix it exited here, at once, with its lines unread; now it waits for its reader (the deadline only bounds the wait).
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  let out = '';
  const read = new Promise((resolve) => child.stdout.once('close', resolve));
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stdout.resume();
  assert.equal(await exited, 0);
  await read;
  const lines = out.trim().split('\n');
  assert.ok(out.length > 128 * 1024, `more than two pipe buffers of output (${out.length} bytes)`);
  assert.equal(lines.length, 360);
  for (const l of lines) JSON.parse(l);
});

test("backtest with the daemon's wallets file: the first wallet's rules, its key files, its receivers' and the environment's channel secret files left unread (none is mounted on a laptop)", async () => {
  const dir = tempDir();
  const file = join(dir, 'history.csv');
  writeFileSync(file, `timestamp,balance\n${history().map(([t, b]) => `${new Date(t * 1000).toISOString()},${b}`).join('\n')}\n`);
  const wallets = join(dir, 'wallets.yaml');
  const missing = join(dir, 'not-mounted');
  writeFileSync(
    wallets,
    `receivers:
  oncall:
    slack: [{url_file: ${missing}/slack}]
    pagerduty: [{routing_key_file: ${missing}/pd}]
wallets:
  - {name: acme, receivers: [oncall], api_key_file: ${missing}/key, low_balance_threshold: 300, critical_balance_threshold: 250, runway_warning_hours: 0, runway_critical_hours: 0}
  - {name: vonage-eu, provider: vonage, credentials: {api_key_file: ${missing}/vk, api_secret_file: ${missing}/vs}}
`,
  );
  // nor the environment's channel secrets and CA file, which the daemon's unit or .env may point at
  const channelEnv = { SMTP_URL_FILE: `${missing}/smtp`, SMTP_CA_FILE: `${missing}/ca.pem`, ALERT_EMAIL_FROM: 'sentinel@example.com', ALERT_EMAIL_TO: 'ops@example.com', ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/hook', ALERT_WEBHOOK_SECRET_FILE: `${missing}/whsec`, ALERT_PAGERDUTY_ROUTING_KEY_FILE: `${missing}/pd-key` };
  const r = await runCli(['backtest', file], { WALLETS_FILE: wallets, ...channelEnv });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => `${String(l.account)}:${String(l.alertname)}:${String(l.severity)}`), ['acme:low_balance:warning', 'acme:low_balance:critical', 'acme:low_balance:critical']);
});

/**
 * Node's module hooks, registered in the CLI's process (NODE_OPTIONS=--import): every package under
 * node_modules it loads is written to stderr, one line each.
 */
function packageLog(dir: string): string {
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
  if (m) writeSync(2, 'package-loaded ' + m[1] + '\\n');
  return r;
}
`,
  );
  // A package loaded with require() (CommonJS, or createRequire) does not pass the hooks above on Node 20.
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import Module, { register } from 'node:module';
import { writeSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(hooks).href)});
const load = Module._load;
Module._load = function (request, ...rest) {
  const m = /^((?:@[^/]+\\/)?[^./][^/]*)/.exec(request);
  if (m && !request.startsWith('node:')) writeSync(2, 'package-loaded ' + m[1] + '\\n');
  return load.call(this, request, ...rest);
};
`,
  );
  return `--import ${register}`;
}

test('backtest starts without the HTTP clients, the mailer, the store, the metrics or the YAML parser: it sends nothing and reads no wallets file', async () => {
  const dir = tempDir();
  const file = join(dir, 'history.csv');
  writeFileSync(file, `timestamp,balance\n${history().map(([t, b]) => `${new Date(t * 1000).toISOString()},${b}`).join('\n')}\n`);
  const r = await runCli(['backtest', file], { ...ENV, NODE_OPTIONS: packageLog(dir) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 3, 'the same three notifications as without the hooks');
  const loaded = new Set([...r.stderr.matchAll(/^package-loaded (\S+)$/gm)].map((m) => m[1]!));
  assert.ok(loaded.has('zod') && loaded.has('pino') && loaded.has('sonic-boom'), `the hooks see the packages it does load, imported and required (saw: ${[...loaded].join(', ')})`);
  for (const heavy of ['axios', 'nodemailer', 'better-sqlite3', 'prom-client', 'yaml']) assert.ok(!loaded.has(heavy), `${heavy} loaded by backtest (saw: ${[...loaded].join(', ')})`);
});

test('backtest: bad input is a clear error with the line, never a crash', async () => {
  const dir = tempDir();
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'timestamp,balance\n2026-11-02T00:00:00Z,10\n2026-11-02T00:01:00Z,ten\n');
  const r = await runCli(['backtest', bad], {});
  assert.equal(r.code, 65);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /line 3/);
  const missing = await runCli(['backtest', join(dir, 'nope.csv')], {});
  assert.equal(missing.code, 66);
  const usage = await runCli(['backtest'], {});
  assert.equal(usage.code, 64);
  // A file past what can be read into memory says so (sparse: it takes no disk)
  const huge = join(dir, 'huge.csv');
  writeFileSync(huge, '');
  truncateSync(huge, 300 * 2 ** 20);
  const big = await runCli(['backtest', huge], {});
  assert.equal(big.code, 65);
  assert.match(big.stderr, /the history file is too large \(over 256 MiB/);
});

test('backtest reads a pipe to its end, and a device that has no end only up to the size bound (it read /dev/zero until memory ran out)', async () => {
  const dir = tempDir();
  const file = join(dir, 'history.csv');
  writeFileSync(file, `timestamp,balance\n${history().map(([t, b]) => `${t},${b}`).join('\n')}\n`);
  const fifo = join(dir, 'history.fifo'); // as `backtest <(curl …)` gives it
  execFileSync('mkfifo', [fifo]);
  const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', file, fifo], { stdio: 'ignore' });
  const piped = await runCli(['backtest', fifo], ENV);
  writer.kill();
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout.trim().split('\n').length, 3, 'the three notifications of the history, read from a pipe');

  const zero = await runCli(['backtest', '/dev/zero'], {});
  assert.equal(zero.code, 65, zero.stderr);
  assert.equal(zero.stdout, '');
  assert.match(zero.stderr, /the history file is too large \(over 256 MiB/);
});

for (const c of [
  {
    name: 'a timestamp past the range of Date after rows that notify (was: RangeError, exit 1, after printing)',
    last: '100000000000000',
    message: /line 363: timestamp 100000000000000 looks like milliseconds .*give unix seconds or ISO-8601/,
  },
  {
    name: 'millisecond timestamps (were: accepted, nothing notified)',
    last: `${(T0 + 361 * 60) * 1000}`,
    message: new RegExp(`line 363: timestamp ${(T0 + 361 * 60) * 1000} looks like milliseconds`),
  },
  { name: 'a subnormal balance', last: `${T0 + 361 * 60}`, balance: '1e-320', message: /line 363: balance \\?"1e-320\\?" is too close to 0/ },
]) {
  test(`backtest: ${c.name} → exit 65 naming the line, nothing on stdout`, async () => {
    const file = join(tempDir(), 'history.csv');
    // the rows before the bad one would notify (low_balance start, escalation, resolve): none may be printed
    const rows = history().map(([t, b]) => `${t},${b}`);
    writeFileSync(file, `timestamp,balance\n${rows.join('\n')}\n${c.last},${c.balance ?? '42'}\n`);
    const r = await runCli(['backtest', file], ENV);
    assert.equal(r.code, 65, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, c.message);
    assert.doesNotMatch(r.stderr, /RangeError|crashed/);
  });
}

test('backtest: millisecond timestamps throughout are refused at the first row', async () => {
  const file = join(tempDir(), 'ms.csv');
  writeFileSync(file, `timestamp,balance\n${history().map(([t, b]) => `${t * 1000},${b}`).join('\n')}\n`);
  const r = await runCli(['backtest', file], ENV);
  assert.equal(r.code, 65, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`line 2: timestamp ${T0 * 1000} looks like milliseconds`));
});

test('the live daemon and backtest send the same webhook bodies for the same samples: a Twilio wallet with labels, its words, provider and labels', async (t) => {
  // Not Telephony.io, and labelled: backtest printed provider telephony-io, labels {} and Telephony.io's words.
  const twilio = PROVIDER_CASES.find((c) => c.name === 'twilio')!;
  // 5 credits/s: about 20 s from 150 to 40 (low_balance critical), time for a depletion_forecast to fire
  // first even when a loaded machine starts the daemon late (it needs 10 s of samples).
  const sim = await startProviderSim([twilio], 150, { burnPerHour: 18_000 });
  t.after(() => sim.close());
  const hook = new WebhookReceiver();
  await hook.start();
  t.after(() => hook.close());
  const wallets = writeProviderWallets(tempDir(), sim.url, [twilio], ['low_balance_threshold: 100', 'critical_balance_threshold: 40', 'labels: {team: voice, env: prod}']);
  const daemon = await Daemon.start({ WALLETS_FILE: wallets, ALERT_WEBHOOK_URL: hook.url });
  t.after(() => daemon.kill());
  const fired = (name: string) => hook.bodies().some((b) => b.alertname === name && b.severity === 'critical');
  await waitFor(() => fired('low_balance') && fired('depletion_forecast'), () => `low_balance and depletion_forecast critical: ${hook.bodies().map((b) => `${String(b.alertname)}:${String(b.status)}`).join(', ')}`, 60_000);
  sim.setBurnPerHour(0);
  sim.topUp(10_000_000); // enough to lift the runway past 72 h even at the burn rate the last hour shows
  await waitFor(() => hook.bodies().filter((b) => b.status === 'resolved').length === new Set(hook.bodies().map((b) => b.id)).size, 'every alert resolved', 30_000);
  assert.equal(await daemon.stop(), 0);

  // What the daemon observed (all raw: the run is shorter than an hour) → the query_range answer its Prometheus
  // would give (the currency label the balance gauge carries) → backtest with the same wallets file.
  const saved = await savedAccount(daemon.stateDir, 'twilio');
  const range = join(tempDir(), 'observed.json');
  const values = samplesToPlain(saved.history.samples).map((s) => [s.t / 1000, String(s.balance)]);
  writeFileSync(range, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { account: 'twilio', currency: 'USD' }, values }] } }));
  const r = await runCli(['backtest', range], { WALLETS_FILE: wallets });
  assert.equal(r.code, 0, r.stderr);
  // Whole bodies, but sent_at: the daemon's is the attempt's (wall clock), backtest's the decision's (simulated).
  const body = ({ sent_at: _sent, ...b }: Record<string, unknown>) => b;
  const replayed = r.stdout.trim().split('\n').map((l) => body(JSON.parse(l) as Record<string, unknown>));
  const live = hook.bodies().map(body);
  assert.ok(live.length >= 4, `enough alerts to compare: ${live.map((b) => `${String(b.alertname)}:${String(b.status)}`).join(', ')}`);
  assert.deepEqual(live[0]!.labels, { team: 'voice', env: 'prod' });
  assert.equal(live[0]!.provider, 'twilio');
  assert.match(String(live[0]!.summary), /Twilio/);
  assert.deepEqual(replayed, live);
});

test("backtest of a Prometheus series with WALLETS_FILE replays it under the rules of the wallet its account label names, not the first wallet's; a label naming none is said", async () => {
  const dir = tempDir();
  const wallets = join(dir, 'wallets.yaml');
  writeFileSync(
    wallets,
    `wallets:
  - {name: voice, api_key: k1, low_balance_threshold: 1000, critical_balance_threshold: 900, runway_warning_hours: 0, runway_critical_hours: 0}
  - {name: shop, api_key: k2, low_balance_threshold: 5, critical_balance_threshold: 1, runway_warning_hours: 0, runway_critical_hours: 0}
`,
  );
  const series = (account: string) => {
    const file = join(dir, `${account}.json`);
    const values = Array.from({ length: 11 }, (_, i) => [1_700_000_000 + 60 * i, String(500 - i)]);
    writeFileSync(file, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { account }, values }] } }));
    return file;
  };
  const shop = await runCli(['backtest', series('shop')], { WALLETS_FILE: wallets });
  assert.equal(shop.code, 0, shop.stderr);
  assert.equal(shop.stdout, '', "500 credits are far above shop's thresholds: voice's (1000) fired for it");
  const other = await runCli(['backtest', series('gone')], { WALLETS_FILE: wallets });
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stderr, /names no wallet of WALLETS_FILE: replayed with the rules of its first wallet, 'voice'/);
  assert.deepEqual(new Set(other.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { account: string }).account)), new Set(['voice']));
});
