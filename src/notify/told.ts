/**
 * A resolve routed to a destination that took its alert's firing (a start, a repeat or an escalation: the
 * routing's told-targets.ts) closes what that destination opened (a PagerDuty incident): a reload that changes
 * the channel's URL (or changes it back) leaves it there, with its own retries up to its 24 h, and hands over
 * the rest. Handed over, it reached the other URL (a resolve of an alert that one never heard of, or, a URL
 * changed back, dropped there as the resolve it had taken already) and the incident stayed open for good. Kept
 * on the delivery (Delivery.told: the alerts whose resolve it carries so), in its outbox row.
 *
 * Only those resolves stay: nothing later of their alerts, nor another wallet's line of a digest (the digest
 * moves, the told lines split off it), and nothing new of their alerts is placed behind them (retarget.ts
 * owingBefore): held at a retired URL, later notifications waited there (the trap of 83bd09f, reverted).
 * A start that finds the channel's URL changed while stopped cannot reach the old one (its URL is not kept):
 * there the resolve moves as before (resume.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Notification } from '../domain/alerts.js';
import { notificationsOf, type Delivery } from './delivery.js';
import type { Target } from './target.js';

/** The resolves `x` carries to a destination that took their alert's firing (Delivery.told). */
export function toldLines(x: Delivery): Notification[] {
  const told = x.told;
  if (!told?.length) return [];
  return notificationsOf(x).filter((n) => n.status === 'resolved' && told.includes(n.id));
}

/** Nothing of `x` would move at a hand-over: a pinned delivery, or one holding only told resolves. */
export function staysAtItsDestination(x: Delivery): boolean {
  return x.pinned === true || (x.told !== undefined && toldLines(x).length === notificationsOf(x).length);
}

/** `n` joins `x` (a digest; grouping.ts keepLatest), in place of what `x` held of its alert: `n`'s alert is told there only if `n` is its told resolve. */
export function noteJoined(x: Delivery, n: Notification, told: boolean): void {
  const rest = x.told?.filter((id) => id !== n.id) ?? [];
  if (told && n.status === 'resolved') rest.push(n.id);
  if (rest.length > 0) x.told = rest;
  else delete x.told;
}

/**
 * At a hand-over, digest `x` (told resolves among other lines) splits: the told resolves stay, in a delivery
 * of their own (returned, to be queued at the old destination), and leave `x`, which moves; a told resolve of an
 * alert that moved before it (`moved`: the destination it moves to took its start or repeat) stays in `x` too.
 * What stays keeps whom `x` reached (an email's recipients that took it: they have those resolves).
 */
export function splitTold(x: Delivery, moved: (n: Notification) => boolean): Delivery | undefined {
  const told = toldLines(x);
  if (told.length === 0) return undefined;
  const [first, ...more] = told;
  const stays: Delivery = { deliveryId: randomUUID(), target: x.target, notification: first!, ...(more.length > 0 ? { more } : {}), told: told.map((n) => n.id), seq: x.seq, createdAt: x.createdAt, ...(x.open ? { dueAt: x.nextAttemptAt } : x.dueAt !== undefined ? { dueAt: x.dueAt } : {}), attempts: 0, nextAttemptAt: x.nextAttemptAt, lastError: null, ...(x.reached?.length ? { reached: [...x.reached] } : {}) };
  const [head, ...rest] = notificationsOf(x).filter((n) => !told.includes(n) || moved(n));
  x.notification = head!; // not all told: staysAtItsDestination
  x.more = rest;
  delete x.told;
  return stays;
}

/**
 * `t` took `x`: a resolve owed at `t` of an alert `x` says firing (routed there while that firing was in flight or
 * retried: the routing did not know yet) is told there now. True when one was marked.
 */
export function noteTold(t: Target, x: Delivery): boolean {
  let marked = false;
  for (const n of notificationsOf(x)) {
    if (n.status !== 'firing') continue;
    for (const y of t.index.chainOf(n.id)) {
      if (y === x || y.pinned || y.told?.includes(n.id) || !notificationsOf(y).some((m) => m.id === n.id && m.status === 'resolved')) continue;
      (y.told ??= []).push(n.id);
      marked = true;
    }
  }
  return marked;
}
