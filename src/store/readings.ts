/**
 * Fourteen days of readings per account, for the charts: full resolution for a day, then one reading per
 * DOWNSAMPLE_MS. An hour is written once it closed (hour-closer.ts decides when), as two rows: whole in
 * `readings_full` (deleted once a day old) and thinned in `readings_thin` (deleted after KEEP_HOURS). Each
 * row is a packed Float64Array of [t, balance, consumed] triples.
 *
 * Keys put the hour first (hourKey = epoch hour × 2^32 + account id), so the hours a fleet closes together,
 * written in account order, are appended at the end of each table, a page filled after another, and an hour a
 * day or 14 days old is one run of neighbouring rows. Keyed by account first (`readings`, what builds before
 * this one wrote and still read), each account's new hour went into the middle of a full page: a page split
 * and its siblings rewritten, ~40 KiB written for a 1.4 KiB hour, 10,000 wallets × that in the minute after
 * every hour turned. That table is still read, and its rows past KEEP_HOURS deleted, until none is left.
 */
import type { Sample } from '../domain/history.js';
import type { Conn } from './db.js';

export const HOUR_MS = 3_600_000;
/** Full resolution this long, then thinned. */
export const FULL_RESOLUTION_HOURS = 24;
/** At most one reading per this much time once thinned. */
export const DOWNSAMPLE_MS = 10 * 60_000;
/** Readings kept this long. */
export const KEEP_HOURS = 14 * 24;
const HOURS_PER_ACCOUNT = 2 ** 21; // epoch hours stay below it until the year 2209
const ACCOUNTS_PER_HOUR = 2 ** 32; // × 2^21 hours: every key is an exact double

export const READINGS_SCHEMA = `CREATE TABLE IF NOT EXISTS readings (key INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS readings_full (key INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS readings_thin (key INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS readings_through (account_id INTEGER PRIMARY KEY, hour INTEGER NOT NULL);`;

export const hourOf = (t: number): number => Math.floor(t / HOUR_MS);
const clampHour = (hour: number): number => Math.min(HOURS_PER_ACCOUNT - 1, Math.max(0, hour));
/** The `readings` table's key (account first). Hours outside an account's range are clamped into it: a key never reaches another account's rows (`to` in the year 3000). */
export const keyOf = (accountId: number, hour: number): number => accountId * HOURS_PER_ACCOUNT + clampHour(hour);
/** The key of `readings_full` and `readings_thin` (hour first). */
export const hourKey = (accountId: number, hour: number): number => clampHour(hour) * ACCOUNTS_PER_HOUR + accountId;

