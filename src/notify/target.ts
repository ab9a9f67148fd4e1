/**
 * One target's queue, PURE (time passed in): which deliveries may start now, what a reload hands over, what is
 * owed. Where a new notification goes is grouping.ts's; the dispatcher does the sending.
 */
import { randomUUID } from 'node:crypto';
import type { Notification } from '../domain/alerts.js';
import { dueAgainAt, notificationsOf, shiftDelivery, type Delivery } from './delivery.js';
import { DueIndex } from './due-index.js';
import type { Notifier } from './notifier.js';
import { staleAt } from './taken.js';
import { splitTold, staysAtItsDestination } from './told.js';

/** One target: its queue in arrival order, what is in flight, and its digest state. */
export interface Target {
  notifier: Notifier;
  groupIntervalMs: number;
  queue: Set<Delivery>;
  /** What in `queue` may start: kept with it (queue, removeFrom, retimed). */
  index: DueIndex;
  inFlight: Map<Delivery, Promise<void>>;
  /** When the last notification or digest left (in memory: a restart starts quiet). */
  lastSentAt: number;
  /**
   * The wallet whose notifications left at once since then (undefined after a digest): its own next ones
   * leave at once too, so one wallet's escalation or resolve never waits for a digest; another wallet's
   * notification within the group interval opens one.
   */
  lastAccount?: string | undefined;
  open: Delivery | undefined;
  /**
   * Digests of notifications that wait for earlier deliveries of their alerts, by the deliveries they wait for
   * (grouping.ts): each takes notifications for a group interval, until it is first tried. In memory: one resumed at a start takes no more.
   */
  waiting?: Map<string, Delivery>;
  /** Nothing starts before this: the receiver's Retry-After holds for every delivery to it, not only the one it answered. */
  pausedUntil: number;
  /** No longer in any receiver (a reload removed it): delivers what it owes, takes nothing new. */
  retired: boolean;
  /** The target a reload replaced this one by: what it still owes moves there once it can without reordering an alert. */
  heir?: Target | undefined;
  lastError: string | undefined;
  /** Refused for its settings (parked.ts): one attempt at a time, no sooner than `probeAt`; absent: they work. */
  refusing?: Refusing | undefined;
  /** Refusals for its settings since it last took a notification (parked.ts: one refused right after a take is that one's own). */
  refusedSinceTake?: number;
  /** It took a notification (some recipients did, or it judged one on its content) with these settings: they work (parked.ts settingsWork). */
  proven?: boolean;
  /**
   * Notifications given up after an attempt (a final no to their content, or past their 24 h) since it last took
   * one: how many, when the last, and why. Nothing of them is owed, so only this tells the status page that a
   * channel refusing every body (a chat service's webhook answering 400) reaches no one.
   */
  givenUp?: { count: number; at: number; error: string } | undefined;
}

/** A target whose settings were refused: what was said, when it is tried next, after how many refusals in a row. */
export interface Refusing {
  error: string;
  probeAt: number;
  refusals: number;
}

/** A waiting digest's key in its target's `waiting` (grouping.ts): its entry goes when it starts or leaves. */
export const waitKeys = new WeakMap<Delivery, string>();

/** `x` stopped collecting (started, or left the queue): its entry in `t.waiting`, if any, goes. */
function stopsWaiting(t: Target, x: Delivery): void {
  const key = waitKeys.get(x);
  if (key !== undefined && t.waiting?.get(key) === x) t.waiting.delete(key);
}

/** Appends `x` to `t`'s queue. */
export function queue(t: Target, x: Delivery): void {
  t.queue.add(x);
  t.index.add(x);
}

/** `x` now goes to the target of `key` (a destination that replaced its own), which starts afresh: not the old one's backoff (up to 5 min at a corrected URL). */
export function readdress(x: Delivery, key: string): void {
  x.target = key;
  if (x.open) return;
  x.attempts = 0;
  // a parked one stays parked: an email's destination is its recipients, and the login that refused it may be
  // the new one's too (the new one tries one first: parked.ts)
  if (!x.parked) x.nextAttemptAt = dueAgainAt(x);
}

