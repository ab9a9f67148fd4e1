/** A delivery (one notification, or a digest of several, to one target) and the rules of its retries. */
import type { Notification } from '../domain/alerts.js';
import type { NotifyError } from '../errors.js';
import type { Logger } from '../log.js';
import { backoff } from '../net/retry.js';
import { SEND_TIMEOUT_MS } from './notifier.js';

export interface Delivery {
  deliveryId: string;
  /** Notifier key. */
  target: string;
  /** The notification; a digest's first. */
  notification: Notification;
  /** A digest's other notifications, in the order they were decided (email and chat only). */
  more?: Notification[];
  /** A digest that still takes what fires before `nextAttemptAt` (its group interval ends). */
  open?: boolean;
  /** When a digest stopped collecting and became due (its interval ended): what its owed age counts from, not createdAt. */
  dueAt?: number;
  /** Order of arrival across restarts (createdAt ties within one poll's batch). */
  seq?: number;
  /** Who has it already: an email's recipients that took an attempt others were deferred from. */
  reached?: string[];
  /**
   * Owed at this destination and nowhere else (a resolve told to the destination that took its alert's
   * firing): a hand-over to the target that replaced it, by a reload or at a start, never moves it.
   */
  pinned?: boolean;
  /**
   * The destinations (target keys) that took this same resolve from another delivery while this one was owed
   * here (one told to the destination that took the firing: pinned there): never handed to one of them, which has
   * the alert's end already; this and what is owed here of its alert before it are dropped instead (taken.ts).
   */
  takenBy?: string[];
  /**
   * The alerts whose resolve this carries to a destination that took their firing (told.ts): a hand-over to the
   * target that replaced it, by a reload, leaves those resolves here (a digest's other lines move).
   */
  told?: string[];
  /**
   * Refused by its target's settings (a refused login or certificate, a wrong URL: NotifyError.setting): kept,
   * not retried on its own; the target is tried with one notification at a time until one is taken (parked.ts).
   * Its next attempt is its 24 h limit, so a probe prefers a notification not yet refused.
   */
  parked?: boolean;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export const MAX_DELIVERY_AGE_MS = 24 * 3_600_000;
export const MAX_RETRY_DELAY_MS = 5 * 60_000;
/** The longest group interval: a digest a day. */
export const GROUP_INTERVAL_MAX = { ms: 24 * 3_600_000, why: '24h (one digest a day)' };
/** An attempt still in flight this long has outlived every channel's own deadline (email's is 2 × SEND_TIMEOUT_MS). */
export const STUCK_AFTER_MS = 2 * SEND_TIMEOUT_MS + 15_000;
/** Attempts in flight at once per target: a slow receiver is not waited for one notification at a time. */
export const DEFAULT_TARGET_CONCURRENCY = 16;

/** Wait after failed attempt number `attempts` (1-based): base doubling, ±25 % jitter, at most 5 min. */
export function retryDelay(attempts: number, baseMs: number, random: () => number): number {
  return backoff(attempts, baseMs, MAX_RETRY_DELAY_MS, random);
}

/**
 * When a delivery still owed is given up: 24 h after it became due. A digest is due when its interval ends
 * (counted from its opening, a daily digest was given up at its first failure, or dropped by a restart).
 */
export const giveUpAt = (x: Delivery): number => (x.open ? x.nextAttemptAt : (x.dueAt ?? x.createdAt)) + MAX_DELIVERY_AGE_MS;

/** Moves a delivery's times by `ms` (a clock step): its age, its next attempt and its due time keep their distance to now. */
export function shiftDelivery(x: Delivery, ms: number): void {
  x.createdAt += ms;
  x.nextAttemptAt += ms;
  if (x.dueAt !== undefined) x.dueAt += ms;
}

/** `x`'s next attempt brought back to when it became due, so at once: it starts afresh (another destination, fixed settings). */
export const dueAgainAt = (x: Delivery): number => Math.min(x.nextAttemptAt, x.dueAt ?? x.createdAt);

/** A parked delivery is due again, at once (its channel's settings may have been fixed). True when it was parked. */
export function unpark(x: Delivery): boolean {
  if (!x.parked) return false;
  delete x.parked;
  x.nextAttemptAt = dueAgainAt(x);
  return true;
}

/** Says in the log that owed `x` is given up at `target` (its label; its key when no longer configured), and why. */
export function logGivenUp(log: Logger, target: string, x: Delivery, why: string): void {
  const all = notificationsOf(x); // a digest: every alert in it is lost, not its first alone
  const ids = all.length > 1 ? { notifications: all.length, ids: all.slice(0, 20).map((n) => n.id) } : {};
  const n = x.notification;
  log.error({ target, alert: n.alertname, status: n.status, severity: n.severity, id: n.id, ...ids }, `owed ${all.length > 1 ? `digest of ${all.length} notifications` : 'notification'} given up: ${why}`);
}

/** Every notification a delivery carries. */
export const notificationsOf = (x: Delivery): Notification[] => (x.more && x.more.length > 0 ? [x.notification, ...x.more] : [x.notification]);

/**
 * Notes a failed attempt on `x` (its count, its error, the recipients that have it now). Undefined: it is given
 * up (its 24 h are over; or a final no that is not the channel's settings' (NotifyError.setting), that `mayPark`
 * forbids keeping, or that some recipients took). 'parked': a final no kept until its 24 h are up (see
 * Delivery.parked). Else its next attempt is set — doubling, or the receiver's Retry-After when longer — and
 * `pauseMs` is how long that Retry-After holds every delivery to its target (0: none asked).
 */
export function noteFailure(x: Delivery, e: NotifyError, now: number, baseMs: number, random: () => number, mayPark: boolean): { pauseMs: number } | 'parked' | undefined {
  x.attempts += 1;
  x.lastError = e.message;
  if (e.reached) x.reached = [...e.reached];
  if (now >= giveUpAt(x)) return undefined;
  if (!e.retryable) {
    // not kept: a no to this notification itself, or some recipients have it (kept, their resolve waited behind it)
    if (!mayPark || !e.setting || (x.reached?.length ?? 0) > 0) return undefined;
    x.parked = true;
    x.nextAttemptAt = giveUpAt(x);
    return 'parked';
  }
  const pauseMs = Math.min(e.retryAfterMs ?? 0, MAX_RETRY_DELAY_MS);
  x.nextAttemptAt = now + Math.max(retryDelay(x.attempts, baseMs, random), pauseMs);
  return { pauseMs };
}
