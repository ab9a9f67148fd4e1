/**
 * Accounts no wallet claims (removed from the configuration, renamed, moved to another shard): once idle past
 * the KEEP_HOURS the readings are kept and firing nothing, all their rows are deleted, at start
 * (StateStore.releasePreloaded) and, in a daemon that runs on, hourly (StateStore.sweepUnclaimed).
 */
import { latestTime } from '../domain/account.js';
import { safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { StoredAccount } from './account-store.js';
import type { StateDb } from './db.js';
import { deleteReadings, HOUR_MS, KEEP_HOURS } from './readings.js';

/** Idle (not polled) past KEEP_HOURS, firing nothing, and read whole: its rows may go. */
export function isStale(stored: StoredAccount, now: number): boolean {
  return !stored.damaged && Object.keys(stored.state.alerts).length === 0 && (latestTime(stored.state) ?? -Infinity) < now - KEEP_HOURS * HOUR_MS;
}

/**
 * Deletes every row of the stale accounts (id → name), in one transaction now: before a reload can take one
 * of them back (it then starts afresh) and before their ids can be reused. A disk that refuses leaves them
 * for the next sweep or start.
 */
export function deleteStale(stateDb: StateDb, log: Logger, stale: ReadonlyMap<number, string>): void {
  if (stale.size === 0) return;
  try {
    stateDb.writeNow((db) => {
      // The journal's newest entry stays, as an entry of no account (ids start at 1): deleted, its number was
      // given out again, at or below the snapshot of an account saved in the same commit, and that account's
      // next entries were taken for ones its snapshot covers and skipped at the next start (StateStore.write
      // keeps the newest entry for the same reason).
      const tombstone = db.prepare("UPDATE journal SET account_id = 0, delta = '' WHERE account_id = ? AND seq = (SELECT MAX(seq) FROM journal)");
      for (const id of stale.keys()) tombstone.run(id);
      // One pass over the journal for them all: it has no index by account, and a fleet polled every minute
      // keeps ~600,000 entries; a pass per account held the event loop 110 ms each (200 accounts: 35 s at start).
      db.prepare('DELETE FROM journal WHERE account_id IN (SELECT value FROM json_each(?))').run(JSON.stringify([...stale.keys()]));
      for (const id of stale.keys()) {
        for (const table of ['alert_events', 'account_routing', 'account_clock']) db.prepare(`DELETE FROM ${table} WHERE account_id = ?`).run(id);
        deleteReadings(db, id);
        db.prepare('DELETE FROM accounts WHERE id = ?').run(id);
      }
    });
  } catch (err) {
    log.warn({ file: stateDb.path, code: safeErrorCode(err) }, 'cannot delete the state of accounts no wallet claims; tried again within the hour and at the next start');
    return;
  }
  const names = [...stale.values()];
  log.info({ file: stateDb.path, accounts: names.length, names: names.slice(0, 20) }, `deleted the state of accounts no wallet has claimed for over ${KEEP_HOURS / 24} days`);
}
