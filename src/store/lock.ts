import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StateDirBusyError } from './write-health.js';

/** The file a running daemon holds locked in STATE_DIR (the database itself is opened per commit). */
export const LOCK_FILE = 'wallet-sentinel.lock';
/** How long a starting daemon waits for the lock: the one it replaces may still be saving its state. */
export const LOCK_WAIT_MS = 5_000;

export interface StateDirLock {
  release(): void;
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
 * its own, another daemon took the file in between, and this one is the one that yields. `check` and
 * `test-alert` only read STATE_DIR and take no lock.
 */
export function lockStateDir(dir: string, waitMs = LOCK_WAIT_MS): StateDirLock {
  const path = join(dir, LOCK_FILE);
  const id = randomUUID();
  const claim = new Database(path, { timeout: waitMs });
  try {
    claim.pragma('journal_mode = MEMORY'); // nothing of this file needs to survive; no journal file
    claim.exec('BEGIN EXCLUSIVE');
    claim.exec('CREATE TABLE IF NOT EXISTS holder (key INTEGER PRIMARY KEY, id TEXT NOT NULL, pid INTEGER NOT NULL, since TEXT NOT NULL)');
    claim.prepare('INSERT OR REPLACE INTO holder (key, id, pid, since) VALUES (1, ?, ?, ?)').run(id, process.pid, new Date().toISOString());
    claim.exec('COMMIT');
  } catch (err) {
    throw busy(err, dir);
  } finally {
    claim.close(); // before the read-only connection locks anything: SQLite would keep this file descriptor open for it
  }
  const hold = new Database(path, { readonly: true, fileMustExist: true, timeout: waitMs });
  try {
    hold.pragma('locking_mode = EXCLUSIVE'); // the SHARED lock of the first read is kept until close
    const row = hold.prepare('SELECT id FROM holder WHERE key = 1').get() as { id: string } | undefined;
    if (row?.id !== id) throw new StateDirBusyError(dir);
  } catch (err) {
    hold.close();
    throw busy(err, dir);
  }
  return { release: () => hold.close() };
}

function busy(err: unknown, dir: string): unknown {
  return (err as { code?: string }).code === 'SQLITE_BUSY' ? new StateDirBusyError(dir) : err;
}
