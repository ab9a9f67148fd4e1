/**
 * The state database seen from outside: a 0.1 STATE_DIR upgraded by the real daemon, and `check` reading
 * the database without changing anything in STATE_DIR.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, runCli, tempDir, waitFor, type StatusDoc } from '../helpers/daemon.js';
import { savedAccount } from '../helpers/state.js';
import { lockStateDir } from '../../src/store/lock.js';
import { sampleCount } from '../../src/domain/packed.js';

const KEY = 'sk_live_state_db_key_1357';
const FIXTURE = resolve(import.meta.dirname, '../fixtures/state-0.1');

/** Every file in `dir` with its bytes: what "changes nothing" is checked against. */
const contents = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));

test('a 0.1 STATE_DIR: check reads it in place; the first start imports it once and the wallet goes on from its counters', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 90, burnPerHour: 0 });
  await sim.start();
  t.after(() => sim.close());
  const stateDir = tempDir('ws-state-01-');
  cpSync(FIXTURE, stateDir, { recursive: true });
  const old = (JSON.parse(readFileSync(join(FIXTURE, 'account-prod-eu.json'), 'utf8')) as { state: { history: { consumedTotal: number; topupsTotal: number } } }).state.history;
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, ACCOUNT_NAME: 'prod-eu', STATE_DIR: stateDir };

  const before = contents(stateDir);
  const checked = await runCli(['check'], env);
  const doc = JSON.parse(checked.stdout) as StatusDoc;
  assert.equal(doc.accounts[0]!.topups_total, old.topupsTotal, `check sees 0.1's history: ${checked.stderr}`);
  assert.ok(doc.accounts[0]!.consumed_credits_total >= old.consumedTotal);
  assert.deepEqual(contents(stateDir), before, 'check changed nothing');

  const first = await Daemon.start(env, { stateDir });
  t.after(() => first.kill());
  await waitFor(async () => (await first.metric('telephony_api_up{account="prod-eu"}')) === 1, 'a first good poll');
  assert.equal(first.logs().filter((l) => l.msg.startsWith('imported the 0.1 JSON state')).length, 1);
  const s = await first.status();
  assert.equal(s.topups_total, old.topupsTotal, 'the counters go on from 0.1');
  assert.ok(s.consumed_credits_total >= old.consumedTotal);
  assert.deepEqual(readdirSync(stateDir).filter((f) => f.endsWith('.json')), [], 'no 0.1 file left to import again');
  assert.equal(readdirSync(stateDir).filter((f) => f.endsWith('.json.imported')).length, 3);
  assert.equal(await first.stop(), 0);

  const second = await Daemon.start(env, { stateDir });
  t.after(() => second.kill());
  await waitFor(async () => (await second.metric('telephony_api_up{account="prod-eu"}')) === 1, 'a good poll after the restart');
  assert.equal(second.logs().filter((l) => l.msg.startsWith('imported')).length, 0, 'imported once only');
  assert.equal((await second.status()).topups_total, old.topupsTotal);
  assert.equal(await second.stop(), 0);
});

test("check reads the daemon's database (running or stopped) and changes nothing in STATE_DIR", async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 36_000 });
  await sim.start();
  t.after(() => sim.close());
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY });
  t.after(() => daemon.kill());
  await waitFor(async () => sampleCount((await savedAccount(daemon.stateDir, 'default')).history.samples) >= 3, 'a few polls committed');
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: daemon.stateDir };

  const whileRunning = await runCli(['check'], env);
  assert.equal(whileRunning.code, 0, whileRunning.stderr);
  assert.ok((JSON.parse(whileRunning.stdout) as StatusDoc).accounts[0]!.samples >= 4, 'the history the daemon saved, plus check’s own poll');

  assert.equal(await daemon.stop(), 0);
  const before = contents(daemon.stateDir);
  assert.deepEqual(Object.keys(before), ['wallet-sentinel.db', 'wallet-sentinel.lock'], 'between commits the daemon leaves only the database (and the file it held locked)');
  const stopped = await runCli(['check'], env);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.ok((JSON.parse(stopped.stdout) as StatusDoc).accounts[0]!.samples >= 4);
  assert.deepEqual(contents(daemon.stateDir), before, 'not a byte changed, no -wal or -shm left');
});

