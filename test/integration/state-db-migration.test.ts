/**
 * A release that raises the state database's schema version, played by the real daemon on a real file an older
 * build wrote (test/fixtures/state-db-v1): test/helpers/fake-migrations.mjs appends steps to the built daemon's
 * list, as that release would, without any setting or flag of the product.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { WebhookReceiver } from '../helpers/receivers.js';

const KEY = 'sk_live_schema_migration_2468';
const FIXTURE = resolve(import.meta.dirname, '../fixtures/state-db-v1/wallet-sentinel.db');
const HOOK = resolve(import.meta.dirname, '../helpers/fake-migrations.mjs');
const FIXTURE_ALERT = 'w2/low_balance/mxbfd8n0';

/** Reads the database in `dir` (read-only): `fn` gets a connection. */
function inDb<T>(dir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'wallet-sentinel.db'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
const meta = (dir: string, key: string): unknown => inDb(dir, (db) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: unknown } | undefined)?.value);

test('a release whose migration step throws keeps alerting without the file and leaves it untouched in place; the fixed release migrates it and goes on from its history', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 0 });
  await sim.start();
  t.after(() => sim.close());
  const hook = new WebhookReceiver();
  await hook.start();
  t.after(() => hook.close());
  const stateDir = tempDir('ws-state-migrate-');
  cpSync(FIXTURE, join(stateDir, 'wallet-sentinel.db'));
  const fixture = readFileSync(FIXTURE);
  const instance = meta(stateDir, 'instance');
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, ACCOUNT_NAME: 'w2', LOW_BALANCE_THRESHOLD: '1000', ALERT_WEBHOOK_URL: hook.url };

  // The release with a bug in its step from 2 to 3.
  const buggy = await Daemon.start({ ...env, WS_TEST_MIGRATIONS: 'mark,throw' }, { stateDir, nodeArgs: ['--import', HOOK] });
  t.after(() => buggy.kill());
  await waitFor(() => hook.bodies().some((b) => b.alertname === 'low_balance' && b.status === 'firing'), () => `the alert sent all the same: ${buggy.stderr}`);
  assert.notEqual(hook.bodies()[0]!.id, FIXTURE_ALERT, 'without the file the alert fires again under a new id (the cost the log line names)');
  const failed = buggy.logs().filter((l) => l.msg.startsWith('state database could not be migrated'));
  assert.equal(failed.length, 1, buggy.stderr);
  assert.equal(failed[0]!.level, 'error');
  assert.equal(failed[0]!.reason, 'schema version 1 could not be migrated to 3: the step from 2 to 3 failed (TypeError)');
  assert.equal(buggy.logs().filter((l) => /corrupt/.test(l.msg)).length, 0, 'not taken for damage');
  await waitFor(async () => (await buggy.get('/readyz')).status === 503, '/readyz 503');
  assert.match((await buggy.get('/readyz')).text, /SCHEMA_MIGRATION_FAILED writing .*wallet-sentinel\.db \(this build could not migrate it/);
  assert.equal(await buggy.metric('wallet_sentinel_state_write_healthy'), 0);
  assert.equal(buggy.logs().filter((l) => l.msg.startsWith('state database not written (SCHEMA_MIGRATION_FAILED')).length, 1, 'one line for the change, as for a disk');
  assert.equal(await buggy.stop(), 0, 'nothing owed is lost: the webhook took the alert');
  assert.deepEqual(readdirSync(stateDir).sort(), ['wallet-sentinel.db', 'wallet-sentinel.lock'], 'not set aside, no -wal or -shm');
  assert.deepEqual(readFileSync(join(stateDir, 'wallet-sentinel.db')), fixture, 'the file byte for byte as the older build left it');

  // The fixed release: both steps work.
  const fixed = await Daemon.start({ ...env, WS_TEST_MIGRATIONS: 'mark,mark' }, { stateDir, nodeArgs: ['--import', HOOK] });
  t.after(() => fixed.kill());
  await waitFor(async () => (await fixed.get('/readyz')).status === 200, () => `a first poll committed: ${fixed.stderr}`);
  assert.ok((await fixed.status()).samples > 0);
  assert.equal(await fixed.stop(), 0);
  // The only line above info: the older build's owed notification, read from the file, is for a webhook this test does not configure.
  assert.deepEqual(
    fixed.logs().filter((l) => ['warn', 'error', 'fatal'].includes(l.level)).map((l) => [l.msg, l.id]),
    [['owed notification given up: its channel is no longer configured', FIXTURE_ALERT]],
    fixed.stderr,
  );
  assert.equal(meta(stateDir, 'schema'), '3');
  assert.deepEqual(inDb(stateDir, (db) => db.prepare('SELECT from_version FROM test_migrations ORDER BY seq').all()), [{ from_version: 1 }, { from_version: 2 }], 'each step once, in order');
  assert.equal(meta(stateDir, 'instance'), instance, 'the same file taken over, not one made anew');
  assert.deepEqual(
    inDb(stateDir, (db) => db.prepare("SELECT json_extract(event, '$.id') AS id FROM alert_events ORDER BY seq LIMIT 1").get()),
    { id: FIXTURE_ALERT },
    "the older build's alert timeline is there",
  );
  assert.deepEqual(readdirSync(stateDir).filter((f) => f.includes('.corrupt-')), []);
});
