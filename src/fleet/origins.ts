/**
 * POLL_CONCURRENCY shared fairly between the APIs a fleet polls. A poll holds its slot through up to four
 * attempts, each up to REQUEST_TIMEOUT_MS: an API that stops answering (a black hole, not an error) keeps its
 * wallets' polls in their slots for tens of seconds, and a few dozen of them took every slot, so wallets on
 * healthy APIs waited in the queue and lost their polls as overlaps. An origin whose last finished poll timed
 * out holds at most a quarter of the slots until one of its polls gets an answer; an origin that answers is
 * not limited (a fleet on one API uses every slot).
 *
 * Its other wallets then waited in the queue for that quarter, one poll per slot every ~40 s, so most of
 * their slots passed as overlaps, which are no failed polls: 1,000 wallets on one silent API, at the
 * defaults, each ran a poll every ~90 min, and `poll_failing` (3 failed in a row) came after hours. Once
 * as many polls of an origin in a row as its share (2 at least) got no answer, none answered since, and none
 * was sent before its last answer, the origin `refuses`: a poll of it that finds its share taken fails at
 * once, as a timeout, without asking (a circuit breaker), so every wallet there counts a failed poll per
 * slot, while its share of polls goes on asking and the first answer ends it.
 *
 * And only once none of its polls got an answer for `quietMs` (a round, the interval at most SPREAD_MAX_MS,
 * in which every wallet's slot came once; counted from its first request if it never answered): a few
 * wallets whose own path hangs on an API that answers the others held its share with polls that timed out in
 * a row, and its healthy wallets were refused and got `poll_failing` while every request of theirs would have
 * been answered (review of stop 55: 60 wallets, 4 hanging, 361 healthy polls refused, 13 false alerts).
 *
 * Every `now` here is a monotonic clock's reading (schedule.ts passes performance.now): the quiet is a
 * duration, and on the wall clock a step back of a day kept a silent API from being refused for that day.
 */
export class OriginShare {
  readonly #inFlight = new Map<string, number>();
  /** Polls of the origin in a row that got no answer (an answer, whatever it said, sets it back to none). */
  readonly #silent = new Map<string, number>();
  readonly #share: number;
  /** Polls in a row without an answer that make an origin silent: its share, and two at least (one slow answer among many is no silent API). */
  readonly #silentAfter: number;
  /** Counts the polls started (all origins): when each began, against the last answer of its origin. */
  #seq = 0;
  /** Per origin, when it last answered: `seq`, the last #seq given out then (a poll started before and timing out after is no sign that it is silent now), and `at`, the time. */
  readonly #answered = new Map<string, { seq: number; at: number }>();
  /** Per origin, when its first poll started (the quiet of an origin that never answered counts from then). */
  readonly #firstAsked = new Map<string, number>();

  constructor(concurrency: number) {
    this.#share = Math.max(1, Math.floor(concurrency / 4));
    this.#silentAfter = Math.max(2, this.#share);
  }

  /** Whether a poll of a wallet on `origin` may take a slot now. */
  admits(origin: string): boolean {
    return !this.#silent.has(origin) || (this.#inFlight.get(origin) ?? 0) < this.#share;
  }

  /**
   * Whether a poll of `origin` fails without asking at `now`: its share is taken, its last #silentAfter polls
   * in a row got no answer, and none got one for `quietMs`.
   */
  refuses(origin: string, now: number, quietMs: number): boolean {
    if ((this.#silent.get(origin) ?? 0) < this.#silentAfter || this.admits(origin)) return false;
    const since = this.#answered.get(origin)?.at ?? this.#firstAsked.get(origin) ?? now;
    return now - since >= quietMs;
  }

  /** A poll of `origin` takes a slot at `now`; what it returns is handed back to `ended`. */
  started(origin: string, now: number): number {
    this.#inFlight.set(origin, (this.#inFlight.get(origin) ?? 0) + 1);
    if (!this.#firstAsked.has(origin)) this.#firstAsked.set(origin, now);
    return ++this.#seq;
  }

  released(origin: string): void {
    const n = (this.#inFlight.get(origin) ?? 1) - 1;
    if (n > 0) this.#inFlight.set(origin, n);
    else this.#inFlight.delete(origin);
  }

  /**
   * A poll of `origin` (`started` gave it `seq`) ended at `now`: it timed out (the origin hangs), or it got
   * an answer, whatever it said. A timeout of a poll started before the origin's last answer is old news
   * (sent into the silence before the API came back) and counts for nothing.
   */
  ended(origin: string, seq: number, timedOut: boolean, now: number): void {
    if (!timedOut) {
      this.#silent.delete(origin);
      this.#answered.set(origin, { seq: this.#seq, at: now });
    } else if (seq > (this.#answered.get(origin)?.seq ?? 0)) this.#silent.set(origin, (this.#silent.get(origin) ?? 0) + 1);
  }
}
