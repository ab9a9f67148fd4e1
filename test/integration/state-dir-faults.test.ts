/**
 * A STATE_DIR that is read-only, full or not a directory must never stall delivery: the real daemon, the
 * simulator and real webhook receivers, on a real tmpfs remounted read-only or filled up.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { cannotRunAsOtherUser, Daemon, runCli, tempDir, waitFor } from '../helpers/daemon.js';
import { WebhookReceiver } from '../helpers/receivers.js';
import { openState, savedOutbox } from '../helpers/state.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';

const KEY = 'sk_live_state_faults_key_8642';

interface AlertView {
  alertname: string;
  last_notified_at: string | null;
  last_decided_at: string;
  notifications_owed: number;
}

async function receiver(t: TestContext, answers: number[] = []): Promise<WebhookReceiver> {
  const r = new WebhookReceiver();
  r.answers.push(...answers);
  await r.start();
  t.after(() => r.close());
  return r;
}

async function setup(t: TestContext, stateDir: string, webhookUrls: string[]) {
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 0 });
  await sim.start();
  t.after(() => sim.close());
  const env = {
    TELEPHONY_API_URL: sim.url,
    TELEPHONY_API_KEY: KEY,
    ALERT_WEBHOOK_URL: webhookUrls.join(','),
    LOW_BALANCE_THRESHOLD: '100',
    ALERT_RETRY_BASE_DELAY: '300ms',
    RUNWAY_WARNING_HOURS: '0',
    RUNWAY_CRITICAL_HOURS: '0',
  };
  const daemon = await Daemon.start(env, { stateDir });
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.metric('telephony_api_up{account="default"}')) === 1, 'a first good poll');
  return { sim, daemon, env };
}

const tmpFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const logged = (d: Daemon, prefix: string) => d.logs().filter((l) => l.msg.startsWith(prefix));
const alertsOf = async (d: Daemon) => (await d.status()).alerts as unknown as AlertView[];

test('STATE_DIR remounted read-only mid-run: the alert is still sent; /readyz 503, metric 0, one log line; after remount rw the outbox is saved by itself', async (t) => {
  const fs = mountTmpfs(t);
  if (!fs) return;
  const hook = await receiver(t);
  const slow = await receiver(t, [429]); // 429 without Retry-After: its next attempt is a minute away
  const { sim, daemon } = await setup(t, fs.dir, [hook.url, slow.url]);

  fs.readOnly();
  sim.setBalance(80);
  await waitFor(() => hook.received.length === 1, 'the notification sent although STATE_DIR is read-only');
  assert.equal(hook.received[0]!.body.alertname, 'low_balance');
  await waitFor(async () => (await daemon.get('/readyz')).status === 503, '/readyz 503');
  assert.match((await daemon.get('/readyz')).text, new RegExp(`cannot write STATE_DIR ${fs.dir}: EROFS`));
  assert.equal((await daemon.get('/healthz')).status, 200, 'the process itself is fine');
  assert.equal(await daemon.metric('wallet_sentinel_state_write_healthy'), 0);
  const failures = (await daemon.metric('wallet_sentinel_state_write_failures_total'))!;
  assert.ok(failures >= 1);
  await waitFor(async () => ((await daemon.metric('wallet_sentinel_state_write_failures_total')) ?? 0) >= failures + 3, 'more failed writes');
  assert.equal(logged(daemon, 'state directory not writable').length, 1, 'one line for the change, not one per failed write');
  // the status page draws what memory holds while the database cannot be opened there (it is most looked at now)
  for (const path of ['/wallets/default', '/api/wallets/default', '/api/wallets/default/history']) assert.equal((await daemon.get(path)).status, 200, path);

  const [alert] = await alertsOf(daemon);
  assert.equal(alert!.notifications_owed, 1, 'the 429 target still owes it');
  assert.notEqual(alert!.last_notified_at, null, 'delivered to the other target');

  fs.readWrite(); // no new alert comes: the owed delivery must reach disk by itself
  await waitFor(async () => (await savedOutbox(fs.dir)).deliveries.length === 1, 'the outbox saved after remount rw, without a new alert');
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, '/readyz 200 again');
  assert.equal(await daemon.metric('wallet_sentinel_state_write_healthy'), 1);
  assert.equal(logged(daemon, 'state directory writable again').length, 1);
  assert.equal(slow.received.length, 0, 'recovery did not wait for the 429 target');
  // a poll a second writes the state: a temp file of the write in flight is no leak, one that stays is
  await waitFor(() => tmpFiles(fs.dir).length === 0, () => `no temp file left behind (${tmpFiles(fs.dir).join(', ')})`);
  assert.equal(await daemon.stop(), 0);
});

test('a full STATE_DIR: the alert is still sent, no temp file is left behind, and it recovers when space is freed', async (t) => {
  const fs = mountTmpfs(t);
  if (!fs) return;
  const hook = await receiver(t);
  const { sim, daemon } = await setup(t, fs.dir, [hook.url]);

  fs.fill();
  sim.setBalance(80);
  await waitFor(() => hook.received.length === 1, 'the notification sent although STATE_DIR is full');
  await waitFor(async () => ((await daemon.metric('wallet_sentinel_state_write_failures_total')) ?? 0) >= 3, 'several failed writes');
  assert.match((await daemon.get('/readyz')).text, /ENOSPC/);
  assert.deepEqual(tmpFiles(fs.dir), [], 'every failed write removed its temp file');

  fs.unfill();
  await waitFor(async () => (await daemon.metric('wallet_sentinel_state_write_healthy')) === 1, 'healthy again once space is freed');
  assert.equal((await daemon.get('/readyz')).status, 200);
  assert.equal(await daemon.stop(), 0);
});

test('start refuses a read-only or full STATE_DIR with exit 73 and a message naming it', async (t) => {
  const fs = mountTmpfs(t);
  if (!fs) return;
  const env = { TELEPHONY_API_URL: 'http://127.0.0.1:9', TELEPHONY_API_KEY: KEY, METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' };
  fs.fill();
  const full = await runCli(['start'], { ...env, STATE_DIR: fs.dir });
  assert.equal(full.code, 73, full.stderr);
  assert.match(full.stderr, new RegExp(`cannot write STATE_DIR ${fs.dir} \\(ENOSPC\\)`));
  fs.unfill();
  fs.readOnly();
  const ro = await runCli(['start'], { ...env, STATE_DIR: join(fs.dir, 'state') });
  assert.equal(ro.code, 73, ro.stderr);
  assert.match(ro.stderr, new RegExp(`cannot write STATE_DIR ${fs.dir}/state \\(EROFS\\)`));
  assert.doesNotMatch(ro.stderr, /wallet-sentinel started/, 'nothing bound or polled');
});

test('start refuses a STATE_DIR below a regular file (ENOTDIR) with exit 73, without needing mount', async () => {
  const root = tempDir();
  writeFileSync(join(root, 'file'), 'x');
  const r = await runCli(['start'], { TELEPHONY_API_URL: 'http://127.0.0.1:9', TELEPHONY_API_KEY: KEY, METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', STATE_DIR: join(root, 'file', 'state') });
  assert.equal(r.code, 73, r.stderr);
  assert.match(r.stderr, /cannot write STATE_DIR .*file\/state \(ENOTDIR\)/);
});

test('start refuses a STATE_DIR under /proc with exit 73 (Node\'s recursive mkdir looped there for good, at full CPU and deaf to SIGTERM)', async () => {
  const r = await runCli(['start'], { TELEPHONY_API_URL: 'http://127.0.0.1:9', TELEPHONY_API_KEY: KEY, METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', STATE_DIR: '/proc/wallet-sentinel-state' });
  assert.equal(r.code, 73, r.stderr);
  assert.match(r.stderr, /cannot write STATE_DIR \/proc\/wallet-sentinel-state \(ENOENT\)/);
});

test('SIGTERM with an undeliverable notification decided while STATE_DIR is read-only: exit 74 and a line saying it is lost', async (t) => {
  const fs = mountTmpfs(t);
  if (!fs) return;
  const down = await receiver(t, Array<number>(1000).fill(503));
  const { sim, daemon } = await setup(t, fs.dir, [down.url]);
  fs.readOnly();
  sim.setBalance(80);
  await waitFor(async () => ((await daemon.metric('telephony_alert_notifications_total{channel="webhook",outcome="failed"}')) ?? 0) >= 1, 'a failed attempt');
  assert.equal(await daemon.stop(), 74);
  const lost = logged(daemon, 'stopping lost notifications');
  assert.equal(lost.length, 1, daemon.stderr.slice(-2000));
  assert.match(lost[0]!.msg, /1 owed notification\(s\) could not be saved to .*wallet-sentinel\.db \(EROFS\) and are lost/);
});

test('SIGTERM with an owed notification the database already holds and a read-only STATE_DIR: exit 0, a warning, and the next start sends it', async (t) => {
  const fs = mountTmpfs(t);
  if (!fs) return;
  const down = await receiver(t, Array<number>(1000).fill(503));
  const { sim, daemon, env } = await setup(t, fs.dir, [down.url]);
  sim.setBalance(80);
  await waitFor(async () => ((await daemon.metric('telephony_alert_notifications_total{channel="webhook",outcome="failed"}')) ?? 0) >= 1, 'a failed attempt');
  await waitFor(async () => (await savedOutbox(fs.dir)).deliveries.length === 1, 'the owed delivery committed');
  fs.readOnly();
  assert.equal(await daemon.stop(), 0);
  assert.deepEqual(logged(daemon, 'stopping lost notifications'), []);
  assert.equal(logged(daemon, 'cannot write the outbox at stop; the 1 owed notification(s) are in it').length, 1, daemon.stderr.slice(-2000));

  fs.readWrite();
  down.answers.length = 0; // the receiver is back
  const again = await Daemon.start(env, { stateDir: fs.dir });
  t.after(() => again.kill());
  await waitFor(() => down.bodies().some((b) => b.alertname === 'low_balance' && b.status === 'firing'), 'the owed notification accepted (only accepted ones are recorded)');
  assert.equal(logged(again, 'resuming owed notifications').length, 1, 'sent as owed, not decided again');
});

test('/api/status never claims last_notified_at for an alert whose notification was not delivered', async (t) => {
  const down = await receiver(t, Array<number>(1000).fill(503));
  const { sim, daemon } = await setup(t, tempDir('ws-state-'), [down.url]);
  sim.setBalance(80);
  await waitFor(async () => ((await daemon.metric('telephony_alert_notifications_total{channel="webhook",outcome="failed"}')) ?? 0) >= 2, 'failed attempts');
  const [alert] = await alertsOf(daemon);
  assert.equal(alert!.alertname, 'low_balance');
  assert.equal(alert!.last_notified_at, null);
  assert.match(alert!.last_decided_at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(alert!.notifications_owed, 1);

  down.answers.length = 0; // the receiver recovers
  await waitFor(async () => (await alertsOf(daemon))[0]!.last_notified_at !== null, 'last_notified_at once delivered');
  assert.equal((await alertsOf(daemon))[0]!.notifications_owed, 0);
  assert.equal(await daemon.stop(), 0);
});

test('SIGHUP while STATE_DIR is read-only: the removal is applied, the wallet that cannot be loaded is said and retried by the next reload', async (t) => {
  const fs = mountTmpfs(t, '8m');
  if (!fs) return;
  const up = new WalletsUpstream();
  for (const n of ['keep', 'gone', 'new']) up.add(n, 500);
  await up.start();
  t.after(() => up.close());
  const dir = tempDir('ws-reload-ro-');
  writeWalletsFile(dir, up, ['keep', 'gone']);
  const daemon = await Daemon.start({ WALLETS_FILE: join(dir, 'wallets.yaml'), LOG_LEVEL: 'info' }, { stateDir: fs.dir });
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, 'both wallets polled');

  fs.readOnly();
  writeWalletsFile(dir, up, ['keep', 'new']);
  daemon.child.kill('SIGHUP');
  const failed = await waitFor(() => daemon.logs().find((l) => l.msg.startsWith('reload: cannot read the saved state of new')), 'the wallet that could not be loaded, named');
  assert.match(failed.msg, /SIGHUP/);
  const accounts = async () => ((JSON.parse((await daemon.get('/api/status')).text) as { accounts: { account: string }[] }).accounts.map((a) => a.account).sort());
  assert.deepEqual(await accounts(), ['keep'], 'gone is removed (not left on /api/status with frozen values); new is not watched yet');
  assert.equal(await daemon.metric('wallet_sentinel_config_last_reload_successful'), 0);
  assert.equal(await daemon.metric('wallet_sentinel_wallets'), 1);

  fs.readWrite();
  daemon.child.kill('SIGHUP');
  await waitFor(async () => (await daemon.metric('telephony_wallet_balance_credits{account="new",currency="USD"}')) === 500, 'new polled after the next reload');
  assert.deepEqual(await accounts(), ['keep', 'new']);
  assert.equal(await daemon.metric('wallet_sentinel_config_last_reload_successful'), 1);
  daemon.kill(); // before the tmpfs goes (its hook runs first): a daemon polling two wallets a second writes on
  await daemon.exited;
});

test('another process holding a lock on the state database (a sqlite3 shell in a transaction): /readyz says EBUSY and who holds it, not a disk I/O error; it recovers when the lock goes', async (t) => {
  const stateDir = tempDir('ws-db-locked-');
  const hook = await receiver(t);
  const { sim, daemon } = await setup(t, stateDir, [hook.url]);
  const Database = (await import('better-sqlite3')).default;
  const other = new Database(join(stateDir, 'wallet-sentinel.db'));
  t.after(() => other.close());
  other.exec('BEGIN EXCLUSIVE');
  sim.setBalance(80); // a decision to commit while the lock is held
  await waitFor(() => hook.received.length === 1, 'the notification sent although the database is locked');
  await waitFor(async () => (await daemon.get('/readyz')).status === 503, '/readyz 503 while the lock is held');
  const text = (await daemon.get('/readyz')).text;
  assert.match(text, /cannot write STATE_DIR .*: EBUSY writing .* \(another process holds a lock on the state database/);
  assert.doesNotMatch(text, /EIO/);
  assert.equal(logged(daemon, 'state directory not writable (EBUSY (another process holds a lock').length, 1);
  other.exec('COMMIT');
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, '/readyz 200 once the lock is released');
  assert.equal(await daemon.stop(), 0);
});

/** The uid and gid the daemon runs as in the tests of file ownership (nobody). */
const NOBODY = 65534;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A STATE_DIR that user nobody can reach and write (the test run's TMPDIR is root's, 0700); removed after the test. Undefined (skipped, saying why) when the test cannot run as another user. */
function sharedStateDir(t: TestContext): string | undefined {
  const cannot = cannotRunAsOtherUser(NOBODY);
  if (cannot) {
    assert.ok(process.env.CI !== 'true' || !cannot.ciMustRun, `CI must run this: ${cannot.why}`);
    t.skip(cannot.why);
    return undefined;
  }
  const dir = mkdtempSync('/tmp/ws-owner-');
  chmodSync(dir, 0o777);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("files a first run as root left owned by root: a start as the daemon's user exits 73 with EACCES naming the file, its owner and chown, not EROFS", async (t) => {
  const stateDir = sharedStateDir(t);
  if (!stateDir) return;
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 0 });
  await sim.start();
  t.after(() => sim.close());
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', STATE_DIR: stateDir };
  const asRoot = await Daemon.start(env, { stateDir });
  t.after(() => asRoot.kill());
  assert.equal(await asRoot.stop(), 0);

  const lock = await runCli(['start'], env, { uid: NOBODY });
  assert.equal(lock.code, 73, lock.stderr);
  const lockFile = join(stateDir, 'wallet-sentinel.lock');
  assert.match(lock.stderr, new RegExp(`cannot write STATE_DIR ${esc(stateDir)} \\(EACCES on wallet-sentinel\\.lock\\): ${esc(lockFile)} is owned by uid 0 and not writable by uid ${NOBODY} \\(a first run as root\\?\\): chown it to the daemon's user`));

  chownSync(lockFile, NOBODY, NOBODY);
  const db = await runCli(['start'], env, { uid: NOBODY });
  assert.equal(db.code, 73, db.stderr);
  const dbFile = join(stateDir, 'wallet-sentinel.db');
  assert.match(db.stderr, new RegExp(`cannot write STATE_DIR ${esc(stateDir)} \\(EACCES\\): ${esc(dbFile)} is owned by uid 0 and not writable by uid ${NOBODY} \\(a first run as root\\?\\): chown it to the daemon's user`));
  assert.doesNotMatch(db.stderr, /EROFS/, 'the file system is not read-only');

  chownSync(dbFile, NOBODY, NOBODY); // what the message says to do
  const daemon = await Daemon.start(env, { stateDir, uid: NOBODY });
  t.after(() => daemon.kill());
  assert.equal(await daemon.stop(), 0);
});

