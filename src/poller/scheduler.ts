import type { ScheduledTask } from 'node-cron';
import { nodeCron } from '../config/cron.js';
import { fmtSeconds, stepWords, SteppingClock } from '../clock.js';
import { describeError } from '../errors.js';
import { tickAcrossDst } from './dst.js';
import type { Logger } from '../log.js';

/** How often the wall clock is checked against the monotonic one between ticks (Scheduler #watchClock). */
export const CLOCK_WATCH_MS = 1_000;

export interface SchedulerOptions {
  schedule: string;
  timezone: string | undefined;
  log: Logger;
  /**
   * One poll; errors are caught and logged here, so a throwing poll never stops the schedule.
   * `scheduledAt`: the cron time of the tick (epoch ms, on node-cron's clock); undefined for the poll at start.
   */
  run: (scheduledAt: number | undefined) => Promise<void>;
  /** A tick that found the previous poll still running (it is skipped, never doubled). */
  onOverlap: () => void;
  /** The wall clock stepped by `jumpMs` (negative: back) between ticks; the cron is already re-armed from the new time. */
  onClockStep?: (jumpMs: number) => void;
}

/**
 * Runs `run` once at start and then on every cron tick, never two at a time.
 * node-cron's own `noOverlap` guards its ticks; the in-flight check below also covers the start-up poll.
 */
export class Scheduler {
  #task: ScheduledTask | undefined;
  #inFlight: Promise<void> | undefined;
  #stopped = false;
  readonly #clock = new SteppingClock({ now: () => Date.now() });
  #clockWatch: NodeJS.Timeout | undefined;
  #missed: { first: number; last: number; count: number } | undefined;
  /** The last tick run: its cron time, and when it came on the monotonic clock. */
  #lastTick: { at: number; mono: number } | undefined;

  constructor(private readonly opts: SchedulerOptions) {}

  start(): void {
    this.#arm();
    this.#clockWatch = setInterval(() => this.#watchClock(), CLOCK_WATCH_MS);
    this.#clockWatch.unref();
    void this.#tick();
  }

  #arm(): void {
    const { log } = this.opts;
    // A tick or a missed slot can come before #watchClock's next look at the clock (up to CLOCK_WATCH_MS after a
    // step): it looks first. Else a jump forward was told as "missed 21600 scheduled poll(s) (event loop blocked
    // or host asleep)", and the tick's round, laid on the new clock, was moved by the step again (a slot hours away).
    const task = nodeCron().createTask(this.opts.schedule, (ctx) => (this.#watchClock(), this.#tick(ctx?.date?.getTime())), {
      name: 'poll',
      noOverlap: true,
      timezone: this.opts.timezone,
      logger: {
        info: (m) => log.debug(m),
        warn: (m) => log.debug(m),
        error: (m) => log.error({ err: describeError(m) }, 'scheduler error'),
        debug: (m) => log.debug({ msg: describeError(m) }),
      },
    });
    // node-cron alone loses ticks at a daylight-saving change (an hour of `* * * * *` when the clock falls back): dst.ts
    if (!tickAcrossDst(task, this.opts.schedule, this.opts.timezone)) log.warn('node-cron has no timeMatcher: ticks around daylight-saving changes are node-cron\'s own');
    task.on('execution:overlap', () => this.opts.onOverlap());
    task.on('execution:missed', (ctx) => {
      this.#watchClock();
      if (this.#task === task) this.#noteMissed(ctx.date.getTime()); // not the slots of a task the step replaced
    });
    void task.start();
    this.#task = task;
  }

  /**
   * node-cron arms each tick from the wall clock (`new Date()`): after a step back it would wait until the
   * clock caught up with the slot it had planned, and poll nothing for as long as the step (a day back: a
   * day without a poll, and /healthz still 200); after a jump forward it would count every slot in between as
   * missed. Checked every CLOCK_WATCH_MS against the monotonic clock, a step re-arms the cron from the new
   * time. (A host that was suspended is no step: its slots really passed, and are told as missed.)
   */
  #watchClock(): void {
    if (this.#stopped) return;
    const { wall, jumpMs, sleptMs } = this.#clock.read();
    const at = { wallClock: new Date(wall).toISOString() };
    if (sleptMs !== 0) this.opts.log.info({ sleptMs, ...at }, `the host was suspended for ${fmtSeconds(sleptMs)}; that time counts as elapsed`);
    if (jumpMs === 0) return;
    const old = this.#task;
    this.#arm();
    void old?.destroy();
    this.opts.log.warn({ stepMs: jumpMs, ...at }, `the wall clock ${stepWords(jumpMs)}; POLL_SCHEDULE re-armed from the new time, each wallet's history and alert timers move with it at its next poll, forecasting goes on`);
    this.opts.onClockStep?.(jumpMs);
  }

  /**
   * A tick of a slot at or before the last one run, within an interval of it: the wall clock stepped back
   * across that slot, and the cron re-armed from the new time gave it again (every wallet polled twice, a
   * step's length apart: a fleet's whole round again, an hour's schedule included). Past an interval it is a
   * new slot (a day back is not a day without polls).
   */
  #ranAlready(scheduledAt: number | undefined): boolean {
    const last = this.#lastTick;
    if (scheduledAt === undefined || !last || scheduledAt > last.at) return false;
    if (performance.now() - last.mono >= (this.intervalMs() ?? 60_000)) return false;
    this.opts.log.debug({ slot: new Date(scheduledAt).toISOString() }, 'tick skipped: its slot was polled before the wall clock stepped back');
    return true;
  }

  /** Slots node-cron found passed (a blocked event loop, a host asleep) come all at once: one line for them. */
  #noteMissed(at: number): void {
    const m = (this.#missed ??= { first: at, last: at, count: 0 });
    m.count++;
    m.first = Math.min(m.first, at);
    m.last = Math.max(m.last, at);
    if (m.count > 1) return;
    setImmediate(() => {
      this.#missed = undefined;
      const span = { first: new Date(m.first).toISOString(), last: new Date(m.last).toISOString() };
      this.opts.log.warn({ missed: m.count, ...span }, `missed ${m.count} scheduled poll(s) (event loop blocked or host asleep)`);
    });
  }

  /** Epoch ms of the next scheduled poll, or undefined when not scheduled. */
  nextRunAt(): number | undefined {
    if (this.#stopped) return undefined;
    return this.#task?.getNextRun()?.getTime();
  }

  /** Time between the next two scheduled polls (ms), or undefined when not scheduled. */
  intervalMs(): number | undefined {
    const [a, b] = this.#stopped ? [] : (this.#task?.getNextRuns(2) ?? []);
    return a && b ? b.getTime() - a.getTime() : undefined;
  }

  get running(): boolean {
    return this.#task !== undefined && !this.#stopped;
  }

  /** Stops scheduling and waits for the poll in flight, if any. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#clockWatch);
    await this.#task?.destroy();
    await this.#inFlight;
  }

  #tick(scheduledAt?: number): Promise<void> {
    if (this.#stopped || this.#ranAlready(scheduledAt)) return Promise.resolve();
    if (scheduledAt !== undefined) this.#lastTick = { at: scheduledAt, mono: performance.now() };
    if (this.#inFlight) {
      this.opts.onOverlap();
      return Promise.resolve();
    }
    const run = Promise.resolve()
      .then(() => this.opts.run(scheduledAt)) // a synchronous throw becomes a rejection too
      .catch((err: unknown) => this.opts.log.error({ err: describeError(err) }, 'poll crashed; the next tick polls again'))
      .finally(() => {
        this.#inFlight = undefined;
      });
    this.#inFlight = run;
    return run;
  }
}
