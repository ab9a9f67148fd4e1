/**
 * The state database's file as such (db.ts batches the commits): a connection to it, its schema and identity,
 * a read that leaves STATE_DIR as it was, what damage looks like, and a file set aside.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, renameSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from './sqlite.js';
import { safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { ALERT_EVENTS_SCHEMA } from './alert-events.js';
import { READINGS_SCHEMA } from './readings.js';
import { checkSchema, migrateForward, schemaVersion, UnknownSchemaError, type MigrationError, type NewerSchemaError } from './schema-version.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  snapshot BLOB,
  snapshot_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, delta TEXT NOT NULL);
${READINGS_SCHEMA}
CREATE TABLE IF NOT EXISTS outbox (delivery_id TEXT PRIMARY KEY, body TEXT NOT NULL);
-- Where an account's notifications go (its receivers, provider and labels as JSON): a wallet gone from the
-- configuration at the next start has its firing alerts closed there (StateStore.releasePreloaded).
CREATE TABLE IF NOT EXISTS account_routing (account_id INTEGER PRIMARY KEY, routing TEXT NOT NULL);
-- How far an account's timeline moved with wall-clock steps: its readings and alert events are stored on the
-- timeline as it was and read moved by this (AccountStore.shift); absent: 0.
CREATE TABLE IF NOT EXISTS account_clock (account_id INTEGER PRIMARY KEY, offset_ms REAL NOT NULL);
${ALERT_EVENTS_SCHEMA}
`;

/** How long opening or committing may wait for another connection's lock (synchronously). */
const BUSY_WAIT_MS = 250;

/**
 * A connection for a commit or a read. WAL's only waits are short (another connection recovering the log):
 * BUSY_WAIT_MS bounds how long the event loop can stand still here, instead of better-sqlite3's 5 s.
 * - WAL: a reader (`check`, a backup, a query) never blocks the commit and sees the last committed state.
 * - synchronous=NORMAL: in WAL mode a commit is not fsynced, the checkpoint is; a power cut can lose the last
 *   commits but never corrupt the file — the same promise as the JSON files' rename, and the batching already
 *   accepts losing the last fraction of a second of polls on a crash.
 * - Normal locking, not EXCLUSIVE: an exclusive writer had to wait out any reader's transaction (a `check`
 *   loading 10,000 wallets, a backup), the event loop frozen for the 5 s busy timeout, and then failed as "not
 *   writable". The -shm file this needs goes with the WAL when the connection closes.
 */
export function openWal(path: string): Database.Database {
  const db = new Database(path, { timeout: BUSY_WAIT_MS });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('temp_store = MEMORY'); // see readWith
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Checks the schema version (schema-version.ts: a newer one or one that is no number throws, an older one is
 * migrated forward in one transaction, or MigrationError with the file untouched), makes the tables that are
 * missing and returns the database's identity (identityOf): its instance is a name made once per file, so a
 * file made anew has another (an inode number is reused at once).
 */
export function migrate(db: Database.Database): string {
  const v = checkSchema(db); // before any table is made: a newer version's file is not written to
  if (v !== undefined) migrateForward(db, v);
  db.exec(SCHEMA);
  if (v === undefined) db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)").run(String(schemaVersion()));
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('instance', ?)").run(randomUUID());
  return identityOf(db);
}

/**
 * The database's identity: its instance and how many commits it has taken. A file made anew, and an older
 * copy of this one put back (a backup restored under a running daemon), read differently from the one a
 * process last committed to.
 */
function identityOf(db: Database.Database): string {
  const value = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  return `${value('instance')}/${value('commits') ?? 0}`;
}

/** Counts a commit, inside its transaction; returns the identity the database has once it is committed. */
export function countCommit(db: Database.Database): string {
  db.prepare("INSERT INTO meta (key, value) VALUES ('commits', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1").run();
  return identityOf(db);
}

const CANNOT_MAKE_WAL_FILES = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_CANTINIT', 'SQLITE_READONLY', 'SQLITE_IOERR_SHMSIZE']);

function readWith<T>(db: Database.Database, fn: (db: Database.Database) => T): T {
  try {
    // SQLite's temporary files (a sort without an index, an index a migration builds) in memory: the
    // containers run with a read-only root, where /tmp and /var/tmp cannot be written
    db.pragma('temp_store = MEMORY');
    return fn(db);
  } finally {
    db.close();
  }
}

/**
 * `check` must change nothing in STATE_DIR. Without a -wal and a -shm, no writer has the file open and every
 * commit is in it: it is read as immutable, which creates nothing. (A read-only connection made both files,
 * and removing them afterwards raced a daemon that opened the database meanwhile: its next commit went into
 * the removed WAL, and was lost if another connection kept it from folding the WAL back at its close.) With
 * them, a writer is there or crashed: a read-only connection reads its WAL. Where that cannot make what it
 * needs (`check` run by another user than the daemon's, a read-only mount) and the WAL is empty (a full
 * disk's failed commits leave one behind, with a -shm too short to use: SQLITE_IOERR_SHMSIZE), the file is
 * read as immutable too: every such check was UNKNOWN. An immutable read takes no lock, so a daemon's commit
 * (its WAL folded back into the file) landing during it gave a mix of several commits, or SQLITE_CORRUPT: such
 * a read is made again, once the file stands still (at most READ_TRIES times, then its error or ChangedWhileRead).
 */