test("the state database chowned to root under a daemon run as another user: /readyz says EACCES naming the file and its owner, not EROFS; chowned back, it is writable again", async (t) => {
  const stateDir = sharedStateDir(t);
  if (!stateDir) return;
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 0 });
  await sim.start();
  t.after(() => sim.close());
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY }, { stateDir, uid: NOBODY });
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, 'a first poll');
  const dbFile = join(stateDir, 'wallet-sentinel.db');
  chownSync(dbFile, 0, 0); // a hand as root, a restore
  await waitFor(async () => (await daemon.get('/readyz')).status === 503, '/readyz 503 once a commit meets the file');
  const text = (await daemon.get('/readyz')).text;
  assert.match(text, new RegExp(`^cannot write STATE_DIR ${esc(stateDir)}: EACCES writing ${esc(dbFile)} \\(${esc(dbFile)} is owned by uid 0 and not writable by uid ${NOBODY} \\(a first run as root\\?\\): chown it to the daemon's user\\)`));
  assert.equal(logged(daemon, 'state directory not writable (EACCES (').length, 1, daemon.stderr.slice(-2000));
  chownSync(dbFile, NOBODY, NOBODY);
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, '/readyz 200 once the file is the daemon user\'s again');
  assert.equal(await daemon.stop(), 0);
});

