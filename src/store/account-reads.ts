/**
 * Reading accounts out of the state database (StateStore): every account in one pass at start-up (snapshots,
 * then the journal in order), or a few by name after it, inside a read transaction the caller opens.
 */
import { safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { StoredAccount } from './account-store.js';
import { Rebuild } from './rebuild.js';
import { isDamaged, type Conn, type StateDb } from './db.js';
import { historyThrough } from './readings.js';

/** Every account as stored, by name (none without a database). Throws what the read throws (a damaged page: the caller sets the file aside). */
export function readEveryAccount(stateDb: StateDb, log: Logger): Map<string, StoredAccount> {
  const out = new Map<string, StoredAccount>();
  if (!stateDb.exists()) return out;
  stateDb.read((db) => readAll(db, log, out));
  readHistoryThrough(stateDb, log, out);
  return out;
}

/**
 * Where each account's stored chart readings end, read in a transaction of its own: the readings are most
 * of a fleet's file, so most of its pages, and a damaged one there must not cost every wallet's alert
 * state and the owed notifications (the file set aside, a fresh start). Unreadable, the accounts read as
 * having none; their samples in memory are written again as hours close.
 */
function readHistoryThrough(stateDb: StateDb, log: Logger, accounts: Map<string, StoredAccount>): void {
  try {
    stateDb.read((db) => {
      const through = historyThrough(db);
      for (const row of accounts.values()) row.historyThrough = through(row.id);
    });
  } catch (err) {
    if (!isDamaged(err)) throw err;
    for (const row of accounts.values()) row.historyThrough = -1;
    log.warn({ file: stateDb.path, reason: safeErrorCode(err) }, 'state database: the chart history is on a damaged page and cannot be read; the alert state and the owed notifications are kept, and the charts start again from the readings in memory');
  }
}

/** Every stored account into `out`, by name; `historyThrough` is left at -1 (read apart: readHistoryThrough). */
function readAll(db: Conn, log: Logger, out: Map<string, StoredAccount>): void {
  const byId = new Map<number, { name: string; rebuild: Rebuild; row: StoredAccount }>();
  const rows = db.prepare('SELECT id, name, snapshot, snapshot_seq FROM accounts').iterate() as Iterable<{ id: number; name: string; snapshot: Buffer | null; snapshot_seq: number }>;
  for (const r of rows) {
    const row: StoredAccount = { id: r.id, state: undefined!, snapshotSeq: r.snapshot_seq, lastSeq: r.snapshot_seq, historyThrough: -1, damaged: false };
    byId.set(r.id, { name: r.name, rebuild: new Rebuild(r.snapshot, log, r.name), row });
  }
  for (const j of db.prepare('SELECT seq, account_id, delta FROM journal ORDER BY seq').iterate() as Iterable<{ seq: number; account_id: number; delta: string }>) {
    const a = byId.get(j.account_id);
    if (!a || j.seq <= a.row.snapshotSeq) continue;
    a.rebuild.add(j.delta);
    a.row.lastSeq = j.seq;
  }
  const routing = routingOf(db);
  const clocks = clocksOf(db);
  for (const a of byId.values()) {
    a.row.routing = routing.get(a.row.id);
    a.row.clockOffset = clocks.get(a.row.id);
    const { state, damaged } = a.rebuild.result();
    a.row.state = state;
    a.row.damaged = damaged;
    out.set(a.name, a.row);
  }
}

/**
 * The accounts of `names` into `out` (a name not stored keeps what `out` has). Their journal needs no
 * reading: after start-up every account with journal entries past its snapshot was either loaded (and so
 * has its store in this process) or compacted by releasePreloaded().
 */
export function readMany(db: Conn, names: readonly string[], log: Logger, out: Map<string, StoredAccount | undefined>): void {
  const byName = db.prepare('SELECT id, snapshot, snapshot_seq FROM accounts WHERE name = ?');
  const through = historyThrough(db);
  const routing = oneAccount<string>(db, 'account_routing', 'routing');
  const clock = oneAccount<number>(db, 'account_clock', 'offset_ms');
  for (const name of names) {
    const r = byName.get(name) as { id: number; snapshot: Buffer | null; snapshot_seq: number } | undefined;
    if (!r) continue;
    const { state, damaged } = new Rebuild(r.snapshot, log, name).result();
    out.set(name, { id: r.id, state, snapshotSeq: r.snapshot_seq, lastSeq: r.snapshot_seq, historyThrough: through(r.id), damaged, routing: routing(r.id), clockOffset: clock(r.id) });
  }
}

/** Where each account's notifications went (account_routing), by account id. */
const routingOf = (db: Conn): Map<number, string> => perAccount<string>(db, 'account_routing', 'routing');

/** How far each account's timeline moved with clock steps (account_clock), by account id. */
const clocksOf = (db: Conn): Map<number, number> => perAccount<number>(db, 'account_clock', 'offset_ms');

function perAccount<T>(db: Conn, table: string, column: string): Map<number, T> {
  if (!hasTable(db, table)) return new Map();
  const rows = db.prepare(`SELECT account_id, ${column} AS value FROM ${table}`).all() as Array<{ account_id: number; value: T }>;
  return new Map(rows.map((r) => [r.account_id, r.value]));
}

/** One account's value of a per-account table, the table looked up and the query prepared once for all of them. */
function oneAccount<T>(db: Conn, table: string, column: string): (id: number) => T | undefined {
  if (!hasTable(db, table)) return () => undefined;
  const one = db.prepare(`SELECT ${column} AS value FROM ${table} WHERE account_id = ?`);
  return (id) => (one.get(id) as { value: T } | undefined)?.value;
}

/** `check` reads a database read-only, as an older version may have left it (without the table). */
const hasTable = (db: Conn, table: string): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
