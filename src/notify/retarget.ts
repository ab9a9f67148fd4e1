/**
 * Which target is which after the receivers change (start, reload, restart): new channels join, changed ones
 * get their new sender, removed ones retire once they have sent what they owe — unless one was replaced by
 * another of the same receiver and kind (a webhook's URL corrected, an email's recipients changed): then
 * what it owes and is not sending goes to the new one. Works on the dispatcher's map of targets.
 */
import type { Logger } from '../log.js';
import { sameSettings } from './channel.js';
import type { Receiver } from './registry.js';
import { probeNow } from './parked.js';
import { shortenOpenDigest } from './grouping.js';
import { keyClass } from './notifier.js';
import { handOver, newTarget, type Target } from './target.js';
import { staysAtItsDestination } from './told.js';

/**
 * Applies `receivers`' notifiers to `targets`; `handOver` moves what a replaced target owes to its heir
 * (and says so) and returns how many moved. True when something may now be sent: deliveries moved, or an
 * open digest's interval was shortened.
 */
export function retarget(targets: Map<string, Target>, receivers: readonly Receiver[], handOver: (from: Target, heir: Target) => number): boolean {
  const live = new Set<string>();
  const added: Target[] = [];
  let retimed = false;
  for (const r of receivers) {
    for (const notifier of r.notifiers) {
      live.add(notifier.key);
      const t = targets.get(notifier.key);
      if (t) {
        if (t.notifier !== notifier) t.notifier.close?.();
        if (t.retired) added.push(t); // back (a URL reverted): what its replacement took may come home
        retimed = shortenOpenDigest(t, r.groupIntervalMs) || retimed;
        // a sender with other settings (a password changed) is not proven: one attempt out until it takes one
        Object.assign(t, { notifier, groupIntervalMs: r.groupIntervalMs, retired: false, heir: undefined, proven: t.proven === true && sameSettings(t.notifier, notifier) });
      } else {
        const fresh = newTarget(notifier, r.groupIntervalMs, false);
        targets.set(notifier.key, fresh);
        added.push(fresh);
      }
    }
  }
  const dropped = [...targets].filter(([key, t]) => !live.has(key) && !t.retired);
  const droppedKeys = dropped.map(([k]) => k);
  let moved = 0;
  for (const [key, t] of dropped) {
    const heir = soleReplacement(key, droppedKeys, added);
    t.heir = heir;
    moved += heir ? handOver(t, heir) : 0;
  }
  for (const [key, t] of targets) {
    if (live.has(key)) continue;
    t.retired = true;
    t.open = undefined; // sent when its interval ends, as it is
    t.waiting = undefined;
    if (t.queue.size > 0 || t.inFlight.size > 0) continue;
    targets.delete(key);
    t.notifier.close?.();
  }
  return moved > 0 || retimed;
}

/**
 * What the next start must know of the targets (saved with the outbox, resume.ts): the keys configured now, in
 * order, and for each retired target that still owes, the configured one its deliveries go to (liveHeir).
 */
export interface TargetBook {
  live: string[];
  heirs: Record<string, string>;
}

export function targetBook(targets: ReadonlyMap<string, Target>): TargetBook {
  const live: string[] = [];
  const heirs: Record<string, string> = {};
  for (const [key, t] of targets) {
    if (!t.retired) live.push(key);
    else {
      const heir = liveHeir(targets, t);
      if (heir) heirs[key] = heir.notifier.key;
    }
  }
  return { live, heirs };
}

/**
 * Where retired `t`'s owed deliveries go once they can: its heir, or the heir's heir after another reload (a URL
 * corrected twice while an attempt at the first was in flight); undefined when none is configured.
 */
export function liveHeir(targets: ReadonlyMap<string, Target>, t: Target): Target | undefined {
  const seen = new Set<Target>();
  let h = t.heir;
  while (h?.retired && !seen.has(h)) {
    seen.add(h);
    h = h.heir;
  }
  return h && !h.retired && targets.get(h.notifier.key) === h ? h : undefined;
}

/**
 * A retired target whose deliveries go to `t` and that still owes (or is sending) one of alert `id`: a new
 * notification of that alert waits there, behind it, and follows it or stays with it as it lands (the
 * dispatcher). Sent to `t` at once, a resolve overtook its firing still in flight at the old destination: the
 * firing then moved to `t` after it (an incident opened for good), or landed at the old one, which never got
 * the resolve.
 */
export function owingBefore(targets: ReadonlyMap<string, Target>, t: Target, id: string): Target | undefined {
  for (const p of targets.values()) if (p.retired && p !== t && movesOn(p, id) && liveHeir(targets, p) === t) return p;
  return undefined;
}

/** Retired `p` owes a delivery of alert `id` that moves to its heir in time (not one that stays there: told.ts). */
const movesOn = (p: Target, id: string): boolean => p.index.chainOf(id).some((y) => !staysAtItsDestination(y));

/**
 * Where notification `id` is queued, one delivery per target: each target it is routed to, or the retired one
 * that target replaced while it still owes the alert (owingBefore); and each target `told` of the alert firing,
 * pinned there (true: a handOver never moves it, the incident that destination opened is closed). Routed
 * behind its alert to a target it is also told at, one delivery does both: two were queued there, and that
 * destination got the resolve twice, or both moved with the alert's repeat to the new one and the old got none.
 * `also` (receivers told of the firing, no longer the wallet's) and `told` leave out a destination a place
 * reaches already under another key (a receiver renamed by a reload): a renamed receiver's mailbox and Slack
 * channel got every resolve twice. Decided by where deliveries are placed, not where they were routed: a
 * resolve routed to a URL but placed behind its firing at a retired one does not reach that URL.
 */
