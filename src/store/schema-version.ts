/**
 * The state database's schema version (the `schema` row of table `meta`) and the steps that bring a file an
 * older build wrote up to this build's: compared as numbers, so a release that raises the version takes over
 * the files of every version before it instead of refusing them as "newer" (setting aside their history,
 * alert ids and owed notifications).
 */
import type Database from 'better-sqlite3';
import { safeErrorCode } from '../errors.js';

/** Brings a database of version N to N+1, inside the migration's transaction; throwing undoes every step. */
export type Migration = (db: Database.Database) => void;

/**
 * MIGRATIONS[i] takes version i+1 to i+2, so this build's version is 1 + MIGRATIONS.length. A change an older
 * build would misread (a table or column renamed, dropped or given another meaning) appends its step here; one
 * an older build ignores (a new table, a new column with a default) needs none: SCHEMA's CREATE TABLE IF NOT
 * EXISTS makes it. A step sees the file as the last build of its version left it (a file version 1's early
 * builds wrote may lack the tables they added later, such as alert_events: use IF EXISTS), runs with the
 * steps before it in one transaction, and must not BEGIN or COMMIT itself.
 * (Tests append fake steps here: test/helpers/fake-migrations.mjs in a spawned daemon.)
 */
export const MIGRATIONS: Migration[] = [];

/** The version a build with these steps writes. */
export const schemaVersion = (steps: readonly Migration[] = MIGRATIONS): number => 1 + steps.length;

/** A file of a version above this build's: a newer build wrote it (a rollback); it is not written to. */
export class NewerSchemaError extends Error {
  constructor(readonly version: number, current: number) {
    super(`schema version ${version} is newer than this build's ${current}`);
  }
}

/** `check` (read-only, so it cannot migrate) met a file of an older version: its tables are another layout. */
export class OlderSchemaError extends Error {
  constructor(readonly version: number, current: number) {
    super(`schema version ${version} is older than this build's ${current}; the daemon migrates it when it starts`);
  }
}

/** A version that is not a positive integer: another program's file, or a damaged one (set aside like one). */
export class UnknownSchemaError extends Error {
  constructor(value: unknown) {
    super(`schema version ${JSON.stringify(value)?.slice(0, 40) ?? String(value)} is not a version number: not a wallet-sentinel database, or a damaged one`);
  }
}

/** MigrationError's code: no fault of the disk, and no retry by the same build helps. */
export const MIGRATION_FAILED = 'SCHEMA_MIGRATION_FAILED';

/**
 * A step threw: its transaction is rolled back, the file is as it was. The code is what /readyz and the
 * write-failure line name; the reason is the step's error code (and SQLite's message, which names tables and
 * columns, not values) or its class, never a JavaScript message, which may quote a row (a webhook URL).
 */
export class MigrationError extends Error {
  readonly code = MIGRATION_FAILED;
  readonly reason: string;

  constructor(
    readonly from: number,
    readonly to: number,
    readonly failedAt: number,
    cause: unknown,
  ) {
    const code = safeErrorCode(cause);
    const reason = code?.startsWith('SQLITE_') ? `${code}: ${(cause as Error).message.slice(0, 200)}` : (code ?? (cause instanceof Error ? cause.name : typeof cause));
    super(`schema version ${from} could not be migrated to ${to}: ${failedAt < to ? `the step from ${failedAt} to ${failedAt + 1}` : 'recording the new version'} failed (${reason})`);
    this.reason = reason;
  }
}

/** The stored version; undefined when none is written yet (a new file). Throws UnknownSchemaError. Changes nothing. */
export function storedSchema(db: Database.Database): number | undefined {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get()) return undefined;
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: unknown } | undefined;
  if (row === undefined) return undefined;
  const v = typeof row.value === 'string' && /^[1-9][0-9]{0,8}$/.test(row.value) ? Number(row.value) : undefined;
  if (v === undefined) throw new UnknownSchemaError(row.value);
  return v;
}

/** The stored version (undefined: none yet), refusing a newer one (NewerSchemaError) or one that is no number. Changes nothing. */
export function checkSchema(db: Database.Database, steps: readonly Migration[] = MIGRATIONS): number | undefined {
  const v = storedSchema(db);
  if (v !== undefined && v > schemaVersion(steps)) throw new NewerSchemaError(v, schemaVersion(steps));
  return v;
}

/** For a reader that cannot migrate (`check`): an older version is refused too. */
export function checkSchemaReadOnly(db: Database.Database, steps: readonly Migration[] = MIGRATIONS): void {
  const v = checkSchema(db, steps);
  if (v !== undefined && v < schemaVersion(steps)) throw new OlderSchemaError(v, schemaVersion(steps));
}

/**
 * Runs the steps from version `from` to this build's and records the new version, all in one transaction
 * (nothing when `from` is current). A step's own fault throws MigrationError with the file untouched; the
 * disk's (full, I/O, a lock, a damaged page) is thrown as it is, to be handled as at any other write.
 */
export function migrateForward(db: Database.Database, from: number, steps: readonly Migration[] = MIGRATIONS): void {
  const to = schemaVersion(steps);
  let at = from;
  if (from >= to) return;
  try {
    db.transaction(() => {
      for (; at < to; at++) steps[at - 1]!(db);
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(String(to));
    }).immediate();
  } catch (err) {
    if (NOT_THE_STEPS_FAULT.test(safeErrorCode(err) ?? '')) throw err;
    throw new MigrationError(from, to, at, err);
  }
}

const NOT_THE_STEPS_FAULT = /^(SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|NOMEM|CORRUPT|NOTADB)|E[A-Z]+$)/;

/** Why a reader cannot use the file, in words (`check`); undefined for an error that is not about the version. */
export function schemaProblem(err: unknown): string | undefined {
  if (err instanceof NewerSchemaError) return `it was written by a newer wallet-sentinel: ${err.message}`;
  if (err instanceof OlderSchemaError) return `it was written by an older wallet-sentinel: ${err.message}`;
  if (err instanceof UnknownSchemaError) return err.message;
  return undefined;
}
