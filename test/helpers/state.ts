/** Reads a daemon's STATE_DIR the way `check` does (read-only: nothing created or changed). */
import { pino } from 'pino';
import type { AccountState } from '../../src/domain/account.js';
import { OutboxStore } from '../../src/notify/outbox-store.js';
import { StateDb, type StateDbOptions } from '../../src/store/db.js';
import { StateStore } from '../../src/store/state-store.js';
import type { Logger } from '../../src/log.js';

const silent = pino({ level: 'silent' });

export function savedAccount(stateDir: string, account: string): Promise<AccountState> {
  return new StateStore(stateDir, silent, { readOnly: true }).account(account).load(Date.now());
}

export async function savedOutbox(stateDir: string): Promise<{ deliveries: readonly { target: string }[]; delivered: Readonly<Record<string, number>> }> {
  return new OutboxStore(new StateStore(stateDir, silent, { readOnly: true }).db, silent).load(Date.now());
}

/** An outbox in its own state database in `dir` (unit tests of the dispatcher). */
export function outboxIn(dir: string, log: Logger, opts: StateDbOptions = {}): OutboxStore {
  return new OutboxStore(new StateDb(dir, log, opts), log);
}

/** A state store in `dir`, opened (and a 0.1 STATE_DIR imported) as the daemon does at start. */
export async function openState(dir: string, log: Logger = silent, opts: StateDbOptions = {}): Promise<StateStore> {
  const s = new StateStore(dir, log, opts);
  await s.init(Date.now());
  return s;
}

/**
 * Commits (a store whose flush timer is far off commits only when told) until the pass deleting stale
 * accounts (StateStore.stale), if one runs, has ended.
 */
export async function staleDeleted(store: StateStore): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (store.stale.running) {
    if (Date.now() > deadline) throw new Error('the deletion of stale accounts did not end within 30 s');
    await store.db.flush();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
