import type { Logger } from '../log.js';
import type { Conn, Participant, StateDb } from '../store/db.js';
import { notificationsOf, type Delivery } from './delivery.js';
import { deliverySchema } from './outbox-schema.js';
import { notificationKey } from './notifier.js';
import type { TargetBook } from './retarget.js';

export interface OutboxDoc {
  deliveries: readonly Delivery[];
  /** Alert id → when a target last accepted a notification of it (for /api/status `last_notified_at`). */
  delivered: Readonly<Record<string, number>>;
  /**
   * The configured targets and the heirs of retired ones (`targets` in `meta`), so that a start can tell a
   * channel whose destination was changed while the daemon was stopped (one of its receiver and kind gone, one
   * new) from one removed, and send what a reload's old destination still owed (an attempt there in flight at
   * a SIGKILL) where the reload pointed: resume.ts. Undefined as loaded: not known (a file an earlier build wrote).
   */
  targets?: TargetBook | undefined;
}

/** A stop found owed notifications it could not write to STATE_DIR: they are lost. */
export class OwedNotSavedError extends Error {
  constructor(owed: number, file: string, code: string) {
    super(`${owed} owed notification(s) could not be saved to ${file} (${code}) and are lost`);
    this.name = 'OwedNotSavedError';
  }
}

/**
 * Owed deliveries in the state database (table `outbox`, one row per delivery; `delivered` in `meta`), so a
 * restart sends what a stop left owed. The dispatcher's memory is the truth and the database its mirror.
 * A mirror is staged with the commit that follows, which is also the one that carries the alert state of
 * the poll that owed it: the notifications owed and the alert book that says they were decided reach the
 * disk in one transaction. A failed commit is retried by the database (every few seconds) until the disk
 * takes it; `save` (at stop) commits at once and rejects if it cannot.
 */
export class OutboxStore implements Participant {
  readonly path: string;
  #current: (() => OutboxDoc) | undefined;
  /** deliveryId → its row as committed. */
  #rows = new Map<string, string>();
  #delivered = '{}';
  /** The `targets` row as committed ('': none yet). */
  #targets = '';
  #writing: { rows: Map<string, string>; delivered: string; targets: string; anew: boolean } | undefined;
  /** The next write starts from an empty table (rewrite). */
  #anew = false;
  /** Each owed delivery's row, and the changing fields it was made from: one not changed is not made again. */
  readonly #bodies = new WeakMap<Delivery, { stamp: string; body: string }>();

  constructor(
    private readonly db: StateDb,
    private readonly log: Logger,
  ) {
    this.path = db.path;
  }

  async load(now: number): Promise<OutboxDoc> {
    if (!this.db.exists()) return { deliveries: [], delivered: {} };
    let read: { rows: { id: string; body: string }[]; delivered: string; targets: string | undefined };
    try {
      read = this.db.read((db) => ({
        rows: db.prepare('SELECT delivery_id AS id, body FROM outbox').all() as { id: string; body: string }[],
        delivered: metaValue(db, 'delivered') ?? '{}',
        targets: metaValue(db, 'targets'),
      }));
    } catch (err) {
      // a damaged page: the file is set aside (said there), and what it owed cannot be read
      if (!this.db.setAsideIfDamaged(err, now)) throw err;
      return { deliveries: [], delivered: {} };
    }
    const { rows, delivered } = read;
    const targets = bookOf(read.targets);
    this.#targets = targets === undefined ? '' : read.targets!;
    const deliveries: Delivery[] = [];
    for (const r of rows) {
      try {
        deliveries.push(deliverySchema.parse(JSON.parse(r.body)) as Delivery);
        this.#rows.set(r.id, r.body);
      } catch (err) {
        this.log.error({ file: this.path, deliveryId: r.id, reason: (err as Error).message.slice(0, 200) }, 'owed notification unreadable; it is lost');
        this.#rows.set(r.id, r.body); // known, so the next commit deletes it: said once, not at every start
      }
    }
    deliveries.sort((a, b) => a.createdAt - b.createdAt);
    const times = timesOf(delivered);
    if (times === undefined) this.log.error({ file: this.path }, 'when each alert was last notified is unreadable; it starts again empty (the owed notifications are kept)');
    this.#delivered = times === undefined ? '' : delivered; // unreadable: rewritten at the next commit
    return { deliveries, delivered: times ?? {}, targets };
  }

  /** Commits `doc` now (with whatever else is staged); rejects if the write failed. */
  save(doc: OutboxDoc): Promise<void> {
    this.#current = () => doc;
    return this.db.stage(this, { now: true });
  }

