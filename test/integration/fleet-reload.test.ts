/**
 * WALLETS_FILE reloads on SIGHUP (added, removed, changed, unchanged, invalid) and SHARD_COUNT/SHARD_INDEX
 * splitting one file between processes: the real daemon over real sockets.
 */
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Daemon, runCli, tempDir, waitFor, type StatusDoc } from '../helpers/daemon.js';
import { BlackHole, WebhookReceiver } from '../helpers/receivers.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';
import { shardOf } from '../../src/fleet/shard.js';
import { RECENT_WRITE_MS } from '../../src/config/settled.js';

type Account = Omit<StatusDoc['accounts'][number], 'alerts'> & { alerts: Array<{ alertname: string; severity: string; id?: string }> };
async function accounts(d: Daemon): Promise<Map<string, Account>> {
  const doc = JSON.parse((await d.get('/api/status')).text) as { accounts: Account[] };
  return new Map(doc.accounts.map((a) => [a.account, a]));
}
const seriesOf = (page: string, account: string) => page.split('\n').filter((l) => l.includes(`account="${account}"`));

/**
 * Waits until the daemon is blocked opening the FIFO at `path` (a non-blocking open for writing succeeds
 * only then), runs `during`, then gives it `text`.
 */
async function feedFifo(path: string, what: string, text: string, during?: () => void): Promise<void> {
  const fd = await waitFor(() => {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      return undefined;
    }
  }, what);
  during?.();
  writeSync(fd, text);
  closeSync(fd);
}

