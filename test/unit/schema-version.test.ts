/** The state database's schema version: compared as a number, older files migrated forward in one transaction, the rest refused. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { sampleCount } from '../../src/domain/packed.js';
import type { Logger } from '../../src/log.js';
import { OutboxStore } from '../../src/notify/outbox-store.js';
import { DB_FILE } from '../../src/store/db.js';
import {
  checkSchema,
  checkSchemaReadOnly,
  MIGRATIONS,
  migrateForward,
  MigrationError,
  NewerSchemaError,
  OlderSchemaError,
  UnknownSchemaError,
  type Migration,
} from '../../src/store/schema-version.js';
import { savedStateOrFresh } from '../../src/store/read-only.js';
import { StateStore } from '../../src/store/state-store.js';
import { openState } from '../helpers/state.js';

const T0 = Date.parse('2026-11-27T10:00:00.123Z');
const V1_FIXTURE = resolve(import.meta.dirname, '../fixtures/state-db-v1/wallet-sentinel.db');

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-schema-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A database file whose `meta` holds `schema` = value (no row when undefined), opened. */
function dbWithSchema(t: TestContext, value: unknown): { db: Database.Database; path: string } {
  const path = join(tempDir(t), DB_FILE);
  const db = new Database(path);
  t.after(() => db.close());
  db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)');
  if (value !== undefined) db.prepare("INSERT INTO meta VALUES ('schema', ?)").run(value);
  return { db, path };
}

/** A step that records in table `steps` that it ran, and from which version. */
const mark =
  (from: number): Migration =>
  (db) => {
    db.exec('CREATE TABLE IF NOT EXISTS steps (seq INTEGER PRIMARY KEY, from_version INTEGER NOT NULL)');
    db.prepare('INSERT INTO steps (from_version) VALUES (?)').run(from);
  };

const stepsRun = (db: Database.Database): number[] =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'steps'").get() ? (db.prepare('SELECT from_version FROM steps ORDER BY seq').all() as { from_version: number }[]).map((r) => r.from_version) : [];
const schemaOf = (db: Database.Database): unknown => (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: unknown } | undefined)?.value;

test('the stored version against a build with N steps: older and equal are taken (a number), newer and anything but a positive integer refused', (t) => {
  const two = [mark(1), mark(2)]; // this build: version 3
  const cases: [stored: unknown, steps: Migration[], expected: number | undefined | (new (...a: never[]) => Error)][] = [
    [undefined, two, undefined], // no row yet: a new file
    ['1', [], 1],
    ['1', two, 1], // older: migrated, not "newer"
    ['2', two, 2],
    ['3', two, 3],
    ['10', [...two, ...Array.from({ length: 8 }, (_, i) => mark(i + 3))], 10], // 10 > 9 as numbers, though '10' < '9' as text
    ['9', [...two, ...Array.from({ length: 8 }, (_, i) => mark(i + 3))], 9],
    ['4', two, NewerSchemaError],
    ['2', [], NewerSchemaError],
    ['99', [], NewerSchemaError],
    ['0', two, UnknownSchemaError],
    ['-1', two, UnknownSchemaError],
    ['1.0', two, UnknownSchemaError],
    ['01', two, UnknownSchemaError],
    [' 1', two, UnknownSchemaError],
    ['1e1', two, UnknownSchemaError],
    ['', two, UnknownSchemaError],
    ['abc', two, UnknownSchemaError],
    [null, two, UnknownSchemaError],
    [Buffer.from('1'), two, UnknownSchemaError],
  ];
  for (const [stored, steps, expected] of cases) {
    const { db } = dbWithSchema(t, stored);
    const label = `stored ${JSON.stringify(stored)}, this build ${1 + steps.length}`;
    if (typeof expected === 'function') assert.throws(() => checkSchema(db, steps), expected, label);
    else assert.equal(checkSchema(db, steps), expected, label);
  }
});

test('no meta table at all (a new, empty file): no version yet', (t) => {
  const db = new Database(join(tempDir(t), DB_FILE));
  t.after(() => db.close());
  assert.equal(checkSchema(db, [mark(1)]), undefined);
});

