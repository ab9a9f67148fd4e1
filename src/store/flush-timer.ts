/**
 * The state database's one timer (db.ts): the next flush of staged changes, or the retry of a failed commit.
 * A new change does not wait for a pending retry, and one staged `soon` brings a later flush forward.
 */
export class FlushTimer {
  #timer: NodeJS.Timeout | undefined;
  /** #timer is a retry after a failed commit (unref'd), not a flush of new changes. */
  #retry = false;
  /** When #timer fires (performance.now()). */
  #due = Infinity;

  constructor(private readonly fire: () => void) {}

  /** A flush `delay` ms after `now` (performance.now()), unless one is set already, is no retry, and comes as soon (or `soon` is false). */
  flushIn(delay: number, now: number, soon: boolean): void {
    if (this.#timer && !this.#retry && !(soon && now + delay < this.#due)) return;
    this.cancel();
    this.#due = now + delay;
    this.#timer = setTimeout(this.fire, delay);
  }

  /** A retry in `ms` unless a flush is set already; a retry alone does not keep a process alive (a stopped daemon's last one failed). */
  retryIn(ms: number): void {
    if (this.#timer) return;
    this.#timer = setTimeout(this.fire, ms);
    this.#timer.unref();
    this.#due = performance.now() + ms;
    this.#retry = true;
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = Infinity;
    this.#retry = false;
  }
}
