/**
 * POLL_CONCURRENCY shared fairly between the APIs a fleet polls. A poll holds its slot through up to four
 * attempts, each up to REQUEST_TIMEOUT_MS: an API that stops answering (a black hole, not an error) keeps its
 * wallets' polls in their slots for tens of seconds, and a few dozen of them took every slot, so wallets on
 * healthy APIs waited in the queue and lost their polls as overlaps. An origin whose last finished poll timed
 * out holds at most a quarter of the slots until one of its polls gets an answer; an origin that answers is
 * not limited (a fleet on one API uses every slot).
 */
export class OriginShare {
  readonly #inFlight = new Map<string, number>();
  readonly #hanging = new Set<string>();

  constructor(private readonly concurrency: number) {}

  /** Whether a poll of a wallet on `origin` may take a slot now. */
  admits(origin: string): boolean {
    return !this.#hanging.has(origin) || (this.#inFlight.get(origin) ?? 0) < Math.max(1, Math.floor(this.concurrency / 4));
  }

  started(origin: string): void {
    this.#inFlight.set(origin, (this.#inFlight.get(origin) ?? 0) + 1);
  }

  released(origin: string): void {
    const n = (this.#inFlight.get(origin) ?? 1) - 1;
    if (n > 0) this.#inFlight.set(origin, n);
    else this.#inFlight.delete(origin);
  }

  /** A poll of `origin` ended: it timed out (the origin hangs), or it got an answer, whatever it said. */
  ended(origin: string, timedOut: boolean): void {
    if (timedOut) this.#hanging.add(origin);
    else this.#hanging.delete(origin);
  }
}