/**
 * Moves what `from` owes to `to` (the target a reload replaced it by), in order, its open digest included,
 * except what would then overtake or be overtaken: a delivery in flight stays, and so does every later
 * delivery of its alerts, and of alerts `to` already owes (they move when those land: see the dispatcher), and
 * of the alerts in `keep` (an attempt at `from` that just landed accepted: they live at its destination now, and
 * their resolve must reach it). A pinned delivery stays too, and so does a resolve told to `from` (told.ts: it took
 * the alert's firing; a digest's told lines split off it); `to` gets a copy of what they hold of the alerts
 * moved before them (`to` took their earlier notifications, so their resolve is owed there as well). What `to`
 * has the resolve of already (taken.ts staleAt: a URL changed back, the old one took the resolve told to it) is dropped,
 * not moved: sent there, it came after that resolve (start, resolve, repeat, resolve). Returns how many
 * deliveries moved or were copied, and those dropped.
 */
export function handOver(from: Target, to: Target, keep: ReadonlySet<string> = new Set()): { moved: number; dropped: Delivery[] } {
  let moved = 0;
  const dropped: Delivery[] = [];
  const staying = new Set<string>();
  const movedIds = new Set<string>();
  const stale = staleAt(from.queue, to.notifier.key);
  // owed at `to` already (routed there since the reload, or older at a target a reload brought back): wait for them
  // an attempt at `to` that ended and has not landed yet is out of its queue: its alerts are owed there until it lands
  // (taken, it marks a resolve owed here as taken there: taken.ts noteTaken; moved in between, `to` got it twice)
  const landing = new Set<string>();
  for (const x of to.inFlight.keys()) if (!to.queue.has(x)) for (const n of notificationsOf(x)) landing.add(n.id);
  const owedThere = (id: string) => !movedIds.has(id) && (to.index.owesOther(id) || landing.has(id));
  const split: Delivery[] = [];
  // an attempt out that ended and has not landed yet is out of the queue: its alerts wait for its landing too (then
  // handed over, or kept if it took them); moved at another attempt's landing in between, a firing's resolve left
  // the destination that took the firing
  for (const x of from.inFlight.keys()) if (!from.queue.has(x)) for (const n of notificationsOf(x)) staying.add(n.id);
  for (const x of from.queue) {
    const ids = notificationsOf(x).map((n) => n.id);
    if (staysAtItsDestination(x)) {
      const copy = copyOf(x, to, (n) => movedIds.has(n.id));
      if (copy) {
        queue(to, copy);
        moved++;
      }
      continue;
    }
    if (from.inFlight.has(x) || ids.some((id) => staying.has(id) || keep.has(id))) {
      for (const id of ids) staying.add(id);
      continue;
    }
    if (stale.has(x)) {
      removeFrom(from, x);
      dropped.push(x);
      continue;
    }
    if (ids.some(owedThere)) {
      for (const id of ids) staying.add(id);
      continue;
    }
    removeFrom(from, x);
    const stays = splitTold(x, (n) => movedIds.has(n.id)); // a digest: its told resolves stay (told.ts)
    if (stays) split.push(stays);
    for (const n of notificationsOf(x)) movedIds.add(n.id);
    readdress(x, to.notifier.key);
    queue(to, x);
    moved++;
  }
  for (const x of split) queue(from, x);
  if (from.open && to.queue.has(from.open)) to.open = from.open;
  from.open = undefined;
  return { moved, dropped };
}

/** A delivery to `to` of what `x` holds that `keep` picks (undefined: nothing), due at once: a new destination starts afresh. */
function copyOf(x: Delivery, to: Target, keep: (n: Notification) => boolean): Delivery | undefined {
  const [first, ...more] = notificationsOf(x).filter(keep);
  if (!first) return undefined;
  return { deliveryId: randomUUID(), target: to.notifier.key, notification: first, ...(more.length > 0 ? { more } : {}), ...(x.dueAt !== undefined ? { dueAt: x.dueAt } : {}), seq: x.seq, createdAt: x.createdAt, attempts: 0, nextAttemptAt: dueAgainAt(x), lastError: null };
}

/** Moves every time `t` keeps by `ms` (the wall clock stepped): a retry due in 200 ms stays due in 200 ms. */
export function shiftTarget(t: Target, ms: number): void {
  t.lastSentAt += ms;
  t.pausedUntil += ms;
  if (t.refusing) t.refusing.probeAt += ms;
  for (const x of t.queue) shiftDelivery(x, ms);
  t.index.retimed();
}

/** Takes `x` out of `t`'s queue (accepted or given up). */
export function removeFrom(t: Target, x: Delivery): void {
  stopsWaiting(t, x);
  t.queue.delete(x);
  t.index.removed(x);
}