test('SIGHUP: added wallets polled, removed ones leave /metrics, changed rules keep history and alerts, unchanged ones untouched; an invalid file changes nothing', async (t) => {
  const up = new WalletsUpstream();
  for (const n of ['keep', 'gone', 'rules', 'new']) up.add(n, 100);
  await up.start();
  t.after(() => up.close());
  const dir = tempDir('ws-reload-');
  const file = writeWalletsFile(dir, up, ['keep', 'gone', 'rules'], { rules: ['low_balance_threshold: 150'], gone: ['labels: {team: old}'] });
  const daemon = await Daemon.start({ WALLETS_FILE: file, LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());

  await waitFor(async () => (await accounts(daemon)).get('rules')?.alerts.some((a) => a.alertname === 'low_balance'), 'low_balance firing on `rules`');
  await waitFor(async () => ((await daemon.metric('telephony_api_requests_total{account="rules",code="200"}')) ?? 0) >= 6, 'a few polls');
  const before = await accounts(daemon);
  const keepRequests = (await daemon.metric('telephony_api_requests_total{account="keep",code="200"}'))!;
  const rulesRequests = (await daemon.metric('telephony_api_requests_total{account="rules",code="200"}'))!;
  const alertId = before.get('rules')!.alerts.find((a) => a.alertname === 'low_balance')!.id;
  assert.ok(seriesOf((await daemon.get('/metrics')).text, 'gone').length > 5);

  // remove `gone`, add `new`, change only the rules of `rules` (still above the balance: the alert goes on)
  writeWalletsFile(dir, up, ['keep', 'rules', 'new'], { rules: ['low_balance_threshold: 120'] });
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.logs().find((l) => l.msg === 'wallets reloaded'), 'the reload');
  const reloaded = daemon.logs().find((l) => l.msg === 'wallets reloaded')!;
  assert.deepEqual([reloaded.added, reloaded.removed, reloaded.changed, reloaded.unchanged], [1, 1, 1, 1]);

  await waitFor(async () => (await daemon.metric('telephony_wallet_balance_credits{account="new",currency="USD"}')) === 100, '`new` polled and on /metrics');
  const page = (await daemon.get('/metrics')).text;
  assert.deepEqual(seriesOf(page, 'gone'), [], 'every series of the removed wallet left /metrics');
  assert.ok(!page.includes('team="old"'), 'its info series too');
  assert.equal(/^wallet_sentinel_wallets (\d+)$/m.exec(page)?.[1], '3');
  const after = await accounts(daemon);
  assert.deepEqual([...after.keys()].sort(), ['keep', 'new', 'rules']);
  // counters go on from where they were (a wallet started afresh would count from 0 again)
  assert.ok((await daemon.metric('telephony_api_requests_total{account="keep",code="200"}'))! >= keepRequests, 'the unchanged wallet kept counting');
  assert.ok((await daemon.metric('telephony_api_requests_total{account="rules",code="200"}'))! >= rulesRequests, 'the changed wallet kept counting');
  assert.ok(after.get('keep')!.samples >= before.get('keep')!.samples, 'the unchanged wallet kept its history');
  assert.ok(after.get('rules')!.samples >= before.get('rules')!.samples, 'the changed wallet kept its history');
  assert.equal(after.get('rules')!.alerts.find((a) => a.alertname === 'low_balance')?.id, alertId, 'the same alert goes on (no resolve + new alert)');
  const requestsOfGone = up.requestsOf('gone');

  // an invalid file: the running set stays, the gauge says so, the log says why
  writeFileSync(file, 'wallets:\n  - name: keep\n    api_key_file: /nonexistent/key\n    colour: red\n');
  daemon.child.kill('SIGHUP');
  await waitFor(async () => (await daemon.metric('wallet_sentinel_config_last_reload_successful')) === 0, 'the failed reload on /metrics');
  const failed = daemon.logs().find((l) => l.msg.startsWith('reload failed'))!;
  assert.match(failed.msg, /wallet 'keep' \(#1\): unknown key 'colour'/);
  assert.match(failed.msg, /api_key_file: cannot read the file it names \(the name is not shown: it may be the secret itself\): ENOENT/);
  assert.deepEqual([...(await accounts(daemon)).keys()].sort(), ['keep', 'new', 'rules']);
  const newRequests = up.requestsOf('new');
  await waitFor(() => up.requestsOf('new') >= newRequests + 2, 'the running set still polled');
  assert.equal(up.requestsOf('gone'), requestsOfGone, 'the removed wallet is not polled any more');

  // fixed: back to 1
  writeWalletsFile(dir, up, ['keep']);
  daemon.child.kill('SIGHUP');
  await waitFor(async () => (await daemon.metric('wallet_sentinel_config_last_reload_successful')) === 1, 'a good reload');
  await waitFor(async () => (await accounts(daemon)).size === 1, 'one wallet left');
  assert.equal(await daemon.stop(), 0);
});

test('a reload that points a wallet at another balance (another account\'s path and key): its history starts again, the step between the two is no spend, no forecast alert; a rotated key alone keeps the history', async (t) => {
  const up = new WalletsUpstream();
  up.add('main', 5000, 1);
  up.add('other', 20, 0.01);
  await up.start();
  t.after(() => up.close());
  const dir = tempDir('ws-reload-');
  const file = writeWalletsFile(dir, up, ['main', 'other']);
  const daemon = await Daemon.start({ WALLETS_FILE: file, LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());
  await waitFor(async () => ((await accounts(daemon)).get('main')?.samples ?? 0) >= 4, 'a little history of `main`');

  // the key of `main` rotated (another file, another key, the same balance): history kept
  up.wallets.get('main')!.key = 'key-main-ROTATED';
  writeFileSync(join(dir, 'keys', 'main'), 'key-main-ROTATED\n');
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.logs().some((l) => l.msg === 'wallets reloaded'), 'the first reload');
  const kept = (await accounts(daemon)).get('main')!.samples;
  assert.ok(kept >= 4, `history kept: ${kept} samples`);
  const spent = (await daemon.metric('telephony_wallet_consumed_credits_total{account="main"}'))!;

  // `main` now reads the account of `other`
  writeFileSync(file, readFileSync(file, 'utf8').replace('balance_path: /w/main/balance', 'balance_path: /w/other/balance').replace(join(dir, 'keys', 'main'), join(dir, 'keys', 'other')));
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.logs().filter((l) => l.msg === 'wallets reloaded').length === 2, 'the second reload');
  await waitFor(async () => {
    const a = (await accounts(daemon)).get('main');
    return a !== undefined && a.balance !== null && a.balance < 100 && a.samples >= 2;
  }, '`main` polled twice at its new balance');
  const main = (await accounts(daemon)).get('main')!;
  assert.ok(main.samples < kept, `history started again: ${main.samples} samples`);
  assert.deepEqual(main.alerts.filter((a) => a.alertname === 'depletion_forecast'), [], 'no forecast alert from the step');
  const now = (await daemon.metric('telephony_wallet_consumed_credits_total{account="main"}'))!;
  assert.ok(now - spent < 100, `the step of ~4,980 credits is no spend: the counter moved by ${now - spent}`);
  assert.ok(daemon.logs().some((l) => l.msg.startsWith('the wallet now reads another balance')), 'said in the log');
  assert.equal(await daemon.stop(), 0);
});

test('a SIGHUP while the daemon stops (a send still in flight holds it) is ignored: no wallets loaded that would never be polled, none resolved on the way out', async (t) => {
  const up = new WalletsUpstream();
  for (const n of ['main', 'new']) up.add(n, 100);
  await up.start();
  t.after(() => up.close());
  const hole = new BlackHole();
  await hole.start();
  t.after(() => hole.close());
  const dir = tempDir('ws-reload-');
  const file = writeWalletsFile(dir, up, ['main'], { main: ['low_balance_threshold: 150'] });
  const daemon = await Daemon.start({ WALLETS_FILE: file, ALERT_WEBHOOK_URL: hole.url, LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());
  await waitFor(() => hole.connections > 0, 'the firing sent, never answered');
  daemon.child.kill('SIGTERM');
  await waitFor(() => daemon.logs().some((l) => l.msg === 'stopping'), 'stopping');
  writeWalletsFile(dir, up, ['new']);
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.logs().some((l) => l.msg === 'SIGHUP while stopping: ignored'), 'the SIGHUP said ignored');
  await daemon.exited;
  assert.ok(!daemon.logs().some((l) => l.msg === 'wallets reloaded'), 'no reload while stopping: ' + JSON.stringify(daemon.logs().map((l) => l.msg)));
  assert.equal(up.requestsOf('new'), 0);
});

test('SIGHUP while start-up still reads the wallets file: the daemon lives on and reads the file again once started', async (t) => {
  const up = new WalletsUpstream();
  for (const n of ['a', 'b']) up.add(n, 100);
  await up.start();
  t.after(() => up.close());
  const dir = tempDir('ws-early-hup-');
  const first = readFileSync(writeWalletsFile(dir, up, ['a'], {}, 'first.yaml'), 'utf8');
  const second = readFileSync(writeWalletsFile(dir, up, ['a', 'b'], {}, 'second.yaml'), 'utf8');
  // A FIFO holds start-up inside its read of the file for as long as the test needs.
  const fifo = join(dir, 'wallets.yaml');
  execFileSync('mkfifo', [fifo]);
  const serve = (text: string, first?: () => void) => feedFifo(fifo, 'the daemon reading the wallets file', text, first);
  let child: ChildProcess | undefined;
  const starting = Daemon.start({ WALLETS_FILE: fifo, LOG_LEVEL: 'info' }, { onSpawn: (c) => (child = c) });
  starting.catch(() => undefined);
  // not a test of timing: the daemon cannot get past its read before the text is written
  await serve(first, () => child!.kill('SIGHUP'));
  // Started (the log line is written before the reload reads): the first read is over, so the second
  // text cannot join it in one read of the FIFO.
  const daemon = await starting;
  t.after(() => daemon.kill());
  await serve(second); // read by the reload asked for during start-up
  await waitFor(() => daemon.logs().find((l) => l.msg === 'wallets reloaded'), 'the reload asked for during start-up');
  const reloaded = daemon.logs().find((l) => l.msg === 'wallets reloaded')!;
  assert.deepEqual([reloaded.added, reloaded.wallets], [1, 2]);
  await waitFor(async () => (await daemon.metric('telephony_wallet_balance_credits{account="b",currency="USD"}')) === 100, '`b` polled');
  assert.equal(await daemon.stop(), 0);
});

test('a SIGHUP while the program is still loading (before its settings are read) does not end the daemon: it reloads once started', async (t) => {
  const up = new WalletsUpstream();
  up.add('a', 100);
  await up.start();
  t.after(() => up.close());
  const dir = tempDir('ws-loading-hup-');
  const file = writeWalletsFile(dir, up, ['a']);
  // Loading stretched as on a busy host: SIGHUP's default action ended the process (exit 129) until the
  // listener was installed, which came after every module of the program had loaded.
  const slow = join(import.meta.dirname, '../helpers/slow-load.mjs');
  let child: ChildProcess | undefined;
  const starting = Daemon.start(
    { WALLETS_FILE: file, LOG_LEVEL: 'info', WS_TEST_SLOW_MODULE: '/dist/config/load.js', WS_TEST_SLOW_MODULE_MS: '3000' },
    { nodeArgs: ['--import', slow], onSpawn: (c) => (child = c) },
  );
  starting.catch(() => undefined);
  // SIGHUP once the process catches it (SigCgt, bit 1), or after 2 s, still well inside the held load
  const catches = () => (BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)/m.exec(readFileSync(`/proc/${child!.pid}/status`, 'utf8'))?.[1] ?? '0'}`) & 1n) === 1n;
  const since = Date.now();
  await waitFor(() => catches() || Date.now() - since > 2000, 'SIGHUP caught, or 2 s', 10_000);
  child!.kill('SIGHUP');
  const daemon = await starting;
  t.after(() => daemon.kill());
  await waitFor(() => daemon.logs().find((l) => l.msg === 'reloading WALLETS_FILE as asked during start-up'), 'the reload asked for while loading');
  assert.equal(await daemon.stop(), 0);
});

test('a wallets file written while start-up read it is read again once started (a writer caught mid-write); one older than 2 s is not', async (t) => {
  const up = new WalletsUpstream();
  for (const n of ['a', 'b']) up.add(n, 100);
  await up.start();
  t.after(() => up.close());
  const dir = tempDir('ws-start-write-');
  const whole = readFileSync(writeWalletsFile(dir, up, ['a', 'b'], {}, 'whole.yaml'), 'utf8');
  const file = writeWalletsFile(dir, up, ['a']); // the writer's first part
  // `a`'s key from a FIFO holds start-up after its read of the wallets file, for as long as the test needs.
  const keyFifo = join(dir, 'keys', 'a');
  const older = join(dir, 'older.yaml'); // for the last part: written now, it is old by then
  writeFileSync(older, whole.replace(keyFifo, keyFifo + '-file'));
  unlinkSync(keyFifo);
  execFileSync('mkfifo', [keyFifo]);
  const serveKey = (during?: () => void) => feedFifo(keyFifo, "the daemon reading a's key", `${up.wallets.get('a')!.key}\n`, during);
  const starting = Daemon.start({ WALLETS_FILE: file, LOG_LEVEL: 'info' });
  starting.catch(() => undefined);
  await serveKey(() => writeFileSync(file, whole)); // the writer finishes while start-up reads the first part's keys
  const daemon = await starting;
  t.after(() => daemon.kill());
  await waitFor(() => daemon.logs().some((l) => /WALLETS_FILE was modified .* read again once it has stopped changing/.test(l.msg)), 'the reason for the reload');
  await serveKey(); // read by that reload
  const reloaded = await waitFor(() => daemon.logs().find((l) => l.msg === 'wallets reloaded'), 'the reload of a file written at start');
  assert.deepEqual([reloaded.added, reloaded.wallets], [1, 2]);
  await waitFor(async () => (await daemon.metric('telephony_wallet_balance_credits{account="b",currency="USD"}')) === 100, '`b` polled');
  assert.equal(await daemon.stop(), 0);

  // The same file, written more than 2 s before start (its ctime too: a writer can set the mtime back, not the ctime): read once.
  writeFileSync(keyFifo + '-file', `${up.wallets.get('a')!.key}\n`);
  await waitFor(() => Date.now() - statSync(older).ctimeMs > RECENT_WRITE_MS, 'the file older than 2 s');
  const later = await Daemon.start({ WALLETS_FILE: older, LOG_LEVEL: 'info' });
  t.after(() => later.kill());
  await waitFor(async () => (await later.get('/readyz')).status === 200, 'ready');
  assert.ok(!later.logs().some((l) => /read again|reload/.test(l.msg)), later.stderr);
  assert.equal(await later.stop(), 0);
});

test('a wallets file cut inside a wallet as start-up read it (a writer at work): read again once whole, not exit 78', async (t) => {
  const up = new WalletsUpstream();
  for (const n of ['a', 'b']) up.add(n, 100);
  await up.start();
  t.after(() => up.close());
  const dir = tempDir('ws-start-cut-');
  const whole = readFileSync(writeWalletsFile(dir, up, ['a', 'b']), 'utf8');
  const file = join(dir, 'wallets.yaml');
  const cut = whole.slice(0, whole.lastIndexOf('    api_key_file:')); // `b` without its key: a problem of the file
  writeFileSync(file, cut);
  const keyFifo = join(dir, 'keys', 'a');
  unlinkSync(keyFifo);
  execFileSync('mkfifo', [keyFifo]);
  const key = `${up.wallets.get('a')!.key}\n`;
  const starting = Daemon.start({ WALLETS_FILE: file, LOG_LEVEL: 'info' });
  starting.catch(() => undefined);
  // The writer finishes while start-up reads the cut file's first key; the second read of the file gets that
  // key from the first read (a pipe gives its text once: read again, it timed out and the start exited 78).
  await feedFifo(keyFifo, "the daemon reading a's key", key, () => writeFileSync(file, whole));
  const daemon = await starting;
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.metric('telephony_wallet_balance_credits{account="b",currency="USD"}')) === 100, '`b` polled');
  assert.equal(await daemon.stop(), 0);
});

test('three shard processes over one file watch every wallet exactly once', async (t) => {
  const names = Array.from({ length: 45 }, (_, i) => `tenant-${i}`);
  const up = new WalletsUpstream();
  names.forEach((n, i) => up.add(n, 10 + i));
  await up.start();
  t.after(() => up.close());
  const file = writeWalletsFile(tempDir('ws-shards-'), up, names);
  const shards = await Promise.all([0, 1, 2].map((i) => Daemon.start({ WALLETS_FILE: file, SHARD_COUNT: '3', SHARD_INDEX: String(i), LOG_LEVEL: 'info' })));
  t.after(() => shards.forEach((d) => d.kill()));

  for (const d of shards) await waitFor(async () => (await d.get('/readyz')).status === 200, 'each shard ready');
  const watched = await Promise.all(shards.map(async (d) => [...(await accounts(d)).keys()]));
  for (const w of watched) assert.ok(w.length > 0 && w.length < names.length, `a shard of ${w.length}`);
  assert.deepEqual(watched.flat().sort(), [...names].sort(), 'every wallet exactly once over the three');
  for (const [i, d] of shards.entries()) {
    assert.equal(await d.metric('wallet_sentinel_wallets'), watched[i]!.length);
    const started = d.logs().find((l) => l.msg === 'wallet-sentinel started')!;
    assert.equal(started.shard, `${i}/3`);
    // a shard's /api/status and status page list its own wallets only: they say so, and how many the file has
    const doc = JSON.parse((await d.get('/api/status')).text) as { shard?: unknown };
    assert.deepEqual(doc.shard, { index: i, count: 3, wallets_in_file: names.length });
    const page = (await d.get('/')).text;
    assert.ok(page.includes(`shard ${i + 1} of 3 (<code>SHARD_INDEX=${i}</code>): ${watched[i]!.length} of the ${names.length} wallets of <code>WALLETS_FILE</code>`), 'the status page says which shard it is');
  }
  for (const n of names) assert.ok(up.requestsOf(n) >= 1, `${n} polled`);
});

test('check with WALLETS_FILE checks every wallet; the exit code is the worst of them', async (t) => {
  const up = new WalletsUpstream();
  up.add('fine', 500);
  up.add('low', 20);
  up.add('broken', 10).script.push({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
  await up.start();
  t.after(() => up.close());
  const dir = tempDir('ws-check-');
  const ok = await runCli(['check'], { WALLETS_FILE: writeWalletsFile(dir, up, ['fine', 'low'], { low: ['low_balance_threshold: 50', 'critical_balance_threshold: 25'] }, 'two.yaml'), STATE_DIR: dir });
  assert.equal(ok.code, 2, ok.stderr);
  const doc = JSON.parse(ok.stdout) as StatusDoc;
  assert.deepEqual(doc.accounts.map((a) => [a.account, a.balance]), [['fine', 500], ['low', 20]]);

  const all = await runCli(['check', '--format', 'nagios'], { WALLETS_FILE: writeWalletsFile(dir, up, ['fine', 'broken'], {}, 'three.yaml'), STATE_DIR: dir, REQUEST_TIMEOUT_MS: '1000' });
  assert.equal(all.code, 3, all.stderr);
  const lines = all.stdout.trim().split('\n');
  assert.equal(lines[0], 'WALLET UNKNOWN - 2 wallets: 1 OK, 1 UNKNOWN');
  // The plugin guidelines: long output without perfdata, then the one '|' and every wallet's perfdata,
  // labels quoted with the wallet's name.
  assert.match(lines[1]!, /^WALLET OK - wallet 'fine' balance 500 USD[^|]*$/);
  assert.match(lines[2]!, /^WALLET UNKNOWN - wallet 'broken': poll failed[^|]* \| 'fine balance'=500 'fine runway'=U;259200:;86400:;0 'fine burn_rate'=/);
  assert.match(lines[3]!, /^'broken balance'=U 'broken runway'=U/);
  assert.equal(all.stdout.split('|').length, 2, 'one | in the whole output');
});

test('a bad WALLETS_FILE at start: exit 78, one stderr line per problem naming file, wallet and key, nothing bound', async () => {
  const dir = tempDir('ws-badfile-');
  const file = `${dir}/wallets.yaml`;
  writeFileSync(file, 'wallets:\n  - name: a\n    api_key_file: /nonexistent/a\n  - name: a\n    api_key: k\n    low_balance_treshold: 5\n');
  const r = await runCli(['start'], { WALLETS_FILE: file, STATE_DIR: dir, METRICS_PORT: '0' });
  assert.equal(r.code, 78, r.stderr);
  assert.deepEqual(r.stderr.trim().split('\n'), [
    `config error: WALLETS_FILE: ${file}: wallet 'a' (#1): api_key_file: cannot read the file it names (the name is not shown: it may be the secret itself): ENOENT`,
    `config error: WALLETS_FILE: ${file}: wallet 'a' (#2): unknown key 'low_balance_treshold' (did you mean low_balance_threshold?)`,
    `config error: WALLETS_FILE: ${file}: wallet 'a' (#2): name: 'a' is already the name of wallet #1`,
  ]);
});