export function encodeReadings(samples: readonly Sample[]): Buffer {
  const a = new Float64Array(samples.length * 3);
  samples.forEach((s, i) => a.set([s.t, s.balance, s.consumed], i * 3));
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function decodeReadings(blob: Buffer): Sample[] {
  const copy = new Float64Array(blob.byteLength / 8);
  new Uint8Array(copy.buffer).set(blob.subarray(0, copy.length * 8));
  const out: Sample[] = [];
  for (let i = 0; i + 2 < copy.length; i += 3) out.push({ t: copy[i]!, balance: copy[i + 1]!, consumed: copy[i + 2]! });
  return out;
}

/** Keeps a reading when it is at least DOWNSAMPLE_MS after the last one kept. */
export function downsample(samples: readonly Sample[]): Sample[] {
  const out: Sample[] = [];
  for (const s of samples) if (out.length === 0 || s.t - out.at(-1)!.t >= DOWNSAMPLE_MS) out.push(s);
  return out;
}

function merge(a: readonly Sample[], b: readonly Sample[]): Sample[] {
  const byT = new Map<number, Sample>();
  for (const s of [...a, ...b]) byT.set(s.t, s);
  return [...byT.values()].sort((x, y) => x.t - y.t);
}

function groupByHour(samples: readonly Sample[]): Map<number, Sample[]> {
  const byHour = new Map<number, Sample[]>();
  for (const s of samples) {
    const h = hourOf(s.t);
    (byHour.get(h) ?? byHour.set(h, []).get(h)!).push(s);
  }
  return byHour;
}

type Row = { data: Buffer };
/** The statements of one connection, prepared once for every account a commit writes (a pass writes hundreds). */
const prepared = new WeakMap<Conn, ReturnType<typeof prepare>>();
function prepare(db: Conn) {
  return {
    getFull: db.prepare<[number], Row>('SELECT data FROM readings_full WHERE key = ?'),
    getThin: db.prepare<[number], Row>('SELECT data FROM readings_thin WHERE key = ?'),
    putFull: db.prepare<[number, Buffer]>('INSERT OR REPLACE INTO readings_full (key, data) VALUES (?, ?)'),
    putThin: db.prepare<[number, Buffer]>('INSERT OR REPLACE INTO readings_thin (key, data) VALUES (?, ?)'),
    delFull: db.prepare<[number]>('DELETE FROM readings_full WHERE key = ?'),
    delThin: db.prepare<[number]>('DELETE FROM readings_thin WHERE key = ?'),
    through: db.prepare<[number], { hour: number }>('SELECT hour FROM readings_through WHERE account_id = ?'),
    putThrough: db.prepare<[number, number]>('INSERT OR REPLACE INTO readings_through (account_id, hour) VALUES (?, ?)'),
    delThrough: db.prepare<[number]>('DELETE FROM readings_through WHERE account_id = ?'),
    delLegacy: db.prepare<[number, number]>('DELETE FROM readings WHERE key >= ? AND key < ?'),
  };
}
const statements = (db: Conn) => prepared.get(db) ?? prepared.set(db, prepare(db)).get(db)!;

/**
 * Writes the closed hours in `samples` (one account's; merged with what an hour already holds) whole and
 * thinned, deletes the account's rows that aged past their keep since its last write (every hour of a gap
 * while the daemon was down, not only the last) and returns the last hour it holds now.
 */
export function writeHours(db: Conn, accountId: number, samples: readonly Sample[]): number {
  const s = statements(db);
  const prev = s.through.get(accountId)?.hour;
  const byHour = groupByHour(samples);
  const through = Math.max(prev ?? -1, ...byHour.keys());
  for (const [hour, hs] of byHour) {
    const key = hourKey(accountId, hour);
    let full = hs;
    if (hour > through - FULL_RESOLUTION_HOURS) {
      const old = s.getFull.get(key);
      if (old) full = merge(decodeReadings(old.data), hs);
      s.putFull.run(key, encodeReadings(full));
    }
    if (hour <= through - KEEP_HOURS) continue;
    const old = s.getThin.get(key);
    s.putThin.run(key, encodeReadings(downsample(old ? merge(decodeReadings(old.data), full) : full)));
  }
  if (prev !== undefined) {
    expire(s.delFull, accountId, prev, through, FULL_RESOLUTION_HOURS);
    expire(s.delThin, accountId, prev, through, KEEP_HOURS);
  }
  s.delLegacy.run(keyOf(accountId, 0), keyOf(accountId, through - KEEP_HOURS + 1));
  s.putThrough.run(accountId, through);
  return through;
}

/**
 * Deletes the account's rows that aged past `keep` hours now that it holds hours up to `through`. Those aged
 * when `prev` was written went then, so only the `keep` hours up to `prev` are looked at, however long the gap.
 */
function expire(del: { run(key: number): unknown }, accountId: number, prev: number, through: number, keep: number): void {
  for (let h = prev - keep + 1; h <= Math.min(prev, through - keep); h++) del.run(hourKey(accountId, h));
}

/**
 * The stored readings of one account with from ≤ t ≤ to, oldest first; `through`: the last hour it holds
 * (historyThrough). Each hour is read from the table that holds it at the resolution its age calls for.
 */
export function readRange(db: Conn, accountId: number, from: number, to: number, through: number): Sample[] {
  if (through < 0) return [];
  const first = Math.max(hourOf(from), through - KEEP_HOURS + 1);
  const last = Math.min(hourOf(to), through);
  const byHour = new Map<number, Sample[]>();
  const legacy = db.prepare<[number, number], { key: number; data: Buffer }>('SELECT key, data FROM readings WHERE key >= ? AND key <= ? ORDER BY key');
  for (const r of legacy.all(keyOf(accountId, first), keyOf(accountId, last))) {
    const hour = r.key - keyOf(accountId, 0);
    byHour.set(hour, hour <= through - FULL_RESOLUTION_HOURS ? downsample(decodeReadings(r.data)) : decodeReadings(r.data));
  }
  if (hasHourTables(db)) {
    const s = statements(db);
    for (let h = first; h <= last; h++) {
      const row = (h > through - FULL_RESOLUTION_HOURS ? s.getFull.get(hourKey(accountId, h)) : undefined) ?? s.getThin.get(hourKey(accountId, h));
      if (row) byHour.set(h, decodeReadings(row.data));
    }
  }
  return [...byHour.keys()]
    .sort((a, b) => a - b)
    .flatMap((h) => byHour.get(h)!)
    .filter((x) => x.t >= from && x.t <= to);
}

/**
 * The last hour of an account already written (-1 when none): later readings are still open. Prepared once
 * for every account asked (start-up asks for 10,000).
 */
export function historyThrough(db: Conn): (accountId: number) => number {
  const legacy = db.prepare<[number, number], { key: number }>('SELECT MAX(key) AS key FROM readings WHERE key >= ? AND key < ?');
  const hours = hasHourTables(db) ? statements(db).through : undefined;
  return (accountId) => {
    const r = legacy.get(keyOf(accountId, 0), keyOf(accountId + 1, 0));
    return Math.max(r?.key == null ? -1 : r.key - keyOf(accountId, 0), hours?.get(accountId)?.hour ?? -1);
  };
}

/**
 * Every reading of an account (its wallet is gone for good). Whole hours are looked for only in the last day
 * (writeHours writes none older, and deletes each as it ages): a delete of each of the 337 hours held 0.5 s
 * of 2.3 s deleting 2,000 accounts, for 24 of them there.
 */
export function deleteReadings(db: Conn, accountId: number): void {
  const s = statements(db);
  const through = s.through.get(accountId)?.hour;
  if (through !== undefined) {
    for (let h = through - FULL_RESOLUTION_HOURS; h <= through; h++) s.delFull.run(hourKey(accountId, h));
    for (let h = through - KEEP_HOURS; h <= through; h++) s.delThin.run(hourKey(accountId, h));
  }
  s.delThrough.run(accountId);
  s.delLegacy.run(keyOf(accountId, 0), keyOf(accountId + 1, 0));
}

/**
 * Rows as writeHours leaves them once `through` is written, for a benchmark's seed of many accounts (writeHours
 * an hour and an account at a time would take hours at 10,000 wallets × 14 days): `hours` oldest first, each
 * for every account of `ids` in id order, so the rows are appended as a running fleet appends them.
 */
export function seedReadings(db: Conn, ids: readonly number[], hours: readonly number[], samplesOf: (id: number, hour: number) => readonly Sample[], through: number): void {
  const s = statements(db);
  const sorted = [...ids].sort((a, b) => a - b);
  for (const hour of hours) {
    for (const id of sorted) {
      const samples = samplesOf(id, hour);
      if (samples.length === 0) continue;
      if (hour > through - FULL_RESOLUTION_HOURS) s.putFull.run(hourKey(id, hour), encodeReadings(samples));
      s.putThin.run(hourKey(id, hour), encodeReadings(downsample(samples)));
    }
  }
  for (const id of sorted) s.putThrough.run(id, through);
}

/** `check` reads a database read-only, as an older build may have left it (without the hour-first tables). */
const hasHourTables = (db: Conn): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'readings_through'").get() !== undefined;
