import { randomUUID } from 'node:crypto';
import { statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from './sqlite.js';
import { safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { notWritable } from './write-error.js';
import { StateDirBusyError, StateDirError } from './write-health.js';

/** The file a running daemon holds locked in STATE_DIR (the database itself is opened per commit). */
export const LOCK_FILE = 'wallet-sentinel.lock';
/** How long a starting daemon waits for the lock: the one it replaces may still be saving its state. */
export const LOCK_WAIT_MS = 5_000;
/** How often a running daemon checks that LOCK_FILE is still the file it holds (see keepStateDir). */
export const LOCK_CHECK_MS = 5_000;

export interface StateDirLock {
  release(): void;
  /** LOCK_FILE is still the file held: false once it was removed or replaced, when it locks nothing. */
  intact(): boolean;
}

/**
 * Takes STATE_DIR for this process, with SQLite's locks on LOCK_FILE (the kernel's: a killed process's
 * lock goes with it, so a crash never leaves a stale lock behind, unlike a pid file). Without it two
 * daemons on one STATE_DIR (a second replica, a unit started twice) each polled, paged under their own
 * alert ids and wrote over the other's state.
 *
 * The holder keeps a SHARED lock through a read-only connection: a file open for writing would stop the
 * volume being remounted read-only under the running daemon (EBUSY), which it survives by design. A
 * newcomer needs the EXCLUSIVE lock for a moment (waiting up to `waitMs` for a daemon that is stopping,
 * then StateDirBusyError), writes its id, lets go and takes its SHARED lock; if the id it then reads is not
 * its own, another daemon took the file in between, and this one is the one that yields. A damaged
 * LOCK_FILE holds nothing worth keeping (an id): it is made anew. Any other failure is a StateDirError
 * naming LOCK_FILE. `check` and `test-alert` only read STATE_DIR and take no lock.
 */
export function lockStateDir(dir: string, waitMs = LOCK_WAIT_MS): StateDirLock {
  const path = join(dir, LOCK_FILE);
  const id = randomUUID();
  try {
    claim(path, id, waitMs);
  } catch (err) {
    const code = safeErrorCode(err);
    if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') throw failure(err, dir);
    try {
      removeIfThere(path); // not a database: no daemon can hold it (another starter may have removed it first)
      claim(path, id, waitMs);
    } catch (again) {
      throw failure(again, dir);
    }
  }
  const before = fileId(path);
  let hold: Database.Database | undefined;
  try {
    hold = new Database(path, { readonly: true, fileMustExist: true, timeout: waitMs });
    hold.pragma('locking_mode = EXCLUSIVE'); // the SHARED lock of the first read is kept until close
    const row = hold.prepare('SELECT id FROM holder WHERE key = 1').get() as { id: string } | undefined;
    // Another id, or the file replaced while it was being taken: another daemon has it, this one yields.
    if (row?.id !== id || fileId(path) !== before) throw new StateDirBusyError(dir);
  } catch (err) {
    hold?.close();
    throw failure(err, dir);
  }
  const held = hold;
  const intact = (): boolean => {
    const now = fileId(path);
    return before === undefined || now === undefined || now === before; // only a file gone or replaced is told
  };
  return { release: () => held.close(), intact };
}

function claim(path: string, id: string, waitMs: number): void {
  const db = new Database(path, { timeout: waitMs });
  try {
    db.pragma('journal_mode = MEMORY'); // nothing of this file needs to survive; no journal file
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (key INTEGER PRIMARY KEY, id TEXT NOT NULL, pid INTEGER NOT NULL, since TEXT NOT NULL)');
    db.prepare('INSERT OR REPLACE INTO holder (key, id, pid, since) VALUES (1, ?, ?, ?)').run(id, process.pid, new Date().toISOString());
    db.exec('COMMIT');
  } finally {
    db.close(); // before the read-only connection locks anything: SQLite would keep this file descriptor open for it
  }
}

/** The file's identity (device and inode), GONE when it does not exist, undefined when it cannot be told (EIO, EACCES). */
function fileId(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch (err) {
    return safeErrorCode(err) === 'ENOENT' ? GONE : undefined;
  }
}

const GONE = 'gone';

function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (safeErrorCode(err) !== 'ENOENT') throw err;
  }
}

function failure(err: unknown, dir: string): Error {
  if (err instanceof StateDirBusyError) return err;
  const code = safeErrorCode(err);
  if (code === 'SQLITE_BUSY') return new StateDirBusyError(dir);
  // SQLite opens a lock file this user may not write read-only: "SQLITE_READONLY" did not say it is owned by root
  const denied = code?.startsWith('SQLITE_READONLY') ? notWritable([join(dir, LOCK_FILE)]) : undefined;
  return denied === undefined ? new StateDirError(dir, code ?? 'error', LOCK_FILE) : new StateDirError(dir, 'EACCES', LOCK_FILE, denied);
}

/**
 * STATE_DIR taken for as long as the daemon runs (lockStateDir, then a check every `everyMs`). A LOCK_FILE
 * removed or replaced under it (a clean-up job, a hand) locked nothing: a second daemon could start. It is
 * then taken again (a warning); if another daemon took it meanwhile, `onLost` is told and this one must
 * yield; while it cannot be taken (STATE_DIR unwritable), an error is logged once and it is tried again.
 */
export function keepStateDir(dir: string, log: Logger, onLost: (err: StateDirBusyError) => void, everyMs = LOCK_CHECK_MS): { release(): void } {
  let lock: StateDirLock | null = lockStateDir(dir);
  let failing = false;
  const timer = setInterval(() => {
    if (lock?.intact()) return;
    lock?.release();
    lock = null;
    try {
      lock = lockStateDir(dir, 0);
      failing = false;
      log.warn({ stateDir: dir, file: LOCK_FILE }, `${LOCK_FILE} was removed or replaced under the running daemon: taken again (remove nothing in STATE_DIR while wallet-sentinel runs)`);
    } catch (err) {
      if (err instanceof StateDirBusyError) {
        clearInterval(timer);
        onLost(err);
      } else if (!failing) {
        failing = true;
        log.error({ stateDir: dir, file: LOCK_FILE, code: (err as StateDirError).code }, `${LOCK_FILE} was removed or replaced and cannot be made again: a second daemon could start on this STATE_DIR; retrying`);
      }
    }
  }, everyMs);
  timer.unref();
  return {
    release: () => {
      clearInterval(timer);
      lock?.release();
      lock = null;
    },
  };
}
