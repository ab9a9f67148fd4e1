import type Database from 'better-sqlite3';

/** How many rows of the chart readings an account has, in any of the tables that hold them (src/store/readings.ts). */
export function readingRows(db: Database.Database, accountId: number): number {
  const n = (sql: string, ...args: number[]) => (db.prepare(sql).get(...args) as { n: number }).n;
  return (
    n('SELECT COUNT(*) AS n FROM readings WHERE key >= ? AND key < ?', accountId * 2 ** 21, (accountId + 1) * 2 ** 21) +
    n('SELECT COUNT(*) AS n FROM readings_full WHERE key % 4294967296 = ?', accountId) +
    n('SELECT COUNT(*) AS n FROM readings_thin WHERE key % 4294967296 = ?', accountId) +
    n('SELECT COUNT(*) AS n FROM readings_through WHERE account_id = ?', accountId)
  );
}