export function placesOf(targets: ReadonlyMap<string, Target>, to: { routed: readonly Target[]; also?: readonly Target[]; told: readonly Target[]; toldKeys?: ReadonlySet<string> }, id: string): Map<Target, Placement> {
  const out = new Map<Target, Placement>();
  // routed to a destination that took the alert's firing: told there (told.ts), a hand-over leaves it
  const routed = (at: Target): Placement => (to.toldKeys?.has(at.notifier.key) ? 'told' : 'routed');
  for (const t of to.routed) {
    const at = owingBefore(targets, t, id) ?? t;
    if (!out.has(at)) out.set(at, routed(at));
    // `t` took the firing and the URL it replaced owes a later one: each gets a resolve (told.ts), neither moves to the other
    if (at !== t && routed(t) === 'told') out.set(t, 'told');
  }
  const reached = () => new Set([...out.keys()].map((p) => destinationOf(p.notifier.key)));
  const elsewhere = (t: Target) => !out.has(t) && destinationOf(t.notifier.key) !== undefined && reached().has(destinationOf(t.notifier.key));
  for (const t of to.also ?? []) {
    const at = owingBefore(targets, t, id) ?? t;
    if (!out.has(at) && !elsewhere(at)) out.set(at, routed(at));
  }
  for (const t of to.told) if (!elsewhere(t)) out.set(t, 'pinned');
  return out;
}

/**
 * How a notification is queued at a target (placesOf): `routed` there; `told`, a resolve routed to the destination
 * that took its alert's firing (told.ts); `pinned`, a resolve owed there alone (told of the firing, not routed).
 */
export type Placement = 'routed' | 'told' | 'pinned';

/** The one target of `added` of `key`'s receiver and kind, when `key` is the only one of them `dropped`. */
function soleReplacement(key: string, dropped: readonly string[], added: readonly Target[]): Target | undefined {
  const heir = replacementKey(key, dropped, added.map((t) => t.notifier.key));
  return heir === undefined ? undefined : added.find((t) => t.notifier.key === heir);
}

/**
 * The one key of `added` of `key`'s receiver and kind, when `key` is the only one of them `dropped`: a reload
 * (or, from the keys an earlier run saved, a restart) that changed where that channel sends. Several dropped
 * or added of the class: which went where is unknown, and none is taken for another.
 */
export function replacementKey(key: string, dropped: readonly string[], added: readonly string[]): string | undefined {
  const cls = keyClass(key);
  if (cls === undefined || dropped.filter((k) => keyClass(k) === cls).length !== 1) return undefined;
  const heirs = added.filter((k) => keyClass(k) === cls);
  return heirs.length === 1 ? heirs[0] : undefined;
}

/**
 * Where a target key sends, whichever receiver holds it: `kind:digest` (`ops/webhook:1f2e` and the environment's
 * `webhook:webhook:1f2e` alike); undefined for a key that names no destination (the environment's `email`).
 */
export function destinationOf(key: string): string | undefined {
  if (key.includes('/')) return key.slice(key.indexOf('/') + 1);
  return key.startsWith('webhook:') && key.indexOf(':', 'webhook:'.length) > 0 ? key.slice('webhook:'.length) : undefined;
}

/**
 * The one configured target key with the destination of `key` (destinationOf) under another receiver's name:
 * the receiver was renamed (or the channel moved between ALERT_WEBHOOK_URL and a receiver) while the daemon
 * was stopped, and what it owed still goes where it was going. Undefined when none, or more than one, has it.
 */
export function sameDestination(keys: Iterable<string>, key: string): string | undefined {
  const wanted = destinationOf(key);
  if (wanted === undefined) return undefined;
  const found = [...keys].filter((k) => destinationOf(k) === wanted);
  return found.length === 1 ? found[0] : undefined;
}

/**
 * Moves what `from` owes to `heir` (target.ts handOver) and says so in the log (else a send elsewhere came
 * unexplained), and what it dropped there (taken.ts: `heir` took their alert's resolve already). `changed`: how
 * many moved, were copied or dropped; `dropped`: the outbox lost rows.
 */
export function handOverSaid(from: Target, heir: Target, keep: ReadonlySet<string> | undefined, now: number, log: Logger): { changed: number; dropped: boolean } {
  const { moved, dropped } = handOver(from, heir, keep);
  const route = { from: from.notifier.label, to: heir.notifier.label };
  if (moved > 0) log.info({ ...route, owed: moved }, 'owed notifications moved to the destination that replaced theirs');
  if (moved > 0) probeNow(heir, now); // what the old one's settings had refused: the new one tries one first
  if (dropped.length > 0) log.info({ ...route, dropped: dropped.length, ids: [...new Set(dropped.map((x) => x.notification.id))].slice(0, 20) }, "owed notifications dropped: the destination they would move to took their alert's resolve already");
  return { changed: moved + dropped.length, dropped: dropped.length > 0 };
}
