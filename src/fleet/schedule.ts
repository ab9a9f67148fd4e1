/**
 * Scheduling at scale. One cron tick (POLL_SCHEDULE) makes one round: every wallet gets a slot in the
 * interval that follows (at most its first SPREAD_MAX_MS), at a stable offset (a hash of its name,
 * shard.ts), so polls are spread instead of fired at once. A due wallet joins a FIFO queue served by at most POLL_CONCURRENCY polls in flight.
 * A wallet is never polled twice at once nor queued twice: a slot that finds it still queued or running
 * is skipped and counted (`overlap`), never piled up. Skips are logged in summaries, not one line each.
 */
import type { Logger } from '../log.js';
import type { SkipReason } from '../metrics/collector.js';
import { MAX_TIMER_MS } from '../deadline.js';
import type { Fetched } from '../poller/monitor.js';
import { Scheduler } from '../poller/scheduler.js';
import { OriginShare } from './origins.js';
import { slotFraction } from './shard.js';
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
  /** The API origin a wallet polls (origins.ts shares the slots between them); absent: one for all. */
  originOf?: (runner: WalletRunner) => string;
  now?: () => number;
  /** Minimum time between two summaries of skipped polls in the log. Default 30 s. */
  skipLogIntervalMs?: number;
  /** How far past its tick a round's polls may spread. Default SPREAD_MAX_MS. */
  spreadMaxMs?: number;
  /**
   * A wallet's slot came while its poll was still queued or running (counted as an overlap): what it has
   * firing is posted to Alertmanager again (fleet.ts), as for a slot skipped for Retry-After.
   */
  onOverlap?: (runner: WalletRunner) => void;
}

interface Queued {
  runner: WalletRunner;
  deadline: number | undefined;
  /** Settles the promise #enqueue returned. */
  done: () => void;
}

export interface Slot {
  at: number;
  runner: WalletRunner;
  deadline: number | undefined;
}

/** Used when the cron expression's interval cannot be read (a stopped task): one minute. */
const FALLBACK_INTERVAL_MS = 60_000;

/**
 * How long before its next slot a poll's retries stop (at most a quarter of the interval): the poll still
 * commits its state after its last attempt, and a wallet still committing at its slot is skipped as an
 * overlap. Retried up to the slot itself, a hanging upstream on a schedule under ~40 s lost every other poll
 * and logged "the polls fall behind".
 */
export const SETTLE_MS = 1_000;

/**
 * How far past its tick a round's polls spread, at most: the whole interval on a schedule of up to 10
 * minutes, its first 10 minutes on a longer one. Spread over a whole long round, one wallet on `0 9,17 * *
 * 1-5` was read at its hash's 19 % of the 64-hour weekend (Friday 17:00's poll on Saturday at 05:13). A
 * fixed bound, not one per wallet: a wallet's slot never moves when a reload adds or removes others (slots
 * computed from the count moved under polls still retrying, and skipped them as overlaps). 10,000 wallets
 * on an hourly schedule then ask ~17 a second, as they would every 10 minutes.
 */
export const SPREAD_MAX_MS = 10 * 60_000;

/** The offset of a wallet's slot in a round lasting `length`. */
const offsetIn = (name: string, length: number, spreadMax: number): number => slotFraction(name) * Math.min(length, spreadMax);

/** The deadline of a poll's retries: SETTLE_MS (at most a quarter of the interval) before the wallet's next slot. */
const retriesUntil = (nextSlot: number, interval: number): number => nextSlot - Math.min(SETTLE_MS, interval / 4);

/**
 * The slots of the round that starts at `t` and lasts `length` (until the next tick): each wallet at its
 * stable fraction of it (of its first `spreadMax`), with its slot in the round after (which lasts
 * `following`) as the deadline of its retries. A round lasts until the next tick, not the gap between the next two: with uneven ticks (`0 9,17
 * * *`, business hours, weekdays) that gap is another round's length, and a wallet's 09:00 slot fell at
 * night, after the 17:00 tick.
 */
