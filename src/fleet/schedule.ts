/**
 * Scheduling at scale. One cron tick (POLL_SCHEDULE) makes one round: every wallet gets a slot in the
 * interval that follows (slots.ts; timeline.ts says when one is due), so polls are spread instead of fired at once. A due wallet joins a
 * FIFO queue (poll-queue.ts) served by at most POLL_CONCURRENCY polls in flight, shared between APIs (origins.ts); the poll
 * of a wallet whose API gave no answer to its last polls fails at once, unasked, instead of waiting for its
 * share (refusals.ts). A wallet is never polled twice at once nor queued twice: a slot that finds it still queued or
 * running is skipped and counted (`overlap`), never piled up. Skips and refusals are logged in summaries
 * (skip-log.ts), not one line each.
 */
import type { Logger } from '../log.js';
import type { Fetched } from '../poller/monitor.js';
import { Scheduler } from '../poller/scheduler.js';
import { OriginShare } from './origins.js';
import { PollQueue, type QueuedFor } from './poll-queue.js';
import { Refusals, UNASKED } from './refusals.js';
import { SkipLog } from './skip-log.js';
import { SlotTimeline } from './timeline.js';
import { offsetIn, retriesUntil, roundSlots, SPREAD_MAX_MS, type Slot } from './slots.js';
import type { WalletRunner } from './runner.js';

export interface ScheduleDeps {
  schedule: string;
  timezone: string | undefined;
  concurrency: number;
  log: Logger;
  /** The wallets watched now (read at every round). */
  runners: () => Iterable<WalletRunner>;
  /**
   * One poll of a wallet; never rejects. `deadline`: what its retries must not pass, SETTLE_MS before the wallet's next slot.
   * `fetched`: the request is over (the poll goes on to commit its state): its concurrency slot is free; told
   * whether it timed out, for the origin's share.
   */
  poll: (runner: WalletRunner, deadline: number | undefined, fetched: Fetched) => Promise<'polled' | 'rate_limited'>;
  /**
   * A poll of a wallet whose API refuses (origins.ts): it fails at once, as a timeout saying `why`, without a
   * request and outside POLL_CONCURRENCY; never rejects. 'rate_limited' when a Retry-After still runs.
   */
  pollUnasked: (runner: WalletRunner, why: string) => Promise<'polled' | 'rate_limited'>;
  /** The API origin a wallet polls (origins.ts shares the slots between them); absent: one for all. */
  originOf?: (runner: WalletRunner) => string;
  /** The wall clock, which slots are laid out on (as the cron's ticks). Default Date.now. */
  now?: () => number;
  /** Monotonic, default performance.now: for durations a wall-clock step must not move (an API's quiet, origins.ts; skip-log.ts's interval). */
  monotonic?: () => number;
  /** Minimum time between two summaries of skipped polls in the log. Default 30 s. */
  skipLogIntervalMs?: number;
  /** How far past its tick a round's polls may spread. Default SPREAD_MAX_MS. */
  spreadMaxMs?: number;
  /**
   * A wallet's slot came while its poll was still queued or running (counted as an overlap): what it has
   * firing is posted to Alertmanager again (fleet.ts), as for a slot skipped for Retry-After.
   */
  onOverlap?: (runner: WalletRunner) => void;
  /**
   * Told once, when the start's round has asked every wallet and every answer is in (nothing queued, no
   * request in flight), after the last poll staged its state. /readyz waits for the commit of those states
   * (`started`), which the state database batches: told, the fleet commits them at once rather than up to
   * FLUSH_MS.busy (1 s) later.
   */
  onStartAnswered?: () => void;
}

/** Used when the cron expression's interval cannot be read (a stopped task): one minute. */
const FALLBACK_INTERVAL_MS = 60_000;

/** A slot this soon after its wallet's out-of-turn poll started (at most half a round) is skipped: see #polledJustNow. */
const OUT_OF_TURN_GAP_MS = 60_000;

