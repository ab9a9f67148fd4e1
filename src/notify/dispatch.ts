/**
 * Delivery that loses nothing: every notification becomes one delivery per target, kept in an outbox on
 * disk until the target accepts it, gives a final no, or 24 h pass. Targets are isolated from each
 * other (a dead SMTP server never delays a webhook), each target gets its deliveries in order, and a
 * failed attempt waits ~5 s doubling up to 5 min (or the receiver's Retry-After). At-least-once: a
 * crash between sending and saving re-sends rather than loses.
 */
import { randomUUID } from 'node:crypto';
import type { Notification } from '../domain/alerts.js';
import { describeError, NotifyError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Notifier } from './notifier.js';
import type { OutboxStore } from './outbox-store.js';

export interface Delivery {
  deliveryId: string;
  /** Notifier key. */
  target: string;
  notification: Notification;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export const MAX_DELIVERY_AGE_MS = 24 * 3_600_000;
export const MAX_RETRY_DELAY_MS = 5 * 60_000;
const MAX_TIMER_MS = 2_147_483_647;

/** Wait after failed attempt number `attempts` (1-based): base doubling, ±25 % jitter, at most 5 min. */
export function retryDelay(attempts: number, baseMs: number, random: () => number): number {
  return Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.min(attempts - 1, 20) * (0.75 + 0.5 * random()));
}

export interface DispatcherDeps {
  notifiers: readonly Notifier[];
  store: OutboxStore;
  metrics: Metrics;
  log: Logger;
  retryBaseDelayMs: number;
  now?: () => number;
  random?: () => number;
}

export class Dispatcher {
  #outbox: Delivery[] = [];
  readonly #inFlight = new Map<string, Promise<void>>(); // by target
  readonly #abort = new AbortController();
  readonly #byKey: Map<string, Notifier>;
  readonly #lastError = new Map<string, string>(); // by target: warn when the error changes
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(private readonly d: DispatcherDeps) {
    this.#byKey = new Map(d.notifiers.map((n) => [n.key, n]));
    this.#now = d.now ?? Date.now;
    this.#random = d.random ?? Math.random;
  }

  /** Deliveries not yet accepted. */
  get pending(): number {
    return this.#outbox.length;
  }

  /** Loads what a previous run still owed, and starts sending it. */
  async start(): Promise<void> {
    const loaded = await this.d.store.load(this.#now());
    const now = this.#now();
    const keep = (x: Delivery) => this.#byKey.has(x.target) && now - x.createdAt < MAX_DELIVERY_AGE_MS;
    for (const x of loaded.filter((y) => !keep(y))) {
      const why = this.#byKey.has(x.target) ? 'older than 24 h' : 'its channel is no longer configured';
      this.d.log.error({ target: x.target, alert: x.notification.alertname, id: x.notification.id }, `owed notification given up: ${why}`);
    }
    this.#outbox = loaded.filter(keep);
    if (this.#outbox.length > 0) this.d.log.info({ owed: this.#outbox.length }, 'resuming owed notifications');
    if (this.#outbox.length !== loaded.length) await this.#save();
    this.#pump();
  }

  /** Queues notifications for every target; resolves once they are safely in the outbox on disk. */
  async enqueue(notifications: readonly Notification[]): Promise<void> {
    if (notifications.length === 0 || this.d.notifiers.length === 0) return;
    const now = this.#now();
    for (const notification of notifications) {
      for (const n of this.d.notifiers) {
        this.#outbox.push({ deliveryId: randomUUID(), target: n.key, notification, createdAt: now, attempts: 0, nextAttemptAt: now, lastError: null });
      }
    }
    await this.#save();
    this.#pump();
  }

  /** No new attempts; sends in flight get `graceMs` to finish, then are aborted (and stay owed); the outbox is saved. */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const grace = setTimeout(() => this.#abort.abort(), graceMs);
    await Promise.allSettled(this.#inFlight.values());
    clearTimeout(grace);
    await this.#save();
    for (const n of this.d.notifiers) n.close?.();
  }

  /** Starts the head delivery of every idle target that is due, and arms a timer for the next one. */
  #pump(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const now = this.#now();
    let next = Infinity;
    for (const target of new Set(this.#outbox.map((x) => x.target))) {
      if (this.#inFlight.has(target)) continue;
      const head = this.#outbox.find((x) => x.target === target)!;
      if (head.nextAttemptAt <= now) {
        const run = this.#attempt(head).finally(() => {
          this.#inFlight.delete(target);
          this.#pump();
        });
        this.#inFlight.set(target, run);
      } else next = Math.min(next, head.nextAttemptAt);
    }
    if (Number.isFinite(next)) this.#timer = setTimeout(() => this.#pump(), Math.min(MAX_TIMER_MS, Math.max(0, next - now)));
  }

  async #attempt(x: Delivery): Promise<void> {
    const notifier = this.#byKey.get(x.target)!;
    const n = x.notification;
    const log = { target: notifier.label, alert: n.alertname, status: n.status, id: n.id, attempt: x.attempts + 1 };
    try {
      await notifier.send(n, this.#abort.signal);
      this.d.metrics.notifications.inc({ channel: notifier.channel, outcome: 'sent' });
      this.#remove(x);
      this.#lastError.delete(x.target);
      this.d.log.info(log, 'notification sent');
    } catch (err) {
      const e = err instanceof NotifyError ? err : new NotifyError('network', describeError(err), { retryable: true });
      if (e.reason === 'aborted') return; // stopping: stays owed, not a failed attempt
      this.d.metrics.notifications.inc({ channel: notifier.channel, outcome: 'failed' });
      x.attempts += 1;
      x.lastError = e.message;
      const now = this.#now();
      if (!e.retryable || now - x.createdAt >= MAX_DELIVERY_AGE_MS) {
        this.#remove(x);
        this.d.log.error({ ...log, reason: e.reason }, `notification given up: ${e.message}`);
      } else {
        x.nextAttemptAt = now + Math.max(retryDelay(x.attempts, this.d.retryBaseDelayMs, this.#random), Math.min(e.retryAfterMs ?? 0, MAX_RETRY_DELAY_MS));
        const changed = this.#lastError.get(x.target) !== e.message;
        this.#lastError.set(x.target, e.message);
        this.d.log[changed ? 'warn' : 'debug']({ ...log, reason: e.reason, retryAt: new Date(x.nextAttemptAt).toISOString() }, `notification failed, will retry: ${e.message}`);
      }
    }
    try {
      await this.#save();
    } catch (err) {
      this.d.log.error({ err: describeError(err), file: this.d.store.path }, 'cannot write the outbox');
    }
  }

  #remove(x: Delivery): void {
    this.#outbox = this.#outbox.filter((y) => y !== x);
  }

  #save(): Promise<void> {
    return this.d.store.save(this.#outbox);
  }
}