export function roundSlots(runners: readonly WalletRunner[], t: number, length: number, following: number, spreadMax = SPREAD_MAX_MS): Slot[] {
  return runners.map((runner) => ({
    at: t + offsetIn(runner.name, length, spreadMax),
    runner,
    deadline: retriesUntil(t + length + offsetIn(runner.name, following, spreadMax), following),
  }));
}

export class FleetSchedule {
  readonly #cron: Scheduler;
  readonly #now: () => number;
  readonly #spreadMax: number;
  /** Slots of the current round not yet due, in time order. */
  #slots: Slot[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #queue: Queued[] = [];
  /** Polls not finished (stop waits for them); `#requests` of them still hold a POLL_CONCURRENCY slot. */
  readonly #inFlight = new Set<Promise<void>>();
  #requests = 0;
  #origins: OriginShare;
  #stopped = false;
  #firstRound = true;
  #resolveStarted!: () => void;
  /** Resolves once every wallet present at start finished its first poll. */
  readonly started: Promise<void> = new Promise((r) => (this.#resolveStarted = r));
  readonly #skips = { overlap: 0, rate_limited: 0, wallets: new Set<string>(), since: 0, lastLogAt: -Infinity };

  constructor(private readonly d: ScheduleDeps) {
    this.#now = d.now ?? Date.now;
    this.#spreadMax = d.spreadMaxMs ?? SPREAD_MAX_MS;
    this.#origins = new OriginShare(d.concurrency);
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

  /** Starts the schedule: at once a first round that polls every wallet (through the concurrency limit), then a round per tick. */
  start(): void {
    this.#cron.start();
  }

  /** Polls a wallet as soon as the concurrency allows (a wallet added by a reload); false if it is already queued or running. */
  pollSoon(runner: WalletRunner): Promise<void> | false {
    if (runner.phase !== 'idle') return false;
    return this.#enqueue(runner, this.#nextSlotOf(runner));
  }

  /** No new polls; waits for those in flight. */
  async stop(): Promise<void> {
    if (this.#stopped) return void (await Promise.all(this.#inFlight));
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#slots = [];
    for (const { runner, done } of this.#queue.splice(0)) {
      runner.phase = 'idle';
      done();
    }
    await this.#cron.stop();
    await Promise.all(this.#inFlight);
    this.#flushSkips(true);
  }

  /** `tickAt`: the tick's cron time; the round's length is read on the cron's clock (next tick − this one). */
  #round(tickAt: number | undefined): void {
    if (this.#stopped) return;
    const runners = [...this.d.runners()];
    if (this.#firstRound) {
      this.#firstRound = false;
      const round = { next: this.#cron.nextRunAt(), interval: this.intervalMs() };
      const polls = runners.map((r) => this.#enqueue(r, this.#nextSlotOf(r, round)) || Promise.resolve());
      void Promise.all(polls).then(() => this.#resolveStarted());
      return;
    }
    const next = this.#cron.nextRunAt();
    const following = this.intervalMs();
    const length = next !== undefined && tickAt !== undefined && next > tickAt ? next - tickAt : following;
    const slots = roundSlots(runners, this.#now(), length, following, this.#spreadMax);
    // Slots of the last round still waiting (a blocked loop) stay ahead of the new ones.
    this.#slots = [...this.#slots, ...slots].sort((a, b) => a.at - b.at);
    this.#flushSkips(false);
    this.#arm();
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
   */
  #clockStepped(jumpMs: number): void {
    this.#slots = this.#slots.map((s) => ({ ...s, at: s.at + jumpMs, deadline: s.deadline === undefined ? undefined : s.deadline + jumpMs }));
    for (const q of this.#queue) if (q.deadline !== undefined) q.deadline += jumpMs;
    this.#arm();
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const first = this.#slots[0];
    if (first === undefined || this.#stopped) return;
    // Clamped: Node fires a longer delay at once, and #due would re-arm it every millisecond (a monthly schedule).
    this.#timer = setTimeout(() => this.#due(), Math.min(MAX_TIMER_MS, Math.max(0, first.at - this.#now())));
  }

  #due(): void {
    const now = this.#now();
    let n = 0;
    while (n < this.#slots.length && this.#slots[n]!.at <= now) n++;
    for (const slot of this.#slots.splice(0, n)) {
      if (slot.runner.removed) continue;
      if (!this.#enqueue(slot.runner, slot.deadline)) {
        slot.runner.skipped.overlap++;
        this.#noteSkip('overlap', slot.runner.name);
        this.d.onOverlap?.(slot.runner);
      }
    }
    this.#arm();
  }

  /** Queues a poll of an idle wallet; false when it is already queued or running. The promise settles when the poll ends. */
  #enqueue(runner: WalletRunner, deadline: number | undefined): Promise<void> | false {
    if (runner.phase !== 'idle' || this.#stopped) return false;
    runner.phase = 'queued';
    const done = new Promise<void>((resolve) => this.#queue.push({ runner, deadline, done: resolve }));
    this.#pump();
    return done;
  }

  /** Starts queued polls, first come first served, while slots are free (a hanging origin's only up to its share). */
  #pump(): void {
    while (this.#requests < this.d.concurrency) {
      const i = this.#queue.findIndex((q) => q.runner.removed || this.#origins.admits(this.#originOf(q.runner)));
      if (i < 0) return;
      const { runner, deadline, done } = this.#queue.splice(i, 1)[0]!;
      if (runner.removed) {
        runner.phase = 'idle';
        done();
        continue;
      }
      runner.phase = 'running'; // until the state is committed too: never polled twice at once
      const origin = this.#originOf(runner);
      this.#requests++;
      this.#origins.started(origin);
      let holding = true;
      const release: Fetched = (timedOut) => {
        if (timedOut !== undefined) this.#origins.ended(origin, timedOut);
        if (!holding) return;
        holding = false;
        this.#requests--;
        this.#origins.released(origin);
        this.#pump();
      };
      const p: Promise<void> = this.d
        .poll(runner, deadline, release)
        .then((r) => {
          if (r === 'rate_limited') this.#noteSkip('rate_limited', runner.name);
        })
        .catch(() => {}) // poll never rejects; a bug must not stop the queue
        .finally(() => {
          runner.phase = 'idle';
          this.#inFlight.delete(p);
          done();
          release();
        });
      this.#inFlight.add(p);
    }
  }

  #originOf(runner: WalletRunner): string {
    return this.d.originOf?.(runner) ?? '';
  }

  #noteSkip(reason: SkipReason, wallet: string): void {
    const s = this.#skips;
    if (s.overlap + s.rate_limited === 0) s.since = this.#now();
    s[reason]++;
    if (s.wallets.size < 10) s.wallets.add(wallet);
    this.#flushSkips(false);
  }

  /** One summary line of the skipped polls since the last one, at most every skipLogIntervalMs (or at stop). */
  #flushSkips(force: boolean): void {
    const s = this.#skips;
    const total = s.overlap + s.rate_limited;
    const now = this.#now();
    if (total === 0 || (!force && now - s.lastLogAt < (this.d.skipLogIntervalMs ?? 30_000))) return;
    const fields = { overlap: s.overlap, rateLimited: s.rate_limited, sinceMs: now - s.since, wallets: [...s.wallets] };
    const why = 'overlap: the wallet was still queued or polling at its next slot; rate_limited: a Retry-After still ran';
    if (s.overlap > 0) this.d.log.warn(fields, `${total} scheduled poll(s) skipped (${why}); the polls fall behind: raise POLL_CONCURRENCY, lengthen POLL_SCHEDULE or shard`);
    else this.d.log.info(fields, `${total} scheduled poll(s) skipped (${why})`);
    Object.assign(s, { overlap: 0, rate_limited: 0, since: now, lastLogAt: now });
    s.wallets.clear();
  }
}
