/**
 * The polls waiting for a POLL_CONCURRENCY slot (schedule.ts), first come first served: each with the
 * deadline of its retries and the promise its caller awaits. Out-of-turn polls (the start's, a reload's for a
 * wallet it added) are known by wallet until they start, so that the wallet's first slot can take one over
 * (takeSlot).
 *
 * Taken from the front by a moving index, not by `splice`: past ~16,000 elements an array's splice from the
 * front moves every poll behind it each time, and a start queues every wallet at once (taking out 20,000
 * start-up polls: 186 ms by splice, 4 ms by index; 50,000: 954 ms and 11 ms; it grew with the square).
 */
import type { WalletRunner } from './runner.js';

export interface Queued {
  runner: WalletRunner;
  /** Moved by a clock step (shiftDeadlines), or to the slot an out-of-turn poll takes (takeSlot). */
  deadline: number | undefined;
  /** Settles the promise the poll's caller awaits. */
  done: () => void;
  /** Not a slot's poll: the one every wallet gets at start, or a wallet's first after a reload added it (schedule.ts skips a slot that follows it closely). */
  outOfTurn: boolean;
}

/** Why a poll is queued: its slot came; the start, which polls every wallet; a reload, which polls a wallet it added soon. */
export type QueuedFor = 'slot' | 'start' | 'soon';

export class PollQueue {
  /** Oldest first from #head. A poll taken from further back (its API's share was full ahead of it) leaves a hole. */
  #items: (Queued | undefined)[] = [];
  #head = 0;
  /** Out-of-turn polls (start, soon) still waiting, by wallet, until they start or their wallet's first slot takes them. */
  readonly #outOfTurn = new Map<WalletRunner, Queued>();

  /** No poll waits (#trim keeps #head on a waiting poll, or at the end). */
  get empty(): boolean {
    return this.#head >= this.#items.length;
  }

  /** Queues a poll of `runner`; the promise settles when its `done` is called. */
  add(runner: WalletRunner, deadline: number | undefined, reason: QueuedFor = 'slot'): Promise<void> {
    return new Promise<void>((resolve) => {
      const q: Queued = { runner, deadline, done: resolve, outOfTurn: reason !== 'slot' };
      this.#items.push(q);
      if (q.outOfTurn) this.#outOfTurn.set(runner, q);
    });
  }

  /** Puts back a poll taken out (one refused whose API answered meanwhile): it waits at the end. */
  putBack(q: Queued): void {
    this.#items.push(q);
  }

  /**
   * The wallet's first slot came while its out-of-turn poll still waits (a fleet larger than POLL_CONCURRENCY
   * takes a while to poll every wallet at start, or every wallet a large SIGHUP reload added): that poll
   * becomes the slot's, with the slot's deadline for its retries: true, not a skipped poll. It was counted as
   * an overlap, and logged as polls falling behind (raise POLL_CONCURRENCY), at every start of a large fleet,
   * and after a reload from 300 to 3,000 wallets still (949 overlaps in its first round: only the start's
   * polls were recorded). Once per wallet: false for a later slot, and for an out-of-turn poll that runs
   * already (an overlap as any, whose onOverlap keeps Alertmanager told).
   */
  takeSlot(runner: WalletRunner, deadline: number | undefined): boolean {
    const q = this.#outOfTurn.get(runner);
    if (q === undefined) return false;
    this.#outOfTurn.delete(runner);
    q.deadline = deadline;
    q.outOfTurn = false;
    return true;
  }

  /** Takes out the first poll that `ready` admits; undefined when none does. */
  next(ready: (q: Queued) => boolean): Queued | undefined {
    for (let i = this.#head; i < this.#items.length; i++) {
      const q = this.#items[i];
      if (q === undefined || !ready(q)) continue;
      this.#items[i] = undefined;
      this.#outOfTurn.delete(q.runner);
      this.#trim();
      return q;
    }
    return undefined;
  }

  /** Moves #head past the holes at the front; drops the front once it is most of the array. */
  #trim(): void {
    while (this.#head < this.#items.length && this.#items[this.#head] === undefined) this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head).filter((q) => q !== undefined);
      this.#head = 0;
    }
  }

  /** Takes out every poll `leaves` picks, in their order. */
  takeAll(leaves: (q: Queued) => boolean): Queued[] {
    const out: Queued[] = [];
    const kept: Queued[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const q = this.#items[i];
      if (q !== undefined) (leaves(q) ? out : kept).push(q);
    }
    if (out.length === 0) return out;
    this.#items = kept;
    this.#head = 0;
    for (const q of out) this.#outOfTurn.delete(q.runner);
    return out;
  }

  /** The wall clock stepped by `jumpMs`: the deadlines move with it. */
  shiftDeadlines(jumpMs: number): void {
    for (let i = this.#head; i < this.#items.length; i++) {
      const q = this.#items[i];
      if (q?.deadline !== undefined) q.deadline += jumpMs;
    }
  }
}
