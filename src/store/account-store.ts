import type { AccountState } from '../domain/account.js';
import type { Notification } from '../domain/alerts.js';
import { INITIAL_ACCOUNT_STATE } from '../domain/account.js';
import type { Sample } from '../domain/history.js';
import { allocate, EMPTY_SAMPLES, lastSampleT, raw, SAMPLE_STRIDE, sampleCount, samplesToPlain, sampleT, type Samples } from '../domain/packed.js';
import type { Conn, Participant } from './db.js';
import { eventOf, readAlertEvents, writeAlertEvents, type AlertEvent } from './alert-events.js';
import { encodeSnapshot, entryOf, type Entry } from './journal.js';
import type { HourWriter } from './hour-closer.js';
import { HOUR_MS, hourOf, readRange, writeHours } from './readings.js';
import type { StateStore } from './state-store.js';

/** What a commit writes for `state` after `base` (AccountStore.#made). */
type Made = { base: AccountState | undefined; state: AccountState } & Entry;

/** A snapshot after this many journal entries (spread over accounts by name, so they do not all come at once). */
export const SNAPSHOT_EVERY = 60;

/** What the database holds for one account, as read at start-up. */
export interface StoredAccount {
  id: number;
  state: AccountState;
  snapshotSeq: number;
  /** Highest journal seq of this account (≤ snapshotSeq when the snapshot is current). */
  lastSeq: number;
  /** Last hour whose readings are in the `readings` table. */
  historyThrough: number;
  /** The snapshot or a journal entry could not be read: the next save writes a fresh snapshot. */
  damaged: boolean;
  /** Where its notifications went (AccountStore.route), as last written; absent for a database before it was kept. */
  routing?: string | undefined;
  /** How far its timeline moved with clock steps since its readings began (account_clock); absent: 0. */
  clockOffset?: number;
}

/**
 * One account's state in the state database, with the shape the poll cycle uses (load, save, path). A
 * save stages the new state; the commit (shared with other accounts' saves and the outbox, one transaction)
 * writes a journal entry with what changed since the last commit and a snapshot every SNAPSHOT_EVERY
 * entries. The readings of an hour that closed are written when the store's HourCloser says.
 */
export class AccountStore implements Participant, HourWriter {
  /** The database file (for log lines). */
  readonly path: string;
  #id: number | undefined;
  /** What the database holds: the base of the next journal entry. Undefined: nothing yet (a snapshot next). */
  #committed: AccountState | undefined;
  #staged: AccountState | undefined;
  /** Commits of this account so far, offset by a stable per-account stagger: a snapshot when it is a multiple of SNAPSHOT_EVERY. */
  #saves: number;
  #forceSnapshot = false;
  #snapshotSeq = 0;
  #lastSeq = 0;
  #historyThrough = -1;
  /** Readings not in the readings tables yet (the open hour, and one closed that waits for HourCloser); packed, as an hour of objects per wallet would cost ~6 KiB. */
  #open: Samples = EMPTY_SAMPLES;
  /** Alert events decided and not committed yet (kept across a failed commit). */
  readonly #events: AlertEvent[] = [];
  /** Where the account's notifications go (JSON), and what the database holds of it. */
  #routing: string | undefined;
  #routingWritten: string | undefined;
  /**
   * How far the wallet's timeline moved with wall-clock steps (shift): the readings and alert events are
   * stored on the timeline as it was (stored t = t − this), so a step moves none of the rows, and what is
   * read is moved back onto the clock of now. #open, #historyThrough and #events are stored times too.
   */
  #clock = 0;
  #clockWritten = 0;
  /** The offset of the timeline the staged and the committed state are on (a step may come between a save and its commit). */
  #stagedClock = 0;
  #committedClock = 0;
  #writing: { id: number; state: AccountState; snapshot: boolean; seq: number; open: Samples; events: number; routing: string | undefined; clock: number } | undefined;
  /**
   * What the commit writes for the state saved, made by save(): its journal entry against the committed
   * state, or its snapshot in place of an entry too large (entryOf). At an hour's turn the usage profile closes an hour
   * in every wallet at once (a 14 KB entry, so a snapshot, ~0.3 ms a wallet): made in the commit, ~170
   * wallets' worth held the event loop for 50 ms and more. The commit uses it while state and base are the same.
   */
  #made: Made | undefined;

