/**
 * Delivery that loses nothing: every notification becomes one delivery per target, kept in an outbox
 * (in memory, mirrored to disk) until the target accepts it, gives a final no, or 24 h pass. Sending never
 * waits for the disk: a STATE_DIR that is read-only or full delays only the mirror, which retries by
 * itself. Targets are isolated from each other (a dead SMTP server never delays a webhook), each target
 * gets its deliveries in order, and a failed attempt waits ~5 s doubling up to 5 min (or the receiver's
 * Retry-After). At-least-once: a crash between sending and saving re-sends rather than loses.
 */
import { randomUUID } from 'node:crypto';
import type { Notification } from '../domain/alerts.js';
import { describeError, NotifyError, safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { MAX_TIMER_MS } from '../deadline.js';
import type { Notifier } from './notifier.js';
import { SEND_TIMEOUT_MS } from './notifier.js';
import type { OutboxDoc, OutboxStore } from './outbox-store.js';

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
/** An attempt still in flight this long has outlived every channel's own deadline (email's is 2 × SEND_TIMEOUT_MS). */
export const STUCK_AFTER_MS = 2 * SEND_TIMEOUT_MS + 15_000;
/** How many alert ids `lastDeliveredAt` remembers. */
const DELIVERED_MEMORY = 200;

/** A stop found owed notifications it could not write to STATE_DIR: they are lost. */
export class OwedNotSavedError extends Error {
  constructor(owed: number, file: string, code: string) {
    super(`${owed} owed notification(s) could not be saved to ${file} (${code}) and are lost`);
    this.name = 'OwedNotSavedError';
  }
}

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
  /** Log a delivery attempt still in flight after this long (default STUCK_AFTER_MS). */
  stuckAfterMs?: number;
  now?: () => number;
  random?: () => number;
}

export class Dispatcher {
  #outbox: Delivery[] = [];
  /** Alert id → when a target last accepted a notification of it. */
  #delivered = new Map<string, number>();
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

  /** Deliveries of this alert not yet accepted. */
  owedFor(alertId: string): number {
    return this.#outbox.filter((x) => x.notification.id === alertId).length;
  }

  /** When a target last accepted a notification of this alert (undefined if none ever did). */
  lastDeliveredAt(alertId: string): number | undefined {
    return this.#delivered.get(alertId);
  }

  /** Seconds since the oldest owed delivery was queued; 0 when nothing is owed. */
  oldestOwedAgeSeconds(): number {
    if (this.#outbox.length === 0) return 0;
    return Math.max(0, this.#now() - Math.min(...this.#outbox.map((x) => x.createdAt))) / 1000;
  }

  /** Loads what a previous run still owed, and starts sending it. */
  async start(): Promise<void> {
    const doc = await this.d.store.load(this.#now());
    const loaded = doc.deliveries;
    this.#delivered = new Map(Object.entries(doc.delivered));
    const now = this.#now();
    const keep = (x: Delivery) => this.#byKey.has(x.target) && now - x.createdAt < MAX_DELIVERY_AGE_MS;
    for (const x of loaded.filter((y) => !keep(y))) {
      const why = this.#byKey.has(x.target) ? 'older than 24 h' : 'its channel is no longer configured';
      this.d.log.error({ target: x.target, alert: x.notification.alertname, id: x.notification.id }, `owed notification given up: ${why}`);
    }
    this.#outbox = loaded.filter(keep);
    if (this.#outbox.length > 0) this.d.log.info({ owed: this.#outbox.length }, 'resuming owed notifications');
    this.#pump();
    if (this.#outbox.length !== loaded.length) await this.#mirror();
  }

  /**
   * Queues notifications for every target and starts sending them at once, from memory; resolves once the
   * outbox was written to disk, or the write failed (then it is retried in the background). Never rejects.
   */
  async enqueue(notifications: readonly Notification[]): Promise<void> {
    if (notifications.length === 0 || this.d.notifiers.length === 0) return;
    const now = this.#now();
    for (const notification of notifications) {
      for (const n of this.d.notifiers) {
        this.#outbox.push({ deliveryId: randomUUID(), target: n.key, notification, createdAt: now, attempts: 0, nextAttemptAt: now, lastError: null });
      }
    }
    this.#pump();
    await this.#mirror();
  }

  /**
   * No new attempts; sends in flight get `graceMs` to finish, then are aborted (and stay owed); the outbox is
   * saved. Rejects with OwedNotSavedError if deliveries are still owed and the outbox cannot be written.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.d.store.stopRetrying();
    const grace = setTimeout(() => this.#abort.abort(), graceMs);
    await Promise.allSettled(this.#inFlight.values());
    clearTimeout(grace);
    for (const n of this.d.notifiers) n.close?.();
    try {
      await this.d.store.save(this.#doc());
    } catch (err) {
      const code = safeErrorCode(err) ?? 'error';
      if (this.#outbox.length > 0) throw new OwedNotSavedError(this.#outbox.length, this.d.store.path, code);
      this.d.log.warn({ file: this.d.store.path, code }, 'cannot write the outbox at stop; nothing is owed, but a restart may re-send notifications already delivered');
    }
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
    const stuckAfterMs = this.d.stuckAfterMs ?? STUCK_AFTER_MS;
    const watchdog = setTimeout(() => this.d.log.error({ ...log, inFlightMs: stuckAfterMs }, 'notification delivery stuck: the attempt outlived its deadline; this target gets nothing until it ends'), stuckAfterMs);
    watchdog.unref();
    try {
      await notifier.send(n, this.#abort.signal);
      this.d.metrics.notifications.inc({ channel: notifier.channel, outcome: 'sent' });
      this.#remove(x);
      this.#remember(n.id);
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
    } finally {
      clearTimeout(watchdog);
    }
    await this.#mirror();
  }

  #remember(alertId: string): void {
    this.#delivered.delete(alertId); // re-inserted last: the map stays in delivery order
    this.#delivered.set(alertId, this.#now());
    for (const id of this.#delivered.keys()) {
      if (this.#delivered.size <= DELIVERED_MEMORY) break;
      this.#delivered.delete(id);
    }
  }

  #remove(x: Delivery): void {
    this.#outbox = this.#outbox.filter((y) => y !== x);
  }

  #doc(): OutboxDoc {
    return { deliveries: [...this.#outbox], delivered: Object.fromEntries(this.#delivered) };
  }

  /** Writes the outbox to disk, best effort (a failure shows in WriteHealth and is retried by the store). */
  #mirror(): Promise<boolean> {
    return this.d.store.mirror(() => this.#doc());
  }
}