test('version 1 → 2 → 3: each step once, in order, all in one transaction with the new version recorded', (t) => {
  const { db, path } = dbWithSchema(t, '1');
  db.exec("INSERT INTO meta VALUES ('instance', 'the-file')");
  const seen: { inTransaction: boolean; otherSees: unknown }[] = [];
  const peek: Migration = (d) => {
    const other = new Database(path, { readonly: true });
    try {
      seen.push({ inTransaction: d.inTransaction, otherSees: { schema: schemaOf(other), steps: stepsRun(other) } });
    } finally {
      other.close();
    }
  };
  migrateForward(db, 1, [(d) => (mark(1)(d), peek(d)), (d) => (mark(2)(d), peek(d))]);
  assert.deepEqual(stepsRun(db), [1, 2]);
  assert.equal(schemaOf(db), '3');
  assert.deepEqual(seen, [
    { inTransaction: true, otherSees: { schema: '1', steps: [] } },
    { inTransaction: true, otherSees: { schema: '1', steps: [] } },
  ], 'another connection sees nothing of step 1 while step 2 runs: one transaction');

  migrateForward(db, 3, [mark(1), mark(2)]);
  assert.deepEqual(stepsRun(db), [1, 2], 'a file at the current version: no step runs again');
  migrateForward(db, 2, [mark(1), mark(2)]);
  assert.deepEqual(stepsRun(db), [1, 2, 2], 'a file at version 2 runs only the step from 2');
});

test('a step that throws: the earlier steps are rolled back, the version stays, and the error says which step, never the error\'s own message', (t) => {
  const { db, path } = dbWithSchema(t, '1');
  db.close();
  const before = readFileSync(path);
  const again = new Database(path);
  t.after(() => again.close());
  const secret = 'https://hooks.example.test/T000/B000/sekret-webhook-path';
  const err = (() => {
    try {
      migrateForward(again, 1, [mark(1), () => JSON.parse(`{"url":"${secret}"`) as never, mark(3)]);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof MigrationError, String(err));
  assert.deepEqual([err.from, err.to, err.failedAt, err.code], [1, 4, 2, 'SCHEMA_MIGRATION_FAILED']);
  assert.equal(err.message, 'schema version 1 could not be migrated to 4: the step from 2 to 3 failed (SyntaxError)');
  assert.doesNotMatch(err.message, /sekret/);
  assert.equal(again.inTransaction, false);
  assert.equal(schemaOf(again), '1');
  assert.deepEqual(stepsRun(again), [], 'step 1\'s table and row are gone with the rollback');
  again.close();
  assert.deepEqual(readFileSync(path), before, 'the file byte for byte as it was');
});

test("SQLite's own message (it names tables and columns) is kept in the reason; the disk's faults are not the step's and pass through as they are", (t) => {
  const { db } = dbWithSchema(t, '1');
  assert.throws(
    () => migrateForward(db, 1, [(d) => d.exec('UPDATE no_such_table SET x = 1')]),
    (e: unknown) => e instanceof MigrationError && e.reason === 'SQLITE_ERROR: no such table: no_such_table',
  );
  for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_BUSY', 'SQLITE_CORRUPT', 'EMFILE']) {
    const disk = Object.assign(new Error('the disk'), { code });
    const fails: Migration = () => {
      throw disk;
    };
    assert.throws(() => migrateForward(db, 1, [mark(1), fails]), (e: unknown) => e === disk, code);
    assert.deepEqual([schemaOf(db), stepsRun(db)], ['1', []], `${code}: rolled back`);
  }
});

test('check (read-only, so it cannot migrate) refuses an older file as well as a newer one, naming which', async (t) => {
  assert.throws(() => checkSchemaReadOnly(dbWithSchema(t, '1').db, [mark(1)]), OlderSchemaError);
  assert.throws(() => checkSchemaReadOnly(dbWithSchema(t, '3').db, [mark(1)]), NewerSchemaError);
  checkSchemaReadOnly(dbWithSchema(t, '2').db, [mark(1)]);

  const dir = tempDir(t);
  cpSync(V1_FIXTURE, join(dir, DB_FILE));
  MIGRATIONS.push(mark(1));
  t.after(() => MIGRATIONS.splice(0));
  const before = readFileSync(join(dir, DB_FILE));
  const read = await savedStateOrFresh(new StateStore(dir, pino({ level: 'silent' }), { readOnly: true }), 'w2', T0);
  assert.equal(read.problem, "cannot read the state database in STATE_DIR (it was written by an older wallet-sentinel: schema version 1 is older than this build's 2; the daemon migrates it when it starts)");
  assert.deepEqual(readFileSync(join(dir, DB_FILE)), before);
});

/** Log lines at warn and above. */
function capture(): { log: Logger; lines: { level: number; msg: string; reason?: string; movedTo?: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  return { log: pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) }), lines };
}