test('a wallet removed and added back by two reloads while its poll is still running: the same runner goes on, never two polls at once', async (t) => {
  const up = new WalletsUpstream();
  up.add('keep', 100);
  const slow = up.add('slow', 100);
  await up.start();
  t.after(() => up.close());
  const dir = tempDir('ws-readd-');
  const file = writeWalletsFile(dir, up, ['keep', 'slow']);
  const daemon = await Daemon.start({ WALLETS_FILE: file, LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, 'both polled once');

  slow.delayMs = 3_000; // its next poll hangs for 3 s
  const before = slow.requests.length;
  await waitFor(() => slow.inFlight === 1, 'a poll of `slow` in flight');
  const reloads = () => daemon.logs().filter((l) => l.msg === 'wallets reloaded').length;
  writeWalletsFile(dir, up, ['keep']);
  daemon.child.kill('SIGHUP');
  await waitFor(() => reloads() === 1, 'removed');
  writeWalletsFile(dir, up, ['keep', 'slow']);
  daemon.child.kill('SIGHUP');
  await waitFor(() => reloads() === 2, 'added back');
  slow.delayMs = 0;
  await waitFor(() => slow.requests.length >= before + 3, 'polled again after the slow answer');
  assert.equal(slow.maxInFlight, 1, 'never two polls of the same wallet at once');
  assert.deepEqual((JSON.parse((await daemon.get('/api/status')).text) as { accounts: { account: string }[] }).accounts.map((a) => a.account).sort(), ['keep', 'slow']);
});

/** `keep` and `gone` (low_balance firing at once), a webhook, an Alertmanager stand-in, and the daemon with POLL_SCHEDULE `schedule`. */
async function firingFleet(t: TestContext, schedule: string) {
  const up = new WalletsUpstream();
  up.add('keep', 100);
  const gone = up.add('gone', 100);
  await up.start();
  t.after(() => up.close());
  const hook = new WebhookReceiver();
  await hook.start();
  t.after(() => hook.close());
  const am = new WebhookReceiver();
  await am.start();
  t.after(() => am.close());
  const dir = tempDir('ws-unwatch-');
  const low = { gone: ['low_balance_threshold: 150', 'labels: {team: payments}'] };
  const file = writeWalletsFile(dir, up, ['keep', 'gone'], low);
  const env = { WALLETS_FILE: file, LOG_LEVEL: 'info', ALERT_WEBHOOK_URL: hook.url, ALERTMANAGER_URL: new URL(am.url).origin, POLL_SCHEDULE: schedule };
  const daemon = await Daemon.start(env);
  t.after(() => daemon.kill());
  const of = (status: string) => hook.received.filter((r) => r.body.account === 'gone' && r.body.alertname === 'low_balance' && r.body.status === status);
  const fired = await waitFor(() => of('firing')[0], 'low_balance of `gone` on the webhook');
  const reload = (names: string[], signal = true, labels = 'payments') => {
    writeWalletsFile(dir, up, names, { gone: [low.gone[0]!, `labels: {team: ${labels}}`] });
    if (signal) daemon.child.kill('SIGHUP');
  };
  /** The alerts of `gone` each post to the Alertmanager said, as "<label set> firing|resolved" (resolved: endsAt already past). */
  const amPosts = () =>
    am.received.map((r) =>
      (r.body as unknown as Array<{ labels: Record<string, string>; endsAt: string }>)
        .filter((a) => a.labels.account === 'gone')
        .map((a) => `${JSON.stringify(a.labels)} ${Date.parse(a.endsAt) <= Date.now() ? 'resolved' : 'firing'}`),
    );
  return { daemon, gone, of, fired, reload, env, amPosts, am };
}

test('a firing wallet removed by a reload: its alert closes on the webhook (resolved, "no longer watched"); added back, it fires afresh under a new id', async (t) => {
  // polled once at start, then not for a year: once that poll is committed (/readyz), the removal finds it idle
  const { daemon, of, fired, reload } = await firingFleet(t, '0 0 1 1 *');
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, 'the first polls done');
  reload(['keep']);
  const closed = await waitFor(() => of('resolved')[0], 'its resolve on the webhook');
  assert.equal(closed.body.id, fired.body.id, 'the same alert instance resolves');
  assert.match(String(closed.body.summary), /no longer watched/);
  assert.ok(daemon.logs().some((l) => l.msg === 'alert unwatched' && l.alert === 'low_balance'), 'logged as closed by the removal');

  reload(['keep', 'gone']);
  const again = await waitFor(() => of('firing')[1], 'fired again once added back (polled at once)');
  assert.notEqual(again.body.id, fired.body.id, 'a new alert instance, not the closed one');
  assert.equal(await daemon.stop(), 0);
});