export class FleetSchedule {
  readonly #cron: Scheduler;
  readonly #now: () => number;
  readonly #mono: () => number;
  readonly #spreadMax: number;
  /** The slots laid out and not due yet; hands each over when it comes due (#due). */
  readonly #timeline: SlotTimeline;
  readonly #queue = new PollQueue();
  readonly #refusals: Refusals;
  /** Polls not finished (stop waits for them); `#requests` of them still hold a POLL_CONCURRENCY slot. */
  readonly #inFlight = new Set<Promise<void>>();
  #requests = 0;
  readonly #origins: OriginShare;
  #stopped = false;
  #firstRound = true;
  /** onStartAnswered not told yet (set by the start's round). */
  #startUntold = false;
  #resolveStarted!: () => void;
  /** Resolves once every wallet present at start finished its first poll. */
  readonly started: Promise<void> = new Promise((r) => (this.#resolveStarted = r));
  readonly #skips: SkipLog;
  /** How long a round spreads its slots (the interval, at most SPREAD_MAX_MS): how long an API must stay quiet to be refused. Read at every round. */
  #roundMs = FALLBACK_INTERVAL_MS;
  /** When a wallet's out-of-turn poll (at start, or after a reload added it) started asking, until its next slot. */
  readonly #outOfTurnAt = new WeakMap<WalletRunner, number>();

  constructor(private readonly d: ScheduleDeps) {
    this.#now = d.now ?? Date.now;
    this.#mono = d.monotonic ?? performance.now.bind(performance);
    this.#spreadMax = d.spreadMaxMs ?? SPREAD_MAX_MS;
    this.#origins = new OriginShare(d.concurrency);
    this.#timeline = new SlotTimeline(this.#now, (due) => this.#due(due));
    this.#skips = new SkipLog(d.log, this.#mono, d.skipLogIntervalMs);
    this.#refusals = new Refusals({
      origins: this.#origins,
      queue: this.#queue,
      log: d.log,
      now: this.#mono,
      roundMs: () => this.#roundMs,
      originOf: (r) => this.#originOf(r),
      record: ({ runner, done }) => this.#track(runner, this.d.pollUnasked(runner, UNASKED), done, undefined, true),
      pump: () => this.#pump(),
    });
    this.#cron = new Scheduler({
      schedule: d.schedule,
      timezone: d.timezone,
      log: d.log,
      run: async (scheduledAt) => this.#round(scheduledAt),
      onOverlap: () => {}, // a round only lays out slots: it never overlaps; wallets' overlaps are counted per wallet
      onClockStep: (jumpMs) => this.#clockStepped(jumpMs),
    });
  }

  get running(): boolean {
    return this.#cron.running;
  }

  intervalMs(): number {
    return this.#cron.intervalMs() ?? FALLBACK_INTERVAL_MS;
  }

  /**
   * How long an alert posted to Alertmanager now stays valid there (its `endsAt`, like Prometheus's resend):
   * four poll intervals, at least 5 min, and never before three intervals past the next tick. The interval is
   * the gap between the next two ticks; on an uneven schedule (`0 9,17 * * 1-5`, business hours) the time
   * until the next tick can be far longer (Friday 17:00 to Monday 09:00), and an `endsAt` of four times the
   * next gap ended every still-firing alert in Alertmanager overnight (a resolve to the on-call), then
   * fired it anew at the next poll.
   */
  alertTtlMs(): number {
    const interval = this.intervalMs();
    const next = this.#cron.nextRunAt();
    const untilNext = next === undefined ? 0 : Math.max(0, next - this.#now());
    return Math.max(5 * 60_000, 4 * interval + Math.max(0, untilNext - interval));
  }

  /** Starts the schedule: at once a first round that polls every wallet (through the concurrency limit), then a round per tick. */
  start(): void {
    this.#cron.start();
  }

  /** Polls a wallet as soon as the concurrency allows (a wallet added by a reload); false if it is already queued or running. */
  pollSoon(runner: WalletRunner): Promise<void> | false {
    if (runner.phase !== 'idle') return false;
    return this.#enqueue(runner, this.#nextSlotOf(runner), 'soon');
  }

  /** No new polls; waits for those in flight. */
  async stop(): Promise<void> {
    if (this.#stopped) return void (await Promise.all(this.#inFlight));
    this.#stopped = true;
    this.#timeline.close();
    for (const { runner, done } of [...this.#queue.takeAll(() => true), ...this.#refusals.takeAll()]) {
      runner.phase = 'idle';
      done();
    }
    await this.#cron.stop();
    await Promise.all(this.#inFlight);
    this.#skips.flush(true);
  }

  /** `tickAt`: the tick's cron time; the round's length is read on the cron's clock (next tick − this one). */
  #round(tickAt: number | undefined): void {
    if (this.#stopped) return;
    const runners = [...this.d.runners()];
    this.#roundMs = Math.min(this.intervalMs(), this.#spreadMax);
    if (this.#firstRound) {
      this.#firstRound = false;
      this.#startUntold = true;
      const round = { next: this.#cron.nextRunAt(), interval: this.intervalMs() };
      const polls = runners.map((r) => this.#enqueue(r, this.#nextSlotOf(r, round), 'start') || Promise.resolve());
      void Promise.all(polls).then(() => this.#resolveStarted());
      return;
    }
    const next = this.#cron.nextRunAt();
    const following = this.intervalMs();
    const length = next !== undefined && tickAt !== undefined && next > tickAt ? next - tickAt : following;
    this.#timeline.add(roundSlots(runners, this.#now(), length, following, this.#spreadMax));
    this.#skips.flush(false);
  }

  /**
   * The wallet's slot in the coming round (its poll's deadline when it is polled out of turn). The next run
   * and the interval are the cron's date arithmetic (~50 µs each): `round` passes them in when it asks for
   * 10,000 wallets at once.
   */
  #nextSlotOf(runner: WalletRunner, round = { next: this.#cron.nextRunAt(), interval: this.intervalMs() }): number | undefined {
    return round.next === undefined ? undefined : retriesUntil(round.next + offsetIn(runner.name, round.interval, this.#spreadMax), round.interval);
  }

  /**
   * The wall clock stepped: the slots laid out on it, and the deadlines of queued polls, move with it, so a
   * step back does not leave the round waiting for the clock to catch up (nor a jump forward fire it at once).
   * An API's quiet and the skip summaries' interval are on the monotonic clock (#mono): nothing to move.
   */
  #clockStepped(jumpMs: number): void {
    this.#timeline.shift(jumpMs);
    this.#queue.shiftDeadlines(jumpMs);
  }

  /** Slots that came due (SlotTimeline): each idle wallet's poll is queued; one still queued or polling is an overlap. */
  #due(due: readonly Slot[]): void {
    for (const slot of due) {
      if (slot.runner.removed || this.#polledJustNow(slot)) continue;
      // an out-of-turn poll still waiting (the start's, or a reload's for a wallet it added) is its first slot's (PollQueue.takeSlot), not an overlap
      if (!this.#enqueue(slot.runner, slot.deadline) && !this.#queue.takeSlot(slot.runner, slot.deadline)) {
        slot.runner.skipped.overlap++;
        this.#skips.note('overlap', slot.runner.name);
        this.d.onOverlap?.(slot.runner);
      }
    }
  }

  /**
   * The wallet's first slot after an out-of-turn poll, which asked its API less than half a round (at most
   * OUT_OF_TURN_GAP_MS) before it: the slot is skipped, and its next one polls. A start, or a reload adding a
   * wallet, fell at any point of the round, and the wallet's slot asked its API again up to a few ms later:
   * a whole fleet asked twice at once after each restart (an API with a per-second limit may answer 429). A wallet still
   * polling at its slot is an overlap as before; a wall-clock step in between skips nothing.
   */
  #polledJustNow(slot: Slot): boolean {
    const at = this.#outOfTurnAt.get(slot.runner);
    if (at === undefined) return false;
    this.#outOfTurnAt.delete(slot.runner);
    const gap = slot.at - at;
    return slot.runner.phase === 'idle' && gap >= 0 && gap < Math.min(this.#roundMs / 2, OUT_OF_TURN_GAP_MS);
  }

  /** Queues a poll of an idle wallet; false when it is already queued or running. The promise settles when the poll ends. */
  #enqueue(runner: WalletRunner, deadline: number | undefined, reason: QueuedFor = 'slot'): Promise<void> | false {
    if (runner.phase !== 'idle' || this.#stopped) return false;
    if (this.#refusals.refuses(this.#originOf(runner), runner)) return this.#refusals.unasked(runner, deadline);
    runner.phase = 'queued';
    const done = this.#queue.add(runner, deadline, reason);
    this.#pump();
    return done;
  }

  /** Starts queued polls, first come first served, while slots are free (a hanging origin's only up to its share). */
  #pump(): void {
    while (this.#requests < this.d.concurrency) {
      const next = this.#queue.next((q) => q.runner.removed || this.#origins.admits(this.#originOf(q.runner)));
      if (next === undefined) return;
      const { runner, deadline, done } = next;
      if (runner.removed) {
        runner.phase = 'idle';
        done();
        continue;
      }
      if (next.outOfTurn) this.#outOfTurnAt.set(runner, this.#now());
      runner.phase = 'running'; // until the state is committed too: never polled twice at once
      const origin = this.#originOf(runner);
      this.#requests++;
      const seq = this.#origins.started(origin, this.#mono());
      let holding = true;
      const release: Fetched = (timedOut) => {
        if (timedOut !== undefined) this.#origins.ended(origin, seq, timedOut, this.#mono());
        if (timedOut === false) this.#refusals.answered(origin, runner);
        if (holding) {
          holding = false;
          this.#requests--;
          this.#origins.released(origin);
          this.#pump();
          if (this.#startUntold && this.#requests === 0 && this.#queue.empty) this.#startAnswered();
        }
        if (timedOut) this.#refusals.timedOut(origin, runner);
      };
      this.#track(runner, this.d.poll(runner, deadline, release), done, release);
    }
  }

  /**
   * The start's last answer is in. Told on the next turn of the event loop: `release` runs when a poll's
   * request is over, before that poll goes on to stage its state (AccountMonitor.pollNow).
   */
  #startAnswered(): void {
    this.#startUntold = false;
    setImmediate(() => {
      if (!this.#stopped) this.d.onStartAnswered?.();
    });
  }

  /**
   * A poll of `runner` started (asked, or failed unasked: `unasked`) until it ends: a Retry-After skip, or an
   * unasked failure, noted for the summary; then the wallet idle again, `done` and `after` called. stop()
   * waits for it.
   */
  #track(runner: WalletRunner, poll: Promise<'polled' | 'rate_limited'>, done: () => void, after?: () => void, unasked = false): void {
    const p: Promise<void> = poll
      .then((r) => {
        if (r === 'rate_limited') this.#skips.note('rate_limited', runner.name);
        else if (unasked) this.#skips.note('unasked', runner.name);
      })
      .catch(() => {}) // a poll never rejects; a bug must not stop the queue
      .finally(() => {
        runner.phase = 'idle';
        this.#inFlight.delete(p);
        done();
        after?.();
      });
    this.#inFlight.add(p);
  }

  #originOf(runner: WalletRunner): string {
    return this.d.originOf?.(runner) ?? '';
  }
}