  constructor(
    private readonly store: StateStore,
    readonly account: string,
  ) {
    this.path = store.db.path;
    this.#saves = stagger(account);
  }

  /** The saved state, or the initial one. (`readOnly` is the store's mode: `check` opens it read-only.) */
  async load(now: number, _opts: { readOnly?: boolean } = {}): Promise<AccountState> {
    const known = this.#staged ?? this.#committed; // loaded before in this process (a wallet removed and added back)
    if (known) return known;
    const found = await this.store.take(this.account, now);
    if (!found) return INITIAL_ACCOUNT_STATE;
    this.adopt(found);
    return found.state;
  }

  /** Where the account's notifications go (JSON): written with its next save when it changed. */
  route(routing: string): void {
    this.#routing = routing;
  }

  /** Takes what the database holds as the base of the next save. */
  adopt(found: StoredAccount): void {
    this.#id = found.id;
    this.#routingWritten = found.routing;
    this.#snapshotSeq = found.snapshotSeq;
    this.#lastSeq = found.lastSeq;
    this.#historyThrough = found.historyThrough;
    this.#clock = this.#clockWritten = this.#committedClock = found.clockOffset ?? 0;
    this.#committed = found.damaged ? undefined : found.state;
    const samples = found.state.history.samples;
    const off = this.#clock;
    this.#open = concatSamples(EMPTY_SAMPLES, samples, firstPassing(samples, (t) => hourOf(t - off) > found.historyThrough), off);
  }

  /**
   * The wallet's timeline moved by `deltaMs` (a wall-clock step: the monitor moved its state with shiftClock).
   * The readings table and the alert events move with it by the offset they are read with, kept with them;
   * no row is rewritten. Without it, a step back left every reading out of the table until the clock caught
   * up, and a step forward wrote the last hours a second time, shifted, and dropped days from the oldest.
   */
  shift(deltaMs: number): void {
    this.#clock += deltaMs;
  }

  /** Resolves when this state (or a newer one) is committed; rejects if that commit failed (it is retried). */
  save(state: AccountState, decided: readonly Notification[] = []): Promise<void> {
    this.#staged = state;
    this.#stagedClock = this.#clock;
    this.#made = this.#make(state);
    for (const n of decided) {
      const e = eventOf(n);
      if (e) this.#events.push({ ...e, t: e.t - this.#clock });
    }
    return this.store.db.stage(this);
  }

  /** Readings with from ≤ t ≤ to from the last 14 days (full resolution for a day, then one per 10 min), oldest first. */
  readRange(from: number, to: number): Sample[] {
    const through = this.#historyThrough;
    return this.#onClock(from, to, (db, id, a, b) => readRange(db, id, a, b, through), samplesToPlain(this.#open));
  }

  /** The alert timeline (what was decided, from the state database and not committed yet) with from ≤ t ≤ to, oldest first. */
  alertEvents(from: number, to: number): AlertEvent[] {
    return this.#onClock(from, to, readAlertEvents, this.#events);
  }