test('a firing wallet removed while the daemon was stopped: the next start closes its alert (resolved, "no longer watched"), once', async (t) => {
  const { daemon, of, fired, reload, env, amPosts } = await firingFleet(t, '0 0 1 1 *');
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, 'the first polls done');
  const labels = await waitFor(() => amPosts().flat().find((p) => p.includes('"low_balance"') && p.includes('"payments"'))?.replace(/ firing$/, ''), 'the alert posted to Alertmanager');
  assert.equal(await daemon.stop(), 0);
  reload(['keep'], false); // the file edited while stopped (a ConfigMap change and a rollout restart)
  // A start that cannot listen (its port taken) exits before sending anything: it used to close the
  // alert first, and would again at every restart of a loop.
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const busy = await runCli(['start'], { ...env, STATE_DIR: daemon.stateDir, METRICS_HOST: '127.0.0.1', METRICS_PORT: String((taken.address() as net.AddressInfo).port) });
  assert.equal(busy.code, 1, busy.stderr);
  assert.match(busy.stderr, /already in use/);
  assert.equal(of('resolved').length, 0, 'nothing sent by a start that could not listen');
  const next = await Daemon.start(env, { stateDir: daemon.stateDir });
  t.after(() => next.kill());
  const closed = await waitFor(() => of('resolved')[0], 'its resolve on the webhook');
  assert.equal(closed.body.id, fired.body.id, 'the alert that fired before the stop');
  assert.match(String(closed.body.summary), /no longer watched/);
  assert.ok(next.logs().some((l) => /wallets no longer watched/.test(l.msg) && l.count === 1));
  // Alertmanager too: the same label set (the wallet's labels kept with its state), ended now, not at its endsAt.
  await waitFor(() => amPosts().at(-1)?.includes(`${labels} resolved`), 'its resolve in Alertmanager');
  assert.equal(await next.stop(), 0);
  const third = await Daemon.start(env, { stateDir: daemon.stateDir });
  t.after(() => third.kill());
  await waitFor(async () => (await third.get('/readyz')).status === 200, 'started again');
  assert.equal(await third.stop(), 0);
  assert.equal(of('resolved').length, 1, 'closed once: a later start has nothing left to close');
});

