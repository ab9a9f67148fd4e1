/**
 * Accounts no wallet claims (removed from the configuration, renamed, moved to another shard): once idle past
 * the KEEP_HOURS the readings are kept and firing nothing, all their rows are deleted, after a start
 * (StateStore.releasePreloaded) and, in a daemon that runs on, hourly (StateStore.sweepUnclaimed).
 *
 * They are deleted DELETE_CHUNK accounts a commit, over the commits that follow (as HourCloser writes closed
 * hours), each account with all its rows in one commit. Deleted in one transaction, 2,000 wallets removed
 * from a fleet (a shard rebalanced) held the event loop 2.5–5.5 s and wrote a commit of 100–370 MiB of WAL
 * (bench:stale): an account is ~360 rows of readings, one delete each, spread over the pages of the ~340
 * hours it held (keys put the hour first), which it shares with other accounts. No order of the deletes
 * does much better (one statement per table, its keys in order, was slower): it is the rows and pages.
 */
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { latestTime } from '../domain/account.js';
import { safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { StoredAccount } from './account-store.js';
import type { Conn, Participant, StateDb } from './db.js';
import { encodeSnapshot } from './journal.js';
import { deleteReadings, HOUR_MS, KEEP_HOURS } from './readings.js';

/**
 * Accounts one commit deletes: in bench:stale (a loaded 2-core machine) a commit of 25 held the event loop
 * ~110 ms (~35 ms of deletes, the rest the commit writing and folding back ≤ 6.4 MiB of WAL). Fewer barely
 * shorten it (10: ~75 ms) and change the same pages again in more commits: 10 wrote 1.3 GB for 2,000
 * accounts, 25 0.7 GB, one transaction 0.2 GB.
 */
export const DELETE_CHUNK = 25;
/** Accounts folded into a snapshot in one transaction at start (~0.3 ms each: a snapshot encoded). */
export const FOLD_CHUNK = 200;
/** Journal entries one read looks through for those of the accounts to delete (~25 ms per 100,000 in bench:stale). */
export const JOURNAL_SLICE = 100_000;

/** An account judged stale, with its row as then read: it is deleted only if its row is still so. */
export interface StaleAccount {
  id: number;
  name: string;
  snapshotSeq: number;
}

/** Idle (not polled) past KEEP_HOURS, firing nothing, and read whole: its rows may go. */
export function isStale(stored: StoredAccount, now: number): boolean {
  return !stored.damaged && Object.keys(stored.state.alerts).length === 0 && (latestTime(stored.state) ?? -Infinity) < now - KEEP_HOURS * HOUR_MS;
}

/**
 * The stale accounts a start found (StateStore.releasePreloaded), ready for StaleDeleter: those whose journal
 * goes past their snapshot (a daemon stopped for 14 days, started without their wallets) are folded into one
 * first, FOLD_CHUNK a transaction, now. They are deleted over the commits that follow, and a reload meanwhile
 * reads an account's row alone (readMany: after start-up no account unclaimed has entries past its snapshot):
 * without its journal, an older state. A disk that refuses: none is deleted, the next start tries again.
 */
export function folded(stateDb: StateDb, log: Logger, stale: readonly { name: string; stored: StoredAccount }[]): StaleAccount[] {
  const out = stale.filter((a) => a.stored.lastSeq <= a.stored.snapshotSeq).map(({ name, stored }) => ({ id: stored.id, name, snapshotSeq: stored.snapshotSeq }));
  const behind = stale.filter((a) => a.stored.lastSeq > a.stored.snapshotSeq);
  for (let i = 0; i < behind.length; i += FOLD_CHUNK) {
    const chunk = behind.slice(i, i + FOLD_CHUNK);
    try {
      stateDb.writeNow((db) => {
        const seq = (db.prepare('SELECT MAX(seq) AS seq FROM journal').get() as { seq: number | null }).seq ?? 0; // as AccountStore writes a snapshot
        const put = db.prepare('UPDATE accounts SET snapshot = ?, snapshot_seq = ? WHERE id = ? AND snapshot_seq = ?');
        for (const { name, stored } of chunk) {
          put.run(encodeSnapshot(stored.state), seq, stored.id, stored.snapshotSeq);
          out.push({ id: stored.id, name, snapshotSeq: seq });
        }
      });
    } catch (err) {
      log.warn({ file: stateDb.path, code: safeErrorCode(err) }, CANNOT_DELETE);
      return [];
    }
  }
  return out.sort((a, b) => a.id - b.id);
}

const CANNOT_DELETE = 'cannot delete the state of accounts no wallet claims; tried again within the hour and at the next start';

/**
 * Deletes stale accounts over the commits that follow start(), DELETE_CHUNK a commit. An account is deleted
 * only if, in its commit, no wallet of this process claims it (`claimed`: a reload took it back between
 * two commits, or is reading it: it keeps its state) and its row is still as it was judged (a reload took it
 * back and gave it up again, a snapshot written since; the file was replaced): else it stays, for the next
 * sweep to judge again. A reload after its commit finds nothing and starts afresh, never a mix.
 */
export class StaleDeleter implements Participant {
  #queue: StaleAccount[] = [];
  /** The journal entries (seq) of the accounts queued, by account id. */
  #journal = new Map<number, number[]>();
  /** What the commit under way deletes: the chunk's length, and the names of those deleted. */
  #writing: { count: number; gone: string[] } | undefined;
  #deleted: string[] = [];
  #pass: Promise<void> | undefined;
  #end: (() => void) | undefined;
  #stopped = false;

  constructor(
    private readonly db: StateDb,
    private readonly log: Logger,
    private readonly claimed: (name: string) => boolean,
  ) {}

  /** The pass under way, resolved when it ends (deleted, given up or stopped); undefined when none runs. */
  get running(): Promise<void> | undefined {
    return this.#pass;
  }

  /** Starts a pass over `stale` (none while one runs: the next sweep judges again what it would have left). */
  start(stale: readonly StaleAccount[]): Promise<void> {
    if (this.#pass || this.#stopped || stale.length === 0) return this.#pass ?? Promise.resolve();
    const pass = this.#run([...stale]).finally(() => (this.#pass = undefined));
    this.#pass = pass;
    return pass;
  }

  async #run(stale: StaleAccount[]): Promise<void> {
    this.#deleted = [];
    try {
      this.#journal = await journalOf(this.db, stale.map((a) => a.id));
    } catch (err) {
      return this.#refused(err);
    }
    if (this.#stopped) return;
    this.#queue = stale;
    await new Promise<void>((resolve) => {
      this.#end = resolve;
      this.#stage();
    });
  }

  write(db: Conn): void {
    const chunk = this.#queue.slice(0, DELETE_CHUNK);
    const asRead = db.prepare('SELECT 1 FROM accounts WHERE id = ? AND name = ? AND snapshot_seq = ?');
    const gone = chunk.filter((a) => !this.claimed(a.name) && asRead.get(a.id, a.name, a.snapshotSeq) !== undefined);
    deleteAccounts(db, gone.map((a) => a.id), gone.flatMap((a) => this.#journal.get(a.id) ?? []));
    this.#writing = { count: chunk.length, gone: gone.map((a) => a.name) };
  }

  committed(): void {
    const done = this.#writing;
    this.#writing = undefined;
    if (!done || !this.#end) return;
    this.#queue.splice(0, done.count);
    this.#deleted.push(...done.gone);
    if (this.#queue.length > 0 && !this.#stopped) this.#stage();
    else this.#finish();
  }

  /** The database was made anew: its ids are not those judged. */
  rewrite(): void {
    this.#queue = [];
  }

  /** The store is closing: a chunk already staged goes with the last commit, the rest with the next start. */
  stop(): void {
    this.#stopped = true;
  }

  #stage(): void {
    this.db.stage(this).catch((err: unknown) => this.#refused(err));
  }

  /** A disk that refuses: the rest waits for the next sweep or start (a commit retried meanwhile deletes nothing more). */
  #refused(err: unknown): void {
    if (this.#pass === undefined) return;
    this.#queue = [];
    this.#finish(err);
  }

  #finish(err?: unknown): void {
    const names = this.#deleted;
    if (names.length > 0) this.log.info({ file: this.db.path, accounts: names.length, names: names.slice(0, 20) }, `deleted the state of accounts no wallet has claimed for over ${KEEP_HOURS / 24} days`);
    if (err !== undefined) this.log.warn({ file: this.db.path, code: safeErrorCode(err) }, CANNOT_DELETE);
    this.#deleted = [];
    this.#journal = new Map();
    this.#end?.();
    this.#end = undefined;
  }
}

/**
 * The journal entries of the accounts `ids`, by account, read JOURNAL_SLICE entries at a time with the event
 * loop let go between: the journal has no index by account, and a fleet polled every minute keeps ~600,000
 * entries (~180 ms to look through at once). Entries written later are a claimed account's: not deleted.
 */
async function journalOf(stateDb: StateDb, ids: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  const json = JSON.stringify(ids);
  const bounds = stateDb.read((db) => db.prepare('SELECT MIN(seq) AS low, MAX(seq) AS high FROM journal').get() as { low: number | null; high: number | null });
  for (let from = (bounds.low ?? 1) - 1; from < (bounds.high ?? 0); from += JOURNAL_SLICE) {
    if (from >= (bounds.low ?? 1)) await yieldLoop();
    const rows = stateDb.read((db) => db.prepare('SELECT seq, account_id AS id FROM journal WHERE seq > ? AND seq <= ? AND account_id IN (SELECT value FROM json_each(?))').all(from, from + JOURNAL_SLICE, json) as { seq: number; id: number }[]);
    for (const r of rows) (out.get(r.id) ?? out.set(r.id, []).get(r.id)!).push(r.seq);
  }
  return out;
}

/** Every row of the accounts `ids` (their journal entries: `seqs`), the accounts row last. */
function deleteAccounts(db: Conn, ids: readonly number[], seqs: readonly number[]): void {
  if (ids.length === 0) return;
  const json = JSON.stringify(ids);
  // The journal's newest entry stays, as an entry of no account (ids start at 1): deleted, its number was
  // given out again, at or below the snapshot of an account saved in the same commit, and that account's
  // next entries were taken for ones its snapshot covers and skipped at the next start (StateStore.write
  // keeps the newest entry for the same reason).
  db.prepare("UPDATE journal SET account_id = 0, delta = '' WHERE seq = (SELECT MAX(seq) FROM journal) AND account_id IN (SELECT value FROM json_each(?))").run(json);
  db.prepare('DELETE FROM journal WHERE seq IN (SELECT value FROM json_each(?)) AND account_id IN (SELECT value FROM json_each(?))').run(JSON.stringify(seqs), json);
  for (const table of ['alert_events', 'account_routing', 'account_clock']) db.prepare(`DELETE FROM ${table} WHERE account_id IN (SELECT value FROM json_each(?))`).run(json);
  for (const id of ids) deleteReadings(db, id);
  db.prepare('DELETE FROM accounts WHERE id IN (SELECT value FROM json_each(?))').run(json);
}
