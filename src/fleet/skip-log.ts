/**
 * The schedule's polls that did not ask their API, summed up in the log: skipped slots (an overlap, a
 * Retry-After) and polls failed unasked (origins.ts). A fleet skips or refuses thousands at once, so they
 * come as one line at most every `intervalMs` (and at stop), naming up to ten wallets, not a line each.
 */
import type { Logger } from '../log.js';
import type { SkipReason } from '../metrics/collector.js';

export class SkipLog {
  #overlap = 0;
  #rateLimited = 0;
  #unasked = 0;
  readonly #wallets = new Set<string>();
  #since = 0;
  #lastLogAt = -Infinity;

  constructor(
    private readonly log: Logger,
    /** A monotonic clock (schedule.ts): on the wall clock, a step back of a day kept every summary back for that day. */
    private readonly now: () => number,
    private readonly intervalMs = 30_000,
  ) {}

  note(reason: SkipReason | 'unasked', wallet: string): void {
    if (this.#overlap + this.#rateLimited + this.#unasked === 0) this.#since = this.now();
    if (reason === 'overlap') this.#overlap++;
    else if (reason === 'rate_limited') this.#rateLimited++;
    else this.#unasked++;
    if (this.#wallets.size < 10) this.#wallets.add(wallet);
    this.flush(false);
  }

  /** The lines for what was noted since the last ones, if `intervalMs` has passed since them (or `force`). */
  flush(force: boolean): void {
    const skipped = this.#overlap + this.#rateLimited;
    const now = this.now();
    if (skipped + this.#unasked === 0 || (!force && now - this.#lastLogAt < this.intervalMs)) return;
    const fields = { overlap: this.#overlap, rateLimited: this.#rateLimited, unasked: this.#unasked, sinceMs: now - this.#since, wallets: [...this.#wallets] };
    if (this.#unasked > 0) this.log.warn(fields, `${this.#unasked} poll(s) failed without asking: their API gave no answer to its last polls (timeouts), so they count as timeouts at once while a quarter of POLL_CONCURRENCY keeps asking it; the first answer ends this`);
    const why = 'overlap: the wallet was still queued or polling at its next slot; rate_limited: a Retry-After still ran';
    if (this.#overlap > 0) this.log.warn(fields, `${skipped} scheduled poll(s) skipped (${why}); the polls fall behind: raise POLL_CONCURRENCY, lengthen POLL_SCHEDULE or shard`);
    else if (skipped > 0) this.log.info(fields, `${skipped} scheduled poll(s) skipped (${why})`);
    this.#overlap = this.#rateLimited = this.#unasked = 0;
    this.#wallets.clear();
    this.#since = this.#lastLogAt = now;
  }
}
