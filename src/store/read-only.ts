/**
 * What the read-only commands (check, test-alert) read of STATE_DIR: the accounts stored, looked at once for
 * every wallet, or a 0.1 JSON file the daemon has not imported yet; nothing is written, created or migrated.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { INITIAL_ACCOUNT_STATE, type AccountState } from '../domain/account.js';
import { safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { readEveryAccount } from './account-reads.js';
import type { StoredAccount } from './account-store.js';
import type { StateDb } from './db.js';
import { readAccountV01 } from './import-v01.js';
import { schemaProblem } from './schema-version.js';
import type { StateStore } from './state-store.js';

export class ReadOnlyLook {
  /** What the one look found: the accounts, or why they cannot be read. */
  #looked: { accounts: Map<string, StoredAccount> } | { error: unknown } | undefined;

  constructor(
    private readonly dir: string,
    private readonly db: StateDb,
    private readonly log: Logger,
  ) {}

  async take(name: string, now: number): Promise<StoredAccount | undefined> {
    const found = this.#look().get(name);
    if (found) return found;
    // A STATE_DIR the daemon has not upgraded yet: read 0.1's file where it is, changing nothing.
    const state = await readAccountV01(this.dir, name, now, this.log, { readOnly: true });
    return state && { id: -1, state, snapshotSeq: 0, lastSeq: 0, historyThrough: -1, damaged: false };
  }

  /**
   * The one look at STATE_DIR for all the wallets: the accounts stored (none without a database), or why
   * they cannot be read, thrown for every wallet alike (it was looked for again per wallet: with a database of
   * a newer version, ten thousand opens to fail the same way).
   */
  #look(): Map<string, StoredAccount> {
    if (this.#looked === undefined) {
      try {
        // Missing: nothing saved yet. A file in its place is no history to read, not an empty one (check said OK).
        const dir = statSync(this.dir, { throwIfNoEntry: false });
        if (dir && !dir.isDirectory()) throw Object.assign(new Error(`STATE_DIR ${this.dir} is not a directory`), { code: 'ENOTDIR' });
        // One this user may not read (check run by another user than the daemon's): its database looked missing.
        if (dir) accessSync(this.dir, constants.R_OK | constants.X_OK);
        this.#looked = { accounts: readEveryAccount(this.db, this.log) };
      } catch (error) {
        this.#looked = { error };
      }
    }
    if ('error' in this.#looked) throw this.#looked.error;
    return this.#looked.accounts;
  }
}

/**
 * A wallet's saved state for the read-only commands: a database that cannot be read (corrupt, a folder in
 * its place) gives a fresh state and says why, instead of crashing the command.
 */
export async function savedStateOrFresh(states: StateStore, name: string, now: number): Promise<{ state: AccountState; problem: string | null }> {
  try {
    return { state: await states.account(name).load(now), problem: null };
  } catch (err) {
    const why = schemaProblem(err) ?? safeErrorCode(err) ?? 'error';
    return { state: INITIAL_ACCOUNT_STATE, problem: `cannot read the state database in STATE_DIR (${why})` };
  }
}
