/**
 * When the readings of a closed hour are written (readings.ts). Every wallet of a fleet closes an hour in the
 * minute after it turns; written as each one's poll came, 10,000 of them went into the tables in no order,
 * each into a page of its own, in the same minute: ~60 commits that held the event loop for up to 200 ms
 * (/healthz waited, a poll slot was missed) and wrote some 630 MB. Instead the hours closed wait until the
 * fleet is CLOSE_AFTER_MS into the new hour, by which time every wallet polled once a minute has closed its
 * hour, and are then written in account order, CLOSE_CHUNK accounts a commit: appended at the end of the
 * hour-first tables, a page after another, in commits as short as the others.
 *
 * A wallet whose hour closes after that (polled less often, or late) is written at the next commit. Hours that
 * closed while no commit came CLOSE_AFTER_MS into their hour (every poll in its first minutes: an hourly
 * schedule at HH:00) are written with the first commit of the hour after: they waited a whole hour. Until its
 * hour is written the readings stay in memory (AccountStore's open readings, shown by the charts as they are),
 * and in the wallet's state, which a restart reads them back from.
 */
import { HOUR_MS, hourOf } from './readings.js';
import type { Conn, Participant, StateDb } from './db.js';

/** How far into a new hour the newest reading of any wallet must be before the hours closed are written. */
export const CLOSE_AFTER_MS = 2 * 60_000;
/** Accounts whose closed hours one commit writes (~1.6 KiB each; at 10,000 wallets the pass's longest commit took 21–31 ms in bench:store). */
export const CLOSE_CHUNK = 400;

/** An account with readings of hours that closed: AccountStore. */
export interface HourWriter {
  /** Its row id, for the order of the writes; undefined until it was first committed. */
  readonly sortKey: number | undefined;
  /** Writes its closed hours; returns the last hour it holds now (undefined: none to write). */
  writeHours(db: Conn): number | undefined;
  /** The hours up to `through` are in the database: drop them from memory. */
  hoursWritten(through: number): void;
}

export class HourCloser implements Participant {
  /** Accounts with an hour closed before the fleet reached CLOSE_AFTER_MS into the hour. */
  readonly #waiting = new Set<HourWriter>();
  /** The hour of the commit that began #waiting (Infinity: none waits). */
  #waitingSince = Infinity;
  /** To write, in this order (a pass sorted by account, then those closed after it). */
  #queue: HourWriter[] = [];
  readonly #queued = new Set<HourWriter>();
  /** The newest hour whose pass began: an account's hour closed in it is written at once. */
  #passHour = -Infinity;
  #writing: { a: HourWriter; through: number | undefined }[] = [];
  /** The store is closing: what is left is written by the next start (from the saved states), not after the last commit. */
  #stopped = false;

  constructor(private readonly db: StateDb) {}

  /**
   * An account committed, its newest reading at `newest` (stored time); `closed`: it holds readings of an
   * hour before that one's, not written yet.
   */
  note(a: HourWriter, newest: number, closed: boolean): void {
    const hour = hourOf(newest);
    if (hour > this.#passHour && (newest - hour * HOUR_MS >= CLOSE_AFTER_MS || this.#waitingSince < hour)) {
      this.#passHour = hour;
      this.#enqueue([...this.#waiting].sort((x, y) => (x.sortKey ?? Infinity) - (y.sortKey ?? Infinity)));
      this.#waiting.clear();
      this.#waitingSince = Infinity;
    }
    if (closed && !this.#queued.has(a)) {
      if (hour <= this.#passHour) this.#enqueue([a]);
      else {
        this.#waiting.add(a);
        this.#waitingSince = Math.min(this.#waitingSince, hour);
      }
    }
  }

  /** Accounts with closed hours not written yet (for tests and the benchmark). */
  get pending(): number {
    return this.#waiting.size + this.#queue.length;
  }

  write(db: Conn): void {
    this.#writing = this.#queue.slice(0, CLOSE_CHUNK).map((a) => ({ a, through: a.writeHours(db) }));
  }

  committed(): void {
    const done = this.#writing;
    this.#writing = [];
    this.#queue.splice(0, done.length);
    for (const { a, through } of done) {
      this.#queued.delete(a);
      if (through !== undefined) a.hoursWritten(through);
    }
    if (this.#queue.length > 0) this.#stage();
  }

  #enqueue(accounts: HourWriter[]): void {
    if (accounts.length === 0) return;
    for (const a of accounts) this.#queued.add(a);
    this.#queue.push(...accounts);
    this.#stage();
  }

  /** No more commits of its own: the store's last one is under way. */
  stop(): void {
    this.#stopped = true;
  }

  #stage(): void {
    if (this.#stopped) return;
    void this.db.stage(this).catch(() => undefined); // a failed commit keeps it staged and is retried
  }
}