  /**
   * What the database holds (`read`) and memory adds (`pending`) with from ≤ t ≤ to on the clock of now: the
   * range asked in stored times (less the offset of the clock steps), the times found moved back.
   */
  #onClock<T extends { t: number }>(from: number, to: number, read: (db: Conn, id: number, from: number, to: number) => T[], pending: readonly T[]): T[] {
    const off = this.#clock;
    const stored = this.#stored((db, id) => read(db, id, from - off, to - off)) ?? [];
    const all = [...stored, ...pending.filter((x) => x.t >= from - off && x.t <= to - off)];
    return off === 0 ? all : all.map((x) => ({ ...x, t: x.t + off }));
  }

  /**
   * What the database holds for this account, or undefined when it holds nothing yet or cannot be read (a
   * read-only remount: the writer's connection cannot open there, and WriteHealth already tells of it). The
   * status page then draws what memory holds rather than answer 500 when it is most looked at.
   */
  #stored<T>(read: (db: Conn, id: number) => T): T | undefined {
    const id = this.#id;
    if (id === undefined || !this.store.db.exists()) return undefined;
    try {
      return this.store.db.read((db) => read(db, id));
    } catch {
      return undefined;
    }
  }

  /** Journal entries since the last snapshot; the store compacts accounts that lag (idle ones hold the journal back). */
  get journalState(): { snapshotSeq: number; lastSeq: number } {
    return { snapshotSeq: this.#snapshotSeq, lastSeq: this.#lastSeq };
  }

  /** Writes a snapshot at the next commit (folds the journal; for idle accounts and start-up compaction). */
  compact(): Promise<void> {
    if (this.#committed === undefined && this.#staged === undefined) return Promise.resolve(); // nothing yet (a first write is a snapshot anyway)
    this.#stageCommitted();
    this.#forceSnapshot = true;
    return this.store.db.stage(this);
  }

  write(db: Conn): void {
    const state = this.#staged;
    if (!state) return;
    const id = this.#id ?? this.store.accountId(db, this.account); // kept once committed: a rollback undoes the row
    const made = this.#made?.state === state && this.#made.base === this.#committed ? this.#made : this.#make(state);
    const snapshot = made.text === undefined || this.#forceSnapshot || (this.#saves + 1) % SNAPSHOT_EVERY === 0;
    let seq = this.#lastSeq;
    if (!snapshot && made.text !== '{}') seq = Number(db.prepare('INSERT INTO journal (account_id, delta) VALUES (?, ?)').run(id, made.text).lastInsertRowid);
    if (snapshot) {
      seq = (db.prepare('SELECT MAX(seq) AS seq FROM journal').get() as { seq: number | null }).seq ?? 0;
      db.prepare('UPDATE accounts SET snapshot = ?, snapshot_seq = ? WHERE id = ?').run(made.blob ?? encodeSnapshot(state), seq, id);
    }
    // Readings: new samples join the open ones (HourCloser has those of closed hours written).
    const off = this.#stagedClock;
    const lastKnown = lastSampleT(this.#open) ?? (this.#historyThrough + 1) * HOUR_MS - 1;
    const samples = state.history.samples;
    const from = firstPassing(samples, (t) => t - off > lastKnown);
    const open = from === sampleCount(samples) ? this.#open : concatSamples(this.#open, samples, from, off);
    writeAlertEvents(db, id, this.#events);
    const routing = this.#routing ?? this.#routingWritten;
    if (routing !== undefined && routing !== this.#routingWritten) db.prepare('INSERT OR REPLACE INTO account_routing (account_id, routing) VALUES (?, ?)').run(id, routing);
    if (off !== this.#clockWritten) db.prepare('INSERT OR REPLACE INTO account_clock (account_id, offset_ms) VALUES (?, ?)').run(id, off);
    this.#writing = { id, state, snapshot, seq, open, events: this.#events.length, routing, clock: off };
  }

  /** What a commit writes for `state` after the committed state: its journal entry or its snapshot (entryOf). */
  #make(state: AccountState): Made {
    const base = this.#committed;
    return { base, state, ...entryOf(base, state) };
  }

  /** Stages the committed state again (with its timeline's offset) when nothing newer is staged. */
  #stageCommitted(): void {
    if (this.#staged !== undefined) return;
    this.#staged = this.#committed;
    this.#stagedClock = this.#committedClock;
  }

  /** A database made anew (StateDb): the next write is a snapshot of the latest state, under a new row. */
  rewrite(): void {
    this.#stageCommitted();
    this.#committed = undefined;
    this.#id = undefined;
    this.#lastSeq = 0;
    this.#snapshotSeq = 0;
    this.#routingWritten = undefined;
    this.#clockWritten = NaN; // written again
  }

  committed(): void {
    const w = this.#writing;
    if (!w) return;
    this.#writing = undefined;
    if (this.#staged === w.state) this.#staged = undefined;
    if (this.#made?.state === w.state) this.#made = undefined;
    this.#id = w.id;
    this.#committed = w.state;
    this.#lastSeq = w.seq;
    this.#open = w.open;
    this.#events.splice(0, w.events);
    this.#routingWritten = w.routing;
    this.#clockWritten = this.#committedClock = w.clock;
    this.#saves++;
    if (w.snapshot) {
      this.#snapshotSeq = w.seq;
      this.#forceSnapshot = false;
    }
    const newest = lastSampleT(this.#open);
    if (newest !== undefined) this.store.hours.note(this, newest, this.#holdsClosedHour(newest));
  }

  /** Whether the readings not yet written begin in an hour before that of the newest (`newest`): an hour closed, waiting for HourCloser. */
  #holdsClosedHour(newest: number): boolean {
    return hourOf(sampleT(this.#open, 0)) < hourOf(newest);
  }

  get sortKey(): number | undefined {
    return this.#id;
  }

  /** HourCloser: writes the readings of the hours closed (all but the newest reading's hour). */
  writeHours(db: Conn): number | undefined {
    const newest = lastSampleT(this.#open);
    if (newest === undefined || !this.#holdsClosedHour(newest)) return undefined;
    const closed = samplesToPlain(this.#open).filter((s) => hourOf(s.t) < hourOf(newest)); // once an hour per wallet
    return writeHours(db, this.#id ?? this.store.accountId(db, this.account), closed);
  }

  /** HourCloser: the hours up to `through` are written; their readings leave memory (and a commit in progress). */
  hoursWritten(through: number): void {
    this.#historyThrough = Math.max(this.#historyThrough, through);
    const keep = (open: Samples) => concatSamples(EMPTY_SAMPLES, open, firstPassing(open, (t) => hourOf(t) > through));
    this.#open = keep(this.#open);
    if (this.#writing) this.#writing.open = keep(this.#writing.open);
  }
}

/** Index of the first of the newest samples whose time passes `after` (a test that holds from some time on); the count when none does. */
function firstPassing(samples: Samples, after: (t: number) => boolean): number {
  let i = sampleCount(samples);
  while (i > 0 && after(sampleT(samples, i - 1))) i--;
  return i;
}

/** `a`'s samples, then `b`'s from index `from` on, their times less `minusT`: a new packed series. */
function concatSamples(a: Samples, b: Samples, from: number, minusT = 0): Samples {
  const [x, y] = [raw(a), raw(b)];
  const skip = from * SAMPLE_STRIDE;
  const out = allocate<'samples'>((x.length + y.length - skip) / SAMPLE_STRIDE, SAMPLE_STRIDE);
  for (let i = 0; i < x.length; i++) out[i] = x[i]!;
  for (let i = skip; i < y.length; i++) out[x.length + i - skip] = (i - skip) % SAMPLE_STRIDE === 0 ? y[i]! - minusT : y[i]!;
  return out;
}

/** A stable start in [0, SNAPSHOT_EVERY) per account, so 10,000 accounts do not snapshot on the same poll. */
function stagger(account: string): number {
  let h = 2166136261;
  for (let i = 0; i < account.length; i++) h = Math.imul(h ^ account.charCodeAt(i), 16777619);
  return (h >>> 0) % SNAPSHOT_EVERY;
}
