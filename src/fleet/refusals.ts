/**
 * The polls of an API that gave no answer (origins.ts says when it `refuses`): they fail at once, unasked, as
 * timeouts, instead of waiting for the API's share of POLL_CONCURRENCY. The first refusal since the API last
 * answered is told in one line, and its first answer after in another, each named by a wallet (never the
 * API's URL). Refused polls are recorded a batch per turn of the event loop (#drain). The schedule
 * (schedule.ts) asks here before queuing a poll, and hands over its queued polls when an API falls silent.
 */
import type { Logger } from '../log.js';
import type { OriginShare } from './origins.js';
import type { PollQueue, Queued } from './poll-queue.js';
import type { WalletRunner } from './runner.js';

/** What a poll failed without asking says: the wallet's own log line and its poll_failing carry it. */
export const UNASKED = 'not asked: the last polls of wallets on this API (the same scheme, host and port) got no answer within REQUEST_TIMEOUT_MS, so this one fails at once as a timeout while a few keep asking; the first answer ends this';

/** How many refused polls are recorded per turn of the event loop (#drain). */
const BATCH = 50;

export interface RefusalDeps {
  origins: OriginShare;
  /** The polls waiting for a slot: a silent API's are taken from it, and given back if it answered meanwhile. */
  queue: PollQueue;
  log: Logger;
  /** A monotonic clock (the quiet is a duration: a wall-clock step must not move it). */
  now: () => number;
  /** How long an API must stay quiet to be refused: a round (read at every call). */
  roundMs: () => number;
  originOf: (runner: WalletRunner) => string;
  /** Runs a refused poll (the wallet still there, its API still silent): it fails unasked, and `q.done` when recorded. */
  record: (q: Queued) => void;
  /** After a batch: the queue may start polls given back, or freed slots. */
  pump: () => void;
}

export class Refusals {
  /** Polls refused, waiting to be recorded as failed unasked, a batch per turn (#drain). */
  readonly #refused: Queued[] = [];
  #draining = false;
  /** The APIs (origins) refused since their last answer: told once when they fall silent and once when they answer. */
  readonly #silent = new Set<string>();

  constructor(private readonly d: RefusalDeps) {}

  /** Whether a poll of `origin` fails unasked now (origins.ts). The first refusal since the API's last answer is told, named by `runner`. */
  refuses(origin: string, runner: WalletRunner): boolean {
    if (!this.d.origins.refuses(origin, this.d.now(), this.d.roundMs())) return false;
    if (!this.#silent.has(origin)) {
      this.#silent.add(origin);
      this.d.log.warn({ wallet: runner.name }, `the API of wallet ${runner.name} (and of every wallet with the same scheme, host and port) gave no answer to its last polls: until one gets an answer, a quarter of POLL_CONCURRENCY goes on asking it and its other polls fail at once as timeouts, without a request (last_error "not asked: …")`);
    }
    return true;
  }

  /** A poll of `origin` got an answer: if the API was refused, that is told. */
  answered(origin: string, runner: WalletRunner): void {
    if (this.#silent.delete(origin)) this.d.log.info({ wallet: runner.name }, `the API of wallet ${runner.name} answers again: its wallets are asked as usual`);
  }

  /** A poll of `origin` timed out: if the API refuses now, its queued polls fail unasked instead of waiting for its share. */
  timedOut(origin: string, runner: WalletRunner): void {
    if (!this.refuses(origin, runner)) return;
    const refused = this.d.queue.takeAll((q) => !q.runner.removed && this.d.originOf(q.runner) === origin);
    if (refused.length === 0) return;
    for (const q of refused) this.#refused.push(q); // not push(...refused): a spread of 100,000 overflows the stack
    this.#drain();
  }

  /** A poll of a refused API, failed without a request or a POLL_CONCURRENCY slot. Settles when it is recorded. */
  unasked(runner: WalletRunner, deadline: number | undefined): Promise<void> {
    // Queued, not running, until the drain records it: a reload that removes it meanwhile closes its alerts
    // at once (WalletRunner.unwatch), since the drain drops a removed wallet without a poll that would.
    runner.phase = 'queued';
    const done = new Promise<void>((resolve) => this.#refused.push({ runner, deadline, done: resolve, outOfTurn: false }));
    this.#drain();
    return done;
  }

  /** Every refused poll not recorded yet, taken out (the schedule stops). */
  takeAll(): Queued[] {
    return this.#refused.splice(0);
  }

  /**
   * Records the refused polls BATCH at a time, a turn of the event loop apart: each runs the domain and
   * commits like a poll (about a millisecond), and a fleet whose one API fell silent refuses its thousands of
   * queued polls at once; in one go they would hold /healthz and every other poll for seconds.
   */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    setImmediate(() => {
      this.#draining = false;
      for (const q of this.#refused.splice(0, BATCH)) {
        if (q.runner.removed) { // a reload took it away meanwhile, as the schedule's pump does with a queued one
          q.runner.phase = 'idle';
          q.done();
          continue;
        }
        // Its API answered since, or a reload moved it to another: it asks after all, in its turn.
        if (!this.d.origins.refuses(this.d.originOf(q.runner), this.d.now(), this.d.roundMs())) {
          this.d.queue.putBack(q);
          continue;
        }
        q.runner.phase = 'running';
        this.d.record(q);
      }
      this.d.pump();
      if (this.#refused.length > 0) this.#drain();
    });
  }
}