  /**
   * Stages `current()` for the next commit (at once, so that whatever the caller stages before awaiting
   * joins the same transaction) and resolves with whether that commit succeeded. Never rejects: WriteHealth
   * tells of failures, and the database retries with what is current then.
   *
   * `reached`: a delivery a target just took (or some of an email's recipients did). If a commit wrote its
   * row, a restart sends it again until the next commit says otherwise: that commit is asked for soon
   * (flush-timer.ts SOON_MS), not in the second the database waits under load, in which a crash loop's every kill
   * resent what the start before it had delivered. A row no commit wrote needs no hurry: a restart does not know it.
   */
  async mirror(current: () => OutboxDoc, reached?: Delivery): Promise<boolean> {
    this.#current = current;
    try {
      await this.db.stage(this, { soon: reached !== undefined && this.#rows.has(reached.deliveryId) });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * How many notifications of `deliveries` no commit has written (a restart would not know them): a delivery
   * without a row, or what an open digest took since its row was written.
   */
  notSaved(deliveries: readonly Delivery[]): number {
    let n = 0;
    for (const d of deliveries) {
      const row = this.#rows.get(d.deliveryId);
      const written = row === undefined ? 0 : 1 + ((JSON.parse(row) as Partial<Delivery>).more?.length ?? 0);
      n += Math.max(0, notificationsOf(d).length - written);
    }
    return n;
  }

  /** Kept for the dispatcher's stop: retries belong to the database, which stops retrying when it is closed. */
  stopRetrying(): void {}

  write(db: Conn): void {
    if (!this.#current) return;
    const doc = this.#current();
    const rows = new Map(doc.deliveries.map((d) => [d.deliveryId, this.#body(d)]));
    const del = db.prepare('DELETE FROM outbox WHERE delivery_id = ?');
    const put = db.prepare('INSERT OR REPLACE INTO outbox (delivery_id, body) VALUES (?, ?)');
    if (this.#anew) db.prepare('DELETE FROM outbox').run(); // rows of a restored copy this process no longer owes
    for (const id of this.#rows.keys()) if (!rows.has(id)) del.run(id);
    for (const [id, body] of rows) if (this.#rows.get(id) !== body) put.run(id, body);
    const delivered = JSON.stringify(doc.delivered);
    if (delivered !== this.#delivered) db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('delivered', ?)").run(delivered);
    const targets = doc.targets === undefined ? this.#targets : JSON.stringify(doc.targets);
    if (targets !== this.#targets) db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('targets', ?)").run(targets);
    this.#writing = { rows, delivered, targets, anew: this.#anew };
  }

  /** `d`'s row: made again only when one of its changing fields changed (10,000 owed rows, commits every 100 ms). */
  #body(d: Delivery): string {
    const stamp = CHANGING.map((k) => (k === 'notification' ? notificationKey(d.notification) : k === 'more' ? d.more?.map(notificationKey).join(' ') : k === 'reached' ? d.reached?.length : d[k])).join('\n');
    const known = this.#bodies.get(d);
    if (known?.stamp === stamp) return known.body;
    const body = JSON.stringify(d);
    this.#bodies.set(d, { stamp, body });
    return body;
  }

  /**
   * A database made anew, or an older copy put back (StateDb): the next write puts every owed row and the
   * delivered map back, and deletes the rows it holds of deliveries accepted since (sent again otherwise).
   */
  rewrite(): void {
    this.#rows = new Map();
    this.#delivered = '';
    this.#targets = '';
    this.#anew = true;
  }

  committed(): void {
    if (!this.#writing) return;
    this.#rows = this.#writing.rows;
    this.#delivered = this.#writing.delivered;
    this.#targets = this.#writing.targets;
    if (this.#writing.anew) this.#anew = false;
    this.#writing = undefined;
  }
}

/**
 * The fields of a queued delivery that change (a retry, a digest growing or closing, a clock step, a target
 * renamed at start, an open digest's alert replaced by its newer notification: target.ts keepLatest); its id
 * and order never do. An open digest whose resolve or escalation took an alert's place kept its older row,
 * and a restart sent the alert's start again instead (its `more` was compared by length). A field added to
 * Delivery that is in neither list fails to compile.
 */
const CHANGING = ['target', 'notification', 'createdAt', 'attempts', 'nextAttemptAt', 'lastError', 'open', 'more', 'dueAt', 'reached', 'pinned', 'takenBy', 'told', 'parked'] as const satisfies readonly (keyof Delivery)[];
const listed: [Exclude<keyof Delivery, (typeof CHANGING)[number] | 'deliveryId' | 'seq'>] extends [never] ? true : false = true;
void listed;

/** The `delivered` map as stored (alert id → epoch ms), or undefined when it is not one (a torn or edited row). */
function timesOf(text: string): Record<string, number> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((t) => typeof t === 'number')) return v as Record<string, number>;
  } catch {
    // below
  }
  return undefined;
}

const metaValue = (db: Conn, key: string): string | undefined => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;

/**
 * The `targets` row as stored, or undefined when absent or not one (a torn or edited row: no target is then
 * taken for replaced). A plain list of keys is the live ones (how the row was first written, 2026-12-07).
 */
function bookOf(text: string | undefined): TargetBook | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((k) => typeof k === 'string');
    if (strings(v)) return { live: v, heirs: {} };
    if (typeof v !== 'object' || v === null) return undefined;
    const { live, heirs } = v as Partial<Record<keyof TargetBook, unknown>>;
    if (strings(live) && typeof heirs === 'object' && heirs !== null && !Array.isArray(heirs) && Object.values(heirs).every((k) => typeof k === 'string')) return { live, heirs: heirs as Record<string, string> };
  } catch {
    // below
  }
  return undefined;
}
