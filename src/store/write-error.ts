import { accessSync, closeSync, constants, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { safeErrorCode } from '../errors.js';

/**
 * Why a write failed, as an errno-style code (EROFS, ENOSPC, EIO...) so /readyz, the logs and WriteHealth
 * say the same thing as for files. SQLite reports a full disk as SQLITE_FULL and a read-only one as
 * SQLITE_READONLY or an I/O error without the OS's reason: then a small probe write in the folder asks the
 * file system itself. When that write succeeds, a read-only database is one file this user may not write
 * (EACCES, with `detail` naming it and its owner), not a read-only file system.
 */
export class StoreWriteError extends Error {
  constructor(
    readonly code: string,
    readonly sqliteCode: string | undefined,
    /** Which file and what to do, when the code alone does not say it (safe to show: a path and uids). */
    readonly detail?: string,
  ) {
    super(`state database write failed (${code}${sqliteCode && sqliteCode !== code ? `, ${sqliteCode}` : ''})`);
    this.name = 'StoreWriteError';
  }
}

/** `path`: the database file; the probe write goes to its folder, STATE_DIR. */
export function classifyWriteError(err: unknown, path: string): StoreWriteError {
  if (err instanceof StoreWriteError) return err;
  const code = safeErrorCode(err);
  if (code === undefined || !code.startsWith('SQLITE_')) return new StoreWriteError(code ?? 'EIO', undefined);
  if (code.startsWith('SQLITE_FULL')) return new StoreWriteError('ENOSPC', code);
  // Another connection held its lock past the wait (a sqlite3 shell in a transaction, a backup tool): no
  // disk fault, and the probe write succeeds, so it read as EIO, "an I/O error", sending users to the disk.
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new StoreWriteError('EBUSY', code);
  const fsCode = probeDir(dirname(path));
  if (fsCode !== undefined) return new StoreWriteError(fsCode, code);
  if (!code.startsWith('SQLITE_READONLY')) return new StoreWriteError('EIO', code);
  // The folder takes a write, so the file system is not read-only: the file is (SQLite opens a file it may
  // not write read-only, silently). Said as EROFS, "make it writable", when it was a database left owned by
  // root by a first run as root.
  const denied = notWritable([path, `${path}-wal`, `${path}-shm`]);
  return denied === undefined ? new StoreWriteError('EROFS', code) : new StoreWriteError('EACCES', code, denied);
}

/**
 * Why the first of `files` this process may not write cannot be (its owner or its mode, and what to do), or
 * undefined when each is absent or writable. A read-only mount is not told here (access says EROFS).
 */
export function notWritable(files: readonly string[]): string | undefined {
  const uid = process.getuid?.();
  for (const file of files) {
    try {
      accessSync(file, constants.W_OK);
      continue;
    } catch (err) {
      if (safeErrorCode(err) !== 'EACCES') continue;
    }
    let owner: number;
    let mode: number;
    try {
      ({ uid: owner, mode } = statSync(file));
    } catch {
      continue;
    }
    if (owner !== uid) return `${file} is owned by uid ${owner} and not writable by uid ${uid ?? '?'}${owner === 0 ? ' (a first run as root?)' : ''}: chown it to the daemon's user`;
    return `${file} is not writable by its owner, uid ${owner} (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}): chmod u+w it`;
  }
  return undefined;
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
