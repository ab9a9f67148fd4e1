import { INITIAL_ACCOUNT_STATE, type AccountState } from '../domain/account.js';
import type { Logger } from '../log.js';
import { decodeSnapshot, Replay, type Delta } from './journal.js';

/**
 * One account being rebuilt at start-up: its snapshot, then its journal entries in order. A part that
 * cannot be read starts the account fresh (with a warning), never the whole store.
 */
export class Rebuild {
  #replay: Replay | undefined;
  #damaged = false;

  constructor(
    snapshot: Buffer | null,
    private readonly log: Logger,
    private readonly account: string,
  ) {
    try {
      this.#replay = new Replay(snapshot ? decodeSnapshot(snapshot) : INITIAL_ACCOUNT_STATE);
    } catch (err) {
      this.#fail(err);
    }
  }

  add(delta: string): void {
    if (!this.#replay) return;
    try {
      this.#replay.add(JSON.parse(delta) as Delta);
    } catch (err) {
      this.#fail(err);
    }
  }

  result(): { state: AccountState; damaged: boolean } {
    if (!this.#replay) return { state: INITIAL_ACCOUNT_STATE, damaged: true };
    try {
      return { state: this.#replay.result(), damaged: this.#damaged };
    } catch (err) {
      this.#fail(err);
      return { state: INITIAL_ACCOUNT_STATE, damaged: true };
    }
  }

  #fail(err: unknown): void {
    this.log.warn({ account: this.account, reason: (err as Error).message.slice(0, 200) }, 'stored state of this account is unreadable; starting it fresh');
    this.#replay = undefined;
    this.#damaged = true;
  }
}