export function readUnchanged<T>(path: string, fn: (db: Database.Database) => T, tries = READ_TRIES): T {
  const wal = `${path}-wal`;
  const immutable = (): T => {
    const before = fileStamp(path);
    let result: { value: T } | { error: unknown };
    try {
      result = { value: readWith(new Database(`${pathToFileURL(path).href}?immutable=1`, { readonly: true }), fn) }; // a URI filename: sqlite.ts
    } catch (error) {
      result = { error };
    }
    // the file itself stood still (a writer that came meanwhile may have commits in its WAL: they came after)
    if (fileStamp(path) === before) {
      if ('error' in result) throw result.error;
      return result.value;
    }
    if (tries <= 1) throw 'error' in result ? result.error : new ChangedWhileRead(path);
    return readUnchanged(path, fn, tries - 1); // a writer is there now: its WAL is read, or the file again
  };
  if (!existsSync(wal) && !existsSync(`${path}-shm`)) return immutable();
  try {
    return readWith(new Database(path, { readonly: true, fileMustExist: true }), fn);
  } catch (err) {
    if (!CANNOT_MAKE_WAL_FILES.has(safeErrorCode(err) ?? '') || sizeOf(wal) > 0) throw err;
    return immutable();
  }
}

/** How many times readUnchanged reads a file a writer keeps changing under an immutable read. */
const READ_TRIES = 5;

/** The state database changed under every immutable read (a daemon committing all the while). */
export class ChangedWhileRead extends Error {
  readonly code = 'SQLITE_BUSY';
  constructor(path: string) {
    super(`${basename(path)} changed while it was read, ${READ_TRIES} times: a daemon is writing it`);
  }
}

/** What says the file changed: its inode, size and modification time (ns); '' when it is not there. */
function fileStamp(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return '';
  }
}

/** The file's size; 0 when it does not exist. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * A database file of 0 bytes: what a cp or a restore that failed leaves. SQLite reads it as a new database,
 * so the daemon started fresh in it without a word. A WAL beside it is not read either (WAL mode is marked in
 * the file's header): it is set aside with the file.
 */
export function isEmptyDatabase(path: string): boolean {
  const s = statSync(path, { throwIfNoEntry: false });
  return s !== undefined && s.isFile() && s.size === 0;
}

/**
 * A damaged or empty database set aside at start (StateDb.init): the daemon starts with no history, and what
 * that costs is said at error level, as for a newer version's file. It was a warning that said only "corrupt
 * or unreadable" (an empty file: nothing), while every alert firing paged again under a new id and the
 * receivers never got a resolve for the old ones.
 */
export function logSetAside(log: Logger, path: string, reason: string | undefined, to: string | undefined, empty = false): void {
  log.error(
    { file: path, reason, movedTo: to },
    (empty ? 'state database is empty (0 bytes: a copy or a restore that failed?)' : 'state database is corrupt or unreadable') +
      `; ${to === undefined ? 'it could not be set aside' : 'set aside'}, starting with no history: the alerts that were firing fire again under new ids ` +
      '(no resolve is sent for the old ones) and the notifications that were owed are not sent. To keep them, stop this daemon and put a good copy ' +
      `(a backup) in its place as ${basename(path)}`,
  );
}

/** Renames a damaged database (and its -wal, -shm) `<file>.corrupt-<time>`; returns the new name, undefined if it could not. */
export function setAside(path: string, now: number): string | undefined {
  const to = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(path, to);
  } catch {
    return undefined;
  }
  for (const ext of ['-wal', '-shm']) {
    try {
      renameSync(`${path}${ext}`, `${to}${ext}`);
    } catch {
      // not there
    }
  }
  return to;
}

/**
 * A newer version's file set aside (a rollback after an upgrade): not damage, and what starting without it
 * costs is said at error level, with what it held that is now not sent and how to get it back. It was logged
 * as 'corrupt or unreadable' at warn: a rollback's every firing alert then fired again under a new id and the
 * notifications it owed were never sent, and nothing in the log said that this was why.
 */
export function logNewerSetAside(log: Logger, path: string, err: NewerSchemaError, to: string | undefined): void {
  let owed: number | undefined;
  if (to !== undefined) {
    try {
      owed = readUnchanged(to, (db) => (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n);
    } catch {
      // a newer schema need not have that table: the count is left out
    }
  }
  log.error(
    { file: path, reason: err.message, movedTo: to, ...(owed !== undefined && { owedNotificationsSetAside: owed }) },
    'state database was written by a newer wallet-sentinel; set aside unchanged, starting with no history: ' +
      'the alerts firing in it fire again under new ids and the notifications it owed are not sent. ' +
      'To keep them, stop this daemon, run the newer version again and rename the file set aside back to ' + basename(path),
  );
}

/**
 * This build's migration of an older version's file failed (a bug in a step, or a file it did not expect): not
 * damage, so not set aside, and not a reason to stop alerting. The file stays in place as it was, for a build
 * that migrates it (a fixed release) or the one before (a rollback) to take over whole at its start.
 */
export function logUnmigrated(log: Logger, path: string, err: MigrationError): void {
  log.error(
    { file: path, reason: err.message, fromVersion: err.from, toVersion: err.to },
    'state database could not be migrated to this build\'s schema; kept in place unchanged, and this daemon runs without it: ' +
      'it alerts from memory, starting with no history (the alerts firing in the file fire again under new ids, the notifications it owed ' +
      'are not sent) and writes nothing there. To go on from the file, stop this daemon and start a build that migrates it, or the previous one',
  );
}

/** SQLite's word for a file that is not a database, or one with a damaged page (SQLITE_CORRUPT and its extended codes); or a schema version that is no number. */
export function isDamaged(err: unknown): boolean {
  const code = safeErrorCode(err);
  return code === 'SQLITE_NOTADB' || (code?.startsWith('SQLITE_CORRUPT') ?? false) || err instanceof UnknownSchemaError;
}

/** What damage `isDamaged` saw, for the log line. */
export function damageOf(err: unknown): string | undefined {
  return err instanceof UnknownSchemaError ? err.message : safeErrorCode(err);
}
