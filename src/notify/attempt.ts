/**
 * What one delivery attempt does (the Dispatcher starts it, dispatch.ts): it sends the delivery, or its digest,
 * once; taken, it leaves the queue and the books say who took what (when each alert was last notified, where a
 * resolve must go later); refused, noteFailure gives it up or sets its retry and its target's pause. Each
 * outcome is said in the log and counted. Which attempts start, and when, is the dispatcher's.
 */
import { describeError, NotifyError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { noteFailure, notificationsOf, STUCK_AFTER_MS, type Delivery } from './delivery.js';
import type { DeliveredBook } from './delivered.js';
import type { Routing } from './routing.js';
import { removeFrom, type Target } from './target.js';
import { judged, mayPark, probeDeferred, settingsWork } from './parked.js';

/** What an attempt needs of the dispatcher that starts it. */
export interface AttemptDeps {
  /** Aborted once a stop's grace is over: the attempt ends and its delivery stays owed. */
  signal: AbortSignal;
  /** The dispatcher's clock (a step it notices moves every time the dispatcher keeps). */
  now: () => number;
  /** The book as the target takes the delivery: start() replaces the one an attempt may have begun with. */
  delivered: () => DeliveredBook;
  routing: Routing;
  metrics: Metrics;
  log: Logger;
  retryBaseDelayMs: number;
  random: () => number;
  /** Log an attempt still in flight after this long (default STUCK_AFTER_MS). */
  stuckAfterMs?: number | undefined;
  /** Writes the outbox, best effort; `reached`: a delivery a target just took (OutboxStore.mirror). */
  mirror: (reached?: Delivery) => Promise<unknown>;
}

/** One attempt at `x`; true when the target took it (or some of its recipients did). */
export async function attempt(t: Target, x: Delivery, o: AttemptDeps): Promise<boolean> {
  const notifier = t.notifier;
  const all = notificationsOf(x);
  const n = x.notification;
  const log = { target: notifier.label, alert: n.alertname, status: n.status, id: n.id, attempt: x.attempts + 1, ...(all.length > 1 ? { digest: all.length } : {}) };
  let took = false; // the target took it (or some of its recipients did): a restart must not send it again
  const stuckAfterMs = o.stuckAfterMs ?? STUCK_AFTER_MS;
  const watchdog = setTimeout(() => o.log.error({ ...log, inFlightMs: stuckAfterMs }, 'notification delivery stuck: the attempt outlived its deadline; this target gets nothing until it ends'), stuckAfterMs);
  watchdog.unref();
  try {
    if (all.length > 1 && notifier.sendDigest) await notifier.sendDigest(all, o.signal, x.reached);
    else await notifier.send(n, o.signal, x.reached);
    o.metrics.notifications.inc({ channel: notifier.channel, outcome: 'sent' });
    took = true;
    removeFrom(t, x);
    const acceptedAt = o.now();
    for (const y of all) {
      o.delivered().accepted(y, acceptedAt);
      o.routing.accepted(y, notifier.key, { notifier, groupIntervalMs: t.groupIntervalMs });
    }
    t.lastError = undefined;
    t.givenUp = undefined;
    o.log.info(log, all.length > 1 ? 'digest sent' : 'notification sent');
    proved(t, notifier, o.log); // its setting was fixed (or the receiver was): what it refused follows
  } catch (err) {
    const e = err instanceof NotifyError ? err : new NotifyError('network', describeError(err), { retryable: true });
    if (e.reason === 'aborted') return false; // stopping: stays owed, not a failed attempt
    o.metrics.notifications.inc({ channel: notifier.channel, outcome: 'failed' });
    // some recipients have it now: the login works, whatever the others' mailboxes say
    const had = x.reached?.length ?? 0;
    const reachedNow = (e.reached?.length ?? 0) > had;
    if (reachedNow) {
      took = true;
      t.givenUp = undefined; // it reaches people: what it gave up before is not the channel's trouble
      proved(t, notifier, o.log);
    }
    const now = o.now();
    const retry = noteFailure(x, e, now, o.retryBaseDelayMs, o.random, mayPark(t, x));
    // the channel's settings refused: this attempt reached no one, and no one had it, or the login or certificate
    // was refused (a 535 at the retry of an email some have: the password changed since); else shown to work (a
    // refusal of this notification, or of the recipients left when others have it)
    if (!e.retryable) judged(t, x, notifier, e.setting && !reachedNow && (had === 0 || e.reason === 'config'), e.message, now);
    if (!retry) {
      removeFrom(t, x);
      if (t.queue.size === 0) t.lastError = undefined; // nothing owed that it failed: what is owed is not in trouble
      if (!reachedNow && had === 0) t.givenUp = { count: (t.givenUp?.count ?? 0) + all.length, at: now, error: e.message }; // reached no one: said until it takes one
      o.log.error({ ...log, reason: e.reason }, `notification given up: ${e.message}`);
    } else if (retry === 'parked') {
      t.lastError = e.message;
      // a reload replaced the sender while this attempt was out: the new one is tried at once
      if (t.notifier !== notifier && t.refusing) t.refusing.probeAt = now;
      const next = t.refusing ? new Date(t.refusing.probeAt).toISOString() : 'a restart';
      o.log.error({ ...log, reason: e.reason, givenUpAt: new Date(x.nextAttemptAt).toISOString() }, `notification kept until its channel is fixed: ${e.message}; the channel is tried again with one notification at ${next}, at a restart, or at a reload (SIGHUP) for a receiver of WALLETS_FILE`);
    } else {
      probeDeferred(t, now); // refusing its settings: the next try keeps its schedule
      if (retry.pauseMs > 0) t.pausedUntil = Math.max(t.pausedUntil, now + retry.pauseMs);
      const changed = t.lastError !== e.message;
      t.lastError = e.message;
      o.log[changed ? 'warn' : 'debug']({ ...log, reason: e.reason, retryAt: new Date(x.nextAttemptAt).toISOString() }, `notification failed, will retry: ${e.message}`);
    }
  } finally {
    clearTimeout(watchdog);
  }
  // Not awaited: holding the target's slot until the commit would cap a target at a few sends per second
  // whatever its speed. What a target took is committed soon (OutboxStore.mirror), the rest with the next
  // grouped commit (up to a second later).
  void o.mirror(took ? x : undefined);
  return took;
}

/** `notifier` (`t`'s sender, or the one a reload replaced) got a notification through: `t`'s settings work, and what it kept follows (said in the log). */
function proved(t: Target, notifier: Target['notifier'], log: Logger): void {
  const unparked = settingsWork(t, notifier);
  if (unparked > 0) log.info({ target: notifier.label, owed: unparked }, 'a channel that had refused its settings took a notification: sending the ones it refused');
}