test('the daemon\'s store on a real older file (test/fixtures/state-db-v1) with this build\'s steps: migrated in place, its history, alert ids and owed notifications kept', async (t) => {
  const dir = tempDir(t);
  cpSync(V1_FIXTURE, join(dir, DB_FILE));
  MIGRATIONS.push(mark(1), mark(2));
  t.after(() => MIGRATIONS.splice(0));
  const { log, lines } = capture();
  const store = await openState(dir, log);
  const s = await store.account('w2').load(T0);
  assert.equal(sampleCount(s.history.samples), 12);
  assert.equal(s.alerts.low_balance?.id, 'w2/low_balance/mxbfd8n0');
  assert.deepEqual((await new OutboxStore(store.db, log).load(T0)).deliveries.map((d) => d.notification.id), ['w2/low_balance/mxbfd8n0']);
  await store.close();
  assert.deepEqual(lines, []);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.corrupt-')), []);
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  t.after(() => db.close());
  assert.deepEqual([schemaOf(db), stepsRun(db)], ['3', [1, 2]]);
});

test('a step that throws on a real older file: the store runs without it (nothing read, every commit refused), the file kept unchanged in place, one error line; a build whose steps work takes it over whole', async (t) => {
  const dir = tempDir(t);
  cpSync(V1_FIXTURE, join(dir, DB_FILE));
  const fixture = readFileSync(V1_FIXTURE);
  MIGRATIONS.push(mark(1), () => {
    throw new TypeError('a bug in the step');
  });
  t.after(() => MIGRATIONS.splice(0));
  const { log, lines } = capture();
  const store = await openState(dir, log); // no throw: a daemon goes on to poll and alert
  assert.equal(store.db.exists(), false, 'nothing is read from it');
  assert.equal(sampleCount((await store.account('w2').load(T0)).history.samples), 0, 'starts with no history');
  await assert.rejects(store.account('w2').save((await store.account('w2').load(T0))), (e: unknown) => (e as { code?: string }).code === 'SCHEMA_MIGRATION_FAILED');
  await assert.rejects(store.close(), (e: unknown) => (e as { code?: string }).code === 'SCHEMA_MIGRATION_FAILED');
  assert.equal(lines.length, 1, JSON.stringify(lines));
  assert.equal(lines[0]!.level, 50);
  assert.match(lines[0]!.msg, /could not be migrated to this build's schema; kept in place unchanged/);
  assert.doesNotMatch(lines[0]!.msg, /corrupt/);
  assert.equal(lines[0]!.reason, 'schema version 1 could not be migrated to 3: the step from 2 to 3 failed (TypeError)');
  assert.deepEqual(readdirSync(dir), [DB_FILE], 'not set aside, no -wal or -shm left');
  assert.deepEqual(readFileSync(join(dir, DB_FILE)), fixture, 'the file byte for byte as the older build left it');

  MIGRATIONS.splice(1, 1, mark(2)); // the fixed release
  const fixed = await openState(dir, pino({ level: 'silent' }));
  assert.equal((await fixed.account('w2').load(T0)).alerts.low_balance?.id, 'w2/low_balance/mxbfd8n0', 'the alert ids of the file');
  await fixed.close();
});

test('a schema version that is no number (another program\'s file, or a damaged one) is set aside as damage, saying so, and the store starts fresh', async (t) => {
  const { db, path } = dbWithSchema(t, 'two');
  db.close();
  const dir = resolve(path, '..');
  const { log, lines } = capture();
  const store = await openState(dir, log);
  await store.account('w').save((await store.account('w').load(T0)));
  await store.close();
  assert.equal(lines.length, 1, JSON.stringify(lines));
  assert.equal(lines[0]!.level, 50, 'error: the alerts firing in it fire again under new ids');
  assert.match(lines[0]!.msg, /set aside, starting with no history: the alerts that were firing fire again under new ids/);
  assert.equal(lines[0]!.reason, 'schema version "two" is not a version number: not a wallet-sentinel database, or a damaged one');
  assert.ok(lines[0]!.movedTo && readdirSync(dir).some((f) => f.startsWith(`${DB_FILE}.corrupt-`)));
  const fresh = new Database(path, { readonly: true });
  t.after(() => fresh.close());
  assert.equal(schemaOf(fresh), '1');
});
