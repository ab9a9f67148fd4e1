/**
 * Where a new notification goes at one target, PURE (time passed in): a delivery of its own, the target's open
 * digest (email and chat within the group interval), or a digest of the notifications that wait for the same
 * earlier deliveries of their alerts. The dispatcher does the sending (target.ts: what may start).
 */
import { randomUUID } from 'node:crypto';
import type { Notification } from '../domain/alerts.js';
import type { Delivery } from './delivery.js';
import type { Placement } from './retarget.js';
import { queue, removeFrom, waitKeys, type Target } from './target.js';
import { noteJoined } from './told.js';

/**
 * Queues `n` for `t` and returns the delivery that carries it now. On a target that groups:
 * - its alert's latest owed delivery is a digest still collecting (the open one, or one that waits): `n`
 *   replaces the alert's line there;
 * - nothing of its alert is owed: into the open digest, or its own delivery (a quiet target, or the wallet
 *   whose notification just left: its next ones leave at once too) or a new open digest;
 * - an earlier delivery of its alert is owed (a firing retried for one recipient's full mailbox, a channel
 *   down): it must wait for it, so never into the open digest (which would wait for it, and every wallet in
 *   it with it, for up to 24 h), but with every notification that waits for exactly the same deliveries.
 *   After a minute's outage during a fleet-wide event, each wallet's escalation and resolve otherwise left
 *   alone once the channel came back: 362 Slack posts and 362 mails for 200 wallets where 6 were due.
 */
export function addTo(t: Target, n: Notification, now: number, seq: number, placed: Placement = 'routed'): Delivery {
  const pinned = placed === 'pinned';
  const told = placed === 'told'; // its destination took the alert's firing: a hand-over leaves it there (told.ts)
  for (const stale of supersededRepeats(t, n)) removeFrom(t, stale);
  const digests = t.notifier.sendDigest !== undefined && t.groupIntervalMs > 0;
  const owed = t.index.chainOf(n.id);
  // a pinned resolve (owed at this destination alone) neither joins nor opens a digest, open or waiting: pinned,
  // the digest would stay behind at a hand-over, or be given up at a restart, with every other wallet's line in it
  const into = digests && !pinned ? collectingFor(t, owed, now) : undefined;
  if (into) {
    keepLatest(into, n);
    noteJoined(into, n, told);
    t.index.grew(into, n.id);
    return into;
  }
  const x: Delivery = { deliveryId: randomUUID(), target: t.notifier.key, notification: n, seq, createdAt: now, attempts: 0, nextAttemptAt: now, lastError: null, ...(pinned ? { pinned } : {}), ...(told ? { told: [n.id] } : {}) };
  if (digests && !pinned && owed.length > 0) {
    x.more = [];
    const key = waitKey(owed);
    (t.waiting ??= new Map()).set(key, x); // due now: it leaves as soon as what it waits for has
    waitKeys.set(x, key);
  } else if (digests && !pinned && !t.open) {
    if (now < t.lastSentAt + t.groupIntervalMs && n.account !== t.lastAccount) {
      x.open = true;
      x.more = [];
      x.nextAttemptAt = t.lastSentAt + t.groupIntervalMs;
      t.open = x;
    } else {
      t.lastSentAt = now;
      t.lastAccount = n.account;
    }
  }
  queue(t, x);
  return x;
}

/**
 * The digest still collecting that takes a notification whose alert owes `owed` here (in order): the one its
 * alert's latest is in; the open digest when nothing of the alert is owed; the one waiting for just `owed`.
 */
function collectingFor(t: Target, owed: readonly Delivery[], now: number): Delivery | undefined {
  const last = owed.at(-1);
  if (last === undefined) return t.open;
  if (last === t.open) return last;
  const waiting = t.waiting;
  if (!waiting) return undefined;
  const collecting = (key: string): Delivery | undefined => {
    const w = waiting.get(key);
    if (w && stillCollecting(t, w, now)) return w;
    waiting.delete(key); // started, left, or past its interval
    return undefined;
  };
  const lastKey = waitKeys.get(last);
  return (lastKey !== undefined && waiting.get(lastKey) === last ? collecting(lastKey) : undefined) ?? collecting(waitKey(owed));
}

/**
 * A waiting digest takes notifications until it is first tried (then it says what it said to everyone it reached),
 * and for one group interval at most: what joins it is given up with it 24 h after it was created (a resolve that
 * joined 20 h in had 4 h left), as an open digest's notifications have 24 h from the end of its interval.
 */
const stillCollecting = (t: Target, w: Delivery, now: number): boolean => t.queue.has(w) && w.attempts === 0 && !t.inFlight.has(w) && now < w.createdAt + t.groupIntervalMs;

const waitKey = (owed: readonly Delivery[]): string => owed.map((x) => x.deliveryId).join(' ');

/**
 * Puts `n` into a digest in place of what it holds of the same alert, else at its end: a digest says
 * each alert's state when it leaves. Holding an alert's start and its resolve, it counted the alert firing,
 * a chat digest cut at 40 lines kept the firing lines and dropped the resolved ones, and an email's subject
 * read [FIRING] when every alert in it had resolved.
 */
function keepLatest(open: Delivery, n: Notification): void {
  delete open.takenBy; // it no longer carries (only) the resolve another destination took: taken.ts staleAt must not drop it
  if (open.notification.id === n.id) {
    open.notification = n;
    return;
  }
  const more = (open.more ??= []);
  const i = more.findIndex((m) => m.id === n.id);
  if (i >= 0) more[i] = n;
  else more.push(n);
}

/**
 * The owed repeats of `n`'s alert that `n`, anything later of that alert, replaces: each alone in its
 * delivery (not in a digest) and not started. A receiver down for hours otherwise got every repeat of the
 * time in a burst when it came back, each with the figures of its own hour (before the escalation or the
 * resolve that followed them), and the outbox grew by one a repeat interval per alert. The alert's start,
 * an escalation and the resolve are never replaced.
 */
function supersededRepeats(t: Target, n: Notification): Delivery[] {
  return t.index.chainOf(n.id).filter((x) => x.notification.reason === 'repeat' && !x.open && (x.more?.length ?? 0) === 0 && !t.inFlight.has(x));
}

/**
 * A reload shortened the target's group interval: its open digest leaves when the new interval ends, not
 * the old one (cut from 24 h to 5 m, it held its notifications for a day). A longer one leaves it as
 * it was. True when it moved. The interval counts from the target's last send; from the digest's opening
 * when this target has sent nothing (a digest resumed at start, or handed over by a reload): counted from
 * no send, its due time was -Infinity, and its 24 h limit with it, so the first refusal gave it up.
 */
export function shortenOpenDigest(t: Target, groupIntervalMs: number): boolean {
  if (!t.open || groupIntervalMs >= t.groupIntervalMs) return false;
  const at = (Number.isFinite(t.lastSentAt) ? t.lastSentAt : t.open.createdAt) + groupIntervalMs;
  if (at >= t.open.nextAttemptAt) return false;
  t.open.nextAttemptAt = at;
  t.index.retimed();
  return true;
}