test('another process holding a lock on the state database at start (a sqlite3 shell in a transaction): exit 75 (a restart comes) saying so, as /readyz does while running, not "make it writable"', async (t) => {
  const stateDir = tempDir('ws-db-locked-');
  await (await openState(stateDir)).close(); // a database, as a daemon before left it
  const Database = (await import('better-sqlite3')).default;
  const other = new Database(join(stateDir, 'wallet-sentinel.db'));
  t.after(() => other.close());
  other.prepare('BEGIN IMMEDIATE').run();
  const r = await runCli(['start'], { TELEPHONY_API_URL: 'http://127.0.0.1:9', TELEPHONY_API_KEY: KEY, METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', STATE_DIR: stateDir });
  assert.equal(r.code, 75, r.stderr); // EX_TEMPFAIL: a supervisor's restart starts it once the lock is gone (systemd does not restart after 73)
  assert.match(r.stderr, new RegExp(`cannot write STATE_DIR ${esc(stateDir)} \\(EBUSY\\): another process holds a lock on the state database: a sqlite3 shell or a backup tool in a transaction\\? End its transaction, then start wallet-sentinel again`));
  assert.doesNotMatch(r.stderr, /make it writable/);
  other.prepare('ROLLBACK').run();
  const daemon = await Daemon.start({ TELEPHONY_API_URL: 'http://127.0.0.1:9', TELEPHONY_API_KEY: KEY }, { stateDir });
  t.after(() => daemon.kill());
  assert.equal(await daemon.stop(), 0, 'starts once the lock is gone');
});
