import { setImmediate as yieldLoop } from 'node:timers/promises';
import type { AccountState } from '../domain/account.js';
import type { Logger } from '../log.js';
import { AccountStore, SNAPSHOT_EVERY, type StoredAccount } from './account-store.js';
import { readEveryAccount, readMany } from './account-reads.js';
import { StateDb, type Conn, type Participant, type StateDbOptions } from './db.js';
import { HourCloser } from './hour-closer.js';
import { HOUR_MS } from './readings.js';
import { importV01 } from './import-v01.js';
import { ReadOnlyLook } from './read-only.js';
import { folded, isStale, StaleDeleter, type StaleAccount } from './unclaimed.js';

/** Journal housekeeping (dropping entries every snapshot covers) every this many commits. */
const MAINTAIN_EVERY = 64;
/** How often, at most, a running daemon looks for accounts no wallet has claimed for KEEP_HOURS (sweepUnclaimed). */
export const SWEEP_EVERY_MS = HOUR_MS;
/** Accounts a sweep reads at a time to judge them (~150 µs each: a snapshot inflated and parsed), the event loop let go between. */
const SWEEP_READ = 200;

/**
 * The state of every account and the outbox, in one SQLite database in STATE_DIR (see StateDb). Made for
 * many wallets in one process: `account(name)` hands out a per-account store; the first load reads every
 * account in one pass (snapshots, then the journal in order), so 10,000 wallets start from one scan
 * rather than 10,000 queries. `releasePreloaded()` (after every wallet loaded) folds the journal of
 * accounts nobody asked for (removed wallets) into snapshots so it can be trimmed.
 */
/** An account no wallet of this process claims, with alerts still firing, and where its notifications went (JSON, if known). */
export interface Orphan {
  name: string;
  state: AccountState;
  routing: string | undefined;
}

export class StateStore implements Participant {
  readonly db: StateDb;
  /** Writes the readings of closed hours, in passes (hour-closer.ts). */
  readonly hours: HourCloser;
  /** Deletes the accounts no wallet has claimed for KEEP_HOURS, in passes (unclaimed.ts). */
  readonly stale: StaleDeleter;
  readonly #accounts = new Map<string, AccountStore>();
  #preloaded: Map<string, StoredAccount> | undefined;
  /** After start-up, within `prefetched`: what the database holds for the wallets a reload adds (undefined: nothing). */
  #fetched: Map<string, StoredAccount | undefined> | undefined;
  /** Read-only (check): its one look at STATE_DIR. */
  #readOnly: ReadOnlyLook | undefined;
  #released = false;
  #commits = 0;
  #sweptAt = -Infinity;
  #sweeping = false;
  readonly #now: (() => number) | undefined;