test('a second daemon on a STATE_DIR in use refuses to start (exit 75, before binding or polling); once the first is killed, it starts', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 36 });
  await sim.start();
  t.after(() => sim.close());
  const first = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY });
  t.after(() => first.kill());
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: first.stateDir, METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', POLL_SCHEDULE: '* * * * * *' };
  const second = await runCli(['start'], env);
  assert.equal(second.code, 75, second.stderr);
  assert.match(second.stderr, /STATE_DIR .* is in use by another running wallet-sentinel/);
  assert.doesNotMatch(second.stderr, /wallet-sentinel started/);

  first.kill(); // SIGKILL: the kernel drops its lock, no stale lock file blocks the next start
  const next = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY }, { stateDir: first.stateDir });
  t.after(() => next.kill());
  assert.equal(await next.stop(), 0);
});

test('the lock file removed under a running daemon (a clean-up job): it is taken again, and a second daemon still refuses to start', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 36 });
  await sim.start();
  t.after(() => sim.close());
  const first = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY });
  t.after(() => first.kill());
  rmSync(join(first.stateDir, 'wallet-sentinel.lock'));
  await waitFor(() => first.logs().find((l) => l.msg.includes('was removed or replaced under the running daemon: taken again')), () => `the daemon to take STATE_DIR again: ${first.stderr}`);
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: first.stateDir, METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', POLL_SCHEDULE: '* * * * * *' };
  const second = await runCli(['start'], env);
  assert.equal(second.code, 75, second.stderr);
  assert.equal(await first.stop(), 0);
});

/** Every row of every table of the state database in `dir`, read without changing anything. */
function rows(dir: string): Record<string, unknown[]> {
  const db = new Database(join(dir, 'wallet-sentinel.db'), { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
  } finally {
    db.close();
  }
}

/** A webhook that holds each request until `answer()`: the delivery is in flight, then done, when the test says. */
async function heldWebhook(t: TestContext): Promise<{ url: string; held: () => number; answer: () => void }> {
  const waiting: ServerResponse[] = [];
  const server = createServer((req, res) => void req.resume().on('end', () => waiting.push(res)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    held: () => waiting.length,
    answer: () => waiting.splice(0).forEach((res) => res.writeHead(200).end('{}')),
  };
}

test('another daemon takes STATE_DIR after its lock file was removed: the running one writes nothing more there, stops and exits 75', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 40, burnPerHour: 36 });
  await sim.start();
  t.after(() => sim.close());
  const hook = await heldWebhook(t);
  const first = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, LOW_BALANCE_THRESHOLD: '100', ALERT_WEBHOOK_URL: hook.url });
  t.after(() => first.kill());
  await waitFor(() => hook.held() > 0, 'the low_balance webhook to be sent (and held)');

  rmSync(join(first.stateDir, 'wallet-sentinel.lock'));
  const other = lockStateDir(first.stateDir, 0); // another daemon starts before the running one looks
  t.after(() => other.release());
  await waitFor(() => first.logs().find((l) => l.msg.includes('another wallet-sentinel took STATE_DIR')), () => `the daemon to yield: ${first.stderr}`);
  const left = rows(first.stateDir);
  hook.answer(); // delivered while it stops: written, that would take the row out of the other daemon's outbox

  assert.equal(await first.exited, 75, first.stderr);
  assert.ok(first.logs().some((l) => l.msg.includes('nothing more is written there')), first.stderr);
  assert.equal(rows(first.stateDir).outbox!.length, 1, 'the owed delivery is still in the database');
  assert.deepEqual(rows(first.stateDir), left, 'the database is as the yielding daemon left it: its stop wrote nothing into the other daemon\'s STATE_DIR');
});
