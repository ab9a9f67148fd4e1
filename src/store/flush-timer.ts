/**
 * How long staged changes wait for others to share their commit. A commit costs a few pages whatever it
 * carries (the journal's last page, its parent, the header: each written to the WAL and again by the
 * checkpoint), so under load (the last commit carried BUSY_COMMIT changes or more: a fleet) commits come
 * once a second and carry ~170 polls of 10,000 wallets; a quiet daemon (one wallet) commits 100 ms after
 * its poll.
 */
export const FLUSH_MS = { quiet: 100, busy: 1_000 } as const;
export const BUSY_COMMIT = 32;
/**
 * A change staged `soon` (a notification a target accepted, whose row a commit wrote: until its removal is
 * committed, a kill sends it again at the next start) is committed at once, or SOON_MS after the last commit
 * ended if that was more recent: under a stream of acceptances at most one commit per SOON_MS, not one each.
 */
export const SOON_MS = 100;
/** How often a failed commit is tried again, with whatever is staged by then. */
export const RETRY_MS = 5_000;

/**
 * The delay before the next commit of a change staged at `now` (performance.now()): SOON_MS after the last
 * commit ended for one staged `soon` (none if that was longer ago), else `fixed` if set, else FLUSH_MS by the
 * last commit's size.
 */
export function commitDelay(o: { soon: boolean; now: number; lastCommitEnd: number; lastCommitSize: number; fixed?: number }): number {
  if (o.soon) return Math.max(0, o.lastCommitEnd + SOON_MS - o.now);
  return o.fixed ?? (o.lastCommitSize >= BUSY_COMMIT ? FLUSH_MS.busy : FLUSH_MS.quiet);
}

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
