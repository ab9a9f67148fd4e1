import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { safeErrorCode } from '../errors.js';

/**
 * Why a write failed, as an errno-style code (EROFS, ENOSPC, EIO...) so /readyz, the logs and WriteHealth
 * say the same thing as for files. SQLite reports a full disk as SQLITE_FULL and a read-only one as
 * SQLITE_READONLY or an I/O error without the OS's reason: then a small probe write in the folder asks the
 * file system itself.
 */
export class StoreWriteError extends Error {
  constructor(
    readonly code: string,
    readonly sqliteCode: string | undefined,
  ) {
    super(`state database write failed (${code}${sqliteCode && sqliteCode !== code ? `, ${sqliteCode}` : ''})`);
    this.name = 'StoreWriteError';
  }
}

export function classifyWriteError(err: unknown, dir: string): StoreWriteError {
  if (err instanceof StoreWriteError) return err;
  const code = safeErrorCode(err);
  if (code === undefined || !code.startsWith('SQLITE_')) return new StoreWriteError(code ?? 'EIO', undefined);
  if (code.startsWith('SQLITE_FULL')) return new StoreWriteError('ENOSPC', code);
  // Another connection held its lock past the wait (a sqlite3 shell in a transaction, a backup tool): no
  // disk fault, and the probe write succeeds, so it read as EIO, "an I/O error", sending users to the disk.
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new StoreWriteError('EBUSY', code);
  return new StoreWriteError(probeDir(dir) ?? (code.startsWith('SQLITE_READONLY') ? 'EROFS' : 'EIO'), code);
}

/** Tries a tiny write in `dir`; the file system's error code, or undefined when it can write. */
function probeDir(dir: string): string | undefined {
  const probe = join(dir, `.write-probe.${process.pid}.tmp`);
  try {
    const fd = openSync(probe, 'w', 0o600);
    try {
      writeSync(fd, 'probe\n');
    } finally {
      closeSync(fd);
    }
    return undefined;
  } catch (err) {
    return safeErrorCode(err) ?? 'EIO';
  } finally {
    try {
      unlinkSync(probe);
    } catch {
      // absent when the open failed
    }
  }
}
