import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from './sqlite.js';
import { safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { countCommit, damageOf, isDamaged, isEmptyDatabase, logNewerSetAside, logSetAside, logUnmigrated, migrate, openWal, readUnchanged, setAside } from './db-file.js';
import { commitDelay, FlushTimer, RETRY_MS } from './flush-timer.js';
import { checkSchemaReadOnly, MigrationError, NewerSchemaError } from './schema-version.js';
import { makeDir } from './make-dir.js';
import type { WriteHealth } from './write-health.js';
import { classifyWriteError } from './write-error.js';

/** The one database file in STATE_DIR. */
export const DB_FILE = 'wallet-sentinel.db';

export type Conn = Database.Database;
export { isDamaged };

/**
 * Something with changes staged for the next commit: the per-account stores and the outbox. `write` runs
 * inside the commit's transaction (it must not keep anything it wrote as "done" until `committed`);
 * `committed` runs once the transaction is durable.
 */
export interface Participant {
  write(db: Conn): void;
  committed(): void;
  /**
   * The database file was removed or replaced under the running daemon (STATE_DIR emptied, a volume
   * swapped): forget what it held, so the next write is whole (a snapshot, every owed row), not a change
   * against rows that are gone.
   */
  rewrite?(): void;
}

export interface StateDbOptions {
  health?: WriteHealth;
  /** Fixed delay before a commit (tests, the benchmark); default: FLUSH_MS by load. */
  flushMs?: number;
  retryMs?: number;
  /** `check`: never create, migrate or write anything; a missing database reads as empty. */
  readOnly?: boolean;
  /** Told after every successful commit. */
  afterCommit?: () => void;
}

/**
 * The state database: one SQLite file in STATE_DIR (WAL mode) that every account store and the outbox
 * write through. Changes are staged in memory and committed together, one transaction per flush
 * interval, so a poll costs an appended journal row rather than a page rewrite of its own. A failed commit
 * keeps what was staged and is retried on a timer until the disk takes it (WriteHealth follows).
 *
 * Between commits the database is not held open: a connection is opened for each commit or read and
 * closed after it (the checkpoint folds the WAL back into the database on close). That keeps the daemon
 * from pinning the file system for writing (a read-only remount works while it runs; STATE_DIR's lock,
 * lock.ts, holds one file open for reading), at the price of an open per commit, which the batching makes rare.
 */
export class StateDb {
  readonly path: string;
  readonly #staged = new Set<Participant>();
  /** Every participant that ever staged: all of them write again into a database made anew. */
  readonly #known = new Set<Participant>();
  /** The identity (db-file.ts identityOf) of the database as this process last committed it, to notice one made anew or put back. */
  #instance: string | undefined;
  /** The identity of the database the last connection opened. */
  #opened: string | undefined;
  #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  readonly #timer = new FlushTimer(() => void this.flush().catch(() => undefined)); // the waiters get the rejection
  #flushing: Promise<void> | undefined;
  /** When the last commit ended (performance.now(); -Infinity: none yet). */
  #lastCommitEnd = -Infinity;
  /** The last commit failed: a change staged `soon` waits as any other (a failing disk is not tried faster). */
  #failing = false;
  #closed = false;
  /** Set by `abandon`: STATE_DIR belongs to another daemon now; nothing more is written. */
  #abandoned = false;
  #lastCommitSize = 0;
  /**
   * This build could not migrate the file (a step threw; the file is as it was): for the rest of the process
   * nothing is read from or written to it, so that a build that can migrate it, or the one before, takes it
   * over whole. Commits fail with it (WriteHealth, /readyz) and alerts go on from memory.
   */
  #unmigrated: MigrationError | undefined;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
    private readonly opts: StateDbOptions = {},
  ) {
    this.path = join(dir, DB_FILE);
  }

  get readOnly(): boolean {
    return this.opts.readOnly === true;
  }

  /** True when the database file exists (a read-only store with none reads every account as fresh) and this build could migrate it. */
  exists(): boolean {
    return this.#unmigrated === undefined && existsSync(this.path);
  }

  /** The file is held back unread and unwritten: this build's migration of it failed (see #unmigrated). */
  get unmigrated(): boolean {
    return this.#unmigrated !== undefined;
  }

  /**
   * Opens (creating if needed), checks and migrates the database: a file that is not a database, fails its
   * header check or has no version number is set aside as `<file>.corrupt-<time>`, and so is an empty one (0
   * bytes: SQLite reads it as a new database), each said at error level with what starting fresh costs
   * (logSetAside), and a fresh one is made; a newer version's is set aside too (logNewerSetAside). One this build could not migrate is
   * kept in place untouched and the daemon runs without it (#unmigrated). Throws (classified) when STATE_DIR
   * cannot be written. Read-only: only checks that it can be read.
   */
  init(now: number): void {
    if (this.readOnly) return;
    if (isEmptyDatabase(this.path)) logSetAside(this.log, this.path, 'empty (0 bytes)', setAside(this.path, now), true);
    try {
      this.#withConn(() => undefined);
    } catch (err) {
      if (err instanceof MigrationError) return; // said at error level by #withConn
      if (!isDamaged(err) && !(err instanceof NewerSchemaError)) throw classifyWriteError(err, this.path);
      const to = setAside(this.path, now);
      if (err instanceof NewerSchemaError) logNewerSetAside(this.log, this.path, err, to);
      else logSetAside(this.log, this.path, damageOf(err), to);
      this.#withConn(() => undefined);
    }
    this.#instance = this.#opened;
  }

  /**
   * A database whose header is sound but a page inside is not (a torn copy, a bad sector), met by a read
   * or a commit after it opened: set aside as at start, so the next commit writes everything this process
   * holds to a fresh file (the instance differs: see #madeAnew). Without it the daemon exited 1 at every
   * start, or retried a commit that could never succeed and reported STATE_DIR not writable for good.
   * True if `err` was such damage and the file is set aside.
   */
  setAsideIfDamaged(err: unknown, now: number): boolean {
    if (this.readOnly || !isDamaged(err)) return false;
    const to = setAside(this.path, now);
    this.log.warn({ file: this.path, reason: damageOf(err), movedTo: to }, "state database is corrupt; set aside, writing what this process holds to a fresh one (history and state it did not load are in the file set aside)");
    return to !== undefined;
  }

  /**
   * Runs `fn` on a connection opened for it (read-only for `check`), then closes it; in one read
   * transaction, so its statements see one commit: `check` read the accounts, the daemon snapshotted one
   * and trimmed its journal, then `check` read the journal — an old snapshot with only the newest entries
   * (an alert gone, the history cut), silently.
   */
  read<T>(fn: (db: Conn) => T): T {
    const once = (db: Conn): T => db.transaction(() => fn(db)).deferred();
    // check reads a newer or an older version's file as unreadable, not by this version's idea of its tables (it cannot migrate)
    if (this.readOnly) return readUnchanged(this.path, (db) => (checkSchemaReadOnly(db), once(db)));
    return this.#withConn(once);
  }

  /** One transaction now, outside the batching (start-up import). Throws classified. */
  writeNow(fn: (db: Conn) => void): void {
    try {
      this.#withConn((db) => db.transaction(() => fn(db)).immediate());
    } catch (err) {
      throw classifyWriteError(err, this.path);
    }
  }

  /**
   * Stages `p`'s changes for the next commit; resolves once they are committed, rejects if that commit failed.
   * `now`: commit at once; `soon`: within SOON_MS (flush-timer.ts), unless the disk is failing.
   */
  stage(p: Participant, opts: { now?: boolean; soon?: boolean } = {}): Promise<void> {
    if (this.readOnly) return Promise.reject(new Error('the state database is open read-only'));
    if (this.#abandoned) return Promise.resolve(); // dropped on purpose (see abandon)
    this.#staged.add(p);
    this.#known.add(p);
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (opts.now || this.#closed) {
      void this.flush().catch(() => undefined);
      return done;
    }
    const now = performance.now();
    const soon = opts.soon === true && !this.#failing;
    this.#timer.flushIn(commitDelay({ soon, now, lastCommitEnd: this.#lastCommitEnd, lastCommitSize: this.#lastCommitSize, fixed: this.opts.flushMs }), now, soon);
    return done;
  }

  /** Commits everything staged now (after a commit in progress); rejects if it failed. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => undefined);
    if (this.#abandoned) return void this.#staged.clear(); // a commit that failed before abandon put its changes back
    this.#timer.cancel();
    if (this.#staged.size === 0 && this.#waiters.length === 0) return;
    this.#flushing = this.#commit();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Final commit, no more timers. Rejects if what was staged could not be written. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    this.#timer.cancel();
  }

  /**
   * STATE_DIR was taken by another daemon (lock.ts, keepStateDir): from now on nothing is written, not even
   * at stop, so this daemon's last states and owed notifications do not land in a database the other one
   * uses (its own commits would interleave with them; owed rows would be sent at its next start, late).
   * The other daemon loaded this one's commits up to its start and polls the same wallets. Staged changes are
   * dropped and their waiters told they are done; returns how many participants had changes staged.
   */
  abandon(): number {
    this.#abandoned = true;
    this.#closed = true;
    this.#timer.cancel();
    const dropped = this.#staged.size;
    this.#staged.clear();
    for (const w of this.#waiters.splice(0)) w.resolve();
    return dropped;
  }

  async #commit(): Promise<void> {
    const parts = [...this.#staged];
    this.#lastCommitSize = parts.length;
    const waiters = this.#waiters;
    this.#staged.clear();
    this.#waiters = [];
    const transaction = () =>
      this.#withConn((db) =>
        db
          .transaction(() => {
            if (this.#instance !== undefined && this.#opened !== this.#instance) this.#madeAnew(parts);
            parts.forEach((p) => p.write(db));
            this.#opened = countCommit(db);
          })
          .immediate(),
      );
    const write = async () => {
      try {
        try {
          transaction();
        } catch (err) {
          if (!this.setAsideIfDamaged(err, Date.now())) throw err;
          transaction(); // a fresh file: everything known is written again
        }
      } catch (err) {
        throw classifyWriteError(err, this.path);
      }
    };
    try {
      await (this.opts.health ? this.opts.health.track(this.path, write) : write());
    } catch (err) {
      this.#failing = true;
      this.#lastCommitEnd = performance.now();
      for (const p of parts) this.#staged.add(p); // newer changes of the same participant are in it already
      this.log.debug({ file: this.path, code: safeErrorCode(err) }, 'state commit failed; will retry');
      if (!this.#closed) this.#timer.retryIn(this.opts.retryMs ?? RETRY_MS);
      for (const w of waiters) w.reject(err as Error);
      throw err;
    }
    this.#failing = false;
    this.#lastCommitEnd = performance.now();
    for (const p of parts) p.committed();
    this.#instance = this.#opened;
    for (const w of waiters) w.resolve();
    this.opts.afterCommit?.();
  }

  /** A participant that will not stage again (a wallet forgotten): not kept for a database made anew. */
  release(p: Participant): void {
    if (!this.#staged.has(p)) this.#known.delete(p);
  }

  /**
   * The database is not the one this process committed to (STATE_DIR emptied, a volume swapped, a backup
   * restored; a read meanwhile may have made it anew, empty): every participant writes all it holds again, in
   * this commit, rather than a change against rows that are gone or older than it thinks.
   */
  #madeAnew(parts: Participant[]): void {
    this.log.warn({ file: this.path }, "the state database was removed, replaced or restored from an older copy while running; writing every wallet's state and the owed notifications to it again");
    for (const p of this.#known) {
      p.rewrite?.();
      if (!parts.includes(p)) parts.push(p);
    }
  }

  #withConn<T>(fn: (db: Conn) => T): T {
    if (this.#unmigrated) throw this.#unmigrated; // the same build fails the same way: not run again at every commit
    makeDir(this.dir); // a STATE_DIR removed while running comes back (ENOTDIR, EROFS... thrown here)
    const db = openWal(this.path);
    try {
      try {
        this.#opened = migrate(db); // every time: cheap, and a STATE_DIR emptied under a running daemon gets its tables back
      } catch (err) {
        if (err instanceof MigrationError) logUnmigrated(this.log, this.path, (this.#unmigrated = err));
        throw err;
      }
      return fn(db);
    } finally {
      db.close(); // the last connection to close checkpoints and removes the -wal and -shm files
    }
  }
}