/**
 * What may start now, in queue order, up to `concurrency` in flight (nothing while the target is paused): a delivery waits while an earlier
 * delivery of one of its alerts (to this target) is owed, so each alert's notifications arrive in order.
 * A target not yet `proven` (a start, a reload that changed its settings) has one attempt out until it takes
 * one: a wrong password refused by 16 logins at once, before the first refusal came back, locks mail accounts.
 * A digest that starts stops collecting. `wake`: when the earliest waiting one is due (Infinity: none).
 */
export function dueOf(t: Target, now: number, concurrency: number): { start: Delivery[]; wake: number } {
  if (now < t.pausedUntil) return { start: [], wake: t.pausedUntil };
  const { start, wake } = t.index.take(now, (t.proven ? concurrency : 1) - t.inFlight.size);
  return { start: begin(t, start, now), wake };
}

/** `start` (taken from `t`'s index) begins: a digest among them stops collecting. */
export function begin(t: Target, start: Delivery[], now: number): Delivery[] {
  for (const x of start) {
    stopsWaiting(t, x);
    if (x.open) {
      x.open = false;
      x.dueAt = Math.min(now, x.nextAttemptAt);
      if (t.open === x) t.open = undefined;
      t.lastAccount = undefined;
    }
    if (t.notifier.sendDigest) t.lastSentAt = Math.max(t.lastSentAt, now);
  }
  return start;
}

export function newTarget(notifier: Notifier, groupIntervalMs: number, retired: boolean): Target {
  return { notifier, groupIntervalMs, queue: new Set(), index: new DueIndex(), inFlight: new Map(), lastSentAt: -Infinity, pausedUntil: -Infinity, open: undefined, retired, lastError: undefined };
}

/** Notifications not yet accepted, one per target (a digest counts each it holds, an open one too). */
export function owedCount(targets: Iterable<Target>): number {
  let n = 0;
  for (const t of targets) for (const x of t.queue) n += 1 + (x.more?.length ?? 0);
  return n;
}

/** Deliveries not yet accepted, per alert id. */
export function owedByAlert(targets: Iterable<Target>): Map<string, number> {
  const owed = new Map<string, number>();
  for (const t of targets) {
    for (const x of t.queue) for (const id of new Set(notificationsOf(x).map((y) => y.id))) owed.set(id, (owed.get(id) ?? 0) + 1);
  }
  return owed;
}

/** A channel that owes notifications its last attempt failed at, or gave some up since it last took one (ChannelTrouble: the status page says so). */
export interface ChannelTrouble {
  /** The channel's label (its kind and host: never its URL, key or recipients). */
  label: string;
  /** Its last failure, in the words of the log (no secret). */
  error: string;
  /** Notifications owed to it. */
  owed: number;
  /** When the oldest owed became due (none owed: when the last was given up). */
  since: number;
  /** While its settings are refused: when it is tried next (one notification). */
  retryAt?: number | undefined;
  /** Notifications given up after an attempt since it last took one (Target.givenUp). */
  givenUp?: number | undefined;
}

/** The targets whose last attempt failed and that still owe (an open digest still collecting is not late), or gave some up since their last take; the longest owed first. */
export function troubledTargets(targets: Iterable<Target>): ChannelTrouble[] {
  const out: ChannelTrouble[] = [];
  for (const t of targets) {
    const g = t.retired ? undefined : t.givenUp;
    if (t.lastError === undefined && !t.refusing && !g) continue; // refusing from a start: no attempt has failed here yet
    let owed = 0;
    let since = Infinity;
    for (const x of t.queue) {
      if (x.open) continue;
      owed += 1 + (x.more?.length ?? 0);
      since = Math.min(since, x.dueAt ?? x.createdAt);
    }
    const error = t.refusing?.error ?? t.lastError ?? g?.error ?? '';
    if (owed > 0 || g) out.push({ label: t.notifier.label, error, owed, since: owed > 0 ? since : g!.at, retryAt: t.retired ? undefined : t.refusing?.probeAt, givenUp: g?.count });
  }
  return out.sort((a, b) => a.since - b.since);
}

/**
 * When the oldest owed delivery became due (Infinity: none): a digest still collecting is not late, and one
 * that closed counts from the end of its interval, not its creation.
 */
export function oldestOwedDueAt(targets: Iterable<Target>): number {
  let oldest = Infinity;
  for (const t of targets) for (const x of t.queue) if (!x.open) oldest = Math.min(oldest, x.dueAt ?? x.createdAt);
  return oldest;
}
