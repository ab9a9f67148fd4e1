/**
 * Fourteen days of readings per account, one row per account and hour (`readings.key` = account id ×
 * 2^21 + epoch hour, so one account's hours are neighbours and a range is one index walk). An hour is
 * written once, when it closes; a day later it is thinned to one reading per DOWNSAMPLE_MS; after
 * KEEP_HOURS it is deleted. Each row is a packed Float64Array of [t, balance, consumed] triples.
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

export const hourOf = (t: number): number => Math.floor(t / HOUR_MS);
/** Hours outside an account's range are clamped into it: a key never reaches another account's rows (`to` in the year 3000). */
export const keyOf = (accountId: number, hour: number): number => accountId * HOURS_PER_ACCOUNT + Math.min(HOURS_PER_ACCOUNT - 1, Math.max(0, hour));

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

/**
 * Writes the closed hours in `samples` (grouped by hour; merged with what an hour already holds), thins the
 * hours that turned a day old since the hour written before it (one, or every hour of a gap: hours that
 * aged while the daemon was down are thinned too) and drops what is past KEEP_HOURS. `samples` are of one
 * account.
 */
export function writeClosedHours(db: Conn, accountId: number, samples: readonly Sample[]): void {
  const byHour = new Map<number, Sample[]>();
  for (const s of samples) {
    const h = hourOf(s.t);
    (byHour.get(h) ?? byHour.set(h, []).get(h)!).push(s);
  }
  const get = db.prepare<[number], { data: Buffer }>('SELECT data FROM readings WHERE key = ?');
  const put = db.prepare<[number, Buffer]>('INSERT OR REPLACE INTO readings (key, data) VALUES (?, ?)');
  const before = db.prepare<[number, number], { key: number | null }>('SELECT MAX(key) AS key FROM readings WHERE key >= ? AND key < ?');
  const aged = db.prepare<[number, number], { key: number; data: Buffer }>('SELECT key, data FROM readings WHERE key > ? AND key <= ?');
  for (const [hour, hs] of byHour) {
    const key = keyOf(accountId, hour);
    const previous = before.get(keyOf(accountId, 0), key)?.key ?? null;
    const old = get.get(key);
    put.run(key, encodeReadings(old ? merge(decodeReadings(old.data), hs) : hs));
    // Hours up to `previous − FULL_RESOLUTION_HOURS` were thinned when `previous` was written.
    const from = previous === null ? key - FULL_RESOLUTION_HOURS - 1 : Math.max(previous, key - KEEP_HOURS) - FULL_RESOLUTION_HOURS;
    for (const row of aged.all(from, key - FULL_RESOLUTION_HOURS)) {
      const all = decodeReadings(row.data);
      const thin = downsample(all);
      if (thin.length < all.length) put.run(row.key, encodeReadings(thin));
    }
    db.prepare('DELETE FROM readings WHERE key >= ? AND key < ?').run(keyOf(accountId, 0), keyOf(accountId, hour - KEEP_HOURS + 1));
  }
}

/** The stored readings of one account with from ≤ t ≤ to, oldest first. */
export function readRange(db: Conn, accountId: number, from: number, to: number): Sample[] {
  const rows = db
    .prepare<[number, number], { data: Buffer }>('SELECT data FROM readings WHERE key >= ? AND key <= ? ORDER BY key')
    .all(keyOf(accountId, hourOf(from)), keyOf(accountId, hourOf(to)));
  return rows.flatMap((r) => decodeReadings(r.data)).filter((s) => s.t >= from && s.t <= to);
}

/**
 * The last hour of an account already in the readings table (-1 when none): later readings are still open.
 * One statement for every account asked (start-up asks for 10,000).
 */
export function historyThrough(db: Conn): (accountId: number) => number {
  const max = db.prepare<[number, number], { key: number }>('SELECT MAX(key) AS key FROM readings WHERE key >= ? AND key < ?');
  return (accountId) => {
    const r = max.get(keyOf(accountId, 0), keyOf(accountId + 1, 0));
    return r?.key == null ? -1 : r.key - keyOf(accountId, 0);
  };
}
