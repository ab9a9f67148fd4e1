/**
 * What a destination has the end of already: a resolve owed at two destinations of one receiver and kind (told
 * to the URL that took the firing, routed to the one a reload put in its place) and taken at one of them is noted
 * on the other's copy (Delivery.takenBy), in its outbox row; a reload or a start that changes the URL back hands
 * neither that copy nor what is owed before it of its alert to the destination that has the resolve: sent, they
 * came after it (start, resolve, repeat, resolve). Nothing else waits for them: they are dropped.
 */
import { notificationsOf, type Delivery } from './delivery.js';
import { keyClass, notificationKey } from './notifier.js';
import type { Target } from './target.js';
import { noteTold } from './told.js';

/**
 * What of `queue` (one target's, in order) the destination of `key` must never get: a resolve it took already
 * from another delivery (Delivery.takenBy), and what is owed before it of its alert (the start, repeats and
 * escalation it ends). Only deliveries of one alert: a digest holds other wallets' lines and moves, and when it
 * carries the alert's line, the resolve after it moves too (the digest would leave the destination's last word on
 * the alert FIRING). A waiting digest whose line is replaced (the alert fired again) loses its mark (grouping.ts).
 */
export function staleAt(queue: Iterable<Delivery>, key: string): Set<Delivery> {
  const stale = new Set<Delivery>();
  const before = new Map<string, Delivery[]>(); // alert id → its deliveries so far, not yet known stale
  const inDigest = new Set<string>(); // alert ids a digest before carries: it moves, so its alert's resolve moves after it
  for (const x of queue) {
    const ids = new Set(notificationsOf(x).map((n) => n.id));
    if (ids.size !== 1) {
      for (const id of ids) {
        before.delete(id);
        inDigest.add(id);
      }
      continue;
    }
    const id = x.notification.id;
    const owed = before.get(id) ?? [];
    owed.push(x);
    before.set(id, owed);
    if (!x.takenBy?.includes(key)) continue;
    // dropped after a digest that moves with the alert's line, `key` ended on that line (firing): the resolve follows it
    if (!inDigest.has(id)) for (const y of owed) stale.add(y);
    before.delete(id);
    inDigest.delete(id);
  }
  return stale;
}

/**
 * `t` took `x`: each copy of a resolve in it owed at another target of its receiver and kind (the resolve told to
 * the destination that took the firing, and routed to the one configured now) notes that `t` has it
 * (Delivery.takenBy), so that a reload or a start that brings `t` back never hands it there again. Kept in the
 * copy's row: a restart in between knows it. A firing `t` took marks its resolve owed at `t` told there (told.ts
 * noteTold). True when a delivery was marked.
 */
export function noteTaken(targets: Iterable<Target>, t: Target, x: Delivery): boolean {
  let marked = noteTold(t, x); // and a firing it took makes its resolve owed there told there (told.ts)
  const ends = notificationsOf(x).filter((n) => n.status === 'resolved');
  if (ends.length === 0) return marked;
  const key = t.notifier.key;
  for (const u of targets) {
    if (u === t || keyClass(u.notifier.key) !== keyClass(key)) continue; // only one of its receiver and kind is ever handed to it
    for (const n of ends) {
      for (const y of u.index.chainOf(n.id)) {
        if (y.more?.length || notificationKey(y.notification) !== notificationKey(n) || y.takenBy?.includes(key)) continue;
        (y.takenBy ??= []).push(key);
        marked = true;
      }
    }
  }
  return marked;
}
