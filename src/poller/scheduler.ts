import { createTask, type ScheduledTask } from 'node-cron';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

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
}

/**
 * Runs `run` once at start and then on every cron tick, never two at a time.
 * node-cron's own `noOverlap` guards its ticks; the in-flight check below also covers the start-up poll.
 */
export class Scheduler {
  #task: ScheduledTask | undefined;
  #inFlight: Promise<void> | undefined;
  #stopped = false;

  constructor(private readonly opts: SchedulerOptions) {}

  start(): void {
    const { log } = this.opts;
    this.#task = createTask(this.opts.schedule, (ctx) => this.#tick(ctx?.date?.getTime()), {
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
    this.#task.on('execution:overlap', () => this.opts.onOverlap());
    this.#task.on('execution:missed', (ctx) => log.warn({ slot: ctx.date.toISOString() }, 'missed a scheduled poll (event loop blocked or host asleep)'));
    void this.#task.start();
    void this.#tick();
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
    await this.#task?.destroy();
    await this.#inFlight;
  }

  #tick(scheduledAt?: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
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
