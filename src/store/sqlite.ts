/**
 * better-sqlite3, with URI filenames on: every module of this program opens SQLite through here. The native
 * addon reads SQLITE_USE_URI once, when the first database is opened (off in its build without it), and the
 * read-only look at a file no writer has open (db-file.ts readUnchanged) opens it `?immutable=1`: opened first
 * elsewhere (the daemon's lock, a test), that look failed to open. Paths here are never URIs by accident: they
 * are STATE_DIR joined with a file name, and a URI is only a name that begins with `file:`.
 */
process.env.SQLITE_USE_URI ??= '1';

export { default } from 'better-sqlite3';