  /** `now`: the daemon's clock; with it, the housekeeping after commits also runs sweepUnclaimed (hourly). */
  constructor(
    readonly dir: string,
    private readonly log: Logger,
    opts: StateDbOptions & { now?: () => number } = {},
  ) {
    const { now, ...dbOpts } = opts;
    this.#now = now;
    this.db = new StateDb(dir, log, { ...dbOpts, afterCommit: () => this.#afterCommit() });
    this.hours = new HourCloser(this.db);
    this.stale = new StaleDeleter(this.db, log, (name) => this.#accounts.has(name) || this.#fetched?.has(name) === true);
  }

  /**
   * Opens (creating, migrating, or setting a corrupt file aside) and imports a 0.1 JSON STATE_DIR once; not
   * into a file this build could not migrate (the JSON files wait for a build that can). Throws StoreWriteError.
   */
  async init(now: number): Promise<void> {
    this.db.init(now);
    if (!this.db.readOnly && !this.db.unmigrated) await importV01(this.db, this.dir, now, this.log);
  }

  /** The store of one account (one per name). */
  account(name: string): AccountStore {
    let a = this.#accounts.get(name);
    if (!a) this.#accounts.set(name, (a = new AccountStore(this, name)));
    return a;
  }

  /**
   * A wallet no longer watched leaves memory (its state and the hour of readings not closed yet): its last
   * state is folded into a snapshot first, so the database holds all of it and a wallet added back reads
   * it from there. `unused` is asked once the fold is committed: a wallet added back meanwhile keeps its
   * store. A fold the disk refuses keeps the store (memory is then the only copy). Rejects with that error.
   */
  async forget(name: string, unused: () => boolean): Promise<void> {
    const a = this.#accounts.get(name);
    if (!a) return;
    await a.compact();
    if (!unused() || this.#accounts.get(name) !== a) return;
    this.#accounts.delete(name);
    this.db.release(a);
  }

  /** Accounts held in memory (the wallets watched, and removed ones not forgotten yet). */
  get accountsInMemory(): number {
    return this.#accounts.size;
  }

  get commits(): number {
    return this.#commits;
  }

  /** What the database holds for `name` (read with every other account on the first call); undefined if nothing. */
  async take(name: string, now: number): Promise<StoredAccount | undefined> {
    if (this.db.readOnly) return (this.#readOnly ??= new ReadOnlyLook(this.dir, this.db, this.log)).take(name, now);
    if (this.#released) {
      // a wallet added later (a reload)
      if (!this.#fetched?.has(name)) return this.#readOneOrFresh(name, now);
      const found = this.#fetched.get(name);
      this.#fetched.delete(name);
      return found;
    }
    this.#preloaded ??= this.#preloadOrFresh(now);
    const found = this.#preloaded.get(name);
    this.#preloaded.delete(name);
    return found;
  }

  /**
   * Runs `use` with what the database holds for `names` (the wallets a reload adds) read in one transaction
   * for their take(): read one by one, each opened the database, 1.2 ms a wallet (1.2 s of a reload adding
   * 1,000, the event loop held throughout). A name whose store is in memory is not read: that store is the
   * truth, and one being forgotten may still write its last state. Before start-up is done, take() reads
   * every account at once anyway. A read that fails (STATE_DIR unreadable) leaves each take() to read alone.
   */
  async prefetched<T>(names: readonly string[], now: number, use: () => Promise<T>): Promise<T> {
    if (this.db.readOnly || !this.#released) return use();
    const wanted = names.filter((n) => !this.#accounts.has(n));
    try {
      this.#fetched = this.#orFresh(() => this.#readMany(wanted), () => new Map(wanted.map((n) => [n, undefined])), now);
    } catch {
      return use(); // each take() reads on its own, and a wallet it cannot read is left out, not the whole reload
    }
    try {
      return await use();
    } finally {
      this.#fetched = undefined;
    }
  }

  /** The row id of an account, creating the row (inside the commit's transaction). */
  accountId(db: Conn, name: string): number {
    db.prepare('INSERT OR IGNORE INTO accounts (name) VALUES (?)').run(name);
    return (db.prepare('SELECT id FROM accounts WHERE name = ?').get(name) as { id: number }).id;
  }

  /**
   * Every wallet has loaded: accounts left unclaimed (wallets removed, renamed or moved to another shard
   * while the daemon was stopped) get their journal folded into a snapshot, and memory is freed. Those
   * with alerts still firing are returned, adopted, for the caller to close and forget (Fleet.closeOrphans).
   * Those not polled for longer than the readings are kept (KEEP_HOURS) and firing nothing are deleted with
   * all their rows, over the commits that follow (`stale`; the start does not wait for it, unclaimed.ts
   * `folded`): a fleet whose wallets come and go would otherwise grow its database for ever.
   */
  releasePreloaded(now: number): Orphan[] {
    const left = this.#released ? new Map<string, StoredAccount>() : (this.#preloaded ?? this.#preloadOrFresh(now)); // no wallet loaded (a shard with none): read now
    this.#preloaded = undefined;
    this.#released = true;
    this.#sweptAt = now;
    const orphans: Orphan[] = [];
    const stale: { name: string; stored: StoredAccount }[] = [];
    for (const [name, stored] of left) {
      if (stored.damaged || this.#accounts.has(name)) continue;
      const firing = Object.keys(stored.state.alerts).length > 0;
      if (isStale(stored, now)) {
        stale.push({ name, stored });
        continue;
      }
      if (!firing && stored.lastSeq <= stored.snapshotSeq) continue;
      const a = this.account(name);
      a.adopt(stored);
      if (firing) orphans.push({ name, state: stored.state, routing: stored.routing });
      else void a.compact().catch(() => undefined); // retried with the next commits if the disk refuses
    }
    void this.stale.start(folded(this.db, this.log, stale));
    return orphans;
  }

  /**
   * The start's deletion of stale accounts (releasePreloaded), for a daemon that runs on: a wallet a reload
   * removed leaves memory but keeps its rows (added back, it goes on from them), and without a restart they
   * stayed for good: a fleet whose wallets come and go grew its database with every one removed. Those idle
   * past KEEP_HOURS and firing nothing (a reload closed their alerts) are deleted as a start would. Not
   * during a reload's read of the wallets it adds, nor while a pass of deletions runs. A database that cannot
   * be read or written keeps them. Resolves once the accounts are judged (SWEEP_READ at a time, the event loop
   * let go between) and their deletion started (`stale.running`).
   */
  async sweepUnclaimed(now: number): Promise<void> {
    if (!this.#released || this.db.readOnly || this.#fetched !== undefined || this.#sweeping || this.stale.running || !this.db.exists()) return;
    this.#sweptAt = now;
    this.#sweeping = true;
    try {
      const stale: StaleAccount[] = [];
      const names = this.db.read((db) => db.prepare('SELECT name FROM accounts').pluck().all() as string[]);
      for (let i = 0; i < names.length; i += SWEEP_READ) {
        if (i > 0) await yieldLoop();
        const left = this.#readMany(names.slice(i, i + SWEEP_READ).filter((name) => !this.#accounts.has(name)));
        for (const [name, stored] of left) if (stored && isStale(stored, now)) stale.push({ id: stored.id, name, snapshotSeq: stored.snapshotSeq });
      }
      void this.stale.start(stale);
    } catch {
      // tried again at the next sweep; a damaged file is set aside by the commits
    } finally {
      this.#sweeping = false;
    }
  }

  /** Final commit (a pass of closed hours or of deletions under way stops: the next start does the rest). Rejects if what was staged could not be written. */
  close(): Promise<void> {
    this.hours.stop();
    this.stale.stop();
    return this.db.close();
  }

  /** Journal housekeeping: drop the entries every account's snapshot covers; compact accounts that hold it back. */
  write(db: Conn): void {
    const max = (db.prepare('SELECT MAX(seq) AS seq FROM journal').get() as { seq: number | null }).seq;
    if (max === null) return;
    const slack = 2 * SNAPSHOT_EVERY * Math.max(1, this.#accounts.size);
    let low = max; // the newest entry always stays: rowids must never start again from 1
    for (const a of this.#accounts.values()) {
      const { snapshotSeq, lastSeq } = a.journalState;
      if (lastSeq <= snapshotSeq) continue;
      if (snapshotSeq < max - slack) void a.compact().catch(() => undefined); // idle: fold it at the next commit
      low = Math.min(low, snapshotSeq + 1);
    }
    db.prepare('DELETE FROM journal WHERE seq < ?').run(low);
  }

  committed(): void {}

  #afterCommit(): void {
    this.#commits++;
    if (!this.#released || this.#commits % MAINTAIN_EVERY !== 0) return;
    void this.db.stage(this).catch(() => undefined);
    const now = this.#now?.();
    if (now !== undefined && now - this.#sweptAt >= SWEEP_EVERY_MS) void this.sweepUnclaimed(now);
  }

  /** Every account as stored; none (a fresh start) when a damaged page stops the read: the file is set aside. */
  #preloadOrFresh(now: number): Map<string, StoredAccount> {
    return this.#orFresh(() => readEveryAccount(this.db, this.log), () => new Map(), now);
  }

  /** `read()`, or `fresh()` when a damaged page stops it: the file is set aside, and the next commit writes all this process holds to a new one. */
  #orFresh<T>(read: () => T, fresh: () => T, now: number): T {
    try {
      return read();
    } catch (err) {
      if (!this.db.setAsideIfDamaged(err, now)) throw err;
      return fresh();
    }
  }

  /** One account after start-up; none (a fresh start) when a damaged page stops the read: the file is set aside, as at start. */
  #readOneOrFresh(name: string, now: number): StoredAccount | undefined {
    return this.#orFresh(() => this.#readMany([name]).get(name), () => undefined, now);
  }

  /**
   * Accounts after start-up, by name (undefined: none stored; see readMany).
   */
  #readMany(names: readonly string[]): Map<string, StoredAccount | undefined> {
    const out = new Map<string, StoredAccount | undefined>(names.map((n) => [n, undefined]));
    if (names.length === 0 || !this.db.exists()) return out;
    this.db.read((db) => readMany(db, names, this.log, out));
    return out;
  }
}