for (const [relabelled, amDown] of [[false, false], [true, false], [true, true]] as const) {
  const how = !relabelled
    ? 'sends Alertmanager no resolve (the same label set is the new shard\'s to post)'
    : `and relabelled: its old label set, nobody's now, is resolved on Alertmanager too${amDown ? ' (Alertmanager down: one warning line)' : ''}`;
  test(`a firing wallet moved to another shard while the daemon was stopped: its old shard closes it on the webhook, ${how}`, async (t) => {
    const { daemon, of, fired, env, amPosts, reload, am } = await firingFleet(t, '0 0 1 1 *');
    const posted = await waitFor(() => amPosts().flat().find((p) => p.includes('"low_balance"') && p.endsWith(' firing')), 'the alert posted to Alertmanager');
    assert.equal(await daemon.stop(), 0);
    if (relabelled) reload(['keep', 'gone'], false, 'billing');
    if (amDown) am.answers.push(...Array<number>(20).fill(503));
    // Two shards now: `gone` is still in the file, on the shard this state directory's daemon is not.
    const other = await Daemon.start({ ...env, SHARD_COUNT: '2', SHARD_INDEX: String(1 - shardOf('gone', 2)) }, { stateDir: daemon.stateDir });
    t.after(() => other.kill());
    const closed = await waitFor(() => of('resolved')[0], 'its resolve on the webhook (the old shard\'s alert id)');
    assert.equal(closed.body.id, fired.body.id);
    assert.equal(await other.stop(), 0); // waits for the Alertmanager posts in flight
    const resolved = amPosts().flat().filter((p) => p.endsWith(' resolved'));
    if (amDown) {
      const failed = other.logs().find((l) => /no longer watched end there/.test(l.msg));
      assert.equal(failed?.component, 'alertmanager', 'the failed resolve logged, its component named once (logs() refuses a key written twice)');
    } else if (relabelled) assert.deepEqual(resolved, [posted.replace(/ firing$/, ' resolved')], 'the old label set (team: payments) resolved');
    else assert.deepEqual(resolved, [], 'no resolve of the label set the new shard fires');
  });
}

test('a firing wallet removed while its poll runs: the alert closes once that poll ends, and the poll fires nothing new', async (t) => {
  const { daemon, gone, of, fired, reload } = await firingFleet(t, '* * * * * *');
  gone.delayMs = 2_000;
  await waitFor(() => gone.inFlight === 1, 'a poll of `gone` in flight');
  reload(['keep']);
  await waitFor(() => daemon.logs().some((l) => l.msg === 'wallets reloaded'), 'the reload');
  gone.delayMs = 0;
  const closed = await waitFor(() => of('resolved')[0], 'its resolve on the webhook');
  assert.equal(closed.body.id, fired.body.id);
  assert.equal(of('firing').length, 1, 'the poll that ended after the removal fired nothing new');
  assert.equal(await daemon.stop(), 0);
});

test('a firing wallet removed while its poll runs and added back before that poll ends: its alert goes on firing on every channel, Alertmanager included', async (t) => {
  const { daemon, gone, of, reload, amPosts } = await firingFleet(t, '*/2 * * * * *');
  await waitFor(() => amPosts().flat().some((p) => p.endsWith(' firing')), 'the alert firing in Alertmanager');
  gone.delayMs = 3_000;
  await waitFor(() => gone.inFlight === 1, 'a poll of `gone` in flight');
  const reloads = () => daemon.logs().filter((l) => l.msg === 'wallets reloaded').length;
  reload(['keep']);
  await waitFor(() => reloads() === 1, 'the removal');
  reload(['keep', 'gone']);
  await waitFor(() => reloads() === 2, 'the re-add');
  gone.delayMs = 0;
  const polled = gone.requests.length;
  await waitFor(() => gone.requests.length >= polled + 2 && gone.inFlight === 0, 'two more polls of `gone` after the re-add');
  assert.equal(of('resolved').length, 0, 'the webhook never heard it resolved');
  assert.deepEqual(amPosts().flat().filter((p) => p.endsWith(' resolved')), [], 'nor did Alertmanager');
  assert.equal(await daemon.stop(), 0);
});
